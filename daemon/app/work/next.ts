// "What next" is one function (DESIGN.md §6): `task.next`, and every next-task or
// next-sprint suggestion in instructions, come from `chooseNext`. A task is ready for a
// session when it is open (todo or in progress), top-level, in no closed sprint, not on
// the session's own stack, not held by another actor's live claim, and its dependencies
// are complete. Ready tasks are ordered: the session's sprint first, then priority, then
// plan order (creation order, which is the order of the plan file).
import { pathsHeldFor } from '../reservations/reservations.js';
import { overEnforcedBudget, taskBudget } from '../costs/budgets.js';
import type { Call } from '../app.js';
import { parseStack, type SessionRow, type TaskRow } from '../rows.js';
import { heldByOthers, liveHolder, openDependencies, priorityName } from './claims.js';
import { remoteHolder } from '../../sync/mirror.js';
import { handoffReason, handoffsTo, heldForOthers, openHandoff } from './handoffs.js';

export interface NextChoice {
  task: TaskRow | null;
  why: string;
  ready: TaskRow[];
  waiting: { code: string; reason: string }[];
}

export const sprintCode = (call: Call, id: number | null) =>
  id == null ? null : (call.app.sql.value<string>('SELECT code FROM sprints WHERE id = ?', id) ?? null);

type OpenTask = TaskRow & { blocked: number };

/** Open top-level tasks in no closed sprint, with whether an open dependency blocks them. */
export const openTasks = (
  index = '',
) => `SELECT t.*, EXISTS (SELECT 1 FROM task_deps d JOIN tasks x ON x.id = d.depends_on_id
                          WHERE d.task_id = t.id AND x.status NOT IN ('completed','cancelled')) AS blocked
       FROM tasks t ${index && `INDEXED BY ${index}`} LEFT JOIN sprints sp ON sp.id = t.sprint_id
      WHERE t.parent_id IS NULL AND t.status IN ('todo','in_progress')
        AND (sp.id IS NULL OR sp.status NOT IN ('completed','cancelled'))`;
/** The walks in rank order: the planner may not know how few rows the partial indexes hold. */
export const RANKED = {
  all: `${openTasks('tasks_open_order')} ORDER BY t.priority, t.id`,
  sprint: `${openTasks('tasks_open_sprint')} AND t.sprint_id = ? ORDER BY t.priority, t.id`,
  others: `${openTasks('tasks_open_order')} AND t.sprint_id IS NOT ? ORDER BY t.priority, t.id`,
};

/**
 * The next task for session `s` (or for nobody in particular when null).
 *
 * `enough` bounds the walk (issue 20): with it, the walk stops once that many ready tasks
 * are found, so a suggestion costs the same at 16k open tasks as at 10. The open tasks are
 * walked in the order "what next" ranks them, on partial indexes (the session's sprint
 * first on `tasks_open_sprint`, then the rest on `tasks_open_order`), so the first ready
 * ones come first. When it stops early, `ready` holds the first `enough`, `more_ready` is
 * true, and `waiting` holds every task that waits for its dependencies or another actor
 * (read from the claims and dependencies, not from the open tasks), in plan order.
 * Without a task ready the walk reads every open task, as before.
 */
