// Under systemd: Type=notify readiness over $NOTIFY_SOCKET, and SIGHUP
// reloading API keys and the login without dropping a request.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { startProxy, post, waitFor, tmpdir, giveToRunUser } = require('./harness');

const chat = (text) => ({ model: 'm', messages: [{ role: 'user', content: text }] });
const bearer = (k) => ({ authorization: `Bearer ${k}` });

// A unix datagram socket the test owns (node has none): python3 prints
// each datagram it receives as one JSON string per line.
async function notifySocket(address) {
  const script = [
    'import json, os, socket, sys',
    'a = sys.argv[1]',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
    's.bind("\\0" + a[1:] if a.startswith("@") else a)',
    'if not a.startswith("@"): os.chmod(a, 0o777)',  // the proxy sends after dropping root
    'print(json.dumps("BOUND"), flush=True)',
    'while True: print(json.dumps(s.recv(4096).decode()), flush=True)',
  ].join('\n');
  const proc = spawn('python3', ['-c', script, address], { stdio: ['ignore', 'pipe', 'inherit'] });
  proc.on('error', (e) => { throw new Error(`python3 is needed for this test (scripts/install-deps.sh installs it): ${e.message}`); });
  const messages = [];
  let buf = '';
  proc.stdout.on('data', (d) => {
    buf += d;
    for (let nl; (nl = buf.indexOf('\n')) >= 0; buf = buf.slice(nl + 1)) messages.push(JSON.parse(buf.slice(0, nl)));
  });
  await waitFor('the notify socket', () => messages.includes('BOUND'));
  return { messages, close: () => proc.kill() };
}

test('READY=1 reaches NOTIFY_SOCKET once every executor is up, STOPPING=1 at shutdown', async () => {
  const address = path.join(tmpdir('codex-notify-'), 'notify.sock');
  const sock = await notifySocket(address);
  try {
    const p = await startProxy({ NOTIFY_SOCKET: address, CODEX_PROXY_MAX_CONCURRENCY: '2' });
    try {
      await waitFor('READY=1', () => sock.messages.includes('READY=1'));
      const log = p.log();
      const ready = log.indexOf('msg="told systemd: ready"');
      const executors = [...log.matchAll(/msg="executor ready"/g)].map((m) => m.index);
      assert.equal(executors.length, 2);
      assert.ok(ready > Math.max(...executors), `READY=1 before every executor was up:\n${log}`);
      assert.equal(sock.messages.filter((m) => m === 'READY=1').length, 1);
    } finally {
      assert.equal((await p.stop()).code, 0);
    }
    await waitFor('STOPPING=1', () => sock.messages.includes('STOPPING=1'));
  } finally {
    sock.close();
  }
});

test('SIGHUP reloads the key file: the old key is refused, the new one accepted; a bad file keeps the keys', async () => {
  const address = `@codex-proxy-e2e-${process.pid}-${Date.now()}`;  // the abstract namespace
  const sock = await notifySocket(address);
  const dir = tmpdir('codex-keys-');
  const file = path.join(dir, 'keys');
  fs.writeFileSync(file, 'sk-before-reload-0001\n', { mode: 0o600 });
  giveToRunUser(file);  // read again after the root drop
  const p = await startProxy({ NOTIFY_SOCKET: address, CODEX_PROXY_API_KEY_FILE: file });
  try {
    p.mock.script = () => ({ text: 'ok' });
    assert.equal((await post(p, '/v1/chat/completions', chat('a'), bearer('sk-before-reload-0001'))).status, 200);
    fs.writeFileSync(file, 'sk-after-reload-0002\n');
    p.proc.kill('SIGHUP');
    await waitFor('the reload', () => /msg="reload: API keys reloaded"/.test(p.log()));
    assert.equal((await post(p, '/v1/chat/completions', chat('b'), bearer('sk-before-reload-0001'))).status, 401);
    assert.equal((await post(p, '/v1/chat/completions', chat('c'), bearer('sk-after-reload-0002'))).status, 200);
    const reloading = sock.messages.find((m) => m.startsWith('RELOADING=1'));
    assert.match(reloading, /^RELOADING=1\nMONOTONIC_USEC=\d+$/);
    assert.ok(sock.messages.lastIndexOf('READY=1') > sock.messages.indexOf(reloading));

    fs.writeFileSync(file, 'a key with spaces\n');
    p.proc.kill('SIGHUP');
    await waitFor('the failed reload', () => /API keys not reloaded; the previous keys stay in force.*line 1/.test(p.log()));
    assert.equal((await post(p, '/v1/chat/completions', chat('d'), bearer('sk-after-reload-0002'))).status, 200);
    assert.ok(!p.log().includes('a key with spaces'), 'a key file line reached the log');
  } finally {
    assert.equal((await p.stop()).code, 0);
    sock.close();
  }
});

test('a request in flight across SIGHUP completes; the idle executor is replaced at once, the busy one after its job', async () => {
  const p = await startProxy({ CODEX_PROXY_MAX_CONCURRENCY: '2' });
  try {
    p.mock.script = () => ({ delayMs: 2500, text: 'survived' });
    const reply = post(p, '/v1/chat/completions', chat('long'));
    await waitFor('codex to run', () => p.codexPids().length === 1);
    const before = p.executorPids();
    assert.equal(before.length, 2);
    p.proc.kill('SIGHUP');
    await waitFor('the reload', () => /msg=reloaded/.test(p.log()));
    // One executor is busy (its codex runs below it), the other is replaced.
    await waitFor('the idle executor replaced', () => p.executorPids().filter((x) => before.includes(x)).length === 1);
    const r = await reply;
    assert.equal(r.status, 200);
    assert.equal((await r.json()).choices[0].message.content, 'survived');
    await waitFor('the busy executor replaced after its job', () => p.executorPids().every((x) => !before.includes(x)), 15000);
    await p.waitIdle(2);
    p.mock.script = () => ({ text: 'after' });
    assert.equal((await post(p, '/v1/chat/completions', chat('next'))).status, 200);
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
});
