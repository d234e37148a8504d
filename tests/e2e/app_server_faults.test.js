// The app-server backend against an app-server that misbehaves (issue 12,
// point 8): a stand-in (fake_codex/faulty_app_server.js, selected through
// CODEX_BIN as faulty_codex.sh is for exec) that crashes mid-turn, prints
// lines that are not JSON, floods notifications, ignores `turn/interrupt`,
// never answers `initialize`, or grows without bound. For each: that request
// gets a clean OpenAI-style error (or, for growth, its answer), the server
// is replaced by a new one, and afterwards nothing is orphaned: below the
// proxy there are only its executors and one app-server each, no job
// directory, the supervisor's idle fds, and the next request is answered.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startProxy, post, assertErrorEnvelope, waitFor, pidsWithArg, cmdline, tmpdir, sleep } = require('./harness');

const TIMEOUT_MS = 5000;
const MAX_RSS_MB = 160;
const GROWTH_MB = 48;  // what `grows` keeps per turn
let p;
let dir;
let marker;

const setMode = (mode) => fs.writeFileSync(path.join(dir, 'mode'), mode, { mode: 0o644 });
const fdCount = (pid) => fs.readdirSync(`/proc/${pid}/fd`).length;
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const chat = (extra = {}) => ({ model: 'm', messages: [{ role: 'user', content: 'x' }], ...extra });

function parentOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch { return 0; }
}

// Every live process whose ancestry reaches root.
function descendants(root) {
  const all = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  return all.filter((pid) => {
    for (let q = parentOf(pid), hops = 0; q > 1 && hops < 64; q = parentOf(q), hops++)
      if (q === root) return true;
    return false;
  });
}

// The stand-in's live processes (its argv names the marker; an executor's
// may too, when it is given the codex path).
const standIns = () => pidsWithArg(marker).filter((pid) => !cmdline(pid).includes('codex-proxy-executor'));

// Back to rest: each executor with one app-server below it and nothing
// else, no job directory, the supervisor's idle fds.
async function assertAtRest(what) {
  const proxy = p.proc.pid;
  await p.waitIdle();
  await waitFor(`${what}: one app-server per executor and nothing else below the proxy`, () => {
    const executors = new Set(p.executorPids());
    const servers = standIns();
    const below = descendants(proxy);
    return servers.length === executors.size && servers.every((pid) => executors.has(parentOf(pid))) &&
      below.every((pid) => executors.has(pid) || servers.includes(pid));
  }, 15000);
  await waitFor(`${what}: no job directory`, () => p.jobDirs().length === 0, 10000);
  await waitFor(`${what}: the supervisor's fds back to ${p.idleFds}`, () => fdCount(proxy) === p.idleFds, 10000);
}

async function assertStillAnswers(what) {
  setMode('answer');
  const r = await post(p, '/v1/chat/completions', chat());
  assert.equal(r.status, 200, `${what}: the next request failed: ${p.log().slice(-2000)}`);
  assert.equal((await r.json()).choices[0].message.content, 'still here');
  const s = await post(p, '/v1/responses', { model: 'm', input: 'x' });
  assert.equal(s.status, 200);
  const message = (await s.json()).output.find((item) => item.type === 'message');
  assert.equal(message.content[0].text, 'still here');
}

async function expectError(r, status, code) {
  assert.equal(r.status, status, p.log().slice(-3000));
  assertErrorEnvelope(await r.json(), code);
}

// Runs a fault's requests, then checks that its app-server was replaced
// and that nothing is left.
const logTail = () => p.log().split('\n').filter((l) => !l.includes('path=/healthz')).join('\n').slice(-3000);

async function fault(mode, check) {
  try {
    await faultSteps(mode, check);
  } catch (e) {
    e.message += `\nthe proxy's log:\n${logTail()}`;
    throw e;
  }
}

async function faultSteps(mode, check) {
  await assertAtRest(`before ${mode}`);
  const [server] = standIns();
  setMode(mode);
  await check(server);
  await waitFor(`${mode}: the app-server ${server} to be gone`, () => !standIns().includes(server), 15000);
  await assertAtRest(mode);
  await assertStillAnswers(mode);
  await assertAtRest(`${mode}, then an answer`);
}

