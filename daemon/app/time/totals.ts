// Tracked time without summing history: closed intervals are kept summed per session,
// task, sprint, project and (session, task) in `time_totals` by triggers on `intervals`
// (migrations.ts), so any change to intervals keeps them right in its own transaction.
// An open interval is not in the totals: it counts up to now, read from the few open rows
// (one per running session) through the partial indexes on `ended_at IS NULL`.
import type { Sql } from '../../store/sql.js';
import { HOUR_STEPS } from '../../store/migrations.js';

/** The task and its subtasks, as a row source for IN (…). */
const TASK_AND_SUBTASKS = 'SELECT ?1 UNION ALL SELECT id FROM tasks WHERE parent_id = ?1';

/** Active milliseconds of a session; its open interval counts up to `now`. */
export function sessionMs(sql: Sql, sessionId: number, now: number): number {
  return (
    sql.value<number>(
      `SELECT coalesce((SELECT ms FROM time_totals WHERE scope = 'session' AND id = ?1 AND sub = 0), 0)
            + coalesce((SELECT sum(max(?2, started_at) - started_at) FROM intervals WHERE session_id = ?1 AND ended_at IS NULL), 0)`,
      sessionId,
      now,
    ) ?? 0
  );
}

/** All tracked time on a task and its subtasks, across sessions and actors; open intervals up to now. */
export function taskMs(sql: Sql, taskId: number, now: number): number {
  // `+task_id` keeps the planner on the (small) open-interval index instead of walking
  // every interval of the task through intervals_task_started.
  return (
    sql.value<number>(
      `SELECT coalesce((SELECT sum(ms) FROM time_totals WHERE scope = 'task' AND sub = 0 AND id IN (${TASK_AND_SUBTASKS})), 0)
            + coalesce((SELECT sum(max(?2, started_at) - started_at) FROM intervals
                         WHERE ended_at IS NULL AND +task_id IN (${TASK_AND_SUBTASKS})), 0)`,
      taskId,
      now,
    ) ?? 0
  );
}

/**
 * Team sync: the other machines' time on a task and its subtasks, by machine, as of the
 * last progress pull (empty without sync). A machine with no time on it is left out (a
 * renamed machine's old name keeps a total of 0).
 */
export function taskMsElsewhere(sql: Sql, taskId: number): { machine: string; ms: number }[] {
  return sql.all<{ machine: string; ms: number }>(
    `SELECT machine, sum(seconds) * 1000 AS ms FROM sync_progress
      WHERE task_code IN (SELECT code FROM tasks WHERE id IN (${TASK_AND_SUBTASKS}))
      GROUP BY machine HAVING sum(seconds) > 0 ORDER BY machine`,
    taskId,
  );
}

/**
 * Time of one session on a task (with its subtasks when `withSubtasks`); the open
 * interval up to now.
 */
export function sessionTaskMs(sql: Sql, sessionId: number, taskId: number, now: number, withSubtasks: boolean): number {
  const ids = withSubtasks ? TASK_AND_SUBTASKS : 'SELECT ?1';
  return (
    sql.value<number>(
      `SELECT coalesce((SELECT sum(ms) FROM time_totals WHERE scope = 'session_task' AND id = ?3 AND sub IN (${ids})), 0)
            + coalesce((SELECT sum(max(?2, started_at) - started_at) FROM intervals
                         WHERE session_id = ?3 AND ended_at IS NULL AND +task_id IN (${ids})), 0)`,
      taskId,
      now,
      sessionId,
    ) ?? 0
  );
}

/** Ids of the tasks a session has intervals on (closed or open), in id order. */
export function sessionTaskIds(sql: Sql, sessionId: number): number[] {
  return sql
    .all<{ t: number }>(
      `SELECT sub AS t FROM time_totals WHERE scope = 'session_task' AND id = ?1 AND n > 0
        UNION SELECT task_id FROM intervals WHERE session_id = ?1 AND ended_at IS NULL AND task_id IS NOT NULL
        ORDER BY 1`,
      sessionId,
    )
    .map((r) => r.t);
}

/**
 * The longest an interval overlapping `from` can have started before it: the longest
 * closed interval ever recorded, or the age of the oldest open one. Reports bound
 * started_at from below with it, so both ends of a range use the started_at indexes.
 */
export function maxSpanBefore(sql: Sql, now: number): number {
  return (
    sql.value<number>(
      `SELECT max(coalesce((SELECT max_closed_ms FROM interval_bounds WHERE id = 1), 0),
                  coalesce((SELECT max(?1 - min(started_at), 0) FROM intervals WHERE ended_at IS NULL), 0))`,
      now,
    ) ?? 0
  );
}

