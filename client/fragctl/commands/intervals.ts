// fragctl intervals, track, interval edit|split|join|move|delete|annotate, undo and export
// (docs/corrections.md; import --from timewarrior is timewarrior.ts). Times are read here,
// in the user's time zone (client/lib/time-expr.ts); the daemon receives instants.
import type { Argv } from 'yargs';
import { boxTable } from '../box-table.js';
import { formatDuration } from '../../../shared/format.js';
import type { CorrectionResult, IntervalView } from '../../../shared/protocol/intervals.js';
import type { ParamsOf } from '../../../shared/protocol/methods.js';
import { RpcError, type FragClient } from '../../lib/client.js';
import { parseTimeExpr, TimeExprError } from '../../lib/time-expr.js';
import { rangeOf } from '../../lib/when.js';
import { localTime, one } from '../output.js';
import { fragctl } from '../../../shared/command.js';
import { printData, run, UsageError, type GlobalArgs } from '../runner.js';

/** An instant (ISO, UTC) from what the user typed, or a usage error naming the option. */
export function instantOf(what: string, text: string, now = new Date(), edge: 'start' | 'end' = 'start'): string {
  // A named range (`--since :week`, `--until :lastmonth`) is its start, or its end for an --until.
  const range = rangeOf(String(text).trim(), now);
  if (range) return (edge === 'start' ? range.start : range.end).toISOString();
  try {
    return parseTimeExpr(text, now).toISOString();
  } catch (err) {
    if (err instanceof TimeExprError) throw new UsageError(`${what}: ${err.message}`);
    throw err;
  }
}

/** --since/--until of a listing: a range given to --since alone spans the range. */
function instantRange(since: string | undefined, until: string | undefined): { since?: string; until?: string } {
  const now = new Date();
  return {
    ...(since ? { since: instantOf('--since', since, now) } : {}),
    ...(until
      ? { until: instantOf('--until', until, now, 'end') }
      : since && rangeOf(String(since).trim(), now)
        ? { until: instantOf('--since', since, now, 'end') }
        : {}),
  };
}

