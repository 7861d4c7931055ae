// Follows a device action run to its end with the `graphql-ws` client (protocol
// graphql-transport-ws, the token in `connection_init`), as a browser app would: every event of
// `deviceActionRunUpdated(runId:)` until the server completes the subscription. Prints one JSON
// object with the events; tests/test_clients.py judges it.
//
//   node ws/follow-run.mjs http://127.0.0.1:8000/graphql <token> <run id>
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [endpoint, token, runId] = process.argv.slice(2);
const url = endpoint.replace(/^http/, 'ws');

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
});

const events = [];
const subscription = client.iterate({
  query: `subscription Follow($runId: ID) {
    deviceActionRunUpdated(runId: $runId) {
      id
      action
      status
      finishedAt
      targets { status code failure }
    }
  }`,
  variables: { runId },
});
const deadline = setTimeout(() => {
  console.error('the run did not finish within 60 s');
  process.exit(1);
}, 60_000);
for await (const event of subscription) {
  if (event.errors) throw new Error(JSON.stringify(event.errors));
  events.push(event.data.deviceActionRunUpdated);
}
clearTimeout(deadline);
await client.dispose();
console.log(JSON.stringify({ events }));
