// Jobs under stress: timeouts, clients that leave, executors that die, a
// full queue. After each, no codex process of this proxy may be left.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { startProxy, post, parseSse, assertErrorEnvelope, waitFor, sleep } = require('./harness');

// Long enough that codex starts well within it on a loaded machine.
const TIMEOUT_MS = 3000;

let p;
before(async () => {
  p = await startProxy({
    CODEX_PROXY_MAX_CONCURRENCY: '2',
    CODEX_PROXY_MAX_QUEUE: '1',
    CODEX_PROXY_TIMEOUT_MS: String(TIMEOUT_MS),
    CODEX_PROXY_SSE_KEEPALIVE_MS: '100',
  });
});
after(async () => { assert.equal((await p.stop()).code, 0, p.log()); });

const chat = (content, extra = {}) => ({ model: 'm', messages: [{ role: 'user', content }], ...extra });
const noCodexLeft = () => waitFor('no codex process left', () => p.codexPids().length === 0, 5000);
// The executor running the job: the parent of its codex (with the
// app-server backend every executor has a child, its idle server).
// Codex runs this request's job: the model has its request (an app-server of
// an idle executor whose last job directory is still being removed looks
// like a running codex for a moment).
const codexRuns = (seen) => waitFor('codex to run', () => p.mock.requests.length > seen && p.codexPids().length === 1);
const busyExecutor = () => p.executorPids().find((pid) => p.pidsWithParent(pid).some((c) => p.codexPids().includes(c)));

