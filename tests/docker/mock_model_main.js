// The scripted model server as a service of its own: it listens on
// loopback (as in every other test), so a forwarder on 0.0.0.0:8080 lets
// the compose stack's codex reach it.
'use strict';
const net = require('node:net');
const { startMockModelServer } = require('./mock_model_server');

(async () => {
  const mock = await startMockModelServer();
  mock.script = () => ({ text: 'Hello from the compose stack.' });
  net.createServer((client) => {
    const upstream = net.connect(mock.port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  }).listen(8080, '0.0.0.0', () => console.log('mock model server on :8080'));
})();
