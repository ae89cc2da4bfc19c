// fragctl project|sprint|task create/list/show/edit, and import.
import { costText } from '../../../shared/protocol/costs.js';
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { filterParams, labelList, withFilters } from '../filters.js';
import { importLines, importTimewarrior, parseMap, TimewFile } from './timewarrior.js';
import { parseMinutes, formatDuration } from '../../../shared/format.js';
import { activityLines, fitLine, localTime, one, projectLines, sprintLines, taskLines } from '../output.js';
import { layoutOf } from '../layout.js';
import { followPages } from '../../lib/pages.js';
import { CliError, run, UsageError, type GlobalArgs } from '../runner.js';
import { Exit } from '../exit-codes.js';
import { sprintActivation, taskActivation } from './context.js';
import { sprintCompletion, taskCompletion } from './completion.js';
import { terminalSafe } from '../../../shared/terminal.js';
import { PRIORITY_FORMS, readPriority } from '../../../shared/priority.js';

const minutes = (v: string | number | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const m = parseMinutes(String(v));
  if (m === null) throw new UsageError(`--estimate takes minutes (90) or a duration (1h30m, 1.25h), not ${String(v)}`);
  return m;
};
/** --priority: the four levels or a synonym (medium = normal…), read by shared/priority.ts. */
const priorityOption = (describe = 'urgent, high, normal (default) or low; also medium, critical, minor…') => ({
  type: 'string' as const,
  describe,
  coerce: (v: string | undefined) => {
    if (v === undefined) return undefined;
    const p = readPriority(String(v));
    if (!p) throw new UsageError(`--priority ${v}: use ${PRIORITY_FORMS}`);
    return p;
  },
});
/** `--depends-on A B` and `--depends-on A,B` both name two tasks. */
const codes = (v: (string | number)[] | undefined): string[] | undefined =>
  v === undefined
    ? undefined
    : v
        .flatMap((x) => String(x).split(','))
        .map((x) => x.trim())
        .filter(Boolean);
const code = (b: Argv<GlobalArgs>) => b.positional('code', { type: 'string', demandOption: true });
const created = (b: Argv<GlobalArgs>) => code(b).positional('title', { type: 'string', demandOption: true });

export function projectCommands(y: Argv<GlobalArgs>) {
  return y.command('project', 'Create, list, show and edit projects', (p) =>
    p
      .command(
        'create <code> <title>',
        'Create a project',
        (b) => created(b).option('description', { type: 'string' }),
        (argv) =>
          run(
            argv,
            (c) =>
              c.call('project.create', {
                code: String(argv.code),
                title: String(argv.title),
                description: argv.description,
              }),
            (r) => [`created project ${r.project.code}`],
          ),
      )
      .command(
        'list',
        'List projects',
        (b) => b,
        (argv) =>
          run(
            argv,
            (c) =>
              followPages(
                (cursor) => c.call('project.list', { cursor }),
                (acc, next) => acc.projects.push(...next.projects),
              ),
            (r) => (r.projects.length ? projectLines(r.projects, layoutOf(argv)) : ['no projects']),
          ),
      )
      .command('show <code>', 'Show a project and its sprints', code, (argv) =>
        run(
          argv,
          (c) => c.call('project.show', { code: String(argv.code) }),
          (r) => [
            `${r.project.code}: ${one(r.project.title)} (${r.project.status})`,
            ...(r.project.description ? [terminalSafe(r.project.description, { multiline: true })] : []),
            ...sprintLines(r.sprints, layoutOf(argv)),
            ...(r.notes?.length ? ['notes:', ...r.notes.map((n) => `  ${localTime(n.at)}  ${one(n.message)}`)] : []),
          ],
        ),
      )
      .command(
        'edit <code>',
        'Edit a project',
        (b) =>
          code(b)
            .option('title', { type: 'string' })
            .option('description', { type: 'string' })
            .option('status', { choices: ['active', 'archived'] as const }),
        (argv) =>
          run(
            argv,
            (c) =>
              c.call('project.edit', {
                code: String(argv.code),
                title: argv.title,
                description: argv.description,
                status: argv.status,
              }),
            (r) => [`updated project ${r.project.code}`],
          ),
      )
      .demandCommand(1, 'name a project command (see fragctl project --help)'),
  );
}

