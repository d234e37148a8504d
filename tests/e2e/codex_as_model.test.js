// Codex runs as a model, not as a coding agent: the model request it makes
// offers no shell, exec, patch, web-search, image, sub-agent or connector
// tool, carries the proxy's instructions instead of codex's agent prompt,
// and codex's argv says which features are off.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startProxy, post, tmpdir, CODEX } = require('./harness');

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

// Every process codex starts and every connection it opens, seen by
// strace: no shell, git or network lookup, and no connection but the one to
// its model provider. (Codex's os_info still runs lsb_release, a read-only
// shell script, for its User-Agent.)
test('a run starts no shell or git and connects to nothing but the model provider', async () => {
  const strace = '/usr/bin/strace';
  assert.ok(fs.existsSync(strace), 'strace is missing: install it (scripts/install-deps.sh does)');
  const wrapper = path.join(tmpdir('codex-traced-'), 'codex');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec ${strace} -f -qq -e trace=execve,connect -e signal=none ` +
    `-o "$CODEX_HOME/trace.$$" ${CODEX()} "$@"\n`, { mode: 0o755 });
  const q = await startProxy({ CODEX_BIN: wrapper });
  try {
    q.mock.script = () => ({ text: 'ok' });
    const r = await post(q, '/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.status, 200);
    const traces = fs.readdirSync(q.privateHome).filter((f) => f.startsWith('trace.'));
    assert.equal(traces.length, 1);
    const lines = fs.readFileSync(path.join(q.privateHome, traces[0]), 'utf8').split('\n');
    const execs = lines.filter((l) => /execve\("/.test(l) && !/ENOENT/.test(l)).map((l) => /execve\("([^"]+)"/.exec(l)[1]);
    assert.ok(execs.some((e) => e.endsWith('/codex')), `execs: ${execs.join(' ')}`);
    const forbidden = execs.filter((e) => /\/(bash|sh|dash|zsh|git|ssh|curl|wget|python3?)$/.test(e));
    assert.deepEqual(forbidden, [], `execs: ${execs.join(' ')}`);
    const inet = lines.filter((l) => /connect\(.*sa_family=AF_INET6?/.test(l));
    const mock = `sin_port=htons(${q.mock.port}), sin_addr=inet_addr("127.0.0.1")`;
    assert.ok(inet.length >= 1, 'no connection to the model provider was traced');
    assert.deepEqual(inet.filter((l) => !l.includes(mock)), [], 'a connection other than the model provider');
    assert.ok(!lines.some((l) => /nscd|:53\b|htons\(53\)/.test(l)), 'a name lookup');
  } finally {
    assert.equal((await q.stop()).code, 0);
  }
});
