// Where each agent keeps its hooks and its MCP servers, and the entries fragd writes there.
// Paths and shapes follow each agent's documentation:
// - Claude Code: hooks in ~/.claude/settings.json (user) or <project>/.claude/settings.local.json
//   (the project's personal file, which Claude Code keeps out of git); MCP servers in
//   ~/.claude.json (user scope) or <project>/.mcp.json (project scope). $CLAUDE_CONFIG_DIR
//   moves the user files. https://docs.claude.com/en/docs/claude-code/settings, …/mcp
// - Codex CLI: hooks in hooks.json next to config.toml, MCP servers as [mcp_servers.<name>] in
//   config.toml; ~/.codex ($CODEX_HOME) or <project>/.codex (loaded for trusted projects).
//   https://developers.openai.com/codex/hooks, https://developers.openai.com/codex/mcp
// - Gemini CLI: hooks and mcpServers both in ~/.gemini/settings.json or
//   <project>/.gemini/settings.json. https://geminicli.com/docs/hooks/reference
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine } from '../../shared/command.js';
import { AGENT_EVENTS, type Agent } from './events.js';
import { AGENT_HOOK_SCRIPT, agentHookArgv } from './hook-command.js';

/** The dist/ directory of the running fragctl (its chunks sit beside fragctl.js). */
export const bundleDir = (): string => dirname(fileURLToPath(import.meta.url));

/**
 * The hook entry's argv. When the script is not built yet, the path it will have beside this
 * fragctl is written all the same (install says so), so installing never depends on build order.
 */
export function hookArgv(agent: Agent, event: string, env: NodeJS.ProcessEnv = process.env): string[] {
  try {
    return agentHookArgv(agent, event, env);
  } catch {
    return [join(bundleDir(), AGENT_HOOK_SCRIPT), agent, event];
  }
}

export const MCP_SERVER_NAME = 'fragd';

export type Scope = { kind: 'user' } | { kind: 'project'; dir: string };

/** A settings file and what fragd keeps in it. */
export interface TargetFile {
  path: string;
  format: 'json' | 'toml';
  /** Hook event → the group fragd appends to that event's list (JSON files only). */
  hooks: Record<string, Record<string, unknown>>;
  /** Where the MCP registration goes (JSON path or TOML table path) and its value. */
  mcp?: { path: string[]; value: Record<string, unknown> };
}

/** Seconds for Claude and Codex, milliseconds for Gemini (each agent's own unit). */
const HOOK_TIMEOUT_SECONDS = 10;

/**
 * The environment the hooks and the MCP server need to reach this fragd: FRAGMENTS_HOME when
 * the install ran with one (a second, isolated fragd), nothing otherwise.
 */
function fragdEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return env.FRAGMENTS_HOME ? { FRAGMENTS_HOME: env.FRAGMENTS_HOME } : {};
}

export function hookCommand(agent: Agent, event: string, env: NodeJS.ProcessEnv = process.env): string {
  const vars = Object.entries(fragdEnv(env)).map(([k, v]) => `${k}=${v}`);
  return commandLine([...(vars.length ? ['env', ...vars] : []), ...hookArgv(agent, event, env)]);
}

/** `fragctl mcp` run by this node with this install's fragctl.js, so it works without PATH. */
export function mcpServer(agent: Agent, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const extra = fragdEnv(env);
  return {
    command: process.execPath,
    args: [join(bundleDir(), 'fragctl.js'), 'mcp', '--actor', agent],
    ...(Object.keys(extra).length ? { env: extra } : {}),
  };
}

/** Is this hook handler fragd's (any install, any version)? */
export const isFragdHandler = (handler: unknown): boolean =>
  typeof handler === 'object' &&
  handler !== null &&
  typeof (handler as { command?: unknown }).command === 'string' &&
  (handler as { command: string }).command.includes(AGENT_HOOK_SCRIPT);

/** Is this MCP registration fragd's own (`<node> …/fragctl.js mcp`)? */
export const isFragdServer = (server: unknown): boolean => {
  const args = (server as { args?: unknown } | null)?.args;
  return (
    Array.isArray(args) && args.includes('mcp') && args.some((a) => typeof a === 'string' && a.endsWith('fragctl.js'))
  );
};

/**
 * Codex holds its SessionEnd hooks to a few seconds (it warns at start about a longer
 * timeout); fragd's SessionEnd only writes a spool record, which takes milliseconds.
 */
const timeoutOf = (agent: Agent, event: string): number =>
  agent === 'codex' && event === 'SessionEnd' ? 3 : HOOK_TIMEOUT_SECONDS;

function hookGroups(agent: Agent, env: NodeJS.ProcessEnv): Record<string, Record<string, unknown>> {
  const groups: Record<string, Record<string, unknown>> = {};
  for (const event of AGENT_EVENTS[agent].events) {
    const command = hookCommand(agent, event, env);
    // No matcher: every tool, every SessionStart source (startup, resume, clear, compact).
    groups[event] =
      agent === 'gemini'
        ? {
            hooks: [{ name: `fragd-${event}`, type: 'command', command, timeout: HOOK_TIMEOUT_SECONDS * 1000 }],
          }
        : { hooks: [{ type: 'command', command, timeout: timeoutOf(agent, event) }] };
  }
  return groups;
}

export function targetFiles(agent: Agent, scope: Scope, env: NodeJS.ProcessEnv = process.env): TargetFile[] {
  const home = homedir();
  const hooks = hookGroups(agent, env);
  const server = mcpServer(agent, env);
  const project = scope.kind === 'project' ? scope.dir : undefined;
  switch (agent) {
    case 'claude': {
      const configDir = env.CLAUDE_CONFIG_DIR || join(home, '.claude');
      return [
        {
          path: project ? join(project, '.claude', 'settings.local.json') : join(configDir, 'settings.json'),
          format: 'json',
          hooks,
        },
        {
          path: project
            ? join(project, '.mcp.json')
            : env.CLAUDE_CONFIG_DIR
              ? join(env.CLAUDE_CONFIG_DIR, '.claude.json')
              : join(home, '.claude.json'),
          format: 'json',
          hooks: {},
          mcp: { path: ['mcpServers', MCP_SERVER_NAME], value: { type: 'stdio', ...server } },
        },
      ];
    }
    case 'codex': {
      const dir = project ? join(project, '.codex') : env.CODEX_HOME || join(home, '.codex');
      return [
        { path: join(dir, 'hooks.json'), format: 'json', hooks },
        {
          path: join(dir, 'config.toml'),
          format: 'toml',
          hooks: {},
          mcp: { path: ['mcp_servers', MCP_SERVER_NAME], value: server },
        },
      ];
    }
    case 'gemini':
      return [
        {
          path: join(project ?? home, '.gemini', 'settings.json'),
          format: 'json',
          hooks,
          mcp: { path: ['mcpServers', MCP_SERVER_NAME], value: server },
        },
      ];
  }
}
