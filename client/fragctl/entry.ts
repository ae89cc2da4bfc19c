// fragctl's entry: an agent's hook and the hot commands take short paths; everything else loads the full CLI.
import { parseArgs } from 'node:util';
// Static, unlike the paths below: a prompt calls it every time, and it is a few small modules.
import { statusFromFile } from './status-from-file.js';

/**
 * A reader that went away (`fragctl session history | head -1`) is not an error: stop
 * quietly, with the exit status the command already has, instead of a stack trace. Set up
 * per path: touching process.stdout or process.stderr builds its stream, which a prompt's
 * `status --short` (written with one writeSync) does not need.
 */
function quietOnEpipe(streams: NodeJS.WriteStream[]): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      throw err;
    });
  }
}

/**
 * `fragctl mcp [--actor A] [--session S] [--no-autostart]`, as an agent's settings start it:
 * straight to the server, without yargs and the rest of the CLI (an agent waits for it at
 * its start). Anything else (--help, another option) goes to the full CLI.
 */
function mcpArgs(rest: string[]): { actor?: string; session?: string; autostart?: boolean } | null {
  try {
    const { values } = parseArgs({
      args: rest,
      options: { actor: { type: 'string' }, session: { type: 'string' }, 'no-autostart': { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
    return { actor: values.actor, session: values.session, autostart: values['no-autostart'] ? false : undefined };
  } catch {
    return null;
  }
}

const args = process.argv.slice(2);
const mcp = args[0] === 'mcp' ? mcpArgs(args.slice(1)) : null;
// A prompt's `status --short` reads the daemon's status file when it can (status-from-file.ts).
if (args[0] === 'status' && statusFromFile(args.slice(1))) {
  // answered
} else if (args[0] === 'agent' && args[1] === 'hook') {
  // The hook prints on stdout only (its stderr goes nowhere).
  quietOnEpipe([process.stdout]);
  await (await import('./agent-hook.js')).main(args.slice(2));
} else {
  quietOnEpipe([process.stdout, process.stderr]);
  if (mcp) await (await import('./commands/mcp.js')).serveMcp(mcp);
  // The hot commands' parser is loaded only for them: an agent's hook and the MCP server skip it.
  else if (!(await (await import('./fast-path.js')).fastPath(args))) await import('./main.js');
}
