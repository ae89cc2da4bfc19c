// Budgets: a time and a cost budget per task or sprint. A budget is a warning: answers on
// the task say how much is left, and crossing 80% and 100% is recorded once as an activity
// and told to the agent at its next prompt. Only a plan's `enforce: true` makes it a limit
// (next then passes the task over).
import type { BudgetLeft, BudgetView, Spend } from '../../../shared/protocol/costs.js';
import { formatDuration } from '../../../shared/format.js';
import type { Call } from '../app.js';
import { recordActivity } from '../activities.js';
import type { SessionRow } from '../rows.js';
import { centsDollars, exactDollars } from './prices.js';
import { sprintSpend, taskSpend } from './spend.js';

export const BUDGET_LEVELS = [80, 100] as const;
const PICO = 1_000_000_000_000n;
const picoOf = (dollars: string): bigint => {
  const neg = dollars.startsWith('-');
  const [w, f = ''] = dollars.replace(/^-/, '').split('.');
  const v = BigInt(w) * PICO + BigInt(f.padEnd(12, '0').slice(0, 12));
  return neg ? -v : v;
};
const signed = (pico: bigint, f: (p: bigint) => string) => (pico < 0n ? `-${f(-pico)}` : f(pico));

interface BudgetRow {
  budget_minutes: number | null;
  budget_usd: string | null;
  budget_enforce: number;
}

export function budgetOf(row: BudgetRow, spend: Spend): BudgetView | null {
  if (row.budget_minutes == null && row.budget_usd == null) return null;
  const parts: string[] = [];
  let time_used_percent: number | null = null;
  let time_left_seconds: number | null = null;
  if (row.budget_minutes != null) {
    const limit = row.budget_minutes * 60;
    time_left_seconds = limit - spend.seconds;
    time_used_percent = limit > 0 ? Math.round((spend.seconds / limit) * 1000) / 10 : 100;
    parts.push(
      time_left_seconds >= 0
        ? `${formatDuration(time_left_seconds)} of ${formatDuration(limit)} left`
        : `${formatDuration(-time_left_seconds)} over its ${formatDuration(limit)} time budget`,
    );
  }
  let cost_used_percent: number | null = null;
  let cost_left_usd: string | null = null;
  if (row.budget_usd != null) {
    const limit = picoOf(row.budget_usd);
    // Unpriced tokens are not in the sum (docs/costs.md): the budget counts what has a price.
    const used = spend.cost.exact_usd === null ? 0n : picoOf(spend.cost.exact_usd);
    const left = limit - used;
    cost_left_usd = signed(left, exactDollars);
    cost_used_percent = limit > 0n ? Number((used * 1000n) / limit) / 10 : 100;
    parts.push(
      left >= 0n
        ? `$${centsDollars(left)} of $${centsDollars(limit)} left`
        : `$${centsDollars(-left)} over its $${centsDollars(limit)} cost budget`,
    );
  }
  return {
    minutes: row.budget_minutes,
    usd: row.budget_usd,
    enforce: row.budget_enforce === 1,
    time_used_percent,
    time_left_seconds,
    cost_used_percent,
    cost_left_usd,
    line: parts.join(' · '),
  };
}

export function taskBudget(call: Call, taskId: number): { spend: Spend; budget: BudgetView | null } {
  const row = call.app.sql.get<BudgetRow>(
    'SELECT budget_minutes, budget_usd, budget_enforce FROM tasks WHERE id = ?',
    taskId,
  );
  const spend = taskSpend(call, taskId);
  return { spend, budget: row ? budgetOf(row, spend) : null };
}

export function sprintBudget(call: Call, sprintId: number): { spend: Spend; budget: BudgetView | null } {
  const row = call.app.sql.get<BudgetRow>(
    'SELECT budget_minutes, budget_usd, budget_enforce FROM sprints WHERE id = ?',
    sprintId,
  );
  const spend = sprintSpend(call, sprintId);
  return { spend, budget: row ? budgetOf(row, spend) : null };
}

