// Benchmarks of codex-proxy, each against a baseline run in the same
// invocation on the same machine, so the figures are ratios that travel
// between machines better than absolute times do. Loopback only, bounded.
//
//   1. a chat completion through the proxy vs `codex exec` run directly
//      with the same flags against the same scripted model server; and
//      codex run as a model (the proxy's flags and catalog) vs codex run
//      with its agent defaults; each in ROUNDS rounds, reported as the
//      median ratio and its min–max over the rounds;
//   2. /healthz and 401 throughput (wrk) vs a minimal Node http server in a
//      process of its own (bench/baseline_server.js);
//   3. resident memory at rest and per idle connection, both processes
//      measured from /proc;
//   4. growth: the proxy's own time per request (duration_ms − codex_ms
//      of its access log), the supervisor's peak RSS and /healthz latency
//      while 1, 2, 4, 8 clients ask at once, and for prompts of 1 KiB to
//      2 MiB;
//   5. RSS with 1,000 clients waiting in the queue (a model that stalls);
//   6. the executor backends (issue 12): a chat completion's median through
//      the app-server backend vs the exec backend vs `codex exec` run
//      directly, interleaved, as ratios; the time from the model's first
//      delta to the client's first content event on each backend; and the
//      RSS of an executor and its app-server over 1,000 requests.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { startProxy, post, tmpdir, waitFor, baseEnv, PROXYD, CODEX } = require('../tests/e2e/harness');

const RUNS = Number(process.env.BENCH_RUNS || 15);
const ROUNDS = 3;
const WRK_SECONDS = 3;
const IDLE_CONNECTIONS = 500;
const QUEUED_CLIENTS = 1000;
const STEP_MIN_MS = 3000;
const KEY = 'sk-bench-0123456789abcdef';
const auth = { authorization: `Bearer ${KEY}` };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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

async function proxied(p, content = 'Say hi') {
  const t = process.hrtime.bigint();
  const r = await post(p, '/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content }] }, auth);
  await r.text();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, status: r.status };
}

async function completions(p) {
  await codexDirect(p, false);  // warm caches for every side alike
  await codexDirect(p, true);
  await proxied(p);
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const agent = [], direct = [], viaProxy = [];
    for (let i = 0; i < Math.ceil(RUNS / ROUNDS); i++) {  // interleaved, so drift hits all
      agent.push(await codexDirect(p, false));
      direct.push(await codexDirect(p, true));
      viaProxy.push((await proxied(p)).ms);
    }
    rounds.push({ agent: median(agent), direct: median(direct), proxy: median(viaProxy) });
  }
  return rounds;
}

