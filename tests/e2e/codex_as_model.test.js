// Codex runs as a model, not as a coding agent: the model request it makes
// offers no shell, exec, patch, web-search, image, sub-agent or connector
// tool, carries the proxy's instructions instead of codex's agent prompt,
// and codex's argv says which features are off.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startProxy, post } = require('./harness');

let p;
before(async () => {
  p = await startProxy({ CODEX_PROXY_MODEL_MAP: 'gpt-4.1=gpt-5.1-codex-mini' });
  p.mock.script = () => ({ text: 'ok' });
});
after(async () => { assert.equal((await p.stop()).code, 0); });

// Every tool a model request offers, top-level or in additional_tools items.
function offeredTools(body) {
  const names = [];
  const walk = (tools, prefix) => {
    for (const t of tools || []) {
      if (t.type === 'namespace') walk(t.tools, `${t.name}.`);
      else names.push(prefix + (t.name || t.type));
    }
  };
  walk(body.tools, '');
  for (const item of body.input) if (item.type === 'additional_tools') walk(item.tools, '');
  return names;
}

const agentTools = /shell|exec|apply_patch|patch|web_search|view_image|image_generation|spawn_agent|agent|browser|computer|mcp|sleep|plugin|app/;

for (const [model, codexModel] of [['gpt-4.1', 'gpt-5.1-codex-mini'], ['some-unlisted-name', null]]) {
  test(`a run for ${model} offers the model no shell, patch, search or agent tool`, async () => {
    const r = await post(p, '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.status, 200);
    const body = p.mock.requests.at(-1).body;
    if (codexModel) assert.equal(body.model, codexModel);
    const tools = offeredTools(body);
    assert.deepEqual(tools.filter((t) => agentTools.test(t)), [], `offered: ${tools.join(', ')}`);
    // What remains in 0.169 is request_user_input, which codex answers
    // itself outside Plan mode ("only available in Plan mode").
    assert.ok(tools.every((t) => /request_user_input/.test(t)), `offered: ${tools.join(', ')}`);
  });
}

test('codex gets the proxy\'s instructions, not its agent prompt', async () => {
  await post(p, '/v1/chat/completions', { model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
  const dev = p.mock.requests.at(-1).body.input.filter((i) => i.role === 'developer')
    .map((i) => (i.content || []).map((c) => c.text).join('')).join('\n');
  assert.match(dev, /You have no shell, files, network or tools of your own/);
  assert.doesNotMatch(dev, /You are Codex, an agent/);
});
