// The audit log. Every change writes its activity row in the same transaction as the
// change itself (the caller's), with the context of that moment.
import { iso } from '../clock.js';
import type { Call } from './app.js';
import { parseStack, type ActivityRow, type SessionRow } from './rows.js';
import { activityView } from './views.js';
import { INLINE_DATA_BYTES } from '../../shared/limits.js';
import type { ActivityView } from '../../shared/protocol/views.js';

const counterColumn: Record<string, 'update_count' | 'note_count' | 'log_count' | undefined> = {
  update: 'update_count',
  note: 'note_count',
  log: 'log_count',
};

export interface ActivityInput {
  kind: string;
  message?: string | null;
  data?: Record<string, unknown> | null;
  /** With eventScope: the client's id of this event, which makes a replay a no-op. */
  eventId?: string;
  eventScope?: string;
  at?: number;
  /**
   * Files the activity on the stack's frames up to this level only (a note on the sprint
   * while a task is active: project and sprint, no task).
   */
  upTo?: 'project' | 'sprint' | 'task';
}

const LEVEL = { project: 0, sprint: 1, task: 2, subtask: 3 } as const;

/** The scope of the events git hooks record: one commit is one event, whoever brings it. */
export const GIT_EVENTS = 'git';

/** The scope of coding agents' hook events (ids of spool records and retried hooks, unique by construction). */
export const AGENT_EVENTS = 'agent';

/**
 * Whose event ids a call's event id is compared with: the same kind of call by the same
 * writer (session and actor). Another writer's "1" is another event; only the writer's
 * own retry of a call it already made is a replay.
 */
export const writerScope = (method: string, session: Pick<SessionRow, 'key' | 'actor'>, actor?: string): string =>
  `${method}|${session.key}|${actor ?? session.actor}`;

/** Finds an activity recorded earlier under the same event id in the same scope (a replay). */
export function findByEventId(call: Call, scope: string, eventId: string | undefined): ActivityRow | undefined {
  if (!eventId) return undefined;
  return call.app.sql.get<ActivityRow>(
    'SELECT * FROM activities WHERE event_scope = ? AND event_id = ?',
    scope,
    eventId,
  );
}

export function recordActivity(call: Call, session: SessionRow | null, input: ActivityInput): ActivityRow {
  const { sql } = call.app;
  const stack = session ? parseStack(session) : [];
  const cut = input.upTo ? LEVEL[input.upTo] : LEVEL.subtask;
  const id = (t: keyof typeof LEVEL) => (LEVEL[t] <= cut ? (stack.find((f) => f.type === t)?.id ?? null) : null);
  const at = input.at ?? call.now;
  const data = input.data ? JSON.stringify(input.data) : null;
  const { lastInsertRowid } = sql.run(
    `INSERT INTO activities (session_id, kind, message, data, source, project_id, sprint_id, task_id, subtask_id, event_id, event_scope, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    session?.id ?? null,
    input.kind,
    input.message ?? null,
    data,
    call.source,
    id('project'),
    id('sprint'),
    id('task'),
    id('subtask'),
    input.eventId ?? null,
    input.eventId ? (input.eventScope ?? null) : null,
    at,
  );
  if (session) {
    const counter = counterColumn[input.kind];
    sql.run(
      `UPDATE sessions SET activity_count = activity_count + 1, last_activity_at = max(last_activity_at, ?)
       ${counter ? `, ${counter} = ${counter} + 1` : ''} WHERE id = ?`,
      at,
      session.id,
    );
    // The call's one loaded value of the session stays current, so nothing below re-reads it.
    session.activity_count += 1;
    session.last_activity_at = Math.max(session.last_activity_at, at);
    if (counter) session[counter] += 1;
  }
  // The row as stored, without reading it back: this is the hottest write path.
  const row: ActivityRow = {
    id: lastInsertRowid,
    session_id: session?.id ?? null,
    kind: input.kind,
    message: input.message ?? null,
    data,
    source: call.source,
    project_id: id('project'),
    sprint_id: id('sprint'),
    task_id: id('task'),
    subtask_id: id('subtask'),
    event_id: input.eventId ?? null,
    event_scope: input.eventId ? (input.eventScope ?? null) : null,
    at,
  };
  call.events.push({
    type: 'activity.logged',
    session: session?.key ?? null,
    at: iso(at),
    data: { id: row.id, kind: row.kind, message: row.message },
  });
  return row;
}

/**
 * Runs writes that record activity in `s` for fragd's own reasons (a restart, a wake-up, a
 * take-over by someone else), which are no sign of life of the session: its last activity,
 * in the store and in the loaded row, stays what it was, so idle and stale clocks go on.
 */
export function withoutSignOfLife<T>(call: Call, s: SessionRow, write: () => T): T {
  const last = s.last_activity_at;
  const result = write();
  call.app.sql.run('UPDATE sessions SET last_activity_at = ? WHERE id = ?', last, s.id);
  s.last_activity_at = last;
  return result;
}

/** The session's last activities, newest first; codes come from its stack where they can. */
export function recentActivities(call: Call, session: SessionRow, limit: number): ActivityView[] {
  const { sql } = call.app;
  return sql
    .all<ActivityRow>('SELECT * FROM activities WHERE session_id = ? ORDER BY id DESC LIMIT ?', session.id, limit)
    .map((a) => activityView(sql, a, session, INLINE_DATA_BYTES));
}
