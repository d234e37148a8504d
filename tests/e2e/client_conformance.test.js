// The clients Postiz uses, as Postiz uses them, against the proxy, the real
// codex and a scripted model: the official openai SDK (current and 4.x,
// which CopilotKit bundles) and the Vercel AI SDK that Mastra runs on.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startProxy } = require('./harness');
const OpenAI = require('openai').default;
const OpenAI4 = require('openai-v4').default;
const { zodResponseFormat } = require('openai/helpers/zod');
const { z } = require('zod');
const { generateText, streamText, generateObject, tool, stepCountIs } = require('ai');
const { createOpenAI } = require('@ai-sdk/openai');

let p, openai, openai4, aisdk;
before(async () => {
  p = await startProxy({ CODEX_PROXY_MODEL_MAP: 'gpt-4.1=gpt-5.1-codex-mini,gpt-5.2=gpt-5.1-codex' });
  const baseURL = `${p.url}/v1`;
  openai = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
  openai4 = new OpenAI4({ baseURL, apiKey: 'unused', maxRetries: 0 });
  aisdk = createOpenAI({ baseURL, apiKey: 'unused' });
});
after(async () => { assert.equal((await p.stop()).code, 0); });

// The model's side: a tool call while the conversation holds no tool
// result, then text; JSON when a format asks for it.
const wantsEnvelope = (b) => !!b.text?.format?.schema?.properties?.tool_calls;
const prompt = () => p.mock.lastUserText();
function agentModel(callName, args, finalText) {
  return (b) => {
    if (!wantsEnvelope(b)) return { text: finalText };
    const hasResult = /"role":\s*"tool"/.test(prompt());
    return { text: JSON.stringify(hasResult ? { content: finalText, tool_calls: [] }
      : { content: null, tool_calls: [{ name: callName, arguments: JSON.stringify(args) }] }) };
  };
}

const Post = z.object({ text: z.string(), hashtags: z.array(z.string()) });
const Posts = z.object({ main: Post, threads: z.array(Post) });  // Post twice: zod-to-json-schema makes a $ref

test('openai 6: chat.completions.parse with a zod format returns the parsed object', async () => {
  p.mock.script = () => ({ text: JSON.stringify({ main: { text: 'a', hashtags: ['#x'] }, threads: [{ text: 'b', hashtags: [] }] }) });
  const r = await openai.chat.completions.parse({
    model: 'gpt-4.1', messages: [{ role: 'system', content: 'You write posts.' }, { role: 'user', content: 'Write one.' }],
    response_format: zodResponseFormat(Posts, 'posts'),
  });
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.deepEqual(r.choices[0].message.parsed.main, { text: 'a', hashtags: ['#x'] });
  assert.equal(p.mock.requests.at(-1).body.text.format.strict, true);
});

test('openai 6: n: 5 with an assistant-first conversation', async () => {
  p.mock.script = () => ({ text: JSON.stringify({ choices: [0, 1, 2, 3, 4].map((i) => ({ content: `v${i}` })) }) });
  const r = await openai.chat.completions.create({
    model: 'gpt-4.1', n: 5, messages: [{ role: 'assistant', content: 'Hi! What shall I write?' }, { role: 'user', content: 'A tweet.' }],
  });
  assert.deepEqual(r.choices.map((c) => c.message.content), ['v0', 'v1', 'v2', 'v3', 'v4']);
});

test('openai 6: a streamed tool round trip with runTools', async () => {
  p.mock.script = agentModel('get_time', { zone: 'UTC' }, 'It is noon.');
  const runner = openai.chat.completions.runTools({
    model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: 'Time?' }],
    tools: [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } },
      function: (args) => { assert.deepEqual(args, { zone: 'UTC' }); return '12:00'; }, parse: JSON.parse } }],
  });
  assert.equal(await runner.finalContent(), 'It is noon.');
  assert.match(prompt(), /12:00/);
});

