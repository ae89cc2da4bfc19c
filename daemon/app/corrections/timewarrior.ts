// Importing Timewarrior history (docs/corrections.md, "Timewarrior"). fragctl reads the
// `timew export` JSON and sends batches; each interval carries an external id (its start
// instant), so a second import of the same file adds nothing. Tags choose the task by the
// rules documented there: an explicit --map first, then tags equal to existing codes.
import type { ImportRow } from '../../../shared/protocol/intervals.js';
import type { ParsedParamsOf, ResultOf } from '../../../shared/protocol/methods.js';
import { iso } from '../../clock.js';
import type { Sql } from '../../store/sql.js';
import type { Call } from '../app.js';
import { recordActivity } from '../activities.js';
import type { SessionRow } from '../rows.js';
import { DEFAULT_ACTOR } from '../sessions/lookup.js';
import { insertWithTotalsOnce } from '../time/totals.js';
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

/**
 * Lookups of one batch, each made once: a tag is looked up as a task, sprint and project
 * code for every tag set that holds it (tens of sets share a few tags). Forgotten when a
 * task is created, since a created code may answer a lookup that found nothing.
 */
class Lookups {
  private ids = {
    tasks: new Map<string, number | null>(),
    sprints: new Map<string, number | null>(),
    projects: new Map<string, number | null>(),
  };
  private tasks = new Map<number, { sprint_id: number | null; project_id: number | null } | undefined>();

  constructor(private readonly sql: Sql) {}

  byCode(table: 'tasks' | 'sprints' | 'projects', code: string): number | null {
    const known = this.ids[table];
    let id = known.get(code);
    if (id === undefined) {
      id = this.sql.value<number>(`SELECT id FROM ${table} WHERE code = ?`, code) ?? null;
      known.set(code, id);
    }
    return id;
  }

  /** A task's sprint (its parent's when it has none) and project (its sprint's when it has none). */
  taskPlace(taskId: number): { sprint_id: number | null; project_id: number | null } | undefined {
    if (this.tasks.has(taskId)) return this.tasks.get(taskId);
    const task = this.sql.get<{ sprint_id: number | null; project_id: number | null; parent_sprint: number | null }>(
      `SELECT t.sprint_id, coalesce(t.project_id, s.project_id) AS project_id, p.sprint_id AS parent_sprint
         FROM tasks t LEFT JOIN tasks p ON p.id = t.parent_id LEFT JOIN sprints s ON s.id = t.sprint_id WHERE t.id = ?`,
      taskId,
    );
    const place = task && {
      sprint_id: task.sprint_id ?? task.parent_sprint ?? null,
      project_id: task.project_id ?? null,
    };
    this.tasks.set(taskId, place);
    return place;
  }

  created(): void {
    for (const known of Object.values(this.ids)) known.clear();
  }
}