/** Whether a task is over an enforced budget (its own or its sprint's). */
export function overEnforcedBudget(call: Call, taskId: number): boolean {
  const t = call.app.sql.get<BudgetRow & { sprint_id: number | null }>(
    'SELECT budget_minutes, budget_usd, budget_enforce, sprint_id FROM tasks WHERE id = ?',
    taskId,
  );
  if (!t) return false;
  const over = (b: BudgetView | null) =>
    !!b?.enforce && ((b.time_used_percent ?? 0) >= 100 || (b.cost_used_percent ?? 0) >= 100);
  if (t.budget_enforce && over(budgetOf(t, taskSpend(call, taskId)))) return true;
  return t.sprint_id != null && over(sprintBudget(call, t.sprint_id).budget);
}

export interface BudgetCrossing {
  scope: 'task' | 'sprint';
  code: string;
  measure: 'time' | 'cost';
  level: number;
  line: string;
}

/**
 * Notes each newly crossed level (80%, 100%) of the budgets of a task and its sprint, once:
 * an activity on the session, and the crossings returned for the agent's next prompt.
 */
export function checkBudgets(call: Call, s: SessionRow, taskId: number | null): BudgetCrossing[] {
  if (taskId == null) return [];
  const { sql } = call.app;
  const task = sql.get<{ id: number; code: string; sprint_id: number | null; parent_id: number | null }>(
    'SELECT id, code, sprint_id, parent_id FROM tasks WHERE id = ?',
    taskId,
  );
  if (!task) return [];
  // A subtask's time and tokens count towards its task's budget.
  const top =
    task.parent_id != null
      ? (sql.get<typeof task>('SELECT id, code, sprint_id, parent_id FROM tasks WHERE id = ?', task.parent_id) ?? task)
      : task;
  const scopes: { scope: 'task' | 'sprint'; id: number; code: string; b: BudgetView | null }[] = [
    { scope: 'task', id: top.id, code: top.code, b: taskBudget(call, top.id).budget },
  ];
  if (top.sprint_id != null) {
    const code = sql.value<string>('SELECT code FROM sprints WHERE id = ?', top.sprint_id) ?? `#${top.sprint_id}`;
    scopes.push({ scope: 'sprint', id: top.sprint_id, code, b: sprintBudget(call, top.sprint_id).budget });
  }
  const out: BudgetCrossing[] = [];
  for (const { scope, id, code, b } of scopes) {
    if (!b) continue;
    for (const [measure, used] of [
      ['time', b.time_used_percent],
      ['cost', b.cost_used_percent],
    ] as const) {
      if (used == null) continue;
      // Only the highest level crossed is told: a jump from 50% to 120% is one line.
      const level = [...BUDGET_LEVELS].reverse().find((l) => used >= l);
      if (level === undefined) continue;
      const fresh = sql.run(
        'INSERT OR IGNORE INTO budget_marks (scope, item_id, measure, level, at) VALUES (?, ?, ?, ?, ?)',
        scope,
        id,
        measure,
        level,
        call.now,
      ).changes;
      for (const l of BUDGET_LEVELS)
        if (l < level)
          sql.run(
            'INSERT OR IGNORE INTO budget_marks (scope, item_id, measure, level, at) VALUES (?, ?, ?, ?, ?)',
            scope,
            id,
            measure,
            l,
            call.now,
          );
      if (!fresh) continue;
      const line = `${scope} ${code} has used ${used}% of its ${measure} budget (${b.line})${b.enforce && level >= 100 ? '; the plan makes it a limit: finish or hand it back' : '; a budget is a warning: say so in your next update if the work needs more'}.`;
      recordActivity(call, s, {
        kind: 'budget.crossed',
        message: line,
        data: { scope, code, measure, level, used_percent: used },
      });
      out.push({ scope, code, measure, level, line });
    }
  }
  return out;
}

