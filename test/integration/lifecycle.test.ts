import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../support/daemon.js';

/** Any formatDuration output (42s, 1m, 1m05s, 1h02m): a run past a minute must not fail. */
const DURATION = String.raw`\d+(h\d\dm|m(\d\ds)?|s)`;

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
});
afterAll(() => d.dispose());

describe('a whole session through fragctl', () => {
  it('starts, builds context, logs work, completes a task and ends', async () => {
    expect((await d.json(['project', 'create', 'FRAG', 'Fragments'])).code).toBe(0);
    expect((await d.json(['sprint', 'create', '1', 'First', '--project', 'FRAG'])).body.sprint.code).toBe('SPRINT-1');
    await d.json(['task', 'create', 'T-01', 'Login form', '--sprint', '1', '--estimate', '1h30m']);
    await d.json(['task', 'create', 'T-01a', 'Validation', '--parent', 'T-01']);

    const start = await d.json(['session', 'start']);
    expect(start.code).toBe(0);
    expect(start.body.session.key).toBe('SESSION-001');
    expect(start.body.instructions.suggested_commands.length).toBeGreaterThan(0);

    const second = await d.json(['session', 'start']);
    expect(second.code).toBe(5);
    expect(second.body.error.data.active_session).toBe('SESSION-001');
    expect(second.body.error.message).toMatch(/already has an active session/);

    const act = await d.json(['task', 'activate', 'T-01']);
    expect(act.body.stack.map((f: any) => f.code)).toEqual(['FRAG', 'SPRINT-1', 'T-01']);
    expect(act.body.task.status).toBe('in_progress');
    expect(act.body.task.delegation_status).toBe('assigned');

    const sub = await d.json(['task', 'activate', 'T-01a']);
    expect(sub.body.stack.map((f: any) => `${f.type}:${f.code}`)).toEqual([
      'project:FRAG',
      'sprint:SPRINT-1',
      'task:T-01',
      'subtask:T-01a',
    ]);

    const upd = await d.json(['update', 'wrote the validator']);
    expect(upd.body.activity.context).toMatchObject({ task: 'T-01', subtask: 'T-01a' });
    // completion is gated (issue 4): at least two context updates on the task
    await d.json(['update', 'validator covers empty input']);

    const pop = await d.json(['task', 'deactivate', '--summary', 'validator done and tested', '--complete']);
    expect(pop.body.task.code).toBe('T-01a');
    expect(pop.body.task.status).toBe('completed');
    expect(pop.body.stack.map((f: any) => f.code)).toEqual(['FRAG', 'SPRINT-1', 'T-01']);

    await d.json(['update', 'form wired up']);
    const status = await d.json(['status']);
    expect(status.body.session.counters.updates).toBe(3);
    expect(status.body.recent).toHaveLength(5);
    expect(status.body.instructions).toBeUndefined();

    const pause = await d.json(['session', 'pause', '--reason', 'lunch']);
    expect(pause.body.session.status).toBe('paused');
    const resume = await d.json(['session', 'resume', 'SESSION-001']);
    expect(resume.body.session.status).toBe('active');
    expect(typeof resume.body.interrupted_seconds).toBe('number');

    const hist = await d.json(['session', 'history']);
    expect(hist.body.context.map((h: any) => `${h.action}:${h.code}`)).toEqual([
      'push:FRAG',
      'push:SPRINT-1',
      'push:T-01',
      'push:T-01a',
      'pop:T-01a',
    ]);

    const end = await d.json(['session', 'end', '--summary', 'login form nearly done']);
    expect(end.body.session.status).toBe('completed');
    const list = await d.json(['session', 'list', '--status', 'completed']);
    expect(list.body.sessions.map((s: any) => s.key)).toEqual(['SESSION-001']);
    const next = await d.json(['session', 'start']);
    expect(next.body.session.key).toBe('SESSION-002');
  });

  it('prints readable text without --json', async () => {
    const r = await d.fragctl(['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/SESSION-002 {2}active/);
    const short = await d.fragctl(['status', '--short']);
    expect(short.stdout.trim()).toMatch(new RegExp(`^SESSION-002 · ${DURATION}$`));
  });

  it('exits with documented codes for unknown codes and bad usage', async () => {
    const missing = await d.json(['task', 'activate', 'NOPE-1']);
    expect(missing.code).toBe(4);
    expect(missing.body.error.data).toMatchObject({ error: 'not_found', code: 'NOPE-1' });
    const usage = await d.fragctl(['task', 'frobnicate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/error:/);
  });
});