// wrk: one thread, a few keep-alive connections, WRK_SECONDS. Run
// asynchronously: the harness must keep reading the proxy's log meanwhile,
// or the proxy blocks writing it.
function wrk(port, route, connections = 8) {
  return new Promise((resolve, reject) => {
    const c = spawn('wrk', ['-t1', `-c${connections}`, `-d${WRK_SECONDS}s`, `http://127.0.0.1:${port}${route}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => { out += d; });
    c.on('error', (e) => reject(new Error(`the benchmark needs wrk (Debian package wrk): ${e.message}`)));
    c.on('exit', () => {
      const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
      const n = /(\d+) requests in/.exec(out);
      if (!m || !n) reject(new Error(`wrk said: ${out}`));
      else resolve({ rps: Number(m[1]), requests: Number(n[1]) });
    });
  });
}

// A proxy whose log goes to a file, as under journald, not through a pipe
// into this busy process: at thousands of requests a second, a reader that
// falls behind would throttle the proxy and the figure would measure it.
async function proxyLoggingToFile(codexHome, env) {
  const dir = tmpdir('bench-proxy-');
  const logPath = path.join(dir, 'proxy.log');
  const logFd = fs.openSync(logPath, 'a');
  const proc = spawn(PROXYD(), [], {
    env: {
      PATH: `${path.dirname(CODEX())}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: process.env.HOME,
      PORT: '0', CODEX_HOME: codexHome, CODEX_BIN: CODEX(), CODEX_PROXY_WORKDIR: path.join(dir, 'jobs'),
      CODEX_PROXY_STATE_DIR: path.join(tmpdir('bench-state-'), 'state'), ...baseEnv(), ...env,
    },
    stdio: ['ignore', 'ignore', logFd],
  });
  fs.closeSync(logFd);
  const port = await waitFor('the proxy to listen', () => {
    const m = /msg=listening host=\S+ port=(\d+)/.exec(fs.readFileSync(logPath, 'utf8'));
    return m && Number(m[1]);
  });
  await waitFor('an idle executor', () => /msg="executor ready"/.test(fs.readFileSync(logPath, 'utf8')));
  return {
    proc, port,
    async stop() {
      const exited = new Promise((r) => proc.on('exit', r));
      proc.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The CPU time (user + system) a process has used, in µs.
function cpuMicros(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 1e6 / 100;  // USER_HZ
}

// req/s and the server's CPU µs per request under wrk.
async function served(pid, port, route) {
  const c0 = cpuMicros(pid);
  const w = await wrk(port, route);
  return { rps: w.rps, cpu: (cpuMicros(pid) - c0) / w.requests };
}

// Alternating runs, so that the load of a shared machine hits both sides.
// Requests per second depend on what else the machine runs; CPU per
// request much less.
async function throughputPair(proxyPid, proxyPort, basePid, basePort, route) {
  const proxy = [], base = [];
  for (let i = 0; i < ROUNDS; i++) {
    proxy.push(await served(proxyPid, proxyPort, route));
    base.push(await served(basePid, basePort, route));
  }
  return {
    proxy: median(proxy.map((x) => x.rps)), base: median(base.map((x) => x.rps)),
    ratios: proxy.map((x, i) => x.rps / base[i].rps),
    proxyCpu: median(proxy.map((x) => x.cpu)), baseCpu: median(base.map((x) => x.cpu)),
    cpuRatios: proxy.map((x, i) => x.cpu / base[i].cpu),
  };
}

async function holdIdle(port, count) {
  const socks = [];
  for (let i = 0; i < count; i++) {
    const s = net.connect(port, '127.0.0.1');
    await new Promise((r) => s.on('connect', r));
    socks.push(s);
  }
  await sleep(300);
  return socks;
}

async function baselineServer(body) {
  const proc = spawn(process.execPath, [path.join(__dirname, 'baseline_server.js'), body], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => proc.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
  return { proc, port };
}

// tests/e2e/healthz_prober.js in a process of its own, until stop().
function healthProber(port) {
  const c = spawn(process.execPath, [path.join(__dirname, '../tests/e2e/healthz_prober.js'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  c.stdout.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => c.on('exit', resolve));
  // A prober stopped before it set up has no samples.
  return { async stop() { c.kill('SIGTERM'); await exited; return out ? JSON.parse(out).samples : []; } };
}

// Peak RSS of pid, sampled every 20 ms until stop().
function rssSampler(pid) {
  let peak = rssKiB(pid);
  const t = setInterval(() => { peak = Math.max(peak, rssKiB(pid)); }, 20);
  return { stop() { clearInterval(t); return peak; } };
}

// The access-log lines of completions from offset on: duration − codex time.
function overheads(log, from) {
  const out = [];
  for (const m of log.slice(from).matchAll(/msg=request .*?path=\/v1\/chat\/completions status=(\d+) duration_ms=(\d+)(?: .*?codex_ms=(\d+))?/g))
    out.push(Number(m[2]) - Number(m[3] || 0));
  return out;
}

async function growthStep(p, label, clients, perClient, content) {
  const from = p.log().length;
  const prober = healthProber(p.port);
  const rss = rssSampler(p.proc.pid);
  const statuses = [];
  const until = Date.now() + STEP_MIN_MS;  // enough /healthz samples even when requests are quick
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = 0; i < perClient || Date.now() < until; i++) statuses.push((await proxied(p, content)).status);
  }));
  const peak = rss.stop();
  const lat = await prober.stop();
  await sleep(50);
  const o = overheads(p.log(), from);
  return { label, statuses: [...new Set(statuses)].join(','), overhead: median(o), peakMiB: peak / 1024,
    healthP50: pct(lat, 0.5), healthP99: pct(lat, 0.99), samples: lat.length };
}

async function growth() {
  const p = await startProxy({ CODEX_PROXY_API_KEY: KEY, CODEX_PROXY_MAX_CONCURRENCY: '8', CODEX_PROXY_MAX_BODY_BYTES: String(3 << 20) });
  p.mock.script = () => ({ text: 'hi' });
  const rows = [];
  try {
    await proxied(p);
    for (const c of [1, 2, 4, 8]) rows.push(await growthStep(p, `${c} at once`, c, 3, 'Say hi'));
    for (const [name, bytes] of [['1 KiB', 1 << 10], ['16 KiB', 16 << 10], ['256 KiB', 256 << 10], ['1000 KiB', 1000 << 10], ['2 MiB', 2 << 20]])
      rows.push(await growthStep(p, `prompt ${name}`, 1, 3, 'x'.repeat(bytes)));
  } finally {
    await p.stop();
  }
  return rows;
}

// RSS with QUEUED_CLIENTS requests waiting for an executor (the model stalls).
async function queued() {
  const p = await startProxy({
    CODEX_PROXY_API_KEY: KEY, CODEX_PROXY_MAX_QUEUE: String(QUEUED_CLIENTS + 10),
    CODEX_PROXY_MAX_CONNECTIONS: String(QUEUED_CLIENTS + 50), CODEX_PROXY_MAX_CONNECTIONS_PER_PEER: '0',
  });
  p.mock.script = () => ({ stall: true });
  const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'Say hi' }] });
  const req = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  try {
    await sleep(300);
    const rss0 = rssKiB(p.proc.pid);
    const socks = [];
    for (let i = 0; i < QUEUED_CLIENTS; i++) {
      const s = net.connect(p.port, '127.0.0.1');
      s.on('error', () => {});
      await new Promise((r) => s.on('connect', r));
      s.write(req);
      socks.push(s);
    }
    const h = await waitFor('every client queued', async () => {
      const x = await p.health();
      return x.queue_depth === QUEUED_CLIENTS - 1 && x;
    }, 60000);
    await sleep(300);
    const rss1 = rssKiB(p.proc.pid);
    socks.forEach((s) => s.destroy());
    return { rss0, rss1, perClient: (rss1 - rss0) * 1024 / QUEUED_CLIENTS, depth: h.queue_depth };
  } finally {
    await p.stop();
  }
}

