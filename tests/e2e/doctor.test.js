// `codex-proxyd doctor`: OK or PROBLEM with a fix for each part of a
// deployment, a real codex run with --run, never a token in its output.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { startMockModelServer, writeCodexHome, PROXYD, CODEX, tmpdir, baseEnv } = require('./harness');

// Asynchronous: the scripted model server answers from this process.
function doctor(args, env) {
  return new Promise((resolve) => {
    const proc = spawn(PROXYD(), args, {
      env: {
        PATH: `${path.dirname(CODEX())}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
        HOME: require('node:os').homedir(),
        PORT: '0',
        CODEX_BIN: CODEX(),
        CODEX_PROXY_WORKDIR: path.join(tmpdir('codex-work-'), 'jobs'),
        CODEX_PROXY_STATE_DIR: path.join(tmpdir('codex-state-'), 'state'),
        ...baseEnv(),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.stderr.on('data', (d) => { err += d; });
    proc.on('exit', (code) => resolve({ code, out, err }));
  });
}

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims) => `${b64({ alg: 'none' })}.${b64(claims)}.c2lnbmF0dXJl`;

test('every check OK, and one real codex run, against the scripted model; no token printed', async () => {
  const mock = await startMockModelServer();
  try {
    const exp = Math.floor(Date.now() / 1000) + 86400;
    const access = jwt({ exp, tag: 'ACCESS-TOKEN-NEVER-PRINTED', 'https://api.openai.com/auth': { chatgpt_account_id: 'acct-e2e' } });
    const auth = {
      OPENAI_API_KEY: null,
      tokens: { id_token: jwt({ email: 'e2e@example.com', exp }), access_token: access, refresh_token: 'rt-REFRESH-TOKEN-NEVER-PRINTED', account_id: 'acct-e2e' },
      last_refresh: new Date().toISOString(),
    };
    const home = writeCodexHome(mock.port, { 'auth.json': JSON.stringify(auth) });
    const config = path.join(home, 'config.toml');
    fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('wire_api = "responses"', 'wire_api = "responses"\nrequires_openai_auth = true'));
    mock.script = () => ({ text: 'OK' });
    const r = await doctor(['doctor', '--run'], { CODEX_HOME: home, CODEX_PROXY_API_KEY: 'sk-doctor-key-NEVER-PRINTED' });
    assert.equal(r.code, 0, r.out + r.err);
    const lines = r.out.trim().split('\n');
    for (const topic of ['run user', 'codex', 'login', 'CODEX_HOME', 'state directory', 'work directory', 'executor', 'landlock', 'API key', 'listener', 'codex run'])
      assert.ok(lines.some((l) => l.startsWith(`OK      ${topic}: `)), `no OK line for ${topic}:\n${r.out}`);
    assert.ok(lines.slice(0, -1).every((l) => l.startsWith('OK ')), r.out);
    assert.match(r.out, /OK +codex: .*codex-cli \d+\.\d+\.\d+; native/);
    assert.match(r.out, /OK +login: .*ChatGPT login; access token expires \d{4}-/);
    assert.equal(mock.requests.length, 1, 'the codex run did not reach the scripted model');
    for (const secret of ['NEVER-PRINTED', access, access.split('.')[1]])
      assert.ok(!(r.out + r.err).includes(secret), `a secret in the doctor's output:\n${r.out}`);
  } finally {
    await mock.close();
  }
});

test('no login: a PROBLEM saying how to log in, and a non-zero exit; --check is the same command', async () => {
  const home = tmpdir('codex-home-');
  fs.writeFileSync(path.join(home, 'config.toml'), 'model = "gpt-5.5"\n', { mode: 0o644 });
  for (const args of [['doctor'], ['--check']]) {
    const r = await doctor(args, { CODEX_HOME: home });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, new RegExp(`PROBLEM login: no auth.json in ${home}.*; fix: .*CODEX_HOME=${home} codex login --device-auth`));
    assert.match(r.out, /doctor: problems found\n$/);
  }
});

test('a broken setting is reported with exit 2; the doctor starts no daemon', async () => {
  const r = await doctor(['doctor'], { PORT: 'many' });
  assert.equal(r.code, 2);
  assert.match(r.out, /PROBLEM settings: .*PORT/);
  assert.doesNotMatch(r.err, /msg=listening/);
});
