// fragctl report: tracked time by day, task, sprint, project or actor. The daemon
// aggregates; this file only lays the answer out (table, CSV or JSON).
import type { Argv } from 'yargs';
import { filterParams, filtersLine, withFilters, type FilterArgs } from '../filters.js';
import { formatDuration } from '../../../shared/format.js';
import { REPORT_BY } from '../../../shared/protocol/report-by.js';
import type { ReportResult, ReportRow, TokenTotals } from '../../../shared/protocol/time.js';
import { costText, type Cost } from '../../../shared/protocol/costs.js';
import { formatOf, run, UsageError, type GlobalArgs } from '../runner.js';
import type { TeamReportResult } from '../../../shared/protocol/sync.js';
import { boxTable } from '../box-table.js';
import { cut, layoutOf, outputWidth, tableWidths } from '../layout.js';
import { daysLine, reportChart } from '../charts.js';
import { localTime, one } from '../output.js';
import { dayRange, inZone, WhenError } from '../../lib/when.js';
import { localZone } from '../../lib/local-zone.js';

export const BY = REPORT_BY;
const TEAM_BY = ['person', 'machine', 'actor', 'task'] as const;

export interface ReportArgs extends GlobalArgs, FilterArgs {
  by: (typeof BY)[number];
  since?: string;
  until?: string;
  tz?: string;
  csv?: boolean;
  chart?: boolean;
  'per-actor'?: boolean;
  all?: boolean;
  intervals?: boolean;
}

