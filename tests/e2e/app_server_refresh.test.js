// One refresh, never two (issue 12, point 5). With the app-server backend
// each executor keeps a `codex app-server` running, and each holds the
// login in memory. A ChatGPT refresh token is single-use: the scripted
// refresh endpoint (CODEX_REFRESH_TOKEN_URL_OVERRIDE) refuses one presented
// twice, as the real server does, and records every presentation. With four
// executors and a login due for refresh, requests at once must present each
// refresh token at most once: when one app-server refreshes, the others
// restart before their next turn, and while a refresh is due only one turns.
// The same holds when the operator replaces the source login.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startProxy, startMockModelServer, writeCodexHome, post, tmpdir } = require('./harness');

const EXECUTORS = 4;
const chat = (content) => ({ model: 'm', messages: [{ role: 'user', content }] });

// Unsigned JWTs: codex reads their claims, it does not verify them.
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims) => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.sig`;
const chatgpt = { 'https://api.openai.com/auth': { chatgpt_plan_type: 'pro', chatgpt_account_id: 'acct-e2e', chatgpt_user_id: 'user-e2e' } };
const tokens = (tag, exp, refresh) => ({
  id_token: jwt({ email: 'e2e@example.com', exp, ...chatgpt }), access_token: jwt({ exp, tag, ...chatgpt }), refresh_token: refresh,
});
const tagOf = (authorization) => JSON.parse(Buffer.from(String(authorization).split('.')[1], 'base64url').toString()).tag;
// A login whose access token expired a minute ago: due for refresh.
const dueLogin = (tag, refresh) => {
  const now = Math.floor(Date.now() / 1000);
  return JSON.stringify({ OPENAI_API_KEY: null, tokens: { ...tokens(tag, now - 60, refresh), account_id: 'acct-e2e' }, last_refresh: '2026-01-01T00:00:00Z' });
};

function assertNoTokenPresentedTwice(mock) {
  const presented = mock.tokenRequests.map((b) => b && b.refresh_token);
  const twice = presented.filter((t, i) => presented.indexOf(t) !== i);
  assert.deepEqual(twice, [], `refresh tokens presented more than once (in order: ${presented.join(', ')})`);
}

test('four app-servers, a login due for refresh, requests at once: each refresh token is presented once', async () => {
  const mock = await startMockModelServer();
  let rotation = 0;
  // Each refresh rotates the refresh token, as the real server does.
  mock.refresh = () => {
    rotation++;
    return tokens(`REFRESHED-${rotation}`, Math.floor(Date.now() / 1000) + 86400, `rt-rotated-${rotation}`);
  };
  mock.script = () => ({ delayMs: 100, text: 'authorized' });
  const home = writeCodexHome(mock.port, { 'auth.json': dueLogin('EXPIRED', 'rt-first') });
  const config = fs.readFileSync(path.join(home, 'config.toml'), 'utf8').replace('wire_api = "responses"', 'wire_api = "responses"\nrequires_openai_auth = true');
  fs.writeFileSync(path.join(home, 'config.toml'), config);
  const stateDir = path.join(tmpdir('codex-state-'), 'state');
  const p = await startProxy({
    CODEX_PROXY_BACKEND: 'app-server',
    CODEX_PROXY_MAX_CONCURRENCY: String(EXECUTORS),
    CODEX_PROXY_PASS_ENV: 'CODEX_REFRESH_TOKEN_URL_OVERRIDE',
    CODEX_REFRESH_TOKEN_URL_OVERRIDE: `http://127.0.0.1:${mock.port}/oauth/token`,
  }, { mock, codexHome: home, stateDir });
  try {
    // Round 1: the login every app-server started with is due.
    const first = await Promise.all(Array.from({ length: 2 * EXECUTORS }, (_, i) => post(p, '/v1/chat/completions', chat(`a${i}`))));
    for (const r of first) assert.equal(r.status, 200, `${await r.text()}\n${p.log().slice(-3000)}`);
    assertNoTokenPresentedTwice(mock);
    assert.ok(mock.tokenRequests.length >= 1, 'the due login was refreshed');

    const round1 = mock.requests.length;
    const rotationsBefore = rotation;

    // Round 2: the operator logs in again, with a login that is due too.
    // No app-server may go on with the replaced login's tokens, valid as
    // they still are.
    const before = mock.tokenRequests.length;
    fs.writeFileSync(path.join(home, 'auth.json'), dueLogin('OPERATOR-EXPIRED', 'rt-operator'), { mode: 0o644 });
    const second = await Promise.all(Array.from({ length: 2 * EXECUTORS }, (_, i) => post(p, '/v1/chat/completions', chat(`b${i}`))));
    for (const r of second) assert.equal(r.status, 200, `${await r.text()}\n${p.log().slice(-3000)}`);
    assertNoTokenPresentedTwice(mock);
    const fresh = mock.tokenRequests.slice(before).map((b) => b.refresh_token);
    assert.equal(fresh[0], 'rt-operator', `the operator's new login was the one refreshed (presented: ${fresh.join(', ')})`);

    // Every model request carried a fresh access token, never an expired
    // one, and after the new login only tokens refreshed from it.
    const tags = mock.requests.map((r) => tagOf(r.headers.authorization));
    assert.equal(tags.length, 4 * EXECUTORS);
    assert.ok(tags.every((t) => /^REFRESHED-\d+$/.test(t)), `access tokens presented to the model: ${tags.join(', ')}`);
    const stale = tags.slice(round1).filter((t) => Number(t.split('-')[1]) <= rotationsBefore);
    assert.deepEqual(stale, [], `requests after the new login presented the old login's tokens (all: ${tags.join(', ')})`);
  } finally {
    assert.equal((await p.stop()).code, 0);
    await mock.close();
  }
});
