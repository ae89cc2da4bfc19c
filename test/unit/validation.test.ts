// Every completion rule, each way round, over plain facts (no database, no clock).
import { describe, expect, it } from 'vitest';
import { estimateVariance } from '../../daemon/app/time/estimates.js';
import {
  validateSprintCompletion,
  validateTaskCompletion,
  type SprintFacts,
  type TaskFacts,
} from '../../daemon/app/work/validation.js';

const rules = { summary_min_chars: 20, min_context_updates: 2, estimate_variance_percent: 25 };
const goodTask: TaskFacts = {
  code: 'T-1',
  status: 'in_progress',
  summary: 'built the parser and its tests',
  updates: 2,
  subtasks: [],
  tracked_ms: 30 * 60_000,
  estimate_minutes: 30,
  was_started: true,
};
const task = (over: Partial<TaskFacts>) => validateTaskCompletion({ ...goodTask, ...over }, rules);
const rule = (r: ReturnType<typeof task>, id: string) => r.checklist.find((c) => c.rule === id)!;

describe('task completion', () => {
  it('passes when every rule holds, with a full checklist and no requirements', () => {
    const r = task({});
    expect(r).toMatchObject({ valid: true, errors: [], warnings: [], requirements: [] });
    expect(r.checklist.map((c) => c.rule)).toEqual(['status', 'summary', 'updates', 'subtasks', 'time', 'estimate']);
    expect(r.checklist.every((c) => c.done)).toBe(true);
  });

  it('summary: at the threshold passes, one short fails, none fails, whitespace does not count', () => {
    expect(task({ summary: 'x'.repeat(20) }).valid).toBe(true);
    const short = task({ summary: 'x'.repeat(19) });
    expect(short.valid).toBe(false);
    expect(rule(short, 'summary')).toMatchObject({ done: false, detail: '19 of at least 20 characters' });
    expect(short.requirements[0]).toMatch(/fragctl task edit T-1 --summary/);
    expect(rule(task({ summary: null }), 'summary').detail).toMatch(/no summary/);
    expect(task({ summary: `   ${'x'.repeat(10)}            ` }).valid).toBe(false);
  });

  it('summary threshold comes from the rules', () => {
    expect(validateTaskCompletion({ ...goodTask, summary: 'tiny' }, { ...rules, summary_min_chars: 4 }).valid).toBe(
      true,
    );
  });

  it('context updates: 2 pass, 1 fails and says how many more', () => {
    expect(task({ updates: 2 }).valid).toBe(true);
    const r = task({ updates: 1 });
    expect(r.valid).toBe(false);
    expect(r.errors).toEqual(['context updates: 1 of at least 2']);
    expect(r.requirements[0]).toMatch(/post 1 more progress update/);
    expect(validateTaskCompletion({ ...goodTask, updates: 0 }, { ...rules, min_context_updates: 0 }).valid).toBe(true);
  });

  it('subtasks: completed or cancelled pass, any open one fails and is named', () => {
    expect(
      task({
        subtasks: [
          { code: 'T-1a', status: 'completed' },
          { code: 'T-1b', status: 'cancelled' },
        ],
      }).valid,
    ).toBe(true);
    const r = task({
      subtasks: [
        { code: 'T-1a', status: 'completed' },
        { code: 'T-1b', status: 'in_progress' },
        { code: 'T-1c', status: 'todo' },
      ],
    });
    expect(r.valid).toBe(false);
    expect(rule(r, 'subtasks').detail).toBe('2 open: T-1b (in_progress), T-1c (todo)');
    expect(r.details.open_subtasks).toEqual(['T-1b', 'T-1c']);
  });

  it('time tracked: a second passes, under a second is a warning said as not met, none fails', () => {
    expect(task({ tracked_ms: 1000 }).valid).toBe(true);
    // Under a second shows as 0s: not met, and said so (issue 26), without blocking.
    const blink = task({ tracked_ms: 400 });
    expect(blink.valid).toBe(true);
    expect(blink.checklist.find((c) => c.rule === 'time')).toMatchObject({
      done: false,
      severity: 'warning',
      detail: expect.stringMatching(/^0s so far: not yet met/),
    });
    expect(blink.warnings).toContain('time tracked: 0s so far: not yet met (work on the task, then complete it)');
    const r = task({ tracked_ms: 0, estimate_minutes: null });
    expect(r.valid).toBe(false);
    expect(r.requirements).toEqual(['track time on T-1: fragctl task activate T-1']);
  });

  it('status progression: in_progress passes; todo never started, blocked, completed and cancelled fail', () => {
    expect(task({ status: 'in_progress' }).valid).toBe(true);
    // todo that was started before (e.g. set back to todo) may complete
    expect(task({ status: 'todo', was_started: true }).valid).toBe(true);
    const never = task({ status: 'todo', was_started: false });
    expect(never.valid).toBe(false);
    expect(rule(never, 'status').detail).toMatch(/never started/);
    expect(never.requirements[0]).toMatch(/fragctl task activate T-1/);
    for (const status of ['blocked', 'completed', 'cancelled'] as const) {
      const r = task({ status });
      expect(r.valid, status).toBe(false);
      expect(rule(r, 'status').done).toBe(false);
    }
    expect(rule(task({ status: 'completed' }), 'status').detail).toBe('T-1 is already completed');
  });

  it('estimate vs actual is a warning, never an error', () => {
    const over = task({ tracked_ms: 60 * 60_000, estimate_minutes: 30 });
    expect(over.valid).toBe(true);
    expect(over.warnings).toHaveLength(1);
    expect(over.warnings[0]).toMatch(/\+100%/);
    expect(over.details.variance_percent).toBe(100);
    const within = task({ tracked_ms: 37 * 60_000, estimate_minutes: 30 });
    expect(within.warnings).toEqual([]);
    const under = task({ tracked_ms: 10 * 60_000, estimate_minutes: 30 });
    expect(under.warnings[0]).toMatch(/-67%/);
    expect(task({ estimate_minutes: null }).warnings).toEqual([]);
  });

  it('reports every failing rule at once', () => {
    const r = task({
      summary: null,
      updates: 0,
      tracked_ms: 0,
      status: 'todo',
      was_started: false,
      subtasks: [{ code: 'S', status: 'todo' }],
      estimate_minutes: null,
    });
    expect(r.errors).toHaveLength(5);
    expect(r.requirements).toHaveLength(5);
  });

  it('estimateVariance', () => {
    expect(estimateVariance(null, 60_000)).toEqual({ actual_minutes: 1, variance_percent: null });
    expect(estimateVariance(60, 90 * 60_000)).toEqual({ actual_minutes: 90, variance_percent: 50 });
  });
});

