// The one reader of times and dates (client/lib/when.ts), and priorities as people write them.
import { describe, expect, it } from 'vitest';
import { dayOf, dayRange, rangeOf, WhenError } from '../../client/lib/when.js';
import { parsePlan } from '../../shared/plan.js';

// A Wednesday, in the process's zone.
const now = new Date(2026, 2, 18, 15, 30);

describe('days for reports', () => {
  it('reads ISO dates, words, -Nd and named ranges in the local zone', async () => {
    expect(await dayOf('--since', '2026-03-01', 'first', now)).toBe('2026-03-01');
    expect(await dayOf('--since', 'yesterday', 'first', now)).toBe('2026-03-17');
    expect(await dayOf('--since', 'today', 'first', now)).toBe('2026-03-18');
    expect(await dayOf('--since', '-7d', 'first', now)).toBe('2026-03-11');
    expect(await dayOf('--since', 'monday', 'first', now)).toBe('2026-03-16');
    expect(await dayOf('--since', ':week', 'first', now)).toBe('2026-03-16');
    expect(await dayOf('--until', ':week', 'last', now)).toBe('2026-03-22');
    expect(await dayRange(':lastmonth', undefined, now)).toEqual({ since: '2026-02-01', until: '2026-02-28' });
    expect(await dayRange(':year', undefined, now)).toEqual({ since: '2026-01-01', until: '2026-12-31' });
    expect(await dayRange('yesterday', undefined, now)).toEqual({ since: '2026-03-17' });
  });

  it('refuses what it cannot read with the forms it can', async () => {
    await expect(dayOf('--since', 'someday soon', 'first', now)).rejects.toThrow(
      '--since: cannot read "someday soon" as a day; try 2026-03-29, today, yesterday, monday, -7d or a range such as :week',
    );
    await expect(dayOf('--since', ':fortnight', 'first', now)).rejects.toThrow(WhenError);
    await expect(dayOf('--since', ':fortnight', 'first', now)).rejects.toThrow(/the ranges are :today, :day, /);
    await expect(dayOf('--since', '2026-02-30', 'first', now)).rejects.toThrow(/not a day of the calendar/);
  });

  it('ranges are whole local days', () => {
    const r = rangeOf(':quarter', now)!;
    expect([r.start.getMonth(), r.start.getDate(), r.end.getMonth(), r.end.getDate()]).toEqual([0, 1, 3, 1]);
  });
});

describe('priorities in a plan', () => {
  const plan = (p: string) =>
    `project:\n  code: P\n  title: P\n  sprints:\n    - code: 1\n      title: S\n      tasks:\n        - code: T-1\n          title: one\n          priority: ${p}\n`;
  type Parsed = { project: { sprints: { tasks: { priority: number }[] }[] } };
  const priorityOf = (p: string) =>
    (parsePlan(plan(p), 'plan.yaml') as unknown as Parsed).project.sprints[0].tasks[0].priority;
  it('take the words other tools use (medium = normal)', () => {
    expect(priorityOf('medium')).toBe(3);
    expect(priorityOf('Critical')).toBe(1);
    expect(priorityOf('2')).toBe(2);
  });
  it('refuse an unknown one naming the allowed values', () => {
    expect(() => parsePlan(plan('sometimes'), 'plan.yaml')).toThrow(
      /“sometimes” is not a priority: use urgent, high, normal or low \(also .*medium = normal/,
    );
  });
});
