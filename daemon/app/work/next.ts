// "What next" is one function (DESIGN.md §6): `task.next`, and every next-task or
// next-sprint suggestion in instructions, come from `chooseNext`. A task is ready for a
// session when it is open (todo or in progress), top-level, in no closed sprint, not on
// the session's own stack, not held by another actor's live claim, and its dependencies
// are complete. Ready tasks are ordered: the session's sprint first, then priority, then
// plan order (creation order, which is the order of the plan file).
import { overEnforcedBudget, taskBudget } from '../costs/budgets.js';
import type { Call } from '../app.js';
import { parseStack, type SessionRow, type TaskRow } from '../rows.js';
import { heldByOthers, liveHolder, openDependencies, priorityName } from './claims.js';
import { remoteHolder } from '../../sync/mirror.js';

export interface NextChoice {
  task: TaskRow | null;
  why: string;
  ready: TaskRow[];
  waiting: { code: string; reason: string }[];
}

export const sprintCode = (call: Call, id: number | null) =>
  id == null ? null : (call.app.sql.value<string>('SELECT code FROM sprints WHERE id = ?', id) ?? null);

/** The next task for session `s` (or for nobody in particular when null). */
export function chooseNext(call: Call, s: SessionRow | null, sprintId?: number | null): NextChoice {
  const { sql } = call.app;
  const stack = s ? parseStack(s) : [];
  const mine = new Set(stack.filter((f) => f.type === 'task' || f.type === 'subtask').map((f) => f.id));
  const preferred = sprintId ?? stack.find((f) => f.type === 'sprint')?.id ?? null;
  const held = heldByOthers(call, s);
  const open = sql.all<TaskRow & { blocked: number }>(
    `SELECT t.*, EXISTS (SELECT 1 FROM task_deps d JOIN tasks x ON x.id = d.depends_on_id
                          WHERE d.task_id = t.id AND x.status NOT IN ('completed','cancelled')) AS blocked
       FROM tasks t LEFT JOIN sprints sp ON sp.id = t.sprint_id
      WHERE t.parent_id IS NULL AND t.status IN ('todo','in_progress')
        AND (sp.id IS NULL OR sp.status NOT IN ('completed','cancelled'))
      ORDER BY (?1 IS NOT NULL AND t.sprint_id = ?1) DESC, t.priority, t.id`,
    preferred,
  );
  const ready: TaskRow[] = [];
  const waiting: { code: string; reason: string }[] = [];
  const yours: string[] = [];
  for (const t of open) {
    if (mine.has(t.id)) {
      yours.push(t.code);
      continue;
    }
    if (held.has(t.id)) {
      const h = liveHolder(call, t.id);
      const remote = h ? null : remoteHolder(sql, t.code);
      waiting.push({
        code: t.code,
        reason: h
          ? `held by ${h.session.actor} (${h.session.key})`
          : `held by ${remote?.actor ?? 'another actor'} on machine ${remote?.machine ?? '?'}`,
      });
    } else if (t.blocked) {
      waiting.push({ code: t.code, reason: `waits for ${openDependencies(call, t.id).join(', ')}` });
    } else if (overBudget(call, t) === 'limit') {
      waiting.push({ code: t.code, reason: 'over its budget, which the plan makes a limit' });
    } else {
      ready.push(t);
    }
  }
  // Tasks within their budgets first (a budget is a warning: one over it is still offered, last).
  const over = new Set(ready.filter((t) => overBudget(call, t) === 'warning').map((t) => t.id));
  if (over.size) ready.sort((a, b) => Number(over.has(a.id)) - Number(over.has(b.id)));
  const task = ready[0] ?? null;
  return { task, why: task ? whyChosen(call, task, preferred, ready.length) : whyNone(waiting, yours), ready, waiting };
}

export function whyChosen(call: Call, t: TaskRow, preferred: number | null, count: number): string {
  const where =
    preferred != null && t.sprint_id === preferred
      ? `in your sprint ${sprintCode(call, preferred)}`
      : t.sprint_id != null
        ? `in sprint ${sprintCode(call, t.sprint_id)}${preferred != null ? ` (nothing is ready in ${sprintCode(call, preferred)})` : ''}`
        : 'in no sprint';
  const deps = call.app.sql.value<number>('SELECT count(*) FROM task_deps WHERE task_id = ?', t.id) ?? 0;
  return [
    `${t.code} is ${where}`,
    `${priorityName(t.priority)} priority`,
    `first in plan order of ${count} ready task${count === 1 ? '' : 's'}`,
    deps ? 'its dependencies are complete' : 'it has no dependencies',
    'nobody else holds it',
  ].join('; ');
}

// `waiting` empty means nothing will become ready later: fragctl's exit code for
// `next --activate` (docs/claims.md) is decided on it, so it must list every open task
// another session could still free or unblock.
const whyNone = (waiting: { code: string; reason: string }[], yours: string[]) =>
  waiting.length
    ? `no task is ready for you: ${waiting.length} open task${waiting.length === 1 ? ' waits' : 's wait'} (held by another actor or for dependencies)`
    : yours.length
      ? `no other open task is left (yours: ${yours.join(', ')})`
      : 'no open task is left';

/** Whether a task (or its sprint) has used all of a budget: null, a warning, or a limit the plan set. */
function overBudget(call: Call, t: TaskRow): 'warning' | 'limit' | null {
  const row = t as TaskRow & { budget_minutes?: number | null; budget_usd?: string | null };
  const sprintBudgeted =
    t.sprint_id != null &&
    call.app.sql.value<number>(
      'SELECT 1 FROM sprints WHERE id = ? AND (budget_minutes IS NOT NULL OR budget_usd IS NOT NULL)',
      t.sprint_id,
    ) === 1;
  if (row.budget_minutes == null && row.budget_usd == null && !sprintBudgeted) return null;
  if (overEnforcedBudget(call, t.id)) return 'limit';
  const used = (b: { time_used_percent: number | null; cost_used_percent: number | null } | null) =>
    !!b && ((b.time_used_percent ?? 0) >= 100 || (b.cost_used_percent ?? 0) >= 100);
  return used(taskBudget(call, t.id).budget) ? 'warning' : null;
}
