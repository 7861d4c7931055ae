// A persisted-query round trip with Apollo's persisted-queries link, as a mobile client makes
// it: the first client sends only the query's SHA-256 (over GET, cacheable), is told
// PERSISTED_QUERY_NOT_FOUND, and registers the text; a second client (a fresh cache, another
// app start) then gets the result from the hash alone. The document is given on stdin. Prints
// one JSON object with every request the clients made; tests/test_clients.py judges it.
//
//   node apollo/persisted.mjs http://127.0.0.1:8000/graphql <token> < query.graphql
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';

const [endpoint, token] = process.argv.slice(2);
const QUERY = gql(readFileSync(0, 'utf8'));

const requests = [];
function recordingFetch(url, init) {
  const parsed = new URL(url);
  const params = init.method === 'GET' ? Object.fromEntries(parsed.searchParams) : JSON.parse(init.body);
  const extensions =
    typeof params.extensions === 'string' ? JSON.parse(params.extensions) : params.extensions;
  const request = {
    method: init.method,
    withText: typeof params.query === 'string' && params.query.length > 0,
    sha256Hash: extensions?.persistedQuery?.sha256Hash ?? null,
  };
  return fetch(url, init).then(async (response) => {
    const body = await response.clone().json();
    requests.push({ ...request, status: response.status, codes: (body.errors ?? []).map((e) => e.extensions?.code) });
    return response;
  });
}

function mobileClient() {
  const persisted = new PersistedQueryLink({
    sha256: (text) => createHash('sha256').update(text).digest('hex'),
    useGETForHashedQueries: true,
  });
  const http = new HttpLink({
    uri: endpoint,
    headers: { authorization: `Bearer ${token}` },
    fetch: recordingFetch,
  });
  return new ApolloClient({ link: persisted.concat(http), cache: new InMemoryCache() });
}

const first = await mobileClient().query({ query: QUERY, variables: { first: 3 } });
const registration = requests.length;
const second = await mobileClient().query({ query: QUERY, variables: { first: 3 } });

console.log(
  JSON.stringify({
    first: first.data,
    second: second.data,
    firstRequests: requests.slice(0, registration),
    secondRequests: requests.slice(registration),
  }),
);
