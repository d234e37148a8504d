// Load with faults: for a bounded time, 100 clients at once on both APIs
// stream answers and leave at random points (mid-body, mid-stream), mixed
// with garbage, header trickles and oversized requests, while a prober in
// a process of its own times /healthz. Afterwards the supervisor's fds,
// children, job directories and RSS are back to their idle values, every
// client that read to the end got a complete answer, and /healthz was
// answered throughout, never held: its p99 is printed, and bounded at
// 250 ms here (a held loop, such as the 3 s stall the attack on issue 8
// found, fails it). The 50 ms p99 goal is a benchmark's claim (bench/,
// README), not an assertion: on a shared 2-core machine this test's own
// clients and codex runs compete for the CPU, and a tight bound flakes.
//
// Clients connect from several loopback addresses (127.0.0.2 …), so the
// test holds once the proxy limits connections per peer address.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { startProxy, parseSse, waitFor, sleep } = require('./harness');

const CLIENTS = 100;
const LOAD_MS = 20000;
const PEER_ADDRESSES = 20;
const ANSWER = 'The quick brown fox. '.repeat(3000);  // ~63 KB: several reads for the client
const MAX_BODY = 65536;

let p;
before(async () => {
  p = await startProxy({
    CODEX_MODEL: 'gpt-mock-1', CODEX_PROXY_MAX_CONCURRENCY: '3', CODEX_PROXY_MAX_QUEUE: String(CLIENTS * 2),
    CODEX_PROXY_MAX_CONNECTIONS: String(CLIENTS * 4), CODEX_PROXY_MAX_BODY_BYTES: String(MAX_BODY),
    CODEX_PROXY_HEADER_TIMEOUT_MS: '2000', CODEX_PROXY_BODY_TIMEOUT_MS: '2000',
    // Under ASan, freed memory waits in a quarantine (256 MiB by default) and
    // counts as resident; a smaller one keeps the RSS check meaningful.
    ASAN_OPTIONS: [process.env.ASAN_OPTIONS, 'quarantine_size_mb=16'].filter(Boolean).join(':'),
  });
  p.mock.script = () => ({ text: ANSWER });
});
after(async () => {
  const r = await p.stop();
  assert.equal(r.code, 0, `codex-proxyd exit: ${JSON.stringify(r)}`);
});

// The sanitizer build (scripts/test.sh runs every test on it too) is several
// times slower and keeps a quarantine and shadow memory: its bounds are
// wider. The figures the issue asks for are the plain build's.
const sanitized = (pid) => /lib(asan|ubsan)/.test(fs.readFileSync(`/proc/${pid}/maps`, 'utf8'));
const fdCount = (pid) => fs.readdirSync(`/proc/${pid}/fd`).length;
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const peer = (i) => `127.0.0.${2 + (i % PEER_ADDRESSES)}`;
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];

function request(localAddress, route, body, onResponse) {
  return new Promise((resolve) => {
    const req = http.request({
      host: '127.0.0.1', port: p.port, localAddress, method: 'POST', path: route, agent: false,
      headers: { 'content-type': 'application/json' },
    }, (res) => onResponse(res, req, resolve));
    req.on('error', () => resolve({ kind: 'error' }));
    req.end(JSON.stringify(body));
  });
}

function readAll(res, done) {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (d) => { text += d; });
  res.on('end', () => done(text));
  res.on('error', () => done(null));
}

const chatBody = (stream) => ({ model: 'gpt-mock-1', messages: [{ role: 'user', content: 'load' }], stream });
const respBody = (stream) => ({ model: 'gpt-mock-1', input: 'load', stream });

