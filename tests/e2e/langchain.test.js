// LangChain's ChatOpenAI (Postiz's @langchain/openai 1.4) through the proxy:
// streamed chat with usage, bound tools, structured output.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startProxy } = require('./harness');
const { ChatOpenAI } = require('@langchain/openai');
const { z } = require('zod');

let p, llm;
before(async () => {
  p = await startProxy({});
  llm = new ChatOpenAI({ model: 'gpt-4.1', apiKey: 'unused', maxRetries: 0, configuration: { baseURL: `${p.url}/v1` } });
});
after(async () => { assert.equal((await p.stop()).code, 0); });

test('a streamed chat with stream_options.include_usage', async () => {
  p.mock.script = () => ({ text: 'Hello there' });
  const streaming = new ChatOpenAI({
    model: 'gpt-4.1', apiKey: 'unused', maxRetries: 0, streaming: true, streamUsage: true,
    configuration: { baseURL: `${p.url}/v1` },
  });
  let text = '';
  let usage = null;
  for await (const chunk of await streaming.stream('Say hello')) {
    text += chunk.content;
    if (chunk.usage_metadata) usage = chunk.usage_metadata;
  }
  assert.equal(text, 'Hello there');
  assert.ok(usage && usage.input_tokens > 0, `usage: ${JSON.stringify(usage)}`);
});

test('bindTools: the model\'s call comes back as tool_calls with parsed args', async () => {
  p.mock.script = () => ({ text: JSON.stringify({ content: null, tool_calls: [{ name: 'schedule_post', arguments: '{"when":"tomorrow"}' }] }) });
  const withTools = llm.bindTools([{ type: 'function', function: { name: 'schedule_post', description: 'Schedule',
    parameters: { type: 'object', properties: { when: { type: 'string' } }, required: ['when'] } } }]);
  const msg = await withTools.invoke('Schedule it for tomorrow');
  assert.equal(msg.tool_calls.length, 1);
  assert.equal(msg.tool_calls[0].name, 'schedule_post');
  assert.deepEqual(msg.tool_calls[0].args, { when: 'tomorrow' });
});

test('withStructuredOutput gives the parsed object', async () => {
  p.mock.script = () => ({ text: JSON.stringify({ title: 'Launch', score: 7 }) });
  const structured = llm.withStructuredOutput(z.object({ title: z.string(), score: z.number() }), { name: 'rating' });
  assert.deepEqual(await structured.invoke('Rate this'), { title: 'Launch', score: 7 });
});
