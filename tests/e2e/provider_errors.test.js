// What the model provider says reaches the client in OpenAI's shape, with
// the exec backend: codex 0.169's turn.failed messages, from a scripted
// provider that fails as the ChatGPT backend and OpenAI's API do.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startProxy, startMockModelServer, writeCodexHome, post, parseSse, assertErrorEnvelope } = require('./harness');

const KEY = 'sk-provider-errors';
const auth = { authorization: `Bearer ${KEY}` };
const chat = (extra = {}) => ({ model: 'm', messages: [{ role: 'user', content: 'x' }], ...extra });
let p;
before(async () => { p = await startProxy({ CODEX_PROXY_API_KEY: KEY }); });
after(async () => { assert.equal((await p.stop()).code, 0); });

const streamEvents = async (r) => parseSse(await r.text()).filter((e) => !e.comment);

test('a usage limit is a 429 rate_limit_exceeded with Retry-After from the window\'s reset', async () => {
  p.mock.script = () => ({ usageLimit: { resetsInS: 7200 } });
  const r = await post(p, '/v1/chat/completions', chat(), auth);
  assert.equal(r.status, 429);
  const e = await r.json();
  assertErrorEnvelope(e, 'rate_limit_exceeded');
  assert.equal(e.error.type, 'rate_limit_error');
  // codex prints the reset to the minute, rounded down; the proxy adds a minute.
  const after = Number(r.headers.get('retry-after'));
  assert.ok(after >= 7200 - 60 && after <= 7200 + 120, `Retry-After ${r.headers.get('retry-after')}`);
  assert.match(e.error.message, new RegExp(`try again in ${after} seconds`));

  const s = await post(p, '/v1/responses', { model: 'm', input: 'x', stream: true }, auth);
  assert.equal(s.status, 200);
  const [err, failed] = (await streamEvents(s)).slice(-2);
  assert.equal(err.event, 'error');
  assert.equal(err.data.code, 'rate_limit_exceeded');
  assert.equal(failed.data.response.error.code, 'rate_limit_exceeded');
});

test('the provider\'s own rate limit is a 429 too, without a Retry-After it cannot know', async () => {
  p.mock.script = () => ({ status: 429, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } });
  const r = await post(p, '/v1/chat/completions', chat(), auth);
  assert.equal(r.status, 429);
  assertErrorEnvelope(await r.json(), 'rate_limit_exceeded');
  assert.equal(r.headers.get('retry-after'), null);
});

test('a login the provider refuses is a 503 codex_login_required with the login hint', async () => {
  p.mock.script = () => ({ unauthorized: true });
  const r = await post(p, '/v1/chat/completions', chat(), auth);
  assert.equal(r.status, 503);
  const e = await r.json();
  assertErrorEnvelope(e, 'codex_login_required');
  assert.match(e.error.message, /codex login/);
  assert.doesNotMatch(JSON.stringify(e), /invalidated|127\.0\.0\.1/, 'nothing of the provider\'s answer');
  const s = await post(p, '/v1/chat/completions', chat({ stream: true }), auth);
  assertErrorEnvelope((await streamEvents(s)).at(-1).data, 'codex_login_required');
});

test('a context window overflow is a 400 context_length_exceeded naming messages or input', async () => {
  p.mock.script = () => ({ contextWindow: true });
  const r = await post(p, '/v1/chat/completions', chat(), auth);
  assert.equal(r.status, 400);
  const e = await r.json();
  assertErrorEnvelope(e, 'context_length_exceeded');
  assert.equal(e.error.type, 'invalid_request_error');
  assert.equal(e.error.param, 'messages');
  const x = await post(p, '/v1/responses', { model: 'm', input: 'x' }, auth);
  assert.equal(x.status, 400);
  assert.equal((await x.json()).error.param, 'input');
});

test('a provider HTTP failure is a 502 upstream_error saying which status the provider gave', async () => {
  p.mock.script = () => ({ status: 503, body: { error: { message: 'secret overload detail', type: 'server_error' } } });
  const r = await post(p, '/v1/chat/completions', chat(), auth);
  assert.equal(r.status, 502);
  const e = await r.json();
  assertErrorEnvelope(e, 'upstream_error');
  assert.match(e.error.message, /HTTP 503 \(Service Unavailable\)/);
  assert.doesNotMatch(JSON.stringify(e), /secret overload detail/);
  assert.match(p.log(), /msg="job failed" .*outcome=provider_failed/);
});

// Unsigned JWTs: codex reads their claims, it does not verify them.
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims) => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.sig`;
const chatgpt = { 'https://api.openai.com/auth': { chatgpt_plan_type: 'pro', chatgpt_account_id: 'acct-e2e', chatgpt_user_id: 'user-e2e' } };

test('a ChatGPT login whose refresh is refused is a 503 codex_login_required, no token in it', async () => {
  const mock = await startMockModelServer();
  const now = Math.floor(Date.now() / 1000);
  const access = jwt({ exp: now + 3600, tag: 'ACCESS-TOKEN-MARKER', ...chatgpt });
  const login = { OPENAI_API_KEY: null, last_refresh: new Date().toISOString(),
    tokens: { id_token: jwt({ email: 'e2e@example.com', exp: now + 3600, ...chatgpt }), access_token: access, refresh_token: 'rt-MARKER', account_id: 'acct-e2e' } };
  const home = writeCodexHome(mock.port, { 'auth.json': JSON.stringify(login) });
  fs.chmodSync(home, 0o700);
  const config = path.join(home, 'config.toml');
  fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('wire_api = "responses"', 'wire_api = "responses"\nrequires_openai_auth = true'));
  fs.chmodSync(home, 0o755);
  mock.script = () => ({ unauthorized: true });
  mock.refresh = () => ({ status: 401, body: { error: { message: 'Your refresh token has already been used to generate a new access token.',
    type: 'invalid_request_error', code: 'refresh_token_reused' } } });
  const q = await startProxy({ CODEX_PROXY_PASS_ENV: 'CODEX_REFRESH_TOKEN_URL_OVERRIDE',
    CODEX_REFRESH_TOKEN_URL_OVERRIDE: `http://127.0.0.1:${mock.port}/oauth/token` }, { mock, codexHome: home });
  try {
    const r = await post(q, '/v1/chat/completions', chat());
    assert.equal(r.status, 503);
    const e = await r.json();
    assertErrorEnvelope(e, 'codex_login_required');
    assert.equal(mock.tokenRequests.length, 1, 'codex tried its refresh');
    assert.doesNotMatch(JSON.stringify(e), /MARKER|eyJ/);
    assert.doesNotMatch(q.log(), /ACCESS-TOKEN-MARKER|rt-MARKER/);
  } finally {
    assert.equal((await q.stop()).code, 0);
    await mock.close();
  }
});
