// Claims, dependencies and priority, and `next` (docs/claims.md), on the daemon's test clock:
// a second actor is refused with the holder and the ways out; take-over, join and stale
// claims are recorded; a blocked task needs --force; `next` never names a held task.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FragClient } from '../../client/lib/client.js';
import { startDaemon, type TestDaemon } from '../support/daemon.js';

const T0 = Date.parse('2026-05-04T08:00:00Z');
const MIN = 60_000;

let d: TestDaemon;
let c: FragClient;
beforeAll(async () => {
  d = await startDaemon({ FRAGD_TEST_CLOCK: String(T0) }, { claim_stale_seconds: 600 });
  c = await d.client();
  await c.call('project.create', { code: 'P', title: 'project' });
  await c.call('sprint.create', { code: '1', title: 'first', project: 'P' });
  await c.call('sprint.create', { code: '2', title: 'second', project: 'P' });
});
afterAll(async () => {
  c?.close();
  await d?.dispose();
});

const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return err as { code: number; message: string; data: Record<string, any> };
  }
  throw new Error('expected a refusal');
};

describe('claims', () => {
  it('refuses a second actor with the holder, since when, last activity and the ways out (exit 5)', async () => {
    await c.call('task.create', { code: 'C-1', title: 'claimed task', sprint: '1' });
    const a = await c.call('session.start', { actor: 'agent1' });
    await c.call('session.start', { actor: 'agent2' });
    await c.call('task.activate', { actor: 'agent1', code: 'C-1' });
    const err = await refusal(c.call('task.activate', { actor: 'agent2', code: 'C-1' }));
    expect(err.code).toBe(-32010);
    expect(err.data).toMatchObject({
      error: 'task_claimed',
      task: 'C-1',
      holder: { actor: 'agent1', session: a.session.key, since: new Date(T0).toISOString() },
      last_activity: expect.any(String),
      ways_out: ['next', 'join', 'take_over'],
    });
    // fragctl: exit 5, the holder named on stderr.
    const cli = await d.fragctl(['task', 'activate', 'C-1', '--actor', 'agent2']);
    expect(cli.code).toBe(5);
    expect(cli.stderr).toMatch(/held by agent1/);
    // The task view names the holder.
    const shown = await c.call('task.show', { code: 'C-1' });
    expect(shown.task.claim).toMatchObject({ actor: 'agent1', session: a.session.key, joined: [] });
  });

  it('the claim ends with deactivate: the other actor may then activate', async () => {
    await c.call('task.deactivate', { actor: 'agent1' });
    expect((await c.call('task.show', { code: 'C-1' })).task.claim).toBeNull();
    await c.call('task.activate', { actor: 'agent2', code: 'C-1' });
    expect((await c.call('task.show', { code: 'C-1' })).task.claim).toMatchObject({ actor: 'agent2' });
  });

  it('the claim ends with the end of the holder session', async () => {
    await c.call('session.end', { actor: 'agent2' });
    await c.call('task.activate', { actor: 'agent1', code: 'C-1' });
    expect((await c.call('task.show', { code: 'C-1' })).task.claim).toMatchObject({ actor: 'agent1' });
  });

  it('--take-over takes it and records it on both sessions', async () => {
    const b = await c.call('session.start', { actor: 'agent3' });
    await c.call('task.activate', { actor: 'agent3', code: 'C-1', take_over: true });
    const view = await c.call('task.show', { code: 'C-1' });
    expect(view.task.claim).toMatchObject({ actor: 'agent3', session: b.session.key });
    const mine = await c.call('session.history', { actor: 'agent3' });
    expect(mine.activities.map((x) => x.kind)).toContain('claim.take_over');
    const theirs = await c.call('session.history', { actor: 'agent1' });
    expect(theirs.activities.find((x) => x.kind === 'claim.taken')?.message).toMatch(/agent3/);
  });

  it('--join pairs deliberately, recorded on both, and leaves the holder in place', async () => {
    await c.call('task.activate', { actor: 'agent1', code: 'C-1', join: true });
    const view = await c.call('task.show', { code: 'C-1' });
    expect(view.task.claim).toMatchObject({ actor: 'agent3' });
    expect(view.task.claim!.joined).toHaveLength(1);
    const joined = await c.call('session.history', { actor: 'agent1' });
    expect(joined.activities.map((x) => x.kind)).toContain('claim.join');
    const holder = await c.call('session.history', { actor: 'agent3' });
    expect(holder.activities.map((x) => x.kind)).toContain('claim.joined');
    // Updates of the joined session attach to the task.
    const u = await c.call('activity.update', { actor: 'agent1', message: 'pairing on the parser' });
    expect(u.activity.context.task).toBe('C-1');
  });

  it('a claim whose holder showed no sign of life for claim_stale_seconds is taken without force (recorded)', async () => {
    await c.call('task.create', { code: 'C-2', title: 'stale task', sprint: '1' });
    await c.call('session.start', { actor: 'sleepy' });
    await c.call('task.activate', { actor: 'sleepy', code: 'C-2' });
    await c.call('session.start', { actor: 'fresh' });
    // Still fresh: refused.
    await c.call('debug.clock', { advance_ms: 5 * MIN });
    expect((await refusal(c.call('task.activate', { actor: 'fresh', code: 'C-2' }))).data.error).toBe('task_claimed');
    // Eleven minutes after sleepy's last sign of life: stale.
    await c.call('debug.clock', { advance_ms: 6 * MIN });
    await c.call('task.activate', { actor: 'fresh', code: 'C-2' });
    const h = await c.call('session.history', { actor: 'fresh' });
    expect(h.activities.find((x) => x.kind === 'claim.stale_taken')?.message).toMatch(/stale/);
    const s = await c.call('session.history', { actor: 'sleepy' });
    expect(s.activities.map((x) => x.kind)).toContain('claim.taken');
  });
});

