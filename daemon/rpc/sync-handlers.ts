// Handlers of the team sync methods (shared/protocol/sync.ts).
import type { syncMethods } from '../../shared/protocol/sync.js';
import type { ResultOf } from '../../shared/protocol/methods.js';
import { queueStats } from '../sync/outbox.js';
import { teamClaims } from '../app/team/team-claims.js';
import { teamReport } from '../app/team/team-report.js';
import type { HandlersFor } from './handler-types.js';

export const syncHandlers: HandlersFor<keyof typeof syncMethods> = {
  'sync.status': (c) => {
    const s = c.app.syncer;
    if (s) return s.status();
    return { enabled: false, queue: queueStats(c.app.sql.db).length };
  },
  // Read-only methods are not queued, so the dispatcher awaits what the handler returns:
  // the report is a query on PostgreSQL, off the SQLite write path.
  'team.report': (c, p) => teamReport(c, p) as unknown as ResultOf<'team.report'>,
  'team.claims': (c) => teamClaims(c) as unknown as ResultOf<'team.claims'>,
};
