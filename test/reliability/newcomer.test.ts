// Issue 9, item 9: what a newcomer tripped on, each tried for real.
//  - Ctrl-C (or end of input) at a prompt cancels and changes nothing: before, Ctrl-C at
//    `session end`'s final-note prompt ended the session.
//  - A malformed plan never starts a daemon, and a JSON plan gets a JSON error: before,
//    fragctl started fragd and fragd answered with a YAML parser's message.
//  - Writing into a closed pipe exits quietly: before, an EPIPE stack trace and exit 1.
//  - `fragctl done` with nothing active says how to finish a task, not how to validate one.
//  - The HTTP 401 answer does not tell an unauthenticated caller where the token file is.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FragClient } from '../../client/lib/client.js';
import { FRAGCTL, startDaemon, TestDaemon, tempHome } from '../support/daemon.js';
import { fragctlInPty as inPty } from '../support/pty.js';
import { scale } from './scale.js';

/** Runs `fragctl ARGS` in /bin/sh with its stdout piped into `reader`; fragctl's exit status and stderr. */
function intoPipe(d: TestDaemon, args: string[], reader: string): { status: number; stderr: string } {
  const dir = d.home;
  const r = spawnSync(
    '/bin/sh',
    ['-c', `{ "$NODE" "$FRAGCTL" "$@" 2>"$DIR/pipe.err"; echo $? >"$DIR/pipe.status"; } | ${reader}`, 'sh', ...args],
    { env: { ...d.env, NODE: process.execPath, FRAGCTL, DIR: dir }, encoding: 'utf8' },
  );
  expect(r.status).toBe(0);
  return {
    status: Number(readFileSync(join(dir, 'pipe.status'), 'utf8').trim()),
    stderr: readFileSync(join(dir, 'pipe.err'), 'utf8'),
  };
}

let d: TestDaemon;
let c: FragClient;
beforeAll(async () => {
  d = await startDaemon({}, { http: { enabled: true, port: 0 } });
  c = await d.client();
});
afterAll(async () => {
  c?.close();
  await d?.dispose();
});

/** A new session for the human, ending one a failed test may have left open. */
async function freshSession(): Promise<string> {
  const open = (await c.call('session.list', { actor: 'human', status: 'active' })).sessions;
  for (const s of open) await c.call('session.end', { session: s.key });
  return (await c.call('session.start', { actor: 'human', source: 'cli' })).session.key;
}

describe('prompts', () => {
  it.each([
    ['Ctrl-C', '\x03'],
    ['end of input (Ctrl-D)', '\x04'],
  ])('%s at the final-note prompt of session end: cancelled, the session still runs', async (_name, keys) => {
    const key = await freshSession();
    const r = await inPty(d, [{ expect: 'Final note for' }, { send: 'half a no' }, { send: keys }], ['session', 'end']);
    expect(r.out).toContain('cancelled: nothing was changed');
    expect(r.code).toBe(130);
    const s = await c.call('session.status', { session: key });
    expect(s.session.status).toBe('active');
    expect(s.session.ended_at).toBeNull();
  });

  it('Ctrl-C at a blocked completion: cancelled, the task stays open', async () => {
    const key = await freshSession();
    await c.call('task.create', { code: 'NC-1', title: 'newcomer task' });
    await c.call('task.activate', { session: key, code: 'NC-1' });
    const r = await inPty(d, [{ expect: 'What now for NC-1' }, { send: '\x03' }], ['done']);
    expect(r.out).toContain('cancelled: nothing was changed');
    expect(r.code).toBe(130);
    expect((await c.call('task.show', { code: 'NC-1' })).task.status).toBe('in_progress');
    expect((await c.call('session.status', { session: key })).session.stack.map((f) => f.code)).toContain('NC-1');
  });
});

describe('plan files', () => {
  it('a malformed plan starts no daemon; a JSON plan gets a JSON error with line and column', async () => {
    const home = tempHome();
    // Auto-start allowed: only the check before connecting keeps fragd from starting.
    const fresh = new TestDaemon(home, { FRAGMENTS_NO_AUTOSTART: '' });
    const json = join(home, 'plan.json');
    writeFileSync(json, '{\n  "project": {\n    "code": "X",\n    "title": "t",\n  }\n}\n');
    const yaml = join(home, 'plan.yaml');
    writeFileSync(yaml, 'project:\n  code: X\n  title: [unclosed\n');
    const badCode = join(home, 'codes.yaml');
    writeFileSync(badCode, 'sprints:\n  - code: "S; rm -rf ~"\n    title: s\n');
    try {
      const j = await fresh.json(['import', json]);
      expect(j.code).toBe(6);
      expect(j.body.error.message).toMatch(/^.*plan\.json:5:3: invalid JSON: /);
      expect(j.body.error.message).not.toMatch(/YAML|flow collection|Flow/i);
      const y = await fresh.json(['import', yaml]);
      expect(y.code).toBe(6);
      expect(y.body.error.message).toMatch(/plan\.yaml:\d+:\d+: /);
      const b = await fresh.json(['import', badCode]);
      expect(b.code).toBe(6);
      expect(b.body.error.message).toMatch(/codes\.yaml:2:\d+ \(sprints\[0\]\.code\): a code is/);
      expect(existsSync(fresh.paths.socket)).toBe(false);
      expect(existsSync(fresh.paths.db)).toBe(false);
    } finally {
      await fresh.dispose();
    }
  });
});

describe('a closed pipe', () => {
  it('fragctl import … | a reader that is gone, and session history | head -1: quiet, exit 0', async () => {
    const plan = join(d.home, 'pipe-plan.yaml');
    writeFileSync(
      plan,
      'sprints:\n  - code: P-1\n    title: piped\n    tasks:\n      - { code: PT-1, title: piped }\n',
    );
    // `true` exits without reading: fragctl writes its one line into a closed pipe.
    const imported = intoPipe(d, ['import', plan], 'true');
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
    expect((await c.call('task.show', { code: 'PT-1' })).task.title).toBe('piped');

    // A history longer than a pipe's buffer, of which head reads one line.
    const key = (await c.call('session.start', { actor: 'piper', source: 'cli' })).session.key;
    const filler = 'x'.repeat(200);
    for (let i = 0; i < scale(600, 1000); i++)
      await c.call('activity.note', { session: key, message: `${i} ${filler}` });
    const history = intoPipe(d, ['session', 'history', '--session', key], 'head -1 >/dev/null');
    expect(history.stderr).toBe('');
    expect(history.status).toBe(0);
  });
});

describe('messages', () => {
  it('fragctl done with nothing active says how to finish a task', async () => {
    await freshSession();
    const r = await d.json(['done', 'a summary that is long enough to pass']);
    expect(r.code).toBe(5);
    expect(r.body.error.message).toContain('nothing to finish');
    expect(r.body.error.data.hint).toContain('fragctl task activate CODE');
    expect(r.body.error.data.hint).toContain('run done again');
    expect(r.body.error.data.hint).toContain('fragctl task complete CODE');
    expect(r.body.error.data.hint).not.toContain('validate');
  });

  it('the HTTP 401 answer does not name the token file', async () => {
    const port = Number(readFileSync(join(d.home, 'http-port'), 'utf8'));
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'GET', path: '/api/sessions' }, (res) => {
        expect(res.statusCode).toBe(401);
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).toContain('unauthorized');
    expect(body).not.toContain(d.home);
    expect(body).not.toContain('http-token');
  });
});
