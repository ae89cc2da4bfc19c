// Gates that canned text cannot pass (DESIGN.md §6): a summary or an update that only
// repeats text fragd itself suggested (a template or a hole's description), an earlier
// update of the task, or the task's title says nothing about the work, so the gate refuses
// it. Compared normalised: case, accents' width forms, punctuation and spacing ignored.
import type { Call } from '../app.js';
import { HOLES } from '../templates.js';

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
  const earlier = sql.all<{ message: string | null }>(
    "SELECT message FROM activities WHERE kind = 'update' AND (task_id = ?1 OR subtask_id = ?1) AND message IS NOT NULL",
    t.parent_id ?? taskId,
  );
  if (earlier.some((e) => normaliseText(e.message!) === n)) return `it repeats an earlier update of ${t.code}`;
  return null;
}
