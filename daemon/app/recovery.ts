// After an unclean stop, intervals are still open: close each at its last checkpoint
// (so at most one tick of active time is lost) and start a fresh one for sessions that
// are still active, from now.
import type { App } from './app.js';
import { newCall } from './app.js';
import { closeInterval, openInterval } from './intervals.js';
import type { IntervalRow, SessionRow } from './rows.js';
import { recordActivity } from './activities.js';

export function recoverOpenIntervals(app: App): number {
  const call = newCall(app, 'cli');
  const { sql } = app;
  const open = sql.all<IntervalRow>('SELECT * FROM intervals WHERE ended_at IS NULL');
  app.sql.db.transaction(() => {
    for (const iv of open) {
      closeInterval(sql, iv.session_id, iv.checkpoint_at, 'crash');
      const s = sql.get<SessionRow>('SELECT * FROM sessions WHERE id = ?', iv.session_id)!;
      recordActivity(call, s, {
        kind: 'daemon.recovered',
        message: `daemon restarted; time after ${new Date(iv.checkpoint_at).toISOString()} was not counted`,
        data: { interval: iv.id, checkpoint_at: iv.checkpoint_at },
      });
      // A restart is not the person working: idle detection keeps counting from their last activity.
      sql.run('UPDATE sessions SET last_activity_at = ? WHERE id = ?', s.last_activity_at, s.id);
    }
    const active = sql.all<SessionRow>("SELECT * FROM sessions WHERE status = 'active'");
    for (const s of active) {
      if (!sql.value('SELECT 1 FROM intervals WHERE session_id = ? AND ended_at IS NULL', s.id)) openInterval(sql, s, call.now);
    }
  })();
  return open.length;
}
