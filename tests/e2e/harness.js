// What every end-to-end test needs: the real codex CLI pointed at the
// scripted model server, a running codex-proxyd, and ways to look at the
// processes and bytes it produces.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { startMockModelServer } = require('./mock_model_server');

// A missing tool is a failure that says what is missing, never a skip.
function requiredPath(envName, what) {
  const p = process.env[envName];
  if (!p) throw new Error(`${envName} is not set: the tests need ${what} (run scripts/test.sh)`);
  if (!fs.existsSync(p)) throw new Error(`${what} is missing at ${p} (run scripts/test.sh, which installs it)`);
  return p;
}

const PROXYD = () => requiredPath('CODEX_PROXYD', 'the codex-proxyd binary');
const CODEX = () => requiredPath('CODEX_CLI', 'the pinned @openai/codex CLI');

// Reachable by the run user, who must enter it (work directories, codex
// wrappers); nothing in it is secret.
function tmpdir(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(d, 0o755);
  return d;
}

// Run as root (as CI does), every proxy drops to this user, as a real
// deployment would; the tests create it.
const RUN_USER = 'codex-proxy-e2e';

function runUser() {
  if (process.getuid() !== 0) return null;
  let entry = spawnSync('getent', ['passwd', RUN_USER], { encoding: 'utf8' }).stdout;
  if (!entry) {
    const r = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent',
      '--shell', '/usr/sbin/nologin', RUN_USER], { encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 9) throw new Error(`cannot create the test user ${RUN_USER}: ${r.stderr}`);
    entry = spawnSync('getent', ['passwd', RUN_USER], { encoding: 'utf8' }).stdout;
  }
  const [, , uid, gid] = entry.split(':');
  return { name: RUN_USER, uid: Number(uid), gid: Number(gid) };
}

// The executor backend the suites run against: CODEX_PROXY_BACKEND of the
// test's own environment (tests/CMakeLists.txt registers the completion
// suites once per backend), else the proxy's default.
function backend() {
  return process.env.CODEX_PROXY_BACKEND || 'exec';
}

// The environment every codex-proxyd of the tests starts with.
function baseEnv() {
  const u = runUser();
  const env = u ? { CODEX_PROXY_USER: u.name } : {};
  if (process.env.CODEX_PROXY_BACKEND) env.CODEX_PROXY_BACKEND = process.env.CODEX_PROXY_BACKEND;
  return env;
}

function giveToRunUser(p) {
  const u = runUser();
  if (!u) return;
  fs.chownSync(p, u.uid, u.gid);
  if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) giveToRunUser(path.join(p, e));
}

