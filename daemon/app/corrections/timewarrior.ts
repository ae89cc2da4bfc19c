// Importing Timewarrior history (docs/corrections.md, "Timewarrior"). fragctl reads the
// `timew export` JSON and sends batches; each interval carries an external id (its start
// instant), so a second import of the same file adds nothing. Tags choose the task by the
// rules documented there: an explicit --map first, then tags equal to existing codes.
import type { ParsedParamsOf, ResultOf } from '../../../shared/protocol/methods.js';
import { iso } from '../../clock.js';
import type { Sql } from '../../store/sql.js';
import type { Call } from '../app.js';
import { recordActivity } from '../activities.js';
import type { SessionRow } from '../rows.js';
import { DEFAULT_ACTOR } from '../sessions/lookup.js';
import { createPastSession, hitsOf, refOf, type StoredInterval } from './corrections.js';

interface Target {
  task_id: number | null;
  sprint_id: number | null;
  project_id: number | null;
}

/** Task codes made from tags keep to the characters codes may use. */
export const codeFromTag = (tag: string): string =>
  tag
    .toUpperCase()
    .replace(/[^A-Z0-9._-]+/g, '-')
    .replace(/^[^A-Z0-9]+/, '')
    .slice(0, 64);

function byCode(sql: Sql, table: 'tasks' | 'sprints' | 'projects', code: string): number | null {
  return sql.value<number>(`SELECT id FROM ${table} WHERE code = ?`, code) ?? null;
}

