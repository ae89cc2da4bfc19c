// Gates that canned text cannot pass (DESIGN.md §6): a summary or an update that only
// repeats text fragd itself suggested (a template or a hole's description), an earlier
// update of the task, or the task's title says nothing about the work, so the gate refuses
// it. Compared normalised: case, accents' width forms, punctuation and spacing ignored.
import type { Call } from '../app.js';
import { HOLES } from '../templates.js';

/** How many of a task's latest updates a new one may not repeat. */
const RECENT_UPDATES = 200;

export const normaliseText = (s: string): string =>
  s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/**
 * Text fragd suggests or has suggested as placeholders, and the descriptions of the holes
 * of its templates: never a summary or an update.
 */
export const TEMPLATE_TEXTS: readonly string[] = [
  'what I just did',
  'what was done and why',
  'what was done, how, and what is left',
  'what the sprint delivered and what was learned',
  ...Object.values(HOLES),
  'summary',
  'update',
  'progress',
  'done',
  'wip',
];
const TEMPLATE_PATTERNS: readonly RegExp[] = [
  // 'progress on T-SESS-01-MODELS (1)', 'resumed T-1 after an interruption' (older suggestions).
  /^progress on .+ \d+$/,
  /^resumed .+ after an interruption$/,
  // An unfilled hole: <summary>, {update}, <summary of at least 20 characters>.
  /^summary of at least \d+ characters$/,
];
const templateSet = new Set(TEMPLATE_TEXTS.map(normaliseText));

/** Why `text` says nothing of its own about task `taskId`, or null when it is the worker's. */
export function cannedReason(call: Call, taskId: number, text: string): string | null {
  const n = normaliseText(text);
  if (!n) return 'it is empty once punctuation is removed';
  if (templateSet.has(n) || TEMPLATE_PATTERNS.some((p) => p.test(n)) || /^[<{].*[>}]$/.test(text.trim()))
    return 'it repeats the text of a suggested command';
  const { sql } = call.app;
  const t = sql.get<{ code: string; title: string; parent_id: number | null }>(
    'SELECT code, title, parent_id FROM tasks WHERE id = ?',
    taskId,
  );
  if (!t) return null;
  if (n === normaliseText(t.title) || n === normaliseText(t.code)) return `it repeats the title of ${t.code}`;
  // The task's most recent updates, not all of them: an update costs the same on a task
  // with years of history (each side walks its (task_id|subtask_id, kind) index backwards).
  const earlier = sql.all<{ message: string | null }>(
    `SELECT message FROM (SELECT message FROM activities WHERE task_id = ?1 AND kind = 'update' ORDER BY id DESC LIMIT ?2)
     UNION ALL
     SELECT message FROM (SELECT message FROM activities WHERE subtask_id = ?1 AND kind = 'update' ORDER BY id DESC LIMIT ?2)`,
    t.parent_id ?? taskId,
    RECENT_UPDATES,
  );
  if (earlier.some((e) => normaliseText(e.message!) === n)) return `it repeats an earlier update of ${t.code}`;
  return null;
}