export function sprintCommands(y: Argv<GlobalArgs>) {
  return y.command('sprint', 'Create, list, show, edit and activate sprints', (s) => {
    s.command(
      'create <code> <title>',
      'Create a sprint (1 means SPRINT-1)',
      (b) =>
        created(b).option('project', { type: 'string' }).option('goal', { type: 'string' }).option('label', {
          type: 'string',
          array: true,
          describe: 'labels (repeat or comma-separate); on edit they replace the set, --label with none clears it',
        }),
      (argv) =>
        run(
          argv,
          (c) =>
            c.call('sprint.create', {
              code: String(argv.code),
              title: String(argv.title),
              project: argv.project,
              goal: argv.goal,
              labels: labelList(argv.label),
            }),
          (r) => [`created sprint ${r.sprint.code}`],
        ),
    )
      .command(
        'list',
        'List sprints',
        (b) =>
          withFilters(b, 'sprints', false)
            .option('project', { type: 'string' })
            .option('status', { choices: ['planned', 'active', 'completed', 'cancelled'] as const }),
        (argv) =>
          run(
            argv,
            (c) =>
              followPages(
                (cursor) =>
                  c.call('sprint.list', {
                    project: argv.project,
                    status: argv.status,
                    actor: argv.actor,
                    ...filterParams(argv),
                    cursor,
                  }),
                (acc, next) => acc.sprints.push(...next.sprints),
              ),
            (r) => (r.sprints.length ? sprintLines(r.sprints, layoutOf(argv)) : ['no sprints']),
          ),
      )
      .command('show <code>', 'Show a sprint and its tasks', code, (argv) =>
        run(
          argv,
          (c) => c.call('sprint.show', { code: String(argv.code) }),
          (r) => [
            `${r.sprint.code}: ${one(r.sprint.title)} (${r.sprint.status}) · ${r.sprint.tasks.completed} of ${r.sprint.tasks.total} tasks done`,
            ...(r.sprint.goal ? [`goal: ${one(r.sprint.goal)}`] : []),
            ...taskLines(r.tasks, layoutOf(argv)),
            // Estimate against actual: time and cost side by side, per task and summed.
            ...r.spend.tasks
              .filter(
                (t) =>
                  t.estimate_minutes != null ||
                  t.suggestion != null ||
                  t.spend.seconds > 0 ||
                  t.spend.cost.unpriced_tokens > 0 ||
                  t.spend.cost.exact_usd !== '0',
              )
              .map(
                (t) =>
                  `  ${one(t.code)}: estimate ${t.estimate_minutes != null ? formatDuration(t.estimate_minutes * 60) : t.suggestion ? `~${formatDuration(t.suggestion.minutes * 60)} (from history)` : '-'} · tracked ${formatDuration(t.spend.seconds)} · cost ${costText(t.spend.cost)}`,
              ),
            `total: estimate ${formatDuration(r.spend.estimate_minutes * 60)} · tracked ${formatDuration(r.spend.total.seconds)} · cost ${costText(r.spend.total.cost)}`,
            ...(r.spend.history ? [`open work: ${one(r.spend.history.basis)}`] : []),
            ...(r.budget ? [`budget: ${r.budget.line}`] : []),
            ...(r.notes?.length ? ['notes:', ...r.notes.map((n) => `  ${localTime(n.at)}  ${one(n.message)}`)] : []),
          ],
        ),
      )
      .command(
        'edit <code>',
        'Edit a sprint',
        (b) =>
          code(b)
            .option('title', { type: 'string' })
            .option('goal', { type: 'string' })
            .option('status', { choices: ['planned', 'active', 'completed', 'cancelled'] as const })
            .option('summary', { type: 'string' })
            .option('retrospective', { type: 'string' })
            .option('deliverables', { type: 'string' })
            .option('label', {
              type: 'string',
              array: true,
              describe: 'labels (repeat or comma-separate); on edit they replace the set, --label with none clears it',
            })
            .option('force', {
              type: 'boolean',
              describe: 'with --status completed: close despite failed checks (recorded)',
            }),
        (argv) =>
          run(
            argv,
            (c) =>
              c.call('sprint.edit', {
                code: String(argv.code),
                title: argv.title,
                goal: argv.goal,
                status: argv.status,
                summary: argv.summary,
                retrospective: argv.retrospective,
                deliverables: argv.deliverables,
                labels: labelList(argv.label),
                force: argv.force,
              }),
            (r) => [`updated sprint ${r.sprint.code}`],
          ),
      );
    return sprintCompletion(sprintActivation(s)).demandCommand(1, 'name a sprint command (see fragctl sprint --help)');
  });
}

