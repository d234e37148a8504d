// Codex failing on its own: a non-zero exit with something on stderr, and a
// codex that cannot be started. Details go to the log, never to the client.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startProxy, post, parseSse, assertErrorEnvelope, tmpdir, waitFor } = require('./harness');

// The log comes through the proxy's stderr, which may be read after the
// answer that followed it: wait for the line rather than race it.
const logged = (p, re) => waitFor(`a log line matching ${re}`, () => re.test(p.log()));

const chat = (extra = {}) => ({ model: 'm', messages: [{ role: 'user', content: 'x' }], ...extra });

test('codex exiting non-zero is a 502 codex_failed; its stderr reaches the log only', async () => {
  const dir = tmpdir('codex-failing-');
  const bin = path.join(dir, 'codex');
  fs.writeFileSync(bin, '#!/bin/sh\ncat >/dev/null\necho "STDERR-MARKER /secret/path token" >&2\nexit 3\n', { mode: 0o755 });
  const p = await startProxy({ CODEX_BIN: bin });
  try {
    const r = await post(p, '/v1/chat/completions', chat());
    assert.equal(r.status, 502);
    const body = await r.json();
    assertErrorEnvelope(body, 'codex_failed');
    assert.match(body.error.message, /exit status 3/);
    assert.doesNotMatch(JSON.stringify(body), /STDERR-MARKER|secret/);
    await logged(p, /msg="job failed".*outcome=backend_failed exit=3 detail=.*STDERR-MARKER/);
    const s = await post(p, '/v1/chat/completions', chat({ stream: true }));
    assertErrorEnvelope(parseSse(await s.text()).at(-1).data, 'codex_failed');
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
});

test('a codex that cannot be started is a 503 codex_unavailable', async () => {
  const p = await startProxy({ CODEX_BIN: '/nonexistent/codex' });
  try {
    const r = await post(p, '/v1/responses', { model: 'm', input: 'x' });
    assert.equal(r.status, 503);
    assertErrorEnvelope(await r.json(), 'codex_unavailable');
    await logged(p, /outcome=spawn_failed .*cannot run codex: No such file or directory/);
  } finally {
    assert.equal((await p.stop()).code, 0);
  }
});
