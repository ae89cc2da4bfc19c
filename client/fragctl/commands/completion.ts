// fragctl validate, done, task complete, tasks bulk-complete, sprint complete, artifact add.
import { costText } from '../../../shared/protocol/costs.js';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { formatDuration } from '../../../shared/format.js';
import type { ResultOf } from '../../../shared/protocol/methods.js';
import type { SessionReport, TaskCompleteResult, ValidationView } from '../../../shared/protocol/completion.js';
import { Exit } from '../exit-codes.js';
import { breadcrumb, one } from '../output.js';
import { askNewEstimate, bulkCompleteWithPrompts, checklistLines, completeWithPrompts } from '../prompts.js';
import { run, type GlobalArgs } from '../runner.js';

const verdict = (what: string, v: ValidationView): string[] => [
  `${what}: ${v.valid ? 'ready to complete' : 'not ready'}${v.warnings.length ? ` (${v.warnings.length} warning${v.warnings.length === 1 ? '' : 's'})` : ''}`,
  ...checklistLines(v),
  ...(v.requirements.length ? ['to do:', ...v.requirements.map((r) => `  - ${r}`)] : []),
];

/** An invalid verdict is a result, not an error, but scripts get exit 6 to branch on. */
const flagInvalid = <T extends { validation: ValidationView }>(r: T): T => {
  if (!r.validation.valid) process.exitCode = Exit.validation;
  return r;
};

const completedLines = (r: Omit<TaskCompleteResult, 'instructions'>): string[] => [
  `completed ${r.task.code} “${one(r.task.title)}”${r.forced_over.length ? ' (forced)' : ''}`,
  ...(r.forced_over.length ? [`  overrode: ${r.forced_over.join('; ')}`] : []),
  ...r.validation.warnings.map((w) => `  warning: ${w}`),
];

export function validateCommands(y: Argv<GlobalArgs>) {
  return y.command('validate', 'Check whether a task or sprint may complete (exit 6 when not)', (v) =>
    v
      .command(
        'task [code]',
        'Checklist of a task (default: the active one)',
        (b) => b.positional('code', { type: 'string' }),
        (argv) =>
          run(
            argv,
            async (c, t) => flagInvalid(await c.call('task.validate', { ...t, code: argv.code })),
            (r) => verdict(`${r.task.code} “${one(r.task.title)}”`, r.validation),
          ),
      )
      .command(
        'sprint [code]',
        'Checklist of a sprint (default: the active one)',
        (b) => b.positional('code', { type: 'string' }),
        (argv) =>
          run(
            argv,
            async (c, t) => flagInvalid(await c.call('sprint.validate', { ...t, code: argv.code })),
            (r) => verdict(`${r.sprint.code} “${one(r.sprint.title)}”`, r.validation),
          ),
      )
      .demandCommand(1, 'validate task [CODE] or validate sprint [CODE]'),
  );
}

function completeTaskCommand(argv: GlobalArgs & { code?: string; summary?: string; force?: boolean }) {
  return run(
    argv,
    async (c, t) => {
      const r = await completeWithPrompts(
        argv,
        (o) => c.call('task.complete', { ...t, code: argv.code, summary: o.summary, force: o.force }),
        {
          summary: argv.summary,
          force: argv.force,
        },
        { postUpdate: (message) => c.call('activity.update', { ...t, message }) },
      );
      await askNewEstimate(argv, c, r.estimate_check);
      return r;
    },
    (r) => [...completedLines(r), `stack: ${breadcrumb(r.stack)}`],
  );
}

export function doneCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'done [summary]',
    'Finish the active task: set its summary, validate, complete and pop it',
    (b) =>
      b
        .positional('summary', { type: 'string', describe: `what was done (at least 20 characters by default)` })
        .option('force', {
          type: 'boolean',
          describe: 'complete despite failed checks (recorded in the activity log)',
        }),
    (argv) => completeTaskCommand({ ...argv, code: undefined, summary: argv.summary }),
  );
}

/** `task complete` — added to the task command by items.ts. */
export function taskCompletion(task: Argv<GlobalArgs>) {
  return task.command(
    'complete [code]',
    'Complete a task through the validation gate (default: the active one)',
    (b) =>
      b
        .positional('code', { type: 'string' })
        .option('summary', { type: 'string', describe: 'set the summary first' })
        .option('force', { type: 'boolean', describe: 'complete despite failed checks (recorded)' }),
    (argv) => completeTaskCommand(argv as never),
  );
}

