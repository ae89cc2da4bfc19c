// Estimates from history (issue 26): the two methods, and the suggestion added to the
// answers of task.create, task.activate and plan.import for a task without an estimate.
// Composed here, above both work and estimates, so neither imports the other.
import type { estimateMethods } from '../../shared/protocol/estimates.js';
import type { ParsedParamsOf, ResultOf } from '../../shared/protocol/methods.js';
import type { Instructions } from '../../shared/protocol/views.js';
import type { EstimateCheck } from '../../shared/protocol/time.js';
import { fragctl } from '../../shared/command.js';
import type { Call } from '../app/app.js';
import { estimateAccuracy } from '../app/estimates/accuracy.js';
import { actorFactor, completedTasks, overUnder, suggestEstimate } from '../app/estimates/suggest.js';
import { HUMAN_ACTOR } from '../app/filters.js';
import { formatDuration } from '../../shared/format.js';
import { findTask } from '../app/work/lookup.js';
import type { HandlersFor } from './handler-types.js';

export const estimateHandlers: HandlersFor<keyof typeof estimateMethods> = {
  'estimate.accuracy': (c, p) => estimateAccuracy(c, p),
  'estimate.suggest': (c, p) => ({ suggestion: suggestEstimate(c, findTask(c, p.code).id, p.actor ?? null) }),
};

/** The suggestion's line in the prose (the estimate is the worker's call: never a command to run as is). */
const suggestionLine = (code: string, s: { minutes: number; basis: string }) =>
  `${code} has no estimate: ${s.basis}. Set it with: ${fragctl('task', 'edit', code, '--estimate', String(s.minutes))}`;

function withLine<R extends { instructions: Instructions }>(r: R, line: string): R {
  return { ...r, instructions: { ...r.instructions, next_actions: [...r.instructions.next_actions, line] } };
}

export function withSuggestionOnCreate(
  c: Call,
  p: ParsedParamsOf<'task.create'>,
  r: ResultOf<'task.create'>,
): ResultOf<'task.create'> {
  if (r.task.estimate_minutes != null) return r;
  const s = suggestEstimate(c, findTask(c, r.task.code).id, p.assignee ?? null);
  return s
    ? { ...withLine(r, suggestionLine(r.task.code, s)), estimate_suggestion: s }
    : { ...r, estimate_suggestion: null };
}

export function withSuggestionOnActivate(c: Call, r: ResultOf<'task.activate'>): ResultOf<'task.activate'> {
  if (r.task.estimate_minutes != null) return r;
  const actor = c.app.sql.value<string>('SELECT actor FROM sessions WHERE key = ?', r.session) ?? null;
  const s = suggestEstimate(c, findTask(c, r.task.code).id, actor);
  return s
    ? { ...withLine(r, suggestionLine(r.task.code, s)), estimate_suggestion: s }
    : { ...r, estimate_suggestion: null };
}

/** After a plan import: which of its tasks still lack an estimate, and with suggest_estimates, fill them. */
export function withPlanEstimates(
  c: Call,
  p: ParsedParamsOf<'plan.import'>,
  r: Omit<ResultOf<'plan.import'>, 'estimated' | 'without_estimate'>,
): ResultOf<'plan.import'> {
  const codes = [...r.created, ...r.updated];
  const missing = codes
    .map((code) =>
      c.app.sql.get<{ id: number; code: string; estimate_minutes: number | null }>(
        'SELECT id, code, estimate_minutes FROM tasks WHERE code = ?',
        code,
      ),
    )
    .filter(
      (t): t is { id: number; code: string; estimate_minutes: number | null } => !!t && t.estimate_minutes == null,
    );
  const estimated: ResultOf<'plan.import'>['estimated'] = [];
  if (p.suggest_estimates) {
    for (const t of missing) {
      const s = suggestEstimate(c, t.id, null);
      if (!s) continue;
      c.app.sql.run('UPDATE tasks SET estimate_minutes = ?, updated_at = ? WHERE id = ?', s.minutes, c.now, t.id);
      estimated.push({ code: t.code, minutes: s.minutes, basis: s.basis });
    }
  }
  const filled = new Set(estimated.map((e) => e.code));
  const without = missing.filter((t) => !filled.has(t.code)).map((t) => t.code);
  const line = p.suggest_estimates
    ? `Estimates suggested from history for ${estimated.length} task(s)${estimated.length ? `: ${estimated.map((e) => `${e.code} ${e.minutes} min`).join(', ')}` : ''}${without.length ? `; no similar completed task for ${without.join(', ')}` : ''}.`
    : without.length
      ? `${without.length} task(s) have no estimate; import again with --suggest-estimates to fill them from similar completed tasks.`
      : null;
  const out = { ...r, estimated, without_estimate: without };
  return line ? withLine(out, line) : out;
}

