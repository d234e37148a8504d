// The configured CODEX_HOME is only read: codex runs with a private,
// writable home seeded from it, SQLite state apart per executor, and a new
// login in the source reaches later jobs without clobbering refreshed ones.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { startProxy, startMockModelServer, writeCodexHome, post, waitFor } = require('./harness');

const chat = (content) => ({ model: 'm', messages: [{ role: 'user', content }] });

// Every file below dir with a hash of its content.
function snapshot(dir) {
  const out = {};
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

function sqliteFiles(dir) {
  return Object.keys(snapshot(dir)).filter((f) => /\.sqlite/.test(f));
}

test('a read-only CODEX_HOME (read-only bind mount) serves requests on several executors at once', async () => {
  if (process.getuid() !== 0) throw new Error('this test mounts a read-only bind mount and must run as root (CI does)');
  const mock = await startMockModelServer();
  const home = writeCodexHome(mock.port, { 'auth.json': '{"OPENAI_API_KEY":"sk-not-used-by-the-mock"}\n', 'AGENTS.md': 'Be brief.\n' });
  const before = snapshot(home);
  const launcher = ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c',
    `mount --bind ${home} ${home} && mount -o remount,bind,ro ${home} && exec "$0"`];
  const p = await startProxy({ CODEX_PROXY_MAX_CONCURRENCY: '3' }, { mock, codexHome: home, launcher });
  try {
    mock.script = () => ({ delayMs: 300, text: 'read-only ok' });
    await waitFor('3 idle executors', async () => (await p.health()).executors.idle === 3);
    const rs = [post(p, '/v1/chat/completions', chat('a')), post(p, '/v1/chat/completions', chat('b')), post(p, '/v1/chat/completions', chat('c'))];
    await waitFor('three jobs at once', async () => (await p.health()).executors.busy === 3);
    for (const r of await Promise.all(rs)) {
      assert.equal(r.status, 200);
      assert.equal((await r.json()).choices[0].message.content, 'read-only ok');
    }
    assert.equal((await p.health()).codex.login_found, true);
    assert.deepEqual(snapshot(home), before, 'the configured CODEX_HOME was not written');
    const priv = fs.readdirSync(p.privateHome);
    for (const f of ['auth.json', 'config.toml', 'AGENTS.md']) assert.ok(priv.includes(f), `${f} seeded`);
    assert.deepEqual(sqliteFiles(p.privateHome), [], 'no SQLite state in the shared home');
    for (const i of [0, 1, 2]) {
      const dir = path.join(p.stateDir, `executor-${i}`);
      assert.ok(sqliteFiles(dir).length > 0, `executor ${i} keeps its own SQLite state`);
      assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    }
  } finally {
    assert.equal((await p.stop()).code, 0);
    await mock.close();
  }
});

