// Starts GraphiQL against the address this page was served from (/graphql). Everything it
// loads comes from this server: no CDN, so it works on an intranet without internet access.
// Sign in with the signIn mutation, then put {"Authorization": "Bearer <token>"} in Headers.
(function () {
  'use strict';
  var url = window.location.href.split(/[?#]/)[0];
  var fetcher = GraphiQL.createFetcher({ url: url });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      // A bearer token is not kept in the browser's storage after the tab is closed.
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
    })
  );
})();
