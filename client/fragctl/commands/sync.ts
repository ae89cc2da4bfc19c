// fragctl sync status: the team sync's queue, lag and last error; fragctl sync claims: who
// holds which task on which machine, read from the team store (docs/team-sync.md).
import type { Argv } from 'yargs';
import { resolve } from 'node:path';
import type {
  SyncMachineResult,
  SyncSetupResult,
  SyncStatusView,
  TeamClaimsResult,
} from '../../../shared/protocol/sync.js';
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

/** What the administrator hands each machine after `sync setup`. */
export function syncSetupLines(r: SyncSetupResult): string[] {
  if (!r.applied)
    return [
      `-- team ${r.team}: the SQL fragctl sync setup runs as the administrator (passwords shown as <password>)`,
      '-- the fragd tables must exist: a fragd connected once with the owner role, or setup without --print',
      r.sql.trimEnd(),
    ];
  return [
    `team ${one(r.team)}: ${r.machines.length} machine role${r.machines.length === 1 ? '' : 's'} created or renewed, row-level security on`,
    ...r.machines.flatMap((m) => [
      '',
      `machine ${one(m.machine)} (role ${one(m.role)}):`,
      `  1. copy ${one(m.url_file ?? '')} to that machine's config directory as pg-url, mode 0600 (it holds its password)`,
      `  2. in its config.json: ${JSON.stringify({ sync: { ...m.config.sync, url_file: 'pg-url' } })}`,
      `  3. there: ${fragctl('daemon', 'restart')}, then ${fragctl('sync', 'status')}`,
    ]),
    '',
    "the shared role the machines used before (the tables' owner) is not bound by row security: change its password and keep it for the administrator",
  ];
}

const machineLines = (r: SyncMachineResult): string[] => [
  r.action === 'rename'
    ? `machine ${one(r.machine)} of team ${one(r.team)} is now ${one(r.to ?? '')} in the team store (${r.changed} rows moved)`
    : `machine ${one(r.machine)} removed from team ${one(r.team)} (${r.changed} open claim${r.changed === 1 ? '' : 's'} ended; its history stays in the report)`,
  `next, ${r.next}`,
];

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
      .command(
        'setup',
        'Administrator: a PostgreSQL role per machine, row-level security on, and each machine its connection file',
        (s) =>
          s
            .option('team', { type: 'string', demandOption: true, describe: 'the team (sync.team)' })
            .option('machine', {
              type: 'string',
              array: true,
              demandOption: true,
              describe: 'a machine of the team (repeat); re-running renews the named machines’ passwords',
            })
            .option('admin-url-file', {
              type: 'string',
              describe: 'file (mode 0600) with the administrator connection: the tables’ owner, with CREATEROLE',
            })
            .option('out', {
              type: 'string',
              describe: 'folder for the machines’ connection files (created mode 0700)',
              default: 'fragd-team',
            })
            .option('print', { type: 'boolean', describe: 'print the SQL only; connect to nothing, write nothing' })
            .example(
              '$0 sync setup --team acme --machine ann-laptop --machine build-box --admin-url-file ~/admin-url',
              'roles, row security, and fragd-team/ann-laptop.pg-url, fragd-team/build-box.pg-url',
            ),
        (argv) =>
          run(
            argv,
            (c) =>
              c.call('sync.setup', {
                team: String(argv.team),
                machines: argv.machine.map(String),
                ...(argv['admin-url-file'] ? { admin_url_file: resolve(String(argv['admin-url-file'])) } : {}),
                out_dir: resolve(String(argv.out)),
                print: argv.print === true,
              }),
            syncSetupLines,
          ),
      )
      .command('machine', 'Rename or remove a machine of the team', (m) =>
        m
          .option('admin-url-file', {
            type: 'string',
            describe: 'the administrator connection (another machine under row security, or sync off here)',
          })
          .option('team', { type: 'string', describe: 'the team (default: this machine’s sync.team)' })
          .command(
            'rename <old> <new>',
            'Move a machine’s rows, claims and time to a new name; the old name refuses pushes from then on',
            (r) => r.positional('old', { type: 'string' }).positional('new', { type: 'string' }),
            (argv) =>
              run(
                argv,
                (c) =>
                  c.call('sync.machine', {
                    action: 'rename',
                    machine: String(argv.old),
                    to: String(argv.new),
                    ...machineOptions(argv),
                  }),
                machineLines,
              ),
          )
          .command(
            'remove <name>',
            'Take a machine out of the team: its open claims end, its history stays in the report',
            (r) => r.positional('name', { type: 'string' }),
            (argv) =>
              run(
                argv,
                (c) =>
                  c.call('sync.machine', { action: 'remove', machine: String(argv.name), ...machineOptions(argv) }),
                machineLines,
              ),
          )
          .demandCommand(1, 'name a machine command: rename, remove'),
      )
      .demandCommand(1, 'name a sync command: status, claims, now, setup, machine'),
  );
}

function machineOptions(argv: { 'admin-url-file'?: string; team?: string }) {
  return {
    ...(argv['admin-url-file'] ? { admin_url_file: resolve(String(argv['admin-url-file'])) } : {}),
    ...(argv.team ? { team: String(argv.team) } : {}),
  };
}
