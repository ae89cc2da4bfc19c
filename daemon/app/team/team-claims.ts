// The team's active claims, read from the team store: who holds which task, on which
// machine, since when. sync_claims holds the other machines' claims as of the last pull
// (for the local claim check); this reads PostgreSQL itself, this machine's claims
// included, so a view of the team is as fresh as the store.
import type { TeamClaimsResult } from '../../../shared/protocol/sync.js';
import type { Call } from '../app.js';
import { teamStore } from './team-report.js';
import { CLAIM_COLUMNS, type RemoteClaim } from '../../sync/syncer.js';

export async function teamClaims(call: Call): Promise<TeamClaimsResult> {
  const syncer = teamStore(call, "the team's claims are read from", ['task', 'list']);
  const { team, machine } = syncer.target;
  const rows = await syncer.query<RemoteClaim>(
    `SELECT ${CLAIM_COLUMNS} FROM fragd_claims WHERE team = $1 AND active ORDER BY claimed_at, id`,
    [team],
  );
  return {
    team,
    machine,
    claims: rows.map((r) => ({
      task: r.task_code,
      machine: r.machine,
      actor: r.actor,
      session: r.session_key,
      since: r.claimed_at.toISOString(),
      mine: r.machine === machine,
    })),
  };
}
