// Handlers of the team sync methods (shared/protocol/sync.ts).
import type { syncMethods } from '../../shared/protocol/sync.js';
import type { ResultOf } from '../../shared/protocol/methods.js';
import { syncerOf } from '../sync/claims.js';
import { queueStats } from '../sync/outbox.js';
import { teamClaims } from '../sync/team-claims.js';
import { teamReport } from '../sync/team-report.js';
import type { HandlersFor } from './handlers.js';

export const syncHandlers: HandlersFor<keyof typeof syncMethods> = {
  'sync.status': (c) => {
    const s = syncerOf(c.app);
    if (s) return s.status();
    return { enabled: false, queue: queueStats(c.app.sql.db).length };
  },
  // Read-only methods are not queued, so the dispatcher awaits what the handler returns:
  // the report is a query on PostgreSQL, off the SQLite write path.
  'team.report': (c, p) => teamReport(c, p) as unknown as ResultOf<'team.report'>,
  'team.claims': (c) => teamClaims(c) as unknown as ResultOf<'team.claims'>,
};
