// An MCP client (fragctl mcp, an agent's tool server) that hangs up has stopped working:
// its session pauses at its last call, instead of counting on until the idle timeout.
import { iso } from '../../clock.js';
import type { Call } from '../app.js';
import type { SessionRow } from '../rows.js';
import { pauseSessionRow } from '../sessions/sessions.js';
import { currentSessionOf } from '../sessions/lookup.js';

export const disconnectedReason = (lastCall: number): string =>
  `disconnected: the MCP client went away after its last call at ${iso(lastCall)}`;

export function closeMcpTime(call: Call, lastCalls: ReadonlyMap<string, number>): string[] {
  const paused: string[] = [];
  for (const [target, lastCall] of lastCalls) {
    const s = target.startsWith('actor:')
      ? currentSessionOf(call, target.slice('actor:'.length))
      : call.app.sql.get<SessionRow>('SELECT * FROM sessions WHERE key = ?', target);
    // Someone else (a terminal, another client) worked in it since: it is not this client's to stop.
    if (!s || s.status !== 'active' || s.last_activity_at > lastCall) continue;
    pauseSessionRow(call, s, disconnectedReason(lastCall), lastCall, 'pause');
    paused.push(s.key);
  }
  return paused;
}
