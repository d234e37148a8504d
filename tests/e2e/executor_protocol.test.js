// An executor that breaks the protocol is killed at once: its job fails
// with 502 executor_lost long before the job's timeout, the log names the
// violation, and a fresh executor serves the next request. The executor is
// tests/fake_executor, which misbehaves as the prompt asks.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startProxy, post, assertErrorEnvelope, waitFor } = require('./harness');

function fakeExecutor() {
  const f = process.env.CODEX_PROXY_FAKE_EXECUTOR;
  if (!f) throw new Error('CODEX_PROXY_FAKE_EXECUTOR is not set: the tests need the fake executor (run through ctest)');
  if (!fs.existsSync(f)) throw new Error(`the fake executor is missing at ${f} (build the tests)`);
  return f;
}

// Far beyond the answers awaited here, so that an answer before it is
// the kill, not the timeout or the backstop (timeout + 5 s).
const TIMEOUT_MS = 60000;

let p;
before(async () => {
  p = await startProxy({ CODEX_PROXY_EXECUTOR: fakeExecutor(), CODEX_PROXY_TIMEOUT_MS: String(TIMEOUT_MS) });
});
after(async () => { assert.equal((await p.stop()).code, 0, p.log()); });

const chat = (content) => ({ model: 'm', messages: [{ role: 'user', content }] });

async function ask(content) {
  const t = Date.now();
  const r = await post(p, '/v1/chat/completions', chat(content));
  return { r, ms: Date.now() - t };
}

test('the fake executor answers a plain job', async () => {
  const { r } = await ask('hello');
  assert.equal(r.status, 200);
  assert.equal((await r.json()).choices[0].message.content, 'fake answer');
});

for (const [behaviour, violation, frame, phase] of [
  ['wrong-job-id', 'event for another job'],
  ['ready-while-busy', 'frame not allowed in this phase', 'ready', 'job'],
  ['bad-payload', 'bad text payload'],
  ['malformed-frame', 'malformed frame'],
  ['unknown-type', 'frame not allowed in this phase', 'job', 'job'],
  ['text-after-usage', 'frame not allowed in this phase', 'text_delta', 'usage'],
  ['done-mid-message', 'frame not allowed in this phase', 'done', 'message'],
]) {
  test(`an executor that sends ${behaviour} is killed at once; the next request gets a new one`, async () => {
    const before = p.log().length;
    // Given up well before the backstop: a violation left unseen fails
    // here instead of holding the test for a minute.
    const { r, ms } = await Promise.race([
      ask(`FAKE_EXECUTOR:${behaviour}`),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS / 2} ms: ` +
        `the violation was not acted on\n${p.log().slice(before)}`)), TIMEOUT_MS / 2).unref()),
    ]);
    assert.equal(r.status, 502);
    assertErrorEnvelope(await r.json(), 'executor_lost');
    assert.ok(ms < TIMEOUT_MS / 2, `answered after ${ms} ms`);
    const log = p.log().slice(before);
    assert.ok(log.includes('msg="executor broke protocol; killing it"'), log);
    assert.ok(log.includes(`violation="${violation}"`), log);
    if (frame) assert.ok(log.includes(`frame=${frame} phase=${phase}`), log);
    await p.waitIdle();
    const next = await ask('hello again');
    assert.equal(next.r.status, 200);
    assert.equal((await next.r.json()).choices[0].message.content, 'fake answer');
  });
}

test('/healthz is 503 degraded while no executor is up', async () => {
  const q = await startProxy({
    CODEX_PROXY_EXECUTOR: fakeExecutor(), CODEX_PROXY_PASS_ENV: 'FAKE_EXECUTOR_MODE', FAKE_EXECUTOR_MODE: 'exit',
  }, { waitIdle: false });
  try {
    await waitFor('an executor to exit', () => /msg="executor exited"/.test(q.log()));
    const r = await fetch(`${q.url}/healthz`);
    assert.equal(r.status, 503);
    const h = await r.json();
    assert.equal(h.status, 'degraded');
    assert.equal(h.executors.idle + h.executors.busy, 0);
  } finally {
    assert.equal((await q.stop()).code, 0, q.log());
  }
});