describe('dependencies and priority', () => {
  it('a task with open dependencies is blocked: refused unless --force, which is recorded', async () => {
    await c.call('task.create', { code: 'D-1', title: 'base', sprint: '2', priority: 'low' });
    await c.call('task.create', { code: 'D-2', title: 'on top', sprint: '2', depends_on: ['D-1'], priority: 'urgent' });
    const shown = await c.call('task.show', { code: 'D-2' });
    expect(shown.task).toMatchObject({ priority: 'urgent', depends_on: ['D-1'], blocked_by: ['D-1'] });
    await c.call('session.start', { actor: 'dep' });
    const err = await refusal(c.call('task.activate', { actor: 'dep', code: 'D-2' }));
    expect(err.data).toMatchObject({ error: 'task_blocked', open_dependencies: ['D-1'] });
    const blocked = await c.call('task.list', { blocked: true });
    expect(blocked.tasks.map((t) => t.code)).toEqual(['D-2']);
    await c.call('task.activate', { actor: 'dep', code: 'D-2', force: true });
    const h = await c.call('session.history', { actor: 'dep' });
    expect(h.activities.find((x) => x.kind === 'task.forced_start')?.message).toMatch(/D-1/);
    await c.call('task.deactivate', { actor: 'dep' });
  });

  it('task edit refuses an unknown code and a cycle; --priority filters', async () => {
    expect((await refusal(c.call('task.edit', { code: 'D-1', depends_on: ['NOPE-1'] }))).message).toMatch(
      /NOPE-1, which is not a task/,
    );
    const cyc = await refusal(c.call('task.edit', { code: 'D-1', depends_on: ['D-2'] }));
    expect(cyc.message).toMatch(/cycle: D-1 → D-2 → D-1/);
    // Nothing changed.
    expect((await c.call('task.show', { code: 'D-1' })).task.depends_on).toEqual([]);
    const urgent = await c.call('task.list', { priority: 'urgent' });
    expect(urgent.tasks.map((t) => t.code)).toEqual(['D-2']);
  });

  it('task edit --sprint into a completed sprint is refused', async () => {
    await c.call('sprint.create', { code: '9', title: 'closed' });
    await c.call('sprint.edit', { code: '9', status: 'completed', force: true, summary: 'closed early for the test' });
    const err = await refusal(c.call('task.edit', { code: 'D-1', sprint: '9' }));
    expect(err.data.error).toBe('invalid_state');
    expect(err.message).toMatch(/SPRINT-9 is completed/);
  });

  it('decimal hour estimates are accepted by the CLI', async () => {
    const r = await d.json(['task', 'create', 'E-1', 'decimal estimate', '--estimate', '1.25h']);
    expect(r.body.task.estimate_minutes).toBe(75);
  });
});

