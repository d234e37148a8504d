// A scripted model provider on loopback, speaking the streaming Responses
// API that `codex exec` uses. Each test scripts it with `server.script`:
// a function from the request body to a behaviour.
//
//   { text: 'Hello', deltas: ['He', 'llo'] }   answer (deltas optional)
//   { text, deltas, pauseMs: 100 }             drip: pauseMs before each delta
//                                              but the first (see `drips`)
//   { status: 400, message: 'bad' }            fail with an HTTP status
//   { status: 429, body: {...}, headers: {...} } ... with that JSON body (or text) and headers
//   { usageLimit: { resetsInS: 3600 } }        the ChatGPT backend's 429 usage_limit_reached, with its
//                                              x-codex-* usage window headers
//   { unauthorized: true }                     the provider's 401 for a token it refuses
//   { contextWindow: true }                    OpenAI's response.failed context_length_exceeded
//   { failed: 'server_error' }                 stream a response.failed
//   { stall: true }                            accept and never answer
//   { delayMs: 500, text: '...' }              answer after a delay
// A strict text.format that OpenAI would refuse is refused as OpenAI does
// (400 invalid_json_schema, strict_schema_rules.js) before any script runs;
// such requests are counted in `refusedSchemas`.
//
// Each answer with deltas is recorded in `drips` as { sent, of, firstSentAt,
// lastSentAt } (performance.now() of this process):
// how many deltas have been written so far, so a test can tell by order,
// not by timing, whether its client saw content before the model finished.
//
// /oauth/token is codex's refresh endpoint (CODEX_REFRESH_TOKEN_URL_OVERRIDE).
// Every presentation is recorded in `tokenRequests`; like the real server, a
// refresh token presented a second time is refused (401
// refresh_token_reused), so a test sees a reuse both in the record and as
// the failure codex would get.
'use strict';
const http = require('node:http');
const { refuseStrictFormat } = require('./strict_schema_rules');

