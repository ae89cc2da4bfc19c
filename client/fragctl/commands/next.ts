// fragctl next [--activate]: the one "what next" choice (docs/claims.md).
import type { Argv } from 'yargs';
import { run, type GlobalArgs } from '../runner.js';
import { breadcrumb } from '../output.js';

export function nextCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'next',
    'The next task for you: your sprint first, unclaimed, unblocked, by priority then plan order',
    (b) =>
      b
        .option('activate', { type: 'boolean', describe: 'claim and activate it (atomically)' })
        .option('sprint', { type: 'string', describe: 'prefer this sprint' }),
    (argv) =>
      run(
        argv,
        (c, t) => c.call('task.next', { ...t, activate: argv.activate, sprint: argv.sprint }),
        (r) => [
          r.task
            ? `${r.activated ? 'working on' : 'next:'} ${r.task.code} “${r.task.title}” (${r.task.priority})`
            : 'nothing is ready for you',
          `why: ${r.why}`,
          ...(r.stack ? [`stack: ${breadcrumb(r.stack)}`] : []),
          ...(r.also_ready.length ? [`also ready: ${r.also_ready.map((a) => a.code).join(', ')}`] : []),
          ...(r.waiting.length ? ['waiting:', ...r.waiting.map((w) => `  ${w.code}: ${w.reason}`)] : []),
        ],
      ),
  );
}