describe('next', () => {
  it('chooses by sprint, then priority, then plan order; never a held or blocked task; says why', async () => {
    await c.call('sprint.create', { code: '5', title: 'next sprint', project: 'P' });
    await c.call('task.create', { code: 'N-1', title: 'normal first', sprint: '5' });
    await c.call('task.create', { code: 'N-2', title: 'high second', sprint: '5', priority: 'high' });
    await c.call('task.create', {
      code: 'N-3',
      title: 'urgent but blocked',
      sprint: '5',
      priority: 'urgent',
      depends_on: ['N-1'],
    });
    await c.call('session.start', { actor: 'nexter' });
    await c.call('sprint.activate', { actor: 'nexter', code: '5' });
    const n = await c.call('task.next', { actor: 'nexter' });
    expect(n.task?.code).toBe('N-2');
    expect(n.why).toMatch(/in your sprint SPRINT-5; high priority/);
    expect(n.also_ready.map((t) => t.code)[0]).toBe('N-1');
    expect(n.waiting).toContainEqual({ code: 'N-3', reason: 'waits for N-1' });
    // Another actor takes N-2: it disappears from nexter's choice and suggestions.
    await c.call('session.start', { actor: 'other' });
    await c.call('task.activate', { actor: 'other', code: 'N-2' });
    const n2 = await c.call('task.next', { actor: 'nexter', activate: true });
    expect(n2).toMatchObject({ activated: true, task: { code: 'N-1' } });
    expect(n2.instructions.suggested_commands.join('\n')).not.toMatch(/N-2/);
    const status = await c.call('session.start', { actor: 'third' });
    expect(status.instructions.suggested_commands.join('\n')).not.toMatch(/N-1|N-2/);
  });

  it('after a sprint is completed the suggestion points at a sprint with open tasks', async () => {
    await c.call('sprint.create', { code: '6', title: 'done soon', project: 'P' });
    await c.call('sprint.create', { code: '7', title: 'the next one', project: 'P' });
    await c.call('task.create', { code: 'S7-1', title: 'open in seven', sprint: '7' });
    await c.call('session.start', { actor: 'closer' });
    const r = await c.call('sprint.complete', {
      actor: 'closer',
      code: '6',
      summary: 'nothing to do here in the end',
      force: true,
    });
    const cmds = r.instructions.suggested_commands.join('\n');
    expect(cmds).not.toMatch(/--status planned/);
    expect(cmds).toMatch(/fragctl sprint show SPRINT-\d+/);
  });
});

describe('plan import: dependencies and priority', () => {
  const importYaml = (content: string) => c.call('plan.import', { content, filename: 'plan.yaml', format: 'yaml' });

  it('imports depends_on (also on a later task), priority names or numbers, and 1.25h estimates', async () => {
    await importYaml(
      [
        'project:',
        '  code: PI',
        '  title: imported',
        '  sprints:',
        '    - code: 20',
        '      title: plan sprint',
        '      tasks:',
        '        - code: PI-1',
        '          title: needs the later one',
        '          depends_on: PI-2',
        '          priority: 1',
        '          estimate: 1.25h',
        '        - code: PI-2',
        '          title: the later one',
        '          priority: low',
      ].join('\n'),
    );
    const one = await c.call('task.show', { code: 'PI-1' });
    expect(one.task).toMatchObject({ depends_on: ['PI-2'], priority: 'urgent', estimate_minutes: 75 });
    expect((await c.call('task.show', { code: 'PI-2' })).task.priority).toBe('low');
  });

  it('refuses an unknown code and a cycle with the place in the file, importing nothing', async () => {
    const unknown = await refusal(
      importYaml(
        [
          'sprints:',
          '  - code: 21',
          '    title: bad',
          '    tasks:',
          '      - code: PU-1',
          '        title: first',
          '        depends_on: [GHOST-1]',
        ].join('\n'),
      ),
    );
    expect(unknown.message).toMatch(
      /^plan\.yaml:7:21 \(sprints\[0\]\.tasks\[0\]\.depends_on\): PU-1 depends on GHOST-1/,
    );
    const cycle = await refusal(
      importYaml(
        [
          'sprints:',
          '  - code: 22',
          '    title: loop',
          '    tasks:',
          '      - code: PC-1',
          '        title: first',
          '        depends_on: [PC-2]',
          '      - code: PC-2',
          '        title: second',
          '        depends_on: [PC-1]',
        ].join('\n'),
      ),
    );
    expect(cycle.message).toMatch(
      /^plan\.yaml:\d+:\d+ \(sprints\[0\]\.tasks\[\d\]\.depends_on\): dependency cycle: PC-\d → PC-\d → PC-\d/,
    );
    const left = await c.call('task.list', {});
    expect(left.tasks.map((t) => t.code).filter((x) => /^P[UC]-/.test(x))).toEqual([]);
  });
});

