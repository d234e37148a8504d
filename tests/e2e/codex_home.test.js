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
