// Benchmarks of codex-proxy, each against a baseline run in the same
// invocation on the same machine, so the figures are ratios that travel
// between machines better than absolute times do. Loopback only, bounded.
//
//   1. a chat completion through the proxy vs `codex exec` run directly
//      with the same flags against the same scripted model server; and
//      codex run as a model (the proxy's flags and catalog) vs codex run
//      with its agent defaults;
//   2. /healthz requests per second, one keep-alive client, vs a minimal
//      Node http server answering the same bytes;
//   3. resident memory holding 500 idle connections, vs that Node server.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { startProxy, post, tmpdir } = require('../tests/e2e/harness');

const RUNS = 15;
const THROUGHPUT_MS = 3000;
const IDLE_CONNECTIONS = 500;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function rssKiB(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
}

// What executor/codex_exec_backend.cpp adds to make codex a model.
const MODEL_FLAGS = (p) => ['-c', 'web_search="disabled"', '-c', 'analytics.enabled=false',
  ...['shell_tool', 'unified_exec', 'view_image', 'multi_agent', 'goals', 'shell_snapshot', 'plugins', 'apps',
    'skill_search', 'image_generation', 'tool_suggest', 'hooks', 'browser_use', 'computer_use', 'sleep_tool',
    'skill_mcp_dependency_install'].flatMap((f) => ['--disable', f]),
  '-c', `model_catalog_json="${path.join(p.privateHome, 'codex-proxy-models.json')}"`];

function codexDirect(p, asModel) {
  const dir = tmpdir('bench-job-');
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const c = spawn(process.env.CODEX_CLI, ['exec', '--json', '--skip-git-repo-check', '--ephemeral', '--sandbox',
      'read-only', '-C', dir, '--disable', 'unbounded_connection_retries', ...(asModel ? MODEL_FLAGS(p) : []), '--', '-'],
    { env: { PATH: process.env.PATH, HOME: process.env.HOME, CODEX_HOME: p.codexHome }, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.on('exit', (code) => {
      fs.rmSync(dir, { recursive: true, force: true });
      if (code !== 0 || !out.includes('turn.completed')) reject(new Error(`codex exec failed: ${out}`));
      else resolve(Number(process.hrtime.bigint() - t) / 1e6);
    });
    c.stdin.end('Say hi');
  });
}

async function proxied(p) {
  const t = process.hrtime.bigint();
  const r = await post(p, '/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'Say hi' }] });
  if (r.status !== 200) throw new Error(`proxy answered ${r.status}`);
  await r.json();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function completions(p) {
  const agent = [];
  const direct = [];
  const viaProxy = [];
  await codexDirect(p, false);  // warm caches for every side alike
  await codexDirect(p, true);
  await proxied(p);
  for (let i = 0; i < RUNS; i++) {  // interleaved, so drift hits all
    agent.push(await codexDirect(p, false));
    direct.push(await codexDirect(p, true));
    viaProxy.push(await proxied(p));
  }
  return { agent: median(agent), direct: median(direct), proxy: median(viaProxy) };
}

// Requests per second from one keep-alive connection sending one request
// at a time.
function throughput(port, route) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const req = `GET ${route} HTTP/1.1\r\nHost: x\r\n\r\n`;
    let n = 0;
    let buf = '';
    const end = Date.now() + THROUGHPUT_MS;
    sock.on('connect', () => sock.write(req));
    sock.on('data', (d) => {
      buf += d;
      const m = /Content-Length: (\d+)\r\n[\s\S]*?\r\n\r\n/i.exec(buf);
      if (!m || buf.length < m.index + m[0].length + Number(m[1])) return;
      buf = buf.slice(m.index + m[0].length + Number(m[1]));
      n++;
      if (Date.now() < end) sock.write(req);
      else { sock.destroy(); resolve(n / (THROUGHPUT_MS / 1000)); }
    });
  });
}

async function holdIdle(port, count) {
  const socks = [];
  for (let i = 0; i < count; i++) {
    const s = net.connect(port, '127.0.0.1');
    await new Promise((r) => s.on('connect', r));
    socks.push(s);
  }
  await new Promise((r) => setTimeout(r, 300));
  return socks;
}

async function baselineServer(body) {
  const srv = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  srv.keepAliveTimeout = 60000;
  srv.headersTimeout = 61000;
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return srv;
}

async function main() {
  const p = await startProxy({ CODEX_PROXY_MAX_CONNECTIONS: String(IDLE_CONNECTIONS + 50), CODEX_PROXY_MAX_CONNECTIONS_PER_PEER: '0', CODEX_PROXY_IDLE_TIMEOUT_MS: '60000', CODEX_PROXY_HEADER_TIMEOUT_MS: '60000' });
  p.mock.script = () => ({ text: 'hi' });
  const body = JSON.stringify(await p.health());
  const base = await baselineServer(body);
  try {
    const c = await completions(p);
    const proxyRps = await throughput(p.port, '/healthz');
    const nodeRps = await throughput(base.address().port, '/');
    const proxyRss0 = rssKiB(p.proc.pid);
    const nodeRss0 = process.memoryUsage().rss / 1024;
    const a = await holdIdle(p.port, IDLE_CONNECTIONS);
    const proxyPerConn = (rssKiB(p.proc.pid) - proxyRss0) * 1024 / IDLE_CONNECTIONS;
    a.forEach((s) => s.destroy());
    const b = await holdIdle(base.address().port, IDLE_CONNECTIONS);
    const nodePerConn = (process.memoryUsage().rss / 1024 - nodeRss0) * 1024 / IDLE_CONNECTIONS;
    b.forEach((s) => s.destroy());
    const rows = [
      ['chat completion, median of ' + RUNS, `${c.proxy.toFixed(0)} ms`, `codex exec alone, same flags: ${c.direct.toFixed(0)} ms`, `${(c.proxy / c.direct).toFixed(2)}x`],
      ['codex exec as a model (the proxy\'s flags), median of ' + RUNS, `${c.direct.toFixed(0)} ms`, `codex exec as an agent (defaults): ${c.agent.toFixed(0)} ms`, `${(c.direct / c.agent).toFixed(2)}x`],
      ['/healthz, 1 keep-alive client', `${proxyRps.toFixed(0)} req/s`, `node http: ${nodeRps.toFixed(0)} req/s`, `${(proxyRps / nodeRps).toFixed(2)}x`],
      [`memory per idle connection (${IDLE_CONNECTIONS})`, `${(proxyPerConn / 1024).toFixed(1)} KiB`, `node http: ${(nodePerConn / 1024).toFixed(1)} KiB`, `${(proxyPerConn / Math.max(nodePerConn, 1)).toFixed(2)}x`],
      ['supervisor RSS at rest', `${(proxyRss0 / 1024).toFixed(1)} MiB`, `node http: ${(nodeRss0 / 1024).toFixed(1)} MiB`, `${(proxyRss0 / nodeRss0).toFixed(2)}x`],
    ];
    console.log('| measure | codex-proxy | baseline (same run) | ratio |');
    console.log('| --- | --- | --- | --- |');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  } finally {
    base.close();
    base.closeAllConnections();
    await p.stop();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
