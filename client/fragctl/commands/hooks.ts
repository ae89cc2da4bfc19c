// fragctl hooks …: install git hooks in a repository (a local file operation, no daemon
// needed), ingest the spool now, and list the commits the hooks recorded.
import type { Argv } from 'yargs';
import { resolvePaths } from '../../../shared/paths.js';
import type { CommitView } from '../../../shared/protocol/git.js';
import {
  HookError,
  hookStatus,
  installHooks,
  spoolBacklog,
  uninstallHooks,
  type HookChange,
  type HookState,
} from '../../hooks/install.js';
import { Exit } from '../exit-codes.js';
import { localTime, one } from '../output.js';
import { formatOf, print, printErr, printJson, run, type GlobalArgs } from '../runner.js';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fragctl } from '../../../shared/command.js';

/** A command that works on local files only: same --json and error conventions as run(). */
function local<T>(argv: GlobalArgs, work: () => T, render: (r: T) => string[]): void {
  try {
    const r = work();
    if (formatOf(argv) === 'json') printJson(r, 2);
    else print(render(r));
  } catch (err) {
    process.exitCode = err instanceof HookError ? Exit.usage : Exit.failure;
    const message = (err as Error).message;
    if (formatOf(argv) === 'json') printJson({ error: { code: 'hooks', message } }, 2);
    else printErr(`error: ${message}`);
  }
}

const describe: Record<HookChange['action'], string> = {
  installed: 'installed',
  updated: 'updated (was already fragd’s)',
  chained: 'installed; the hook that was there runs first',
  removed: 'removed',
  restored: 'removed; the hook that was there before is back',
  absent: 'not installed',
  'left-foreign': 'not fragd’s hook: left alone',
};

const stateLine = (h: HookState) =>
  `${h.hook.padEnd(14)} ${h.installed ? 'fragd' : h.foreign ? 'other hook (not fragd)' : '-'}${h.chained ? ` · chains ${h.chained}` : ''}`;

/** The repository's top level, as the daemon stores it (physical path). */
function topLevel(dir: string): string {
  try {
    return execFileSync('git', ['-C', resolve(dir), 'rev-parse', '--show-toplevel'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return resolve(dir);
  }
}

const commitLine = (c: CommitView) =>
  `${c.commit.slice(0, 7)}  ${localTime(c.at)}  ${one(c.task ?? '-').padEnd(8)} ${one(c.branch ?? '-').padEnd(12)} ${one(c.subject)}${c.rewritten_from ? `  (rewritten from ${c.rewritten_from.slice(0, 7)})` : ''}${c.rewritten_to ? `  (now ${c.rewritten_to.slice(0, 7)})` : ''}`;

const repoOption = (b: Argv<GlobalArgs>) =>
  b.option('repo', { type: 'string', default: '.', describe: 'the repository (default: the current directory)' });

/** What an install or uninstall did to each hook. */
const hookLines = (r: { hooks_dir: string; hooks: HookChange[] }) => [
  `hooks in ${r.hooks_dir}:`,
  ...r.hooks.map((x) => `  ${x.hook.padEnd(14)} ${describe[x.action]}`),
];

export function hooksCommands(y: Argv<GlobalArgs>) {
  return y
    .command('hooks', 'Git hooks that log commits, checkouts, merges and rewrites', (h) =>
      h
        .command(
          'install',
          'Install post-commit, post-checkout, post-merge, post-rewrite and the reservations guard pre-commit (existing hooks are chained)',
          repoOption,
          (argv) =>
            local(
              argv,
              () => installHooks(argv.repo),
              (r) => [
                ...hookLines(r),
                'commits here are now logged into your session (FRAGMENTS_SESSION, else your current one)',
              ],
            ),
        )
        .command('uninstall', "Remove fragd's hooks and put back the hooks they chained", repoOption, (argv) =>
          local(argv, () => uninstallHooks(argv.repo), hookLines),
        )
        .command('status', 'Which hooks are installed, and how many records wait in the spool', repoOption, (argv) =>
          local(
            argv,
            () => {
              const spool = resolvePaths().spoolDir;
              return { ...hookStatus(argv.repo), spool_dir: spool, spooled: spoolBacklog(spool) };
            },
            (r) => [
              `hooks in ${r.hooks_dir}:`,
              ...r.hooks.map((x) => `  ${stateLine(x)}`),
              `spool ${r.spool_dir}: ${r.spooled} record(s) waiting`,
            ],
          ),
        )
        .command(
          'ingest',
          'Ingest the records hooks left in the spool now (fragd also does it by itself)',
          (b) => b,
          (argv) =>
            run(
              argv,
              (c) => c.call('spool.ingest', { source: 'cli' }),
              (r) => [
                `ingested ${r.ingested}, duplicates ${r.duplicates}${r.incomplete ? `, still being written ${r.incomplete}` : ''}${r.rejected ? `, rejected ${r.rejected} (see spool/rejected)` : ''}${r.remaining ? `, ${r.remaining} left for the next pass` : ''}`,
              ],
            ),
        )
        .demandCommand(1, 'name a hooks command (see fragctl hooks --help)'),
    )
    .command(
      'commits',
      'Commits the hooks recorded, with the task each is linked to',
      (b) =>
        b
          .option('task', { type: 'string', describe: 'only commits linked to this task' })
          .option('repo', { type: 'string', describe: 'only commits of this repository' })
          .option('all', { type: 'boolean', describe: 'also commits replaced by an amend or rebase' })
          .option('limit', { type: 'number' }),
      (argv) =>
        run(
          argv,
          (c) =>
            c.call('git.commits', {
              task: argv.task,
              session: argv.session,
              repo: argv.repo === undefined ? undefined : topLevel(argv.repo),
              include_rewritten: argv.all,
              limit: argv.limit,
            }),
          (r) =>
            r.commits.length
              ? r.commits.map(commitLine)
              : [`no commits recorded (install the hooks with: ${fragctl('hooks', 'install')})`],
        ),
    );
}