export function chooseNext(
  call: Call,
  s: SessionRow | null,
  sprintId?: number | null,
  enough = Infinity,
): NextChoice & { more_ready: boolean } {
  const { sql } = call.app;
  const stack = s ? parseStack(s) : [];
  const mine = new Set(stack.filter((f) => f.type === 'task' || f.type === 'subtask').map((f) => f.id));
  const preferred = sprintId ?? stack.find((f) => f.type === 'sprint')?.id ?? null;
  const held = heldByOthers(call, s);
  const heldFor = heldForOthers(call, s?.actor ?? null);
  // Tasks handed over to this actor come first, before its sprint (task.handoff).
  const handed = s ? handedOver(call, s, mine, held) : [];
  const passes =
    preferred == null
      ? [() => sql.iterate<OpenTask>(RANKED.all)]
      : [() => sql.iterate<OpenTask>(RANKED.sprint, preferred), () => sql.iterate<OpenTask>(RANKED.others, preferred)];
  let ready: TaskRow[] = [...handed];
  const handedIds = new Set(handed.map((t) => t.id));
  const waiting: { code: string; reason: string; order: number }[] = [];
  const yours: string[] = [];
  let more = false;
  let order = 0;
  const wait = (t: OpenTask, at: number) => {
    const forOther = heldFor.get(t.id);
    if (held.has(t.id) && forOther && !liveHolder(call, t.id)) {
      waiting.push({ code: t.code, order: at, reason: handoffReason(forOther) });
    } else if (held.has(t.id)) {
      const h = liveHolder(call, t.id);
      const remote = h ? null : remoteHolder(sql, t.code);
      waiting.push({
        code: t.code,
        order: at,
        reason: h
          ? `held by ${h.session.actor} (${h.session.key})`
          : `held by ${remote?.actor ?? 'another actor'} on machine ${remote?.machine ?? '?'}`,
      });
    } else {
      waiting.push({ code: t.code, order: at, reason: `waits for ${openDependencies(call, t.id).join(', ')}` });
    }
  };
  const seen = new Set<number>();
  // Nothing may write while a statement iterates: the waiting ones are described after the walk.
  const met: [OpenTask, number][] = [];
  walk: for (const pass of passes) {
    for (const t of pass()) {
      seen.add(t.id);
      if (handedIds.has(t.id)) continue;
      if (mine.has(t.id)) yours.push(t.code);
      else if (held.has(t.id) || t.blocked) met.push([t, ++order]);
      else ready.push(t);
      // One beyond enough: then "more than enough are ready" is known, not guessed.
      if (ready.length > enough) {
        more = true;
        ready.pop();
        break walk;
      }
    }
  }
  for (const [t, at] of met) wait(t, at);
  if (more) {
    // The walk stopped early: the tasks that wait further down come from the claims and
    // the dependencies, a read as large as they are, placed after the ones already met.
    const later = sql.all<OpenTask>(
      `${openTasks()} AND t.id IN (SELECT d.task_id FROM task_deps d JOIN tasks x ON x.id = d.depends_on_id
                                  WHERE x.status NOT IN ('completed','cancelled')
                                  UNION SELECT value FROM json_each(?1))
        ORDER BY (?2 IS NOT NULL AND t.sprint_id = ?2) DESC, t.priority, t.id`,
      JSON.stringify([...held]),
      preferred,
    );
    for (const t of later) if (!seen.has(t.id) && !mine.has(t.id)) wait(t, ++order);
  }
  // Over a budget the plan makes a limit: waiting, not ready (after the walk, which reads
  // nothing else while it runs). Within their budgets first: a budget is a warning, and a
  // task over it is still offered, last.
  // A task whose declared paths another actor has reserved waits (its activation would reserve them).
  const pathsHeld = pathsHeldFor(call, s);
  for (const t of ready) {
    const why = pathsHeld(t.id);
    if (why) waiting.push({ code: t.code, order: ++order, reason: why });
  }
  ready = ready.filter((t) => !waiting.some((w) => w.code === t.code));
  for (const t of ready.filter((r) => overBudget(call, r) === 'limit'))
    waiting.push({ code: t.code, order: ++order, reason: 'over its budget, which the plan makes a limit' });
  ready = ready.filter((r) => overBudget(call, r) !== 'limit');
  const over = new Set(ready.filter((t) => overBudget(call, t) === 'warning').map((t) => t.id));
  if (over.size) ready.sort((a, b) => Number(over.has(a.id)) - Number(over.has(b.id)));
  const task = ready[0] ?? null;
  const out = waiting.map(({ code, reason }) => ({ code, reason }));
  return {
    task,
    why: task ? whyChosen(call, task, preferred, ready.length, more) : whyNone(out, yours),
    ready,
    waiting: out,
    more_ready: more,
  };
}

/** A handoff's note on one line, at most 300 characters. */
const noteOf = (note: string) => {
  const line = note.replace(/[“”]/g, '"').replace(/\s+/g, ' ');
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
};

/** Open, ready tasks handed over to the session's actor, oldest handoff first. */
function handedOver(call: Call, s: SessionRow, mine: Set<number>, held: Set<number>): TaskRow[] {
  const out: TaskRow[] = [];
  for (const h of handoffsTo(call, s.actor)) {
    const t = call.app.sql.get<OpenTask>(`${openTasks()} AND t.id = ?`, h.task_id);
    if (t && !t.blocked && !mine.has(t.id) && !held.has(t.id) && !out.some((o) => o.id === t.id)) out.push(t);
  }
  return out;
}

export function whyChosen(call: Call, t: TaskRow, preferred: number | null, count: number, more = false): string {
  const handedBy = openHandoff(call, t.id);
  const where =
    preferred != null && t.sprint_id === preferred
      ? `in your sprint ${sprintCode(call, preferred)}`
      : t.sprint_id != null
        ? `in sprint ${sprintCode(call, t.sprint_id)}${preferred != null ? ` (nothing is ready in ${sprintCode(call, preferred)})` : ''}`
        : 'in no sprint';
  const deps = call.app.sql.value<number>('SELECT count(*) FROM task_deps WHERE task_id = ?', t.id) ?? 0;
  return [
    ...(handedBy
      ? [
          `${t.code} was handed over to ${handedBy.to_actor} by ${handedBy.from_actor} with the note “${noteOf(handedBy.note)}”`,
        ]
      : []),
    `${t.code} is ${where}`,
    `${priorityName(t.priority)} priority`,
    more
      ? `first in plan order of more than ${count} ready tasks`
      : `first in plan order of ${count} ready task${count === 1 ? '' : 's'}`,
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