const csvCell = (v: string | number | boolean | null | undefined): string => {
  const s = v == null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function reportCsv(r: ReportResult): string[] {
  const head = [
    'by',
    'key',
    'label',
    'actor',
    'seconds',
    'hours',
    'intervals',
    'estimate_minutes',
    'total_seconds',
    'variance_percent',
    'input_tokens',
    'output_tokens',
    'cache_creation_tokens',
    'cache_read_tokens',
    'cost_usd',
    'cost_exact_usd',
    'unpriced_tokens',
  ];
  const tokenCells = (t: TokenTotals | undefined, c: Cost | undefined) => [
    ...(t ? [t.input, t.output, t.cache_creation, t.cache_read] : ['', '', '', '']),
    ...(c ? [c.usd, c.exact_usd, c.unpriced_tokens] : ['', '', '']),
  ];
  const line = (row: ReportRow) =>
    [
      r.by,
      row.key,
      row.label,
      row.actor,
      row.seconds,
      (row.seconds / 3600).toFixed(2),
      row.intervals,
      row.estimate_minutes,
      row.total_seconds,
      row.variance_percent,
      ...tokenCells(row.tokens, row.cost),
    ]
      .map(csvCell)
      .join(',');
  return [
    head.join(','),
    ...r.rows.map(line),
    [
      'total',
      '',
      '',
      r.actor ?? '',
      r.total_seconds,
      (r.total_seconds / 3600).toFixed(2),
      r.counts.intervals,
      '',
      '',
      '',
      ...tokenCells(r.tokens, r.cost),
    ]
      .map(csvCell)
      .join(','),
  ];
}

const tokenCount = (n: number): string =>
  n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)}M` : n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n);
/** in/out, cache written/read (the four counts an agent's transcript records), and their cost. */
const tokenText = (t: TokenTotals | undefined, c: Cost | undefined): [string, string, string] =>
  t
    ? [
        `${tokenCount(t.input)} / ${tokenCount(t.output)}`,
        `${tokenCount(t.cache_creation)} / ${tokenCount(t.cache_read)}`,
        costCell(c),
      ]
    : ['-', '-', '-'];
const costCell = (c: Cost | undefined): string =>
  !c ? '-' : c.usd === null ? 'unpriced' : `$${c.usd}${c.unpriced_tokens > 0 ? '+' : ''}`;

const pct = (v: number | null | undefined) => (v == null ? '-' : `${v > 0 ? '+' : ''}${v}%`);

const heading = (r: ReportResult) =>
  `time by ${r.by} · ${r.since} → ${r.until} (${r.tz})${r.actor ? ` · actor ${r.actor}` : ''}${filtersLine(r.filters)} · ${r.counts.intervals} intervals, ${r.counts.sessions} sessions, ${r.counts.actors} actors`;

export function reportTable(r: ReportResult, width = outputWidth()): string[] {
  const withActor = r.per_actor && r.by !== 'actor';
  const isTask = r.by === 'task';
  const titled = ['task', 'sprint', 'project', 'session', 'week', 'month'].includes(r.by);
  // Token and cost columns when agents recorded any (always by model: that view is tokens alone).
  const withTokens =
    r.by === 'model' || r.tokens.input + r.tokens.output + r.tokens.cache_creation + r.tokens.cache_read > 0;
  const head = [
    r.by === 'day' ? 'Day' : r.by[0].toUpperCase() + r.by.slice(1),
    ...(titled ? [r.by === 'week' || r.by === 'month' ? 'Days' : 'Title'] : []),
    ...(withActor ? ['Actor'] : []),
    'Time',
    ...(isTask ? ['Tracked (all)', 'Estimate', 'Variance'] : []),
    'Intervals',
    ...(withTokens ? ['Tokens in/out', 'Cache write/read', 'Cost'] : []),
  ];
  const body: string[][] = [];
  for (const row of r.rows) {
    body.push([
      one(row.key),
      ...(titled ? [one(row.label)] : []),
      ...(withActor ? [one(row.actor)] : []),
      formatDuration(row.seconds),
      ...(isTask
        ? [
            row.total_seconds != null ? formatDuration(row.total_seconds) : '-',
            row.estimate_minutes != null ? formatDuration(row.estimate_minutes * 60) : '-',
            pct(row.variance_percent),
          ]
        : []),
      String(row.intervals),
      ...(withTokens ? tokenText(row.tokens, row.cost) : []),
    ]);
    // --intervals: the parts of intervals that make up the row, under it.
    for (const d of row.detail ?? [])
      body.push([
        `  #${d.id}`,
        ...(titled ? [d.task ?? ''] : []),
        ...(withActor ? [d.actor] : []),
        `${localTime(d.start)} → ${localTime(d.end).slice(0, 10) === localTime(d.start).slice(0, 10) ? localTime(d.end).slice(11) : localTime(d.end)} ${formatDuration(d.seconds)}`,
        ...(isTask ? ['', '', ''] : []),
        '',
        ...(withTokens ? tokenText(undefined, undefined).map(() => '') : []),
      ]);
  }
  const blanks = new Array<string>(head.indexOf('Time') - 1).fill('');
  body.push([
    'Total',
    ...blanks,
    formatDuration(r.total_seconds),
    ...(isTask ? ['', '', ''] : []),
    String(r.counts.intervals),
    ...(withTokens ? tokenText(r.tokens, r.cost) : []),
  ]);
  // Fit the terminal: the Title column gives up room first (cut with …), then headers wrap; codes stay whole.
  const title = head.indexOf('Title');
  const widths = tableWidths(head, body, width, title === -1 ? [] : [title]);
  if (widths && title !== -1) for (const row of body) row[title] = cut(row[title], widths[title] - 2);
  // Figures right-aligned: from Time to the end.
  const right = head.map((_, i) => i).filter((i) => i >= head.indexOf('Time'));
  const table = boxTable(head, body, { right, footer: true, ...(widths ? { widths } : {}) });
  return [
    cut(heading(r), width),
    r.rows.length ? table : '(no tracked time in this range)',
    ...(withTokens ? costNotes(r) : []),
  ];
}

/** The exact total, what is unpriced, and the prices used (docs/costs.md). */
function costNotes(r: ReportResult): string[] {
  const c = r.cost;
  const lines = [
    `cost ${costText(c)}${c.exact_usd !== null ? ` (exactly $${c.exact_usd})` : ''} · prices of ${r.prices.date}${r.prices.file ? ` from ${one(r.prices.file)}` : ''}`,
  ];
  if (c.unpriced_models.length)
    lines.push(`unpriced models (no price in the table, not counted as $0): ${c.unpriced_models.map(one).join(', ')}`);
  if (r.prices.error) lines.push(`prices.json not used: ${one(r.prices.error)}`);
  return lines;
}

