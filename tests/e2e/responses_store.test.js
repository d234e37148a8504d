// Stored responses: item_reference and previous_response_id resolve, across
// a restart and a kill -9; store:false keeps nothing; unknown ids are 400s
// that name them; the store stays within its bound.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { startProxy, startMockModelServer, post, assertErrorEnvelope, tmpdir } = require('./harness');

// The turns codex was given, from the transcript in its prompt.
function transcript(mock) {
  const text = mock.lastUserText();
  const at = text.indexOf('\n\n[');
  return at < 0 ? [{ role: 'user', content: text }] : JSON.parse(text.slice(at + 2));
}

test('previous_response_id and item_reference resolve, across a restart and a kill -9', async () => {
  const mock = await startMockModelServer();
  const stateDir = path.join(tmpdir('codex-state-'), 'state');
  let p = await startProxy({}, { mock, stateDir });
  let first;
  try {
    mock.script = () => ({ text: 'Paris.' });
    first = await (await post(p, '/v1/responses', { model: 'gpt-5.2', input: 'Capital of France?', instructions: 'Be brief.' })).json();
    assert.match(first.id, /^resp_[0-9a-f]{24}$/);
    mock.script = () => ({ text: 'About 2.1 million.' });
    const r = await post(p, '/v1/responses', { model: 'gpt-5.2', previous_response_id: first.id, input: 'Its population?' });
    assert.equal(r.status, 200);
    assert.deepEqual(transcript(mock).map((t) => [t.role, t.content]), [
      ['user', 'Capital of France?'], ['assistant', 'Paris.'], ['user', 'Its population?']]);
  } finally {
    p.proc.kill('SIGKILL');  // no orderly shutdown: the store must not care
    await p.exited;
  }
  p = await startProxy({}, { mock, stateDir });
  try {
    mock.script = () => ({ text: 'ok' });
    const msgId = first.output[0].id;
    const r = await post(p, '/v1/responses', { model: 'gpt-5.2', stream: true,
      input: [{ role: 'user', content: 'Capital of France?' }, { type: 'item_reference', id: msgId }, { role: 'user', content: 'Sure?' }] });
    assert.equal(r.status, 200);
    await r.text();
    assert.deepEqual(transcript(mock).map((t) => [t.role, t.content]), [
      ['user', 'Capital of France?'], ['assistant', 'Paris.'], ['user', 'Sure?']]);
  } finally {
    assert.equal((await p.stop()).code, 0);
    await mock.close();
  }
});

test('store:false keeps nothing; unknown ids are 400s that name them, without a codex run', async () => {
  const p = await startProxy({});
  try {
    p.mock.script = () => ({ text: 'not kept' });
    const r1 = await (await post(p, '/v1/responses', { model: 'm', input: 'x', store: false })).json();
    const seen = p.mock.requests.length;
    let r = await post(p, '/v1/responses', { model: 'm', input: 'y', previous_response_id: r1.id });
    assert.equal(r.status, 400);
    let e = await r.json();
    assertErrorEnvelope(e, 'previous_response_not_found');
    assert.equal(e.error.param, 'previous_response_id');
    assert.ok(e.error.message.includes(r1.id));
    r = await post(p, '/v1/responses', { model: 'm', input: [{ type: 'item_reference', id: r1.output[0].id }] });
    assert.equal(r.status, 400);
    e = await r.json();
    assertErrorEnvelope(e, 'item_not_found');
    assert.equal(e.error.param, 'input[0].id');
    assert.ok(e.error.message.includes(r1.output[0].id));
    assert.equal(p.mock.requests.length, seen);
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
});

test('the store keeps within its byte bound, oldest first', async () => {
  const p = await startProxy({ CODEX_PROXY_RESPONSES_MAX_MB: '1' });
  try {
    const big = 'x'.repeat(400 * 1024);
    p.mock.script = () => ({ text: 'ok' });
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await (await post(p, '/v1/responses', { model: 'm', input: big + i })).json()).id);
    const status = async (id) => (await post(p, '/v1/responses', { model: 'm', input: 'z', previous_response_id: id })).status;
    assert.equal(await status(ids[0]), 400, 'the oldest was evicted');
    assert.equal(await status(ids[3]), 200, 'the newest is kept');
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
});