describe('session end', () => {
  it('does not warn about the sprint and project left on the stack, only about a task', async () => {
    await c.call('session.start', { actor: 'ender' });
    await c.call('sprint.activate', { actor: 'ender', code: '2' });
    const r = await c.call('session.end', { actor: 'ender' });
    expect(r.report.warnings).toEqual([]);
  });
});

describe('undo', () => {
  it('undoing an activation takes its claim back too, so another actor may take the task', async () => {
    await c.call('task.create', { code: 'U-9', title: 'undo me', sprint: '2' });
    await c.call('session.start', { actor: 'undoer' });
    await c.call('session.start', { actor: 'waiter' });
    await c.call('task.activate', { actor: 'undoer', code: 'U-9' });
    expect((await c.call('task.show', { code: 'U-9' })).task.claim).toMatchObject({ actor: 'undoer' });
    const undone = await c.call('undo', { actor: 'undoer' });
    expect(undone.undone.changes).toBeGreaterThan(0);
    expect((await c.call('task.show', { code: 'U-9' })).task).toMatchObject({ claim: null, status: 'todo' });
    await c.call('task.activate', { actor: 'waiter', code: 'U-9' });
    expect((await c.call('task.show', { code: 'U-9' })).task.claim).toMatchObject({ actor: 'waiter' });
  });

  it('next --activate is one undo step: its claim and stack go back, a plain next leaves no step', async () => {
    await c.call('task.create', { code: 'U-12', title: 'next takes me', sprint: '2', priority: 'urgent' });
    await c.call('session.start', { actor: 'undo-nexter' });
    const steps = async () => (await c.call('undo.list', { actor: 'undo-nexter' })).steps.length;
    const before = await steps();
    await c.call('task.next', { actor: 'undo-nexter' });
    expect(await steps()).toBe(before);
    const next = await c.call('task.next', { actor: 'undo-nexter', activate: true });
    expect(next).toMatchObject({ activated: true, task: { code: 'U-12' } });
    expect(await steps()).toBe(before + 1);
    await c.call('undo', { actor: 'undo-nexter' });
    expect((await c.call('task.show', { code: 'U-12' })).task).toMatchObject({ claim: null, status: 'todo' });
    expect((await c.call('context.show', { actor: 'undo-nexter' })).stack).toEqual([]);
  });

  it('undoing a dependency edit restores the dependencies and the priority', async () => {
    await c.call('task.create', { code: 'U-10', title: 'base for undo', sprint: '2' });
    await c.call('task.create', { code: 'U-11', title: 'edited then undone', sprint: '2', depends_on: ['U-10'] });
    // Item edits are the person's (no actor): undo as the person.
    await c.call('task.edit', { code: 'U-11', depends_on: [], priority: 'urgent' });
    expect((await c.call('task.show', { code: 'U-11' })).task).toMatchObject({ depends_on: [], priority: 'urgent' });
    await c.call('undo', {});
    expect((await c.call('task.show', { code: 'U-11' })).task).toMatchObject({
      depends_on: ['U-10'],
      priority: 'normal',
    });
  });
});
