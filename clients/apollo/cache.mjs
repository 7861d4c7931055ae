// Apollo Client's InMemoryCache over the live gateway: the nested device view (the document is
// given on stdin: tests/queries.py's) is normalised into one entry per object, `node(id:)` for a
// device already fetched is answered from the cache without a request, and `errorPolicy: 'all'`
// keeps the data of a partial result. Prints one JSON object; tests/test_clients.py judges it.
//
//   node apollo/cache.mjs http://127.0.0.1:8000/graphql <token> < nested-view.graphql
import { readFileSync } from 'node:fs';

import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';

const [endpoint, token] = process.argv.slice(2);
const NESTED_DEVICE_VIEW = gql(readFileSync(0, 'utf8'));

// Everything Apollo warns or errors about (a missing id, data lost on merge, a missing field).
const complaints = [];
for (const level of ['warn', 'error']) {
  console[level] = (...args) => complaints.push(args.map(String).join(' '));
}

const requests = [];
const link = new HttpLink({
  uri: endpoint,
  headers: { authorization: `Bearer ${token}` },
  fetch: (url, init) => {
    requests.push(JSON.parse(init.body).operationName ?? null);
    return fetch(url, init);
  },
});

/** A global ID is URL-safe base64 of `Type:databaseId`: its type names the cache entry. */
const typenameOf = (id) => Buffer.from(id, 'base64url').toString('utf8').split(':')[0];

const cache = new InMemoryCache({
  typePolicies: {
    Query: {
      fields: {
        // node(id:) of an object already in the cache is read from it (a cache redirect).
        node: {
          read(existing, { args, toReference }) {
            return existing ?? toReference({ __typename: typenameOf(args.id), id: args.id });
          },
        },
      },
    },
  },
});
// As the README advises: a partial result (an upstream down) keeps its data.
const client = new ApolloClient({
  link,
  cache,
  defaultOptions: { query: { errorPolicy: 'all' } },
});

const view = await client.query({ query: NESTED_DEVICE_VIEW, variables: { first: 10 } });
const entries = Object.keys(cache.extract());

const deviceId = view.data.devices.edges[0].node.id;
const before = requests.length;
const fromCache = await client.query({
  query: gql`
    query DeviceFromCache($id: ID!) {
      node(id: $id) {
        id
        ... on Device {
          name
          serialNumber
          assignee {
            id
            name
          }
        }
      }
    }
  `,
  variables: { id: deviceId },
  fetchPolicy: 'cache-first',
});
const nodeRequests = requests.length - before;

const partial = await client.query({
  query: gql`
    query Partial {
      viewer {
        roles
      }
      node(id: "!") {
        id
      }
    }
  `,
  fetchPolicy: 'network-only',
});

console.log(
  JSON.stringify({
    view: view.data,
    viewErrors: view.error?.message ?? null,
    entries,
    node: fromCache.data.node,
    nodeRequests,
    partial: { data: partial.data, error: partial.error?.message ?? null },
    requests,
    complaints,
  }),
);