const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
const spread = (xs) => `${Math.min(...xs).toFixed(2)}x–${Math.max(...xs).toFixed(2)}x`;

async function main() {
  // BENCH_GROWTH_ONLY=1, BENCH_RATIOS_ONLY=1 or BENCH_BACKENDS_ONLY=1 runs one part.
  const only = ['GROWTH', 'RATIOS', 'BACKENDS'].find((k) => process.env[`BENCH_${k}_ONLY`] === '1');
  if (!only || only === 'RATIOS') await ratios();
  if (!only || only === 'GROWTH') await growthAndQueue();
  if (!only || only === 'BACKENDS') await backends();
}

const BACKEND_REQUESTS = Number(process.env.BENCH_BACKEND_REQUESTS || 1000);
const STREAM_RUNS = 15;

// Each backend's proxy on one scripted model server.
async function backendProxies(mock) {
  const out = {};
  for (const backend of ['exec', 'app-server']) {
    out[backend] = await startProxy({ CODEX_PROXY_API_KEY: KEY, CODEX_PROXY_BACKEND: backend }, { mock });
    await proxied(out[backend]);  // warm
  }
  return out;
}

// ms from the model's first delta to the client's first content event of
// a streamed chat completion (both clocks are this process's).
async function firstDeltaToClient(p) {
  const from = p.mock.drips.length;
  const r = await post(p, '/v1/chat/completions', { model: 'm', stream: true, messages: [{ role: 'user', content: 'Say hi' }] }, auth);
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  let at = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    if (at === null && /"delta":\{[^}]*"content":"[^"]/.test(buf)) at = performance.now();
  }
  const drip = p.mock.drips[from];
  if (at === null || !drip) throw new Error('no streamed content');
  return at - drip.firstSentAt;
}

// Sum of the RSS of pid and every process below it, KiB.
function treeRssKiB(pid) {
  const parent = new Map();
  for (const d of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone meanwhile */ }
  }
  let total = 0;
  for (const q of parent.keys()) {
    let a = q;
    for (let hops = 0; a > 1 && a !== pid && hops < 32; hops++) a = parent.get(a) || 0;
    if (a !== pid) continue;
    try { total += rssKiB(q); } catch { /* gone meanwhile */ }
  }
  return total;
}

