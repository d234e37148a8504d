// What the processes hold, seen from outside through /proc: who they run
// as, what they may regain, which fds and which environment they have.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startProxy, post, CODEX, PROXYD, tmpdir, runUser, baseEnv, environOf, waitFor, backend } = require('./harness');

function status(pid) {
  const out = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

let p;
let record;
let outside;
before(async () => {
  const user = runUser();
  if (!user) throw new Error('this test proves the root -> run user drop and must run as root (CI does)');
  const dir = tmpdir('codex-recorder-');
  // Writable by anyone, so that only Landlock can stop the wrapper writing here.
  outside = path.join(dir, 'outside');
  fs.mkdirSync(outside);
  fs.chmodSync(outside, 0o777);
  // Codex may write in its home, so the recorder writes there.
  const wrapper = path.join(dir, 'codex');
  fs.writeFileSync(wrapper, `#!/bin/sh
r="$CODEX_HOME/seen"; mkdir -p "$r"
env > "$r/env"; ulimit -t > "$r/cpu"; id -u > "$r/uid"; id -G > "$r/groups"; ls /proc/self/fd > "$r/fds"
touch ${outside}/escaped 2> "$r/outside-write"
exec ${CODEX()} "$@"
`, { mode: 0o755 });
  p = await startProxy({
    CODEX_BIN: wrapper, CODEX_PROXY_RLIMIT_NOFILE: '2048', CODEX_PROXY_RLIMIT_CPU_SECONDS: '321', CODEX_PROXY_API_KEY: 'sk-isolation-secret-key',
    // The proxy's own settings are never passed, even when named.
    CODEX_PROXY_PASS_ENV: 'EXTRA_ALLOWED,CODEX_PROXY_API_KEY,CODEX_PROXY_TIMEOUT_MS', CODEX_PROXY_TIMEOUT_MS: '170000',
    EXTRA_ALLOWED: 'yes', NOT_ALLOWED: 'no', LANG: 'C.UTF-8',
  });
  record = path.join(p.privateHome, 'seen');
});
after(async () => { assert.equal((await p.stop()).code, 0); });

test('the supervisor and its executors run as the run user, groups cleared', () => {
  const u = runUser();
  for (const pid of [p.proc.pid, ...p.executorPids()]) {
    const st = status(pid);
    assert.equal(st.Uid, `${u.uid}\t${u.uid}\t${u.uid}\t${u.uid}`, `Uid of ${pid}`);
    assert.equal(st.Gid, `${u.gid}\t${u.gid}\t${u.gid}\t${u.gid}`, `Gid of ${pid}`);
    assert.equal(st.Groups, '', `supplementary groups of ${pid}`);
    assert.equal(st.CapEff, '0000000000000000');
    assert.equal(st.CapPrm, '0000000000000000');
  }
  assert.match(p.log(), new RegExp(`msg="dropped privileges" user=${u.name} uid=${u.uid}`));
});

test('executors: NoNewPrivs, umask 077, no core dumps, only their socket and stdio open', () => {
  const [pid] = p.executorPids();
  assert.equal(status(pid).NoNewPrivs, '1');
  assert.equal(status(pid).Umask, '0077');
  const limits = fs.readFileSync(`/proc/${pid}/limits`, 'utf8');
  assert.match(limits, /Max core file size\s+0\s+0/);
  const fds = fs.readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b);
  assert.deepEqual(fds.slice(0, 4), [0, 1, 2, 3]);
  assert.match(fs.readlinkSync(`/proc/${pid}/fd/3`), /^socket:/);
  // With the app-server backend, also its server's stdio pipes and pidfd.
  const others = fds.slice(4).map((fd) => fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
  if (backend() === 'app-server') {
    assert.ok(others.length <= 4 && others.every((l) => /^pipe:|^anon_inode:\[pidfd\]$/.test(l)), `other fds: ${others}`);
  }
  else assert.deepEqual(others, []);
});

test('codex runs as the run user with an allow-listed environment and no key', async () => {
  p.mock.script = () => ({ text: 'ok' });
  const r = await post(p, '/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x' }] },
    { authorization: 'Bearer sk-isolation-secret-key' });
  assert.equal(r.status, 200);
  await waitFor('the recorder', () => fs.existsSync(`${record}/fds`));
  assert.equal(fs.readFileSync(`${record}/uid`, 'utf8').trim(), String(runUser().uid));
  assert.equal(fs.readFileSync(`${record}/groups`, 'utf8').trim(), String(runUser().gid));
  const env = fs.readFileSync(`${record}/env`, 'utf8');
  const names = env.split('\n').filter(Boolean).map((l) => l.split('=')[0]).filter((n) => n !== 'PWD' && n !== 'OLDPWD' && n !== 'SHLVL' && n !== '_');
  // The app-server backend points SQLite's temporary files into the writable SQLite home (Landlock).
  const expected = ['CODEX_HOME', 'CODEX_SQLITE_HOME', 'EXTRA_ALLOWED', 'HOME', 'LANG', 'PATH', ...(backend() === 'app-server' ? ['SQLITE_TMPDIR'] : [])];
  assert.deepEqual(names.sort(), expected.sort());
  assert.match(env, new RegExp(`^CODEX_HOME=${p.privateHome}$`, 'm'));
  assert.match(env, /^HOME=\/nonexistent$/m, 'the run user\'s home, not root\'s');
  assert.ok(!env.includes('sk-isolation-secret-key'));
  // codex's stdio are pipes to its executor; nothing else of the proxy is open in it.
  assert.deepEqual(fs.readFileSync(`${record}/fds`, 'utf8').split('\n').filter(Boolean).map(Number).sort(), [0, 1, 2, 3]);
  for (const pid of p.executorPids()) assert.ok(!environOf(pid).join('\n').includes('sk-isolation-secret-key'));
});

