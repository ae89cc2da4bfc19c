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
];
const TEMPLATE_PATTERNS: readonly RegExp[] = [
  // 'progress on T-SESS-01-MODELS (1)', 'resumed T-1 after an interruption' (older suggestions).
  /^progress on .+ \d+$/,
  /^resumed .+ after an interruption$/,
  // An unfilled hole: <summary>, {update}, <summary of at least 20 characters>.
  /^summary of at least \d+ characters$/,
];
const templateSet = new Set(TEMPLATE_TEXTS.map(normaliseText));

/**
 * Phrases people and agents type instead of saying what happened ("progress update",
 * "fixed stuff"): each says nothing about the work, whatever the task.
 */
export const STOCK_PHRASES: readonly string[] = [
  'update',
  'updates',
  'an update',
  'progress',
  'progress update',
  'status update',
  'made progress',
  'making progress',
  'some progress',
  'more progress',
  'done',
  'all done',
  'task done',
  'it is done',
  'complete',
  'completed',
  'task complete',
  'task completed',
  'finished',
  'wip',
  'work in progress',
  'working on it',
  'still working',
  'still working on it',
  'more work',
  'continued work',
  'worked on it',
  'fixed stuff',
  'fixed things',
  'fixes',
  'fixed',
  'fix',
  'misc',
  'misc changes',
  'minor changes',
  'various changes',
  'various fixes',
  'some fixes',
  'some changes',
  'changes',
  'stuff',
  'did stuff',
  'things',
  'ok',
  'okay',
  'test',
  'testing',
  'todo',
  'tbd',
  'n a',
  'na',
  'none',
  'nothing',
  'asdf',
  'lorem ipsum',
  'it works',
  'works now',
  'same as before',
  'see above',
  'as above',
  'etc',
  'summary',
];
const stockSet = new Set(STOCK_PHRASES.map(normaliseText));

/**
 * Words that carry no fact about the work on their own: a text made only of these
 * ("done and done", "fixed some stuff") is filler. Real words the work is about (a file,
 * a function, a bug, "tests", "off-by-one") are not here, so terse real updates pass.
 */
const FILLER = new Set(
  (
    'a an the and or but so then also just still again now more some any all of to in on at for with it its ' +
    'this that these those is was are were be been being has have had do does did done doing i we me my our ' +
    'update updates updated updating progress wip work works worked working stuff things thing misc various ' +
    'minor changes change changed fix fixed fixes fixing ok okay yes yep no etc same before above continue ' +
    'continued continuing finish finished finishing complete completed completing task tasks made make ' +
    'making bit bits lot lots little very really much'
  ).split(' '),
);

/** What kind of emptiness a refused text has, for agents that switch on it. */
export type CannedKind =
  'empty' | 'suggestion' | 'stock_phrase' | 'repeated_words' | 'filler' | 'title' | 'earlier_update';

export interface Canned {
  kind: CannedKind;
  why: string;
}

const quote = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 39)}…` : s);

/**
 * Why `text` says nothing about any work at all (pure: no task, no database), or null.
 * Copied suggestions come first so the reason names what really happened.
 */
export function emptyContent(text: string): Canned | null {
  const n = normaliseText(text);
  if (!n) return { kind: 'empty', why: 'it is empty once punctuation is removed' };
  if (templateSet.has(n) || TEMPLATE_PATTERNS.some((p) => p.test(n)) || /^[<{].*[>}]$/.test(text.trim()))
    return { kind: 'suggestion', why: 'it repeats the text of a suggested command' };
  if (stockSet.has(n))
    return { kind: 'stock_phrase', why: `${quote(n)} is a stock phrase that says nothing about the work` };
  const words = n.split(' ');
  const distinct = new Set(words);
  // "done done done", "fix fix fix fix": a word or two said over and over.
  if (words.length >= 3 && distinct.size <= Math.max(1, Math.floor(words.length / 3)))
    return {
      kind: 'repeated_words',
      why: `it repeats ${[...distinct].map(quote).join(', ')} instead of saying what was done`,
    };
  // A key held down or mashed: "aaaaaa", "xxxxxxxx".
  if (words.every((w) => /^(.)\1{3,}$/u.test(w)))
    return { kind: 'repeated_words', why: 'it is one letter repeated, not words' };
  if (words.every((w) => FILLER.has(w)))
    return {
      kind: 'filler',
      why: `it is made only of filler words (${[...distinct].slice(0, 6).join(', ')}) that say nothing about the work`,
    };
  return null;
}

/** Why `text` says nothing of its own about task `taskId`, or null when it is the worker's. */
export function cannedReason(call: Call, taskId: number, text: string): string | null {
  return cannedDetail(call, taskId, text)?.why ?? null;
}

/** As cannedReason, with the kind of refusal. */
export function cannedDetail(call: Call, taskId: number, text: string): Canned | null {
  const empty = emptyContent(text);
  if (empty) return empty;
  const n = normaliseText(text);
  const { sql } = call.app;
  const t = sql.get<{ code: string; title: string; parent_id: number | null }>(
    'SELECT code, title, parent_id FROM tasks WHERE id = ?',
    taskId,
  );
  if (!t) return null;
  if (n === normaliseText(t.title) || n === normaliseText(t.code))
    return { kind: 'title', why: `it repeats the title of ${t.code}` };
  // The task's most recent updates, not all of them: an update costs the same on a task
  // with years of history (each side walks its (task_id|subtask_id, kind) index backwards).
  const earlier = sql.all<{ message: string | null }>(
    `SELECT message FROM (SELECT message FROM activities WHERE task_id = ?1 AND kind = 'update' ORDER BY id DESC LIMIT ?2)
     UNION ALL
     SELECT message FROM (SELECT message FROM activities WHERE subtask_id = ?1 AND kind = 'update' ORDER BY id DESC LIMIT ?2)`,
    t.parent_id ?? taskId,
    RECENT_UPDATES,
  );
  if (earlier.some((e) => normaliseText(e.message!) === n))
    return { kind: 'earlier_update', why: `it repeats an earlier update of ${t.code}` };
  return null;
}
