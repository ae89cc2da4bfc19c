// Estimates that learn from history (issue 26), on a seeded history with known medians:
// five completed "parser" tasks took 30, 40, 50, 60 and 100 minutes (median 50) against
// estimates of 25, 40, 50, 50 and 80; with an unrelated 10-minute task estimated at 8, the
// actor's actual / estimate ratios are 1.2, 1, 1, 1.2, 1.25, 1.25 → median 1.2 ("20% over").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FragClient } from '../../client/lib/client.js';
import { startDaemon, type TestDaemon } from '../support/daemon.js';

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

async function complete(code: string, minutes: number) {
  await c.call('task.activate', { code });
  for (let m = 0; m < minutes; m += 5) {
    await c.call('debug.clock', { advance_ms: 5 * MIN, ticking: true });
    await c.call('heartbeat', {});
  }
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
});
afterAll(async () => {
  c?.close();
  await d?.dispose();
});

describe('a suggested estimate', () => {
  it('on create: the median of the similar completed tasks, with its basis, in the answer and the prose', async () => {
    const r = await c.call('task.create', { code: 'N-1', title: 'operator precedence', labels: ['parser'] });
    expect(r.estimate_suggestion).toMatchObject({
      minutes: 50,
      median_minutes: 50,
      actor_factor: null,
      basis: 'median of 5 similar tasks: 50m → 50m',
    });
    expect(r.estimate_suggestion!.similar.map((s) => s.code).sort()).toEqual(['H-1', 'H-2', 'H-3', 'H-4', 'H-5']);
    expect(r.instructions.next_actions.at(-1)).toBe(
      'N-1 has no estimate: median of 5 similar tasks: 50m → 50m. Set it with: fragctl task edit N-1 --estimate 50',
    );
    // Nothing like it: no suggestion rather than a guess.
    expect((await c.call('task.create', { code: 'Z-1', title: 'office plants' })).estimate_suggestion).toBeNull();
  });

  it("on activation: scaled by the actor's own record (you run 20% over)", async () => {
    const r = await c.call('task.activate', { code: 'N-1' });
    expect(r.estimate_suggestion).toMatchObject({
      minutes: 60,
      actor_factor: 1.2,
      actor_tasks: 6,
      basis: 'median of 5 similar tasks: 50m; you run 20% over (6 of your tasks) → 1h00m',
    });
    const cli = await d.fragctl(['estimate', 'suggest', 'N-1']);
    expect(cli.stdout).toMatch(/N-1: 60 min \(median of 5 similar tasks: 50m; you run 20% over/);
  });

  it('title words alone make tasks similar, fewer than labels', async () => {
    const r = await c.call('estimate.suggest', { code: 'Z-1' });
    expect(r.suggestion).toBeNull();
    await c.call('task.create', { code: 'W-1', title: 'lexer for comments' });
    const w = await c.call('estimate.suggest', { code: 'W-1' });
    expect(w.suggestion!.similar.map((s) => s.code).sort()).toEqual(['H-1', 'H-2']);
    expect(w.suggestion!.median_minutes).toBe(35);
  });
});

describe('estimate accuracy', () => {
  it('per actor and per label, with the same median ratio', async () => {
    const r = await c.call('estimate.accuracy', {});
    expect(r.tasks).toBe(6);
    expect(r.by_actor).toEqual([
      {
        key: 'human',
        tasks: 6,
        estimate_minutes: 253,
        actual_minutes: 290,
        median_ratio: 1.2,
        tendency: '20% over',
      },
    ]);
    expect(r.by_label.find((l) => l.key === 'parser')).toMatchObject({ tasks: 5, median_ratio: 1.2 });
    expect(r.by_label.find((l) => l.key === 'docs')).toMatchObject({ tasks: 1, tendency: '25% over' });
    expect((await c.call('estimate.accuracy', { label: ['docs'] })).tasks).toBe(1);
    const cli = await d.fragctl(['estimate', 'accuracy']);
    expect(cli.stdout).toMatch(/human\s+6 tasks\s+estimated\s+4h13m\s+actual\s+4h50m\s+20% over/);
  });
});

describe('plan import --suggest-estimates', () => {
  it('fills missing estimates from history and says which, and on what basis', async () => {
    const plan = [
      'sprints:',
      '  - code: 7',
      '    title: more parsing',
      '    tasks:',
      '      - { code: P-1, title: string escapes, labels: [parser] }',
      '      - { code: P-2, title: garden, labels: [outdoor] }',
      '      - { code: P-3, title: fixed one, estimate: 15, labels: [parser] }',
    ].join('\n');
    const r = await c.call('plan.import', { content: plan, format: 'yaml', suggest_estimates: true });
    expect(r.estimated).toEqual([{ code: 'P-1', minutes: 50, basis: 'median of 5 similar tasks: 50m → 50m' }]);
    expect(r.without_estimate).toEqual(['P-2']);
    expect((await c.call('task.show', { code: 'P-1' })).task.estimate_minutes).toBe(50);
    expect((await c.call('task.show', { code: 'P-3' })).task.estimate_minutes).toBe(15);
    const plain = await c.call('plan.import', {
      content: plan.replace(/7/g, '8').replace(/P-/g, 'Q-'),
      format: 'yaml',
    });
    expect(plain.estimated).toEqual([]);
    expect(plain.without_estimate).toEqual(['Q-1', 'Q-2']);
    expect(plain.instructions.next_actions.at(-1)).toMatch(/--suggest-estimates/);
  });
});
