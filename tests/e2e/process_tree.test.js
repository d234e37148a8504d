// Every process a job starts ends with the job, including those that left
// codex's process group: a setsid()'d child that ignores SIGTERM, and a
// double-forked orphan. The wrapper below plants both, then runs codex.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startProxy, post, assertErrorEnvelope, waitFor, pidsWithArg, CODEX, tmpdir } = require('./harness');

let p;
let marker;
before(async () => {
  const dir = tmpdir('codex-wrapper-');
  marker = `planted-${path.basename(dir)}`;
  const wrapper = path.join(dir, 'codex');
  fs.writeFileSync(wrapper, `#!/bin/bash
setsid bash -c 'trap "" TERM; while :; do sleep 0.05; done' ${marker}-stubborn &
( bash -c 'while :; do sleep 0.05; done' ${marker}-orphan & ) &
exec ${CODEX()} "$@"
`, { mode: 0o755 });
  p = await startProxy({ CODEX_BIN: wrapper, CODEX_PROXY_TIMEOUT_MS: '1500' });
});
after(async () => { assert.equal((await p.stop()).code, 0, p.log()); });

const planted = () => pidsWithArg(marker);
const chat = { model: 'm', messages: [{ role: 'user', content: 'x' }] };

test('descendants that left the group end when the job completes', async () => {
  p.mock.script = () => ({ delayMs: 300, text: 'done' });
  const pending = post(p, '/v1/chat/completions', chat);
  await waitFor('the planted processes to start', () => planted().length >= 2);
  const r = await pending;
  assert.equal(r.status, 200);
  await waitFor('planted processes to be gone', () => planted().length === 0, 3000);
});

test('descendants that left the group end on timeout', async () => {
  p.mock.script = () => ({ stall: true });
  const pending = post(p, '/v1/chat/completions', chat);
  await waitFor('the planted processes to start', () => planted().length >= 2);
  const r = await pending;
  assert.equal(r.status, 504, p.log());
  assertErrorEnvelope(await r.json(), 'timeout');
  await waitFor('planted processes to be gone', () => planted().length === 0 && p.codexPids().length === 0, 3000);
});

test('descendants that left the group end when their executor is killed', async () => {
  p.mock.script = () => ({ stall: true });
  const pending = post(p, '/v1/chat/completions', chat);
  await waitFor('the planted processes to start', () => planted().length >= 2);
  const busy = p.executorPids().find((pid) => p.pidsWithParent(pid).length > 0);
  process.kill(busy, 'SIGKILL');
  const r = await pending;
  assert.equal(r.status, 502);
  assertErrorEnvelope(await r.json(), 'executor_lost');
  await waitFor('planted processes to be gone', () => planted().length === 0 && p.codexPids().length === 0, 3000);
  assert.match(p.log(), /msg="ended processes a dead executor left" count=\d+/);
  await p.waitIdle();
});
