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
import type { PricedGroup } from '../app.js';
import { priced, pricedBy } from '../token-costs.js';

/**
 * SQL over a pushed agent_tokens row: the highest tier threshold its prompt is above (as
 * overSql does locally). Thresholds are integers checked by the price table's schema.
 */
function tierSql(call: Call): string {
  const t = [...call.app.pricing.thresholds()].filter((n) => Number.isSafeInteger(n)).reverse();
  if (!t.length) return '0';
  const prompt = `((data->>'input_tokens')::bigint + (data->>'cache_creation_tokens')::bigint + (data->>'cache_read_tokens')::bigint)`;
  return `CASE ${t.map((n) => `WHEN ${prompt} > ${n} THEN ${n}`).join(' ')} ELSE 0 END`;
}

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
  // The agents' tokens of the range (pushed as agent_tokens rows), per key, model and price
  // tier, priced here by the table in force, as the local report prices its own.
  const tokens = await syncer.query<PricedGroup & { key: string }>(
    `SELECT ${KEY[by]} AS key, data->>'model' AS model, ${tierSql(call)} AS tier_above,
            sum((data->>'input_tokens')::bigint) AS input, sum((data->>'output_tokens')::bigint) AS output,
            sum((data->>'cache_creation_tokens')::bigint) AS cache_creation,
            sum((data->>'cache_read_tokens')::bigint) AS cache_read
       FROM fragd_rows
      WHERE team = $1 AND tbl = 'agent_tokens' AND NOT deleted
        AND (data->>'at')::bigint >= $2 AND (data->>'at')::bigint < $3
      GROUP BY 1, 2, 3`,
    [team, range.from, range.to],
  );
  const groups = tokens.map((t) => ({
    ...t,
    tier_above: Number(t.tier_above),
    input: Number(t.input),
    output: Number(t.output),
    cache_creation: Number(t.cache_creation),
    cache_read: Number(t.cache_read),
  }));
  const byKey = pricedBy(call.app, groups, (g) => g.key);
  const machines = await syncer.query<{ machine: string; last_push_at: Date | null; last_pull_at: Date | null }>(
    // A renamed or removed machine's old name is a tombstone, not a machine of the team.
    `SELECT machine, last_push_at, last_pull_at FROM fragd_machines
      WHERE team = $1 AND renamed_to IS NULL AND removed_at IS NULL ORDER BY machine`,
    [team],
  );
  const timed = new Map(rows.map((r) => [r.key, r]));
  // A key with tokens and no time (an agent's tokens outside its intervals) is a row too.
  for (const k of byKey.keys())
    if (!timed.has(k)) timed.set(k, { key: k, ms: '0', n: '0', machines: '0', actors: '0' });
  const totalMs = rows.reduce((a, r) => a + Number(r.ms), 0);
  const out = [...timed.values()].map((r) => {
    const p = byKey.get(r.key) ?? priced(call.app, []);
    return {
      key: r.key,
      seconds: Math.round(Number(r.ms) / 1000),
      milliseconds: Number(r.ms),
      intervals: Number(r.n),
      machines: Number(r.machines),
      actors: Number(r.actors),
      tokens: p.tokens,
      cost: p.cost,
    };
  });
  const all = priced(call.app, groups);
  return {
    team,
    by,
    tz,
    since: range.sinceKey,
    until: range.untilKey,
    rows: out,
    // From the exact sum, not the rounded rows (which may each be half a second off).
    total_seconds: Math.round(totalMs / 1000),
    total_milliseconds: totalMs,
    tokens: all.tokens,
    cost: all.cost,
    prices: call.app.pricing.about(),
    machines: machines.map((m) => ({
      machine: m.machine,
      last_push_at: m.last_push_at?.toISOString() ?? null,
      last_pull_at: m.last_pull_at?.toISOString() ?? null,
    })),
  };
}
