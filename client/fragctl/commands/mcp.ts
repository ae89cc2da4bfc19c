// fragctl mcp: the MCP server for AI agents, over stdio. The server and the MCP SDK are
// imported only here, when the command runs, so every other command starts without them.
import type { Argv } from 'yargs';
import type { GlobalArgs } from '../runner.js';
import { Exit } from '../exit-codes.js';

export function mcpCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'mcp',
    'Serve MCP over stdio for an AI agent (actor: --actor, $FRAGMENTS_ACTOR, else "agent")',
    (b) => b,
    async (argv) => {
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
      await runMcpStdio({
        who: {
          actor: argv.actor ?? process.env.FRAGMENTS_ACTOR ?? DEFAULT_AGENT_ACTOR,
          ...(session ? { session } : {}),
        },
        autoStart: argv.autostart === false ? false : undefined,
      });
    },
  );
}
