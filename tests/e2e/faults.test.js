// Codex misbehaving in every way a process can: a stand-in
// (fake_codex/faulty_codex.sh) that crashes mid-answer, prints garbage or
// invalid UTF-8, prints 50 MiB or one 10 MiB line, never exits, ignores
// SIGTERM, leaves a setsid() grandchild holding its stdout, or closes its
// stdout and stays. For each: the request gets a clean answer or a clean
// OpenAI-style error within its timeout; the proxy stays up and answers the
// next request; its memory stays bounded; and afterwards no process of the
// job, no extra fd of the supervisor and no job directory is left.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startProxy, post, parseSse, assertErrorEnvelope, waitFor, pidsWithArg, cmdline, tmpdir } = require('./harness');

// Two proxies on the one stand-in: a short timeout for the faults that
// only a timeout ends, a long one for those the proxy must end by itself
// (50 MiB takes seconds on a loaded machine, more under the sanitizers).
const SHORT_MS = 4000;
const LONG_MS = 120000;
let short;
let long;
let p;  // the proxy of the running test
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

// Every live process whose ancestry reaches the proxy.
function descendants(root) {
  const all = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  return all.filter((pid) => {
    for (let q = parentOf(pid), hops = 0; q > 1 && hops < 64; q = parentOf(q), hops++)
      if (q === root) return true;
    return false;
  });
}

// What the proxy should be back to once a request is over: its executors
// and nothing below them, its idle fds, no job directory.
async function assertNothingLeft(what) {
  const proxy = p.proc.pid;
  // (The executors' argv names the stand-in too, as --codex-bin.)
  const leftovers = () => pidsWithArg(marker).filter((pid) => !cmdline(pid).includes('codex-proxy-executor'));
  await waitFor(`${what}: the stand-in's processes to be gone`, () => leftovers().length === 0, 10000);
  await waitFor(`${what}: no process below the executors`, () => {
    const executors = new Set(p.executorPids());
    return descendants(proxy).every((pid) => executors.has(pid));
  }, 10000);
  await waitFor(`${what}: no job directory`, () => p.jobDirs().length === 0, 10000);
  await p.waitIdle();
  await waitFor(`${what}: the supervisor's fds back to ${p.idleFds}`, () => fdCount(proxy) === p.idleFds, 10000);
}

// The proxy still answers: the stand-in's normal answer, through both APIs.
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

// Runs a fault's requests on proxy, then checks the aftermath.
async function fault(proxy, mode, check) {
  p = proxy;
  setMode(mode);
  await check();
  await assertNothingLeft(mode);
  await assertStillAnswers(mode);
  await assertNothingLeft(`${mode}, then an answer`);
}

before(async () => {
  dir = tmpdir('codex-faults-');
  marker = path.basename(dir);
  fs.copyFileSync(path.join(__dirname, 'fake_codex', 'faulty_codex.sh'), path.join(dir, 'codex'));
  fs.chmodSync(path.join(dir, 'codex'), 0o755);
  fs.writeFileSync(path.join(dir, 'answer'), 'still here', { mode: 0o644 });
  setMode('answer');
  for (const ms of [SHORT_MS, LONG_MS]) {
    p = await startProxy({
      CODEX_BIN: path.join(dir, 'codex'),
      CODEX_PROXY_TIMEOUT_MS: String(ms),
      // Under ASan, freed memory waits in a 256 MiB quarantine: a small one
      // lets the RSS bound below mean the same as in a plain build.
      ASAN_OPTIONS: [process.env.ASAN_OPTIONS, 'quarantine_size_mb=4'].filter(Boolean).join(':'),
    });
    // The idle fd count, once a first request has opened what stays open.
    await assertStillAnswers('warm-up');
    await p.waitIdle();
    p.idleFds = fdCount(p.proc.pid);
    if (ms === SHORT_MS) short = p;
    else long = p;
  }
});
after(async () => {
  for (const q of [short, long]) if (q) assert.equal((await q.stop()).code, 0, q.log());
});

