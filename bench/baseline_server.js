// The reference server of the benchmarks: a minimal Node http server in a
// process of its own, so that its memory is measured from /proc like the
// proxy's, without the harness, the scripted model server or the clients.
// Answers GET /healthz with the body given in argv[2], anything else with
// a 401 error envelope and a close, as the proxy does without a key. Prints its port.
'use strict';
const http = require('node:http');

const health = process.argv[2] || '{"status":"ok"}';
const unauthorized = JSON.stringify({ error: { message: 'You didn\'t provide an API key.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
const srv = http.createServer((req, res) => {
  const ok = req.url === '/healthz';
  const body = ok ? health : unauthorized;
  // Like the proxy, a refused request closes its connection.
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  if (!ok) headers.connection = 'close';
  res.writeHead(ok ? 200 : 401, headers);
  res.end(body);
});
srv.keepAliveTimeout = 120000;
srv.headersTimeout = 121000;
srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));
