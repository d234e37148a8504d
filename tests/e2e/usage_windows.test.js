// The account's usage windows, as an executor reports them (the app-server
// backend from account/rateLimits; codex exec prints none): the operator sees
// them as /metrics gauges, behind the API key; /healthz, which anyone who
// reaches the port may read, shows nothing of the account.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');
const { startProxy, post } = require('./harness');

const KEY = 'sk-usage-windows-0123456789';
const auth = { authorization: `Bearer ${KEY}` };

function fakeExecutor() {
  const f = process.env.CODEX_PROXY_FAKE_EXECUTOR;
  if (!f) throw new Error('CODEX_PROXY_FAKE_EXECUTOR is not set: the tests need the fake executor (run through ctest)');
  if (!fs.existsSync(f)) throw new Error(`the fake executor is missing at ${f} (build the tests)`);
  return f;
}

// promtool is Debian's `prometheus` package; scripts/install-deps.sh installs it.
function promtoolCheck(text) {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is missing (install Debian's prometheus package; scripts/install-deps.sh does): ${r.error.message}`);
  assert.equal(r.status, 0, `promtool check metrics failed:\n${r.stdout}${r.stderr}\n${text}`);
}

async function metrics() {
  const r = await fetch(`${p.url}/metrics`, { headers: auth });
  assert.equal(r.status, 200);
  const text = await r.text();
  promtoolCheck(text);
  return text;
}

let p;
before(async () => { p = await startProxy({ CODEX_PROXY_EXECUTOR: fakeExecutor(), CODEX_PROXY_API_KEY: KEY }); });
after(async () => { assert.equal((await p.stop()).code, 0, p.log()); });

test('usage windows an executor reports are /metrics gauges by limit and window', async () => {
  assert.doesNotMatch(await metrics(), /codex_proxy_usage_window/, 'nothing before any report');
  const r = await post(p, '/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'FAKE_EXECUTOR:usage-windows' }] }, auth);
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal((await r.json()).choices[0].message.content, 'fake answer');
  const text = await metrics();
  const before = Math.floor(Date.now() / 1000) - 600;
  for (const [line, value] of [
    ['codex_proxy_usage_window_used_percent{limit="codex",window="primary"}', 87.5],
    ['codex_proxy_usage_window_used_percent{limit="codex",window="secondary"}', 41],
    ['codex_proxy_usage_window_length_seconds{limit="codex",window="primary"}', 300 * 60],
    ['codex_proxy_usage_window_length_seconds{limit="codex",window="secondary"}', 10080 * 60],
    ['codex_proxy_usage_window_resets_at_seconds{limit="codex",window="primary"}', 1790000000],
  ]) {
    const m = new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
    assert.ok(m, `${line} in\n${text}`);
    assert.equal(Number(m[1]), value, line);
  }
  const reported = /^codex_proxy_usage_window_reported_at_seconds\{limit="codex",window="primary"\} (\S+)$/m.exec(text);
  assert.ok(reported && Number(reported[1]) >= before, 'when it was reported');
});

test('/healthz shows nothing of the account\'s usage', async () => {
  const h = await p.health();
  assert.doesNotMatch(JSON.stringify(h), /usage|percent|window|resets/i);
});

test('/metrics, and so the usage windows, need the API key', async () => {
  assert.equal((await fetch(`${p.url}/metrics`)).status, 401);
});
