// Streaming as the model writes (issue 12, point 4). The scripted model
// writes its answer in N pieces with pauses between them; the client notes
// how many pieces the model had sent when the first content event reached
// it (an order of events, not a timing). With the app-server backend that
// is before the last piece: Chat `delta.content` and Responses
// `response.output_text.delta` leave the proxy as codex emits them. With
// the exec backend it is after the last piece, in one event: `codex exec
// --json` reports a message only once it is complete. This suite runs under
// both backends (tests/CMakeLists.txt), so the contrast is a test.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startProxy, post, backend } = require('./harness');

const PIECES = ['The ', 'answer ', 'arrives ', 'as ', 'the ', 'model ', 'writes ', 'it, ', 'piece ', 'by piece.'];
const PAUSE_MS = 150;
const TEXT = PIECES.join('');
const appServer = backend() === 'app-server';
let p;

before(async () => {
  p = await startProxy({});
  p.mock.script = () => ({ text: TEXT, deltas: PIECES, pauseMs: PAUSE_MS });
});
after(async () => {
  if (p) assert.equal((await p.stop()).code, 0);
});

// Reads an SSE response as it comes. For each event with content (what
// contentOf returns), notes the model's progress at that moment: how many
// pieces the drip of this request had sent.
async function readStream(res, dripIndex, contentOf) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const seen = [];  // { text, sentBefore }
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    for (let i; (i = buf.indexOf('\n\n')) >= 0;) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (!data || data === '[DONE]') continue;
      const text = contentOf(JSON.parse(data));
      if (!text) continue;
      const drip = p.mock.drips[dripIndex];
      assert.ok(drip, 'content reached the client before the model was asked');
      seen.push({ text, sentBefore: drip.sent });
    }
  }
  return seen;
}

function assertStreamedOrWhole(seen, api) {
  assert.equal(seen.map((s) => s.text).join(''), TEXT, `${api}: the streamed content is the answer`);
  const first = seen[0].sentBefore;
  if (appServer) {
    assert.ok(first < PIECES.length,
      `${api}: the first content event arrived after the model had sent ${first} of ${PIECES.length} pieces; it must come before the last`);
    assert.ok(seen.length > 1, `${api}: the answer arrived in ${seen.length} content event(s)`);
  } else {
    // Today's exec behaviour, kept as a test so that the contrast is one.
    assert.equal(first, PIECES.length, `${api}: with codex exec the first content comes once the model has finished`);
    assert.equal(seen.length, 1, `${api}: with codex exec the answer arrives in one content event`);
  }
}

test(`chat completions: delta.content ${appServer ? 'arrives while the model writes' : 'arrives whole at the end (exec)'}`, async () => {
  const dripIndex = p.mock.drips.length;
  const res = await post(p, '/v1/chat/completions', { model: 'm', stream: true, messages: [{ role: 'user', content: 'stream please' }] });
  assert.equal(res.status, 200);
  const seen = await readStream(res, dripIndex, (d) => d.choices && d.choices[0] && d.choices[0].delta && d.choices[0].delta.content);
  assertStreamedOrWhole(seen, 'chat');
});

test(`responses: response.output_text.delta ${appServer ? 'arrives while the model writes' : 'arrives whole at the end (exec)'}`, async () => {
  const dripIndex = p.mock.drips.length;
  const res = await post(p, '/v1/responses', { model: 'm', stream: true, input: 'stream please' });
  assert.equal(res.status, 200);
  const seen = await readStream(res, dripIndex, (d) => d.type === 'response.output_text.delta' && d.delta);
  assertStreamedOrWhole(seen, 'responses');
});