export function teamReportTable(r: TeamReportResult): string[] {
  const withTokens = r.rows.some((row) => tokenSum(row.tokens) > 0);
  const head = [
    r.by[0].toUpperCase() + r.by.slice(1),
    'Time',
    'Intervals',
    'Machines',
    'Actors',
    ...(withTokens ? ['Tokens', 'Cost'] : []),
  ];
  const rows = r.rows.map((row) => [
    one(row.key),
    formatDuration(row.seconds),
    String(row.intervals),
    String(row.machines),
    String(row.actors),
    ...(withTokens ? [String(tokenSum(row.tokens)), costText(row.cost) || '-'] : []),
  ]);
  rows.push([
    'Total',
    formatDuration(r.total_seconds),
    '',
    '',
    '',
    ...(withTokens ? [String(tokenSum(r.tokens)), costText(r.cost) || '-'] : []),
  ]);
  return [
    `team ${r.team} · time by ${r.by} · ${r.since} → ${r.until} (${r.tz}) · from the team store`,
    r.rows.length ? boxTable(head, rows) : '(no tracked time in this range)',
    ...(withTokens
      ? [
          `cost ${costText(r.cost)}${r.cost.exact_usd !== null ? ` (exactly $${r.cost.exact_usd})` : ''} · prices of ${r.prices.date}${r.prices.file ? ` from ${one(r.prices.file)}` : ''}`,
          ...(r.cost.unpriced_models.length
            ? [`unpriced models (not counted as $0): ${r.cost.unpriced_models.map(one).join(', ')}`]
            : []),
        ]
      : []),
    `machines: ${r.machines.map((m) => `${one(m.machine)} (last push ${m.last_push_at ?? 'never'})`).join(', ') || 'none'}`,
  ];
}

const tokenSum = (t: { input: number; output: number; cache_creation: number; cache_read: number }) =>
  t.input + t.output + t.cache_creation + t.cache_read;

function teamCsv(r: TeamReportResult): string[] {
  return [
    'by,key,seconds,hours,intervals,machines,actors,input_tokens,output_tokens,cache_creation_tokens,cache_read_tokens,cost_usd,unpriced_tokens',
    ...r.rows.map((row) =>
      [
        r.by,
        row.key,
        row.seconds,
        (row.milliseconds / 3_600_000).toFixed(2),
        row.intervals,
        row.machines,
        row.actors,
        row.tokens.input,
        row.tokens.output,
        row.tokens.cache_creation,
        row.tokens.cache_read,
        row.cost.exact_usd ?? '',
        row.cost.unpriced_tokens,
      ]
        .map(csvCell)
        .join(','),
    ),
  ];
}

/** --since/--until as local days, read by the one time reader (client/lib/when.ts) in the report's zone. */
async function reportDays(argv: { since?: string; until?: string; tz?: string }) {
  try {
    return await inZone(argv.tz, () => dayRange(argv.since, argv.until));
  } catch (err) {
    if (err instanceof WhenError) throw new UsageError(err.message);
    throw err;
  }
}

/** fragctl report --team: the whole team's time, read by the daemon from the team store. */
function runTeamReport(argv: Omit<ReportArgs, 'by'> & { by?: string }): Promise<void> {
  const by = argv.by ?? 'person';
  return run(
    argv,
    (c, _t, days) =>
      c.call('team.report', {
        by: by as (typeof TEAM_BY)[number],
        ...days,
        tz: argv.tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
      }),
    (r) => (argv.csv ? teamCsv(r) : teamReportTable(r)),
    () => {
      if (!(TEAM_BY as readonly string[]).includes(by))
        throw new UsageError(`--team reports by ${TEAM_BY.join(', ')}; not by ${by}`);
      return reportDays(argv);
    },
  );
}

