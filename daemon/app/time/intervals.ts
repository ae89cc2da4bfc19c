// Active time is the sum of intervals built from timestamps (DESIGN.md §5). An interval
// is tied to the context on top of the stack; any change of that context closes one
// interval and opens the next, so task, sprint and session totals agree.
import type { Sql } from '../../store/sql.js';
import type { IntervalRow, SessionRow, StoredFrame } from '../rows.js';
import { parseStack } from '../rows.js';
import { sessionMs } from './totals.js';

export type EndReason = 'pause' | 'end' | 'abandon' | 'switch' | 'idle' | 'suspend' | 'crash' | 'shutdown';

function frameId(stack: StoredFrame[], type: StoredFrame['type']): number | null {
  return stack.find((f) => f.type === type)?.id ?? null;
}

/** The task an interval belongs to: the subtask if one is on the stack, else the task. */
export function intervalTaskId(stack: StoredFrame[]): number | null {
  return frameId(stack, 'subtask') ?? frameId(stack, 'task');
}

export function openInterval(sql: Sql, session: SessionRow, at: number): void {
  const stack = parseStack(session);
  // The wall clock can step backwards (NTP): an actor's intervals must still never overlap,
  // so a new one starts no earlier than the actor's last one ended.
  const lastEnd = sql.value<number>(
    'SELECT ended_at FROM intervals WHERE actor = ? ORDER BY started_at DESC LIMIT 1',
    session.actor,
  );
  if (lastEnd != null && lastEnd > at) at = lastEnd;
  sql.run(
    `INSERT INTO intervals (session_id, actor, project_id, sprint_id, task_id, started_at, checkpoint_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    session.id,
    session.actor,
    frameId(stack, 'project'),
    frameId(stack, 'sprint'),
    intervalTaskId(stack),
    at,
    at,
  );
}

export function openIntervalOf(sql: Sql, sessionId: number): IntervalRow | undefined {
  return sql.get<IntervalRow>('SELECT * FROM intervals WHERE session_id = ? AND ended_at IS NULL', sessionId);
}

/**
 * Closes the session's open interval at `at` (never before it started). The triggers on
 * `intervals` add it to the running totals and refresh the session's total_active_seconds.
 */
export function closeInterval(sql: Sql, sessionId: number, at: number, reason: EndReason): IntervalRow | undefined {
  const open = openIntervalOf(sql, sessionId);
  if (!open) return undefined;
  const end = Math.max(open.started_at, at);
  sql.run(
    'UPDATE intervals SET ended_at = ?, checkpoint_at = ?, end_reason = ? WHERE id = ?',
    end,
    end,
    reason,
    open.id,
  );
  return { ...open, ended_at: end, end_reason: reason };
}

/** After the stack changed: if the session is running, end the interval and start one for the new top. */
export function retime(sql: Sql, session: SessionRow, at: number): void {
  if (session.status !== 'active') return;
  closeInterval(sql, session.id, at, 'switch');
  openInterval(sql, session, at);
}

/** Active milliseconds of a session; an open interval counts up to `now` (from the running totals). */
export const activeMs = sessionMs;

/**
 * Active milliseconds in a session spent on one context item since a moment. A session's
 * intervals never overlap (they are one actor's), so only the last one starting at or
 * before `since` can reach past it: the scan starts there, on the (session_id, started_at)
 * index, and costs what happened since, not the session's whole history.
 */
export function activeMsOn(
  sql: Sql,
  sessionId: number,
  column: 'task_id' | 'sprint_id' | 'project_id',
  id: number,
  since: number,
  now: number,
): number {
  return (
    sql.value<number>(
      `SELECT coalesce(sum(coalesce(ended_at, max(?4, started_at)) - max(started_at, ?3)), 0)
         FROM intervals WHERE session_id = ?1 AND +${column} = ?2 AND coalesce(ended_at, ?4) > ?3
          AND started_at >= coalesce((SELECT max(started_at) FROM intervals WHERE session_id = ?1 AND started_at <= ?3), ?3)`,
      sessionId,
      id,
      since,
      now,
    ) ?? 0
  );
}
