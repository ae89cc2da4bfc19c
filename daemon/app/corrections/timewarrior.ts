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
import { createPastSession, hitsOf, refOf } from './corrections.js';

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
  const skip = (i: { start: number; end: number | null }, reason: string) =>
    result.skipped.push({ start: iso(i.start), end: i.end === null ? null : iso(i.end), reason });
  for (const i of p.intervals) {
    if (sql.value<number>('SELECT 1 FROM intervals WHERE actor = ? AND external_id = ?', actor, i.id)) {
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
    const hit = hitsOf(sql, actor, i.start, i.end, [])[0];
    if (hit) {
      skip(i, `overlaps ${refOf(sql, hit)} (#${hit.id}) already tracked`);
      continue;
    }
    session ??= importSession(call, actor, i.start, i.end);
    sql.run(
      'UPDATE sessions SET started_at = min(started_at, ?), ended_at = max(ended_at, ?) WHERE id = ?',
      i.start,
      i.end,
      session.id,
    );
    const t = resolveTags(call, i.tags, map, p.create_tasks ?? false, result.tasks_created);
    sql.run(
      `INSERT INTO intervals (session_id, actor, project_id, sprint_id, task_id, started_at, checkpoint_at, ended_at, end_reason, annotation, tags, external_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'imported', ?, ?, ?)`,
      session.id,
      actor,
      t.project_id,
      t.sprint_id,
      t.task_id,
      i.start,
      i.end,
      i.end,
      i.annotation ?? null,
      JSON.stringify(i.tags),
      i.id,
    );
    result.added++;
  }
  if (session) {
    result.session = session.key;
    recordActivity(call, session, {
      kind: 'interval.import',
      message: `imported ${result.added} intervals from Timewarrior (${result.unchanged} already there, ${result.skipped.length} skipped)`,
      data: { format: p.format, added: result.added, unchanged: result.unchanged, skipped: result.skipped.length },
    });
  }
  return result;
}
