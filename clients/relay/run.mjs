// Runs the Relay compiler's operations against a live gateway with relay-runtime, as a Relay app
// does: the first page of DeviceList_query, two more pages through the generated pagination
// query (Relay's ConnectionHandler appends them to the @connection), then DeviceCard_device
// refetched through node(id:) with another @argumentDefinitions value. The network layer sends
// each operation as a persisted document (`documentId`: the compiler emitted no text). Prints
// one JSON object with what the store holds; tests/test_clients.py judges it.
//
//   node relay/compile.mjs && node relay/run.mjs http://127.0.0.1:8000/graphql <token>
import {
  ConnectionHandler,
  Environment,
  Network,
  RecordSource,
  Store,
  fetchQuery,
} from 'relay-runtime';

import DeviceCardRefetchQuery from './__generated__/DeviceCardRefetchQuery.graphql.js';
import DeviceListPaginationQuery from './__generated__/DeviceListPaginationQuery.graphql.js';
import DeviceListQuery from './__generated__/DeviceListQuery.graphql.js';

const [endpoint, token] = process.argv.slice(2);
const PAGE = 4;

const sent = [];
const network = Network.create(async (params, variables) => {
  sent.push({ name: params.name, id: params.id, text: params.text });
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      accept: 'application/graphql-response+json, application/json;q=0.9',
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ documentId: params.id, operationName: params.name, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`${params.name}: ${JSON.stringify(body.errors)}`);
  return body;
});
const environment = new Environment({ network, store: new Store(new RecordSource()) });

/** Reads the store the way Relay's hooks see it: the connection's edges, in order. */
function connection() {
  let seen = null;
  environment.commitUpdate((store) => {
    const devices = ConnectionHandler.getConnection(store.getRoot(), 'DeviceList_devices');
    const edges = devices.getLinkedRecords('edges') ?? [];
    const pageInfo = devices.getLinkedRecord('pageInfo');
    seen = {
      totalCount: devices.getValue('totalCount'),
      ids: edges.map((edge) => edge.getLinkedRecord('node').getDataID()),
      names: edges.map((edge) => edge.getLinkedRecord('node').getValue('name')),
      endCursor: pageInfo.getValue('endCursor'),
      hasNextPage: pageInfo.getValue('hasNextPage'),
    };
  });
  return seen;
}

await fetchQuery(environment, DeviceListQuery, { count: PAGE }).toPromise();
const pages = [connection()];
for (let i = 0; i < 2; i += 1) {
  const { endCursor } = pages[pages.length - 1];
  await fetchQuery(environment, DeviceListPaginationQuery, {
    count: PAGE,
    cursor: endCursor,
  }).toPromise();
  pages.push(connection());
}

const deviceId = pages[0].ids[0];
await fetchQuery(environment, DeviceCardRefetchQuery, { id: deviceId, parcelCount: 3 }).toPromise();
let card = null;
environment.commitUpdate((store) => {
  const device = store.get(deviceId);
  const parcels = device.getLinkedRecord('parcels', { first: 3 });
  card = {
    id: deviceId,
    serialNumber: device.getValue('serialNumber'),
    parcelsTotal: parcels.getValue('totalCount'),
    parcelIds: (parcels.getLinkedRecords('edges') ?? []).map((e) =>
      e.getLinkedRecord('node').getDataID(),
    ),
  };
});

console.log(JSON.stringify({ page: PAGE, pages, card, sent }));
