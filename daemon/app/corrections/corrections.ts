// Corrections of tracked time (docs/corrections.md): list an actor's intervals with short
// ids, add past time, move, split, join, re-attribute, delete and annotate. Every
// correction is plain SQL on the intervals table (totals are derived from it), keeps one
// actor's intervals from overlapping, and records an activity with the intervals before
// and after, in the same transaction.
import { ErrorCode, FragError, invalidState, notFound } from '../../../shared/errors.js';
import type { ParsedParamsOf, ResultOf } from '../../../shared/protocol/methods.js';
import type { CorrectionResult, IntervalView } from '../../../shared/protocol/intervals.js';
import { iso, isoOrNull } from '../../clock.js';
import type { Sql } from '../../store/sql.js';
import type { Call } from '../app.js';
import { recordActivity } from '../activities.js';
import type { IntervalRow, SessionRow } from '../rows.js';
import { activityView } from '../views.js';
import { fragctl } from '../../../shared/command.js';
import { nextKey } from '../sessions/sessions.js';
import { DEFAULT_ACTOR, currentSessionOf } from '../sessions/lookup.js';

/** An interval as stored, with the columns corrections add. */
export interface StoredInterval extends IntervalRow {
  annotation: string | null;
  tags: string | null;
  external_id: string | null;
}

/** End of an open interval for overlap checks: it runs on, so nothing may start after it. */
const OPEN_END = Number.MAX_SAFE_INTEGER;

const badParams = (message: string, data: Record<string, unknown> = {}) =>
  new FragError(ErrorCode.InvalidParams, message, data);

/**
 * Short ids are the interval's own number (its id): fixed for its life, so `annotate @7`
 * hits the interval the listing showed as @7 even after a split or a delete in between (a
 * split's new part gets a new number, a deletion leaves a gap). Timewarrior renumbers @1
 * as the newest on every change; that is what made a listing go stale.
 */
export function refOf(_sql: Sql, row: IntervalRow): string {
  return `@${row.id}`;
}

interface Codes {
  session: string;
  project: string | null;
  sprint: string | null;
  task: string | null;
  task_title: string | null;
}

function codesOf(sql: Sql, row: IntervalRow): Codes {
  return sql.get<Codes>(
    `SELECT (SELECT key FROM sessions WHERE id = ?1) AS session,
            (SELECT code FROM projects WHERE id = ?2) AS project,
            (SELECT code FROM sprints WHERE id = ?3) AS sprint,
            (SELECT code FROM tasks WHERE id = ?4) AS task,
            (SELECT title FROM tasks WHERE id = ?4) AS task_title`,
    row.session_id,
    row.project_id,
    row.sprint_id,
    row.task_id,
  )!;
}

export function intervalView(sql: Sql, row: StoredInterval, now: number, ref?: string): IntervalView {
  const end = row.ended_at ?? Math.max(now, row.started_at);
  return {
    ref: ref ?? refOf(sql, row),
    id: row.id,
    actor: row.actor,
    ...codesOf(sql, row),
    start: iso(row.started_at),
    end: isoOrNull(row.ended_at),
    seconds: Math.round((end - row.started_at) / 1000),
    open: row.ended_at === null,
    end_reason: row.end_reason,
    annotation: row.annotation,
    tags: row.tags ? (JSON.parse(row.tags) as string[]) : [],
  };
}

const actorOf = (p: { actor?: string } | undefined) => p?.actor ?? DEFAULT_ACTOR;

export function listIntervals(call: Call, p: ParsedParamsOf<'interval.list'>): ResultOf<'interval.list'> {
  const { sql } = call.app;
  const actor = actorOf(p);
  const taskId = p?.task ? taskByCode(sql, p.task).id : null;
  const since = p?.since ?? 0;
  const until = p?.until ?? OPEN_END;
  if (since >= until) throw badParams('--since must be before --until', { hint: 'swap them' });
  const where = `started_at < ?3 AND (?4 IS NULL OR task_id = ?4 OR task_id IN (SELECT id FROM tasks WHERE parent_id = ?4))`;
  const inRange = `FROM intervals WHERE actor = ?1 AND started_at < ?3 AND coalesce(ended_at, max(?5, started_at)) > ?2`;
  const limit = p?.limit ?? 1000;
  const offset = p?.offset ?? 0;
  const rows = sql.all<StoredInterval>(
    `SELECT * ${inRange} AND ${where} ORDER BY started_at DESC, id DESC LIMIT ?6 OFFSET ?7`,
    actor,
    since,
    until,
    taskId,
    call.now,
    limit,
    offset,
  );
  const sums = sql.get<{ matched: number; ms: number }>(
    `SELECT count(*) AS matched,
            coalesce(sum(min(coalesce(ended_at, max(?5, started_at)), ?3) - max(started_at, ?2)), 0) AS ms
       ${inRange} AND ${where}`,
    actor,
    since,
    until,
    taskId,
    call.now,
  )!;
  return {
    actor,
    now: iso(call.now),
    intervals: rows.map((r) => intervalView(sql, r, call.now)),
    matched: sums.matched,
    total_seconds: Math.round(sums.ms / 1000),
  };
}

