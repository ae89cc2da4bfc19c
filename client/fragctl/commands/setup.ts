// fragctl setup [--yes] [--undo]: wires fragd into this machine (systemd units, shell
// completion, git hooks for every repository, agent integrations, the prompt), listing
// what it will do first; --undo takes back exactly what setup recorded.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { resolvePaths } from '../../../shared/paths.js';
import { uninstallHooksIn } from '../../hooks/install.js';
import { isAgent } from '../../agents/events.js';
import { RecordStore, uninstallAgent } from '../../agents/install.js';
import { readManifest, undoChange, writeManifest, type Manifest } from '../../setup/changes.js';
import { defaultContext, setupSteps, type Step } from '../../setup/steps.js';
import { Exit } from '../exit-codes.js';
import { interactive } from '../prompts.js';
import { progress } from '../progress.js';
import { CliError, fail, formatOf, print, printJson, UsageError, type GlobalArgs } from '../runner.js';

interface SetupArgs extends GlobalArgs {
  yes?: boolean;
  undo?: boolean;
}

export const manifestPath = (env: NodeJS.ProcessEnv = process.env) => join(resolvePaths(env).stateDir, 'setup.json');

const run = (argv: string[]) => void execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });

async function confirm(message: string): Promise<boolean> {
  const { confirm: ask } = await import('@inquirer/prompts');
  try {
    return await ask({ message, default: true });
  } catch (err) {
    // Ctrl-C or end of input at the prompt: nothing changes.
    if ((err as Error)?.name === 'ExitPromptError' || (err as Error)?.name === 'AbortPromptError') return false;
    throw err;
  }
}

function undo(argv: SetupArgs): void {
  const path = manifestPath();
  const m = readManifest(path);
  const done: string[] = [];
  for (const step of [...m.steps].reverse()) {
    for (const change of [...step.changes].reverse()) {
      try {
        done.push(
          undoChange(change, {
            run,
            unhook: (dir) => void uninstallHooksIn(dir),
            uninstallAgent: (agent) => {
              if (!isAgent(agent)) return `unknown agent ${agent}: left alone`;
              uninstallAgent(agent, { kind: 'user' }, new RecordStore(join(resolvePaths().stateDir, 'agent-installs')));
              return `removed fragd's hooks and MCP server from ${agent}'s settings`;
            },
          }),
        );
      } catch (err) {
        done.push(`could not undo a ${change.kind} change of ${step.step}: ${(err as Error).message}`);
      }
    }
    m.steps = m.steps.filter((s) => s !== step);
    writeManifest(path, m);
  }
  if (formatOf(argv) === 'json') printJson({ undone: done }, 2);
  else print(done.length ? done.map((d) => `✓ ${d}`) : ['nothing to undo: fragctl setup has not changed this machine']);
}

const planLines = (steps: Step[], m: Manifest): string[] =>
  steps.flatMap((s) =>
    m.steps.some((r) => r.step === s.id)
      ? [`• ${s.title}: already set up (fragctl setup --undo takes it back)`]
      : s.skip
        ? [`• ${s.title}: skipped, ${s.skip}`]
        : [`• ${s.title}:`, ...s.plan.map((p) => `    ${p}`)],
  );

async function setup(argv: SetupArgs): Promise<void> {
  const json = formatOf(argv) === 'json';
  const path = manifestPath();
  const m = readManifest(path);
  const steps = setupSteps(defaultContext(process.env, resolvePaths()));
  const todo = steps.filter((s) => !s.skip && !m.steps.some((r) => r.step === s.id));
  if (!json) print(['fragctl setup will:', ...planLines(steps, m)]);
  if (todo.length === 0) {
    if (json) printJson({ applied: [], plan: steps.map(({ id, skip, plan }) => ({ id, skip, plan })) });
    else print('nothing to do');
    return;
  }
  if (!argv.yes) {
    if (!interactive(argv)) throw new UsageError('setup changes files in your home directory: pass --yes to confirm');
    if (!(await confirm('Go ahead?'))) {
      print('cancelled: nothing changed');
      return;
    }
  }
  const applied: { step: string; changes: number }[] = [];
  const shown = json ? null : progress();
  for (const [n, s] of todo.entries()) {
    try {
      shown?.update(`(${n + 1}/${todo.length}) ${s.title}…`);
      const changes = s.apply();
      shown?.done();
      m.steps.push({ step: s.id, at: new Date().toISOString(), changes });
      writeManifest(path, m);
      applied.push({ step: s.id, changes: changes.length });
      if (!json) print(`✓ ${s.title}`);
    } catch (err) {
      shown?.done();
      throw new CliError(
        `${s.title} failed: ${(err as Error).message.trim()}; the steps before it are recorded (fragctl setup --undo takes them back)`,
        Exit.failure,
        'setup',
      );
    }
  }
  if (json) printJson({ applied }, 2);
  else print(['', 'done. fragctl doctor checks the result; fragctl setup --undo takes it back.']);
}

export function setupCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'setup',
    'Wire fragd into this machine: systemd units, shell completion, git hooks, agents, prompt',
    (b) =>
      b
        .option('yes', { alias: 'y', type: 'boolean', describe: 'do it without asking (for scripts)' })
        .option('undo', { type: 'boolean', describe: 'take back everything setup did' }),
    async (argv: SetupArgs) => {
      try {
        if (argv.undo) undo(argv);
        else await setup(argv);
      } catch (err) {
        fail(err, argv);
      }
    },
  );
}
