// GET /metrics: the Prometheus text format (checked by promtool), behind the
// API key unless CODEX_PROXY_METRICS_PUBLIC=1, and numbers that move with
// the requests the proxy answers.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startProxy, post, parseSse, waitFor, PROXYD, baseEnv } = require('./harness');

const KEY = 'sk-metrics-0123456789abcdef';
const auth = { authorization: `Bearer ${KEY}` };
let p;
before(async () => {
  p = await startProxy({ CODEX_PROXY_API_KEY: KEY, CODEX_MODEL: 'gpt-mock-1', CODEX_PROXY_MAX_CONCURRENCY: '2' });
  p.mock.script = () => ({ text: 'Hello there.', deltas: ['Hello', ' there.'], inputTokens: 11, outputTokens: 5 });
});
after(async () => {
  const r = await p.stop();
  assert.equal(r.code, 0, `codex-proxyd exit: ${JSON.stringify(r)}\n${p.log()}`);
});

// promtool is Debian's `prometheus` package; scripts/install-deps.sh installs it.
function promtoolCheck(text) {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is missing (install Debian's prometheus package; scripts/install-deps.sh does): ${r.error.message}`);
  assert.equal(r.status, 0, `promtool check metrics failed:\n${r.stdout}${r.stderr}\n${text}`);
}

// Scrapes, checks the format, and returns { 'name{labels}': value }.
async function scrape(proxy = p, headers = auth) {
  const r = await fetch(`${proxy.url}/metrics`, { headers });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await r.text();
  promtoolCheck(text);
  const samples = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return samples;
}

const moved = (a, b, key) => (b[key] ?? 0) - (a[key] ?? 0);
const chatBody = (content, extra = {}) => ({ model: 'gpt-mock-1', messages: [{ role: 'user', content }], ...extra });
const model = (m) => `gen_ai_operation_name="chat",gen_ai_system="openai",gen_ai_request_model="${m}"`;

test('/metrics needs the API key, and answers only GET and HEAD', async () => {
  const r = await fetch(`${p.url}/metrics`);
  assert.equal(r.status, 401);
  assert.equal((await r.json()).error.code, 'invalid_api_key');
  assert.equal((await fetch(`${p.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  const m = await fetch(`${p.url}/metrics`, { method: 'POST', headers: auth });
  assert.equal(m.status, 405);
  assert.equal(m.headers.get('allow'), 'GET, HEAD');
});

test('a fresh proxy exports every family, gauges at their idle values', async () => {
  const s = await scrape();
  assert.equal(s['codex_proxy_queue_depth'], 0);
  assert.equal(s['codex_proxy_executors{state="idle"}'], 2);
  assert.equal(s['codex_proxy_executors{state="busy"}'], 0);
  assert.equal(s['codex_proxy_executor_restarts_total'], 0);
  assert.equal(s['codex_proxy_token_refreshes_total'], 0);
  assert.ok(s['process_resident_memory_bytes'] > 1 << 20);
  assert.ok(s['process_open_fds'] > 3);
  assert.ok(s['codex_proxy_connections'] >= 1);
  assert.equal(s['codex_proxy_queue_wait_seconds_bucket{le="+Inf"}'], 0);
});

test('a success, a 401, a 400 and a stream move the right numbers', async () => {
  const a = await scrape();
  const ok = await post(p, '/v1/chat/completions', chatBody('hi'), auth);
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).choices[0].message.content, 'Hello there.');
  assert.equal((await post(p, '/v1/chat/completions', chatBody('hi'))).status, 401);
  assert.equal((await post(p, '/v1/chat/completions', '{"model":', auth)).status, 400);
  // A name the operator did not configure is the client's input: never a label.
  const streamed = await post(p, '/v1/responses', { model: 'my-own-model-xyz', input: 'hi', stream: true }, auth);
  assert.equal(streamed.status, 200);
  const events = parseSse(await streamed.text());
  assert.equal(events.at(-1).event, 'response.completed');
  const b = await scrape();

  const req = (route, status) => `codex_proxy_http_requests_total{http_route="${route}",http_response_status_code="${status}"}`;
  assert.equal(moved(a, b, req('/v1/chat/completions', 200)), 1);
  assert.equal(moved(a, b, req('/v1/chat/completions', 401)), 1);
  assert.equal(moved(a, b, req('/v1/chat/completions', 400)), 1);
  assert.equal(moved(a, b, req('/v1/responses', 200)), 1);
  assert.equal(moved(a, b, req('/metrics', 200)), 1, 'the scrape before counts; this one is not over yet');
  assert.equal(moved(a, b, 'http_server_request_duration_seconds_count{http_route="/v1/chat/completions"}'), 3);

  const dur = (labels) => `gen_ai_server_request_duration_seconds_count{${labels}}`;
  assert.equal(moved(a, b, dur(model('gpt-mock-1'))), 1);
  assert.equal(moved(a, b, dur(model('other'))), 1);
  assert.equal(moved(a, b, dur(`${model('unknown')},error_type="401"`)), 1);
  assert.equal(moved(a, b, dur(`${model('unknown')},error_type="400"`)), 1);
  assert.ok(!Object.keys(b).some((k) => k.includes('my-own-model-xyz')), 'a client\'s model name became a label');
  const okSeconds = moved(a, b, `gen_ai_server_request_duration_seconds_sum{${model('gpt-mock-1')}}`);
  assert.ok(okSeconds > 0 && okSeconds < 60, `duration ${okSeconds}`);

  assert.equal(moved(a, b, `gen_ai_server_time_to_first_token_seconds_count{${model('gpt-mock-1')}}`), 1);
  assert.equal(moved(a, b, `gen_ai_server_time_to_first_token_seconds_count{${model('other')}}`), 1);
  const ttft = moved(a, b, `gen_ai_server_time_to_first_token_seconds_sum{${model('other')}}`);
  const total = moved(a, b, `gen_ai_server_request_duration_seconds_sum{${model('other')}}`);
  assert.ok(ttft > 0 && ttft <= total, `time to first token ${ttft} s of ${total} s`);

  assert.equal(moved(a, b, `gen_ai_client_token_usage_sum{${model('gpt-mock-1')},gen_ai_token_type="input"}`), 11);
  assert.equal(moved(a, b, `gen_ai_client_token_usage_sum{${model('gpt-mock-1')},gen_ai_token_type="output"}`), 5);
  assert.equal(moved(a, b, `gen_ai_client_token_usage_count{${model('other')},gen_ai_token_type="output"}`), 1);
  assert.equal(moved(a, b, `gen_ai_client_token_usage_bucket{${model('gpt-mock-1')},gen_ai_token_type="input",le="16"}`), 1);
  assert.equal(moved(a, b, `gen_ai_client_token_usage_bucket{${model('gpt-mock-1')},gen_ai_token_type="input",le="4"}`), 0);

  assert.equal(moved(a, b, 'codex_proxy_codex_runs_total{outcome="ok"}'), 2);
  assert.equal(moved(a, b, 'codex_proxy_codex_run_duration_seconds_count'), 2);
  assert.equal(moved(a, b, 'codex_proxy_queue_wait_seconds_count'), 2);
  assert.equal(b['codex_proxy_queue_depth'], 0);
  assert.equal(b['codex_proxy_executors{state="idle"}'], 2);
});

test('a failed codex run is counted by its outcome and status', async () => {
  p.mock.script = () => ({ status: 500, message: 'scripted failure' });
  const a = await scrape();
  const r = await post(p, '/v1/chat/completions', chatBody('fail'), auth);
  assert.equal(r.status, 502);
  await r.text();
  const b = await scrape();
  const failed = Object.keys(b).filter((k) => k.startsWith('codex_proxy_codex_runs_total{') && !k.includes('"ok"'))
    .reduce((n, k) => n + moved(a, b, k), 0);
  assert.equal(failed, 1);
  assert.equal(moved(a, b, 'codex_proxy_codex_runs_total{outcome="ok"}'), 0);
  assert.equal(moved(a, b, `gen_ai_server_request_duration_seconds_count{${model('gpt-mock-1')},error_type="502"}`), 1);
  assert.equal(moved(a, b, `gen_ai_server_time_to_first_token_seconds_count{${model('gpt-mock-1')}}`), 0);
});

test('busy executors and queue depth show waiting jobs; clients that leave are counted', async () => {
  p.mock.script = () => ({ stall: true });
  const a = await scrape();
  const controllers = [0, 1, 2].map(() => new AbortController());
  const pending = controllers.map((c, i) => fetch(`${p.url}/v1/chat/completions`, {
    method: 'POST', signal: c.signal, headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify(chatBody(`wait ${i}`)),
  }).catch(() => 'aborted'));
  const mid = await waitFor('two busy executors and one queued job', async () => {
    const s = await scrape();
    return s['codex_proxy_executors{state="busy"}'] === 2 && s['codex_proxy_queue_depth'] === 1 && s;
  });
  assert.equal(mid['codex_proxy_executors{state="idle"}'], 0);
  for (const c of controllers) c.abort();
  assert.deepEqual(await Promise.all(pending), ['aborted', 'aborted', 'aborted']);
  const b = await waitFor('the cancelled runs to end', async () => {
    const s = await scrape();
    return s['codex_proxy_executors{state="idle"}'] === 2 && moved(a, s, 'codex_proxy_codex_runs_total{outcome="cancelled"}') === 2 && s;
  });
  assert.equal(b['codex_proxy_queue_depth'], 0);
  assert.equal(moved(a, b, 'codex_proxy_codex_runs_total{outcome="dropped_from_queue"}'), 1);
  assert.equal(moved(a, b, 'codex_proxy_http_requests_total{http_route="/v1/chat/completions",http_response_status_code="499"}'), 3);
  p.mock.script = () => ({ text: 'Hello there.', deltas: ['Hello', ' there.'], inputTokens: 11, outputTokens: 5 });
});

test('an executor that dies is counted as a restart', async () => {
  const a = await scrape();
  process.kill(p.executorPids()[0], 'SIGKILL');
  // Both executors may still read idle before the supervisor has seen the
  // death: wait for the count to move, then for the replacement.
  const b = await waitFor('the restart to be counted', async () => {
    const s = await scrape();
    return moved(a, s, 'codex_proxy_executor_restarts_total') > 0 && s;
  });
  await p.waitIdle(2);
  assert.equal(moved(a, b, 'codex_proxy_executor_restarts_total'), 1);
  assert.equal(moved(a, await scrape(), 'codex_proxy_executor_restarts_total'), 1);
});

test('CODEX_PROXY_METRICS_PUBLIC=1 opens /metrics, and only /metrics, to anyone', async () => {
  const q = await startProxy({ CODEX_PROXY_API_KEY: KEY, CODEX_PROXY_METRICS_PUBLIC: '1' });
  try {
    const s = await scrape(q, {});
    assert.equal(s['codex_proxy_executors{state="idle"}'], 1);
    assert.equal((await fetch(`${q.url}/v1/models`)).status, 401);
  } finally {
    assert.equal((await q.stop()).code, 0);
  }
});

test('a bad CODEX_PROXY_METRICS_PUBLIC stops start-up and names the variable', () => {
  const r = spawnSync(PROXYD(), [], { env: { PATH: process.env.PATH, ...baseEnv(), CODEX_PROXY_METRICS_PUBLIC: 'maybe' }, encoding: 'utf8', timeout: 10000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /level=error .*CODEX_PROXY_METRICS_PUBLIC/);
});
