// fragctl next [--activate]: the one "what next" choice (docs/claims.md).
import { repoParam } from '../../lib/repo-root.js';
import type { Argv } from 'yargs';
import type { NextResult } from '../../../shared/protocol/methods.js';
import { run, type GlobalArgs } from '../runner.js';
import { breadcrumb, one } from '../output.js';
import { Exit } from '../exit-codes.js';

/**
 * The exit code of `next --activate`, so an agent's loop can tell "working on a task" (0),
 * "nothing yet, try again" (8) and "nothing left, stop" (9) apart without parsing text.
 * The daemon lists in `waiting` every open task another session could still free or
 * unblock, so an empty list means nothing will become ready later. A plain `next` is a
 * question and exits 0 whatever it answers.
 */
export function nextExitCode(r: NextResult, activate: boolean | undefined): number {
  if (!activate || r.activated) return Exit.ok;
  return r.waiting.length ? Exit.nothingReady : Exit.nothingLeft;
}

export function nextCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'next',
    'The next task for you: your sprint first, unclaimed, unblocked, by priority then plan order',
    (b) =>
      b
        .option('activate', {
          type: 'boolean',
          describe: 'claim and activate it (atomically); exits 8 when nothing is ready yet, 9 when nothing is left',
        })
        .option('sprint', { type: 'string', describe: 'prefer this sprint' }),
    (argv) =>
      run(
        argv,
        async (c, t) => {
          const r = await c.call('task.next', {
            ...t,
            activate: argv.activate,
            sprint: argv.sprint,
            // A task's declared paths are reserved in the repository this runs in.
            ...(argv.activate ? repoParam() : {}),
          });
          process.exitCode = nextExitCode(r, argv.activate);
          return r;
        },
        (r) => [
          r.task
            ? `${r.activated ? 'working on' : 'next:'} ${r.task.code} “${one(r.task.title)}” (${r.task.priority})`
            : r.waiting.length
              ? 'nothing is ready for you yet'
              : 'nothing is left for you',
          `why: ${one(r.why)}`,
          ...(r.stack ? [`stack: ${breadcrumb(r.stack)}`] : []),
          ...(r.also_ready.length ? [`also ready: ${r.also_ready.map((a) => a.code).join(', ')}`] : []),
          ...(r.waiting.length ? ['waiting:', ...r.waiting.map((w) => `  ${w.code}: ${one(w.reason)}`)] : []),
        ],
      ),
  );
}
