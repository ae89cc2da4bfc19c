// fragctl report --team: the whole team's tracked time, read from the team store. Each
// machine pushes its intervals there (with the codes and the person they belong to), so
// the report is one aggregate in PostgreSQL. An open interval counts to its last
// checkpoint, the latest instant its machine has pushed.
import { fragctl } from '../../../shared/command.js';
import { ErrorCode, FragError } from '../../../shared/errors.js';
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import type { TeamReportBy, TeamReportResult } from '../../../shared/protocol/sync.js';
import type { Call } from '../app.js';
import { resolveRange } from '../time/reports.js';
import { isValidTimeZone } from '../time/timeline.js';
import type { Syncer } from '../../sync/syncer.js';

const KEY: Record<TeamReportBy, string> = {
  person: "coalesce(data->>'person', '(unknown)')",
  machine: 'machine',
  actor: "data->>'actor'",
  task: "coalesce(data->>'task_id_code', '(none)')",
};

/**
 * The syncer a team read asks, or the one refusal every team read gives while sync is off
 * on this machine: what it reads, and the command (argv) to use instead for this machine alone.
 */
export function teamStore(call: Call, reads: string, instead: string[]): Syncer {
  const syncer = call.app.syncer;
  if (syncer) return syncer;
  throw new FragError(ErrorCode.InvalidState, `${reads} the team store, and sync is off on this machine`, {
    error: 'invalid_state',
    hint: `turn sync on in config.json (docs/team-sync.md), or use ${fragctl(...instead)} for this machine alone`,
  });
}

export async function teamReport(call: Call, p: ParsedParamsOf<'team.report'>): Promise<TeamReportResult> {
  const syncer = teamStore(call, 'the team report reads', ['report']);
  const by = p?.by ?? 'person';
  const tz = p?.tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!isValidTimeZone(tz)) {
    throw new FragError(ErrorCode.InvalidParams, `unknown time zone ${tz}`, {
      error: 'invalid_params',
      hint: 'use an IANA name such as Europe/Berlin or America/New_York',
    });
  }
  const range = resolveRange(call, p?.since, p?.until, tz);
  const { team } = syncer.target;
  const rows = await syncer.query<{ key: string; ms: string; n: string; machines: string; actors: string }>(
    `WITH iv AS (
       SELECT machine, data, (data->>'started_at')::bigint AS s,
              coalesce((data->>'ended_at')::bigint, (data->>'checkpoint_at')::bigint) AS e
         FROM fragd_rows
        WHERE team = $1 AND tbl = 'intervals' AND NOT deleted AND (data->>'started_at')::bigint < $3)
     SELECT ${KEY[by]} AS key, sum(least(e, $3) - greatest(s, $2)) AS ms, count(*) AS n,
            count(DISTINCT machine) AS machines, count(DISTINCT data->>'actor') AS actors
       FROM iv WHERE e > $2 AND e > s
      GROUP BY 1 ORDER BY 2 DESC, 1`,
    [team, range.from, range.to],
  );
  const machines = await syncer.query<{ machine: string; last_push_at: Date | null; last_pull_at: Date | null }>(
    'SELECT machine, last_push_at, last_pull_at FROM fragd_machines WHERE team = $1 ORDER BY machine',
    [team],
  );
  const out = rows.map((r) => ({
    key: r.key,
    seconds: Math.round(Number(r.ms) / 1000),
    intervals: Number(r.n),
    machines: Number(r.machines),
    actors: Number(r.actors),
  }));
  return {
    team,
    by,
    tz,
    since: range.sinceKey,
    until: range.untilKey,
    rows: out,
    total_seconds: out.reduce((a, r) => a + r.seconds, 0),
    machines: machines.map((m) => ({
      machine: m.machine,
      last_push_at: m.last_push_at?.toISOString() ?? null,
      last_pull_at: m.last_pull_at?.toISOString() ?? null,
    })),
  };
}
