// Stored responses: item_reference and previous_response_id resolve, across
// a restart and a kill -9; store:false keeps nothing; unknown ids are 400s
// that name them; the store stays within its bound.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
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

// Stored responses belong to the key that made them; a client's own item
// ids never stand in for what the proxy returned.
test('another key cannot read or continue a response, nor reach its items', async () => {
  const dir = tmpdir('codex-keys-');
  const file = path.join(dir, 'keys');
  fs.writeFileSync(file, 'sk-tenant-a-000000001\nsk-tenant-b-000000002\n', { mode: 0o600 });
  const a = { authorization: 'Bearer sk-tenant-a-000000001' };
  const b = { authorization: 'Bearer sk-tenant-b-000000002' };
  const p = await startProxy({ CODEX_PROXY_API_KEY_FILE: file });
  try {
    p.mock.script = () => ({ text: 'A secret answer.' });
    const first = await (await post(p, '/v1/responses', { model: 'm', input: 'A private question' }, a)).json();
    const msgId = first.output[0].id;
    const seen = p.mock.requests.length;
    let r = await post(p, '/v1/responses', { model: 'm', input: 'more', previous_response_id: first.id }, b);
    assert.equal(r.status, 400);
    let e = await r.json();
    assertErrorEnvelope(e, 'previous_response_not_found');
    r = await post(p, '/v1/responses', { model: 'm', input: [{ type: 'item_reference', id: msgId }] }, b);
    assert.equal(r.status, 400);
    e = await r.json();
    assertErrorEnvelope(e, 'item_not_found');
    assert.equal(p.mock.requests.length, seen, 'no codex run for another key');
    // The owner still reaches both.
    p.mock.script = () => ({ text: 'ok' });
    r = await post(p, '/v1/responses', { model: 'm', previous_response_id: first.id,
      input: [{ type: 'item_reference', id: msgId }, { role: 'user', content: 'again' }] }, a);
    assert.equal(r.status, 200);
    assert.deepEqual(transcript(p.mock).map((t) => [t.role, t.content]), [
      ['user', 'A private question'], ['assistant', 'A secret answer.'], ['assistant', 'A secret answer.'], ['user', 'again']]);
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
});

test('an input item carrying a minted msg_ id does not hijack what that id resolves to', async () => {
  const p = await startProxy({});
  try {
    p.mock.script = () => ({ text: 'The real answer.' });
    const first = await (await post(p, '/v1/responses', { model: 'm', input: 'q' })).json();
    const msgId = first.output[0].id;
    p.mock.script = () => ({ text: 'ok' });
    // The same id on a client's own message, stored with its response.
    let r = await post(p, '/v1/responses', { model: 'm',
      input: [{ type: 'message', id: msgId, role: 'assistant', content: 'Injected text.' }, { role: 'user', content: 'x' }] });
    assert.equal(r.status, 200);
    await r.json();
    r = await post(p, '/v1/responses', { model: 'm', input: [{ type: 'item_reference', id: msgId }, { role: 'user', content: 'y' }] });
    assert.equal(r.status, 200);
    await r.json();
    assert.deepEqual(transcript(p.mock).map((t) => [t.role, t.content]), [['assistant', 'The real answer.'], ['user', 'y']]);
    // A client's own id, never minted by the proxy, is still found later.
    const own = 'msg_0123456789abcdef01234567';
    r = await post(p, '/v1/responses', { model: 'm', input: [{ type: 'message', id: own, role: 'user', content: 'My own.' }] });
    await r.json();
    r = await post(p, '/v1/responses', { model: 'm', input: [{ type: 'item_reference', id: own }, { role: 'user', content: 'z' }] });
    assert.equal(r.status, 200);
    await r.json();
    assert.deepEqual(transcript(p.mock).map((t) => [t.role, t.content]), [['user', 'My own.'], ['user', 'z']]);
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
});

// One large stored item named thousands of times: the conversation's text is
// counted as references resolve, so the request fails once it passes codex's
// input limit, without copying (or re-reading) the item for every reference.
test('thousands of references to one large item are a prompt over the limit, in bounded memory', async () => {
  const p = await startProxy({});
  const peak = () => {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p.proc.pid}/status`, 'utf8'));
    assert.ok(m, 'VmHWM in /proc/<pid>/status');
    return Number(m[1]) * 1024;
  };
  try {
    const id = 'msg_0123456789abcdef01234567';
    p.mock.script = () => ({ text: 'ok' });
    let r = await post(p, '/v1/responses', { model: 'm', input: [{ type: 'message', role: 'user', id, content: 'x'.repeat(200000) }] });
    assert.equal(r.status, 200);
    await r.json();
    const seen = p.mock.requests.length;
    const before = peak();
    r = await post(p, '/v1/responses', { model: 'm', input: Array(2000).fill({ type: 'item_reference', id }) });
    assert.equal(r.status, 400);
    const e = await r.json();
    assertErrorEnvelope(e, 'context_length_exceeded');
    assert.equal(e.error.param, 'input');
    const grew = peak() - before;
    assert.ok(grew < 64 * 1024 * 1024, `peak RSS grew by ${grew} bytes`);
    assert.equal(p.mock.requests.length, seen, 'no codex run');
    // Under the limit, repeated references all reach codex.
    r = await post(p, '/v1/responses', { model: 'm', input: [...Array(3).fill({ type: 'item_reference', id }), { role: 'user', content: 'q' }] });
    assert.equal(r.status, 200);
    await r.json();
    assert.deepEqual(transcript(p.mock).map((t) => t.content.length), [200000, 200000, 200000, 1]);
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
});
