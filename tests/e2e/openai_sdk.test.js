// The official openai SDK, unmodified, against the proxy.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startProxy } = require('./harness');

let OpenAI;
try { OpenAI = require('openai').default; } catch (e) {
  throw new Error('the openai npm package is missing: run scripts/test.sh (npm ci in tests/e2e)');
}

let p;
let client;
before(async () => {
  p = await startProxy({ CODEX_PROXY_API_KEY: 'sk-sdk-test-key-123456' });
  client = new OpenAI({ baseURL: `${p.url}/v1`, apiKey: 'sk-sdk-test-key-123456', maxRetries: 0 });
});
after(async () => { assert.equal((await p.stop()).code, 0); });

test('chat.completions.create', async () => {
  p.mock.script = () => ({ text: 'SDK hello' });
  const c = await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(c.choices[0].message.content, 'SDK hello');
  assert.equal(c.model, 'gpt-4.1');
});

test('chat.completions.create stream with usage', async () => {
  p.mock.script = () => ({ text: 'streamed via SDK' });
  const stream = await client.chat.completions.create({
    model: 'gpt-4.1', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }],
  });
  let text = '';
  let usage = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content || '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, 'streamed via SDK');
  assert.equal(usage.total_tokens, 16);
});

test('responses.create and output_text', async () => {
  p.mock.script = () => ({ text: 'responses via SDK' });
  const r = await client.responses.create({ model: 'gpt-5.2', input: 'hi', instructions: 'be kind' });
  assert.equal(r.output_text, 'responses via SDK');
});

test('responses.stream with finalResponse', async () => {
  p.mock.script = () => ({ text: 'responses stream via SDK' });
  const stream = client.responses.stream({ model: 'gpt-5.2', input: 'hi' });
  let deltas = '';
  stream.on('response.output_text.delta', (e) => { deltas += e.delta; });
  const final = await stream.finalResponse();
  assert.equal(deltas, 'responses stream via SDK');
  // The SDK adds output_text only to parsed responses, so read the item.
  assert.equal(final.status, 'completed');
  assert.equal(final.output[0].content[0].text, 'responses stream via SDK');
});

test('errors surface as the SDK error classes', async () => {
  const bad = new OpenAI({ baseURL: `${p.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(bad.models.list(), (e) => e.status === 401 && e.code === 'invalid_api_key');
  p.mock.script = () => ({ status: 400 });
  await assert.rejects(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 502 && e.code === 'upstream_error');
});
