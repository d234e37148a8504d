// Issue 8, item 2: reading a large request into a job (validation, parse,
// schema checks, rendering the prompt) runs on libuv's threadpool, so the
// event loop serves other connections meanwhile.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { startProxy, post, waitFor } = require('./harness');

let p;
before(async () => {
  p = await startProxy({ CODEX_PROXY_MAX_BODY_BYTES: String(16 << 20) });
  p.mock.script = () => ({ text: 'ok' });
});
after(async () => { assert.equal((await p.stop()).code, 0); });

// Opens a connection and sends all of a request but its last byte; send()
// sends that byte, and the answer's first bytes resolve `answered`.
async function almostSent(body, proxy = p) {
  const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  const all = Buffer.from(head + body);
  const sock = net.connect(proxy.port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let text = '';
  const answered = new Promise((r) => sock.on('data', (d) => { text += d; if (/\r\n\r\n/.test(text)) r(text); }));
  sock.on('error', () => {});
  await new Promise((r) => sock.write(all.subarray(0, all.length - 1), r));
  // Each /healthz answered is a turn of the proxy's loop, which reads up
  // to 2 MB of the body: after a few, all but the last byte is read.
  for (let i = 0; i < 8; i++) await proxy.health();
  return { sock, answered, send: () => new Promise((r) => sock.write(all.subarray(all.length - 1), r)) };
}

// Many messages: ~12 MB that take hundreds of ms to check and render, then
// fail the prompt-size check, so the answer follows the work at once.
function hugeConversation() {
  const messages = Array.from({ length: 60000 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'é'.repeat(90) }));
  return JSON.stringify({ model: 'gpt-4.1', messages });
}

test('/healthz on another connection is answered while a large request is being read into a job', async () => {
  const big = await almostSent(hugeConversation());
  const order = [];
  const bigDone = big.answered.then((t) => order.push(`big ${t.slice(9, 12)}`));
  await big.send();
  // Sent after the big request's last byte: the old code answered it only
  // once that request had been parsed, checked and rendered on the loop.
  const health = await fetch(`${p.url}/healthz`);
  order.push(`healthz ${health.status}`);
  await bigDone;
  big.sock.destroy();
  assert.deepEqual(order, ['healthz 200', 'big 400']);
});

test('a client that leaves while its request is read into a job starts nothing, and the proxy stays well', async () => {
  const seen = p.mock.requests.length;
  // Valid and heavy to read: 80,000 tools (not put into the prompt).
  const tools = Array.from({ length: 80000 }, (_, i) => ({ type: 'function', function: { name: `t${i}`, parameters: { type: 'object' } } }));
  const big = await almostSent(JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }], tools, tool_choice: 'none' }));
  await big.send();
  big.sock.destroy();
  await waitFor('the request to be dropped', () => /client left while its request was prepared/.test(p.log()), 60000);
  assert.match(p.log(), /status=499/);
  const r = await post(p, '/v1/chat/completions', { model: 'gpt-4.1', messages: [{ role: 'user', content: 'after' }] });
  assert.equal(r.status, 200);
  assert.equal(p.mock.requests.length, seen + 1, 'only the later request reached the model');
  const h = await p.health();
  assert.equal(h.queue_depth, 0);
});

test('a shutdown while a request is read into a job answers it and exits cleanly', async () => {
  const q = await startProxy({ CODEX_PROXY_MAX_BODY_BYTES: String(16 << 20) });
  try {
    q.mock.script = () => ({ text: 'ok' });
    const tools = Array.from({ length: 80000 }, (_, i) => ({ type: 'function', function: { name: `t${i}`, parameters: { type: 'object' } } }));
    const big = await almostSent(JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }], tools, tool_choice: 'none' }), q);
    await big.send();
    q.proc.kill('SIGTERM');
    const head = await big.answered;
    big.sock.destroy();
    // 503 when the drain began before the job was queued, 200 if the work won the race.
    assert.match(head, /^HTTP\/1\.1 (200|503) /);
  } finally {
    assert.deepEqual(await q.stop(), { code: 0, signal: null }, q.log());
  }
});