/**
 * `sprint show` with the estimates history gives (issue 26): a suggestion for each open task
 * without an estimate, and what is left of the sprint's open work, scaled by how the main
 * actor's estimates turned out — the numbers `estimate suggest` and `estimate accuracy` give.
 */
export function withSprintEstimates(c: Call, r: ResultOf<'sprint.show'>): ResultOf<'sprint.show'> {
  const status = new Map(r.tasks.map((t) => [t.code, t.status]));
  const open = r.spend.tasks.filter((t) => status.get(t.code) !== 'completed' && status.get(t.code) !== 'cancelled');
  if (open.length === 0) return r;
  const sprintId = c.app.sql.value<number>('SELECT id FROM sprints WHERE code = ?', r.sprint.code)!;
  // Whose record scales the forecast: who tracked most time on the sprint, else the person.
  const actor =
    c.app.sql.value<string>(
      `SELECT actor FROM intervals WHERE sprint_id = ? GROUP BY actor
        ORDER BY sum(coalesce(ended_at, checkpoint_at) - started_at) DESC LIMIT 1`,
      sprintId,
    ) ?? HUMAN_ACTOR;
  const history = completedTasks(c, 0);
  const own = actorFactor(c, actor, history);
  const factor = own?.factor ?? 1;
  let remaining = 0;
  let forecast = 0;
  let suggested = 0;
  let unknown = 0;
  const tasks = r.spend.tasks.map((t) => {
    if (!open.includes(t)) return t;
    const spent = t.spend.seconds / 60;
    if (t.estimate_minutes != null) {
      remaining += Math.max(0, t.estimate_minutes - spent);
      forecast += Math.max(0, t.estimate_minutes * factor - spent);
      return t;
    }
    const s = suggestEstimate(c, findTask(c, t.code).id, actor, history);
    if (!s) {
      unknown += 1;
      return { ...t, suggestion: null };
    }
    suggested += 1;
    remaining += Math.max(0, s.minutes - spent);
    forecast += Math.max(0, s.minutes - spent);
    return { ...t, suggestion: { minutes: s.minutes, basis: s.basis } };
  });
  const fmt = (m: number) => formatDuration(Math.round(m) * 60);
  const who = actor === HUMAN_ACTOR ? 'you' : actor;
  const basis =
    `${open.length} open task${open.length === 1 ? '' : 's'}: ${fmt(remaining)} left` +
    (suggested ? ` (${suggested} estimated from history)` : '') +
    (unknown ? `; ${unknown} without any estimate` : '') +
    (own ? `; ${overUnder(own.factor, who)} (${own.tasks} tasks) → ${fmt(forecast)}` : '');
  return {
    ...r,
    spend: {
      ...r.spend,
      tasks,
      history: {
        open_tasks: open.length,
        suggested,
        remaining_minutes: Math.round(remaining),
        forecast_minutes: own ? Math.round(forecast) : null,
        basis,
      },
    },
  };
}

/**
 * An answer whose estimate check asks for a new estimate also says what similar completed
 * tasks took (the re-estimate prompt shows it and offers it), so the new estimate can rest
 * on history and not only on this task's overrun.
 */
export function withHistoryOnCheck<R extends { estimate_check?: EstimateCheck | null; instructions: Instructions }>(
  c: Call,
  r: R,
): R {
  const check = r.estimate_check;
  if (!check?.needs_new_estimate) return r;
  const task = findTask(c, check.task);
  const actor =
    c.app.sql.value<string>(
      `SELECT actor FROM intervals WHERE task_id = ? GROUP BY actor
        ORDER BY sum(coalesce(ended_at, checkpoint_at) - started_at) DESC LIMIT 1`,
      task.id,
    ) ?? null;
  const s = suggestEstimate(c, task.id, actor);
  const history = s ? { minutes: s.minutes, basis: s.basis } : null;
  const out = { ...r, estimate_check: { ...check, history } };
  return history ? withLine(out, `Similar completed tasks: ${history.basis}.`) : out;
}
