// Estimates that learn from history (issue 26): a task without an estimate gets one from
// the completed tasks like it — sharing labels, sprint or title words — as the median of
// their actual time, scaled by how the actor's own estimates have turned out. The basis is
// said in words ("median of 6 similar tasks: 1h40m; you run 20% over") so a person can judge it.
import { formatDuration } from '../../../shared/format.js';
import type { EstimateSuggestion } from '../../../shared/protocol/estimates.js';
import type { Call } from '../app.js';
import { HUMAN_ACTOR } from '../filters.js';

/** At most this many of the most similar completed tasks make the median. */
const SIMILAR = 10;
/** The latest completed tasks looked at, so a suggestion costs the same with years of history. */
const HISTORY = 2000;
/** An actor's factor needs this many of their own estimated, completed tasks. */
const MIN_OWN = 3;

const STOP = new Set(
  'the and for with from into onto that this then than when what which about over under after before task tasks add fix make use new'.split(
    ' ',
  ),
);
/** The words of a title that can make two tasks alike: lower-case, 3+ letters, not filler. */
export const titleWords = (title: string): Set<string> =>
  new Set(
    title
      .normalize('NFKC')
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length >= 3 && !STOP.has(w)),
  );

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const round5 = (minutes: number) => Math.max(5, Math.round(minutes / 5) * 5);

export interface Done {
  id: number;
  code: string;
  title: string;
  sprint_id: number | null;
  estimate_minutes: number | null;
  ms: number;
  labels: string | null;
  actor: string | null;
}

/** Completed tasks with their tracked time (subtasks included), labels and main actor. */
export function completedTasks(call: Call, exceptId: number): Done[] {
  return call.app.sql.all<Done>(
    `SELECT t.id, t.code, t.title, t.sprint_id, t.estimate_minutes,
            (SELECT coalesce(sum(coalesce(i.ended_at, i.checkpoint_at) - i.started_at), 0) FROM intervals i
              WHERE i.task_id = t.id OR i.task_id IN (SELECT s.id FROM tasks s WHERE s.parent_id = t.id)) AS ms,
            (SELECT group_concat(label_id) FROM (
               SELECT label_id FROM task_labels WHERE task_id = t.id
               UNION SELECT label_id FROM sprint_labels WHERE sprint_id = t.sprint_id)) AS labels,
            (SELECT actor FROM intervals i WHERE i.task_id = t.id
              GROUP BY actor ORDER BY sum(coalesce(i.ended_at, i.checkpoint_at) - i.started_at) DESC LIMIT 1) AS actor
       FROM tasks t
      WHERE t.status = 'completed' AND t.parent_id IS NULL AND t.id != ?
      ORDER BY t.completed_at DESC LIMIT ${HISTORY}`,
    exceptId,
  );
}

/** How the actor's estimates turned out: the median of actual / estimate over their completed tasks. */
export function actorFactor(call: Call, actor: string, history?: Done[]): { factor: number; tasks: number } | null {
  const own = (history ?? completedTasks(call, 0)).filter(
    (t) => t.actor === actor && t.estimate_minutes && t.estimate_minutes > 0 && t.ms > 0,
  );
  if (own.length < MIN_OWN) return null;
  return { factor: median(own.map((t) => t.ms / 60_000 / t.estimate_minutes!)), tasks: own.length };
}

export const overUnder = (factor: number, who: string) => {
  const pct = Math.round((factor - 1) * 100);
  return pct === 0 ? `${who} run on estimate` : `${who} run ${Math.abs(pct)}% ${pct > 0 ? 'over' : 'under'}`;
};

/** The suggestion for task `taskId`, or null when no completed task is like it. */
export function suggestEstimate(
  call: Call,
  taskId: number,
  actor: string | null,
  /** completedTasks() read once for several suggestions (a sprint's); the task itself is left out here. */
  known?: Done[],
): EstimateSuggestion | null {
  const { sql } = call.app;
  const t = sql.get<{ id: number; code: string; title: string; sprint_id: number | null; parent_id: number | null }>(
    'SELECT id, code, title, sprint_id, parent_id FROM tasks WHERE id = ?',
    taskId,
  );
  if (!t) return null;
  const labels = new Set(
    sql
      .all<{ label_id: number }>(
        `SELECT label_id FROM task_labels WHERE task_id IN (?1, ?2)
         UNION SELECT label_id FROM sprint_labels WHERE sprint_id = ?3`,
        t.id,
        t.parent_id ?? -1,
        t.sprint_id ?? -1,
      )
      .map((r) => r.label_id),
  );
  const words = titleWords(t.title);
  const history = known ? known.filter((d) => d.id !== t.id) : completedTasks(call, t.id);
  const scored = history
    .filter((d) => d.ms >= 60_000)
    .map((d) => {
      const shared = (d.labels ?? '').split(',').filter((l) => l && labels.has(Number(l))).length;
      const common = [...titleWords(d.title)].filter((w) => words.has(w)).length;
      const sameSprint = t.sprint_id != null && d.sprint_id === t.sprint_id ? 1 : 0;
      return { d, score: shared * 3 + sameSprint * 2 + common };
    })
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || b.d.id - a.d.id)
    .slice(0, SIMILAR);
  if (scored.length === 0) return null;
  const med = median(scored.map((x) => x.d.ms / 60_000));
  const own = actor ? actorFactor(call, actor, history) : null;
  const minutes = round5(med * (own?.factor ?? 1));
  const who = actor === HUMAN_ACTOR || !actor ? 'you' : actor;
  const basis =
    `median of ${scored.length} similar task${scored.length === 1 ? '' : 's'}: ${formatDuration(Math.round(med) * 60)}` +
    (own ? `; ${overUnder(own.factor, who)} (${own.tasks} of ${who === 'you' ? 'your' : `${who}'s`} tasks)` : '');
  return {
    task: t.code,
    minutes,
    basis: `${basis} → ${formatDuration(minutes * 60)}`,
    median_minutes: Math.round(med),
    similar: scored.map((x) => ({ code: x.d.code, minutes: Math.round(x.d.ms / 60_000) })),
    actor_factor: own ? Math.round(own.factor * 100) / 100 : null,
    actor_tasks: own?.tasks ?? 0,
  };
}