function resolveTags(
  call: Call,
  look: Lookups,
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
    if (kind === 'project') set('project_id', look.byCode('projects', code));
    else if (kind === 'sprint') set('sprint_id', look.byCode('sprints', code));
    else set('task_id', look.byCode('tasks', code));
  }
  for (const tag of tags) {
    set('task_id', look.byCode('tasks', tag));
    set('sprint_id', look.byCode('sprints', tag));
    set('project_id', look.byCode('projects', tag));
  }
  if (t.task_id == null && createTasks) {
    const tag = tags.find((x) => !(x in map) && codeFromTag(x));
    if (tag) {
      const code = codeFromTag(tag);
      let id = look.byCode('tasks', code);
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
        look.created();
      }
      t.task_id = id;
    }
  }
  if (t.task_id != null) {
    const place = look.taskPlace(t.task_id);
    set('sprint_id', place?.sprint_id ?? null);
    set('project_id', place?.project_id ?? null);
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

/**
 * One statement inserts a run of intervals, each an array [project, sprint, task, start,
 * end, annotation, tags, external id] of one JSON text; the running totals are added once
 * for the statement (insertWithTotalsOnce), not by the trigger once per row.
 */
const INSERT_RUN = `INSERT INTO intervals (session_id, actor, project_id, sprint_id, task_id, started_at, checkpoint_at, ended_at, end_reason, annotation, tags, external_id)
  SELECT ?1, ?2, value->>0, value->>1, value->>2, value->>3, value->>4, value->>4, 'imported', value->>5, value->>6, value->>7
    FROM json_each(?3) ORDER BY key`;

/** What is already tracked across a batch's whole span, when that is little (as hitsOf reads it, bounded). */
const SPAN_HITS = `SELECT * FROM intervals WHERE actor = ?1 AND started_at < ?3 AND coalesce(ended_at, ?4) > ?2
    AND started_at >= coalesce((SELECT max(started_at) FROM intervals WHERE actor = ?1 AND started_at <= ?2), -1)
  ORDER BY started_at LIMIT 1001`;
const OPEN_END = Number.MAX_SAFE_INTEGER;

/** One statement for a run, its running totals added once (insertWithTotalsOnce). */
function writeRun(sql: Sql, sessionId: number, actor: string, run: Pending[]): void {
  if (!run.length) return;
  const json = JSON.stringify(run);
  insertWithTotalsOnce(sql, () => sql.run(INSERT_RUN, sessionId, actor, json));
}

/** The first of `tracked` (read across the batch's span) that [start, end) overlaps. */
function firstHitIn(tracked: StoredInterval[], start: number, end: number): StoredInterval | undefined {
  for (const h of tracked) if (h.started_at < end && (h.ended_at ?? OPEN_END) > start) return h;
  return undefined;
}

type Pending = [
  project: number | null,
  sprint: number | null,
  task: number | null,
  start: number,
  end: number,
  annotation: string | null,
  tags: string,
  id: string,
];

/**
 * A batch in the compact form, and what its times are in: rows sent as such count whole
 * seconds; intervals sent as objects (instants, to the millisecond) become rows in
 * milliseconds, each distinct tag list one set.
 */
function rowsOf(p: ParsedParamsOf<'interval.import'>): { rows: ImportRow[]; tagSets: string[][]; ms: number } {
  if (p.rows) return { rows: p.rows, tagSets: p.tag_sets ?? [], ms: 1000 };
  const index = new Map<string, number>();
  const tagSets: string[][] = [];
  const rows = (p.intervals ?? []).map((i): ImportRow => {
    const key = JSON.stringify(i.tags);
    let t = index.get(key);
    if (t === undefined) {
      index.set(key, (t = tagSets.length));
      tagSets.push(i.tags);
    }
    return [i.id, i.start, i.end, t, i.annotation ?? null];
  });
  return { rows, tagSets, ms: 1 };
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
  // Times in the rows are `ms` milliseconds each.
  const { rows, tagSets, ms } = rowsOf(p);
  const result: ResultOf<'interval.import'> = {
    actor,
    session: null,
    received: rows.length,
    added: 0,
    unchanged: 0,
    skipped: [],
    tasks_created: [],
  };
  let session: SessionRow | null = null;
  let first = Infinity;
  let last = -Infinity;
  // Each tag set is resolved (and written as JSON) once per batch, when an interval uses it.
  const look = new Lookups(sql);
  const targets: (Target | undefined)[] = [];
  const tagsJson: string[] = [];
  const skip = (start: number, end: number | null, reason: string) =>
    result.skipped.push({ start: iso(start), end: end === null ? null : iso(end), reason });
  // The ids of this batch already imported, in one read.
  const ids: string[] = new Array<string>(rows.length);
  for (let k = 0; k < rows.length; k++) ids[k] = rows[k][0];
  const known = new Set(
    sql.db
      .prepare('SELECT external_id FROM intervals WHERE actor = ? AND external_id IN (SELECT value FROM json_each(?))')
      .pluck()
      .all(actor, JSON.stringify(ids)) as string[],
  );
  // The overlap check reads what is tracked across the batch's span once; with more than
  // 1,000 such intervals, or once a run was written inside the batch, each interval reads
  // its own neighbours (hitsOf), as before.
  let spanStart = Infinity;
  let spanEnd = -Infinity;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    if (r[2] !== null && !known.has(r[0])) {
      spanStart = Math.min(spanStart, r[1] * ms);
      spanEnd = Math.max(spanEnd, r[2] * ms);
    }
  }
  let tracked: StoredInterval[] | null =
    spanStart < spanEnd ? sql.all<StoredInterval>(SPAN_HITS, actor, spanStart, spanEnd, OPEN_END) : [];
  if (tracked.length > 1000) tracked = null;
  // Plain locals, no closures over them: 100k intervals allocate as little as they can.
  let run: Pending[] = [];
  let runEnd = -Infinity;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    const id = r[0];
    const start = r[1] * ms;
    const end = r[2] === null ? null : r[2] * ms;
    if (known.has(id)) {
      result.unchanged++;
      continue;
    }
    if (end === null) {
      skip(start, end, 'still running in Timewarrior: stop it there (timew stop) and import again');
      continue;
    }
    if (end <= start) {
      skip(start, end, 'ends before it starts');
      continue;
    }
    if (end > call.now) {
      skip(start, end, 'ends in the future');
      continue;
    }
    if (start < runEnd) {
      // Written out, so this interval's check sees the run in the database.
      if (session) writeRun(sql, session.id, actor, run);
      tracked = null;
      run = [];
      runEnd = -Infinity;
    }
    const hit = tracked ? firstHitIn(tracked, start, end) : hitsOf(sql, actor, start, end, [])[0];
    if (hit) {
      skip(start, end, `overlaps ${refOf(sql, hit)} (#${hit.id}) already tracked`);
      continue;
    }
    session ??= importSession(call, actor, start, end);
    // The session is stretched once per batch, below: one row change instead of one per interval.
    if (start < first) first = start;
    if (end > last) last = end;
    // Intervals with the same tags land on the same task: resolved once per batch.
    const set = r[3];
    let t = targets[set];
    if (!t) {
      t = targets[set] = resolveTags(call, look, tagSets[set], map, p.create_tasks ?? false, result.tasks_created);
      tagsJson[set] = JSON.stringify(tagSets[set]);
    }
    run.push([t.project_id, t.sprint_id, t.task_id, start, end, r[4] ?? null, tagsJson[set], id]);
    if (end > runEnd) runEnd = end;
    known.add(id);
    result.added++;
  }
  if (session && run.length) writeRun(sql, session.id, actor, run);
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