/** "3" and "@3" are the short id @3; "#120" is the interval with database id 120. */
export function refOf(text: string): string {
  const t = String(text).trim();
  if (/^\d+$/.test(t)) return `@${t}`;
  if (/^[@#]\d+$/.test(t)) return t;
  throw new UsageError(`${t} is not an interval: use @N as fragctl intervals shows it, or #ID`);
}

const actorOf = (argv: GlobalArgs) => {
  const a = argv.actor ?? process.env.FRAGMENTS_ACTOR;
  return a ? { actor: a } : {};
};

const span = (v: IntervalView) => {
  const s = localTime(v.start);
  const e = v.end ? localTime(v.end) : 'running';
  return `${s} → ${e.slice(0, 10) === s.slice(0, 10) ? e.slice(11) : e}`;
};

export function intervalTable(rows: IntervalView[]): string {
  return boxTable(
    ['Id', 'Task', 'Start', 'End', 'Time', 'Annotation'],
    rows.map((v) => [
      v.ref,
      v.task ?? (v.tags.length ? v.tags.join(' ') : '-'),
      localTime(v.start),
      v.end ? localTime(v.end) : 'running',
      formatDuration(v.seconds),
      v.annotation ?? '',
    ]),
    { right: [4] },
  );
}

/**
 * A correction call whose refusal names an interval is re-said in the reader's local time
 * (the daemon knows instants, not the reader's zone); --json keeps the daemon's data too.
 */
export async function correct<M extends CorrectionMethod>(
  c: FragClient,
  method: M,
  params: ParamsOf<M>,
): Promise<CorrectionResult> {
  try {
    return await c.call(method, params);
  } catch (err) {
    const data =
      err instanceof RpcError
        ? (err.data as { interval?: IntervalView; range?: { start: string; end: string | null } })
        : undefined;
    if (!(err instanceof RpcError) || !data?.interval) throw err;
    if (!err.message.includes(' overlaps ')) throw err;
    const v = data.interval;
    const asked = data.range
      ? ` overlaps ${localTime(data.range.start)} → ${data.range.end ? localTime(data.range.end) : 'running'}`
      : ' overlaps';
    throw new RpcError(
      `${v.ref} (${v.task ?? 'no task'}, ${span(v)})${asked}; one actor's intervals never overlap`,
      err.code,
      err.data,
    );
  }
}

type CorrectionMethod =
  | 'interval.track'
  | 'interval.edit'
  | 'interval.split'
  | 'interval.join'
  | 'interval.move'
  | 'interval.delete'
  | 'interval.annotate';

/** What a correction changed, and the undo that reverts it for the same actor. */
const correctionLines =
  (argv: GlobalArgs) =>
  (r: CorrectionResult): string[] => {
    const line = (tag: string, v: IntervalView) =>
      `  ${tag} ${v.ref.padEnd(4)} ${one(v.task ?? '-').padEnd(10)} ${span(v)}  ${formatDuration(v.seconds)}${v.annotation ? `  “${one(v.annotation)}”` : ''}`;
    return [
      `${r.verb}${r.adjusted ? ` (adjusted ${r.adjusted} neighbour${r.adjusted === 1 ? '' : 's'})` : ''}`,
      ...r.before.map((v) => line('-', v)),
      ...r.after.map((v) => line('+', v)),
      `undo with: ${fragctl('undo', ...(argv.actor ? ['--actor', argv.actor] : []))}`,
    ];
  };

interface ListArgs extends GlobalArgs {
  since?: string;
  until?: string;
  task?: string;
  limit?: number;
}

interface TrackArgs extends GlobalArgs {
  words: string[];
  task?: string;
  annotate?: string;
  adjust?: boolean;
}

/**
 * `START - END [TASK]`: the words before a lone "-" are the start; of those after it, the
 * longest run that reads as a time is the end, and one word left over is the task.
 */
export function parseTrackWords(words: string[], now = new Date()): { start: string; end: string; task?: string } {
  const at = words.findIndex((w) => w === '-' || w === 'to');
  if (at <= 0 || at === words.length - 1)
    throw new UsageError('track takes START - END [TASK], e.g. fragctl track yesterday 14:00 - 15:30 API-7');
  const start = instantOf('start', words.slice(0, at).join(' '), now);
  const rest = words.slice(at + 1);
  for (let n = rest.length; n >= 1; n--) {
    try {
      const end = parseTimeExpr(rest.slice(0, n).join(' '), now, { sameDayAs: new Date(start) }).toISOString();
      const left = rest.slice(n);
      if (left.length > 1) break;
      return { start, end, ...(left.length ? { task: left[0] } : {}) };
    } catch (err) {
      if (!(err instanceof TimeExprError)) throw err;
    }
  }
  throw new UsageError(
    `cannot read the end "${rest.join(' ')}": give END then at most one TASK, e.g. 15:30 API-7 or "yesterday 15:30" API-7`,
  );
}

const VALUE_OPTIONS = new Set(['--task', '--annotate', '--actor', '--session', '--format']);

/**
 * The words of `track` as typed: yargs drops a lone "-", so they are read from the command
 * line itself (options and their values left out; "--" lets a word start with "-").
 */
export function rawTrackWords(args: readonly string[] = process.argv.slice(2)): string[] {
  const out: string[] = [];
  let i = args.indexOf('track') + 1;
  let literal = false;
  for (; i < args.length; i++) {
    const a = args[i];
    if (!literal && a === '--') literal = true;
    else if (!literal && VALUE_OPTIONS.has(a)) i++;
    else if (!literal && a.startsWith('--')) continue;
    else out.push(a);
  }
  return out;
}

const adjustOpt = {
  type: 'boolean' as const,
  describe: 'trim, split or remove the intervals this one would overlap instead of refusing',
};

export function intervalCommands(y: Argv<GlobalArgs>) {
  return y
    .command(
      'intervals',
      'List tracked intervals, newest first, with short ids (@N, fixed for each interval) for corrections',
      (b) =>
        b
          .option('since', {
            type: 'string',
            describe: 'from (a time: monday, yesterday 09:00, 2026-03-01, -2d, or a range: :week, :lastmonth…)',
          })
          .option('until', { type: 'string', describe: 'until (a time; default now)' })
          .option('task', { type: 'string', describe: 'only this task (and its subtasks)' })
          .option('limit', { type: 'number', describe: 'at most this many (default 1000)' })
          .example('$0 intervals --since monday', "this week's intervals")
          .example('$0 intervals --task API-7 --json', 'one task, as JSON') as unknown as Argv<ListArgs>,
      (argv) =>
        run(
          argv,
          (c, _t, p) => c.call('interval.list', p),
          (r) => [
            `${r.actor}: ${r.matched} interval${r.matched === 1 ? '' : 's'}, ${formatDuration(r.total_seconds)}`,
            r.intervals.length ? intervalTable(r.intervals) : '(no intervals)',
          ],
          () => ({
            ...actorOf(argv),
            ...instantRange(argv.since, argv.until),
            ...(argv.task ? { task: argv.task } : {}),
            ...(argv.limit ? { limit: argv.limit } : {}),
          }),
        ),
    )
    .command(
      'track [words..]',
      'Add past time: START - END [TASK] (e.g. yesterday 14:00 - 15:30 API-7)',
      (b) =>
        b
          .positional('words', { type: 'string', array: true })
          .option('task', { type: 'string', describe: 'the task (instead of a word after END)' })
          .option('annotate', { type: 'string', describe: 'a note on the interval' })
          .option('adjust', adjustOpt)
          .example('$0 track 09:00 - 10:30 API-7', 'an hour and a half this morning on API-7')
          .example('$0 track yesterday 14:00 - yesterday 15:00 --annotate "train"', 'yesterday, on no task')
          .example('$0 track -- -2h - -1h', 'from two hours ago to one hour ago') as unknown as Argv<TrackArgs>,
      (argv) =>
        run(
          argv,
          (c, _t, p) => correct(c, 'interval.track', p),
          correctionLines(argv),
          () => {
            const w = parseTrackWords(rawTrackWords());
            const task = argv.task ?? w.task;
            return {
              ...actorOf(argv),
              start: w.start,
              end: w.end,
              ...(task ? { task } : {}),
              ...(argv.annotate ? { annotation: argv.annotate } : {}),
              adjust: argv.adjust,
            };
          },
        ),
    )
    .command('interval', 'Correct an interval: edit, split, join, move, delete, annotate', (b) =>
      b
        .command(
          'edit <ref>',
          'Move, lengthen or shorten an interval (--start and/or --end)',
          (c) =>
            c
              .positional('ref', { type: 'string', describe: '@N (from fragctl intervals) or #ID' })
              .option('start', { type: 'string', describe: 'new start (09:15, yesterday 14:00, --start=-45m)' })
              .option('end', { type: 'string', describe: 'new end' })
              .option('adjust', adjustOpt)
              .example('$0 interval edit @12 --start 08:45', 'interval @12 started earlier')
              .example('$0 interval edit @9 --end 17:30 --adjust', 'lengthen @9, trimming what follows'),
          (argv) =>
            run(
              argv,
              (c, _t, p) => correct(c, 'interval.edit', p),
              correctionLines(argv),
              () => {
                if (!argv.start && !argv.end) throw new UsageError('give --start, --end or both');
                return {
                  ...actorOf(argv),
                  ref: refOf(argv.ref!),
                  ...(argv.start ? { start: instantOf('--start', argv.start) } : {}),
                  ...(argv.end ? { end: instantOf('--end', argv.end) } : {}),
                  adjust: argv.adjust,
                };
              },
            ),
        )
        .command(
          'split <ref> <at..>',
          'Split an interval in two at a time inside it',
          (c) => c.positional('ref', { type: 'string' }).positional('at', { type: 'string', array: true }),
          (argv) =>
            run(
              argv,
              (c, _t, p) => correct(c, 'interval.split', p),
              correctionLines(argv),
              () => ({
                ...actorOf(argv),
                ref: refOf(argv.ref!),
                at: instantOf('split at', (argv.at as string[]).map(String).join(' ')),
              }),
            ),
        )
        .command(
          'join <a> <b>',
          'Join two intervals into one (the gap between them becomes tracked time)',
          (c) => c.positional('a', { type: 'string' }).positional('b', { type: 'string' }).option('adjust', adjustOpt),
          (argv) =>
            run(
              argv,
              (c, _t, p) => correct(c, 'interval.join', p),
              correctionLines(argv),
              () => ({
                ...actorOf(argv),
                refs: [refOf(argv.a!), refOf(argv.b!)] as [string, string],
                adjust: argv.adjust,
              }),
            ),
        )
        .command(
          'move <ref> <task>',
          'Re-attribute an interval to another task ("none" for no task)',
          (c) => c.positional('ref', { type: 'string' }).positional('task', { type: 'string' }),
          (argv) =>
            run(
              argv,
              (c, _t, p) => correct(c, 'interval.move', p),
              correctionLines(argv),
              () => ({
                ...actorOf(argv),
                ref: refOf(argv.ref!),
                task: /^(none|-)$/i.test(String(argv.task)) ? null : String(argv.task),
              }),
            ),
        )
        .command(
          'delete <ref>',
          'Delete an interval',
          (c) => c.positional('ref', { type: 'string' }),
          (argv) =>
            run(
              argv,
              (c, _t, p) => correct(c, 'interval.delete', p),
              correctionLines(argv),
              () => ({ ...actorOf(argv), ref: refOf(argv.ref!) }),
            ),
        )
        .command(
          'annotate <ref> [text..]',
          'Set the annotation of an interval (no text clears it)',
          (c) => c.positional('ref', { type: 'string' }).positional('text', { type: 'string', array: true }),
          (argv) =>
            run(
              argv,
              (c, _t, p) => correct(c, 'interval.annotate', p),
              correctionLines(argv),
              () => ({
                ...actorOf(argv),
                ref: refOf(argv.ref!),
                text: (argv.text ?? []).map(String).join(' '),
              }),
            ),
        )
        .demandCommand(1, 'name a correction: edit, split, join, move, delete or annotate'),
    )
    .command(
      'undo',
      'Revert your last change (a correction, context change, completion or item edit); --list shows what it would revert',
      (b) => b.option('list', { type: 'boolean', describe: 'show the steps undo would revert, newest first' }),
      (argv) =>
        argv.list
          ? run(
              argv,
              (c) => c.call('undo.list', { ...actorOf(argv) }),
              (r) =>
                r.steps.length
                  ? r.steps.map((s, i) => `${i === 0 ? '→' : ' '} ${localTime(s.at)}  ${s.label}  (${s.changes} rows)`)
                  : [`${r.actor} has nothing to undo`],
            )
          : run(
              argv,
              (c) => c.call('undo', { ...actorOf(argv) }),
              (r) => [
                `undid: ${r.undone.label}`,
                `${r.remaining} more step${r.remaining === 1 ? '' : 's'} can be undone`,
              ],
            ),
    )
    .command(
      'export',
      'Export intervals as timewarrior (timew import), json, csv or ical over a range',
      (b) =>
        b
          .option('format', {
            choices: ['timewarrior', 'json', 'csv', 'ical'] as const,
            default: 'json' as const,
            describe: 'what to print',
          })
          .option('since', { type: 'string', describe: 'from (a time, e.g. 2026-01-01, or a range: :year…)' })
          .option('until', { type: 'string', describe: 'until (a time; default now)' })
          .example('$0 export --format timewarrior --since 2026-01-01 > fragd.json', 'then: timew import fragd.json'),
      (argv) => exportIntervals(argv as unknown as ExportArgs),
    );
}

interface ExportArgs extends GlobalArgs {
  format: 'timewarrior' | 'json' | 'csv' | 'ical';
  since?: string;
  until?: string;
}

/** Every interval of the range, oldest first, read page by page. */
async function allIntervals(c: FragClient, p: { actor?: string; since?: string; until?: string }) {
  const out: IntervalView[] = [];
  for (let offset = 0; ; offset += 5000) {
    const r = await c.call('interval.list', { ...p, limit: 5000, offset });
    out.push(...r.intervals);
    if (r.intervals.length < 5000) return out.reverse();
  }
}

/** Timewarrior's compact UTC form: 20260329T093000Z. */
export const timewTime = (isoTime: string) => isoTime.replace(/[-:]/g, '').replace(/\.\d{3}/, '');
/** Tags an interval carries into Timewarrior: the ones it came with, else its codes. */
const tagsOf = (v: IntervalView) =>
  v.tags.length ? v.tags : [v.project, v.sprint, v.task].filter((x): x is string => !!x);

const csvCell = (v: string | number | boolean | null | undefined): string => {
  const s = v == null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

async function exportIntervals(argv: ExportArgs) {
  // --format is also fragctl's global output option: this command's own choices take it over.
  const fmt = argv.format;
  await run(
    { ...argv, format: 'text', json: false },
    async (c, _t, p) => {
      const rows = await allIntervals(c, p);
      if (fmt === 'json') return JSON.stringify({ actor: p.actor ?? 'human', intervals: rows }, null, 2);
      if (fmt === 'timewarrior')
        return JSON.stringify(
          rows.map((v, i) => ({
            id: i + 1,
            start: timewTime(v.start),
            ...(v.end ? { end: timewTime(v.end) } : {}),
            tags: tagsOf(v),
            ...(v.annotation ? { annotation: v.annotation } : {}),
          })),
        );
      if (fmt === 'csv')
        return [
          'id,actor,session,project,sprint,task,start,end,seconds,annotation,tags',
          ...rows.map((v) =>
            [
              v.id,
              v.actor,
              v.session,
              v.project,
              v.sprint,
              v.task,
              v.start,
              v.end,
              v.seconds,
              v.annotation,
              v.tags.join(' '),
            ]
              .map(csvCell)
              .join(','),
          ),
        ].join('\n');
      const { ICalCalendar } = await import('ical-generator');
      const cal = new ICalCalendar({ name: 'fragd time', prodId: { company: 'fragd', product: 'fragctl' } });
      for (const v of rows)
        cal.createEvent({
          id: `fragd-interval-${v.id}`,
          start: new Date(v.start),
          end: new Date(v.end ?? Date.now()),
          summary: v.task
            ? `${v.task}${v.task_title ? ` ${v.task_title}` : ''}`
            : tagsOf(v).join(' ') || 'tracked time',
          description: v.annotation ?? undefined,
        });
      return cal.toString();
    },
    (text) => {
      printData(text);
      return [];
    },
    () => ({
      ...actorOf(argv),
      ...instantRange(argv.since, argv.until),
    }),
  );
}