// Each returns { kind, complete?: bool } for one attempt.
const behaviours = {
  async chatStream(addr) {
    return request(addr, '/v1/chat/completions', chatBody(true), (res, req, resolve) => readAll(res, (text) => {
      if (res.statusCode !== 200) return resolve({ kind: `chat stream ${res.statusCode}`, complete: false });
      const ev = parseSse(text || '');
      const content = ev.filter((e) => e.data && e.data.choices).map((e) => e.data.choices[0].delta.content || '').join('');
      resolve({ kind: 'chat stream', complete: ev.at(-1)?.data === '[DONE]' && content === ANSWER });
    }));
  },
  async responsesStream(addr) {
    return request(addr, '/v1/responses', respBody(true), (res, req, resolve) => readAll(res, (text) => {
      if (res.statusCode !== 200) return resolve({ kind: `responses stream ${res.statusCode}`, complete: false });
      const ev = parseSse(text || '');
      const last = ev.at(-1)?.data;
      const out = last?.response?.output?.[0]?.content?.[0]?.text;
      resolve({ kind: 'responses stream', complete: last?.type === 'response.completed' && out === ANSWER });
    }));
  },
  async chatWhole(addr) {
    return request(addr, '/v1/chat/completions', chatBody(false), (res, req, resolve) => readAll(res, (text) => {
      let content = null;
      try { content = JSON.parse(text).choices[0].message.content; } catch { /* incomplete */ }
      resolve({ kind: 'chat whole', complete: res.statusCode === 200 && content === ANSWER });
    }));
  },
  async leaveMidStream(addr) {
    const route = pick(['/v1/chat/completions', '/v1/responses']);
    const body = route === '/v1/responses' ? respBody(true) : chatBody(true);
    const reads = Math.floor(Math.random() * 4);
    return request(addr, route, body, (res, req, resolve) => {
      let n = 0;
      const leave = () => { req.destroy(); resolve({ kind: 'left mid-stream' }); };
      if (reads === 0) return leave();
      res.on('data', () => { if (++n >= reads) leave(); });
      res.on('end', () => resolve({ kind: 'left mid-stream (ended first)' }));
    });
  },
  async leaveMidBody(addr) {
    return rawSocket(addr, async (s) => {
      const body = JSON.stringify(chatBody(false));
      s.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
      s.write(body.slice(0, Math.floor(Math.random() * body.length)));
      await sleep(Math.random() * 200);
      return 'left mid-body';
    });
  },
  async garbage(addr) {
    return rawSocket(addr, async (s) => {
      s.write(Buffer.from(Array.from({ length: 1 + Math.floor(Math.random() * 2000) }, () => Math.floor(Math.random() * 256))));
      await sleep(100);
      return 'garbage';
    });
  },
  async headerTrickle(addr) {
    return rawSocket(addr, async (s) => {
      const head = 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200);
      for (let i = 0; i < head.length && i < 20 && !s.destroyed; i++) {
        s.write(head[i]);
        await sleep(50);
      }
      return 'header trickle';
    });
  },
  async oversized(addr) {
    return rawSocket(addr, async (s) => {
      s.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${MAX_BODY * 4}\r\n\r\n`);
      s.write('{"model":"' + 'x'.repeat(MAX_BODY) + '"');
      const answer = await new Promise((r) => { let t = ''; s.on('data', (d) => { t += d; }); s.on('close', () => r(t)); setTimeout(() => r(t), 3000); });
      return /^HTTP\/1\.1 413 /.test(answer) ? 'oversized' : `oversized, answered ${JSON.stringify(answer.slice(0, 40))}`;
    });
  },
};

function rawSocket(localAddress, fn) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: p.port, localAddress });
    s.on('error', () => {});
    s.on('connect', async () => {
      const kind = await fn(s);
      s.destroy();
      resolve({ kind });
    });
  });
}

// The prober runs in its own process (tests/e2e/healthz_prober.js), so the
// test's own busy event loop does not count against the proxy's latency.
function startProber(ms) {
  const c = spawn(process.execPath, [path.join(__dirname, 'healthz_prober.js'), String(p.port), String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  c.stdout.on('data', (d) => { out += d; });
  return new Promise((resolve) => c.on('exit', () => resolve(JSON.parse(out))));
}

// Idle: every executor free, nothing queued or running, and no client
// connection open but the scrape's own (so that fds compare).
async function quiet() {
  await waitFor('the proxy to go quiet', async () => {
    const text = await new Promise((r) => http.get({ host: '127.0.0.1', port: p.port, path: '/metrics', agent: false }, (res) => {
      let t = ''; res.on('data', (d) => { t += d; }); res.on('end', () => r(t));
    }));
    const value = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    return value('codex_proxy_executors\\{state="idle"\\}') === 3 && value('codex_proxy_queue_depth') === 0 &&
      value('codex_proxy_connections') === 1 && p.codexPids().length === 0 && p.jobDirs().length === 0;
  }, 30000);
  await sleep(200);  // the scrape's connection closes
}

function snapshot() {
  const pid = p.proc.pid;
  return { fds: fdCount(pid), children: p.pidsWithParent(pid).sort(), rss: rssKiB(pid), jobDirs: p.jobDirs() };
}

test('100 clients with faults: nothing leaks, every complete read is a complete answer, /healthz stays fast', async () => {
  // Warm up the allocator and codex's caches, then take the idle values.
  await behaviours.chatStream(peer(0));
  await behaviours.responsesStream(peer(1));
  await quiet();
  const idle = snapshot();

  const tally = {};
  let complete = 0;
  const incomplete = [];
  const prober = startProber(LOAD_MS + 2000);
  const end = Date.now() + LOAD_MS;
  const names = Object.keys(behaviours);
  await Promise.all(Array.from({ length: CLIENTS }, async (_, i) => {
    while (Date.now() < end) {
      const r = await behaviours[pick(names)](peer(i));
      tally[r.kind] = (tally[r.kind] || 0) + 1;
      if (r.kind.startsWith('oversized,')) incomplete.push(r.kind);
      if (r.complete === true) complete++;
      else if (r.complete === false) incomplete.push(r.kind);
    }
  }));
  const probe = await prober;
  const sorted = [...probe.samples].sort((a, b) => a - b);
  const p99 = sorted[Math.floor(sorted.length * 0.99)];
  console.log(`# load: ${JSON.stringify(tally)}`);
  console.log(`# /healthz under load: ${sorted.length} samples, p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${sorted.at(-1).toFixed(1)} ms, statuses ${JSON.stringify(probe.statuses)}`);

  await quiet();
  const afterLoad = snapshot();
  console.log(`# idle: ${JSON.stringify({ ...idle, jobDirs: idle.jobDirs.length })} after: ${JSON.stringify({ ...afterLoad, jobDirs: afterLoad.jobDirs.length })}`);

  assert.deepEqual(incomplete, [], 'a client that read to the end got an incomplete answer');
  assert.ok(complete >= 50, `only ${complete} complete answers in ${LOAD_MS} ms`);
  assert.deepEqual(Object.keys(probe.statuses), ['200'], `/healthz answered ${JSON.stringify(probe.statuses)}`);
  assert.ok(sorted.length >= 200, `only ${sorted.length} /healthz samples`);
  const asan = sanitized(p.proc.pid);
  const p99Bound = asan ? 500 : 250;
  assert.ok(p99 < p99Bound, `/healthz p99 ${p99.toFixed(1)} ms under load (bound ${p99Bound} ms${asan ? ', sanitizer build' : ''})`);
  assert.equal(afterLoad.fds, idle.fds, 'supervisor fds');
  assert.deepEqual(afterLoad.children, idle.children, 'supervisor children (the same executors, nothing else)');
  assert.deepEqual(afterLoad.jobDirs, []);
  const rssSlackKiB = (asan ? 64 : 16) * 1024;
  assert.ok(afterLoad.rss <= idle.rss + rssSlackKiB, `supervisor RSS ${idle.rss} KiB idle, ${afterLoad.rss} KiB after`);
});
