// Model names clients hard-code reach the codex models the operator maps
// them to; unknown names follow the configured policy; the reasoning
// effort a client asks for reaches the model request.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startProxy, startMockModelServer, writeCodexHome, post, assertErrorEnvelope } = require('./harness');

let p;
before(async () => {
  p = await startProxy({
    CODEX_MODEL: 'gpt-5.1-codex-max', CODEX_PROXY_MODELS: 'gpt-5.1-codex',
    CODEX_PROXY_MODEL_MAP: 'gpt-4.1=gpt-5.1-codex-mini,gpt-5.2=gpt-5.1-codex', CODEX_PROXY_UNKNOWN_MODEL: 'reject',
  });
  p.mock.script = () => ({ text: 'ok' });
});
after(async () => { assert.equal((await p.stop()).code, 0); });

const chat = (model, extra = {}) => ({ model, messages: [{ role: 'user', content: 'x' }], ...extra });
const lastModel = () => p.mock.requests.at(-1).body.model;

test('/v1/models lists the default model, the listed models and the aliases', async () => {
  const body = await (await fetch(`${p.url}/v1/models`)).json();
  assert.deepEqual(body.data.map((m) => m.id), ['gpt-5.1-codex-max', 'gpt-5.1-codex', 'gpt-4.1', 'gpt-5.2']);
  assert.equal((await (await fetch(`${p.url}/v1/models/gpt-4.1`)).json()).id, 'gpt-4.1');
});

test('an alias runs its codex model and the client name is echoed', async () => {
  let r = await post(p, '/v1/chat/completions', chat('gpt-4.1'));
  assert.equal((await r.json()).model, 'gpt-4.1');
  assert.equal(lastModel(), 'gpt-5.1-codex-mini');
  r = await post(p, '/v1/responses', { model: 'gpt-5.2', input: 'x' });
  assert.equal((await r.json()).model, 'gpt-5.2');
  assert.equal(lastModel(), 'gpt-5.1-codex');
  await post(p, '/v1/chat/completions', chat('gpt-5.1-codex'));
  assert.equal(lastModel(), 'gpt-5.1-codex');
  await post(p, '/v1/chat/completions', chat('gpt-5.1-codex-max'));
  assert.equal(lastModel(), 'gpt-5.1-codex-max');
});

test('an unknown model is a 404 model_not_found under the reject policy, without a codex run', async () => {
  const seen = p.mock.requests.length;
  const r = await post(p, '/v1/chat/completions', chat('gpt-4o-2024-08-06'));
  assert.equal(r.status, 404);
  const e = await r.json();
  assertErrorEnvelope(e, 'model_not_found');
  assert.equal(e.error.param, 'model');
  assert.equal((await fetch(`${p.url}/v1/models/gpt-4o-2024-08-06`)).status, 404);
  assert.equal(p.mock.requests.length, seen);
});

// The model is resolved before the conversation is rendered: an unknown
// model is the 404 even when the conversation is also too long for codex.
test('an over-long request to an unknown model is a 404 model_not_found, not a 400', async () => {
  const seen = p.mock.requests.length;
  const long = 'x'.repeat(1048577);
  for (const [route, body] of [['/v1/chat/completions', chat('gpt-4o-2024-08-06', { messages: [{ role: 'user', content: long }] })],
    ['/v1/responses', { model: 'gpt-4o-2024-08-06', input: long }]]) {
    const r = await post(p, route, body);
    assert.equal(r.status, 404, route);
    assertErrorEnvelope(await r.json(), 'model_not_found');
  }
  assert.equal(p.mock.requests.length, seen);
});

test('under the default policy an unknown model runs CODEX_MODEL', async () => {
  const q = await startProxy({ CODEX_MODEL: 'gpt-5.1-codex-max' });
  try {
    q.mock.script = () => ({ text: 'ok' });
    const r = await post(q, '/v1/chat/completions', chat('gpt-4o-2024-08-06'));
    assert.equal((await r.json()).model, 'gpt-4o-2024-08-06');
    assert.equal(q.mock.requests.at(-1).body.model, 'gpt-5.1-codex-max');
  } finally {
    assert.equal((await q.stop()).code, 0);
  }
});

// Without CODEX_MODEL the default is listed as `codex`, and that name runs
// it under reject too: what the listing offers, the proxy serves.
test('under reject without CODEX_MODEL, the listed codex runs the default model; other names are 404', async () => {
  const q = await startProxy({ CODEX_PROXY_UNKNOWN_MODEL: 'reject' });
  try {
    q.mock.script = () => ({ text: 'ok' });
    const list = await (await fetch(`${q.url}/v1/models`)).json();
    assert.deepEqual(list.data.map((m) => m.id), ['codex']);
    for (const m of list.data) assert.equal((await fetch(`${q.url}/v1/models/${m.id}`)).status, 200);
    const r = await post(q, '/v1/chat/completions', chat('codex'));
    assert.equal(r.status, 200);
    assert.equal((await r.json()).model, 'codex');
    assert.equal(q.mock.requests.at(-1).body.model, 'gpt-5.5', 'the catalog\'s first entry');
    assert.equal((await post(q, '/v1/chat/completions', chat('gpt-4.1'))).status, 404);
  } finally {
    assert.equal((await q.stop()).code, 0);
  }
});

test('under the default policy without CODEX_MODEL an unknown model runs the model of config.toml', async () => {
  const mock = await startMockModelServer();
  const codexHome = writeCodexHome(mock.port);
  const config = path.join(codexHome, 'config.toml');
  fs.writeFileSync(config, `model = "gpt-5.1-codex-mini"\n${fs.readFileSync(config, 'utf8')}`);
  const q = await startProxy({}, { mock, codexHome });
  try {
    mock.script = () => ({ text: 'ok' });
    const r = await post(q, '/v1/chat/completions', chat('gpt-4o-2024-08-06'));
    assert.equal((await r.json()).model, 'gpt-4o-2024-08-06');
    assert.equal(mock.requests.at(-1).body.model, 'gpt-5.1-codex-mini');
  } finally {
    assert.equal((await q.stop()).code, 0);
    await mock.close();
  }
});

test('under the default policy without CODEX_MODEL or a config.toml model, gpt-5.5 runs', async () => {
  const q = await startProxy({});
  try {
    q.mock.script = () => ({ text: 'ok' });
    const r = await post(q, '/v1/chat/completions', chat('gpt-4o-2024-08-06'));
    assert.equal(r.status, 200);
    assert.equal(q.mock.requests.at(-1).body.model, 'gpt-5.5');
  } finally {
    assert.equal((await q.stop()).code, 0);
  }
});

test('reasoning effort reaches the model request, from either API', async () => {
  await post(p, '/v1/chat/completions', chat('gpt-5.1-codex', { reasoning_effort: 'high' }));
  assert.equal(p.mock.requests.at(-1).body.reasoning?.effort, 'high');
  await post(p, '/v1/responses', { model: 'gpt-5.1-codex', input: 'x', reasoning: { effort: 'low' } });
  assert.equal(p.mock.requests.at(-1).body.reasoning?.effort, 'low');
  const r = await post(p, '/v1/chat/completions', chat('gpt-5.1-codex', { reasoning_effort: 'extreme' }));
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.param, 'reasoning_effort');
});
