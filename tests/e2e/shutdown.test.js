// SIGTERM/SIGINT: stop accepting, let in-flight jobs finish within the
// grace, then end the rest; exit 0 with no executor or codex left.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { startProxy, post, assertErrorEnvelope, waitFor, sleep } = require('./harness');

const chat = { model: 'm', messages: [{ role: 'user', content: 'x' }] };

test('SIGTERM drains: the in-flight job finishes, new connections are refused, exit 0', async () => {
  const p = await startProxy({ CODEX_PROXY_SHUTDOWN_GRACE_MS: '10000' });
  p.mock.script = () => ({ delayMs: 800, text: 'finished in time' });
  const pending = post(p, '/v1/chat/completions', chat);
  await waitFor('codex to run', () => p.codexPids().length === 1);
  p.proc.kill('SIGTERM');
  await waitFor('the proxy to start draining', () => /msg="shutting down"/.test(p.log()));
  await assert.rejects(fetch(`${p.url}/healthz`), 'listener closed while draining');
  const r = await pending;
  assert.equal(r.status, 200);
  assert.equal((await r.json()).choices[0].message.content, 'finished in time');
  const exit = await p.stop();
  assert.deepEqual(exit, { code: 0, signal: null }, p.log());
  assert.deepEqual(p.executorPids(), []);
  assert.deepEqual(p.codexPids(), []);
  assert.match(p.log(), /msg=stopped/);
});

test('past the grace the job is cancelled with a 503 and the proxy exits 0', async () => {
  const p = await startProxy({ CODEX_PROXY_SHUTDOWN_GRACE_MS: '300' });
  p.mock.script = () => ({ stall: true });
  const pending = post(p, '/v1/chat/completions', chat);
  await waitFor('codex to run', () => p.codexPids().length === 1);
  const t = Date.now();
  p.proc.kill('SIGTERM');
  const r = await pending;
  assert.equal(r.status, 503);
  assertErrorEnvelope(await r.json(), 'shutting_down');
  const exit = await p.stop();
  assert.deepEqual(exit, { code: 0, signal: null }, p.log());
  assert.ok(Date.now() - t < 5000);
  assert.deepEqual(p.codexPids(), []);
  assert.deepEqual(p.executorPids(), []);
});

// The listener closes on SIGTERM and idle connections with it, so only a
// request already under way can still ask. Its headers are read (the
// 100 Continue says so) before the drain starts; its body after.
test('/healthz answers 200 ok while serving, 503 draining during the drain', async () => {
  const p = await startProxy({ CODEX_PROXY_SHUTDOWN_GRACE_MS: '5000' });
  const sock = net.connect(p.port, '127.0.0.1');
  let exit;
  try {
    const ok = await fetch(`${p.url}/healthz`);
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).status, 'ok');
    p.mock.script = () => ({ stall: true });
    const pending = post(p, '/v1/chat/completions', chat);
    await waitFor('codex to run', () => p.codexPids().length === 1);
    let got = '';
    sock.on('data', (d) => { got += d; });
    const closed = new Promise((r) => sock.on('close', r));
    sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n');
    await waitFor('100 Continue', () => got.includes('100 Continue'));
    p.proc.kill('SIGTERM');
    await waitFor('the proxy to start draining', () => /msg="shutting down"/.test(p.log()));
    sock.write('x');
    await closed;
    const answer = got.slice(got.indexOf('\r\n\r\n') + 4);
    assert.match(answer, /^HTTP\/1\.1 503 /);
    assert.equal(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).status, 'draining');
    assert.equal((await pending).status, 503);
  } finally {
    sock.destroy();
    exit = await p.stop();
  }
  assert.deepEqual(exit, { code: 0, signal: null }, p.log());
});

test('SIGINT on an idle proxy exits 0 at once', async () => {
  const p = await startProxy({ CODEX_PROXY_MAX_CONCURRENCY: '3' });
  const executors = p.executorPids();
  assert.equal(executors.length, 3);
  p.proc.kill('SIGINT');
  const exit = await p.stop();
  assert.deepEqual(exit, { code: 0, signal: null }, p.log());
  assert.deepEqual(p.executorPids(), []);
});

test('a second SIGTERM while the last answers drain does not kill the proxy', async () => {
  const p = await startProxy({ CODEX_PROXY_SHUTDOWN_GRACE_MS: '10000' });
  p.mock.script = () => ({ delayMs: 300, text: 'x' });
  const pending = post(p, '/v1/chat/completions', chat);
  await waitFor('codex to run', () => p.codexPids().length === 1);
  p.proc.kill('SIGTERM');
  const r = await pending;
  assert.equal(r.status, 200);
  // Every few ms until it exits, so that no window of the shutdown where
  // SIGTERM's default action is back goes untried.
  for (let i = 0; i < 2000 && p.proc.exitCode === null && p.proc.signalCode === null; i++) {
    p.proc.kill('SIGTERM');
    await sleep(2);
  }
  assert.deepEqual(await p.stop(), { code: 0, signal: null }, p.log());
});

test('the supervisor SIGKILLed mid-job takes its executors and codex with it; a restart sweeps the job directory', async () => {
  const p = await startProxy({});
  p.mock.script = () => ({ stall: true });
  post(p, '/v1/chat/completions', chat).catch(() => {});
  await waitFor('codex to run', () => p.codexPids().length >= 1 && p.jobDirs().length === 1);
  const executors = p.executorPids();
  p.proc.kill('SIGKILL');
  await p.exited;
  await waitFor('executors and codex to die with the supervisor', () => p.executorPids().length === 0 && p.codexPids().length === 0, 5000);
  assert.equal(p.jobDirs().length, 1, `a crash leaves the job directory behind\n${p.log()}`);
  assert.ok(executors.length > 0);
  const again = await startProxy({}, { workdir: p.workdir, mock: p.mock });
  try {
    assert.deepEqual(again.jobDirs(), []);
    assert.match(again.log(), /removed job directories left by an earlier run/);
  } finally {
    assert.equal((await again.stop()).code, 0);
    await p.mock.close();
  }
});
