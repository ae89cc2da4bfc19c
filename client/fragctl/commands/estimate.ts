// fragctl estimate …: what history suggests for a task, and how past estimates turned out.
import type { Argv } from 'yargs';
import { formatDuration } from '../../../shared/format.js';
import type { AccuracyRow } from '../../../shared/protocol/estimates.js';
import { run, type GlobalArgs } from '../runner.js';
import { filterParams, withFilters } from '../filters.js';

const accuracyLines = (title: string, rows: AccuracyRow[]) =>
  rows.length
    ? [
        title,
        ...rows.map(
          (r) =>
            `  ${r.key.padEnd(16)} ${String(r.tasks).padStart(4)} tasks  estimated ${formatDuration(r.estimate_minutes * 60).padStart(8)}  actual ${formatDuration(r.actual_minutes * 60).padStart(8)}  ${r.tendency}`,
        ),
      ]
    : [];

export function estimateCommands(y: Argv<GlobalArgs>) {
  return y.command('estimate', 'Estimates from history: suggestions and how past estimates turned out', (e) =>
    e
      .command(
        'accuracy',
        'How estimates turned out, per actor and per label (completed, estimated tasks)',
        (b) => withFilters(b, 'tasks'),
        (argv) =>
          run(
            argv,
            (c) => c.call('estimate.accuracy', { actor: argv.actor, ...filterParams(argv) }),
            (r) =>
              r.tasks === 0
                ? ['no completed task with an estimate and tracked time yet']
                : [
                    `${r.tasks} completed task(s) with an estimate (median actual / estimate)`,
                    ...accuracyLines('by actor:', r.by_actor),
                    ...accuracyLines('by label:', r.by_label),
                  ],
          ),
      )
      .command(
        'suggest <code>',
        'Suggest an estimate for a task from the completed tasks like it',
        (b) => b.positional('code', { type: 'string', demandOption: true }),
        (argv) =>
          run(
            argv,
            // Scaled by the caller's own record: --actor, else FRAGMENTS_ACTOR, else the human.
            (c, t) => c.call('estimate.suggest', { code: String(argv.code), actor: t.actor ?? 'human' }),
            (r) =>
              r.suggestion
                ? [`${r.suggestion.task}: ${r.suggestion.minutes} min (${r.suggestion.basis})`]
                : ['no completed task like it yet: no suggestion'],
          ),
      )
      .demandCommand(1, 'estimate accuracy or estimate suggest CODE'),
  );
}
