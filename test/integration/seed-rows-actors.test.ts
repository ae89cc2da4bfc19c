// Issue 26's small rows: notes on the sprint or project while a task is active
// (note --on), the actors list (actors.list, fragctl actors), and the history-based
// estimates in `sprint show` and in the re-estimate prompt's answer. The history is
// estimates-history.test.ts's: five completed "parser" tasks took 30, 40, 50, 60 and 100
// minutes (median 50) and the person runs 20% over (6 tasks), so a parser task is 60 min.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FragClient } from '../../client/lib/client.js';
import { startDaemon, type TestDaemon } from '../support/daemon.js';
import { fragctlInPty } from '../support/pty.js';

const MIN = 60_000;
const T0 = Date.parse('2026-06-01T08:00:00Z');
const HISTORY: [code: string, title: string, actual: number, estimate: number][] = [
  ['H-1', 'lexer for numbers', 30, 25],
  ['H-2', 'lexer for strings', 40, 40],
  ['H-3', 'grammar rules', 50, 50],
  ['H-4', 'error recovery', 60, 50],
  ['H-5', 'parse tree printer', 100, 80],
];

let d: TestDaemon;
let c: FragClient;

async function work(minutes: number, actor?: string) {
  for (let m = 0; m < minutes; m += 5) {
    await c.call('debug.clock', { advance_ms: 5 * MIN, ticking: true });
    await c.call('heartbeat', {});
    if (actor) await c.call('heartbeat', { actor });
  }
}

async function complete(code: string, minutes: number) {
  await c.call('task.activate', { code });
  await work(minutes);
  await c.call('activity.update', { message: `worked through ${code} step one` });
  await c.call('activity.update', { message: `worked through ${code} step two` });
  await c.call('task.complete', { code, summary: `${code} done and tested on the samples` });
}

beforeAll(async () => {
  d = await startDaemon({ FRAGD_TEST_CLOCK: String(T0) });
  c = await d.client();
  for (const [code, title, , estimate] of HISTORY)
    await c.call('task.create', { code, title, labels: ['parser'], estimate_minutes: estimate });
  await c.call('task.create', { code: 'U-1', title: 'release notes', labels: ['docs'], estimate_minutes: 8 });
  await c.call('session.start', {});
  for (const [code, , actual] of HISTORY) await complete(code, actual);
  await complete('U-1', 10);
  await c.call('project.create', { code: 'LANG', title: 'the language' });
  await c.call('sprint.create', { code: '2', title: 'more parsing', project: 'LANG' });
  await c.call('task.create', { code: 'S-1', title: 'string escapes', sprint: '2', labels: ['parser'] });
  await c.call('task.create', { code: 'S-2', title: 'unicode identifiers', sprint: '2', estimate_minutes: 60 });
  await c.call('task.create', { code: 'S-3', title: 'office plants', sprint: '2' });
});
afterAll(async () => {
  c?.close();
  await d?.dispose();
});

describe('sprint show with estimates from history', () => {
  it('suggests for open tasks without an estimate and forecasts the open work at the actor’s rate', async () => {
    const r = await c.call('sprint.show', { code: '2' });
    const byCode = new Map(r.spend.tasks.map((t) => [t.code, t]));
    expect(byCode.get('S-1')!.suggestion).toEqual({
      minutes: 60,
      basis: 'median of 5 similar tasks: 50m; you run 20% over (6 of your tasks) → 1h00m',
    });
    expect(byCode.get('S-2')!.suggestion).toBeUndefined();
    expect(byCode.get('S-3')!.suggestion).toBeNull();
    // 60 estimated + 60 suggested; the estimate scaled by 1.2 (72) + the suggestion (already scaled).
    expect(r.spend.history).toEqual({
      open_tasks: 3,
      suggested: 1,
      remaining_minutes: 120,
      forecast_minutes: 132,
      basis:
        '3 open tasks: 2h00m left (1 estimated from history); 1 without any estimate; you run 20% over (6 tasks) → 2h12m',
    });
    const cli = await d.fragctl(['sprint', 'show', '2']);
    expect(cli.stdout).toContain('S-1: estimate ~1h00m (from history)');
    expect(cli.stdout).toContain('open work: 3 open tasks: 2h00m left');
  });
});