export function taskCommands(y: Argv<GlobalArgs>) {
  return y.command('task', 'Create, list, show, edit, activate and deactivate tasks', (t) => {
    t.command(
      'create <code> <title>',
      'Create a task',
      (b) =>
        created(b)
          .option('sprint', { type: 'string' })
          .option('project', { type: 'string' })
          .option('parent', { type: 'string', describe: 'makes it a subtask' })
          .option('estimate', { type: 'string', describe: 'minutes (90) or a duration (1h30m, 1.25h)' })
          .option('assignee', { type: 'string' })
          .option('description', { type: 'string' })
          .option('priority', priorityOption())
          .option('depends-on', { type: 'string', array: true, describe: 'task codes that must complete first' })
          .option('paths', {
            type: 'string',
            array: true,
            describe: 'paths or globs it touches, relative to the repository root (a,b): activating it reserves them',
          })
          .option('label', {
            type: 'string',
            array: true,
            describe: 'labels (repeat or comma-separate); on edit they replace the set, --label with none clears it',
          }),
      (argv) =>
        run(
          argv,
          (c, _t, estimate_minutes) =>
            c.call('task.create', {
              code: String(argv.code),
              title: String(argv.title),
              sprint: argv.sprint,
              project: argv.project,
              parent: argv.parent,
              estimate_minutes,
              assignee: argv.assignee,
              description: argv.description,
              priority: argv.priority,
              depends_on: codes(argv['depends-on']),
              paths: codes(argv.paths),
              labels: labelList(argv.label),
            }),
          (r) => [`created task ${r.task.code}${r.task.sprint ? ` in ${r.task.sprint}` : ''}`],
          () => minutes(argv.estimate),
        ),
    )
      .command(
        'list',
        'List tasks',
        (b) =>
          withFilters(b, 'tasks', false)
            .option('sprint', { type: 'string' })
            .option('project', { type: 'string' })
            .option('parent', { type: 'string' })
            .option('status', { choices: ['todo', 'in_progress', 'blocked', 'completed', 'cancelled'] as const })
            .option('priority', priorityOption('urgent, high, normal or low; also medium, critical, minor…'))
            .option('ready', { type: 'boolean', describe: 'open, dependencies complete, nobody holds it' })
            .option('blocked', { type: 'boolean', describe: 'open with dependencies not yet complete' }),
        (argv) =>
          run(
            argv,
            (c) =>
              followPages(
                (cursor) =>
                  c.call('task.list', {
                    sprint: argv.sprint,
                    project: argv.project,
                    parent: argv.parent,
                    status: argv.status,
                    priority: argv.priority,
                    ready: argv.ready,
                    blocked: argv.blocked,
                    actor: argv.actor,
                    ...filterParams(argv),
                    cursor,
                  }),
                (acc, next) => acc.tasks.push(...next.tasks),
              ),
            (r) => (r.tasks.length ? taskLines(r.tasks, layoutOf(argv)) : ['no tasks']),
          ),
      )
      .command(
        'show <code>',
        'Show a task, its subtasks and its latest updates',
        (b) =>
          code(b).option('updates', {
            type: 'number',
            describe: 'how many of the latest updates and notes to show (default 50, at most 1000)',
          }),
        (argv) =>
          run(
            argv,
            (c) => c.call('task.show', { code: String(argv.code), updates_limit: argv.updates }),
            (r) => [
              `${r.task.code}: ${one(r.task.title)}`,
              `status ${r.task.status} · delegation ${r.task.delegation_status}${r.task.assignee ? ` (${r.task.assignee})` : ''} · estimate ${r.task.estimate_minutes != null ? formatDuration(r.task.estimate_minutes * 60) : '-'} · sprint ${r.task.sprint ?? '-'}${r.task.parent ? ` · parent ${r.task.parent}` : ''}`,
              `priority ${r.task.priority}${r.task.labels.length ? ` · labels ${r.task.labels.join(', ')}` : ''}${r.task.depends_on.length ? ` · depends on ${r.task.depends_on.join(', ')}` : ''}${r.task.blocked_by.length ? ` · blocked by ${r.task.blocked_by.join(', ')}` : ''}`,
              ...(r.task.claim
                ? [
                    `held by ${r.task.claim.actor} (${r.task.claim.session}) since ${localTime(r.task.claim.since)}${r.task.claim.joined.length ? `, joined by ${r.task.claim.joined.join(', ')}` : ''}`,
                  ]
                : []),
              ...(r.task.held_elsewhere
                ? [
                    `held by ${r.task.held_elsewhere.actor} on machine ${r.task.held_elsewhere.machine} since ${localTime(r.task.held_elsewhere.since)}`,
                  ]
                : []),
              ...(r.budget
                ? [`budget: ${r.budget.line}${r.budget.enforce ? ' (a limit: the plan says so)' : ''}`]
                : []),
              `tracked ${formatDuration(r.spend.seconds)}${r.task.estimate_minutes != null ? ` of an estimate of ${formatDuration(r.task.estimate_minutes * 60)}` : ''} · agents' tokens ${r.spend.tokens.input + r.spend.tokens.cache_creation + r.spend.tokens.cache_read} in, ${r.spend.tokens.output} out · cost ${costText(r.spend.cost)}`,
              ...(r.time_elsewhere.length
                ? [
                    `time on other machines: ${r.time_elsewhere.map((m) => `${m.machine} ${formatDuration(m.seconds)}`).join(', ')}`,
                  ]
                : []),
              ...(r.task.description ? [terminalSafe(r.task.description, { multiline: true })] : []),
              ...(r.task.summary ? [`summary: ${one(r.task.summary)}`] : []),
              ...(r.subtasks.length ? ['subtasks:', ...taskLines(r.subtasks, layoutOf(argv), '  ')] : []),
              ...(r.updates.length
                ? [
                    r.older_updates ? `updates (the latest ${r.updates.length}; --updates N shows more):` : 'updates:',
                    ...activityLines(r.updates, layoutOf(argv)),
                  ]
                : []),
              ...(r.updates_elsewhere.length
                ? [
                    'updates on other machines:',
                    ...r.updates_elsewhere.map((u) =>
                      fitLine(
                        `  ${localTime(u.at).slice(11)}  ${one(u.kind).padEnd(14)} `,
                        u.message ?? '',
                        layoutOf(argv),
                        `  [${one(u.machine)}${u.person ? `, ${one(u.person)}` : ''}]`,
                      ),
                    ),
                  ]
                : []),
              ...(r.task.completed_at ? [`completed ${localTime(r.task.completed_at)}`] : []),
            ],
          ),
      )
      .command(
        'edit <code>',
        'Edit a task',
        (b) =>
          code(b)
            .option('title', { type: 'string' })
            .option('description', { type: 'string' })
            .option('status', { choices: ['todo', 'in_progress', 'blocked', 'completed', 'cancelled'] as const })
            .option('estimate', { type: 'string' })
            .option('delegation', { choices: ['unassigned', 'assigned', 'accepted', 'rejected', 'done'] as const })
            .option('assignee', { type: 'string' })
            .option('summary', { type: 'string' })
            .option('sprint', { type: 'string' })
            .option('priority', priorityOption('urgent, high, normal or low; also medium, critical, minor…'))
            .option('depends-on', {
              type: 'string',
              array: true,
              describe: 'replaces the dependencies (--depends-on with no code clears them)',
            })
            .option('paths', {
              type: 'string',
              array: true,
              describe:
                'replaces the paths it touches (a,b; --paths with none clears them): activating it reserves them',
            })
            .option('label', {
              type: 'string',
              array: true,
              describe: 'labels (repeat or comma-separate); on edit they replace the set, --label with none clears it',
            })
            .option('force', {
              type: 'boolean',
              describe: 'with --status completed: close despite failed checks (recorded)',
            })
            .option('budget-time', {
              type: 'string',
              describe: 'time budget: minutes (90) or a duration (2h); 0 clears it',
            })
            .option('budget-cost', { type: 'string', describe: 'cost budget in dollars (5, 12.50); 0 clears it' })
            .example('$0 task edit T-14 --budget-time 2h --budget-cost 5', 'warn at 80% and 100% of 2 hours or $5'),
        (argv) =>
          run(
            argv,
            (c, _t, estimate_minutes) =>
              c.call('task.edit', {
                ...(argv['budget-time'] !== undefined ? { budget_minutes: minutes(argv['budget-time']) } : {}),
                ...(argv['budget-cost'] !== undefined
                  ? { budget_usd: String(argv['budget-cost']).replace(/^\$/, '') }
                  : {}),
                code: String(argv.code),
                title: argv.title,
                description: argv.description,
                status: argv.status,
                estimate_minutes,
                delegation_status: argv.delegation,
                assignee: argv.assignee,
                summary: argv.summary,
                sprint: argv.sprint,
                priority: argv.priority,
                depends_on: codes(argv['depends-on']),
                paths: codes(argv.paths),
                labels: labelList(argv.label),
                force: argv.force,
              }),
            (r) => [`updated task ${r.task.code} (${r.task.status})`],
            () => minutes(argv.estimate),
          ),
      );
    return taskCompletion(taskActivation(t)).demandCommand(1, 'name a task command (see fragctl task --help)');
  });
}

