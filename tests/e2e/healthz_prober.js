// Times GET /healthz, one request at a time on one keep-alive connection,
// every 10 ms until it is sent SIGTERM or its time is up, then prints
// {"samples":[ms…],"statuses":{…}}. It runs in a process of its own so
// that a busy test or benchmark process does not count against the proxy.
//   node healthz_prober.js PORT [MS]
'use strict';
const http = require('node:http');

const port = Number(process.argv[2]);
const end = Date.now() + Number(process.argv[3] || 3600000);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const samples = [];
const statuses = {};
let stopping = false;
process.on('SIGTERM', () => { stopping = true; });

function once() {
  return new Promise((resolve) => {
    const t = process.hrtime.bigint();
    const done = (key) => {
      samples.push(Number(process.hrtime.bigint() - t) / 1e6);
      statuses[key] = (statuses[key] || 0) + 1;
      resolve();
    };
    http.get({ host: '127.0.0.1', port, path: '/healthz', agent }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode));
    }).on('error', (e) => done(e.code || 'error'));
  });
}

(async () => {
  while (!stopping && Date.now() < end) {
    await once();
    await new Promise((r) => setTimeout(r, 10));
  }
  agent.destroy();
  process.stdout.write(JSON.stringify({ samples, statuses }));
})();