test('a refreshed login survives restarts; a new login in the source reaches the next job', async () => {
  const mock = await startMockModelServer();
  const home = writeCodexHome(mock.port, { 'auth.json': '{"login":"first"}\n' });
  const stateDir = path.join(require('./harness').tmpdir('codex-state-'), 'state');
  let p = await startProxy({}, { mock, codexHome: home, stateDir });
  const privateAuth = path.join(p.privateHome, 'auth.json');
  try {
    assert.equal(fs.readFileSync(privateAuth, 'utf8'), '{"login":"first"}\n');
    // What codex does when it refreshes: replace the private copy.
    fs.writeFileSync(privateAuth + '.tmp', '{"login":"first, refreshed"}\n');
    fs.renameSync(privateAuth + '.tmp', privateAuth);
    mock.script = () => ({ text: 'ok' });
    assert.equal((await post(p, '/v1/chat/completions', chat('x'))).status, 200);
    assert.equal(fs.readFileSync(privateAuth, 'utf8'), '{"login":"first, refreshed"}\n', 'an unchanged source does not undo a refresh');
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
  p = await startProxy({}, { mock, codexHome: home, stateDir });
  try {
    assert.equal(fs.readFileSync(privateAuth, 'utf8'), '{"login":"first, refreshed"}\n', 'nor does a restart');
    fs.writeFileSync(path.join(home, 'auth.json'), '{"login":"second"}\n');  // the operator logs in again
    assert.equal((await post(p, '/v1/chat/completions', chat('y'))).status, 200);
    assert.equal(fs.readFileSync(privateAuth, 'utf8'), '{"login":"second"}\n');
    assert.match(p.log(), /msg="re-seeded the private Codex home" file=auth.json/);
    assert.ok(!p.log().includes('"login"'), 'no auth.json content in the log');
  } finally {
    assert.equal((await p.stop()).code, 0);
    await mock.close();
  }
});

// Unsigned JWTs: codex reads their claims, it does not verify them.
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims) => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.sig`;
const chatgpt = { 'https://api.openai.com/auth': { chatgpt_plan_type: 'pro', chatgpt_account_id: 'acct-e2e', chatgpt_user_id: 'user-e2e' } };
const tokens = (tag, exp, refresh) => ({
  id_token: jwt({ email: 'e2e@example.com', exp, ...chatgpt }), access_token: jwt({ exp, tag, ...chatgpt }), refresh_token: refresh,
});
const tagOf = (authorization) => JSON.parse(Buffer.from(authorization.split('.')[1], 'base64url').toString()).tag;

test('a token refreshed by one job is what every later job, on every executor, presents', async () => {
  const mock = await startMockModelServer();
  const now = Math.floor(Date.now() / 1000);
  mock.refresh = () => tokens('REFRESHED', now + 86400, 'rt-second');
  const expired = { OPENAI_API_KEY: null, tokens: { ...tokens('EXPIRED', now - 60, 'rt-first'), account_id: 'acct-e2e' }, last_refresh: '2026-01-01T00:00:00Z' };
  const home = writeCodexHome(mock.port, { 'auth.json': JSON.stringify(expired) });
  fs.appendFileSync(path.join(home, 'config.toml'), '');
  const config = fs.readFileSync(path.join(home, 'config.toml'), 'utf8').replace('wire_api = "responses"', 'wire_api = "responses"\nrequires_openai_auth = true');
  fs.writeFileSync(path.join(home, 'config.toml'), config);
  const before = snapshot(home);
  const stateDir = path.join(require('./harness').tmpdir('codex-state-'), 'state');
  const env = { CODEX_PROXY_MAX_CONCURRENCY: '2', CODEX_PROXY_PASS_ENV: 'CODEX_REFRESH_TOKEN_URL_OVERRIDE',
    CODEX_REFRESH_TOKEN_URL_OVERRIDE: `http://127.0.0.1:${mock.port}/oauth/token` };
  mock.script = () => ({ text: 'authorized' });
  let p = await startProxy(env, { mock, codexHome: home, stateDir });
  try {
    // Two jobs at once, both finding the token expired: one refresh between them.
    const first = await Promise.all([post(p, '/v1/chat/completions', chat('a')), post(p, '/v1/chat/completions', chat('b'))]);
    for (const r of first) assert.equal(r.status, 200);
    for (const c of ['c', 'd', 'e']) assert.equal((await post(p, '/v1/chat/completions', chat(c))).status, 200);
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
  p = await startProxy(env, { mock, codexHome: home, stateDir });
  try {
    assert.equal((await post(p, '/v1/chat/completions', chat('after a restart'))).status, 200);
  } finally {
    assert.equal((await p.stop()).code, 0);
    await mock.close();
  }
  assert.deepEqual(mock.tokenRequests.map((b) => b.refresh_token), ['rt-first'], 'one refresh, and no refresh token presented twice');
  const presented = mock.requests.map((r) => tagOf(r.headers.authorization));
  assert.equal(presented.length, 6);
  assert.ok(presented.every((t) => t === 'REFRESHED'), `tokens presented: ${presented}`);
  assert.deepEqual(snapshot(home), before, 'the configured CODEX_HOME was not written');
  assert.equal(JSON.parse(fs.readFileSync(path.join(stateDir, 'codex-home', 'auth.json'))).tokens.refresh_token, 'rt-second');
});

test('a second proxy on the same state directory refuses to start and leaves the first one working', async () => {
  const { PROXYD, baseEnv, tmpdir } = require('./harness');
  const { spawnSync } = require('node:child_process');
  const p = await startProxy({});
  try {
    const owner = () => { const st = fs.statSync(p.privateHome); return [st.uid, st.gid, st.mode]; };
    const before = owner();
    const r = spawnSync(PROXYD(), [], { encoding: 'utf8', timeout: 10000, env: { PATH: process.env.PATH, ...baseEnv(), PORT: '0',
      CODEX_HOME: p.codexHome, CODEX_PROXY_STATE_DIR: p.stateDir, CODEX_PROXY_WORKDIR: path.join(tmpdir('codex-work-'), 'jobs'),
      // As root, another run user: the state directory must not be handed to it.
      ...(process.getuid() === 0 ? { CODEX_PROXY_USER: 'daemon' } : {}) } });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /another codex-proxyd is using \S+ \(each proxy needs its own CODEX_PROXY_STATE_DIR\)/);
    assert.deepEqual(owner(), before);
    p.mock.script = () => ({ text: 'still mine' });
    const res = await post(p, '/v1/chat/completions', chat('x'));
    assert.equal(res.status, 200);
    assert.equal((await res.json()).choices[0].message.content, 'still mine');
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
});