// Starts a streamed request and resolves once codex is running for it.
function startStream(body) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${p.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('error', () => {});
      resolve({ req, res, text: () => text });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

test('a codex run past the timeout is a 504 and leaves nothing running', async () => {
  p.mock.script = () => ({ stall: true });
  const t = Date.now();
  const r = await post(p, '/v1/chat/completions', chat('stall'));
  assert.equal(r.status, 504);
  assertErrorEnvelope(await r.json(), 'timeout');
  assert.ok(Date.now() - t < TIMEOUT_MS + 2500);
  await noCodexLeft();
  await p.waitIdle(2);
});

test('a streamed timeout ends the stream with an error', async () => {
  p.mock.script = () => ({ stall: true });
  const r = await post(p, '/v1/chat/completions', chat('stall', { stream: true }));
  const events = parseSse(await r.text());
  assertErrorEnvelope(events.at(-1).data, 'timeout');
  await noCodexLeft();
});

test('SSE keep-alive comments flow while codex works', async () => {
  p.mock.script = () => ({ delayMs: 600, text: 'late' });
  const r = await post(p, '/v1/chat/completions', chat('slow', { stream: true }));
  const events = parseSse(await r.text());
  assert.ok(events.filter((e) => e.comment === 'keep-alive').length >= 2);
  assert.equal(events.at(-1).data, '[DONE]');
});

test('a client leaving mid-stream ends its codex run; the executor serves on', async () => {
  p.mock.script = () => ({ stall: true });
  const s = await startStream(chat('leave', { stream: true }));
  await waitFor('codex to run', () => p.codexPids().length === 1);
  const t = Date.now();
  s.req.destroy();
  await noCodexLeft();
  assert.ok(Date.now() - t < 1500, 'codex ended promptly');
  await p.waitIdle(2);
  p.mock.script = () => ({ text: 'after' });
  const r = await post(p, '/v1/chat/completions', chat('next'));
  assert.equal((await r.json()).choices[0].message.content, 'after');
});

test('an executor killed mid-job: 502, a new executor, the next request served', async () => {
  p.mock.script = () => ({ stall: true });
  const seen = p.mock.requests.length;
  const pending = post(p, '/v1/chat/completions', chat('doomed'));
  await codexRuns(seen);
  const before = p.executorPids();
  assert.equal(before.length, 2);
  const busy = busyExecutor();
  process.kill(busy, 'SIGKILL');
  const r = await pending;
  assert.equal(r.status, 502);
  assertErrorEnvelope(await r.json(), 'executor_lost');
  await noCodexLeft();
  await p.waitIdle(2);
  assert.ok(!p.executorPids().includes(busy));
  assert.deepEqual(p.jobDirs(), [], 'the dead executor\'s job directory was swept by its successor');
  const h = await p.health();
  assert.equal(h.executors.idle, 2);
  p.mock.script = () => ({ text: 'revived' });
  const ok = await post(p, '/v1/chat/completions', chat('again'));
  assert.equal((await ok.json()).choices[0].message.content, 'revived');
});

test('an executor killed mid-stream ends the stream with an executor_lost error', async () => {
  p.mock.script = () => ({ stall: true });
  const seen = p.mock.requests.length;
  const s = await startStream(chat('doomed stream', { stream: true }));
  await codexRuns(seen);
  const busy = busyExecutor();
  process.kill(busy, 'SIGKILL');
  await new Promise((r) => s.res.on('end', r));
  assertErrorEnvelope(parseSse(s.text()).at(-1).data, 'executor_lost');
  await noCodexLeft();
  await p.waitIdle(2);
});

test('past the queue limit: 429 with Retry-After', async () => {
  // Short enough that the queued job still fits in the timeout, which
  // counts time in the queue.
  p.mock.script = () => ({ delayMs: 400, text: 'slow' });
  const running = [post(p, '/v1/chat/completions', chat('a')), post(p, '/v1/chat/completions', chat('b'))];
  await waitFor('both executors busy', async () => (await p.health()).executors.busy === 2);
  const queued = post(p, '/v1/chat/completions', chat('c'));
  await waitFor('one queued', async () => (await p.health()).queue_depth === 1);
  const r = await post(p, '/v1/chat/completions', chat('d'));
  assert.equal(r.status, 429);
  assert.ok(Number(r.headers.get('retry-after')) >= 1);
  assertErrorEnvelope(await r.json(), 'rate_limit_exceeded');
  for (const x of await Promise.all([...running, queued])) assert.equal(x.status, 200);
});

test('a queued request whose client leaves never runs codex', async () => {
  p.mock.script = () => ({ delayMs: 700, text: 'slow' });
  // Counted first: with the app-server backend the two may reach the model
  // before the executors are seen busy.
  const seen = p.mock.requests.length;
  const running = [post(p, '/v1/chat/completions', chat('a')), post(p, '/v1/chat/completions', chat('b'))];
  await waitFor('both executors busy', async () => (await p.health()).executors.busy === 2);
  const s = await startStream(chat('QUEUED-AND-GONE', { stream: true }));
  await waitFor('one queued', async () => (await p.health()).queue_depth === 1);
  s.req.destroy();
  await waitFor('queue empty', async () => (await p.health()).queue_depth === 0);
  await Promise.all(running);
  await sleep(300);
  assert.equal(p.mock.requests.length, seen + 2, 'only the two running requests reached the model');
  assert.ok(!p.mock.requests.slice(seen).some((q) => JSON.stringify(q.body).includes('QUEUED-AND-GONE')));
});

test('time in the queue counts against the timeout', async () => {
  p.mock.script = (body) => (JSON.stringify(body).includes('QUEUED') ? { stall: true } : { delayMs: 1000, text: 'slow' });
  const running = [post(p, '/v1/chat/completions', chat('a')), post(p, '/v1/chat/completions', chat('b'))];
  await waitFor('both executors busy', async () => (await p.health()).executors.busy === 2);
  const t = Date.now();
  const r = await post(p, '/v1/chat/completions', chat('QUEUED'));
  assert.equal(r.status, 504);
  assertErrorEnvelope(await r.json(), 'timeout');
  assert.ok(Date.now() - t < TIMEOUT_MS + 500, `answered after ${Date.now() - t} ms, timeout ${TIMEOUT_MS} ms`);
  await Promise.all(running);
  await noCodexLeft();
});

test('two executors run two jobs at once', async () => {
  p.mock.script = () => ({ delayMs: 600, text: 'parallel' });
  const rs = [post(p, '/v1/chat/completions', chat('x')), post(p, '/v1/chat/completions', chat('y'))];
  await waitFor('both executors busy at once', async () => (await p.health()).executors.busy === 2);
  for (const r of await Promise.all(rs)) assert.equal((await r.json()).choices[0].message.content, 'parallel');
});

test('each job runs in a fresh private directory that is removed afterwards', async () => {
  // Earlier jobs' directories are removed just after their answers.
  await waitFor('no job directory from earlier tests', () => p.jobDirs().length === 0);
  p.mock.script = () => ({ delayMs: 400, text: 'x' });
  const first = post(p, '/v1/chat/completions', chat('one'));
  const dirs = await waitFor('the job directory', () => { const d = p.jobDirs(); return d.length === 1 && d; });
  assert.match(path.basename(dirs[0]), /^job-[0-9a-f]{16}$/);
  assert.equal(fs.statSync(dirs[0]).mode & 0o777, 0o700);
  const user = require('./harness').runUser();
  if (user) assert.equal(fs.statSync(dirs[0]).uid, user.uid, 'owned by the run user');
  assert.equal(fs.statSync(path.dirname(dirs[0])).mode & 0o777, 0o700);
  assert.equal(fs.statSync(p.workdir).mode & 0o777, 0o700);
  assert.equal((await first).status, 200);
  await waitFor('the job directory to be removed', () => p.jobDirs().length === 0);
  const second = post(p, '/v1/chat/completions', chat('two'));
  const next = await waitFor('the next job directory', () => { const d = p.jobDirs(); return d.length === 1 && d; });
  assert.notEqual(next[0], dirs[0]);
  await second;
});

test('codex SIGKILLed mid-job: a 502, its job directory removed, the executor serves on', async () => {
  p.mock.script = () => ({ stall: true });
  const seen = p.mock.requests.length;
  const pending = post(p, '/v1/chat/completions', chat('killed codex'));
  await waitFor('codex to run', () => p.mock.requests.length > seen && p.codexPids().length >= 1 && p.jobDirs().length === 1);
  for (const pid of p.codexPids()) process.kill(pid, 'SIGKILL');
  const r = await pending;
  assert.equal(r.status, 502);
  assertErrorEnvelope(await r.json(), 'codex_failed');
  await waitFor('the job directory to be removed', () => p.jobDirs().length === 0);
  await noCodexLeft();
  p.mock.script = () => ({ text: 'still here' });
  assert.equal((await (await post(p, '/v1/chat/completions', chat('next'))).json()).choices[0].message.content, 'still here');
});
