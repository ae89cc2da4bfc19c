// Heartbeats: an editor, agent or the CLI saying "still working on this file". They keep
// a session alive (last activity, idle auto-resume) without a row per keystroke: beats on
// the same session, file and task within one window share one activity row, whose data
// counts them.
import type { ParsedParamsOf, ResultOf } from '../../../shared/protocol/methods.js';
import type { DaemonEvent } from '../../../shared/protocol/events.js';
import type { Call } from '../app.js';
import { recordActivity } from '../activities.js';
import { instructionsFor } from '../answers.js';
import { resumableByActivity, resumeSessionRow } from './sessions.js';
import { resolveOpenSession } from './lookup.js';

export const HEARTBEAT_WINDOW_MS = 60_000;

interface Beat {
  id: number;
  data: string;
}

export function heartbeat(call: Call, p: ParsedParamsOf<'heartbeat'>): ResultOf<'heartbeat'> {
  const { sql } = call.app;
  let s = resolveOpenSession(call, p);
  let resumed: { interrupted_seconds: number } | null = null;
  if (s.status === 'paused') {
    if (!resumableByActivity(call, s)) {
      // A deliberate pause is not overridden by an editor noticing a keystroke.
      return {
        session: s.key,
        status: s.status,
        recorded: false,
        coalesced: false,
        activity_id: null,
        count: 0,
        resumed: null,
        instructions: instructionsFor(call, 'session_paused', s),
      };
    }
    const r = resumeSessionRow(call, s, 'heartbeat after idle');
    s = r.session;
    resumed = { interrupted_seconds: r.interrupted };
  }
  const file = p.file ?? null;
  const taskId = s.active_task_id;
  const earlier = sql.get<Beat>(
    `SELECT id, data FROM activities
      WHERE session_id = ?1 AND kind = 'heartbeat' AND at >= ?2
        AND coalesce(json_extract(data, '$.file'), '') = ?3 AND coalesce(subtask_id, task_id, 0) = coalesce(?4, 0)
      ORDER BY at DESC LIMIT 1`,
    s.id,
    call.now - HEARTBEAT_WINDOW_MS,
    file ?? '',
    taskId,
  );
  if (earlier) {
    sql.run(
      `UPDATE activities SET data = json_set(data, '$.count', coalesce(json_extract(data, '$.count'), 1) + 1, '$.last_at', ?2) WHERE id = ?1`,
      earlier.id,
      call.now,
    );
    sql.run('UPDATE sessions SET last_activity_at = max(last_activity_at, ?) WHERE id = ?', call.now, s.id);
    const count =
      sql.value<number>("SELECT json_extract(data, '$.count') FROM activities WHERE id = ?", earlier.id) ?? 1;
    return {
      session: s.key,
      status: 'active',
      recorded: true,
      coalesced: true,
      activity_id: earlier.id,
      count,
      resumed,
      instructions: instructionsFor(call, 'progress', s),
    };
  }
  const row = recordActivity(call, s, {
    kind: 'heartbeat',
    message: file ? `${p.kind ?? 'edit'} ${file}` : (p.kind ?? 'heartbeat'),
    data: {
      file,
      editor: p.editor ?? null,
      language: p.language ?? null,
      kind: p.kind ?? null,
      count: 1,
      last_at: call.now,
    },
  });
  return {
    session: s.key,
    status: s.status,
    recorded: true,
    coalesced: false,
    activity_id: row.id,
    count: 1,
    resumed,
    instructions: instructionsFor(call, 'progress', s),
  };
}

/**
 * Any answer whose call resumed an idle-paused session says so, with the gap, so the
 * client that came back (a command, an agent's update) learns how long it was away.
 */
export function withIdleResume<T>(value: T, events: readonly DaemonEvent[]): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || 'resumed_after_idle' in value)
    return value;
  const e = events.find(
    (x): x is Extract<DaemonEvent, { type: 'session.resumed' }> =>
      x.type === 'session.resumed' && x.data.cause.includes('idle'),
  );
  if (!e) return value;
  return {
    ...value,
    resumed_after_idle: { session: e.session, interrupted_seconds: e.data.interrupted_seconds },
  };
}
