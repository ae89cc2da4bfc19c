// The steps of `fragctl setup`. Each says whether it applies on this machine, what it will
// do (shown before anything changes), and does it, returning the changes it made so that
// `fragctl setup --undo` can take them back.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FRAGD_NODE_FLAGS } from '../../shared/daemon-flags.js';
import { commandLine, fragctl } from '../../shared/command.js';
import type { FragPaths } from '../../shared/paths.js';
import { installHooksIn, PASS_THROUGH_HOOKS, PASS_THROUGH_SCRIPT } from '../hooks/install.js';
import { addBlock, hasBlock, linkNote, missingParents, writeFileChange, type Change } from './changes.js';
import { AGENTS, type Agent } from '../agents/events.js';
import { installAgent, RecordStore } from '../agents/install.js';
import { targetFiles } from '../agents/targets.js';
import { promptSnippet } from '../fragctl/commands/prompt.js';
import { systemdExec } from './systemd-quote.js';
import SERVICE_TEMPLATE from '../../systemd/fragd.service';
import SOCKET_TEMPLATE from '../../systemd/fragd.socket';

export interface SetupContext {
  env: NodeJS.ProcessEnv;
  home: string;
  paths: FragPaths;
  /** The Node.js running fragctl now: units and integrations name it by absolute path. */
  node: string;
  /** The directory of this install's bundles (fragctl.js, fragd.js). */
  dist: string;
  /** Runs a command, throwing with its stderr on failure. */
  run: (argv: string[]) => string;
  has: (command: string) => boolean;
}

export interface Step {
  id: string;
  title: string;
  /** null when the step applies; else why it is skipped here. */
  skip: string | null;
  /** What it will do, one line each. */
  plan: string[];
  apply: () => Change[];
}

export function defaultContext(env: NodeJS.ProcessEnv, paths: FragPaths): SetupContext {
  const run = (argv: string[]): string =>
    execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
  return {
    env,
    home: env.HOME || homedir(),
    paths,
    node: process.execPath,
    dist: dirname(fileURLToPath(import.meta.url)),
    run,
    has: (command) => {
      try {
        execFileSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore', env });
        return true;
      } catch {
        return false;
      }
    },
  };
}

const xdgConfig = (c: SetupContext) => c.env.XDG_CONFIG_HOME || join(c.home, '.config');

/** systemd runs for this user when its manager answers. */
function systemdRuns(c: SetupContext): boolean {
  try {
    c.run(['systemctl', '--user', 'show-environment']);
    return true;
  } catch {
    return false;
  }
}

/** The package directory above the bundles (the one holding package.json and README.md). */
function packageRoot(dist: string): string {
  for (let dir = dirname(dist); dirname(dir) !== dir; dir = dirname(dir))
    if (existsSync(join(dir, 'package.json'))) return dir;
  return dirname(dist);
}

/** A file URL for Documentation=: percent-encoded, and % doubled, as systemd expands specifiers there. */
const systemdDocUrl = (path: string): string => pathToFileURL(path).href.replace(/%/g, '%%');

function systemdStep(c: SetupContext): Step {
  const dir = join(xdgConfig(c), 'systemd', 'user');
  const fragd = join(c.dist, 'fragd.js');
  const runs = c.has('systemctl') && systemdRuns(c);
  const skip = process.platform !== 'linux' ? 'systemd is Linux only' : null;
  return {
    id: 'systemd',
    title: 'systemd user units (socket activation)',
    skip,
    plan: [
      `write ${join(dir, 'fragd.service')} running ${c.node} ${fragd}`,
      `write ${join(dir, 'fragd.socket')}`,
      runs
        ? 'enable and start fragd.socket (systemctl --user enable --now fragd.socket)'
        : 'systemd is not running for this user: the units are written, not enabled (fragctl starts fragd itself)',
    ],
    apply: () => {
      // The README this install ships (npm packs it beside dist/), so `systemctl --user help` opens it.
      const docs = (unit: string) =>
        unit.replace(/^Documentation=.*$/m, `Documentation=${systemdDocUrl(join(packageRoot(c.dist), 'README.md'))}`);
      const service = docs(SERVICE_TEMPLATE).replace(
        /^ExecStart=.*$/m,
        `ExecStart=${systemdExec([c.node, ...FRAGD_NODE_FLAGS, fragd])}`,
      );
      const changes = [
        writeFileChange(join(dir, 'fragd.service'), service),
        writeFileChange(join(dir, 'fragd.socket'), docs(SOCKET_TEMPLATE)),
      ];
      if (runs) {
        c.run(['systemctl', '--user', 'daemon-reload']);
        c.run(['systemctl', '--user', 'enable', '--now', 'fragd.socket']);
        changes.push({ kind: 'systemd-enable', unit: 'fragd.socket' });
      }
      return changes;
    },
  };
}

/** The completion script yargs generates for bash or zsh, from this fragctl. */
function yargsCompletion(c: SetupContext, shell: 'bash' | 'zsh'): string {
  return execFileSync(c.node, [join(c.dist, 'fragctl.js'), 'completion'], {
    encoding: 'utf8',
    env: { ...c.env, SHELL: `/bin/${shell}`, ZSH_NAME: shell === 'zsh' ? 'zsh' : '' },
  });
}

const FISH_COMPLETION = `# fragctl completion for fish, written by \`fragctl setup\`.
function __fragctl_complete
    set -l args (commandline -opc)
    set -e args[1]
    fragctl --get-yargs-completions $args (commandline -ct) 2>/dev/null
end
complete -c fragctl -f -a '(__fragctl_complete)'
`;

