// fragctl mcp: the MCP server for AI agents, over stdio. The server and the MCP SDK are
// imported only here, when the command runs, so every other command starts without them.
import type { Argv } from 'yargs';
import type { GlobalArgs } from '../runner.js';

export function mcpCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'mcp',
    'Serve MCP over stdio for an AI agent (actor: --actor, $FRAGMENTS_ACTOR, else "agent")',
    (b) => b,
    async (argv) => {
      const { runMcpStdio, DEFAULT_AGENT_ACTOR } = await import('../../mcp/server.js');
      const session = argv.session ?? process.env.FRAGMENTS_SESSION;
      await runMcpStdio({
        who: { actor: argv.actor ?? process.env.FRAGMENTS_ACTOR ?? DEFAULT_AGENT_ACTOR, ...(session ? { session } : {}) },
        autoStart: argv.autostart === false ? false : undefined,
      });
    },
  );
}
