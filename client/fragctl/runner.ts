// Runs one fragctl command: check the input, connect (auto-starting fragd), call, print
// for a person or as JSON, and map every failure to a documented exit code (and, with
// --json, to {"error":{code,message}} on stdout).
import { FragClient, DaemonUnreachable, RpcError, UnsafeSocket } from '../lib/client.js';
import { FragError } from '../../shared/errors.js';
import { Exit, exitCodeForRpc } from './exit-codes.js';
import { instructionLines, type Format } from './output.js';
import type { Instructions } from '../../shared/protocol/views.js';
import { terminalSafe } from '../../shared/terminal.js';
import { ACTOR_PATTERN, ACTOR_RULE, CODE_PATTERN, CODE_RULE, KIND_PATTERN, KIND_RULE } from '../../shared/charset.js';

export interface GlobalArgs {
  json?: boolean;
  format?: string;
  session?: string;
  actor?: string;
  autostart?: boolean;
  /** Long text whole instead of cut to the terminal's width. */
  full?: boolean;
}

export interface Target {
  session?: string;
  actor?: string;
  source: 'cli';
}

export const formatOf = (argv: GlobalArgs): Format =>
  argv.json ? 'json' : argv.format === 'md' ? 'md' : argv.format === 'json' ? 'json' : 'text';

/** --session, else FRAGMENTS_SESSION, else the actor's current session (chosen by the daemon). */
export function targetOf(argv: GlobalArgs, env = process.env): Target {
  const session = argv.session ?? env.FRAGMENTS_SESSION;
  const actor = argv.actor ?? env.FRAGMENTS_ACTOR;
  return { ...(session ? { session } : {}), ...(actor ? { actor } : {}), source: 'cli' };
}

export function connect(argv: GlobalArgs): Promise<FragClient> {
  return FragClient.connect({
    autoStart: argv.autostart === false ? false : undefined,
    clientName: 'fragctl',
    notice: (m) => printErr(`fragctl: ${m}`),
  });
}

/**
 * Text for a person on stdout. Every terminal renderer ends here, so the text goes through
 * terminalSafe: what a user, an agent or another program wrote cannot move the cursor,
 * set the window title or reorder what is shown (renderers escape newlines in one-line
 * fields themselves, with the same function). Colour (SGR) is let through: fragctl's own
 * styling, since user text reaches here already neutralised.
 */
export const print = (lines: string | string[]): void =>
  void process.stdout.write(
    terminalSafe(Array.isArray(lines) ? lines.join('\n') : lines, { multiline: true, colours: true }) + '\n',
  );

/** Text for a person on stderr (errors, hints, notices), through terminalSafe like print. */
export const printErr = (text: string): void =>
  void process.stderr.write(terminalSafe(text.replace(/\n$/, ''), { multiline: true }) + '\n');

/** JSON on stdout, exactly as the daemon answered (no terminal rewriting). */
/**
 * Data in a file format (an export: iCalendar's CRLF lines, CSV, JSON) written exactly as
 * it is, like --json: it is meant for a file or another program, not for a person's eyes.
 */
export const printData = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : text + '\n');

export const printJson = (value: unknown, indent?: number): void =>
  void process.stdout.write(JSON.stringify(value, null, indent) + '\n');

/** A failure fragctl finds itself, before or instead of asking the daemon. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exit: number = Exit.failure,
    readonly code: string = 'failure',
  ) {
    super(message);
  }
}

/** Bad input on the command line (exit 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, Exit.usage, 'usage');
  }
}

/** Did the user ask for JSON? For failures met before yargs has parsed (usage errors). */
export function jsonRequested(args: readonly string[] = process.argv.slice(2)): boolean {
  return args.some((a, i) => a === '--json' || a === '--format=json' || (a === '--format' && args[i + 1] === 'json'));
}

function printError(json: boolean, error: { code: number | string; message: string; data?: unknown }): void {
  if (json) printJson({ error }, 2);
  else printErr(`error: ${error.message}`);
}

/** A yargs usage failure (unknown command or option, missing argument): exit 2. */
export function usageFailed(message: string): never {
  const json = jsonRequested();
  printError(json, { code: 'usage', message });
  if (!json) printErr('see: fragctl --help');
  process.exit(Exit.usage);
}