function writeCodexHome(mockPort, extra = {}) {
  const home = tmpdir('codex-home-');
  fs.chmodSync(home, 0o700);
  fs.writeFileSync(path.join(home, 'config.toml'), [
    'model_provider = "mock"',
    '[model_providers.mock]',
    'name = "mock"',
    `base_url = "http://127.0.0.1:${mockPort}/v1"`,
    'wire_api = "responses"',
    // Fail fast: codex otherwise retries a 5xx for ~25 s.
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
  ].join('\n'));
  // Readable, never writable, by the run user: the proxy must not need to
  // write the operator's Codex home.
  for (const [name, text] of Object.entries(extra)) fs.writeFileSync(path.join(home, name), text, { mode: 0o644 });
  fs.chmodSync(home, 0o755);
  return home;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

// Starts the scripted model server and codex-proxyd; env overrides settings.
async function startProxy(env = {}, opts = {}) {
  const mock = opts.mock || (await startMockModelServer());
  const codexHome = opts.codexHome || writeCodexHome(mock.port, opts.codexHomeFiles);
  const workdir = opts.workdir || path.join(tmpdir('codex-work-'), 'jobs');
  const stateDir = opts.stateDir || path.join(tmpdir('codex-state-'), 'state');
  let log = '';
  // opts.launcher: a command that ends by exec'ing its last argument, the
  // proxy (e.g. unshare and a mount set-up); the pid stays the proxy's.
  const [file, ...args] = opts.launcher ? [...opts.launcher, PROXYD()] : [PROXYD()];
  const proc = spawn(file, args, {
    env: {
      PATH: `${path.dirname(CODEX())}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: os.homedir(),
      PORT: '0',
      CODEX_HOME: codexHome,
      CODEX_BIN: CODEX(),
      CODEX_PROXY_WORKDIR: workdir,
      CODEX_PROXY_STATE_DIR: stateDir,
      ASAN_OPTIONS: process.env.ASAN_OPTIONS || '',
      UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || '',
      ...baseEnv(),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  proc.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  const unix = (env.CODEX_PROXY_LISTEN || '').startsWith('unix:');
  const port = await waitFor('codex-proxyd to listen', () => {
    const m = unix ? /msg=listening socket=/.exec(log) : /msg=listening host=\S+ port=(\d+)/.exec(log);
    if (!m && proc.exitCode !== null) throw new Error(`codex-proxyd exited early:\n${log}`);
    return m && (unix ? -1 : Number(m[1]));
  });
  const p = {
    mock, codexHome, workdir, stateDir, proc, port, exited,
    privateHome: path.join(stateDir, 'codex-home'),
    url: `http://${/^127\./.test(env.HOST || '') ? env.HOST : '127.0.0.1'}:${port}`,
    log: () => log,
    socketPath: unix ? env.CODEX_PROXY_LISTEN.slice(5) : null,
    async health() {
      if (!unix) return (await fetch(`${p.url}/healthz`)).json();
      return JSON.parse((await unixRequest(p.socketPath, 'GET', '/healthz')).body);
    },
    async waitIdle(n = 1) {
      return waitFor(`${n} idle executor(s)`, async () => (await p.health()).executors.idle >= n);
    },
    // pids of codex processes of this proxy working on a job: a `codex exec`
    // run's argv names its job directory under this proxy's private work
    // directory; a long-lived `codex app-server` runs in its executor's
    // directory, and counts while that directory holds a job.
    codexPids() {
      const runs = pidsWithArg(`${workdir}/executor-`).filter((pid) => cmdline(pid).includes('/job-'));
      const servers = pidsWithCwdIn(workdir).filter(({ cwd }) => {
        try { return fs.readdirSync(cwd).length > 0; } catch { return false; }
      }).map(({ pid }) => pid);
      return [...new Set([...runs, ...servers])];
    },
    // Job directories that exist now, as paths.
    jobDirs() {
      if (!fs.existsSync(workdir)) return [];
      return fs.readdirSync(workdir).filter((e) => e.startsWith('executor-'))
        .flatMap((e) => fs.readdirSync(path.join(workdir, e)).map((j) => path.join(workdir, e, j)));
    },
    pidsWithParent(ppid) { return childrenOf(ppid); },
    // Executors are the supervisor's children (their argv names nothing else).
    executorPids() { return childrenOf(proc.pid).filter((pid) => cmdline(pid).includes('codex-proxy-executor')); },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const r = await exited;
      if (!opts.mock) await mock.close();
      // Executors log to the supervisor's stderr, so this sees their
      // sanitizer reports too, whatever their exit status.
      const report = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/.exec(log);
      if (report) throw new Error(`sanitizer report in the proxy's log:\n${log.slice(Math.max(0, report.index - 200))}`);
      return r;
    },
  };
  // opts.waitIdle false: for a proxy whose executors never come up.
  if (opts.waitIdle !== false) {
    try {
      await p.waitIdle(Number(env.CODEX_PROXY_MAX_CONCURRENCY || 1));
    } catch (e) {
      // A proxy that never came up must not outlive the test.
      proc.kill('SIGKILL');
      await exited;
      if (!opts.mock) await mock.close();
      const lines = log.split('\n').filter((l) => !l.includes('path=/healthz')).join('\n');
      throw new Error(`${e.message}; the proxy's log:\n${lines.slice(-4000)}`);
    }
  }
  return p;
}

// An HTTP request over a Unix socket (fetch cannot use one).
function unixRequest(socketPath, method, route, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = require('node:http').request({ socketPath, method, path: route, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function cmdline(pid) {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '); } catch { return ''; }
}

// A process's environment as NAME=value strings.
function environOf(pid) {
  return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
}

function childrenOf(ppid) {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid;
    } catch { return false; }
  }).map(Number);
}

// Processes whose working directory is an executor's directory under
// workdir (where an executor starts its app-server), with that directory.
function pidsWithCwdIn(workdir) {
  const re = new RegExp(`^${workdir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/executor-\\d+$`);
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    let cwd;
    try { cwd = fs.readlinkSync(`/proc/${d}/cwd`); } catch { continue; }
    if (re.test(cwd)) out.push({ pid: Number(d), cwd });
  }
  return out;
}

function pidsWithArg(needle) {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number)
    .filter((pid) => pid !== process.pid && cmdline(pid).includes(needle));
}

function post(p, route, body, headers = {}, signal = undefined) {
  return fetch(`${p.url}${route}`, {
    method: 'POST',
    signal,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// Reads an SSE body into [{event, data}] (data parsed when JSON).
function parseSse(text) {
  const events = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    const ev = { event: null, data: null, comment: null };
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) ev.comment = line.slice(1).trim();
      else if (line.startsWith('event: ')) ev.event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length) {
      const d = data.join('\n');
      try { ev.data = JSON.parse(d); } catch { ev.data = d; }
    }
    events.push(ev);
  }
  return events;
}

// Sends raw bytes and collects what comes back until the server closes or
// idleMs passes without data.
function rawExchange(port, chunks, { idleMs = 1500, gapMs = 0 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let out = '';
    let timer;
    const done = (closed) => { clearTimeout(timer); sock.destroy(); resolve({ text: out, closed }); };
    const arm = () => { clearTimeout(timer); timer = setTimeout(() => done(false), idleMs); };
    sock.on('data', (d) => { out += d; arm(); });
    sock.on('close', () => done(true));
    sock.on('error', reject);
    sock.on('connect', async () => {
      arm();
      for (const c of [].concat(chunks)) {
        if (sock.destroyed) break;
        sock.write(c);
        if (gapMs) await sleep(gapMs);
      }
    });
  });
}

function assertErrorEnvelope(body, code) {
  assert.ok(body && body.error, `expected an OpenAI error envelope, got ${JSON.stringify(body)}`);
  for (const k of ['message', 'type', 'param', 'code']) assert.ok(k in body.error, `error lacks ${k}`);
  assert.equal(typeof body.error.message, 'string');
  if (code !== undefined) assert.equal(body.error.code, code);
}

module.exports = {
  startProxy, startMockModelServer, writeCodexHome, post, backend, parseSse, rawExchange, assertErrorEnvelope, waitFor, sleep,
  pidsWithArg, cmdline, PROXYD, CODEX, tmpdir, unixRequest, environOf, baseEnv, runUser, giveToRunUser,
};