async function backends() {
  const { startMockModelServer } = require('../tests/e2e/harness');
  const mock = await startMockModelServer();
  mock.script = () => ({ text: 'hi' });
  const ps = await backendProxies(mock);
  const rows = [];
  try {
    // 1. medians, interleaved so that the machine's load hits all three.
    await codexDirect(ps.exec, true);
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const app = [], exec = [], direct = [];
      for (let i = 0; i < Math.ceil(RUNS / ROUNDS); i++) {
        app.push((await proxied(ps['app-server'])).ms);
        exec.push((await proxied(ps.exec)).ms);
        direct.push(await codexDirect(ps.exec, true));
      }
      rounds.push({ app: median(app), exec: median(exec), direct: median(direct) });
    }
    const app = median(rounds.map((r) => r.app)), exec = median(rounds.map((r) => r.exec)), direct = median(rounds.map((r) => r.direct));
    rows.push([`chat completion, app-server backend, median of ${RUNS} (${ROUNDS} rounds: ${spread(rounds.map((r) => r.app / r.exec))})`,
      `${app.toFixed(0)} ms`, `exec backend: ${exec.toFixed(0)} ms`, ratio(app, exec)]);
    rows.push([`chat completion, app-server backend vs codex exec alone (rounds: ${spread(rounds.map((r) => r.app / r.direct))})`,
      `${app.toFixed(0)} ms`, `codex exec alone, same flags: ${direct.toFixed(0)} ms`, ratio(app, direct)]);

    // 2. the model's first delta to the client's first content event.
    mock.script = () => ({ text: 'one two three four five', deltas: ['one ', 'two ', 'three ', 'four ', 'five'], pauseMs: 100 });
    const lag = { exec: [], 'app-server': [] };
    for (let i = 0; i < STREAM_RUNS; i++)
      for (const b of ['app-server', 'exec']) lag[b].push(await firstDeltaToClient(ps[b]));
    rows.push([`model's first delta → client's first content event (5 pieces 100 ms apart), median of ${STREAM_RUNS}`,
      `app-server: ${median(lag['app-server']).toFixed(0)} ms (max ${Math.max(...lag['app-server']).toFixed(0)})`,
      `exec backend: ${median(lag.exec).toFixed(0)} ms`, ratio(median(lag['app-server']), median(lag.exec))]);
  } finally {
    for (const p of Object.values(ps)) await p.stop();
  }
  console.log('\n| measure | app-server backend | baseline (same run) | ratio |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);

  // 3. an executor and its app-server over BACKEND_REQUESTS requests.
  mock.script = () => ({ text: 'hi' });
  const p = await startProxy({ CODEX_PROXY_API_KEY: KEY, CODEX_PROXY_BACKEND: 'app-server' }, { mock });
  try {
    const samples = [];
    const t0 = Date.now();
    for (let i = 1; i <= BACKEND_REQUESTS; i++) {
      const r = await proxied(p);
      if (r.status !== 200) throw new Error(`request ${i}: status ${r.status}`);
      if (i % Math.max(1, BACKEND_REQUESTS / 10) === 0) {
        const [executor] = p.executorPids();
        samples.push({ i, executor: rssKiB(executor), tree: treeRssKiB(executor) });
      }
    }
    const mib = (k) => (k / 1024).toFixed(0);
    console.log(`\n${BACKEND_REQUESTS} requests through one executor with the app-server backend (${((Date.now() - t0) / BACKEND_REQUESTS).toFixed(0)} ms each on average); RSS of the executor / of the executor with its app-server, MiB:`);
    console.log(samples.map((x) => `${x.i}: ${mib(x.executor)} / ${mib(x.tree)}`).join(', '));
    const trees = samples.map((x) => x.tree);
    console.log(`min ${mib(Math.min(...trees))}, max ${mib(Math.max(...trees))}, last ${mib(trees.at(-1))} MiB; ` +
      `app-server restarts logged: ${(p.log().match(/msg="restarting (the backend|codex app-server before the job)"/g) || []).length}`);
  } finally {
    await p.stop();
    await mock.close();
  }
}