export function resolveRef(call: Call, actor: string, ref: string): StoredInterval {
  const { sql } = call.app;
  // @N and #N name the same interval: its number, which never changes (refOf).
  const row = sql.get<StoredInterval>(
    'SELECT * FROM intervals WHERE id = ? AND actor = ?',
    Number(ref.slice(1)),
    actor,
  );
  if (!row) throw notFound(`interval of ${actor}`, ref, `list them with: ${fragctl('intervals', '--actor', actor)}`);
  return row;
}

function taskByCode(sql: Sql, code: string) {
  const t = sql.get<{ id: number; code: string; project_id: number | null; sprint_id: number | null }>(
    `SELECT t.id, t.code, coalesce(t.project_id, p.project_id, s.project_id) AS project_id,
            coalesce(t.sprint_id, p.sprint_id) AS sprint_id
       FROM tasks t LEFT JOIN tasks p ON p.id = t.parent_id LEFT JOIN sprints s ON s.id = coalesce(t.sprint_id, p.sprint_id)
      WHERE t.code = ?`,
    code,
  );
  if (!t) throw notFound('task', code, 'list tasks with: fragctl task list');
  return t;
}

/** The rules every corrected interval keeps: a positive length, nothing in the future. */
function checkTimes(call: Call, start: number, end: number | null): void {
  const now = call.now;
  if (start > now)
    throw invalidState(`the interval would start in the future (${iso(start)}; now is ${iso(now)})`, {
      hint: 'only past time can be tracked or corrected',
    });
  if (end === null) return;
  if (end <= start)
    throw badParams(`the end (${iso(end)}) must be after the start (${iso(start)})`, {
      hint: 'swap them, or give a later end',
    });
  if (end > now)
    throw invalidState(`the interval would end in the future (${iso(end)}; now is ${iso(now)})`, {
      hint: 'end it at now or earlier; a running interval is ended by pausing or stopping its task',
    });
}

/**
 * The actor's intervals that [start, end) would overlap, other than `except`. One actor's
 * intervals never overlap, so only the last one starting at or before `start` and those
 * starting inside the range can: the index range stays short on a year of data.
 */
export function hitsOf(sql: Sql, actor: string, start: number, end: number | null, except: number[]): StoredInterval[] {
  return sql
    .all<StoredInterval>(
      `SELECT * FROM intervals WHERE actor = ?1 AND started_at < ?3 AND coalesce(ended_at, ?4) > ?2
          AND started_at >= coalesce((SELECT max(started_at) FROM intervals WHERE actor = ?1 AND started_at <= ?2), -1)
        ORDER BY started_at`,
      actor,
      start,
      end ?? OPEN_END,
      OPEN_END,
    )
    .filter((h) => !except.includes(h.id));
}

interface Change {
  before: StoredInterval[];
  after: number[];
  adjusted: number;
}

/**
 * Makes room for [start, end): refuses, naming the first interval it hits, or with
 * `adjust` trims, splits or removes the neighbours. A running interval is never removed.
 */
