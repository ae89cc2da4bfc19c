// fragctl context …, sprint/task activation, and update/note/log.
import { repoParam } from '../../lib/repo-root.js';
import type { Argv } from 'yargs';
import { formatDuration } from '../../../shared/format.js';
import { breadcrumb, one } from '../output.js';
import { run, type GlobalArgs } from '../runner.js';
import { askNewEstimate, completeWithPrompts } from '../prompts.js';

const contextTypes = ['project', 'sprint', 'task', 'subtask'] as const;

export function contextCommands(y: Argv<GlobalArgs>) {
  return y.command('context', 'Show or change the context stack', (s) =>
    s
      .command(
        'show',
        'The stack (or the current frame of a type)',
        (b) => b.option('type', { choices: contextTypes }),
        (argv) =>
          run(
            argv,
            (c, t) => c.call('context.show', { ...t, type: argv.type }),
            (r) =>
              argv.type
                ? [
                    r.current
                      ? `${r.current.type} ${r.current.code} “${one(r.current.title)}”`
                      : `no ${argv.type} on the stack`,
                  ]
                : [`${r.session}: ${breadcrumb(r.stack)} (${r.count})`],
          ),
      )
      .command(
        'push <type> <code>',
        'Push a project, sprint, task or subtask',
        (b) =>
          b
            .positional('type', { choices: contextTypes, demandOption: true })
            .positional('code', { type: 'string', demandOption: true }),
        (argv) =>
          run(
            argv,
            (c, t) => c.call('context.push', { ...t, type: argv.type, code: argv.code }),
            (r) => [`stack: ${breadcrumb(r.stack)}`],
          ),
      )
      .command(
        'pop [type]',
        'Pop the top frame (or a type and everything above it)',
        (b) => b.positional('type', { choices: contextTypes }),
        (argv) =>
          run(
            argv,
            (c, t) => c.call('context.pop', { ...t, type: argv.type }),
            (r) => [`popped ${r.popped?.code ?? '-'}`, `stack: ${breadcrumb(r.stack)}`],
          ),
      )
      .command(
        'clear',
        'Empty the stack',
        (b) => b,
        (argv) =>
          run(
            argv,
            (c, t) => c.call('context.clear', t),
            () => ['stack: (empty)'],
          ),
      )
      .demandCommand(1, 'name a context command (see fragctl context --help)'),
  );
}

type ActivityKind = 'update' | 'note' | 'log';
export interface ActivityArgs extends GlobalArgs {
  message: string;
  'event-id'?: string;
  kind?: string;
  level?: 'debug' | 'info' | 'warn' | 'error';
  on?: 'task' | 'sprint' | 'project';
}

/** update, note and log, shared by the yargs commands and fragctl's fast path. */
export function runActivity(kind: ActivityKind, argv: ActivityArgs): Promise<void> {
  const method = `activity.${kind}` as const;
  return run(
    argv,
    (c, t) =>
      c.call(method, {
        ...t,
        message: argv.message,
        event_id: argv['event-id'],
        ...(kind === 'log' ? { kind: argv.kind, level: argv.level } : {}),
        ...(kind === 'note' && argv.on ? { on: argv.on } : {}),
      }),
    (r) => {
      const on = r.activity.context.subtask ?? r.activity.context.task;
      const what =
        kind === 'update'
          ? `update logged${on ? ` on ${on}` : ''}`
          : kind === 'note'
            ? `note added${noteTarget(r.activity.context, argv.on)}`
            : `logged${r.activity.kind === 'log' ? '' : ` as ${one(r.activity.kind)}`}${on ? ` on ${on}` : ''}`;
      const u = r.task_updates;
      const count = u
        ? ` (${u.count} update${u.count === 1 ? '' : 's'}${u.more_needed ? `, ${u.more_needed} more before it can complete` : ''})`
        : '';
      return [`${what}${r.duplicate ? ' (already recorded)' : count}`];
    },
  );
}

