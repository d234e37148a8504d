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
  for (const [name, value] of [['PORT', '70000'], ['CODEX_PROXY_TIMEOUT_MS', 'soon'], ['CODEX_PROXY_MAX_CONCURRENCY', '0'], ['CODEX_PROXY_PASS_ENV', 'BAD-NAME']]) {
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
    const r = run(PROXYD(), [], { PORT: String(srv.address().port), CODEX_PROXY_WORKDIR: '/tmp/codex-work-cli-test' });
    srv.close();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /msg="cannot listen".*error="address already in use"/);
    resolve();
  }));
});

test('the work directory: leftovers swept at start, a second proxy refused', async () => {
  const { startProxy, tmpdir } = require('./harness');
  const fs = require('node:fs');
  const workdir = path.join(tmpdir('codex-work-'), 'jobs');
  fs.mkdirSync(path.join(workdir, 'executor-0', 'job-stale0000'), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(workdir, 'executor-0', 'job-stale0000', 'file'), 'x');
  fs.mkdirSync(path.join(workdir, 'job-from-an-old-layout'));
  const p = await startProxy({}, { workdir });
  try {
    assert.deepEqual(fs.readdirSync(workdir).sort(), ['.codex-proxyd.lock', 'executor-0']);
    assert.deepEqual(fs.readdirSync(path.join(workdir, 'executor-0')), []);
    assert.match(p.log(), /msg="removed job directories left by an earlier run" count=2/);
    const second = run(PROXYD(), [], { CODEX_PROXY_WORKDIR: workdir, PORT: '0' });
    assert.equal(second.status, 2);
    assert.match(second.stderr, /another codex-proxyd is using CODEX_PROXY_WORKDIR/);
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
