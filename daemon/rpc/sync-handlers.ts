// Handlers of the team sync methods (shared/protocol/sync.ts).
import type { syncMethods } from '../../shared/protocol/sync.js';
import type { ResultOf } from '../../shared/protocol/methods.js';
import { queueStats } from '../sync/outbox.js';
import { teamClaims } from '../app/team/team-claims.js';
import { teamReport } from '../app/team/team-report.js';
import type { HandlersFor } from './handler-types.js';
import { ErrorCode, FragError } from '../../shared/errors.js';

export const syncHandlers: HandlersFor<keyof typeof syncMethods> = {
  'sync.status': (c) => {
    const s = c.app.syncer;
    if (s) return s.status();
    return { enabled: false, queue: queueStats(c.app.sql.db).length };
  },
  'sync.now': (c) => {
    const s = c.app.syncer;
    if (!s)
      throw new FragError(ErrorCode.InvalidState, 'sync is off on this machine: there is nothing to sync now', {
        error: 'invalid_state',
        hint: 'turn sync on in config.json (docs/team-sync.md)',
      });
    // One round on the team store, off the SQLite write path: awaited like the team reads.
    return s.now() as unknown as ResultOf<'sync.now'>;
  },
  // Read-only methods are not queued, so the dispatcher awaits what the handler returns:
  // the report is a query on PostgreSQL, off the SQLite write path.
  'team.report': (c, p) => teamReport(c, p) as unknown as ResultOf<'team.report'>,
  'team.claims': (c) => teamClaims(c) as unknown as ResultOf<'team.claims'>,
};
