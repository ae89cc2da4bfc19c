// What is left of a budget in the status line, on the injected clock: the words (to the
// minute and the cent, "left" and "over by"), whose budget it is (the task's, a subtask's
// task's, the sprint's), nothing without one, and the status file rewritten when the
// minutes change while the clock runs, and only then.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../daemon/clock.js';
import { configSchema } from '../../daemon/config.js';
import { openDatabase } from '../../daemon/store/database.js';
import { Sql } from '../../daemon/store/sql.js';
import { newCall } from '../../daemon/app/app.js';
import { assembleApp } from '../../daemon/assemble-app.js';
import { budgetLeft, budgetLeftText, budgetTextChangesInMs } from '../../daemon/app/costs/budgets.js';
import type { SessionRow } from '../../daemon/app/rows.js';
import { StatusFiles } from '../../daemon/status-file.js';
import { shortStatus } from '../../shared/status-line.js';

const MIN = 60_000;
const T0 = Date.parse('2026-05-04T09:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'fragd-budget-left-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A sprint S1, a task T-3 and its subtask T-3.1, and claude's session working on `work` since T0. */
function world(work: 'T-3' | 'T-3.1' = 'T-3') {
  const clock = new ManualClock(T0);
  const sql = new Sql(openDatabase(':memory:'));
  const app = assembleApp({ sql, clock, config: configSchema.parse({}) });
  sql.run(`INSERT INTO sprints (id, code, title, created_at, updated_at) VALUES (1, 'S1', 'First', 0, 0)`);
  sql.run(`INSERT INTO tasks (id, code, title, sprint_id, created_at, updated_at) VALUES (3, 'T-3', 'Login', 1, 0, 0)`);
  sql.run(
    `INSERT INTO tasks (id, code, title, parent_id, created_at, updated_at) VALUES (4, 'T-3.1', 'Form', 3, 0, 0)`,
  );
  const id = work === 'T-3' ? 3 : 4;
  const stack = [
    { type: 'sprint', id: 1, code: 'S1', title: 'First', pushed_at: T0 },
    { type: 'task', id: 3, code: 'T-3', title: 'Login', pushed_at: T0 },
    ...(work === 'T-3.1' ? [{ type: 'subtask', id: 4, code: 'T-3.1', title: 'Form', pushed_at: T0 }] : []),
  ];
  sql.run(
    `INSERT INTO sessions (id, key, actor, os_user, source, type, status, stack, active_sprint_id, active_task_id, started_at, last_activity_at)
     VALUES (1, 'SESSION-001', 'claude', 'u', 'hook', 'work', 'active', ?, 1, ?, ?, ?)`,
    JSON.stringify(stack),
    id,
    T0,
    T0,
  );
  sql.run(
    `INSERT INTO intervals (session_id, actor, sprint_id, task_id, started_at, checkpoint_at) VALUES (1, 'claude', 1, ?, ?, ?)`,
    id,
    T0,
    T0,
  );
  /** 1M Sonnet 4.5 output tokens cost $15. */
  const spend = (output: number) =>
    sql.run(
      `INSERT INTO agent_tokens (session_id, actor, sprint_id, task_id, message_id, model, output_tokens, at)
       VALUES (1, 'claude', 1, ?, ?, 'claude-sonnet-4-5', ?, ?)`,
      id,
      `m${Math.random()}`,
      output,
      clock.now(),
    );
  const session = () => sql.get<SessionRow>('SELECT * FROM sessions WHERE id = 1')!;
  const left = () => budgetLeft(newCall(app), session());
  return { clock, sql, app, spend, left };
}

describe('budget left in the status line', () => {
  it('words: to the minute and the cent; parts on one side share their word', () => {
    expect(budgetLeftText(4320, '0.84')).toBe('1h12m · $0.84 left');
    expect(budgetLeftText(59, null)).toBe('0m left');
    expect(budgetLeftText(-1, null)).toBe('over by 1m');
    expect(budgetLeftText(-1200, '-0.2')).toBe('over by 20m · $0.20');
    expect(budgetLeftText(4320, '-0.2')).toBe('1h12m left · over by $0.20');
    expect(budgetLeftText(null, '-0.001')).toBe('over by $0.01');
    expect(budgetLeftText(null, '0.029')).toBe('$0.03 left');
  });

  it('the minutes change: left rounds down, over rounds up', () => {
    expect(budgetTextChangesInMs(120)).toBe(1000); // 2m → 1m at 119 s
    expect(budgetTextChangesInMs(119)).toBe(60_000); // 1m until 59 s
    expect(budgetTextChangesInMs(0)).toBe(1000); // 0m left → over by 1m
    expect(budgetTextChangesInMs(-1)).toBe(60_000); // over by 1m until 61 s over
    expect(budgetTextChangesInMs(-60)).toBe(1000);
  });

  it("is the task's, counting time and tokens as they grow, and nothing without a budget", () => {
    const w = world();
    expect(w.left()).toBeNull();
    w.sql.run("UPDATE tasks SET budget_minutes = 90, budget_usd = '1' WHERE id = 3");
    expect(w.left()).toEqual({
      scope: 'task',
      code: 'T-3',
      time_left_seconds: 5400,
      cost_left_usd: '1',
      text: '1h30m · $1.00 left',
    });
    w.clock.advance(18 * MIN);
    w.spend(10_000); // $0.15
    expect(w.left()?.text).toBe('1h12m · $0.85 left');
    w.clock.advance(80 * MIN);
    w.spend(60_000); // $0.90 more: $1.05
    expect(w.left()).toMatchObject({ time_left_seconds: -480, cost_left_usd: '-0.05', text: 'over by 8m · $0.05' });
  });

  it("a subtask shows its task's budget; without one, the sprint's", () => {
    const w = world('T-3.1');
    w.sql.run("UPDATE sprints SET budget_usd = '10' WHERE id = 1");
    w.spend(100_000); // $1.50
    expect(w.left()).toMatchObject({ scope: 'sprint', code: 'S1', time_left_seconds: null, text: '$8.50 left' });
    w.sql.run('UPDATE tasks SET budget_minutes = 30 WHERE id = 3');
    w.clock.advance(45 * MIN);
    expect(w.left()).toMatchObject({ scope: 'task', code: 'T-3', text: 'over by 15m' });
  });

  it("with no task active, the active sprint's", () => {
    const w = world();
    w.sql.run("UPDATE sprints SET budget_usd = '10' WHERE id = 1");
    w.sql.run(
      'UPDATE sessions SET active_task_id = NULL, stack = ? WHERE id = 1',
      JSON.stringify([{ type: 'sprint', id: 1, code: 'S1', title: 'First', pushed_at: T0 }]),
    );
    const view = {
      key: 'SESSION-001',
      status: 'active' as const,
      active_seconds: 60,
      active: { project: null, sprint: 'S1', task: null, subtask: null },
    };
    const left = w.left();
    expect(left).toMatchObject({ scope: 'sprint', code: 'S1', text: '$10.00 left' });
    expect(shortStatus(view, left).text).toBe('SESSION-001 · S1 ($10.00 left)');
    expect(shortStatus(view, null).text).toBe('SESSION-001');
  });

  it('the status file names it after the task, and follows the minutes as the clock runs', () => {
    const w = world();
    w.sql.run("UPDATE tasks SET budget_minutes = 90, budget_usd = '1' WHERE id = 3");
    const files = new StatusFiles(w.app, dir, pino({ level: 'silent' }));
    const read = () => readFileSync(join(dir, 'status.claude'), 'utf8');
    files.refresh();
    expect(read()).toBe(`fragd-status 1 run ${T0 / 1000} SESSION-001 · T-3 (1h30m · $1.00 left)\n`);
    w.clock.advance(MIN + 1000);
    files.refresh();
    expect(read()).toBe(`fragd-status 1 run ${T0 / 1000} SESSION-001 · T-3 (1h28m · $1.00 left)\n`);
    files.removeAll();
  });

  it('rewrites the file by itself when the minutes change while the clock runs, and not before', () => {
    vi.useFakeTimers();
    try {
      const w = world();
      w.sql.run('UPDATE tasks SET budget_minutes = 90 WHERE id = 3');
      const files = new StatusFiles(w.app, dir, pino({ level: 'silent' }));
      const read = () => readFileSync(join(dir, 'status.claude'), 'utf8');
      w.clock.advance(30_000); // 89m30s left: shown as 1h29m until 89m00s
      files.refresh();
      expect(read()).toContain('T-3 (1h29m left)');
      // Time passes on both clocks: nothing is written before the minute changes…
      w.clock.advance(29_000);
      vi.advanceTimersByTime(29_000);
      expect(read()).toContain('T-3 (1h29m left)');
      // …and the timer set for it writes the new minute.
      w.clock.advance(2000);
      vi.advanceTimersByTime(2100);
      expect(read()).toContain('T-3 (1h28m left)');
      // Paused (no interval open): no timer is left running.
      w.sql.run('UPDATE intervals SET ended_at = ?', w.clock.now());
      files.refresh();
      expect(vi.getTimerCount()).toBe(0);
      files.removeAll();
    } finally {
      vi.useRealTimers();
    }
  });
});
