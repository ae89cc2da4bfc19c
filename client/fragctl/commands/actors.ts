// fragctl actors: each person and agent that worked here, with kind, sessions, time, tokens,
// cost and when each was last seen (actors.list; issue 26).
import type { Argv } from 'yargs';
import { formatDuration } from '../../../shared/format.js';
import { costText } from '../../../shared/protocol/costs.js';
import type { ActorsResult } from '../../../shared/protocol/actors.js';
import { dayRange, inZone, WhenError } from '../../lib/when.js';
import { filterParams, filtersLine, withFilters, type FilterArgs } from '../filters.js';
import { localTime, one } from '../output.js';
import { run, UsageError, type GlobalArgs } from '../runner.js';

interface ActorsArgs extends GlobalArgs, FilterArgs {
  since?: string;
  until?: string;
  tz?: string;
}

const tokenCount = (t: { input: number; output: number; cache_creation: number; cache_read: number }) =>
  t.input + t.output + t.cache_creation + t.cache_read;

export function actorLines(r: ActorsResult): string[] {
  if (r.actors.length === 0) return [`no actor worked between ${r.since} and ${r.until}${filtersLine(r.filters)}`];
  const rows = r.actors.map((a) => [
    one(a.actor),
    a.kind,
    String(a.sessions),
    formatDuration(a.seconds),
    tokenCount(a.tokens) ? tokenCount(a.tokens).toLocaleString('en-US') : '-',
    tokenCount(a.tokens) || a.cost.unpriced_tokens ? costText(a.cost) : '-',
    localTime(a.last_seen),
    a.now ? `${a.now.status}${a.now.task ? ` on ${one(a.now.task)}` : ''} (${a.now.session})` : '-',
  ]);
  const head = ['actor', 'kind', 'sessions', 'time', 'tokens', 'cost', 'last seen', 'now'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const right = new Set([2, 3, 4, 5]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : right.has(i) ? c.padStart(width[i]) : c.padEnd(width[i])))
      .join('  ')
      .trimEnd();
  return [
    `actors · ${r.since} → ${r.until} (${r.tz})${filtersLine(r.filters)}`,
    line(head),
    ...rows.map(line),
    `total: ${formatDuration(r.total_seconds)}${tokenCount(r.tokens) ? ` · ${tokenCount(r.tokens).toLocaleString('en-US')} tokens · ${costText(r.cost)}` : ''}`,
  ];
}

export function actorsCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'actors',
    'The people and agents that worked here: kind, sessions, time, tokens, cost, last seen (default: all history)',
    (b) =>
      withFilters(b, 'time')
        .option('since', {
          type: 'string',
          describe:
            'first local day: 2026-03-29, yesterday, monday, -7d, or a range (:week…); default: the first session',
        })
        .option('until', { type: 'string', describe: 'last local day, same forms (inclusive; default today)' })
        .option('tz', { type: 'string', describe: 'time zone for days (default: $TZ / the system zone)' })
        .example('$0 actors --since :week', 'who worked this week, and what each cost')
        .example('$0 actors --agent --project WEB', "the agents' time and tokens on project WEB"),
    (argv) => {
      const a = argv as unknown as ActorsArgs;
      return run(
        a,
        (c, _t, days) =>
          c.call('actors.list', {
            ...days,
            tz: a.tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
            ...(a.actor ? { actor: a.actor } : {}),
            ...filterParams(a),
          }),
        actorLines,
        async () => {
          try {
            return await inZone(a.tz, () => dayRange(a.since, a.until));
          } catch (err) {
            if (err instanceof WhenError) throw new UsageError(err.message);
            throw err;
          }
        },
      );
    },
  );
}
