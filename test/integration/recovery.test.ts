// An agent-like client does work and is killed (kill -9 of the CLIENT process); a fresh
// client that knows only the session key resumes and finishes the task. Also: what can be
// resumed is listed after the daemon restarts, cleanly or after a crash.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../shared/protocol/version.js';
import { startDaemon, type TestDaemon } from '../support/daemon.js';

// A self-contained agent: raw JSON-RPC over the socket, no fragd code loaded.
const AGENT = `
const net = require('node:net');
const [socket, protocol] = process.argv.slice(1);
const conn = net.connect(socket);
let buf = '', id = 0;
const waiting = new Map();
conn.on('data', (d) => {
  buf += d;
  let nl;
  while ((nl = buf.indexOf('\\n')) !== -1) {
    const msg = JSON.parse(buf.slice(0, nl));
    buf = buf.slice(nl + 1);
    const w = waiting.get(msg.id);
    if (w) { waiting.delete(msg.id); msg.error ? w.reject(new Error(JSON.stringify(msg.error))) : w.resolve(msg.result); }
  }
});
const call = (method, params) => new Promise((resolve, reject) => {
  waiting.set(++id, { resolve, reject });
  conn.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\\n');
});
(async () => {
  await call('daemon.hello', { protocol: Number(protocol), client: 'agent-x' });
  const s = await call('session.start', { actor: 'agent-x', source: 'mcp' });
  const key = s.session.key;
  await call('task.activate', { session: key, code: 'R-1', source: 'mcp' });
  await call('activity.update', { session: key, message: 'read the failing test', source: 'mcp' });
  await call('activity.update', { session: key, message: 'found the off-by-one in the tokenizer', source: 'mcp' });
  process.stdout.write('READY ' + key + '\\n');
  setInterval(() => {}, 1000); // an agent in the middle of its work
})().catch((e) => { process.stderr.write(String(e)); process.exit(1); });
`;

let d: TestDaemon;
let agent: ChildProcess | null = null;
beforeAll(async () => {
  d = await startDaemon();
  await d.json(['sprint', 'create', '1', 'Fixes']);
  await d.json(['task', 'create', 'R-1', 'Fix tokenizer off-by-one', '--sprint', '1']);
  await d.json(['task', 'create', 'R-2', 'Release notes', '--sprint', '1']);
});
afterAll(async () => {
  agent?.kill('SIGKILL');
  await d.dispose();
});

function startAgent(): Promise<{ proc: ChildProcess; key: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['-e', AGENT, d.paths.socket, String(PROTOCOL_VERSION)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (b) => {
      out += b;
      const m = /READY (SESSION-\d+)/.exec(out);
      if (m) resolve({ proc, key: m[1] });
    });
    proc.stderr.on('data', (b) => (err += b));
    proc.on('exit', (code) => reject(new Error(`agent exited ${code}: ${err}`)));
  });
}

describe('an agent that lost its memory needs only the key', () => {
  let key = '';

  it('the agent works, then its process is killed', async () => {
    const a = await startAgent();
    agent = a.proc;
    key = a.key;
    const exited = new Promise((r) => a.proc.once('exit', r));
    a.proc.kill('SIGKILL');
    await exited;
    agent = null;
    expect(key).toMatch(/^SESSION-\d{3}$/);
  });

  it('a fresh client resumes from the key: stack, last activities, last step, time, instructions', async () => {
    const r = await d.json(['session', 'resume', key]);
    expect(r.code).toBe(0);
    const b = r.body;
    expect(b.session).toMatchObject({ key, actor: 'agent-x', status: 'active' });
    expect(b.session.stack.map((f: any) => f.code)).toEqual(['SPRINT-1', 'R-1']);
    expect(b.recent.map((a: any) => a.message)).toContain('found the off-by-one in the tokenizer');
    expect(b.last_step).toMatchObject({ kind: 'update', message: 'found the off-by-one in the tokenizer' });
    expect(typeof b.session.active_seconds).toBe('number');
    expect(b.instructions.next_actions[0]).toMatch(
      new RegExp(`resuming ${key}; the last recorded step was: update: found the off-by-one`),
    );
    expect(b.instructions.context_reminder).toMatch(/task R-1 “Fix tokenizer off-by-one”/);
    expect(b.instructions.context_reminder).toMatch(/active$/);
    expect(b.instructions.suggested_commands).toEqual([
      `fragctl session status --session ${key}`,
      'fragctl task show R-1',
    ]);
    // The update and the summary are the agent's to write: templates, not invented text
    // (done is offered as soon as only the worker's words stand between the task and its gate).
    expect(b.instructions.templates.map((t: { rendered: string }) => t.rendered)).toEqual([
      `fragctl done --session ${key} <summary>`,
      `fragctl update --session ${key} <update>`,
    ]);
    // text for a person at another terminal
    const text = await d.fragctl(['session', 'resume', key]);
    expect(text.stdout).toMatch(/last step: update: found the off-by-one/);
  });

  it('the fresh client finishes the task with the key alone', async () => {
    const r = await d.json(['done', '--session', key, 'fixed the tokenizer bound and added a regression test']);
    expect(r.code, JSON.stringify(r.body)).toBe(0);
    expect(r.body.task).toMatchObject({ code: 'R-1', status: 'completed' });
    expect(r.body.session).toBe(key);
    expect(r.body.instructions.suggested_commands).toEqual([`fragctl task activate --session ${key} R-2`]);
    const hist = (await d.json(['session', 'history', '--session', key])).body.activities.map((a: any) => a.kind);
    expect(hist).toContain('task.complete');
  });

  it('after a clean restart and after a crash of the daemon, session list --status active shows what can be resumed', async () => {
    await d.stop();
    await d.start();
    let list = await d.json(['session', 'list', '--status', 'active']);
    expect(list.body.sessions.map((s: any) => s.key)).toEqual([key]);
    await d.json(['task', 'activate', '--session', key, 'R-2']);
    await d.crash();
    await d.start();
    list = await d.json(['session', 'list', '--status', 'active']);
    expect(list.body.sessions).toHaveLength(1);
    expect(list.body.sessions[0]).toMatchObject({ key, actor: 'agent-x', active: { task: 'R-2' } });
    const r = await d.json(['session', 'resume', key]);
    expect(r.body.session.stack.map((f: any) => f.code)).toEqual(['SPRINT-1', 'R-2']);
    expect(r.body.instructions.context_reminder).toMatch(/task R-2/);
  });
});
