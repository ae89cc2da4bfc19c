// Runs one fragctl command: connect (auto-starting fragd), call, print for a person or
// as JSON, and map failures to documented exit codes.
import { FragClient, DaemonUnreachable, RpcError } from '../lib/client.js';
import { Exit, exitCodeForRpc } from './exit-codes.js';
import { instructionLines, type Format } from './output.js';
import type { Instructions } from '../../shared/protocol/views.js';

export interface GlobalArgs {
  json?: boolean;
  format?: string;
  session?: string;
  actor?: string;
  autostart?: boolean;
}

export interface Target {
  session?: string;
  actor?: string;
  source: 'cli';
}

export const formatOf = (argv: GlobalArgs): Format => (argv.json ? 'json' : argv.format === 'md' ? 'md' : argv.format === 'json' ? 'json' : 'text');

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
    notice: (m) => process.stderr.write(`fragctl: ${m}\n`),
  });
}

export const print = (lines: string | string[]): void => void process.stdout.write((Array.isArray(lines) ? lines.join('\n') : lines) + '\n');

export function fail(err: unknown, argv: GlobalArgs): void {
  if (err instanceof RpcError) {
    process.exitCode = exitCodeForRpc(err.code);
    if (formatOf(argv) === 'json') print(JSON.stringify({ error: { code: err.code, message: err.message, data: err.data } }, null, 2));
    else {
      process.stderr.write(`error: ${err.message}\n`);
      if (err.data?.hint) process.stderr.write(`hint: ${err.data.hint}\n`);
      // Refusals that say how to recover (ValidationFailed) print their instructions too.
      const instructions = (err.data as { instructions?: Instructions } | undefined)?.instructions;
      if (instructions) process.stderr.write(instructionLines(instructions, formatOf(argv)).join('\n') + '\n');
    }
    return;
  }
  if (err instanceof DaemonUnreachable) {
    process.exitCode = Exit.unreachable;
    if (formatOf(argv) === 'json') print(JSON.stringify({ error: { code: 'unreachable', message: err.message } }, null, 2));
    else process.stderr.write(`error: ${err.message}\n`);
    return;
  }
  process.exitCode = Exit.failure;
  process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
}

/** Connects, runs `work`, prints its result (JSON, or `render` plus instructions). */
export async function run<T>(argv: GlobalArgs, work: (client: FragClient, target: Target) => Promise<T>, render: (result: T) => string[]): Promise<void> {
  let client: FragClient | undefined;
  try {
    client = await connect(argv);
    const result = await work(client, targetOf(argv));
    const format = formatOf(argv);
    if (format === 'json') print(JSON.stringify(result, null, 2));
    else print([...render(result), ...instructionLines((result as { instructions?: Instructions }).instructions, format)]);
  } catch (err) {
    fail(err, argv);
  } finally {
    client?.close();
  }
}