/** `sprint complete` — added to the sprint command by items.ts. */
export function sprintCompletion(sprint: Argv<GlobalArgs>) {
  return sprint.command(
    'complete [code]',
    'Complete a sprint through the validation gate (default: the active one)',
    (b) =>
      b
        .positional('code', { type: 'string' })
        .option('summary', { type: 'string' })
        .option('retrospective', { type: 'string' })
        .option('deliverables', { type: 'string' })
        .option('force', { type: 'boolean', describe: 'complete despite failed checks (recorded)' }),
    (argv) =>
      run(
        argv,
        (c, t) =>
          completeWithPrompts(
            argv,
            (o) =>
              c.call('sprint.complete', {
                ...t,
                code: argv.code,
                summary: o.summary,
                retrospective: argv.retrospective,
                deliverables: argv.deliverables,
                force: o.force,
              }),
            { summary: argv.summary, force: argv.force },
          ),
        (r) => [
          `completed sprint ${r.sprint.code} “${one(r.sprint.title)}” · ${r.sprint.tasks.completed} of ${r.sprint.tasks.total} tasks done${r.forced_over.length ? ' (forced)' : ''}`,
          ...(r.forced_over.length ? [`  overrode: ${r.forced_over.join('; ')}`] : []),
          ...r.validation.warnings.map((w) => `  warning: ${w}`),
        ],
      ),
  );
}

export function tasksCommands(y: Argv<GlobalArgs>) {
  return y.command('tasks', 'Operations on several tasks', (t) =>
    t
      .command(
        'bulk-complete <codes>',
        'Complete tasks A,B,C at once (all or nothing; in a terminal, asks per blocked task)',
        (b) =>
          b
            .positional('codes', { type: 'string', demandOption: true, describe: 'comma-separated task codes' })
            .option('summary', { type: 'string', describe: 'summary for tasks that have none' })
            .option('force', { type: 'boolean', describe: 'complete despite failed checks (recorded)' }),
        (argv) => {
          const codes = String(argv.codes)
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
          return run(
            argv,
            async (c, target) => {
              const r = await bulkCompleteWithPrompts(argv, codes, (entries) =>
                c.call('tasks.bulk_complete', {
                  ...target,
                  codes: entries.map((e) => (e.summary || e.force ? e : e.code)),
                  summary: argv.summary,
                  force: argv.force,
                }),
              );
              return r ?? { completed: [], forced: [], results: [] };
            },
            (r) => (r.results.length ? r.results.flatMap(completedLines) : ['nothing completed']),
          );
        },
      )
      .demandCommand(1, 'tasks bulk-complete A,B,C'),
  );
}

export function artifactCommands(y: Argv<GlobalArgs>) {
  return y.command('artifact', 'Record artifacts (files, URLs) produced by the work', (a) =>
    a
      .command(
        'add <path>',
        'Record an artifact on the active context',
        (b) => b.positional('path', { type: 'string', demandOption: true }).option('note', { type: 'string' }),
        (argv) => {
          const raw = String(argv.path);
          // A file path is stored absolute so the report means something from any directory.
          const path = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : resolve(raw);
          return run(
            argv,
            (c, t) => c.call('artifact.add', { ...t, path, note: argv.note }),
            (r) => [
              `artifact recorded: ${one(r.artifact.path)}${r.artifact.task ? ` (on ${one(r.artifact.task)})` : ''}`,
            ],
          );
        },
      )
      .demandCommand(1, 'artifact add PATH'),
  );
}

/** The widest code of a list (codes are ASCII: their length is their width), so long codes keep columns aligned. */
const codeWidth = (rows: { code: string }[]): number => Math.max(10, ...rows.map((t) => t.code.length));

/** The end-of-session summary, for people. */
export function reportLines(r: SessionReport): string[] {
  return [
    `${r.session}: ${formatDuration(r.duration_seconds)} long, ${formatDuration(r.active_seconds)} active · ${r.updates} update${r.updates === 1 ? '' : 's'}, ${r.notes} note${r.notes === 1 ? '' : 's'}`,
    ...(r.tasks_completed.length
      ? [
          'completed:',
          ...r.tasks_completed.map(
            (t) =>
              `  ✓ ${one(t.code).padEnd(codeWidth(r.tasks_completed))} ${formatDuration(t.seconds).padStart(7)}  ${one(t.title)}${t.forced ? ' (forced)' : ''}`,
          ),
        ]
      : ['completed: none']),
    ...(r.artifacts.length
      ? ['artifacts:', ...r.artifacts.map((a) => `  ${one(a.path)}${a.note ? ` — ${one(a.note)}` : ''}`)]
      : []),
    ...(r.tokens && r.tokens.by_task.length
      ? [
          `tokens: ${r.tokens.input} in, ${r.tokens.output} out, cache ${r.tokens.cache_creation} written / ${r.tokens.cache_read} read · cost ${costText(r.tokens.cost)}`,
          ...r.tokens.by_task.map(
            (t) =>
              `  ${one(t.task).padEnd(10)} ${t.input} in, ${t.output} out, cache ${t.cache_creation} / ${t.cache_read} · ${costText(t.cost)}`,
          ),
        ]
      : []),
    ...r.warnings.map((w) => `warning: ${w}`),
  ];
}

export type SessionEndResult = ResultOf<'session.end'>;

/** Top-level commands of this area, registered by main.ts. */
export const completionCommands = [validateCommands, doneCommand, tasksCommands, artifactCommands];