describe('note --on', () => {
  it('files a note on the sprint or the project while a task is active, and sprint/project show list it', async () => {
    await c.call('task.activate', { code: 'S-2' });
    const onSprint = await d.fragctl(['note', '--on', 'sprint', 'demo moved to Thursday']);
    expect(onSprint.stdout).toMatch(/^note added on SPRINT-2/);
    const onProject = await d.json(['note', '--on', 'project', 'the grammar is frozen until v2']);
    expect(onProject.body.activity.context).toEqual({ project: 'LANG', sprint: null, task: null, subtask: null });
    const onTask = await c.call('activity.note', { message: 'identifiers follow UAX 31', on: 'task' });
    expect(onTask.activity.context).toMatchObject({ sprint: 'SPRINT-2', task: 'S-2' });
    const plain = await c.call('activity.note', { message: 'a plain note' });
    expect(plain.activity.context.task).toBe('S-2');

    const sprint = await c.call('sprint.show', { code: '2' });
    expect(sprint.notes!.map((n) => n.message)).toEqual(['demo moved to Thursday']);
    expect(sprint.notes![0].context).toEqual({ project: 'LANG', sprint: 'SPRINT-2', task: null, subtask: null });
    expect((await c.call('project.show', { code: 'LANG' })).notes!.map((n) => n.message)).toEqual([
      'the grammar is frozen until v2',
    ]);
    // The task's own notes stay the task's.
    const task = await c.call('task.show', { code: 'S-2' });
    expect(task.updates.map((u) => u.message)).toEqual(['identifiers follow UAX 31', 'a plain note']);
    const shown = await d.fragctl(['sprint', 'show', '2']);
    expect(shown.stdout).toMatch(/notes:\n\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+demo moved to Thursday/);
  });

  it('is refused with the way out when nothing of that kind is active', async () => {
    await c.call('task.deactivate', {});
    await c.call('context.clear', {});
    await c.call('task.activate', { code: 'S-3' });
    await c.call('task.deactivate', {});
    await c.call('context.clear', {});
    await c.call('task.create', { code: 'L-1', title: 'loose end' });
    await c.call('task.activate', { code: 'L-1' });
    const r = await d.fragctl(['note', '--on', 'sprint', 'nothing to hang it on']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(
      /no active sprint in SESSION-\d+ to note on; make one active first \(fragctl sprint activate CODE\)/,
    );
    const bad = await d.fragctl(['note', '--on', 'week', 'x']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Choices: "task", "sprint", "project"/);
    await c.call('task.deactivate', {});
  });
});

describe('the re-estimate prompt uses history', () => {
  it('a task far over its estimate says what similar completed tasks took', async () => {
    await c.call('task.create', { code: 'R-1', title: 'number literals', labels: ['parser'], estimate_minutes: 10 });
    await c.call('task.activate', { code: 'R-1' });
    await work(20);
    const r = await c.call('task.deactivate', {});
    expect(r.estimate_check).toMatchObject({ task: 'R-1', needs_new_estimate: true });
    expect(r.estimate_check!.history).toEqual({
      minutes: 60,
      basis: 'median of 5 similar tasks: 50m; you run 20% over (6 of your tasks) → 1h00m',
    });
    expect(r.instructions.next_actions).toContain(
      'Similar completed tasks: median of 5 similar tasks: 50m; you run 20% over (6 of your tasks) → 1h00m.',
    );
  });

  it("fragctl's prompt in a terminal shows it before asking for the new estimate", async () => {
    await c.call('task.create', { code: 'R-2', title: 'float literals', labels: ['parser'], estimate_minutes: 10 });
    await c.call('task.activate', { code: 'R-2' });
    await work(20);
    const r = await fragctlInPty(
      d,
      [
        { expect: 'R-2 took 20 min against an estimate of 10 min \\(\\+100%\\)\\.' },
        // (The terminal wraps the rest of the line: its text is checked in the answer above.)
        { expect: 'Similar tasks: median of 5 similar tasks' },
        { expect: 'New estimate' },
        { send: '60\r' },
        { expect: 'estimate of R-2 set to 60 min' },
      ],
      ['task', 'deactivate'],
    );
    expect(r.code, r.out).toBe(0);
    expect((await c.call('task.show', { code: 'R-2' })).task.estimate_minutes).toBe(60);
  });
});

describe('actors', () => {
  it('lists the person and each agent with kind, sessions, time and last seen, equal to report --by actor', async () => {
    await c.call('session.start', { actor: 'claude' });
    await c.call('task.activate', { code: 'S-3', actor: 'claude' });
    await work(15, 'claude');
    const r = await c.call('actors.list', {});
    expect(r.actors.map((a) => [a.actor, a.kind])).toEqual([
      ['human', 'human'],
      ['claude', 'agent'],
    ]);
    const report = await c.call('report', { by: 'actor', since: r.since, until: r.until });
    for (const a of r.actors) {
      const row = report.rows.find((x) => x.key === a.actor)!;
      expect(a.seconds).toBe(row.seconds);
      expect(a.tokens).toEqual(row.tokens);
    }
    expect(r.actors.reduce((s, a) => s + a.seconds, 0)).toBe(r.total_seconds);
    const claude = r.actors.find((a) => a.actor === 'claude')!;
    expect(claude.seconds).toBe(15 * 60);
    expect(claude.sessions).toBe(1);
    expect(claude.now).toMatchObject({ status: 'active', task: 'S-3' });
    expect(Date.parse(claude.last_seen)).toBe(T0 + (290 + 20 + 20 + 15) * MIN);
    expect(r.actors[0].sessions).toBe(1);

    const agents = await c.call('actors.list', { kind: 'agent' });
    expect(agents.actors.map((a) => a.actor)).toEqual(['claude']);
    const onSprint = await c.call('actors.list', { sprint: '2' });
    expect(onSprint.actors.find((a) => a.actor === 'claude')!.seconds).toBe(15 * 60);
    // A day before anyone worked: nobody.
    expect((await c.call('actors.list', { since: '2026-05-01', until: '2026-05-02' })).actors).toEqual([]);

    const cli = await d.fragctl(['actors']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^actor\s+kind\s+sessions\s+time\s+tokens\s+cost\s+last seen\s+now$/m);
    expect(cli.stdout).toMatch(
      /^claude\s+agent\s+1\s+15m\s+-\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+active on S-3 \(SESSION-\d+\)$/m,
    );
    const none = await d.fragctl(['actors', '--since', '2026-05-01', '--until', '2026-05-02']);
    expect(none.stdout).toMatch(/no actor worked between 2026-05-01 and 2026-05-02/);
  });
});
