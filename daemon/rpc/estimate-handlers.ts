// Estimates from history (issue 26): the two methods, and the suggestion added to the
// answers of task.create, task.activate and plan.import for a task without an estimate.
// Composed here, above both work and estimates, so neither imports the other.
import type { estimateMethods } from '../../shared/protocol/estimates.js';
import type { ParsedParamsOf, ResultOf } from '../../shared/protocol/methods.js';
import type { Instructions } from '../../shared/protocol/views.js';
import { fragctl } from '../../shared/command.js';
import type { Call } from '../app/app.js';
import { estimateAccuracy } from '../app/estimates/accuracy.js';
import { suggestEstimate } from '../app/estimates/suggest.js';
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