before(async () => {
  dir = tmpdir('codex-app-faults-');
  marker = path.basename(dir);
  fs.copyFileSync(path.join(__dirname, 'fake_codex', 'faulty_app_server.js'), path.join(dir, 'codex'));
  fs.chmodSync(path.join(dir, 'codex'), 0o755);
  fs.writeFileSync(path.join(dir, 'answer'), 'still here', { mode: 0o644 });
  setMode('answer');
  p = await startProxy({
    CODEX_PROXY_BACKEND: 'app-server',
    CODEX_BIN: path.join(dir, 'codex'),
    CODEX_PROXY_TIMEOUT_MS: String(TIMEOUT_MS),
    CODEX_PROXY_APP_SERVER_MAX_RSS_MB: String(MAX_RSS_MB),
    ASAN_OPTIONS: [process.env.ASAN_OPTIONS, 'quarantine_size_mb=4'].filter(Boolean).join(':'),
  });
  await assertStillAnswers('warm-up');
  await p.waitIdle();
  p.idleFds = fdCount(p.proc.pid);
});
after(async () => {
  if (p) assert.equal((await p.stop()).code, 0, p.log());
  await waitFor('no stand-in left after the proxy stopped', () => standIns().length === 0, 10000);
});

test('an app-server crashing mid-turn is a 502 for that request, and is replaced', () => fault('crash', async () => {
  await expectError(await post(p, '/v1/chat/completions', chat()), 502);
}));

test('an app-server printing lines that are not JSON is a 502, and is replaced', () => fault('non_json', async () => {
  await expectError(await post(p, '/v1/chat/completions', chat()), 502);
}));

test('an app-server flooding notifications: a clean error in time, /healthz answers meanwhile, replaced', () => fault('flood', async () => {
  const rss0 = rssKiB(p.proc.pid);
  const r = post(p, '/v1/chat/completions', chat());
  await sleep(500);
  const h = await fetch(`${p.url}/healthz`);  // the event loop is not held by the flood
  assert.equal(h.status, 200);
  const res = await r;
  assert.ok(res.status >= 500, `status ${res.status}`);
  assertErrorEnvelope(await res.json());
  const grew = rssKiB(p.proc.pid) - rss0;
  assert.ok(grew < 64 * 1024, `the supervisor's RSS grew by ${grew} KiB during the flood`);
}));

test('an app-server ignoring turn/interrupt: a timed-out request is a 504, and the server is killed and replaced', () => fault('ignores_interrupt', async () => {
  await expectError(await post(p, '/v1/chat/completions', chat()), 504, 'timeout');
}));

test('an app-server ignoring turn/interrupt when its client leaves mid-stream is killed and replaced', () => fault('ignores_interrupt', async () => {
  const ac = new AbortController();
  const r = await post(p, '/v1/chat/completions', chat({ stream: true }), {}, ac.signal);
  assert.equal(r.status, 200);
  const reader = r.body.getReader();
  let seen = '';
  while (!seen.includes('partial')) {
    const { value, done } = await reader.read();
    assert.ok(!done, `the stream ended before the first delta: ${seen}`);
    seen += Buffer.from(value).toString();
  }
  ac.abort();
}));

test('an app-server that never answers initialize: requests get a clean error, and a working server replaces it', async () => {
  await assertAtRest('before no_initialize');
  const [server] = standIns();
  // The next server started hangs in initialize; end the current one.
  setMode('no_initialize');
  process.kill(server, 'SIGKILL');
  const r = await post(p, '/v1/chat/completions', chat());
  assert.ok(r.status >= 500, `status ${r.status}`);
  assertErrorEnvelope(await r.json());
  // Hung servers are ended, never piled up: at most one per executor.
  assert.ok(standIns().length <= p.executorPids().length, `stand-ins alive: ${standIns()}`);
  setMode('answer');
  await waitFor('a working app-server again', async () => (await p.health()).executors.idle >= 1, 90000);
  await assertStillAnswers('no_initialize');
  await assertAtRest('no_initialize, then an answer');
});

test('an app-server that grows is recycled above CODEX_PROXY_APP_SERVER_MAX_RSS_MB; every request is answered', async () => {
  await assertAtRest('before grows');
  setMode('grows');
  const servers = new Set();
  let peak = 0;
  for (let i = 0; i < 8; i++) {
    const r = await post(p, '/v1/chat/completions', chat());
    assert.equal(r.status, 200, p.log().slice(-2000));
    assert.equal((await r.json()).choices[0].message.content, 'still here');
    await p.waitIdle();
    for (const pid of standIns()) {
      servers.add(pid);
      try { peak = Math.max(peak, rssKiB(pid)); } catch { /* recycled meanwhile */ }
    }
  }
  assert.ok(servers.size > 1, 'the growing app-server was replaced');
  assert.ok(peak < (MAX_RSS_MB + 2 * GROWTH_MB) * 1024, `an app-server reached ${peak} KiB`);
  await assertStillAnswers('grows');
  await assertAtRest('grows, then an answer');
});