test('started as root, a missing run user is a refusal to start', () => {
  const r = spawnSync(PROXYD(), [], { env: { PATH: process.env.PATH, ...baseEnv(), CODEX_PROXY_USER: 'no-such-user-here', PORT: '0', CODEX_PROXY_WORKDIR: path.join(tmpdir('w-'), 'w') }, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /run user 'no-such-user-here' does not exist/);
  const root = spawnSync(PROXYD(), [], { env: { PATH: process.env.PATH, CODEX_PROXY_USER: 'root', PORT: '0', CODEX_PROXY_WORKDIR: path.join(tmpdir('w-'), 'w') }, encoding: 'utf8' });
  assert.equal(root.status, 2);
  assert.match(root.stderr, /is root or in group 0/);
});

test('an executor started as root refuses to run', () => {
  const r = spawnSync(path.join(path.dirname(PROXYD()), 'codex-proxy-executor'), [], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /refusing to run as root/);
});

test('Landlock: codex cannot write outside its job directory and Codex home', async () => {
  await waitFor('the recorder', () => fs.existsSync(`${record}/outside-write`));
  assert.ok(!fs.existsSync(path.join(outside, 'escaped')), 'a write outside the allowed directories got through');
  assert.match(fs.readFileSync(`${record}/outside-write`, 'utf8'), /Permission denied/);
});

test('resource limits: open files and file size on executors, a CPU backstop on codex', async () => {
  const limits = fs.readFileSync(`/proc/${p.executorPids()[0]}/limits`, 'utf8');
  assert.match(limits, /Max open files\s+2048\s+2048/);
  assert.match(limits, /Max file size\s+1073741824\s+1073741824/);
  assert.match(limits, /Max processes\s+\S+\s+\S+/);
  assert.doesNotMatch(limits, /Max cpu time\s+321/, 'the CPU limit is not on the long-lived executor');
  await waitFor('the recorder', () => fs.existsSync(`${record}/cpu`));
  assert.equal(fs.readFileSync(`${record}/cpu`, 'utf8').trim(), '321');
});
