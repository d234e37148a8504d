// The binaries' command lines and start-up errors.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { PROXYD, baseEnv } = require('./harness');

const EXECUTOR = () => path.join(path.dirname(PROXYD()), 'codex-proxy-executor');
const run = (bin, args, env = {}) => spawnSync(bin, args, { env: { PATH: process.env.PATH, ...baseEnv(), ...env }, encoding: 'utf8', timeout: 10000 });

test('both binaries answer --version and --help', () => {
  for (const bin of [PROXYD(), EXECUTOR()]) {
    const v = run(bin, ['--version']);
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^codex-proxy(d|-executor) \d+\.\d+\.\d+\n$/);
    const h = run(bin, ['--help']);
    assert.equal(h.status, 0);
    assert.match(h.stdout, /^usage: /);
  }
});

test('an unknown argument is a usage error', () => {
  assert.equal(run(PROXYD(), ['--bogus']).status, 64);
  assert.equal(run(EXECUTOR(), ['--bogus', 'x']).status, 64);
});

test('a bad setting stops start-up and names the variable', () => {
  for (const [name, value] of [['PORT', '70000'], ['CODEX_PROXY_TIMEOUT_MS', 'soon'], ['CODEX_PROXY_MAX_CONCURRENCY', '0'], ['CODEX_PROXY_PASS_ENV', 'BAD-NAME'],
    ['HOST', 'localhost'], ['HOST', '999.1.1.1'], ['CODEX_PROXY_SOCKET_GROUP', 'no-such-group-codex-proxy']]) {
    const r = run(PROXYD(), [], { [name]: value });
    assert.equal(r.status, 2, `${name}=${value}`);
    assert.match(r.stderr, new RegExp(`level=error .*${name}`));
  }
});

test('a missing executor stops start-up with a hint', () => {
  const r = run(PROXYD(), [], { CODEX_PROXY_EXECUTOR: '/nonexistent/codex-proxy-executor' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /executor not found at \/nonexistent\/codex-proxy-executor/);
});

test('a port in use is a clear error', () => {
  const net = require('node:net');
  const srv = net.createServer().listen(0, '127.0.0.1');
  return new Promise((resolve) => srv.on('listening', () => {
    // A work directory of its own: a fixed path is shared with every other run on the host.
    const workdir = path.join(require('./harness').tmpdir('codex-work-'), 'w');
    const r = run(PROXYD(), [], { PORT: String(srv.address().port), CODEX_PROXY_WORKDIR: workdir });
    srv.close();
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /msg="cannot listen".*error="address already in use"/);
    resolve();
  }));
});