function completionStep(c: SetupContext): Step {
  const cfg = join(xdgConfig(c), 'fragments');
  const shells = (['bash', 'zsh', 'fish'] as const).filter((s) => c.has(s));
  const rc = { bash: join(c.home, '.bashrc'), zsh: join(c.home, '.zshrc') };
  const fishFile = join(xdgConfig(c), 'fish', 'completions', 'fragctl.fish');
  const plan = shells.map((s) =>
    s === 'fish'
      ? `write ${fishFile}`
      : `write ${join(cfg, `completion.${s}`)} and source it from ${rc[s]}${linkNote(rc[s])}${hasBlock(rc[s], 'completion') ? ' (fragd block already there: left as is)' : ''}`,
  );
  return {
    id: 'completion',
    title: 'shell completion',
    skip: shells.length ? null : 'none of bash, zsh or fish is installed',
    plan,
    apply: () =>
      shells.flatMap((s): Change[] => {
        if (s === 'fish') return [writeFileChange(fishFile, FISH_COMPLETION)];
        const file = join(cfg, `completion.${s}`);
        const changes = [writeFileChange(file, yargsCompletion(c, s))];
        if (!hasBlock(rc[s], 'completion'))
          changes.push(
            addBlock(rc[s], 'completion', [`${commandLine(['test', '-f', file])} && ${commandLine(['.', file])}`]),
          );
        return changes;
      }),
  };
}

function gitHooksStep(c: SetupContext): Step {
  let current: string | null = null;
  try {
    current = c.run(['git', 'config', '--global', '--get', 'core.hooksPath']).trim() || null;
  } catch {
    current = null;
  }
  const own = join(c.paths.configDir, 'git-hooks');
  return {
    id: 'git-hooks',
    title: 'git hooks for every repository',
    skip: c.has('git') ? null : 'git is not installed',
    plan: current
      ? [`install fragd's hooks into your global hooks directory ${current} (hooks there run first)`]
      : [
          `install fragd's hooks into ${own}`,
          `${commandLine(['git', 'config', '--global', 'core.hooksPath', own])} (each repository's own hooks still run)`,
        ],
    apply: () => {
      const dir = current ?? own;
      const dirs = missingParents(join(dir, 'hook'));
      installHooksIn(dir);
      const changes: Change[] = [{ kind: 'hooks-dir', dir, ...(dirs.length ? { dirs } : {}) }];
      if (!current) {
        changes.push(writeFileChange(join(own, '.fragd-global'), 'run each repository’s own hooks too\n'));
        for (const hook of PASS_THROUGH_HOOKS)
          changes.push(writeFileChange(join(own, hook), PASS_THROUGH_SCRIPT, 0o755));
        const gitconfig = join(c.home, '.gitconfig');
        const created = !existsSync(gitconfig) && !existsSync(join(xdgConfig(c), 'git', 'config'));
        c.run(['git', 'config', '--global', 'core.hooksPath', own]);
        changes.push({ kind: 'git-config', key: 'core.hooksPath', before: null, created: created ? gitconfig : null });
      }
      return changes;
    },
  };
}

/** The agents whose own configuration directory exists here: they are installed, others not. */
function agentsHere(c: SetupContext): Agent[] {
  const dirs: Record<Agent, string> = {
    claude: c.env.CLAUDE_CONFIG_DIR || join(c.home, '.claude'),
    codex: c.env.CODEX_HOME || join(c.home, '.codex'),
    gemini: join(c.home, '.gemini'),
  };
  return AGENTS.filter((a) => existsSync(dirs[a]));
}

function agentsStep(c: SetupContext): Step {
  const agents = agentsHere(c);
  const store = new RecordStore(join(c.paths.stateDir, 'agent-installs'));
  return {
    id: 'agents',
    title: 'coding agents (hooks and MCP server)',
    skip: agents.length
      ? null
      : 'no Claude Code, Codex or Gemini CLI configuration found (~/.claude, ~/.codex, ~/.gemini)',
    plan: agents.map(
      (a) =>
        `${fragctl('agent', 'install', a, '--user')}: ${targetFiles(a, { kind: 'user' }, c.env)
          .map((f) => f.path)
          .join(', ')}`,
    ),
    apply: () =>
      agents.map((agent): Change => {
        installAgent(agent, { kind: 'user' }, store, c.env);
        return { kind: 'agent', agent };
      }),
  };
}

function promptStep(c: SetupContext): Step {
  const cfg = join(xdgConfig(c), 'fragments');
  const shells = (['bash', 'zsh', 'fish'] as const).filter((s) => c.has(s));
  const rc = { bash: join(c.home, '.bashrc'), zsh: join(c.home, '.zshrc') };
  const fishFile = join(xdgConfig(c), 'fish', 'conf.d', 'fragd-prompt.fish');
  return {
    id: 'prompt',
    title: 'the session status in your prompt',
    skip: shells.length ? null : 'none of bash, zsh or fish is installed',
    plan: shells.map((s) =>
      s === 'fish'
        ? `write ${fishFile}`
        : `write ${join(cfg, `prompt.${s}`)} (fragctl prompt ${s}) and source it from ${rc[s]}${linkNote(rc[s])}`,
    ),
    apply: () =>
      shells.flatMap((s): Change[] => {
        if (s === 'fish') return [writeFileChange(fishFile, promptSnippet('fish', c.env))];
        const file = join(cfg, `prompt.${s}`);
        const changes = [writeFileChange(file, promptSnippet(s, c.env))];
        if (!hasBlock(rc[s], 'prompt'))
          changes.push(
            addBlock(rc[s], 'prompt', [`${commandLine(['test', '-f', file])} && ${commandLine(['.', file])}`]),
          );
        return changes;
      }),
  };
}

/** Every step, in the order they run. */
export function setupSteps(c: SetupContext): Step[] {
  return [systemdStep(c), completionStep(c), gitHooksStep(c), agentsStep(c), promptStep(c)];
}
