// No login, no wait: when codex's model provider needs a login and there
// is none, a request is answered at once with 503 codex_login_required,
// and a login placed later is used without a restart.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startProxy, startMockModelServer, writeCodexHome, post, assertErrorEnvelope } = require('./harness');

const chat = (text) => ({ model: 'm', messages: [{ role: 'user', content: text }] });

// The scripted provider, marked as one that needs an OpenAI login (as the
// built-in openai provider does).
function homeNeedingLogin(mock) {
  const home = writeCodexHome(mock.port);
  const file = path.join(home, 'config.toml');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('wire_api = "responses"', 'wire_api = "responses"\nrequires_openai_auth = true'));
  return home;
}

test('without a login a request gets 503 codex_login_required at once; a login written later is used', async () => {
  const mock = await startMockModelServer();
  const home = homeNeedingLogin(mock);
  const p = await startProxy({}, { mock, codexHome: home });
  try {
    const started = Date.now();
    const r = await post(p, '/v1/chat/completions', chat('hi'));
    assert.equal(r.status, 503);
    const body = await r.json();
    assertErrorEnvelope(body, 'codex_login_required');
    assert.match(body.error.message, /codex login/);
    assert.match(body.error.message, /--device-auth/);
    assert.equal(mock.requests.length, 0, 'codex ran although it could not log in');
    assert.ok(Date.now() - started < 5000, 'the answer was not immediate');
    const s = await post(p, '/v1/responses', { model: 'm', input: 'hi', stream: true });
    assert.equal(s.status, 503);
    assertErrorEnvelope(await s.json(), 'codex_login_required');

    fs.writeFileSync(path.join(home, 'auth.json'), JSON.stringify({ OPENAI_API_KEY: 'sk-e2e-login-gate' }), { mode: 0o644 });
    mock.script = () => ({ text: 'logged in' });
    const after = await post(p, '/v1/chat/completions', chat('again'));
    assert.equal(after.status, 200);
    assert.equal((await after.json()).choices[0].message.content, 'logged in');
    assert.equal(mock.requests.length, 1);
  } finally {
    assert.equal((await p.stop()).code, 0);
    await mock.close();
  }
});

test('the default OpenAI provider without a login is refused at once; a provider that needs none is not gated', async () => {
  const mock = await startMockModelServer();
  const home = writeCodexHome(mock.port);
  fs.writeFileSync(path.join(home, 'config.toml'), 'model = "gpt-5.5"\n');
  const p = await startProxy({}, { mock, codexHome: home });
  try {
    const r = await post(p, '/v1/chat/completions', chat('hi'));
    assert.equal(r.status, 503);
    assertErrorEnvelope(await r.json(), 'codex_login_required');
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
  // The harness's provider (no requires_openai_auth) runs without a login.
  const q = await startProxy({}, { mock });
  try {
    mock.script = () => ({ text: 'no login needed' });
    assert.equal((await post(q, '/v1/chat/completions', chat('hi'))).status, 200);
  } finally {
    assert.equal((await q.stop()).code, 0);
    await mock.close();
  }
});