function resolveTags(
  call: Call,
  tags: string[],
  map: Record<string, string>,
  createTasks: boolean,
  created: string[],
): Target {
  const { sql } = call.app;
  const t: Target = { task_id: null, sprint_id: null, project_id: null };
  const set = (kind: keyof Target, id: number | null) => {
    if (id != null && t[kind] == null) t[kind] = id;
  };
  for (const tag of tags) {
    const m = map[tag];
    if (m === undefined) continue;
    const [kind, code] = m.includes(':') ? (m.split(':', 2) as [string, string]) : ['task', m];
    if (kind === 'project') set('project_id', byCode(sql, 'projects', code));
    else if (kind === 'sprint') set('sprint_id', byCode(sql, 'sprints', code));
    else set('task_id', byCode(sql, 'tasks', code));
  }
  for (const tag of tags) {
    set('task_id', byCode(sql, 'tasks', tag));
    set('sprint_id', byCode(sql, 'sprints', tag));
    set('project_id', byCode(sql, 'projects', tag));
  }
  if (t.task_id == null && createTasks) {
    const tag = tags.find((x) => !(x in map) && codeFromTag(x));
    if (tag) {
      const code = codeFromTag(tag);
      let id = byCode(sql, 'tasks', code);
      if (id == null) {
        id = sql.run(
          `INSERT INTO tasks (code, project_id, sprint_id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
          code,
          t.project_id,
          t.sprint_id,
          tag,
          call.now,
          call.now,
        ).lastInsertRowid;
        created.push(code);
      }
      t.task_id = id;
    }
  }
  if (t.task_id != null) {
    const task = sql.get<{ sprint_id: number | null; project_id: number | null; parent_sprint: number | null }>(
      `SELECT t.sprint_id, coalesce(t.project_id, s.project_id) AS project_id, p.sprint_id AS parent_sprint
         FROM tasks t LEFT JOIN tasks p ON p.id = t.parent_id LEFT JOIN sprints s ON s.id = t.sprint_id WHERE t.id = ?`,
      t.task_id,
    );
    set('sprint_id', task?.sprint_id ?? task?.parent_sprint ?? null);
    set('project_id', task?.project_id ?? null);
  }
  if (t.sprint_id != null && t.project_id == null)
    set('project_id', sql.value<number>('SELECT project_id FROM sprints WHERE id = ?', t.sprint_id) ?? null);
  return t;
}

/** The actor's one session that holds imported history, made on first use and stretched to cover it. */
function importSession(call: Call, actor: string, start: number, end: number): SessionRow {
  const { sql } = call.app;
  const s = sql.get<SessionRow>(
    `SELECT * FROM sessions WHERE actor = ? AND json_extract(metadata, '$.imported_from') = 'timewarrior' LIMIT 1`,
    actor,
  );
  if (s) {
    sql.run(
      'UPDATE sessions SET started_at = min(started_at, ?), ended_at = max(ended_at, ?) WHERE id = ?',
      start,
      end,
      s.id,
    );
    return s;
  }
  const made = createPastSession(call, actor, start, end, 'history imported from Timewarrior');
  sql.run(`UPDATE sessions SET metadata = '{"imported_from":"timewarrior"}' WHERE id = ?`, made.id);
  return made;
}

/** One statement inserts a run of intervals: the triggers' page journal is written once for the run, not once per row. */
const INSERT_RUN = `INSERT INTO intervals (session_id, actor, project_id, sprint_id, task_id, started_at, checkpoint_at, ended_at, end_reason, annotation, tags, external_id)
  SELECT ?1, ?2, value->>'p', value->>'r', value->>'t', value->>'s', value->>'e', value->>'e', 'imported', value->>'a', value->>'g', value->>'i'
    FROM json_each(?3) ORDER BY key`;

/** What is already tracked across a batch's whole span, when that is little (as hitsOf reads it, bounded). */
const SPAN_HITS = `SELECT * FROM intervals WHERE actor = ?1 AND started_at < ?3 AND coalesce(ended_at, ?4) > ?2
    AND started_at >= coalesce((SELECT max(started_at) FROM intervals WHERE actor = ?1 AND started_at <= ?2), -1)
  ORDER BY started_at LIMIT 1001`;
const OPEN_END = Number.MAX_SAFE_INTEGER;

interface Pending {
  p: number | null;
  r: number | null;
  t: number | null;
  s: number;
  e: number;
  a: string | null;
  g: string;
  i: string;
}

/**
 * Imports one batch (issue 20: 100k intervals in about a second). Each interval is checked
 * as before, in order — known id, still running, ends before it starts or in the future,
 * overlaps what is tracked — and the accepted ones are inserted in runs by one statement
 * each. A run is written out before an interval that starts before the run's latest end,
 * so that interval's overlap check sees every earlier one in the database, as when each
 * was inserted on its own. One activity records the batch, as before.
 */
export function importIntervals(call: Call, p: ParsedParamsOf<'interval.import'>): ResultOf<'interval.import'> {
  const { sql } = call.app;
  const actor = p.actor ?? DEFAULT_ACTOR;
  const map = p.map ?? {};
  const result: ResultOf<'interval.import'> = {
    actor,
    session: null,
    received: p.intervals.length,
    added: 0,
    unchanged: 0,
    skipped: [],
    tasks_created: [],
  };
  let session: SessionRow | null = null;
  let first = Infinity;
  let last = -Infinity;
  const targets = new Map<string, Target>();
  const skip = (i: { start: number; end: number | null }, reason: string) =>
    result.skipped.push({ start: iso(i.start), end: i.end === null ? null : iso(i.end), reason });
  // The ids of this batch already imported, in one read.
  const known = new Set(
    sql.db
      .prepare('SELECT external_id FROM intervals WHERE actor = ? AND external_id IN (SELECT value FROM json_each(?))')
      .pluck()
      .all(actor, JSON.stringify(p.intervals.map((i) => i.id))) as string[],
  );
  // The overlap check reads what is tracked across the batch's span once; with more than
  // 1,000 such intervals, or once a run was written inside the batch, each interval reads
  // its own neighbours (hitsOf), as before.
  let spanStart = Infinity;
  let spanEnd = -Infinity;
  for (const i of p.intervals)
    if (i.end !== null && !known.has(i.id)) {
      spanStart = Math.min(spanStart, i.start);
      spanEnd = Math.max(spanEnd, i.end);
    }
  let tracked: StoredInterval[] | null =
    spanStart < spanEnd ? sql.all<StoredInterval>(SPAN_HITS, actor, spanStart, spanEnd, OPEN_END) : [];
  if (tracked.length > 1000) tracked = null;
  const firstHit = (start: number, end: number): StoredInterval | undefined =>
    tracked
      ? tracked.find((h) => h.started_at < end && (h.ended_at ?? OPEN_END) > start)
      : hitsOf(sql, actor, start, end, [])[0];
  let run: Pending[] = [];
  let runEnd = -Infinity;
  const flush = () => {
    if (run.length && session) {
      sql.run(INSERT_RUN, session.id, actor, JSON.stringify(run));
      tracked = null;
    }
    run = [];
    runEnd = -Infinity;
  };
  for (const i of p.intervals) {
    if (known.has(i.id)) {
      result.unchanged++;
      continue;
    }
    if (i.end === null) {
      skip(i, 'still running in Timewarrior: stop it there (timew stop) and import again');
      continue;
    }
    if (i.end <= i.start) {
      skip(i, 'ends before it starts');
      continue;
    }
    if (i.end > call.now) {
      skip(i, 'ends in the future');
      continue;
    }
    if (i.start < runEnd) flush();
    const hit = firstHit(i.start, i.end);
    if (hit) {
      skip(i, `overlaps ${refOf(sql, hit)} (#${hit.id}) already tracked`);
      continue;
    }
    session ??= importSession(call, actor, i.start, i.end);
    // The session is stretched once per batch, below: one row change instead of one per interval.
    first = Math.min(first, i.start);
    last = Math.max(last, i.end);
    // Intervals with the same tags land on the same task: resolved once per batch.
    const key = JSON.stringify(i.tags);
    let t = targets.get(key);
    if (!t) targets.set(key, (t = resolveTags(call, i.tags, map, p.create_tasks ?? false, result.tasks_created)));
    run.push({
      p: t.project_id,
      r: t.sprint_id,
      t: t.task_id,
      s: i.start,
      e: i.end,
      a: i.annotation ?? null,
      g: key,
      i: i.id,
    });
    runEnd = Math.max(runEnd, i.end);
    known.add(i.id);
    result.added++;
  }
  flush();
  if (session) {
    if (result.added > 0)
      sql.run(
        'UPDATE sessions SET started_at = min(started_at, ?), ended_at = max(ended_at, ?) WHERE id = ?',
        first,
        last,
        session.id,
      );
    result.session = session.key;
    recordActivity(call, session, {
      kind: 'interval.import',
      message: `imported ${result.added} intervals from Timewarrior (${result.unchanged} already there, ${result.skipped.length} skipped)`,
      data: { format: p.format, added: result.added, unchanged: result.unchanged, skipped: result.skipped.length },
    });
  }
  return result;
}