/** Minutes as the status line shows them (1h12m, 38m): it changes once a minute, not every second. */
const minutesText = (m: number) => (m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}m`);

/**
 * The status line's words for what is left of a budget: time to the minute (what is left
 * rounded down, what is over rounded up), cost to the cent as task show rounds it (an
 * overrun under half a cent shows as $0.01, never "over by $0.00"). Parts on the same side
 * share their word: "1h12m · $0.84 left", "over by 20m · $0.20", "1h12m left · over by $0.20".
 */
export function budgetLeftText(timeLeftSeconds: number | null, costLeftUsd: string | null): string {
  const parts: { over: boolean; text: string }[] = [];
  if (timeLeftSeconds != null)
    parts.push(
      timeLeftSeconds >= 0
        ? { over: false, text: minutesText(Math.floor(timeLeftSeconds / 60)) }
        : { over: true, text: minutesText(Math.ceil(-timeLeftSeconds / 60)) },
    );
  if (costLeftUsd != null) {
    const left = picoOf(costLeftUsd);
    const cents = centsDollars(left < 0n ? -left : left);
    parts.push({ over: left < 0n, text: `$${left < 0n && cents === '0.00' ? '0.01' : cents}` });
  }
  if (parts.every((p) => !p.over)) return `${parts.map((p) => p.text).join(' · ')} left`;
  if (parts.every((p) => p.over)) return `over by ${parts.map((p) => p.text).join(' · ')}`;
  return parts.map((p) => (p.over ? `over by ${p.text}` : `${p.text} left`)).join(' · ');
}

/**
 * In how many milliseconds the minutes of `budgetLeftText` change while the clock runs on
 * the task: the status file is written again then (and only then, for a running clock).
 */
export function budgetTextChangesInMs(timeLeftSeconds: number): number {
  const s = timeLeftSeconds >= 0 ? (timeLeftSeconds % 60) + 1 : ((60 - (-timeLeftSeconds % 60)) % 60) + 1;
  return s * 1000;
}

/**
 * What is left of the budget of a session's active work, for the status line: its task's
 * (a subtask's own, else its task's, as the reminder of every answer), else its task's
 * sprint's; with no task active, the active sprint's. Null when none of them has a budget.
 */
export function budgetLeft(call: Call, s: SessionRow): BudgetLeft | null {
  // The deepest work frame of the stack: the subtask if there is one, else the task.
  const work = s.active_task_id;
  if (work == null && s.active_sprint_id == null) return null;
  const { sql } = call.app;
  const task =
    work == null
      ? undefined
      : sql.get<{ id: number; code: string }>(
          `SELECT id, code FROM tasks WHERE id IN (?1, (SELECT parent_id FROM tasks WHERE id = ?1))
             AND (budget_minutes IS NOT NULL OR budget_usd IS NOT NULL) ORDER BY parent_id IS NULL LIMIT 1`,
          work,
        );
  let found: { scope: 'task' | 'sprint'; code: string; b: BudgetView | null } | null = null;
  if (task) found = { scope: 'task', code: task.code, b: taskBudget(call, task.id).budget };
  else {
    const sprintId =
      work == null
        ? s.active_sprint_id
        : sql.value<number | null>(
            `SELECT coalesce(p.sprint_id, t.sprint_id) FROM tasks t LEFT JOIN tasks p ON p.id = t.parent_id WHERE t.id = ?`,
            work,
          );
    const sprint =
      sprintId == null
        ? undefined
        : sql.get<{ id: number; code: string }>(
            'SELECT id, code FROM sprints WHERE id = ? AND (budget_minutes IS NOT NULL OR budget_usd IS NOT NULL)',
            sprintId,
          );
    if (sprint) found = { scope: 'sprint', code: sprint.code, b: sprintBudget(call, sprint.id).budget };
  }
  if (!found?.b) return null;
  const { time_left_seconds, cost_left_usd } = found.b;
  return {
    scope: found.scope,
    code: found.code,
    time_left_seconds,
    cost_left_usd,
    text: budgetLeftText(time_left_seconds, cost_left_usd),
  };
}
