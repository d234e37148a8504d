// API keys from the environment, a key file and systemd credentials, and
// where the proxy agrees to listen.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startProxy, post, assertErrorEnvelope, PROXYD, tmpdir, unixRequest, environOf, baseEnv, giveToRunUser } = require('./harness');

const run = (env) => spawnSync(PROXYD(), [], { env: { PATH: process.env.PATH, ...baseEnv(), PORT: '0', CODEX_PROXY_WORKDIR: path.join(tmpdir('codex-work-'), 'w'), ...env }, encoding: 'utf8', timeout: 5000 });
const chat = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
const bearer = (k) => ({ authorization: `Bearer ${k}` });

test('keys from the environment, a key file and a systemd credential all work; none leaks', async () => {
  const dir = tmpdir('codex-keys-');
  const file = path.join(dir, 'keys');
  fs.writeFileSync(file, '# operators\n  sk-file-key-one-0001  \n\nsk-file-key-two-0002\r\n', { mode: 0o600 });
  const creds = path.join(dir, 'creds');
  fs.mkdirSync(creds);
  fs.writeFileSync(path.join(creds, 'codex-proxy-api-keys'), 'sk-credential-key-0003\n', { mode: 0o600 });
  const keys = ['sk-env-key-0000000', 'sk-file-key-one-0001', 'sk-file-key-two-0002', 'sk-credential-key-0003'];
  const p = await startProxy({ CODEX_PROXY_API_KEY: keys[0], CODEX_PROXY_API_KEY_FILE: file, CREDENTIALS_DIRECTORY: creds });
  try {
    p.mock.script = () => ({ text: 'ok' });
    for (const k of keys) assert.equal((await post(p, '/v1/chat/completions', chat, bearer(k))).status, 200, k);
    const r = await post(p, '/v1/chat/completions', chat, bearer('sk-file-key-one-000'));
    assert.equal(r.status, 401);
    assertErrorEnvelope(await r.json(), 'invalid_api_key');
    const pids = [p.proc.pid, ...p.executorPids()];
    assert.equal(pids.length, 2);
    for (const pid of pids) {
      const env = environOf(pid).join('\n');
      for (const k of keys) assert.ok(!env.includes(k), `key in /proc/${pid}/environ`);
    }
    assert.ok(!environOf(p.executorPids()[0]).some((e) => e.startsWith('CODEX_PROXY_')), 'no proxy setting reaches an executor');
    for (const k of keys) assert.ok(!p.log().includes(k), 'key in the log');
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
});

test('a malformed or empty key file stops start-up without showing a key', () => {
  const dir = tmpdir('codex-keys-');
  const bad = path.join(dir, 'bad');
  fs.writeFileSync(bad, 'sk-good-key-1\nsk-has space-inside\n');
  let r = run({ CODEX_PROXY_API_KEY_FILE: bad });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /CODEX_PROXY_API_KEY_FILE line 2: a key may not hold spaces or control characters/);
  assert.doesNotMatch(r.stderr, /sk-good|sk-has/);
  const empty = path.join(dir, 'empty');
  fs.writeFileSync(empty, '# nothing here\n\n');
  r = run({ CODEX_PROXY_API_KEY_FILE: empty });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /CODEX_PROXY_API_KEY_FILE holds no key/);
  r = run({ CODEX_PROXY_API_KEY_FILE: path.join(dir, 'missing') });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /No such file or directory/);
});

test('listening beyond loopback without a key is refused unless allowed', async () => {
  let r = run({ HOST: '0.0.0.0' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /refusing to listen beyond loopback without an API key/);
  r = run({ HOST: '::' });
  assert.equal(r.status, 1);
  for (const env of [{ HOST: '0.0.0.0', CODEX_PROXY_ALLOW_UNAUTHENTICATED: '1' }, { HOST: '0.0.0.0', CODEX_PROXY_API_KEY: 'sk-some-key-123' }, { HOST: '127.0.0.2' }]) {
    const p = await startProxy(env);
    assert.equal((await p.health()).status, 'ok');
    assert.equal((await p.stop()).code, 0);
  }
});

test('a Unix socket listener: its mode and group, stale files replaced, removed at exit', async () => {
  const dir = tmpdir('codex-sock-');
  giveToRunUser(dir);  // as /run/codex-proxy is, so the proxy can remove its socket at exit
  const sock = path.join(dir, 'proxy.sock');
  fs.writeFileSync(path.join(dir, 'not-a-socket'), '');
  let r = run({ CODEX_PROXY_LISTEN: `unix:${path.join(dir, 'not-a-socket')}` });
  assert.equal(r.status, 1);
  // A socket file left behind by a process that died (bound, never unlinked).
  spawnSync('python3', ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(sock)})`]);
  assert.ok(fs.statSync(sock).isSocket(), 'python3 made a stale socket file');
  const group = process.getuid() === 0 ? 'daemon' : String(process.getgid());
  const gid = process.getuid() === 0 ? Number(spawnSync('getent', ['group', 'daemon'], { encoding: 'utf8' }).stdout.split(':')[2]) : process.getgid();
  const p = await startProxy({ CODEX_PROXY_LISTEN: `unix:${sock}`, CODEX_PROXY_SOCKET_MODE: '0660', CODEX_PROXY_SOCKET_GROUP: group });
  try {
    const st = fs.statSync(sock);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o660);
    assert.equal(st.gid, gid);
    p.mock.script = () => ({ text: 'over a socket' });
    const res = await unixRequest(sock, 'POST', '/v1/chat/completions', chat);
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).choices[0].message.content, 'over a socket');
    r = run({ CODEX_PROXY_LISTEN: `unix:${sock}` });
    assert.equal(r.status, 1, 'a live socket is not taken over');
    assert.match(r.stderr, /address already in use/);
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
  assert.ok(!fs.existsSync(sock), 'socket removed at exit');
});

test('a Unix socket bound as root belongs to the run user\'s group; one it cannot remove is said at start', async () => {
  const dir = tmpdir('codex-sock-');  // stays root's (or ours): the run user cannot remove a file in it
  const sock = path.join(dir, 'proxy.sock');
  const p = await startProxy({ CODEX_PROXY_LISTEN: `unix:${sock}` });
  const runUserGid = process.getuid() === 0 ? Number(spawnSync('id', ['-g', baseEnv().CODEX_PROXY_USER], { encoding: 'utf8' }).stdout) : process.getgid();
  try {
    const st = fs.statSync(sock);
    assert.equal(st.gid, runUserGid);
    assert.equal(st.mode & 0o777, 0o660);
    if (process.getuid() === 0) assert.match(p.log(), /msg="the socket's directory is not writable by the run user/);
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
  if (process.getuid() === 0) {
    assert.ok(fs.existsSync(sock), 'as said at start');
    assert.match(p.log(), /msg="cannot remove the socket file"/);
  }
});