function sse(res, type, obj) {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...obj })}\n\n`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function answer(res, b, drips) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const id = 'resp_mock';
  const item = { type: 'message', role: 'assistant', id: 'msg_mock' };
  sse(res, 'response.created', { response: { id } });
  if (b.failed) {
    sse(res, 'response.failed', { response: { id, error: { code: b.failed, message: b.message || 'scripted failure' } } });
    res.end();
    return;
  }
  sse(res, 'response.output_item.added', { output_index: 0, item: { ...item, content: [] } });
  const deltas = b.deltas || [];
  const drip = deltas.length ? { sent: 0, of: deltas.length, firstSentAt: null, lastSentAt: null } : null;
  if (drip) drips.push(drip);
  for (const d of deltas) {
    if (b.pauseMs && drip.sent > 0) await sleep(b.pauseMs);
    if (res.destroyed) return;  // the client (codex) left mid-drip
    sse(res, 'response.output_text.delta', { delta: d, item_id: 'msg_mock', output_index: 0, content_index: 0 });
    drip.sent++;
    if (drip.sent === 1) drip.firstSentAt = performance.now();
    if (drip.sent === drip.of) drip.lastSentAt = performance.now();
  }
  sse(res, 'response.output_item.done', {
    output_index: 0, item: { ...item, content: [{ type: 'output_text', text: b.text, annotations: [] }] },
  });
  sse(res, 'response.completed', {
    response: {
      id,
      usage: {
        input_tokens: b.inputTokens ?? 11, input_tokens_details: { cached_tokens: 2 },
        output_tokens: b.outputTokens ?? 5, output_tokens_details: { reasoning_tokens: 1 },
        total_tokens: (b.inputTokens ?? 11) + (b.outputTokens ?? 5),
      },
    },
  });
  res.end();
}

// What the ChatGPT backend answers once the account's usage limit is
// reached (codex-rs parses the body's usage_limit_reached and resets_at, and
// the x-codex-* headers into its rate-limit snapshot).
function usageLimitReached(u) {
  const resetsIn = u.resetsInS ?? 3600;
  const resetsAt = Math.floor(Date.now() / 1000) + resetsIn;
  return {
    status: 429,
    body: { error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: u.planType || 'pro',
      resets_at: resetsAt, resets_in_seconds: resetsIn } },
    headers: {
      'x-codex-plan-type': u.planType || 'pro', 'x-codex-active-limit': 'codex',
      'x-codex-primary-used-percent': '100', 'x-codex-primary-window-minutes': '300',
      'x-codex-primary-reset-after-seconds': String(resetsIn), 'x-codex-primary-reset-at': String(resetsAt),
      'x-codex-secondary-used-percent': '41', 'x-codex-secondary-window-minutes': '10080',
      'x-codex-secondary-reset-after-seconds': '400000', 'x-codex-secondary-reset-at': String(resetsAt + 400000 - resetsIn),
    },
  };
}

function expand(b) {
  if (b.usageLimit) return usageLimitReached(b.usageLimit);
  if (b.unauthorized) {
    return { status: 401, body: { error: { message: 'Your authentication token has been invalidated. Please try signing in again.',
      type: 'invalid_request_error', code: 'token_invalidated', param: null } } };
  }
  if (b.contextWindow) {
    return { failed: 'context_length_exceeded',
      message: 'Your input exceeds the context window of this model. Please adjust your input and try again.' };
  }
  return b;
}

function behave(req, res, b, stalled, drips) {
  b = expand(b);
  if (b.stall) {
    stalled.add(res);
    return;
  }
  if (b.status) {
    res.writeHead(b.status, { 'content-type': 'application/json', ...(b.headers || {}) });
    const body = b.body ?? { error: { message: b.message || 'scripted', type: 'invalid_request_error', code: null } };
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
    return;
  }
  answer(res, b, drips).catch(() => res.destroy());
}

async function startMockModelServer() {
  const stalled = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body = null;
      try { body = JSON.parse(raw); } catch { /* recorded as null */ }
      if (req.url.startsWith('/oauth/token')) {  // codex's token refresh (CODEX_REFRESH_TOKEN_URL_OVERRIDE)
        api.tokenRequests.push(body);
        const presented = body && body.refresh_token;
        if (presented && api.usedRefreshTokens.has(presented)) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'refresh_token_reused', message: 'refresh token already used' } }));
          return;
        }
        if (presented) api.usedRefreshTokens.add(presented);
        // api.refresh returns the new tokens, or { status, body } for a refusal.
        const r = api.refresh(body);
        res.writeHead(typeof r.status === 'number' ? r.status : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(typeof r.status === 'number' ? r.body : r));
        return;
      }
      if (!req.url.endsWith('/responses')) {
        res.writeHead(404);
        res.end();
        return;
      }
      api.requests.push({ url: req.url, headers: req.headers, body });
      const refusal = refuseStrictFormat(body);
      if (refusal) {
        api.refusedSchemas.push(refusal.error.message);
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify(refusal));
        return;
      }
      const b = api.script(body, api.requests.length) || { text: 'ok' };
      if (b.delayMs) setTimeout(() => behave(req, res, b, stalled, api.drips), b.delayMs);
      else behave(req, res, b, stalled, api.drips);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const api = {
    port: server.address().port,
    requests: [],
    tokenRequests: [],
    usedRefreshTokens: new Set(),
    drips: [],
    refusedSchemas: [],
    refresh: () => ({}),
    script: () => ({ text: 'Hello from the mock.' }),
    // The user text codex passed on: the last user message of the request.
    lastUserText(i = api.requests.length - 1) {
      const input = api.requests[i].body.input;
      const users = input.filter((m) => m.role === 'user');
      return users[users.length - 1].content.map((c) => c.text).join('');
    },
    async close() {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  return api;
}

module.exports = { startMockModelServer };
