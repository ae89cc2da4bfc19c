// Labels on tasks and sprints, and the filters every report and list takes (issue 26):
// each filtered total equals the sum worked out by hand from a seeded week.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FragClient } from '../../client/lib/client.js';
import { startDaemon, type TestDaemon } from '../support/daemon.js';

const MIN = 60_000;
const T0 = Date.parse('2026-05-04T08:00:00Z');

let d: TestDaemon;
let c: FragClient;

/** `minutes` of work on `code` by `actor`, in 5-minute steps with a heartbeat each (never idle). */
async function work(actor: string, code: string, minutes: number) {
  await c.call('task.activate', { actor, code });
  for (let m = 0; m < minutes; m += 5) {
    await c.call('debug.clock', { advance_ms: 5 * MIN, ticking: true });
    await c.call('heartbeat', { actor });
  }
  await c.call('task.deactivate', { actor });
}

beforeAll(async () => {
  d = await startDaemon({ FRAGD_TEST_CLOCK: String(T0) });
  c = await d.client();
  await c.call('project.create', { code: 'P1', title: 'one' });
  await c.call('project.create', { code: 'P2', title: 'two' });
  await c.call('plan.import', {
    format: 'yaml',
    content: [
      'sprints:',
      '  - code: 1',
      '    title: first',
      '    labels: q1',
      '    tasks:',
      '      - { code: A, title: parser, labels: [backend] }',
      '      - { code: B, title: form, labels: [Frontend] }',
    ].join('\n'),
  });
  await c.call('sprint.edit', { code: '1', title: 'first' });
  await c.call('sprint.create', { code: '2', title: 'second', project: 'P2' });
  await c.call('task.edit', { code: 'A', sprint: '1' });
  await c.call('task.create', { code: 'A-1', title: 'tokens', parent: 'A' });
  await c.call('task.create', { code: 'C', title: 'api', sprint: '2', labels: ['backend'] });
  await c.call('task.create', { code: 'D', title: 'docs', sprint: '2' });
  // Sprint 1 in project P1 (created before the projects existed in the plan).
  await c.call('task.edit', { code: 'B', sprint: '1' });
  // One actor at a time, each session paused when its work is done, so no untasked time counts.
  await c.call('session.start', { actor: 'human' });
  await work('human', 'A', 30);
  await work('human', 'B', 20);
  await c.call('session.pause', { actor: 'human' });
  await c.call('session.start', { actor: 'claude' });
  await work('claude', 'C', 40);
  await work('claude', 'D', 10);
  await c.call('session.pause', { actor: 'claude' });
  await c.call('session.resume', { actor: 'human' });
  await work('human', 'A-1', 15);
  await c.call('session.pause', { actor: 'human' });
});
afterAll(async () => {
  c?.close();
  await d?.dispose();
});

const minutesOf = async (params: Record<string, unknown>) =>
  Math.round((await c.call('report', { by: 'task', ...params })).total_seconds / 60);

describe('labels', () => {
  it('are set by plan import, create and edit, lower-cased, and shown on tasks and sprints', async () => {
    expect((await c.call('task.show', { code: 'B' })).task.labels).toEqual(['frontend']);
    expect((await c.call('sprint.show', { code: '1' })).sprint.labels).toEqual(['q1']);
    await c.call('task.edit', { code: 'D', labels: ['docs', 'Docs'] });
    expect((await c.call('task.show', { code: 'D' })).task.labels).toEqual(['docs']);
    await c.call('task.edit', { code: 'D', labels: [] });
    expect((await c.call('task.show', { code: 'D' })).task.labels).toEqual([]);
  });
});

describe('report filters equal the hand sums', () => {
  it('by label (own, parent and sprint), project, sprint, kind and actor, combined', async () => {
    expect(await minutesOf({})).toBe(115);
    expect(await minutesOf({ label: ['backend'] })).toBe(30 + 15 + 40); // A, A-1 (parent's label), C
    expect(await minutesOf({ label: ['q1'] })).toBe(30 + 20 + 15); // the sprint's label
    expect(await minutesOf({ label: ['backend', 'q1'] })).toBe(30 + 15);
    expect(await minutesOf({ sprint: '2' })).toBe(40 + 10);
    expect(await minutesOf({ project: 'P2' })).toBe(40 + 10);
    expect(await minutesOf({ kind: 'agent' })).toBe(50);
    expect(await minutesOf({ kind: 'human' })).toBe(65);
    expect(await minutesOf({ actor: 'claude', label: ['backend'] })).toBe(40);
    expect(await minutesOf({ kind: 'agent', sprint: '1' })).toBe(0);
    for (const by of ['day', 'week', 'file', 'actor'] as const)
      expect(Math.round((await c.call('report', { by, label: ['backend'] })).total_seconds / 60), by).toBe(85);
    const r = await c.call('report', { by: 'task', label: ['backend'], kind: 'human' });
    expect(r.rows.map((x) => x.key).sort()).toEqual(['A', 'A-1']);
    expect(r.filters).toEqual({ label: ['backend'], kind: 'human' });
  });

  it('fragctl passes them through (fast path and yargs) and names them in the heading', async () => {
    const fast = await d.json(['report', '--by', 'task', '--label', 'backend', '--agent']);
    expect(fast.body.total_seconds).toBe(40 * 60);
    const slow = await d.json(['report', '--by', 'task', '--label', 'backend', '--no-agent']);
    expect(slow.body.total_seconds).toBe(45 * 60);
    const text = await d.fragctl(['report', '--by', 'task', '--sprint', '1', '--label', 'frontend']);
    expect(text.stdout).toMatch(/sprint SPRINT-1 · label frontend/);
    expect(text.stdout).toMatch(/B\b/);
  });

  it('an unknown label is a not-found error that lists the known ones', async () => {
    const r = await d.json(['report', '--label', 'nope']);
    expect(r.code).not.toBe(0);
    expect(r.body.error.message).toMatch(/label nope not found/);
    expect(r.body.error.data.hint).toMatch(/known labels: backend, docs, frontend, q1/);
  });
});

describe('list filters', () => {
  it('tasks, sprints and sessions by label, actor and kind', async () => {
    const codes = async (p: Record<string, unknown>) => (await c.call('task.list', p)).tasks.map((t) => t.code).sort();
    expect(await codes({ label: ['backend'] })).toEqual(['A', 'A-1', 'C']);
    expect(await codes({ label: ['backend'], kind: 'agent' })).toEqual(['C']);
    expect(await codes({ actor: 'claude' })).toEqual(['C', 'D']);
    expect(await codes({ label: ['q1'], status: 'in_progress' })).toEqual(['A', 'A-1', 'B']);
    const sprints = async (p: Record<string, unknown>) =>
      (await c.call('sprint.list', p)).sprints.map((s) => s.code).sort();
    expect(await sprints({ label: ['backend'] })).toEqual(['SPRINT-1', 'SPRINT-2']);
    expect(await sprints({ label: ['frontend'] })).toEqual(['SPRINT-1']);
    expect(await sprints({ kind: 'agent' })).toEqual(['SPRINT-2']);
    const sessions = async (p: Record<string, unknown>) =>
      (await c.call('session.list', p)).sessions.map((s) => s.actor).sort();
    expect(await sessions({ label: ['frontend'] })).toEqual(['human']);
    expect(await sessions({ kind: 'agent' })).toEqual(['claude']);
    expect(await sessions({ project: 'P2' })).toEqual(['claude']);
    const cli = await d.json(['task', 'list', '--label', 'backend', '--agent']);
    expect(cli.body.tasks.map((t: { code: string }) => t.code)).toEqual(['C']);
  });
});
