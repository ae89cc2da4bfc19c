// On start, time left open by the previous run is settled:
// - an interval left open by a crash is closed at its last checkpoint, so at most one
//   tick of active time is lost — or, when the session had already gone idle by then,
//   at its last activity plus the grace, as the tick would have done;
// - a session still active gets a fresh interval from now, unless it has been idle for
//   its timeout, in which case it is paused as idle (a restart is not someone working).
import type { App } from '../app.js';
import { newCall } from '../app.js';
import { iso } from '../../clock.js';
import { closeInterval, openInterval } from '../time/intervals.js';
import type { IntervalRow, SessionRow } from '../rows.js';
import { recordActivity, withoutSignOfLife } from '../activities.js';
import { idleReason, pauseSessionRow } from './sessions.js';
import { idleTimeoutMsOf, isAgentSession } from './tick.js';

export function recoverOpenIntervals(app: App): number {
  const call = newCall(app, 'cli');
  const { sql, config } = app;
  const graceMs = config.idle_grace_seconds * 1000;
  const open = sql.all<IntervalRow>('SELECT * FROM intervals WHERE ended_at IS NULL');
  app.sql.db.transaction(() => {
    for (const iv of open) {
      const s = sql.get<SessionRow>('SELECT * FROM sessions WHERE id = ?', iv.session_id)!;
      const idleBy = s.last_activity_at + idleTimeoutMsOf(s, config);
      // An agent stops at its last sign of life: no grace (time/tick.ts).
      const grace = isAgentSession(s) ? 0 : graceMs;
      const endAt =
        idleBy <= call.now
          ? Math.min(Math.max(s.last_activity_at + grace, iv.started_at), iv.checkpoint_at)
          : iv.checkpoint_at;
      closeInterval(sql, iv.session_id, endAt, 'crash');
      // A restart is not the person working: idle detection keeps counting from their last activity.
      withoutSignOfLife(call, s, () =>
        recordActivity(call, s, {
          kind: 'daemon.recovered',
          message: `daemon restarted; time after ${iso(endAt)} was not counted`,
          data: { interval: iv.id, checkpoint_at: iv.checkpoint_at, ended_at: endAt },
        }),
      );
    }
    const active = sql.all<SessionRow>("SELECT * FROM sessions WHERE status = 'active'");
    for (const s of active) {
      if (sql.value('SELECT 1 FROM intervals WHERE session_id = ? AND ended_at IS NULL', s.id)) continue;
      if (call.now - s.last_activity_at >= idleTimeoutMsOf(s, config)) {
        const pauseAt = Math.min(s.last_activity_at + (isAgentSession(s) ? 0 : graceMs), call.now);
        withoutSignOfLife(call, s, () => pauseSessionRow(call, s, idleReason(s.last_activity_at), pauseAt, 'idle'));
      } else {
        openInterval(sql, s, call.now);
      }
    }
  })();
  return open.length;
}
