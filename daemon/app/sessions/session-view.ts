// A session row to its wire shape, with its active time.
import { iso, isoOrNull } from '../../clock.js';
import type { Sql } from '../../store/sql.js';
import type { SessionType, SessionView, Source } from '../../../shared/protocol/views.js';
import { parseStack, type SessionRow } from '../rows.js';
import { activeOf, frameView } from '../views.js';
import { activeMs } from '../time/intervals.js';

export function sessionView(sql: Sql, s: SessionRow, now: number): SessionView {
  const stack = parseStack(s);
  return {
    key: s.key,
    actor: s.actor,
    os_user: s.os_user,
    chat_session_id: s.chat_session_id,
    source: s.source as Source,
    type: s.type as SessionType,
    status: s.status,
    started_at: iso(s.started_at),
    ended_at: isoOrNull(s.ended_at),
    paused_at: isoOrNull(s.paused_at),
    pause_reason: s.pause_reason,
    last_activity_at: iso(s.last_activity_at),
    active_seconds: Math.floor(activeMs(sql, s.id, now) / 1000),
    stack: stack.map(frameView),
    active: activeOf(stack),
    summary: s.summary,
    metadata: JSON.parse(s.metadata) as Record<string, unknown>,
    counters: { activities: s.activity_count, updates: s.update_count, notes: s.note_count, logs: s.log_count },
  };
}