test('the work directory: leftovers swept at start, a second proxy refused', async () => {
  const { startProxy, tmpdir } = require('./harness');
  const fs = require('node:fs');
  const workdir = path.join(tmpdir('codex-work-'), 'jobs');
  assert.equal((await (await startProxy({}, { workdir })).stop()).code, 0);  // made by the proxy, as a crashed one left it
  fs.mkdirSync(path.join(workdir, 'executor-0', 'job-stale0000'), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(workdir, 'executor-0', 'job-stale0000', 'file'), 'x');
  fs.mkdirSync(path.join(workdir, 'job-from-an-old-layout'));
  const p = await startProxy({}, { workdir });
  try {
    assert.deepEqual(fs.readdirSync(workdir).sort(), ['.codex-proxyd.lock', '.codex-proxyd.workdir', 'executor-0']);
    assert.deepEqual(fs.readdirSync(path.join(workdir, 'executor-0')), []);
    assert.match(p.log(), /msg="removed job directories left by an earlier run" count=2/);
    const second = run(PROXYD(), [], { CODEX_PROXY_WORKDIR: workdir, PORT: '0' });
    assert.equal(second.status, 2);
    assert.match(second.stderr, /another codex-proxyd is using CODEX_PROXY_WORKDIR/);
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
});

// Every entry below dir with its owner, mode and content.
function listing(dir) {
  const fs = require('node:fs');
  const out = {};
  const walk = (d) => {
    for (const e of fs.readdirSync(d)) {
      const p = path.join(d, e);
      const st = fs.lstatSync(p);
      out[path.relative(dir, p)] = [st.uid, st.gid, st.mode, st.isFile() ? fs.readFileSync(p, 'utf8') : ''];
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  const st = fs.statSync(dir);
  out['.'] = [st.uid, st.gid, st.mode];
  return out;
}

test('an existing work directory the proxy did not make is refused and left untouched', () => {
  const { tmpdir } = require('./harness');
  const fs = require('node:fs');
  // As /tmp would be: someone else's files in it (root's, when run as root).
  const mine = path.join(tmpdir('codex-work-'), 'shared');
  fs.mkdirSync(mine, { mode: 0o755 });
  fs.writeFileSync(path.join(mine, 'important'), 'keep me');
  fs.mkdirSync(path.join(mine, 'sub'));
  fs.writeFileSync(path.join(mine, 'sub', 'also'), 'keep me too');
  const before = listing(mine);
  let r = run(PROXYD(), [], { CODEX_PROXY_WORKDIR: mine, PORT: '0' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /CODEX_PROXY_WORKDIR \S+ exists and was not made by codex-proxyd/);
  assert.deepEqual(listing(mine), before, 'not chowned, not chmodded, not emptied');
  // An empty but world-writable directory (a /tmp of its own) is not taken either.
  const sticky = path.join(tmpdir('codex-work-'), 'sticky');
  fs.mkdirSync(sticky);
  fs.chmodSync(sticky, 0o1777);
  r = run(PROXYD(), [], { CODEX_PROXY_WORKDIR: sticky, PORT: '0' });
  assert.equal(r.status, 2);
  assert.deepEqual(fs.readdirSync(sticky), []);
  assert.equal(fs.statSync(sticky).mode & 0o7777, 0o1777);
});

test('a work directory reached through a symlinked parent is refused, and not created', () => {
  const { tmpdir } = require('./harness');
  const fs = require('node:fs');
  const base = tmpdir('codex-work-');
  fs.mkdirSync(path.join(base, 'real'));
  fs.symlinkSync(path.join(base, 'real'), path.join(base, 'link'));
  const r = run(PROXYD(), [], { CODEX_PROXY_WORKDIR: path.join(base, 'link', 'jobs'), PORT: '0' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /must be a path without symbolic links/);
  assert.deepEqual(fs.readdirSync(path.join(base, 'real')), []);
});

test('the sweep removes links inside the work directory and never follows them', async () => {
  const { startProxy, tmpdir } = require('./harness');
  const fs = require('node:fs');
  const workdir = path.join(tmpdir('codex-work-'), 'jobs');
  const outside = tmpdir('codex-outside-');
  fs.writeFileSync(path.join(outside, 'precious'), 'keep');
  fs.mkdirSync(path.join(outside, 'dir'));
  fs.writeFileSync(path.join(outside, 'dir', 'also'), 'keep');
  assert.equal((await (await startProxy({}, { workdir })).stop()).code, 0);
  fs.mkdirSync(path.join(workdir, 'executor-0', 'job-stale0000'), { recursive: true });
  fs.symlinkSync(outside, path.join(workdir, 'executor-0', 'job-stale0000', 'to-outside'));
  fs.symlinkSync(outside, path.join(workdir, 'to-outside'));
  fs.symlinkSync(path.join(outside, 'precious'), path.join(workdir, 'to-file'));
  const before = listing(outside);
  const p = await startProxy({}, { workdir });
  try {
    assert.deepEqual(fs.readdirSync(workdir).sort(), ['.codex-proxyd.lock', '.codex-proxyd.workdir', 'executor-0']);
    assert.deepEqual(listing(outside), before);
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
});

test('a work directory that is a symlink or belongs to another user is refused', () => {
  const { tmpdir } = require('./harness');
  const fs = require('node:fs');
  const base = tmpdir('codex-work-');
  fs.symlinkSync(base, path.join(base, 'link'));
  let r = run(PROXYD(), [], { CODEX_PROXY_WORKDIR: path.join(base, 'link'), PORT: '0' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /is not a directory \(a symbolic link is refused\)/);
  let foreign = '/usr/share';
  if (process.getuid() === 0) {  // as root, make one that belongs to nobody
    foreign = path.join(base, 'foreign');
    fs.mkdirSync(foreign);
    fs.chownSync(foreign, 65534, 65534);
  }
  r = run(PROXYD(), [], { CODEX_PROXY_WORKDIR: foreign, PORT: '0' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /belongs to another user/);
});

test('doctor takes only --run; --help names it', () => {
  assert.match(run(PROXYD(), ['--help']).stdout, /codex-proxyd doctor \[--run\]/);
  for (const args of [['doctor', '--bogus'], ['doctor', '--run', 'x'], ['--check', 'now']]) assert.equal(run(PROXYD(), args).status, 64, args.join(' '));
});
