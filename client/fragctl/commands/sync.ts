// fragctl sync status: the team sync's queue, lag and last error; fragctl sync claims: who
// holds which task on which machine, read from the team store (docs/team-sync.md).
import type { Argv } from 'yargs';
import type { SyncStatusView, TeamClaimsResult } from '../../../shared/protocol/sync.js';
import { fragctl } from '../../../shared/command.js';
import { boxTable } from '../box-table.js';
import { localTime, one } from '../output.js';
import { run, type GlobalArgs } from '../runner.js';

const ago = (isoTime: string | null | undefined) => (isoTime ? localTime(isoTime) : 'never');

export function syncStatusLines(s: SyncStatusView): string[] {
  if (!s.enabled) {
    return [
      `sync is off${s.queue ? ` (${s.queue} changes queued from before; they go when it is on again)` : ''}`,
      'turn it on: docs/team-sync.md',
    ];
  }
  const age = s.oldest_unpushed_age_seconds;
  return [
    `team ${s.team} · machine ${s.machine} · store from ${s.store} · ${s.connected ? 'connected' : 'not connected'}`,
    `queue: ${s.queue} change${s.queue === 1 ? '' : 's'}${age != null ? `, oldest ${age.toFixed(1)}s old` : ''}`,
    `last push: ${ago(s.last_push_at)} · last pull: ${ago(s.last_pull_at)} · pushed ${s.pushed_total ?? 0}, pulled ${s.pulled_total ?? 0}`,
    `claims of other machines: ${s.remote_claims ?? 0}`,
    ...(s.claim_conflicts ?? []).map((c) =>
      c.taken_over
        ? `taken over: ${one(c.task)} was taken by ${one(c.holder_actor)} on ${one(c.holder_machine)}; the session here that still has it should let go (${fragctl('task', 'deactivate', ...(c.session ? ['--session', c.session] : []))})`
        : `conflict: ${one(c.task)} is held here and by ${one(c.holder_actor)} on ${one(c.holder_machine)}; one of them must let go`,
    ),
    ...(s.last_error
      ? [
          `last error (${ago(s.last_error.at)}, ${s.failures ?? 0} in a row): ${one(s.last_error.message)}`,
          ...(s.next_retry_at ? [`next try: ${ago(s.next_retry_at)}`] : []),
        ]
      : []),
  ];
}

/** The team's active claims as a table; this machine's marked "(here)". */
export function teamClaimsLines(r: TeamClaimsResult): string[] {
  const rows = r.claims.map((c) => [
    one(c.task),
    one(c.machine) + (c.mine ? ' (here)' : ''),
    one(c.actor),
    one(c.session ?? '-'),
    localTime(c.since),
  ]);
  return [
    `team ${one(r.team)} · claims across machines · this machine ${one(r.machine)} · from the team store`,
    rows.length
      ? boxTable(['Task', 'Machine', 'Actor', 'Session', 'Since'], rows)
      : '(no task is claimed on any machine of the team)',
  ];
}

export function syncCommands(y: Argv<GlobalArgs>) {
  return y.command('sync', 'Team sync with PostgreSQL (docs/team-sync.md)', (b) =>
    b
      .command(
        'status',
        'Changes queued for the team store, the lag, the last error',
        (s) => s,
        (argv) => run(argv, (c) => c.call('sync.status', {}), syncStatusLines),
      )
      .command(
        'claims',
        "The team's active claims across machines: who holds which task, where, since when",
        (s) => s,
        (argv) => run(argv, (c) => c.call('team.claims', {}), teamClaimsLines),
      )
      .command(
        'now',
        'Push, reconcile claims and pull now, without waiting for the backoff; prints the status after',
        (s) => s,
        (argv) => run(argv, (c) => c.call('sync.now', {}), syncStatusLines),
      )
      .demandCommand(1, 'name a sync command: status, claims, now'),
  );
}
