// Renders GraphiQL for the fleet gateway. Its configuration (endpoint, headers, example query)
// comes from the page's inert `application/json` block: the Content-Security-Policy allows no
// inline script, only the gateway's own files.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('graphiql-config').textContent);
  // Style elements that GraphiQL's dialogs inject carry this nonce (the policy's style-src).
  window.__webpack_nonce__ = config.styleNonce;

  var headers = config.headers ? JSON.parse(config.headers) : {};
  // Sent with every request, the schema's introspection included (the header editor's own
  // values are added to the operations a person runs, and win).
  var fetcher = GraphiQL.createFetcher({ url: config.endpoint, headers: headers });
  // In the sidebar (GraphiQL 4 ignores a plugin made visible before its first render).
  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  var props = {
    fetcher: fetcher,
    plugins: [explorer],
    defaultEditorToolsVisibility: true,
    defaultQuery: config.query,
  };
  if (!window.localStorage.getItem('graphiql:tabState')) {
    // A first visit opens on the example, ready to run.
    props.query = config.query;
    props.variables = config.variables;
  }
  if (config.headers) {
    // A fresh demo token on every load (a remembered tab's token may have expired).
    props.headers = config.headers;
  }
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, props),
  );
})();
