// Handlers of the team sync methods (shared/protocol/sync.ts).
import type { syncMethods } from '../../shared/protocol/sync.js';
import type { ResultOf } from '../../shared/protocol/methods.js';
import { queueStats } from '../sync/outbox.js';
import { teamClaims } from '../app/team/team-claims.js';
import { teamReport } from '../app/team/team-report.js';
import type { HandlersFor } from './handler-types.js';
import { ErrorCode, FragError } from '../../shared/errors.js';
import { adminQuery, readAdminUrl, retireMachine, setupTeam } from '../sync/setup.js';
import { redact } from '../sync/connection.js';
import { fragctl } from '../../shared/command.js';
import type { App } from '../app/app.js';
import type { ParsedParamsOf } from '../../shared/protocol/methods.js';
import type { SyncMachineResult } from '../../shared/protocol/sync.js';

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
  // The administrator's set-up, on the administrator's connection (not this machine's).
  'sync.setup': (_c, p) =>
    setupTeam({
      team: p.team,
      machines: p.machines,
      adminUrl: p.admin_url_file ? readAdminUrl(p.admin_url_file) : null,
      outDir: p.out_dir,
      print: p.print === true,
    }) as unknown as ResultOf<'sync.setup'>,
  'sync.machine': (c, p) => machineChange(c.app, p) as unknown as ResultOf<'sync.machine'>,
};

async function machineChange(app: App, p: ParsedParamsOf<'sync.machine'>): Promise<SyncMachineResult> {
  if (p.action === 'rename' && !p.to)
    throw new FragError(ErrorCode.InvalidParams, 'a rename needs the new name', {
      error: 'invalid_params',
      hint: fragctl('sync', 'machine', 'rename', p.machine, 'NEW-NAME'),
    });
  const syncer = app.syncer;
  const team = p.team ?? syncer?.target.team;
  if (!team)
    throw new FragError(ErrorCode.InvalidState, 'sync is off on this machine, so the team is not known', {
      error: 'invalid_state',
      hint: 'pass --team TEAM with --admin-url-file FILE',
    });
  const adminUrl = p.admin_url_file ? readAdminUrl(p.admin_url_file) : null;
  if (!adminUrl && !syncer)
    throw new FragError(
      ErrorCode.InvalidState,
      'sync is off on this machine: there is no connection to the team store',
      {
        error: 'invalid_state',
        hint: 'pass --admin-url-file FILE (the administrator connection), or turn sync on',
      },
    );
  const query = adminUrl
    ? async (text: string, values: unknown[]) => {
        try {
          return await adminQuery<{ n: string }>(adminUrl, text, values);
        } catch (err) {
          throw storeRefused(redact((err as Error).message, adminUrl));
        }
      }
    : async (text: string, values: unknown[]) => {
        try {
          return await syncer!.queryOrThrow<{ n: string }>(text, values);
        } catch (err) {
          throw storeRefused(syncer!.redactedMessage(err));
        }
      };
  const action = p.action === 'rename' ? { rename: { from: p.machine, to: p.to! } } : { remove: p.machine };
  const changed = await retireMachine(query, team, action);
  const self = syncer?.target.machine === p.machine && syncer.target.team === team;
  const next =
    p.action === 'rename'
      ? `on ${self ? 'this machine' : `machine ${p.machine}`}: set sync.machine to ${p.to} in config.json, then ${fragctl('daemon', 'restart')} (until then its pushes are refused, so nothing is counted twice)`
      : `on ${self ? 'this machine' : `machine ${p.machine}`}: turn sync off or give it a new sync.machine in config.json; its role, if it had one, can no longer read or write the team (DROP ROLE it at leisure)`;
  return { team, action: p.action, machine: p.machine, to: p.to ?? null, changed, next };
}

function storeRefused(message: string): FragError {
  const refused = /^fragd: /.test(message) || /permission denied|row-level security/.test(message);
  return refused
    ? new FragError(ErrorCode.InvalidState, message.replace(/^fragd: /, ''), {
        error: 'invalid_state',
        hint: 'docs/team-sync.md, "Renaming and removing machines"',
      })
    : new FragError(ErrorCode.StorageUnavailable, `the team store (PostgreSQL) does not answer: ${message}`, {
        error: 'storage_unavailable',
        store: 'team',
        hint: `${fragctl('sync', 'status')} shows the last error`,
      });
}
