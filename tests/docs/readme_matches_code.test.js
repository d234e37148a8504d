// README's lists that the code must agree with: the error codes the
// supervisor can send, and the CODEX_PROXY_* settings it reads. A code or a
// setting added without its line in README (or a line left after its code
// is gone) fails here.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const read = (p) => fs.readFileSync(path.join(root, p), 'utf8');
const readme = read('README.md');
// Every .cpp below dir, its layer folders included.
const sources = (dir) => fs.readdirSync(path.join(root, dir), { recursive: true })
  .filter((f) => f.endsWith('.cpp')).sort()
  .map((f) => ({ file: `${dir}/${f}`, text: read(`${dir}/${f}`) }));

const literals = (s) => [...s.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);

// The arguments of the call whose '(' is at open, split at top-level commas
// (string literals and nested parentheses kept whole).
function callArgs(text, open) {
  const args = [];
  let depth = 0, cur = '';
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      cur += text.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '(') { if (depth++ === 0) continue; }
    if (c === ')') { if (--depth === 0) { args.push(cur.trim()); return args; } }
    if (c === ',' && depth === 1) { args.push(cur.trim()); cur = ''; continue; }
    cur += c;
  }
  throw new Error('unbalanced call');
}

function emittedCodes() {
  const codes = new Set();
  for (const { file, text } of sources('supervisor')) {
    for (const m of text.matchAll(/\bcode\s*=\s*"([a-z_]+)"/g)) codes.add(m[1]);
    // The fallback code of an error event: e.code ? e.code : "server_error".
    for (const m of text.matchAll(/code\s*\?\s*[\w.>-]+\s*:\s*"([a-z_]+)"/g)) codes.add(m[1]);
    for (const m of text.matchAll(/(\w+\s+)?api_error_invalid\(/g)) {
      if (m[1] && /ApiError/.test(m[1])) continue;  // the definition
      const args = callArgs(text, m.index + m[0].length - 1);
      if (args.length < 3) continue;  // no code: JSON null
      const found = literals(args[2]);
      const line = text.slice(0, m.index).split('\n').length;
      assert.ok(found.length, `${file}:${line}: the code of this error is not a string literal, so this test cannot see it`);
      found.forEach((c) => codes.add(c));
    }
  }
  return codes;
}

function documentedCodes() {
  const start = readme.indexOf('Codes you can meet:');
  const end = readme.indexOf('Mid-stream', start);
  assert.ok(start > 0 && end > start, "README's list of error codes ('Codes you can meet: … Mid-stream') is missing");
  return new Set([...readme.slice(start, end).matchAll(/`([a-z_]+)`/g)].map((m) => m[1]));
}

test("README lists exactly the error codes the supervisor sends", () => {
  const emitted = emittedCodes(), documented = documentedCodes();
  assert.ok(emitted.has('executor_lost') && emitted.has('invalid_json'), 'the scan of supervisor/ found too little');
  assert.deepEqual([...emitted].filter((c) => !documented.has(c)).sort(), [], 'sent but not in README');
  assert.deepEqual([...documented].filter((c) => !emitted.has(c)).sort(), [], 'in README but never sent');
});

test("README's configuration table has every CODEX_PROXY_* setting config.cpp reads, and no other", () => {
  const read = new Set([...read_config().matchAll(/"(CODEX_PROXY_[A-Z_]+)"/g)].map((m) => m[1]));
  const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Endpoints'));
  const documented = new Set([...table.matchAll(/^\| `(CODEX_PROXY_[A-Z_]+)` \|/gm)].map((m) => m[1]));
  assert.ok(read.size > 20, 'the scan of common/config.cpp found too little');
  assert.deepEqual([...read].filter((n) => !documented.has(n)).sort(), [], 'read but not in the table');
  assert.deepEqual([...documented].filter((n) => !read.has(n)).sort(), [], 'in the table but never read');
});

function read_config() { return read('common/config.cpp'); }