export function fail(err: unknown, argv: GlobalArgs): void {
  const json = formatOf(argv) === 'json';
  if (err instanceof RpcError || err instanceof FragError) {
    process.exitCode = exitCodeForRpc(err.code);
    printError(json, { code: err.code, message: err.message, data: err.data });
    if (json) return;
    if (err.data?.hint) printErr(`hint: ${err.data.hint}`);
    // Refusals that say how to recover (ValidationFailed) print their instructions too.
    const instructions = (err.data as { instructions?: Instructions } | undefined)?.instructions;
    if (instructions) printErr(instructionLines(instructions, formatOf(argv)).join('\n'));
    return;
  }
  if (err instanceof UnsafeSocket) {
    process.exitCode = Exit.unreachable;
    printError(json, { code: err.code, message: err.message });
    return;
  }
  if (err instanceof DaemonUnreachable) {
    process.exitCode = Exit.unreachable;
    printError(json, { code: 'unreachable', message: err.message });
    return;
  }
  if (err instanceof CliError) {
    process.exitCode = err.exit;
    printError(json, { code: err.code, message: err.message });
    return;
  }
  process.exitCode = Exit.failure;
  printError(json, { code: 'failure', message: (err as Error)?.message ?? String(err) });
}

/**
 * yargs turns a non-number given to a `type: 'number'` option into NaN, which JSON sends
 * as null: refuse it here, naming the option, instead of letting the daemon say "null".
 */
export function checkNumbers(argv: object): void {
  const bad = Object.entries(argv)
    .filter(([key, v]) => typeof v === 'number' && !Number.isFinite(v) && key.length > 1 && !/[A-Z]/.test(key))
    .map(([key]) => key);
  if (bad.length)
    throw new UsageError(
      `--${bad[0]} takes a number${rawValue(bad[0]) !== undefined ? `, not ${JSON.stringify(rawValue(bad[0]))}` : ''}`,
    );
}

/** What the user typed after --name (yargs keeps only NaN). */
function rawValue(name: string, args: readonly string[] = process.argv.slice(2)): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}`) return args[i + 1];
    if (args[i].startsWith(`--${name}=`)) return args[i].slice(name.length + 3);
  }
  return undefined;
}

/** A whole number of at least `min` for a numeric option, or a usage error naming it. */
export function wholeNumber(name: string, value: number | undefined, min = 1): number | undefined {
  checkNumbers({ [name]: value });
  if (value !== undefined && (!Number.isInteger(value) || value < min))
    throw new UsageError(`--${name} takes a whole number of at least ${min}, not ${value}`);
  return value;
}

/** The arguments that name a code, an actor or a kind, and the rule each must follow (shared/charset.ts). */
const NAMES: Record<string, { pattern: RegExp; rule: string; list?: boolean }> = {
  code: { pattern: CODE_PATTERN, rule: CODE_RULE },
  codes: { pattern: CODE_PATTERN, rule: CODE_RULE, list: true },
  sprint: { pattern: CODE_PATTERN, rule: CODE_RULE },
  project: { pattern: CODE_PATTERN, rule: CODE_RULE },
  parent: { pattern: CODE_PATTERN, rule: CODE_RULE },
  task: { pattern: CODE_PATTERN, rule: CODE_RULE },
  actor: { pattern: ACTOR_PATTERN, rule: ACTOR_RULE },
  assignee: { pattern: ACTOR_PATTERN, rule: ACTOR_RULE },
  kind: { pattern: KIND_PATTERN, rule: KIND_RULE },
};

/**
 * Refuses a code, actor or kind outside its character set before connecting (exit 2), so
 * a name that fragd would print inside commands never reaches it (DESIGN.md §9).
 */
export function checkNames(argv: object): void {
  for (const [key, value] of Object.entries(argv)) {
    const rule = NAMES[key];
    if (!rule || value === undefined) continue;
    const values = rule.list
      ? String(value)
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean)
      : [String(value).trim()];
    for (const v of values)
      if (!rule.pattern.test(v))
        throw new UsageError(
          `${key === 'code' || key === 'codes' ? '' : `--${key} `}${JSON.stringify(v)}: ${rule.rule}`,
        );
  }
}

/**
 * Checks the command line (numbers, then `prepare`: read files, parse durations) before
 * connecting, so bad input neither starts a daemon nor reaches it; then connects, runs
 * `work` with what `prepare` produced, and prints its result (JSON, or `render` plus
 * instructions).
 */
export async function run<T, P = undefined>(
  argv: GlobalArgs,
  work: (client: FragClient, target: Target, input: P) => Promise<T>,
  render: (result: T) => string[],
  prepare?: () => P | Promise<P>,
): Promise<void> {
  let client: FragClient | undefined;
  try {
    checkNumbers(argv);
    checkNames(argv);
    const input = prepare ? await prepare() : (undefined as P);
    client = await connect(argv);
    const result = await work(client, targetOf(argv), input);
    const format = formatOf(argv);
    if (format === 'json') printJson(result, 2);
    else {
      const lines = [
        ...render(result),
        ...instructionLines((result as { instructions?: Instructions }).instructions, format),
      ];
      // A renderer that wrote data itself (an export) leaves nothing to print.
      if (lines.length) print(lines);
    }
  } catch (err) {
    fail(err, argv);
  } finally {
    client?.close();
  }
}