test('openai 6: a tool round trip without streaming', async () => {
  p.mock.script = agentModel('get_time', { zone: 'CET' }, 'It is one.');
  const runner = openai.chat.completions.runTools({
    model: 'gpt-4.1', messages: [{ role: 'user', content: 'Time?' }],
    tools: [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } },
      function: () => '13:00', parse: JSON.parse } }],
  });
  assert.equal(await runner.finalContent(), 'It is one.');
  const calls = (await runner.allChatCompletions())[0].choices[0].message.tool_calls;
  assert.deepEqual(JSON.parse(calls[0].function.arguments), { zone: 'CET' });
});

test('openai 6: responses.create with a function tool, answered through previous_response_id', async () => {
  p.mock.script = agentModel('get_time', { zone: 'UTC' }, 'Noon.');
  const tools = [{ type: 'function', name: 'get_time', strict: false, parameters: { type: 'object', properties: { zone: { type: 'string' } } } }];
  const first = await openai.responses.create({ model: 'gpt-5.2', input: 'Time?', tools });
  const fc = first.output.find((o) => o.type === 'function_call');
  assert.ok(fc, JSON.stringify(first.output));
  assert.match(fc.id, /^fc_/);
  const second = await openai.responses.create({
    model: 'gpt-5.2', tools, previous_response_id: first.id,
    input: [{ type: 'function_call_output', call_id: fc.call_id, output: '12:00' }],
  });
  assert.equal(second.output_text, 'Noon.');
  assert.match(prompt(), /12:00/);
  assert.ok(prompt().includes(fc.call_id));
});

test('openai 4.x: beta.chat.completions.stream with client tools and a developer prompt (CopilotKit)', async () => {
  p.mock.script = agentModel('navigate', { page: 'calendar' }, 'done');
  const stream = openai4.beta.chat.completions.stream({
    model: 'gpt-4.1', messages: [{ role: 'developer', content: 'You are the Postiz assistant.' }, { role: 'user', content: 'Open the calendar' }],
    tools: [{ type: 'function', function: { name: 'navigate', description: 'Go to a page', parameters: { type: 'object', properties: { page: { type: 'string' } }, required: ['page'] } } }],
  });
  const final = await stream.finalChatCompletion();
  const calls = final.choices[0].message.tool_calls;
  assert.equal(calls.length, 1);
  assert.equal(calls[0].function.name, 'navigate');
  assert.deepEqual(JSON.parse(calls[0].function.arguments), { page: 'calendar' });
  assert.equal(final.choices[0].finish_reason, 'tool_calls');
  assert.match(prompt(), /"role":\s*"developer"/);
});

test('openai 4.x: an error mid-stream reaches the caller as an error', async () => {
  p.mock.script = () => ({ failed: 'server_error' });
  const stream = openai4.beta.chat.completions.stream({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }] });
  await assert.rejects(stream.finalChatCompletion(), (e) => /upstream|provider/i.test(String(e.message)));
});

test('AI SDK: generateText and streamText over /v1/responses', async () => {
  p.mock.script = () => ({ text: 'A title' });
  const g = await generateText({ model: aisdk('gpt-5.2'), prompt: 'Title this chat' });
  assert.equal(g.text, 'A title');
  assert.equal(p.mock.requests.at(-1).body.model, 'gpt-5.1-codex');
  const s = streamText({ model: aisdk('gpt-5.2'), prompt: 'Title this chat' });
  let text = '';
  for await (const t of s.textStream) text += t;
  assert.equal(text, 'A title');
});

test('AI SDK: generateObject with a zod schema', async () => {
  p.mock.script = () => ({ text: JSON.stringify({ name: 'Ada', tags: ['math'] }) });
  const { object } = await generateObject({ model: aisdk('gpt-5.2'), schema: z.object({ name: z.string(), tags: z.array(z.string()) }), prompt: 'Who?' });
  assert.deepEqual(object, { name: 'Ada', tags: ['math'] });
});