/** " on SPRINT-1" for a note filed with --on (the deepest level it carries otherwise). */
function noteTarget(
  c: { project: string | null; sprint: string | null; task: string | null; subtask: string | null },
  on: ActivityArgs['on'],
): string {
  const code = on ? c[on] : (c.subtask ?? c.task ?? c.sprint ?? c.project);
  return code ? ` on ${code}` : '';
}

export function activityCommands(y: Argv<GlobalArgs>) {
  const message = (b: Argv<GlobalArgs>) =>
    b
      .positional('message', { type: 'string', demandOption: true })
      .option('event-id', { type: 'string', describe: 'idempotency key: a replay is not a duplicate' });
  return y
    .command('update <message>', 'Post a progress update on the active context', message, (argv) =>
      runActivity('update', argv as ActivityArgs),
    )
    .command(
      'note <message>',
      'Add a note on the active context (--on sprint: on the sprint while a task is active)',
      (b) =>
        message(b).option('on', {
          choices: ['task', 'sprint', 'project'] as const,
          describe: 'file the note on the active task, sprint or project rather than the deepest context',
        }),
      (argv) => runActivity('note', argv as ActivityArgs),
    )
    .command(
      'log <message>',
      'Log a line (any kind) on the active context',
      (b) =>
        message(b)
          .option('kind', { type: 'string', describe: 'e.g. test, build, deploy' })
          .option('level', { choices: ['debug', 'info', 'warn', 'error'] as const }),
      (argv) => runActivity('log', argv as ActivityArgs),
    );
}

export function sprintActivation(sprint: Argv<GlobalArgs>) {
  return sprint.command(
    'activate <code>',
    'Make a sprint active (1 means SPRINT-1)',
    (b) => b.positional('code', { type: 'string', demandOption: true }),
    (argv) =>
      run(
        argv,
        (c, t) => c.call('sprint.activate', { ...t, code: String(argv.code) }),
        (r) => [`active sprint ${r.sprint.code}`, `stack: ${breadcrumb(r.stack)}`],
      ),
  );
}

export function taskActivation(task: Argv<GlobalArgs>) {
  return task
    .command(
      'activate <code>',
      'Work on a task (sets it in progress)',
      (b) =>
        b
          .positional('code', { type: 'string', demandOption: true })
          .option('take-over', {
            type: 'boolean',
            describe: 'take it from the actor holding it (recorded on both sessions)',
          })
          .option('join', { type: 'boolean', describe: 'work on it alongside its holder (recorded)' })
          .option('force', { type: 'boolean', describe: 'start it although its dependencies are open (recorded)' }),
      (argv) =>
        run(
          argv,
          (c, t) =>
            c.call('task.activate', {
              ...t,
              code: String(argv.code),
              take_over: argv['take-over'],
              join: argv.join,
              force: argv.force,
              // A task's declared paths are reserved in the repository this runs in.
              ...repoParam(),
            }),
          (r) => [`working on ${r.task.code} “${one(r.task.title)}”`, `stack: ${breadcrumb(r.stack)}`],
        ),
    )
    .command(
      'deactivate',
      'Stop working on the active task',
      (b) =>
        b
          .option('summary', { type: 'string', describe: 'what was done (logged as a note)' })
          .option('complete', { type: 'boolean', describe: 'complete it (through the validation gate)' })
          .option('force', { type: 'boolean', describe: 'with --complete: complete despite failed checks (recorded)' }),
      (argv) =>
        run(
          argv,
          async (c, t) => {
            const r = await completeWithPrompts(
              argv,
              (o) => c.call('task.deactivate', { ...t, summary: o.summary, complete: argv.complete, force: o.force }),
              { summary: argv.summary, force: argv.force },
              { postUpdate: (message) => c.call('activity.update', { ...t, message }) },
            );
            await askNewEstimate(argv, c, r.estimate_check);
            return r;
          },
          (r) => [
            `${r.task.status === 'completed' ? 'completed' : 'left'} ${r.task.code} after ${formatDuration(r.seconds_spent)}`,
            `stack: ${breadcrumb(r.stack)}`,
          ],
        ),
    );
}