function makeRoom(
  call: Call,
  change: Change,
  actor: string,
  start: number,
  end: number | null,
  except: number[],
  adjust: boolean,
) {
  const { sql } = call.app;
  const hits = hitsOf(sql, actor, start, end, except);
  if (!hits.length) return;
  if (!adjust) {
    const h = hits[0];
    const v = intervalView(sql, h, call.now);
    throw new FragError(
      ErrorCode.Conflict,
      `${v.ref} (${v.task ?? 'no task'}, ${v.start} – ${v.end ?? 'running'}) overlaps ${iso(start)} – ${end === null ? 'running' : iso(end)}; one actor's intervals never overlap`,
      {
        interval: v,
        range: { start: iso(start), end: end === null ? null : iso(end) },
        hint: 'choose other times, or add --adjust to trim, split or remove what it overlaps',
      },
    );
  }
  const stop = end ?? OPEN_END;
  for (const h of hits) {
    const hEnd = h.ended_at ?? OPEN_END;
    change.before.push(h);
    change.adjusted++;
    if (h.started_at >= start && hEnd <= stop) {
      if (h.ended_at === null) throw runningRefused(sql, call, h, 'removed');
      sql.run('DELETE FROM intervals WHERE id = ?', h.id);
    } else if (h.started_at < start && hEnd > stop) {
      // The new time lies inside h: h keeps its left part, a copy takes its right part (a
      // running h stays the running row, now starting after the new time).
      if (h.ended_at === null) {
        const leftId = insertCopy(sql, { ...h, end_reason: 'split' }, h.started_at, start);
        sql.run(
          'UPDATE intervals SET started_at = ?, checkpoint_at = max(checkpoint_at, ?) WHERE id = ?',
          stop,
          stop,
          h.id,
        );
        change.after.push(leftId, h.id);
      } else {
        const rightId = insertCopy(sql, h, stop, h.ended_at);
        sql.run('UPDATE intervals SET ended_at = ?, checkpoint_at = ? WHERE id = ?', start, start, h.id);
        change.after.push(h.id, rightId);
      }
    } else if (h.started_at < start) {
      sql.run('UPDATE intervals SET ended_at = ?, checkpoint_at = ? WHERE id = ?', start, start, h.id);
      change.after.push(h.id);
    } else {
      sql.run(
        'UPDATE intervals SET started_at = ?, checkpoint_at = max(checkpoint_at, ?) WHERE id = ?',
        stop,
        stop,
        h.id,
      );
      change.after.push(h.id);
    }
  }
}

function runningRefused(sql: Sql, call: Call, h: StoredInterval, what: string): FragError {
  const v = intervalView(sql, h, call.now);
  return invalidState(`${v.ref} is running; it cannot be ${what} by a correction`, {
    interval: v,
    hint: 'pause the session (fragctl session pause) or stop the task first, then correct it',
  });
}