/**
 * Reads and checks the plan file before connecting, so an unreadable or malformed one
 * starts no daemon: the same parser as fragd's (shared/plan.ts), loaded only here.
 */
async function readPlan(file: string) {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = (
      { ENOENT: 'no such file', EISDIR: 'a directory', EACCES: 'permission denied' } as Record<string, string>
    )[code ?? ''];
    throw new CliError(
      `cannot read ${file}: ${code ?? (err as Error).message}${why ? ` (${why})` : ''}`,
      Exit.failure,
      'unreadable_file',
    );
  }
  const { isJsonPlan, parsePlan } = await import('../../../shared/plan.js');
  const format = isJsonPlan(content, file) ? ('json' as const) : ('yaml' as const);
  parsePlan(content, file, format);
  return { content, filename: file, format };
}

export function importCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'import <file>',
    'Import a plan (JSON or YAML) in one transaction, or Timewarrior history (--from timewarrior)',
    (b) =>
      b
        .positional('file', { type: 'string', demandOption: true })
        .option('from', {
          choices: ['plan', 'timewarrior'] as const,
          default: 'plan' as const,
          describe: 'what the file is: a plan, or `timew export` JSON',
        })
        .option('map', {
          type: 'string',
          array: true,
          describe: 'timewarrior: tag=TASK, tag=project:CODE or tag=sprint:CODE (repeatable)',
        })
        .option('suggest-estimates', {
          type: 'boolean',
          describe: 'plan: fill missing estimates from similar completed tasks (says which, and on what basis)',
        })
        .option('create-tasks', {
          type: 'boolean',
          describe: 'timewarrior: make a task from the first unmapped tag of intervals that match no task',
        })
        .example('$0 import --from timewarrior timew.json --map meeting=MEETINGS', 'bring your Timewarrior history'),
    (argv) =>
      argv.from === 'timewarrior'
        ? run(
            argv,
            (c, _t, input) => importTimewarrior(c, input),
            importLines,
            () => ({
              ...((argv.actor ?? process.env.FRAGMENTS_ACTOR)
                ? { actor: argv.actor ?? process.env.FRAGMENTS_ACTOR }
                : {}),
              file: new TimewFile(String(argv.file)),
              map: parseMap(argv.map?.map(String)),
              create_tasks: argv['create-tasks'],
            }),
          )
        : run(
            argv,
            (c, _t, plan) =>
              c.call('plan.import', { ...plan, ...(argv['suggest-estimates'] ? { suggest_estimates: true } : {}) }),
            (r) => [
              `imported ${r.projects} projects, ${r.sprints} sprints, ${r.tasks} tasks (${r.created.length} new, ${r.updated.length} updated)`,
              ...r.estimated.map((e) => `  estimated ${e.code}: ${e.minutes} min (${e.basis})`),
              ...(r.without_estimate.length ? [`no estimate: ${r.without_estimate.join(', ')}`] : []),
            ],
            () => readPlan(String(argv.file)),
          ),
  );
}
