// fragctl agent install | uninstall | status: wires fragd's hooks and MCP server into a coding
// agent's own settings files (local files only: works with the daemon down).
import type { Argv } from 'yargs';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolvePaths } from '../../../shared/paths.js';
import { AGENTS } from '../../agents/events.js';
import {
  agentStatus,
  installAgent,
  RecordStore,
  SettingsError,
  uninstallAgent,
  type AgentResult,
  type AgentStatus,
  type FileChange,
} from '../../agents/install.js';
import type { Scope } from '../../agents/targets.js';
import { Exit } from '../exit-codes.js';
import { CliError, formatOf, print, printErr, printJson, UsageError, type GlobalArgs } from '../runner.js';

interface ScopeArgs {
  project?: string;
  user?: boolean;
}

/** The top level of the repository dir is in, if it is in one. */
function repositoryOf(dir: string): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--show-toplevel'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** The repository's top level when dir is inside one, else dir itself. */
function projectRoot(dir: string): string {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory())
    throw new UsageError(`--project ${dir}: no such directory; name the project's directory`);
  return repositoryOf(abs) ?? abs;
}

/** --user (the default) or --project [DIR] (DIR defaults to the current repository). */
function scopeOf(argv: ScopeArgs): Scope {
  if (argv.project === undefined) return { kind: 'user' };
  return { kind: 'project', dir: projectRoot(argv.project === '' ? '.' : argv.project) };
}

const store = () => new RecordStore(join(resolvePaths().stateDir, 'agent-installs'));

/** Same --json and error conventions as the daemon commands, without a daemon. */
function local<T>(argv: GlobalArgs, work: () => T, render: (r: T) => string[]): void {
  try {
    const r = work();
    if (formatOf(argv) === 'json') printJson(r, 2);
    else print(render(r));
  } catch (err) {
    const e =
      err instanceof CliError
        ? err
        : err instanceof SettingsError
          ? new CliError(err.message, Exit.validation, 'settings')
          : new CliError((err as Error).message ?? String(err));
    process.exitCode = e.exit;
    if (formatOf(argv) === 'json') printJson({ error: { code: e.code, message: e.message } }, 2);
    else printErr(`error: ${e.message}`);
  }
}

const tilde = (path: string) => {
  const home = homedir();
  return path.startsWith(home + '/') ? '~' + path.slice(home.length) : path;
};

const what = (f: FileChange) =>
  [f.hooks.length ? `hooks ${f.hooks.join(', ')}` : '', f.mcp ? 'MCP server fragd' : ''].filter(Boolean).join('; ');

const verb: Record<FileChange['action'], string> = {
  created: 'created',
  updated: 'updated',
  unchanged: 'already installed',
  restored: 'restored as it was before fragd',
  removed: 'removed (fragd had created it)',
  cleaned: 'fragd’s entries removed, yours kept',
  absent: 'not there',
};

function resultLines(r: AgentResult, uninstall: boolean): string[] {
  const head = `${r.agent} (${r.scope === 'user' ? 'user settings' : `project ${r.project}`}):`;
  return [
    head,
    ...r.files.map((f) => {
      const action = uninstall && f.action === 'unchanged' ? 'nothing of fragd’s' : verb[f.action];
      const detail = uninstall ? '' : what(f);
      return `  ${tilde(f.path)}: ${action}${detail ? ` — ${detail}` : ''}`;
    }),
    ...r.notes.map((n) => `note: ${n}`),
  ];
}

function statusLines(list: AgentStatus[]): string[] {
  return list.flatMap((s) => [
    `${s.agent.padEnd(7)} ${s.scope === 'user' ? 'user' : `project ${s.project}`}: ${s.installed === 'all' ? 'installed' : s.installed === 'partial' ? 'partly installed' : 'not installed'}`,
    ...s.files.map((f) => {
      const bits = f.error
        ? [`unreadable: ${f.error}`]
        : !f.exists
          ? ['no file']
          : [
              f.hooks.length ? `hooks ${f.hooks.join(', ')}` : '',
              f.missing.length && f.hooks.length ? `missing ${f.missing.join(', ')}` : '',
              f.mcp ? 'MCP server fragd' : '',
              (f.hooks.length || f.mcp) && !f.current ? 'points at another fragd install (run install again)' : '',
            ].filter(Boolean);
      return `  ${tilde(f.path)}: ${bits.join('; ') || 'nothing of fragd’s'}`;
    }),
    ...(s.trust ? [`  not trusted by Codex yet (skipped): ${s.trust.untrusted.join(', ')}`, `  ${s.trust.step}`] : []),
  ]);
}

const agentArg = <T>(b: Argv<T>) =>
  b.positional('agent', { choices: AGENTS, describe: 'the coding agent', demandOption: true });

const scopeOptions = <T>(b: Argv<T>) =>
  b
    .option('user', { type: 'boolean', describe: 'your own settings, for every project (the default)' })
    .option('project', {
      type: 'string',
      describe: 'the settings of one project (default DIR: the current repository)',
      requiresArg: false,
    })
    .conflicts('user', 'project');

export function agentCommands(y: Argv<GlobalArgs>) {
  return y.command('agent', 'Coding agents (Claude Code, Codex, Gemini CLI) that report to fragd', (a) =>
    a
      .command(
        'install <agent>',
        "Add fragd's hooks and MCP server to the agent's settings (keeps every existing entry)",
        (b) => scopeOptions(agentArg(b)),
        (argv) =>
          local(
            argv,
            () => installAgent(argv.agent, scopeOf(argv), store()),
            (r) => resultLines(r, false),
          ),
      )
      .command(
        'uninstall <agent>',
        "Take fragd's hooks and MCP server out again (the file as it was, or yours kept)",
        (b) => scopeOptions(agentArg(b)),
        (argv) =>
          local(
            argv,
            () => uninstallAgent(argv.agent, scopeOf(argv), store()),
            (r) => resultLines(r, true),
          ),
      )
      .command(
        'status [agent]',
        "What of fragd's is installed where (your settings, and the current repository's)",
        (b) =>
          b.positional('agent', { choices: AGENTS, describe: 'one agent (default: all)' }).option('project', {
            type: 'string',
            describe: 'the project to look at (default: the current repository)',
          }),
        (argv) =>
          local(
            argv,
            () => {
              const agents = argv.agent ? [argv.agent] : [...AGENTS];
              // The project: --project DIR, else the repository of the current directory, if any.
              const project = argv.project !== undefined ? projectRoot(argv.project || '.') : repositoryOf('.');
              const scopes: Scope[] = [
                { kind: 'user' },
                ...(project ? [{ kind: 'project' as const, dir: project }] : []),
              ];
              const s = store();
              return { agents: agents.flatMap((agent) => scopes.map((scope) => agentStatus(agent, scope, s))) };
            },
            (r) => statusLines(r.agents),
          ),
      )
      .demandCommand(1, 'name an agent command (see fragctl agent --help)'),
  );
}
