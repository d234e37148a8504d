// The HTTP API through the real codex CLI: routes, auth, both completion
// endpoints whole and streamed, model handling, failures and the log.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startProxy, post, parseSse, assertErrorEnvelope, waitFor } = require('./harness');

const KEY = 'sk-test-0123456789abcdef';
let p;
before(async () => { p = await startProxy({ CODEX_PROXY_API_KEY: KEY, CODEX_MODEL: 'gpt-mock-1' }); });
after(async () => {
  const r = await p.stop();
  assert.equal(r.code, 0, `codex-proxyd exit: ${JSON.stringify(r)}\n${p.log()}`);
});
const auth = { authorization: `Bearer ${KEY}` };

test('healthz needs no key and reports executors, queue and login', async () => {
  const h = await p.health();
  assert.equal(h.status, 'ok');
  assert.match(h.version, /^\d+\.\d+\.\d+/);
  assert.deepEqual(Object.keys(h.executors).sort(), ['busy', 'idle', 'restarting', 'starting']);
  assert.equal(h.queue_depth, 0);
  assert.equal(h.codex.login_found, false);
  assert.match(h.codex.hint, /codex login/);
  assert.match(p.log(), /level=warn .*No Codex login found\. Run `codex login` with the CODEX_HOME/);
});

test('missing or wrong API key is 401 invalid_api_key', async () => {
  for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Bearer ${KEY}x` }, { authorization: KEY }]) {
    const r = await fetch(`${p.url}/v1/models`, { headers });
    assert.equal(r.status, 401);
    assertErrorEnvelope(await r.json(), 'invalid_api_key');
  }
});

test('models list and get', async () => {
  const r = await fetch(`${p.url}/v1/models`, { headers: auth });
  const body = await r.json();
  assert.equal(body.object, 'list');
  assert.equal(body.data[0].id, 'gpt-mock-1');
  assert.equal(body.data[0].object, 'model');
  const one = await (await fetch(`${p.url}/v1/models/gpt-4.1`, { headers: auth })).json();
  assert.equal(one.id, 'gpt-4.1');
});

test('unknown path 404, wrong method 405, unimplemented OpenAI endpoint 501', async () => {
  let r = await fetch(`${p.url}/v1/nothing`, { headers: auth });
  assert.equal(r.status, 404);
  assertErrorEnvelope(await r.json(), 'not_found');
  r = await fetch(`${p.url}/v1/chat/completions`, { headers: auth });
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'POST');
  assertErrorEnvelope(await r.json(), 'method_not_allowed');
  for (const ep of ['/v1/embeddings', '/v1/images/generations', '/v1/audio/speech', '/v1/files', '/v1/uploads',
    '/v1/batches', '/v1/fine_tuning/jobs', '/v1/moderations', '/v1/realtime/sessions', '/v1/assistants',
    '/v1/threads', '/v1/vector_stores']) {
    r = await post(p, ep, {}, auth);
    assert.equal(r.status, 501, ep);
    assertErrorEnvelope(await r.json(), 'not_implemented');
  }
});

test('chat completion: transcript reaches codex, answer and usage come back', async () => {
  p.mock.script = () => ({ text: 'Paris.', inputTokens: 40, outputTokens: 3 });
  const r = await post(p, '/v1/chat/completions', {
    model: 'gpt-4.1',
    messages: [
      { role: 'assistant', content: 'How can I help?' },
      { role: 'developer', content: 'Answer in one word.' },
      { role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] },
    ],
  }, { ...auth, 'x-request-id': 'trace-abc.1' });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-request-id'), 'trace-abc.1');
  const body = await r.json();
  assert.equal(body.object, 'chat.completion');
  assert.match(body.id, /^chatcmpl-/);
  assert.equal(body.model, 'gpt-4.1');
  assert.equal(typeof body.created, 'number');
  assert.deepEqual(body.choices[0].message.role, 'assistant');
  assert.equal(body.choices[0].message.content, 'Paris.');
  assert.equal(body.choices[0].finish_reason, 'stop');
  assert.equal(body.usage.prompt_tokens, 40);
  assert.equal(body.usage.completion_tokens, 3);
  assert.equal(body.usage.total_tokens, 43);
  const sent = p.mock.lastUserText();
  const transcript = JSON.parse(sent.slice(sent.indexOf('[')));
  assert.deepEqual(transcript.map((t) => t.role), ['assistant', 'developer', 'user']);
  assert.equal(transcript[2].content, 'Capital of France?');
  assert.equal(p.mock.requests.at(-1).body.model, 'gpt-mock-1', 'CODEX_MODEL is what codex runs');
});

test('chat completion stream: role first, content, finish, usage chunk, [DONE]', async () => {
  p.mock.script = () => ({ text: 'Hi there.' });
  const r = await post(p, '/v1/chat/completions', {
    model: 'gpt-4o-2024-08-06', stream: true, stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'hello' }],
  }, auth);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/event-stream/);
  const events = parseSse(await r.text()).filter((e) => !e.comment);
  const chunks = events.filter((e) => typeof e.data === 'object');
  assert.equal(events.at(-1).data, '[DONE]');
  assert.equal(chunks[0].data.choices[0].delta.role, 'assistant');
  for (const c of chunks) {
    assert.equal(c.data.object, 'chat.completion.chunk');
    assert.equal(c.data.model, 'gpt-4o-2024-08-06');
    assert.equal(c.data.id, chunks[0].data.id);
  }
  const text = chunks.map((c) => c.data.choices[0]?.delta?.content || '').join('');
  assert.equal(text, 'Hi there.');
  const finish = chunks.filter((c) => c.data.choices[0]?.finish_reason);
  assert.equal(finish.length, 1);
  assert.equal(finish[0].data.choices[0].finish_reason, 'stop');
  const usage = chunks.at(-1).data;
  assert.deepEqual(usage.choices, []);
  assert.equal(usage.usage.total_tokens, 16);
});

test('chat stream without include_usage has no usage chunk', async () => {
  const r = await post(p, '/v1/chat/completions', {
    model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }],
  }, auth);
  const chunks = parseSse(await r.text()).filter((e) => typeof e.data === 'object');
  assert.ok(chunks.every((c) => c.data.choices.length === 1 && !('usage' in c.data)));
});

test('responses: string input and instructions, whole answer', async () => {
  p.mock.script = () => ({ text: 'Done.' });
  const r = await post(p, '/v1/responses', { model: 'gpt-5.2', input: 'Say done', instructions: 'Be brief.' }, auth);
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.equal(body.object, 'response');
  assert.match(body.id, /^resp_/);
  assert.equal(body.status, 'completed');
  assert.equal(body.model, 'gpt-5.2');
  assert.equal(body.instructions, 'Be brief.');
  const msg = body.output[0];
  assert.equal(msg.type, 'message');
  assert.match(msg.id, /^msg_/);
  assert.deepEqual(msg.content[0], { type: 'output_text', text: 'Done.', annotations: [], logprobs: [] });
  assert.equal(body.usage.input_tokens, 11);
  assert.equal(body.usage.output_tokens, 5);
  assert.equal(body.usage.total_tokens, 16);
  const sent = p.mock.lastUserText();
  assert.match(sent, /Be brief\./);
  assert.match(sent, /Say done/);
});

test('responses stream: every event in order with sequence numbers', async () => {
  p.mock.script = () => ({ text: 'Streamed.' });
  const r = await post(p, '/v1/responses', {
    model: 'gpt-5.2', stream: true,
    input: [{ role: 'user', content: [{ type: 'input_text', text: 'go' }] }, { type: 'message', role: 'assistant', content: 'ok' }, { role: 'user', content: 'again' }],
  }, auth);
  const events = parseSse(await r.text()).filter((e) => !e.comment);
  assert.deepEqual(events.map((e) => e.event), [
    'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
    'response.output_text.delta', 'response.output_text.done', 'response.content_part.done',
    'response.output_item.done', 'response.completed']);
  events.forEach((e, i) => {
    assert.equal(e.data.type, e.event);
    assert.equal(e.data.sequence_number, i);
  });
  assert.equal(events[4].data.delta, 'Streamed.');
  assert.equal(events[5].data.text, 'Streamed.');
  assert.equal(events.at(-1).data.response.output[0].content[0].text, 'Streamed.');
  assert.equal(events.at(-1).data.response.usage.total_tokens, 16);
});

test('bad requests are 400 with the parameter named', async () => {
  const cases = [
    ['/v1/chat/completions', '{not json', null, 'invalid_json'],
    ['/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] }, 'model', 'missing_required_parameter'],
    ['/v1/chat/completions', { model: 'm', messages: [] }, 'messages', 'invalid_value'],
    ['/v1/chat/completions', { model: 'm', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role', 'invalid_value'],
    ['/v1/chat/completions', { model: 'm', stream: 'yes', messages: [{ role: 'user', content: 'x' }] }, 'stream', 'invalid_type'],
    ['/v1/responses', { model: 'm' }, 'input', 'invalid_value'],
    ['/v1/responses', { model: 'm', input: [{ type: 'mystery' }] }, 'input[0].type', 'unsupported_input_item'],
  ];
  const before = p.mock.requests.length;
  for (const [route, body, param, code] of cases) {
    const r = await post(p, route, body, auth);
    assert.equal(r.status, 400, JSON.stringify(body));
    const e = await r.json();
    assertErrorEnvelope(e, code);
    assert.equal(e.error.param, param);
  }
  assert.equal(p.mock.requests.length, before, 'no codex run for a bad request');
});

// codex exits on invalid UTF-8 (a 502 before), and a NUL cut names and texts.
test('invalid UTF-8, a NUL, an empty or blank input is a 400 naming the field, without a codex run', async () => {
  const raw = (route, bytes) => fetch(`${p.url}${route}`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: bytes,
  });
  const bad = Buffer.from([0xff, 0xfe]);
  const cases = [
    ['/v1/chat/completions', Buffer.concat([Buffer.from('{"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"x'),
      bad, Buffer.from('"}]}')]), 'messages[1].content'],
    ['/v1/responses', Buffer.concat([Buffer.from('{"model":"m","input":"x","instructions":"'), bad, Buffer.from('"}')]), 'instructions'],
    ['/v1/responses', Buffer.concat([Buffer.from('{"model":"m","input":[{"type":"function_call_output","call_id":"c","output":"'), bad,
      Buffer.from('"}]}')]), 'input[0].output'],
    ['/v1/chat/completions', Buffer.from('{"model":"gpt\\u0000-5.5","messages":[{"role":"user","content":"x"}]}'), 'model'],
    ['/v1/chat/completions', Buffer.from('{"model":"m","messages":[{"role":"user","content":"before\\u0000after"}]}'), 'messages[0].content'],
    ['/v1/responses', Buffer.from('{"model":"m","input":""}'), 'input'],
    // Nothing but whitespace for codex, which refuses that (exit 1).
    ['/v1/chat/completions', Buffer.from('{"model":"m","messages":[{"role":"user","content":""}]}'), 'messages'],
    ['/v1/chat/completions', Buffer.from('{"model":"m","messages":[{"role":"user","content":[]}]}'), 'messages'],
    ['/v1/responses', Buffer.from('{"model":"m","input":[{"role":"user","content":""}]}'), 'input'],
    ['/v1/responses', Buffer.from('{"model":"m","input":[{"role":"user","content":[]}]}'), 'input'],
    ['/v1/responses', Buffer.from('{"model":"m","input":" \\n "}'), 'input'],
  ];
  const before = p.mock.requests.length;
  for (const [route, body, param] of cases) {
    const r = await raw(route, body);
    assert.equal(r.status, 400, body.toString('latin1'));
    const e = await r.json();
    assertErrorEnvelope(e, 'invalid_value');
    assert.equal(e.error.param, param);
  }
  assert.equal(p.mock.requests.length, before, 'no codex run for a bad request');
});

test('a prompt over codex input limit is 400 before codex runs; a 1.5 MiB one is fine', async () => {
  const before = p.mock.requests.length;
  let r = await post(p, '/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(1048577) }] }, auth);
  assert.equal(r.status, 400);
  assertErrorEnvelope(await r.json(), 'context_length_exceeded');
  assert.equal(p.mock.requests.length, before);
  // Far past the 128 KiB argv limit: the prompt travels on stdin.
  const big = 'é'.repeat(700000);
  p.mock.script = () => ({ text: 'big ok' });
  r = await post(p, '/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: big }] }, auth);
  assert.equal(r.status, 200);
  assert.equal((await r.json()).choices[0].message.content, 'big ok');
  assert.equal(p.mock.lastUserText(), big);
});

test('model provider failure is a 502 upstream_error, without codex detail', async () => {
  p.mock.script = () => ({ status: 400, message: 'secret upstream detail' });
  const r = await post(p, '/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x' }] }, auth);
  assert.equal(r.status, 502);
  const e = await r.json();
  assertErrorEnvelope(e, 'upstream_error');
  assert.doesNotMatch(JSON.stringify(e), /secret upstream detail/);
});

test('a failure mid chat stream is data: {"error":...}', async () => {
  p.mock.script = () => ({ failed: 'server_error' });
  const r = await post(p, '/v1/chat/completions', { model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] }, auth);
  assert.equal(r.status, 200);
  const events = parseSse(await r.text()).filter((e) => !e.comment);
  assertErrorEnvelope(events.at(-1).data, 'upstream_error');
  assert.ok(!events.some((e) => e.data === '[DONE]'));
});

test('a failure mid responses stream is an error event then response.failed', async () => {
  p.mock.script = () => ({ failed: 'server_error' });
  const r = await post(p, '/v1/responses', { model: 'm', stream: true, input: 'x' }, auth);
  const events = parseSse(await r.text()).filter((e) => !e.comment);
  const [err, failed] = events.slice(-2);
  assert.equal(err.event, 'error');
  assert.equal(err.data.code, 'upstream_error');
  assert.equal(typeof err.data.error.code, 'string');
  assert.equal(failed.event, 'response.failed');
  assert.equal(failed.data.response.status, 'failed');
  assert.equal(failed.data.response.error.code, 'upstream_error');
});

test('one log line per request, with no key and no prompt text', async () => {
  p.mock.script = () => ({ text: 'ok' });
  await post(p, '/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'PROMPT-MARKER-42' }] },
    { ...auth, 'x-request-id': 'log-check-1' });
  const lines = await waitFor('the access log line', () => {
    const l = p.log().split('\n').filter((x) => x.includes('request_id=log-check-1'));
    return l.length && l;
  });
  assert.equal(lines.length, 1);
  for (const k of ['method=POST', 'path=/v1/chat/completions', 'status=200', 'queue_ms=', 'codex_ms=', 'exit=0'])
    assert.ok(lines[0].includes(k), `${k} in ${lines[0]}`);
  assert.ok(!p.log().includes('PROMPT-MARKER-42'), 'prompt text in log');
  assert.ok(!p.log().includes(KEY), 'API key in log');
});

test('a huge answer arrives whole, in one piece or streamed, with multi-byte text intact', async () => {
  const huge = 'ab€😀'.repeat(1000000);  // 9 MB of UTF-8 in mixed widths: more than one IPC frame holds
  p.mock.script = () => ({ text: huge });
  let r = await post(p, '/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'huge' }] }, auth);
  assert.equal(r.status, 200);
  assert.equal((await r.json()).choices[0].message.content, huge);
  r = await post(p, '/v1/responses', { model: 'm', stream: true, input: 'huge' }, auth);
  const events = parseSse(await r.text()).filter((e) => !e.comment);
  const deltas = events.filter((e) => e.event === 'response.output_text.delta');
  assert.ok(deltas.length > 1, 'sent as several deltas');
  assert.ok(!deltas.some((d) => d.data.delta.includes('\uFFFD')), 'no character was cut in two');
  assert.equal(deltas.map((d) => d.data.delta).join(''), huge);
  assert.equal(events.at(-1).data.response.output[0].content[0].text, huge);
});

test('a presented key never comes back in an error or reaches the log', async () => {
  const wrong = 'sk-presented-wrong-key-9876543210';
  const r = await fetch(`${p.url}/v1/models`, { headers: { authorization: `Bearer ${wrong}`, 'x-request-id': 'wrong-key' } });
  assert.equal(r.status, 401);
  assert.ok(!(await r.text()).includes(wrong));
  await waitFor('the access log line', () => p.log().includes('request_id=wrong-key'));
  assert.ok(!p.log().includes(wrong));
  assert.ok(!p.log().includes('9876543210'));
});

test('/v1/completions and /v1/responses/{id} are 501 not_implemented in the OpenAI envelope', async () => {
  for (const [method, route] of [['POST', '/v1/completions'], ['GET', '/v1/responses/resp_0123456789abcdef'],
    ['DELETE', '/v1/responses/resp_0123456789abcdef'], ['GET', '/v1/responses/resp_0123456789abcdef/input_items']]) {
    const r = await fetch(`${p.url}${route}`, {
      method, headers: { ...auth, 'content-type': 'application/json' },
      body: method === 'POST' ? JSON.stringify({ model: 'm', prompt: 'x' }) : undefined,
    });
    assert.equal(r.status, 501, `${method} ${route}`);
    const e = await r.json();
    assertErrorEnvelope(e, 'not_implemented');
    assert.equal(e.error.type, 'invalid_request_error');
    assert.equal(e.error.param, null);
  }
});

// One access-log line as {key: value}.
function accessLine(id) {
  const line = p.log().split('\n').find((l) => l.includes(' msg=request ') && l.includes(`request_id=${id} `));
  if (!line) return null;
  const kv = {};
  for (const m of line.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) kv[m[1]] = m[2];
  return kv;
}

test('the access log line has every documented key: a completed, a failed and an abandoned request', async () => {
  const keys = ['ts', 'level', 'proc', 'msg', 'request_id', 'method', 'path', 'status', 'duration_ms', 'bytes_in'];
  const jobKeys = ['model', 'queue_ms', 'codex_ms', 'exit', 'outcome'];
  p.mock.script = () => ({ text: 'fine' });
  const okBody = JSON.stringify({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }] });
  await (await post(p, '/v1/chat/completions', okBody, { ...auth, 'x-request-id': 'keys-ok' })).text();
  const ok = await waitFor('the completed line', () => accessLine('keys-ok'));
  assert.deepEqual(Object.keys(ok), [...keys, ...jobKeys]);
  assert.equal(ok.level, 'info');
  assert.equal(ok.proc, 'supervisor');
  assert.equal(ok.method, 'POST');
  assert.equal(ok.path, '/v1/chat/completions');
  assert.equal(ok.status, '200');
  assert.match(ok.duration_ms, /^\d+$/);
  assert.equal(Number(ok.bytes_in), Buffer.byteLength(okBody));
  assert.equal(ok.model, 'gpt-4.1');
  assert.match(ok.queue_ms, /^\d+$/);
  assert.match(ok.codex_ms, /^\d+$/);
  assert.equal(ok.exit, '0');
  assert.equal(ok.outcome, 'ok');

  p.mock.script = () => ({ status: 400, message: 'no' });
  await (await post(p, '/v1/responses', { model: 'gpt-5.2', input: 'x' }, { ...auth, 'x-request-id': 'keys-failed' })).text();
  const failed = await waitFor('the failed line', () => accessLine('keys-failed'));
  assert.deepEqual(Object.keys(failed), [...keys, ...jobKeys]);
  assert.equal(failed.status, '502');
  assert.equal(failed.path, '/v1/responses');
  assert.equal(failed.model, 'gpt-5.2');
  assert.equal(failed.outcome, 'model_failed');

  // Abandoned while codex runs: 499, and the line says what happened.
  p.mock.script = () => ({ stall: true });
  for (const stream of [false, true]) {
    const id = `keys-gone-${stream}`;
    const ac = new AbortController();
    const before = p.mock.requests.length;
    const r = fetch(`${p.url}/v1/chat/completions`, {
      method: 'POST', signal: ac.signal, headers: { ...auth, 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify({ model: 'm', stream, messages: [{ role: 'user', content: 'x' }] }),
    }).catch(() => null);
    await waitFor('codex to ask the model', () => p.mock.requests.length > before, 30000);
    if (stream) assert.equal((await r).status, 200);
    ac.abort();
    const gone = await waitFor('the abandoned line', () => accessLine(id), 30000);
    assert.deepEqual(Object.keys(gone).slice(0, keys.length), keys);
    assert.equal(gone.status, '499');
    assert.equal(gone.model, 'm');
    assert.equal(gone.outcome, 'client_gone');
  }
  p.mock.script = () => ({ text: 'ok' });
});

// The proxy's writable memory, read through /proc (the tests run as root,
// as CI does; a missing permission is a failure saying so).
function memoryHolds(pid, needle) {
  const fs = require('node:fs');
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter((l) => / rw.p /.test(l));
  const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const l of maps) {
      const [a, b] = l.split(' ')[0].split('-').map((x) => BigInt(`0x${x}`));
      const len = Number(b - a);
      if (len > 512 * 1024 * 1024) continue;
      const buf = Buffer.alloc(len);
      let n = 0;
      try { n = fs.readSync(fd, buf, 0, len, a); } catch { continue; }
      if (buf.subarray(0, n).includes(needle)) return true;
    }
  } finally { fs.closeSync(fd); }
  return false;
}

test('a presented key is wiped from the proxy\'s memory once its request is handled', async () => {
  assert.equal(process.getuid(), 0, 'this test reads /proc/<pid>/mem and must run as root (as scripts/test.sh does)');
  const marker = `sk-wipe-${require('node:crypto').randomBytes(12).toString('hex')}`;
  const r = await fetch(`${p.url}/v1/models`, { headers: { authorization: `Bearer ${marker}` } });
  assert.equal(r.status, 401);
  await r.text();
  assert.ok(!memoryHolds(p.proc.pid, Buffer.from(marker.slice(8))), 'a presented key is still in the proxy\'s memory');
});