const goodSprint: SprintFacts = {
  code: 'SPRINT-1',
  status: 'active',
  summary: 'shipped login and the session list',
  retrospective: null,
  deliverables: 'login form, session list',
  artifacts: 0,
  tasks: [
    { code: 'A', status: 'completed' },
    { code: 'B', status: 'cancelled' },
  ],
};
const sprint = (over: Partial<SprintFacts>) => validateSprintCompletion({ ...goodSprint, ...over }, rules);

describe('sprint completion', () => {
  it('passes when all tasks are closed and it has a summary and deliverables', () => {
    expect(sprint({})).toMatchObject({ valid: true, errors: [], warnings: [] });
  });

  it('warns (never blocks) when no next sprint is planned', () => {
    const none = sprint({ next_sprint: null });
    expect(none.valid).toBe(true);
    expect(none.warnings).toEqual([
      'next sprint planned: no other planned or active sprint: plan the next one (fragctl sprint create CODE TITLE)',
    ]);
    expect(sprint({ next_sprint: 'SPRINT-2' }).warnings).toEqual([]);
    expect(sprint({ next_sprint: 'SPRINT-2' }).checklist.at(-1)).toMatchObject({ rule: 'next_sprint', done: true });
  });

  it('an open task blocks, and is named', () => {
    const r = sprint({ tasks: [...goodSprint.tasks, { code: 'C', status: 'in_progress' }] });
    expect(r.valid).toBe(false);
    expect(r.errors[0]).toMatch(/1 of 3 open: C \(in_progress\)/);
    expect(r.details.open_tasks).toEqual(['C']);
  });

  it('summary or retrospective: either one is enough, neither blocks', () => {
    expect(sprint({ summary: null, retrospective: 'what went well and what did not' }).valid).toBe(true);
    const none = sprint({ summary: null, retrospective: null });
    expect(none.valid).toBe(false);
    expect(none.requirements[0]).toMatch(/fragctl sprint edit SPRINT-1 --summary/);
    expect(sprint({ summary: 'too short' }).valid).toBe(false);
  });

  it('deliverables are a warning: a note or an artifact satisfies it', () => {
    const none = sprint({ deliverables: null });
    expect(none.valid).toBe(true);
    expect(none.warnings[0]).toMatch(/no deliverables/);
    expect(sprint({ deliverables: null, artifacts: 2 }).warnings).toEqual([]);
  });

  it('a sprint without tasks is a warning; a closed sprint cannot complete again', () => {
    const empty = sprint({ tasks: [] });
    expect(empty.valid).toBe(true);
    expect(empty.warnings[0]).toMatch(/no tasks/);
    expect(sprint({ status: 'completed' }).valid).toBe(false);
    expect(sprint({ status: 'cancelled' }).errors[0]).toMatch(/already cancelled/);
  });
});

describe('relative time in suggestions', async () => {
  const { ago } = await import('../../daemon/app/sessions/session-report.js');
  it('reads like a person would say it', () => {
    expect(ago(20_000)).toBe('just now');
    expect(ago(60_000)).toBe('1 minute ago');
    expect(ago(59 * 60_000)).toBe('59 minutes ago');
    expect(ago(2 * 3600_000 + 5 * 60_000)).toBe('2 hours ago');
    expect(ago(47 * 3600_000)).toBe('47 hours ago');
    expect(ago(3 * 86_400_000)).toBe('3 days ago');
    expect(ago(-5)).toBe('just now');
  });
});
