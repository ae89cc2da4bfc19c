// The pauses fragd makes itself in a coding agent's conversation (DESIGN.md §10): the agent
// waits for its person, its process exited (the conversation may be resumed), it went silent.
// The agent's next sign of work undoes them; a conversation left paused longer than
// agent_session_end_hours is ended by the tick.
import { iso } from '../../clock.js';
import type { Call } from '../app.js';
import { recordActivity } from '../activities.js';
import type { SessionRow } from '../rows.js';
import { endSession } from './sessions.js';

/** A pause for a person: the agent stopped (or asks permission) and waits for them. */
export const WAITING = 'waiting:';
export const waitingReason = (why: string, since: number): string => `${WAITING} ${why} since ${iso(since)}`;

/** The agent's process ended (SessionEnd): the conversation may be resumed later. */
export const EXITED = 'exited:';
export const exitedReason = (agent: string, why: string | null, at: number): string =>
  `${EXITED} ${agent} closed the conversation (${why ?? 'no reason given'}) at ${iso(at)}; a resume continues it`;

export const isExited = (s: Pick<SessionRow, 'status' | 'pause_reason'>): boolean =>
  s.status === 'paused' && (s.pause_reason?.startsWith(EXITED) ?? false);

/** Pauses that fragd made itself, which the agent's next sign of work undoes. */
export const isAutomaticPause = (reason: string | null): boolean =>
  reason !== null &&
  (reason.startsWith('idle:') ||
    reason.startsWith(WAITING) ||
    reason.startsWith(EXITED) ||
    reason.startsWith('disconnected:'));

/**
 * Ends the agents' conversations paused by fragd for longer than agent_session_end_hours
 * (a pause someone asked for stays). Returns their keys.
 */
export function endLongPausedAgents(call: Call): string[] {
  const hours = call.app.config.agent_session_end_hours;
  const before = call.now - hours * 3_600_000;
  const rows = call.app.sql.all<SessionRow>(
    `SELECT * FROM sessions WHERE status = 'paused' AND paused_at <= ?
        AND (json_extract(metadata, '$.agent') IS NOT NULL OR source = 'mcp') ORDER BY id`,
    before,
  );
  const ended: string[] = [];
  for (const s of rows) {
    if (!isAutomaticPause(s.pause_reason)) continue;
    recordActivity(call, s, {
      kind: 'agent.expired',
      message: `paused since ${iso(s.paused_at!)} (${s.pause_reason}), longer than agent_session_end_hours (${hours} h): ended`,
      data: { paused_at: s.paused_at, hours },
    });
    endSession(call, { session: s.key });
    ended.push(s.key);
  }
  return ended;
}