test('AI SDK: a streamed multi-step tool loop over /v1/responses with item references', async () => {
  p.mock.script = agentModel('lookup', { q: 'postiz' }, 'Postiz schedules posts.');
  const bodies = [];
  const seen = p.mock.requests.length;
  const s = streamText({
    model: aisdk('gpt-5.2'), prompt: 'What is Postiz?', stopWhen: stepCountIs(3),
    tools: { lookup: tool({ description: 'Search', inputSchema: z.object({ q: z.string() }), execute: async ({ q }) => `${q}: a social media scheduler` }) },
    onStepFinish: (st) => bodies.push(st.request?.body),
  });
  let text = '';
  for await (const t of s.textStream) text += t;
  assert.equal(text, 'Postiz schedules posts.');
  assert.equal((await s.steps).length, 2);
  const second = JSON.parse(typeof bodies[1] === 'string' ? bodies[1] : JSON.stringify(bodies[1]));
  assert.ok(second.input.some((i) => i.type === 'item_reference' && /^fc_/.test(i.id)), JSON.stringify(second.input));
  assert.ok(second.input.some((i) => i.type === 'function_call_output'));
  assert.equal(p.mock.requests.length, seen + 2);
  assert.match(prompt(), /a social media scheduler/);
});

test('AI SDK: a multi-step tool loop with generateText (not streamed)', async () => {
  p.mock.script = agentModel('lookup', { q: 'mastra' }, 'Mastra runs agents.');
  const g = await generateText({
    model: aisdk('gpt-5.2'), prompt: 'What is Mastra?', stopWhen: stepCountIs(3),
    tools: { lookup: tool({ inputSchema: z.object({ q: z.string() }), execute: async ({ q }) => `${q}: an agent framework` }) },
  });
  assert.equal(g.text, 'Mastra runs agents.');
  assert.equal(g.steps.length, 2);
  assert.deepEqual(g.steps[0].toolCalls[0].input, { q: 'mastra' });
});

test('AI SDK: a replayed earlier turn is an item reference that resolves', async () => {
  p.mock.script = () => ({ text: 'First answer.' });
  const first = await generateText({ model: aisdk('gpt-5.2'), prompt: 'Hello' });
  p.mock.script = () => ({ text: 'Second answer.' });
  const second = await generateText({
    model: aisdk('gpt-5.2'),
    messages: [{ role: 'user', content: 'Hello' }, ...first.response.messages, { role: 'user', content: 'And then?' }],
  });
  assert.equal(second.text, 'Second answer.');
  const sent = JSON.parse(second.request.body ? (typeof second.request.body === 'string' ? second.request.body : JSON.stringify(second.request.body)) : '{}');
  assert.ok(sent.input.some((i) => i.type === 'item_reference' && /^msg_/.test(i.id)));
  assert.match(prompt(), /First answer\./);
});

test('AI SDK: a failed stream surfaces as an error with a string code', async () => {
  p.mock.script = () => ({ failed: 'server_error' });
  const errors = [];
  const s = streamText({ model: aisdk('gpt-5.2'), prompt: 'x', onError: ({ error }) => errors.push(error) });
  for await (const _ of s.fullStream) { /* drain */ }
  assert.ok(errors.length > 0);
  // The SDK hands on the stream's `error` event: its code is a string.
  const e = errors[0];
  const code = e?.error?.code ?? e?.code ?? e?.data?.error?.code;
  assert.equal(typeof code, 'string', `error as the SDK saw it: ${JSON.stringify(e)}`);
});

test('AI SDK: a refused request is an APICallError with the status and the OpenAI error', async () => {
  const seen = p.mock.requests.length;
  await assert.rejects(generateText({
    model: aisdk('gpt-5.2'), maxRetries: 0,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'What is it?' }, { type: 'image', image: new URL('https://example.com/a.png') }] }],
  }), (e) => {
    assert.equal(e.statusCode, 400, String(e));
    assert.match(e.message, /data URLs/);
    assert.equal(JSON.parse(e.responseBody).error.code, 'invalid_image');
    return true;
  });
  assert.equal(p.mock.requests.length, seen);
});