async function ratios() {
  const p = await startProxy({ CODEX_PROXY_API_KEY: KEY, CODEX_PROXY_MAX_CONNECTIONS: String(IDLE_CONNECTIONS + 50), CODEX_PROXY_MAX_CONNECTIONS_PER_PEER: '0', CODEX_PROXY_IDLE_TIMEOUT_MS: '60000', CODEX_PROXY_HEADER_TIMEOUT_MS: '60000' });
  p.mock.script = () => ({ text: 'hi' });
  const base = await baselineServer(JSON.stringify(await p.health()));
  const rows = [];
  try {
    await sleep(500);
    const proxyRssStart = rssKiB(p.proc.pid), nodeRssStart = rssKiB(base.proc.pid);
    const rounds = await completions(p);
    const proxyMs = median(rounds.map((r) => r.proxy)), directMs = median(rounds.map((r) => r.direct));
    const agentMs = median(rounds.map((r) => r.agent));
    rows.push([`chat completion, median of ${RUNS} (${ROUNDS} rounds: ${spread(rounds.map((r) => r.proxy / r.direct))})`,
      `${proxyMs.toFixed(0)} ms`, `codex exec alone, same flags: ${directMs.toFixed(0)} ms`, ratio(proxyMs, directMs)]);
    rows.push([`codex exec as a model (the proxy's flags), median of ${RUNS} (${ROUNDS} rounds: ${spread(rounds.map((r) => r.direct / r.agent))})`,
      `${directMs.toFixed(0)} ms`, `codex exec as an agent (defaults): ${agentMs.toFixed(0)} ms`, ratio(directMs, agentMs)]);
    const q = await proxyLoggingToFile(p.codexHome, { CODEX_PROXY_API_KEY: KEY });
    try {
      for (const [name, route] of [['/healthz', '/healthz'], ['401 (no key; both close the connection)', '/v1/models']]) {
        const t = await throughputPair(q.proc.pid, q.port, base.proc.pid, base.port, route);
        rows.push([`${name}, wrk 1 thread, 8 connections, median of ${ROUNDS} (${spread(t.ratios)})`, `${t.proxy.toFixed(0)} req/s`, `node http: ${t.base.toFixed(0)} req/s`, ratio(t.proxy, t.base)]);
        rows.push([`${name}, server CPU per request, median of ${ROUNDS} (${spread(t.cpuRatios)})`, `${t.proxyCpu.toFixed(0)} µs`, `node http: ${t.baseCpu.toFixed(0)} µs`, ratio(t.proxyCpu, t.baseCpu)]);
      }
    } finally {
      await q.stop();
    }
    await sleep(500);
    const proxyRss0 = rssKiB(p.proc.pid);
    const nodeRss0 = rssKiB(base.proc.pid);
    const a = await holdIdle(p.port, IDLE_CONNECTIONS);
    const proxyPerConn = (rssKiB(p.proc.pid) - proxyRss0) * 1024 / IDLE_CONNECTIONS;
    a.forEach((s) => s.destroy());
    const b = await holdIdle(base.port, IDLE_CONNECTIONS);
    const nodePerConn = (rssKiB(base.proc.pid) - nodeRss0) * 1024 / IDLE_CONNECTIONS;
    b.forEach((s) => s.destroy());
    rows.push([`memory per idle connection (${IDLE_CONNECTIONS})`, `${(proxyPerConn / 1024).toFixed(1)} KiB`, `node http: ${(nodePerConn / 1024).toFixed(1)} KiB`, ratio(proxyPerConn, Math.max(nodePerConn, 1))]);
    rows.push(['supervisor RSS at start', `${(proxyRssStart / 1024).toFixed(1)} MiB`, `node http: ${(nodeRssStart / 1024).toFixed(1)} MiB`, ratio(proxyRssStart, nodeRssStart)]);
    rows.push(['supervisor RSS at rest (after the runs above)', `${(proxyRss0 / 1024).toFixed(1)} MiB`, `node http: ${(nodeRss0 / 1024).toFixed(1)} MiB`, ratio(proxyRss0, nodeRss0)]);
  } finally {
    base.proc.kill();
    await p.stop();
  }
  console.log('| measure | codex-proxy | baseline (same run) | ratio |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

async function growthAndQueue() {

  const g = await growth();
  console.log('\n| load | statuses | proxy time per request (median, ms) | supervisor peak RSS | /healthz p50 / p99 (samples) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of g)
    console.log(`| ${r.label} | ${r.statuses} | ${r.overhead} | ${r.peakMiB.toFixed(1)} MiB | ${r.samples ? `${r.healthP50.toFixed(1)} / ${r.healthP99.toFixed(1)} ms (${r.samples})` : 'no samples'} |`);

  const q = await queued();
  console.log(`\n${QUEUED_CLIENTS} clients waiting (queue depth ${q.depth}): supervisor RSS ${(q.rss0 / 1024).toFixed(1)} → ${(q.rss1 / 1024).toFixed(1)} MiB, ${(q.perClient / 1024).toFixed(1)} KiB per waiting client`);
}

main().catch((e) => { console.error(e); process.exit(1); });
