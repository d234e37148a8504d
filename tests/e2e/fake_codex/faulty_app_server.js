#!/usr/bin/env node
// A `codex app-server` stand-in for tests/e2e/app_server_faults.test.js: it
// speaks the app-server's JSON-RPC over stdio (one JSON object a line, as
// `codex app-server generate-json-schema` of the pinned CLI describes it),
// or fails in the way named by the file `mode` beside it. The mode is read
// when the server starts (for `no_initialize`) and at every turn/start (for
// the rest), so a test picks the fault of each request. Every process it
// runs carries the name of its folder in its argv (the script's own path),
// the marker by which the test finds what is left behind.
//
//   answer            a normal turn: the file `answer`, in two deltas
//   crash             dies of SIGSEGV mid-turn, after one delta
//   no_initialize     never answers `initialize`
//   non_json          prints lines that are not JSON mid-turn, then stays
//   flood             sends notifications without end mid-turn, never completes
//   ignores_interrupt starts the turn, sends one delta, then ignores
//                     everything, `turn/interrupt` included
//   grows             answers, but keeps 48 MiB more after every turn
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const here = path.dirname(process.argv[1]);
const mode = () => fs.readFileSync(path.join(here, 'mode'), 'utf8').trim();

if (!process.argv.includes('app-server')) {
  process.stderr.write(`faulty_app_server: run as "${process.argv.slice(2).join(' ')}", not as app-server\n`);
  process.exit(2);
}

let deaf = false;  // ignores_interrupt: nothing more is read
let seq = 0;
const kept = [];   // grows: what it never gives back
const startMode = mode();
if (startMode === 'no_initialize') setInterval(() => {}, 1 << 30);  // hung, whatever stdin does

function send(obj) {
  return process.stdout.write(`${JSON.stringify(obj)}\n`);
}
const notify = (method, params) => send({ method, params });

function turnItems(threadId, turnId, text) {
  const itemId = `msg_${++seq}`;
  notify('item/started', { threadId, turnId, item: { type: 'agentMessage', id: itemId, text: '' } });
  const half = Math.floor(text.length / 2);
  for (const delta of [text.slice(0, half), text.slice(half)])
    notify('item/agentMessage/delta', { threadId, turnId, itemId, delta });
  const item = { type: 'agentMessage', id: itemId, text };
  notify('item/completed', { threadId, turnId, item });
  const usage = { totalTokens: 7, inputTokens: 5, cachedInputTokens: 0, outputTokens: 2, reasoningOutputTokens: 0 };
  notify('thread/tokenUsage/updated', { threadId, turnId, tokenUsage: { total: usage, last: usage, modelContextWindow: 1000 } });
  return [item];
}

function completeTurn(threadId, turnId, status, items = []) {
  notify('turn/completed', { threadId, turn: { id: turnId, items, status, error: null } });
}

// Notifications as fast as the reader takes them, for ever.
function flood(threadId) {
  for (;;) {
    if (!notify('thread/status/changed', { threadId, status: { type: 'active', activeFlags: [] } })) {
      process.stdout.once('drain', () => flood(threadId));
      return;
    }
  }
}

function startTurn(msg) {
  const threadId = msg.params && msg.params.threadId;
  const turnId = `turn_${++seq}`;
  const m = mode();
  send({ id: msg.id, result: { turn: { id: turnId, items: [], status: 'inProgress', error: null } } });
  notify('turn/started', { threadId, turn: { id: turnId, items: [], status: 'inProgress', error: null } });
  const partial = () => {
    notify('item/started', { threadId, turnId, item: { type: 'agentMessage', id: 'msg_partial', text: '' } });
    notify('item/agentMessage/delta', { threadId, turnId, itemId: 'msg_partial', delta: 'partial ' });
  };
  switch (m) {
    case 'crash':
      partial();
      // Let the lines reach the reader first, then die as a crash does.
      process.stdout.write('', () => process.kill(process.pid, 'SIGSEGV'));
      return;
    case 'non_json':
      partial();
      process.stdout.write('this is not JSON\n\u0000\u00ff{"method":\n{{{{\n');
      return;
    case 'flood':
      flood(threadId);
      return;
    case 'ignores_interrupt':
      partial();
      deaf = true;
      setInterval(() => {}, 1 << 30);  // alive whatever stdin does
      return;
    case 'grows': {
      const b = Buffer.alloc(48 << 20, 1);  // filled, so resident
      kept.push(b);
      break;
    }
    default:
      break;
  }
  const items = turnItems(threadId, turnId, fs.readFileSync(path.join(here, 'answer'), 'utf8'));
  completeTurn(threadId, turnId, 'completed', items);
}

function handle(msg) {
  if (deaf || !msg || typeof msg !== 'object') return;
  if (msg.method === undefined) return;  // a response to a request of ours
  switch (msg.method) {
    case 'initialize':
      if (startMode === 'no_initialize') {
        deaf = true;
        return;
      }
      send({ id: msg.id, result: { userAgent: 'faulty_app_server/0.0.0', codexHome: process.env.CODEX_HOME || '' } });
      return;
    case 'thread/start':
      send({ id: msg.id, result: { thread: { id: `thread_${++seq}`, ephemeral: true, status: { type: 'idle' } } } });
      return;
    case 'turn/start':
      startTurn(msg);
      return;
    case 'turn/interrupt': {
      send({ id: msg.id, result: {} });
      const p = msg.params || {};
      completeTurn(p.threadId, p.turnId, 'interrupted');
      return;
    }
    case 'thread/unsubscribe':
      send({ id: msg.id, result: {} });
      return;
    case 'account/rateLimits/read':
      // What codex 0.169 answers for an API-key login: no usage windows.
      send({ id: msg.id, error: { code: -32600, message: 'chatgpt authentication required to read rate limits' } });
      return;
    default:
      // Notifications (initialized) need no answer; any other request is
      // unknown here, and gets the error a real server gives one.
      if (msg.id !== undefined) send({ id: msg.id, error: { code: -32600, message: `Invalid request: unknown variant \`${msg.method}\`` } });
  }
}

let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  for (let i; (i = buf.indexOf('\n')) >= 0;) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    let msg = null;
    try { msg = JSON.parse(line); } catch { /* ignored, as a server would answer a parse error */ }
    handle(msg);
  }
});
// Like the real server: stdin closed is the end.
process.stdin.on('end', () => { if (!deaf && startMode !== 'no_initialize') process.exit(0); });
