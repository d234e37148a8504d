// CODEX_BIN as npm installs it (a Node launcher): the proxy runs the
// platform binary the launcher would start, and falls back to the launcher
// when it cannot find that binary.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startProxy, post, waitFor, CODEX, tmpdir, environOf } = require('./harness');

const chat = (text) => ({ model: 'm', messages: [{ role: 'user', content: text }] });
const launcherPackage = () => path.dirname(path.dirname(fs.realpathSync(CODEX())));

test('the npm launcher on CODEX_BIN is replaced by the platform binary, with the launcher\'s environment', async () => {
  const p = await startProxy();
  try {
    const m = /msg=codex_bin path=(\S+) native=true launcher=(\S+)/.exec(p.log());
    assert.ok(m, `no codex_bin line:\n${p.log()}`);
    assert.match(m[1], /\/vendor\/(x86_64|aarch64)-unknown-linux-musl\/bin\/codex$/);
    assert.equal(m[2], fs.realpathSync(CODEX()));
    // Seen from outside: the process the job runs is that binary.
    p.mock.script = () => ({ delayMs: 1500, text: 'native' });
    const reply = post(p, '/v1/chat/completions', chat('hi'));
    const [pid] = await waitFor('codex to run', () => { const pids = p.codexPids(); return pids.length && pids; });
    assert.equal(fs.readlinkSync(`/proc/${pid}/exe`), fs.realpathSync(m[1]));
    const env = environOf(pid);
    assert.ok(env.includes('CODEX_MANAGED_BY_NPM=1'), env.join('\n'));
    assert.ok(env.includes(`CODEX_MANAGED_PACKAGE_ROOT=${launcherPackage()}`), env.join('\n'));
    const r = await reply;
    assert.equal(r.status, 200);
    assert.equal((await r.json()).choices[0].message.content, 'native');
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
});

test('a launcher whose platform package is not where the proxy looks runs as itself, and serves', async () => {
  // A copy of the launcher package alone; Node still finds the platform
  // package through NODE_PATH, which the proxy's lookup does not follow.
  const prefix = tmpdir('codex-npm-');
  const pkg = path.join(prefix, 'node_modules', '@openai', 'codex');
  fs.mkdirSync(path.join(pkg, 'bin'), { recursive: true, mode: 0o755 });
  fs.copyFileSync(path.join(launcherPackage(), 'package.json'), path.join(pkg, 'package.json'));
  fs.copyFileSync(path.join(launcherPackage(), 'bin', 'codex.js'), path.join(pkg, 'bin', 'codex.js'));
  fs.chmodSync(path.join(pkg, 'bin', 'codex.js'), 0o755);
  for (let d = pkg; d !== prefix; d = path.dirname(d)) fs.chmodSync(d, 0o755);
  const launcher = path.join(pkg, 'bin', 'codex.js');
  const p = await startProxy({
    CODEX_BIN: launcher,
    NODE_PATH: path.dirname(path.dirname(launcherPackage())),
    CODEX_PROXY_PASS_ENV: 'NODE_PATH',
  });
  try {
    assert.match(p.log(), new RegExp(`msg=codex_bin path=${launcher} native=false launcher=${launcher}`));
    assert.match(p.log(), /level=warn .*the npm launcher runs/);
    p.mock.script = () => ({ text: 'through node' });
    const r = await post(p, '/v1/chat/completions', chat('hi'));
    assert.equal(r.status, 200);
    assert.equal((await r.json()).choices[0].message.content, 'through node');
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
});