function insertCopy(sql: Sql, h: StoredInterval, start: number, end: number | null): number {
  return sql.run(
    `INSERT INTO intervals (session_id, actor, project_id, sprint_id, task_id, started_at, checkpoint_at, ended_at, end_reason, annotation, tags)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    h.session_id,
    h.actor,
    h.project_id,
    h.sprint_id,
    h.task_id,
    start,
    end ?? Math.max(h.checkpoint_at, start),
    end,
    end === null ? null : h.end_reason,
    h.annotation,
    h.tags,
  ).lastInsertRowid;
}

/** Records the correction as an activity of the interval's session (totals follow by the triggers on intervals). */
function finish(call: Call, verb: string, actor: string, change: Change, message: string): CorrectionResult {
  const { sql } = call.app;
  const afterRows = [...new Set(change.after)]
    .map((id) => sql.get<StoredInterval>('SELECT * FROM intervals WHERE id = ?', id))
    .filter((r): r is StoredInterval => !!r)
    .sort((a, b) => a.started_at - b.started_at);
  const beforeRows = dedupe(change.before).sort((a, b) => a.started_at - b.started_at);
  const before = beforeRows.map((r) => intervalView(sql, r, call.now, '-'));
  const after = afterRows.map((r) => intervalView(sql, r, call.now));
  const sessionId = afterRows[0]?.session_id ?? beforeRows[0]?.session_id;
  const session = sql.get<SessionRow>('SELECT * FROM sessions WHERE id = ?', sessionId)!;
  const row = recordActivity(call, session, {
    kind: 'interval.correction',
    message,
    data: { verb, actor, before, after, adjusted: change.adjusted },
  });
  call.events.push({ type: 'item.changed', session: session.key, at: iso(call.now), data: { intervals: verb } });
  return { verb, actor, before, after, adjusted: change.adjusted, activity: activityView(sql, row, session) };
}

const dedupe = (rows: StoredInterval[]) => [...new Map(rows.map((r) => [r.id, r])).values()];

const span = (s: number, e: number | null) => `${iso(s)} – ${e === null ? 'running' : iso(e)}`;

/** The session past time goes to: one of the actor's that covers it, else the current or the last, else a new one. */
function sessionForPast(call: Call, actor: string, start: number, end: number): SessionRow {
  const { sql } = call.app;
  const covering = sql.get<SessionRow>(
    `SELECT * FROM sessions WHERE actor = ? AND started_at <= ? AND coalesce(ended_at, ?) >= ? ORDER BY id DESC LIMIT 1`,
    actor,
    start,
    call.now,
    end,
  );
  const s =
    covering ??
    currentSessionOf(call, actor) ??
    sql.get<SessionRow>('SELECT * FROM sessions WHERE actor = ? ORDER BY id DESC LIMIT 1', actor);
  return s ?? createPastSession(call, actor, start, end, 'time tracked after the fact');
}

/** A completed session that holds time added after the fact (tracked or imported). */
export function createPastSession(call: Call, actor: string, start: number, end: number, why: string): SessionRow {
  const { sql } = call.app;
  const key = nextKey(call);
  sql.run(
    `INSERT INTO sessions (key, actor, os_user, source, type, status, metadata, started_at, ended_at, last_activity_at, summary)
     VALUES (?, ?, ?, ?, 'work', 'completed', '{}', ?, ?, ?, ?)`,
    key,
    actor,
    actor,
    call.source,
    start,
    end,
    end,
    why,
  );
  return sql.get<SessionRow>('SELECT * FROM sessions WHERE key = ?', key)!;
}

export function track(call: Call, p: ParsedParamsOf<'interval.track'>): CorrectionResult {
  const { sql } = call.app;
  const actor = actorOf(p);
  checkTimes(call, p.start, p.end);
  const task = p.task ? taskByCode(sql, p.task) : null;
  const change: Change = { before: [], after: [], adjusted: 0 };
  makeRoom(call, change, actor, p.start, p.end, [], p.adjust ?? false);
  const session = sessionForPast(call, actor, p.start, p.end);
  const id = sql.run(
    `INSERT INTO intervals (session_id, actor, project_id, sprint_id, task_id, started_at, checkpoint_at, ended_at, end_reason, annotation)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'tracked', ?)`,
    session.id,
    actor,
    task?.project_id ?? null,
    task?.sprint_id ?? null,
    task?.id ?? null,
    p.start,
    p.end,
    p.end,
    p.annotation || null,
  ).lastInsertRowid;
  change.after.push(id);
  return finish(call, 'track', actor, change, `tracked ${span(p.start, p.end)}${task ? ` on ${task.code}` : ''}`);
}

export function editInterval(call: Call, p: ParsedParamsOf<'interval.edit'>): CorrectionResult {
  const { sql } = call.app;
  const actor = actorOf(p);
  const row = resolveRef(call, actor, p.ref);
  if (row.ended_at === null && p.end !== undefined)
    throw invalidState(`${p.ref} is running: it has no end to move`, {
      hint: 'end it by pausing the session or stopping its task; its start can be moved with --start',
    });
  const start = p.start ?? row.started_at;
  const end = row.ended_at === null ? null : (p.end ?? row.ended_at);
  checkTimes(call, start, end);
  const change: Change = { before: [row], after: [row.id], adjusted: 0 };
  makeRoom(call, change, actor, start, end, [row.id], p.adjust ?? false);
  sql.run(
    'UPDATE intervals SET started_at = ?, ended_at = ?, checkpoint_at = ? WHERE id = ?',
    start,
    end,
    end ?? Math.max(row.checkpoint_at, start),
    row.id,
  );
  return finish(call, 'edit', actor, change, `moved ${span(row.started_at, row.ended_at)} to ${span(start, end)}`);
}

export function splitInterval(call: Call, p: ParsedParamsOf<'interval.split'>): CorrectionResult {
  const { sql } = call.app;
  const actor = actorOf(p);
  const row = resolveRef(call, actor, p.ref);
  const end = row.ended_at ?? call.now;
  if (!(p.at > row.started_at && p.at < end))
    throw badParams(`${iso(p.at)} is not inside ${p.ref} (${span(row.started_at, row.ended_at)})`, {
      hint: 'split at an instant after its start and before its end',
    });
  const change: Change = { before: [row], after: [row.id], adjusted: 0 };
  if (row.ended_at === null) {
    // The running interval stays the running row: its start moves, a closed copy takes the first part.
    change.after.push(insertCopy(sql, { ...row, end_reason: 'split' }, row.started_at, p.at));
    sql.run(
      'UPDATE intervals SET started_at = ?, checkpoint_at = max(checkpoint_at, ?) WHERE id = ?',
      p.at,
      p.at,
      row.id,
    );
  } else {
    change.after.push(insertCopy(sql, row, p.at, row.ended_at));
    sql.run(
      "UPDATE intervals SET ended_at = ?, checkpoint_at = ?, end_reason = 'split' WHERE id = ?",
      p.at,
      p.at,
      row.id,
    );
  }
  return finish(call, 'split', actor, change, `split ${span(row.started_at, row.ended_at)} at ${iso(p.at)}`);
}

export function joinIntervals(call: Call, p: ParsedParamsOf<'interval.join'>): CorrectionResult {
  const { sql } = call.app;
  const actor = actorOf(p);
  const [x, y] = p.refs.map((r) => resolveRef(call, actor, r));
  if (x.id === y.id) throw badParams(`${p.refs[0]} and ${p.refs[1]} are the same interval`, { hint: 'name two' });
  const [a, b] = x.started_at <= y.started_at ? [x, y] : [y, x];
  if (b.ended_at === null && a.session_id !== b.session_id)
    throw invalidState('the running interval can only be joined with an earlier interval of its own session', {
      hint: 'move the earlier one with fragctl interval edit instead',
    });
  // The running one stays the running row; otherwise the earlier one keeps its attributes.
  const keep = b.ended_at === null ? b : a;
  const drop = keep === a ? b : a;
  const start = a.started_at;
  const end = b.ended_at;
  const change: Change = { before: [a, b], after: [keep.id], adjusted: 0 };
  makeRoom(call, change, actor, start, end, [a.id, b.id], p.adjust ?? false);
  sql.run('DELETE FROM intervals WHERE id = ?', drop.id);
  sql.run(
    'UPDATE intervals SET started_at = ?, ended_at = ?, checkpoint_at = ?, end_reason = ?, annotation = ? WHERE id = ?',
    start,
    end,
    end ?? Math.max(keep.checkpoint_at, start),
    b.end_reason,
    keep.annotation ?? drop.annotation,
    keep.id,
  );
  return finish(
    call,
    'join',
    actor,
    change,
    `joined ${span(a.started_at, a.ended_at)} and ${span(b.started_at, b.ended_at)}`,
  );
}

export function moveInterval(call: Call, p: ParsedParamsOf<'interval.move'>): CorrectionResult {
  const { sql } = call.app;
  const actor = actorOf(p);
  const row = resolveRef(call, actor, p.ref);
  if (row.ended_at === null)
    throw invalidState(
      `${p.ref} is running on the task at the top of the stack; switch task to re-attribute time from now`,
      {
        hint: 'fragctl task activate CODE, then split the earlier part off (fragctl interval split) and move it (fragctl interval move)',
      },
    );
  const task = p.task ? taskByCode(sql, p.task) : null;
  sql.run(
    'UPDATE intervals SET task_id = ?, sprint_id = ?, project_id = ? WHERE id = ?',
    task?.id ?? null,
    task?.sprint_id ?? null,
    task?.project_id ?? null,
    row.id,
  );
  return finish(
    call,
    'move',
    actor,
    { before: [row], after: [row.id], adjusted: 0 },
    `moved ${span(row.started_at, row.ended_at)} to ${task?.code ?? 'no task'}`,
  );
}

export function deleteInterval(call: Call, p: ParsedParamsOf<'interval.delete'>): CorrectionResult {
  const { sql } = call.app;
  const actor = actorOf(p);
  const row = resolveRef(call, actor, p.ref);
  if (row.ended_at === null) throw runningRefused(sql, call, row, 'deleted');
  sql.run('DELETE FROM intervals WHERE id = ?', row.id);
  return finish(
    call,
    'delete',
    actor,
    { before: [row], after: [], adjusted: 0 },
    `deleted ${span(row.started_at, row.ended_at)}`,
  );
}

export function annotateInterval(call: Call, p: ParsedParamsOf<'interval.annotate'>): CorrectionResult {
  const { sql } = call.app;
  const actor = actorOf(p);
  const row = resolveRef(call, actor, p.ref);
  sql.run('UPDATE intervals SET annotation = ? WHERE id = ?', p.text || null, row.id);
  return finish(
    call,
    'annotate',
    actor,
    { before: [row], after: [row.id], adjusted: 0 },
    p.text
      ? `annotated ${span(row.started_at, row.ended_at)}: ${p.text}`
      : `cleared the annotation of ${span(row.started_at, row.ended_at)}`,
  );
}
