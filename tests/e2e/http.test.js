// HTTP/1.1 handling over raw sockets: what http-parser leaves to us.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { startProxy, rawExchange, sleep, waitFor } = require('./harness');

let p;
before(async () => {
  p = await startProxy({
    CODEX_PROXY_MAX_HEADER_BYTES: '2048',
    CODEX_PROXY_MAX_BODY_BYTES: '4096',
    CODEX_PROXY_HEADER_TIMEOUT_MS: '400',
    CODEX_PROXY_BODY_TIMEOUT_MS: '400',
    CODEX_PROXY_IDLE_TIMEOUT_MS: '600',
    CODEX_PROXY_MAX_CONNECTIONS: '6',
  });
  p.mock.script = () => ({ text: 'pong' });
});
after(async () => { assert.equal((await p.stop()).code, 0); });

const chat = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'ping' }] });
const statuses = (text) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

function postBytes(body, extra = '') {
  return `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

test('keep-alive: two requests on one connection', async () => {
  const sock = net.connect(p.port, '127.0.0.1');
  let out = '';
  sock.on('data', (d) => { out += d; });
  sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor('first answer', () => statuses(out).length === 1);
  sock.write('GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor('second answer', () => statuses(out).length === 2);
  assert.deepEqual(statuses(out), [200, 200]);
  assert.match(out, /Connection: keep-alive/);
  sock.destroy();
});

test('pipelined requests are answered in order', async () => {
  const req = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' + postBytes(chat) + 'GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
  const r = await rawExchange(p.port, req, { idleMs: 5000 });
  assert.deepEqual(statuses(r.text), [200, 200, 404]);
  assert.ok(r.closed);
  assert.ok(r.text.indexOf('"pong"') < r.text.indexOf('not_found'));
});

test('chunked request body', async () => {
  const body = chat;
  const half = Math.floor(body.length / 2);
  const chunked = `${half.toString(16)}\r\n${body.slice(0, half)}\r\n${(body.length - half).toString(16)}\r\n${body.slice(half)}\r\n0\r\n\r\n`;
  const r = await rawExchange(p.port, `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked}`, { idleMs: 5000 });
  assert.deepEqual(statuses(r.text), [200]);
  assert.match(r.text, /"pong"/);
});

test('Expect: 100-continue gets 100 before the body is sent', async () => {
  const sock = net.connect(p.port, '127.0.0.1');
  let out = '';
  sock.on('data', (d) => { out += d; });
  sock.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${chat.length}\r\nConnection: close\r\n\r\n`);
  await waitFor('100 Continue', () => out.startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
  sock.write(chat);
  await waitFor('the answer', () => /"pong"/.test(out));
  assert.deepEqual(statuses(out), [100, 200]);
  sock.destroy();
});

test('Expect: 100-continue with a body over the limit gets 413, not 100', async () => {
  const r = await rawExchange(p.port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 999999\r\n\r\n');
  assert.deepEqual(statuses(r.text), [413]);
  assert.ok(r.closed);
});

test('request smuggling shapes are refused', async () => {
  const cases = [
    ['Content-Length: 5\r\nContent-Length: 5\r\n', 400],
    ['Content-Length: 5\r\nContent-Length: 6\r\n', 400],
    ['Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', 400],
    ['Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n', 400],
    ['Transfer-Encoding: gzip, chunked\r\n', 501],
  ];
  for (const [h, want] of cases) {
    const r = await rawExchange(p.port, `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n${h}\r\nhello`);
    assert.deepEqual(statuses(r.text), [want], h);
    assert.match(r.text, /"error":\{"message"/);
    assert.ok(r.closed, `connection closed after ${h}`);
  }
});

test('headers over the limit are 431', async () => {
  const r = await rawExchange(p.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(3000)}\r\n\r\n`);
  assert.deepEqual(statuses(r.text), [431]);
  assert.ok(r.closed);
});

test('bodies over the limit are 413, by Content-Length or by chunks', async () => {
  let r = await rawExchange(p.port, postBytes('x'.repeat(5000)));
  assert.deepEqual(statuses(r.text), [413]);
  const chunk = 'y'.repeat(3000);
  r = await rawExchange(p.port, `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${(3000).toString(16)}\r\n${chunk}\r\n${(3000).toString(16)}\r\n${chunk}\r\n0\r\n\r\n`);
  assert.deepEqual(statuses(r.text), [413]);
  assert.match(r.text, /request_too_large/);
});

test('a client that sends headers too slowly is cut off with 408', async () => {
  const t = Date.now();
  const r = await rawExchange(p.port, ['GET /healthz HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n', 'X-C: 3\r\n'], { gapMs: 250, idleMs: 3000 });
  assert.deepEqual(statuses(r.text), [408]);
  assert.ok(r.closed);
  assert.ok(Date.now() - t < 3000);
});

test('a client that sends its body too slowly is cut off with 408', async () => {
  const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: ${chat.length}\r\n\r\n`;
  const r = await rawExchange(p.port, [head, chat.slice(0, 5), chat.slice(5, 10)], { gapMs: 600, idleMs: 3000 });
  assert.deepEqual(statuses(r.text), [408]);
  assert.ok(r.closed);
});

test('an idle keep-alive connection is closed', async () => {
  const r = await rawExchange(p.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { idleMs: 3000 });
  assert.deepEqual(statuses(r.text), [200]);
  assert.ok(r.closed, 'closed by the server after the idle timeout');
});

test('garbage is a 400 and a closed connection', async () => {
  const r = await rawExchange(p.port, 'HELLO\r\n\r\n');
  assert.deepEqual(statuses(r.text), [400]);
  assert.ok(r.closed);
});

test('HTTP/1.0 is answered and closed', async () => {
  const r = await rawExchange(p.port, 'GET /healthz HTTP/1.0\r\n\r\n');
  assert.deepEqual(statuses(r.text), [200]);
  assert.match(r.text, /Connection: close/);
  assert.ok(r.closed);
});

test('connections past the limit are closed at once; the server still serves', async () => {
  const socks = [];
  for (let i = 0; i < 6; i++) {
    const s = net.connect(p.port, '127.0.0.1');
    await new Promise((r) => s.on('connect', r));
    socks.push(s);
  }
  await sleep(100);
  const extra = await rawExchange(p.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.deepEqual(statuses(extra.text), [503]);
  assert.match(extra.text, /too_many_connections/);
  assert.ok(extra.closed);
  socks.forEach((s) => s.destroy());
  await waitFor('connections to close', async () => (await fetch(`${p.url}/healthz`)).ok);
});
