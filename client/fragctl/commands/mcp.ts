// fragctl mcp: the MCP server for AI agents, over stdio. The server and the MCP SDK are
// imported only here, when the command runs, so every other command starts without them.
import type { Argv } from 'yargs';
import type { GlobalArgs } from '../runner.js';
import { Exit } from '../exit-codes.js';
import { fastFront, recordedStart } from '../../mcp/fast-start.js';
import type { Handover } from '../../mcp/server.js';

declare const __FRAGD_VERSION__: string;
const VERSION = typeof __FRAGD_VERSION__ === 'string' ? __FRAGD_VERSION__ : '0.0.0-dev';

export function mcpCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'mcp',
    'Serve MCP over stdio for an AI agent (actor: --actor, $FRAGMENTS_ACTOR, else "agent")',
    (b) => b,
    (argv) => serveMcp({ actor: argv.actor, session: argv.session, autostart: argv.autostart }),
  );
}

/** Runs the MCP server; the yargs command and the fast path (entry.ts) both land here. */
export async function serveMcp(argv: { actor?: string; session?: string; autostart?: boolean }): Promise<void> {
  // The recorded answers to initialize and tools/list let the agent go on while the SDK loads.
  const start = process.env.FRAGD_MCP_FAST_START === '0' ? null : recordedStart(VERSION);
  const handover = start
    ? await new Promise<Handover>((resolve) =>
        fastFront(start, (pending, answered, input) => resolve({ pending, answered, input })),
      )
    : undefined;
  let server: typeof import('../../mcp/server.js');
  try {
    server = await import('../../mcp/server.js');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    // The SDK is the one dependency fragctl does not bundle; a copy of dist/ without the
    // checkout's node_modules lacks it.
    const missing =
      /Cannot find (?:package|module) '([^']+)'/.exec((err as Error).message)?.[1] ?? '@modelcontextprotocol/sdk';
    process.stderr.write(
      `error: fragctl mcp needs ${missing}, which is not installed; run npm ci in the fragd checkout\n`,
    );
    process.exitCode = Exit.failure;
    return;
  }
  const { runMcpStdio, DEFAULT_AGENT_ACTOR } = server;
  const session = argv.session ?? process.env.FRAGMENTS_SESSION;
  await runMcpStdio(
    {
      who: {
        actor: argv.actor ?? process.env.FRAGMENTS_ACTOR ?? DEFAULT_AGENT_ACTOR,
        ...(session ? { session } : {}),
      },
      autoStart: argv.autostart === false ? false : undefined,
    },
    handover,
  );
  // The fast start read stdin for the server; it lets go of it as the server would.
  if (handover) process.stdin.removeAllListeners('data').pause();
}
