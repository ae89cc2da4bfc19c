// fragctl's hot commands (status, heartbeat, update, note, log, report) are parsed with node's own
// util.parseArgs and run without loading yargs, so a status bar or an agent calling them
// in a loop pays little more than node's own start. Anything unusual — --help, an
// unknown option, a missing argument — falls through to the full yargs CLI, which owns
// every message and exit code; both paths share the same runner and renderers.
//
// Each command's module is imported only when that command runs: a year's report loads the
// report's renderer and the client, not the prompts, session views and completion checks
// the other commands need (fewer and smaller chunks to read and compile at each start).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { GlobalArgs } from './runner.js';
import type { ReportArgs } from './commands/report.js';
import { REPORT_BY } from '../../shared/protocol/report-by.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const globalOptions: Options = {
  json: { type: 'boolean' },
  format: { type: 'string' },
  session: { type: 'string' },
  actor: { type: 'string' },
  'no-autostart': { type: 'boolean' },
  full: { type: 'boolean' },
};

interface Hot {
  options: Options;
  positionals: number;
  run: (values: Record<string, unknown>, positionals: string[]) => Promise<void>;
}

const activity = (kind: 'update' | 'note' | 'log'): Hot => ({
  options: {
    'event-id': { type: 'string' },
    ...(kind === 'log' ? { kind: { type: 'string' }, level: { type: 'string' } } : {}),
  },
  positionals: 1,
  run: async (v, [message]) =>
    (await import('./commands/context.js')).runActivity(kind, { ...(v as GlobalArgs), message }),
});

const hot: Record<string, Hot> = {
  status: {
    options: { short: { type: 'boolean' } },
    positionals: 0,
    run: async (v) => (await import('./commands/session.js')).runStatus(v, v.short === true),
  },
  heartbeat: {
    options: {
      file: { type: 'string' },
      editor: { type: 'string' },
      language: { type: 'string' },
      kind: { type: 'string' },
    },
    positionals: 0,
    run: async (v) => (await import('./commands/heartbeat.js')).runHeartbeat(v),
  },
  // A year's report is read often (status bars, weekly reviews) and is mostly process start.
  report: {
    options: {
      by: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      tz: { type: 'string' },
      'per-actor': { type: 'boolean' },
      csv: { type: 'boolean' },
      project: { type: 'string' },
      sprint: { type: 'string' },
      label: { type: 'string', multiple: true },
      agent: { type: 'boolean' },
    },
    positionals: 0,
    run: async (v) =>
      (await import('./commands/report.js')).runReport({
        ...(v as unknown as ReportArgs),
        by: (v.by as ReportArgs['by'] | undefined) ?? 'day',
      }),
  },
  update: activity('update'),
  note: activity('note'),
  log: activity('log'),
};

const FORMATS = new Set(['text', 'md', 'json']);
const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

/** Runs a hot command and returns true, or returns false for the full CLI to handle. */
export async function fastPath(argv: string[]): Promise<boolean> {
  const [name, ...rest] = argv;
  const cmd = name === undefined ? undefined : hot[name];
  if (!cmd || process.env.FRAGCTL_NO_FAST_PATH === '1') return false;
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...globalOptions, ...cmd.options },
      allowPositionals: true,
      strict: true,
    });
  } catch {
    return false;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== cmd.positionals) return false;
  if (values.format !== undefined && !FORMATS.has(values.format as string)) return false;
  if (values.level !== undefined && !LEVELS.has(values.level as string)) return false;
  if (values.by !== undefined && !(REPORT_BY as readonly unknown[]).includes(values.by)) return false;
  if (values['no-autostart']) values.autostart = false;
  await cmd.run(values, positionals);
  return true;
}