test('codex crashing mid-answer is a 502 codex_failed', () => fault(long, 'crash', async () => {
  await expectError(await post(p, '/v1/chat/completions', chat()), 502, 'codex_failed');
  await waitFor('the log to say codex died of SIGSEGV', () => /msg="job failed" .*outcome=backend_failed exit=-11/.test(p.log()));
  const s = await post(p, '/v1/responses', { model: 'm', input: 'x', stream: true });
  assert.equal(s.status, 200);
  const events = parseSse(await s.text());
  assert.equal(events.at(-1).event, 'response.failed');
}));

test('garbage on stdout is a 502 codex_failed', () => fault(long, 'garbage', async () => {
  await expectError(await post(p, '/v1/chat/completions', chat()), 502, 'codex_failed');
  // The log comes on another pipe than the answer: it may be later.
  await waitFor('the executor to log the garbage', () => /msg="codex printed a non-event line"/.test(p.log()));
}));

test('an answer that is not UTF-8 reaches the client as valid UTF-8, or as an error', () => fault(long, 'invalid_utf8', async () => {
  for (const stream of [false, true]) {
    const r = await post(p, '/v1/chat/completions', chat({ stream }));
    const bytes = Buffer.from(await r.arrayBuffer());
    // fatal: throws on any byte sequence that is not UTF-8
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    if (r.status === 200 && !stream) assert.match(JSON.parse(text).choices[0].message.content, /^bad .* end$/);
    else if (r.status !== 200) assertErrorEnvelope(JSON.parse(text));
  }
}));

test('50 MiB of output is a clean error, and the supervisor does not keep it', () => fault(long, 'huge_output', async () => {
  const before = rssKiB(p.proc.pid);
  await expectError(await post(p, '/v1/chat/completions', chat()), 502, 'codex_failed');
  const s = await post(p, '/v1/chat/completions', chat({ stream: true }));
  assert.equal(s.status, 200);
  const events = parseSse(await s.text());
  assertErrorEnvelope(events.find((e) => e.data && e.data.error).data, 'codex_failed');
  await p.waitIdle();
  const grew = rssKiB(p.proc.pid) - before;
  console.log(`50 MiB of output: the supervisor's RSS grew by ${grew} KiB`);
  assert.ok(grew < 64 * 1024, `the supervisor's RSS grew by ${grew} KiB`);
}));

test('one 10 MiB event line is answered or refused cleanly', () => fault(long, 'long_line', async () => {
  const r = await post(p, '/v1/chat/completions', chat());
  const body = await r.json();
  if (r.status === 200) assert.equal(body.choices[0].message.content.length, 10 * 1024 * 1024);
  else {
    assert.equal(r.status, 502, JSON.stringify(body));
    assertErrorEnvelope(body);
  }
}));

test('a codex that never exits is a 504 timeout', () => fault(short, 'never_exits', async () => {
  await expectError(await post(p, '/v1/chat/completions', chat()), 504, 'timeout');
}));

test('a codex that ignores SIGTERM is killed and is a 504 timeout', () => fault(short, 'ignores_sigterm', async () => {
  await expectError(await post(p, '/v1/responses', { model: 'm', input: 'x' }), 504, 'timeout');
}));

test('a setsid() grandchild holding stdout neither holds the answer nor outlives the job', () => fault(long, 'setsid_grandchild', async () => {
  const r = await post(p, '/v1/chat/completions', chat());
  assert.equal(r.status, 200, p.log().slice(-2000));
  assert.equal((await r.json()).choices[0].message.content, 'still here');
  await waitFor('the grandchild to have run', () => /msg="codex notice" detail="grandchild up"/.test(p.log()));
}));

test('a codex that closes stdout and stays is a 504 timeout', () => fault(short, 'closes_stdout', async () => {
  await expectError(await post(p, '/v1/chat/completions', chat()), 504, 'timeout');
}));