export function reportCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'report',
    "Tracked time (and agents' tokens and their cost) by day, week, month, task, sprint, project, actor, session, branch, file, language, editor or model (local days; default: the last 7)",
    (b) =>
      withFilters(b)
        .option('by', {
          choices: [...new Set([...BY, ...TEAM_BY])],
          describe: 'group rows by (default day; with --team: person, machine, actor or task, default person)',
        })
        .option('team', { type: 'boolean', describe: 'the whole team, read from the team store (sync on)' })
        .option('since', {
          type: 'string',
          describe: 'first local day: 2026-03-29, yesterday, monday, -7d, or a range (:week, :lastmonth, :year…)',
        })
        .option('until', { type: 'string', describe: 'last local day, same forms (inclusive; default today)' })
        .option('tz', { type: 'string', describe: 'time zone for days (default: $TZ / the system zone)' })
        .option('per-actor', {
          type: 'boolean',
          describe: 'separate the timelines of each actor (human, agents) in every row',
        })
        .option('csv', { type: 'boolean', describe: 'print CSV' })
        .option('chart', {
          type: 'boolean',
          describe: 'draw bars (scaled to the terminal) and a sparkline of the days instead of a table',
          conflicts: 'csv',
        })
        .example('$0 report --chart', 'the last 7 days as bars, with a sparkline')
        .option('intervals', { type: 'boolean', describe: 'list the intervals (or their parts) under each row' })
        .example('$0 report --by task --label backend --agent', "agents' time on tasks labelled backend")
        .example('$0 report --by file --since 2026-03-01', 'time per file, from heartbeats (as WakaTime shows it)')
        .example('$0 report --by week --intervals', 'each week with the intervals that make it up')
        .example('$0 report --by task --since 2026-03-01', 'time per task since March 1st, with estimate vs actual')
        .example('$0 report --by model --since 2026-03-01', "agents' tokens and their cost per model")
        .example('$0 report --by day --per-actor', 'human and agent time side by side, per day') as unknown as Argv<
        Omit<ReportArgs, 'by'> & { by?: string; team?: boolean }
      >,
    (argv) => {
      if (argv.team) return runTeamReport(argv);
      const by = argv.by ?? 'day';
      if (!(BY as readonly string[]).includes(by)) {
        return run(
          argv,
          () => Promise.resolve(null),
          () => [],
          () => {
            throw new UsageError(
              `--by ${by} is for the team report: add --team (this machine reports by ${BY.join(', ')})`,
            );
          },
        );
      }
      return runReport({ ...argv, by: by as ReportArgs['by'] });
    },
  );
}

/** Asks for the report and prints it; shared by the yargs command and the fast path. */
export function runReport(argv: ReportArgs): Promise<void> {
  return run(
    argv,
    async (c, _t, days) => {
      const params = {
        by: argv.by,
        ...days,
        tz: argv.tz ?? localZone(c.paths.runtimeDir),
        per_actor: argv['per-actor'],
        ...(argv.intervals ? { intervals: true } : {}),
        ...(argv.actor ? { actor: argv.actor } : {}),
        ...(argv.session ? { session: argv.session } : {}),
        ...filterParams(argv),
      };
      const report = await c.call('report', params);
      // The sparkline needs every day of the range: the report by day, unless that is this
      // one. --json prints the report alone, chart or not.
      if (!argv.chart || formatOf(argv) === 'json') return report;
      const byDay = argv.by === 'day' ? report : await c.call('report', { ...params, by: 'day', per_actor: false });
      return { ...report, days: byDay };
    },
    (r) =>
      argv.csv
        ? reportCsv(r)
        : argv.chart && 'days' in r
          ? [
              cut(heading(r), layoutOf(argv).width),
              ...reportChart(r, layoutOf(argv)),
              '',
              daysLine(r.days, layoutOf(argv)),
            ]
          : reportTable(r),
    () => reportDays(argv),
  );
}