const UPSERT_TOTAL = `INSERT INTO time_totals (scope, id, sub, ms, n) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (scope, id, sub) DO UPDATE SET ms = ms + excluded.ms, n = n + excluded.n`;

/**
 * Runs `insert`, one statement that adds many intervals, with the per-row totals trigger
 * muted (time_totals_deferred), then adds the rows it inserted to the running totals once:
 * the same sums and counts per session, task, sprint, project and (session, task), the
 * sessions' total_active_seconds and interval_bounds, in the same transaction (issue 20:
 * one grouped read and a few upserts instead of seven trigger steps per row). The new
 * rows are those with an id above the largest before the insert: rowids only grow while
 * the largest is below 2^63.
 */
export function insertWithTotalsOnce(sql: Sql, insert: () => void): void {
  const before = sql.value<number>('SELECT coalesce(max(id), 0) FROM intervals') ?? 0;
  sql.run('INSERT INTO time_totals_deferred (deferred) VALUES (1)');
  try {
    insert();
  } finally {
    sql.run('DELETE FROM time_totals_deferred');
  }
  const groups = sql.all<{
    s: number;
    t: number | null;
    r: number | null;
    p: number | null;
    ms: number;
    n: number;
    longest: number;
  }>(
    `SELECT session_id AS s, task_id AS t, sprint_id AS r, project_id AS p,
            sum(ended_at - started_at) AS ms, count(*) AS n, max(ended_at - started_at) AS longest
       FROM intervals WHERE id > ?1 AND ended_at IS NOT NULL GROUP BY 1, 2, 3, 4`,
    before,
  );
  if (!groups.length) return;
  // One upsert for each scope, id and sub: its values, the sums added up.
  const sums = new Map<string, [string, number, number, number, number]>();
  const add = (scope: string, id: number | null, sub: number, g: { ms: number; n: number }) => {
    if (id === null) return;
    const key = `${scope} ${id} ${sub}`;
    const e = sums.get(key);
    if (e) {
      e[3] += g.ms;
      e[4] += g.n;
    } else sums.set(key, [scope, id, sub, g.ms, g.n]);
  };
  let longest = 0;
  for (const g of groups) {
    add('session', g.s, 0, g);
    add('task', g.t, 0, g);
    add('sprint', g.r, 0, g);
    add('project', g.p, 0, g);
    if (g.t !== null) add('session_task', g.s, g.t, g);
    longest = Math.max(longest, g.longest);
  }
  for (const e of sums.values()) sql.run(UPSERT_TOTAL, ...e);
  for (const id of new Set(groups.map((g) => g.s)))
    sql.run(
      `UPDATE sessions SET total_active_seconds =
         (SELECT ms FROM time_totals WHERE scope = 'session' AND id = ?1 AND sub = 0) / 1000 WHERE id = ?1`,
      id,
    );
  sql.run('UPDATE interval_bounds SET max_closed_ms = max(max_closed_ms, ?) WHERE id = 1', longest);
  // The per-hour totals of the report by day (interval_hours), as its insert trigger adds them.
  // Most runs lie within one hour: those are summed straight (one row each); only the runs
  // over an hour's end are cut by the steps (25 rows each, which cost an import of 100k
  // runs about 240 ms when every run went through them).
  sql.run(
    `INSERT INTO interval_hours (hour, actor, ms, starts, crosses)
       SELECT h, actor, sum(ms), sum(starts), sum(crosses) FROM (
         SELECT started_at / 3600000 AS h, actor, ended_at - started_at AS ms, 1 AS starts, 0 AS crosses
           FROM intervals
          WHERE id > ?1 AND ended_at > started_at AND (ended_at - 1) / 3600000 = started_at / 3600000
         UNION ALL
         SELECT h, actor, min(ended_at, (h + 1) * 3600000) - max(started_at, h * 3600000),
                h * 3600000 <= started_at, h * 3600000 > started_at
           FROM (SELECT i.actor, i.started_at, i.ended_at, i.started_at / 3600000 + j.value AS h
                   FROM intervals i, json_each('${HOUR_STEPS}') j
                  WHERE i.id > ?1 AND i.ended_at > i.started_at AND i.ended_at - i.started_at <= 86400000
                    AND (i.ended_at - 1) / 3600000 > i.started_at / 3600000)
          WHERE h * 3600000 < ended_at)
        GROUP BY h, actor
       ON CONFLICT (hour, actor) DO UPDATE SET
         ms = ms + excluded.ms, starts = starts + excluded.starts, crosses = crosses + excluded.crosses`,
    before,
  );
}
