// One builder for the `instructions` every state-changing answer carries: what to do
// next, exact commands that run as written, and a reminder of where the session stands.
import { taskBudget } from '../costs/budgets.js';
import { formatDuration } from '../../../shared/format.js';
import { fragctl } from '../../../shared/command.js';
import type { CommandTemplate, Instructions } from '../../../shared/protocol/views.js';
import { HOLES, template as commandTemplate } from '../templates.js';
import type { Call } from '../app.js';
import type { InstructionBuilder, InstructionExtra } from '../answers.js';
import { activeMs } from '../time/intervals.js';
import { taskTrackedMs } from '../time/reports.js';
import { parseStack, type SessionRow, type TaskRow } from '../rows.js';
import { workFrame } from '../sessions/stack.js';
import { currentSessionOf, DEFAULT_ACTOR } from '../sessions/lookup.js';
import { chooseNext } from '../work/next.js';
import { openDependencies } from '../work/claims.js';
import { rulesOf, taskFacts } from '../work/completion.js';
import { validateTaskCompletion } from '../work/validation.js';
import { instructionsForMcp } from './mcp-hints.js';

export function contextReminder(call: Call, s: SessionRow | null): string {
  if (!s) return `no session: start one with ${fragctl('session', 'start')}`;
  const stack = parseStack(s);
  const parts = [`${s.key} (${s.status}${s.status === 'paused' && s.pause_reason ? `: ${s.pause_reason}` : ''})`];
  const sprint = stack.find((f) => f.type === 'sprint');
  if (sprint) parts.push(`sprint ${sprint.code}`);
  const work = workFrame(stack);
  if (work) {
    parts.push(`${work.type} ${work.code} “${work.title}”`);
    const estimate = call.app.sql.value<number | null>('SELECT estimate_minutes FROM tasks WHERE id = ?', work.id);
    if (estimate != null) {
      // The same tracked time (subtasks included) as the estimate check, so the two never disagree.
      const left = estimate * 60 - Math.floor(taskTrackedMs(call, work.id, call.now) / 1000);
      parts.push(
        left >= 0
          ? `estimate ${formatDuration(estimate * 60)}, ${formatDuration(left)} left`
          : `over estimate by ${formatDuration(-left)}`,
      );
    }
    // The budget of the task (a subtask's counts towards its task's): every answer says what is left.
    const budgeted = call.app.sql.get<{ id: number; code: string }>(
      `SELECT id, code FROM tasks WHERE id IN (?1, (SELECT parent_id FROM tasks WHERE id = ?1))
         AND (budget_minutes IS NOT NULL OR budget_usd IS NOT NULL) ORDER BY parent_id IS NULL LIMIT 1`,
      work.id,
    );
    const budget = budgeted ? taskBudget(call, budgeted.id).budget : null;
    if (budgeted && budget) parts.push(`budget of ${budgeted.code}: ${budget.line}`);
  } else {
    parts.push('no active task');
  }
  parts.push(`${formatDuration(Math.floor(activeMs(call.app.sql, s.id, call.now) / 1000))} active`);
  return parts.join(' · ');
}

const CLOSED = "('completed','cancelled')";

const blockedBy = (call: Call, code: string): string[] => {
  const id = call.app.sql.value<number>('SELECT id FROM tasks WHERE code = ?', code);
  return id == null ? [] : openDependencies(call, id);
};

/**
 * A real task to suggest instead of a placeholder: the one "what next" choice (work/next.ts),
 * so a suggestion never names a task another actor holds or one that is blocked.
 */
export function nextCandidate(call: Call, s: SessionRow | null): TaskRow | undefined {
  return chooseNext(call, s, undefined, 1).task ?? undefined;
}

function pickNext(call: Call, s: SessionRow | null, flag: string[], next: string[], cmds: string[]): void {
  const choice = chooseNext(call, s, undefined, 1);
  const cand = choice.task;
  if (cand) {
    next.push(
      `Next: ${cand.code} “${cand.title}” (${cand.status === 'in_progress' ? 'in progress' : 'todo'}); activate it to track time on it.`,
    );
    cmds.push(fragctl('task', 'activate', flag, cand.code));
  } else if (choice.waiting.length) {
    next.push('No task is ready for you: the open ones are held by other actors or wait for their dependencies.');
    cmds.push(fragctl('task', 'list', '--blocked'));
  } else {
    // Open tasks left but none waiting: they are the caller's own, on its stack.
    const own = call.app.sql.value("SELECT 1 FROM tasks WHERE status IN ('todo','in_progress') LIMIT 1") != null;
    next.push(
      `No ${own ? 'other ' : ''}open task is left: create one with ${fragctl('task', 'create', 'CODE', 'TITLE', '--sprint', 'SPRINT')}, or import a plan.`,
    );
    cmds.push(fragctl('task', 'list'));
  }
}

/** Commands that fix a failed task validation, in an order that works when run one after another. */
function fixCommands(
  call: Call,
  s: SessionRow | null,
  flag: string[],
  extra: InstructionExtra,
  cmds: string[],
  tpls: CommandTemplate[],
): void {
  const sess = flag;
  const t = extra.target!;
  const firstTemplate = tpls.length;
  const failing = new Set(
    extra.validation!.checklist.filter((c) => !c.done && c.severity === 'error').map((c) => c.rule),
  );
  const add = (c: string) => void (cmds.includes(c) ? null : cmds.push(c));
  if (t.kind === 'sprint') {
    const open = call.app.sql.all<{ code: string }>(
      `SELECT code FROM tasks WHERE sprint_id = ? AND status NOT IN ${CLOSED} ORDER BY id`,
      t.id,
    );
    for (const o of open) add(fragctl('task', 'show', o.code));
    if (failing.has('status')) add(fragctl('sprint', 'edit', t.code, '--status', 'active'));
    // The summary is the worker's to write: a template, and then the retry carries it.
    if (failing.has('summary')) {
      const argv = failing.has('tasks')
        ? ['fragctl', 'sprint', 'edit', t.code, '--summary', '{summary}']
        : ['fragctl', 'sprint', 'complete', ...sess, t.code, '--summary', '{summary}'];
      tpls.push(commandTemplate(argv, { summary: HOLES.sprint_summary }));
    } else if (!failing.has('tasks')) add(fragctl('sprint', 'complete', flag, t.code));
    return;
  }
  const task = call.app.sql.get<TaskRow>('SELECT * FROM tasks WHERE id = ?', t.id)!;
  const active = s ? workFrame(parseStack(s))?.id === t.id : false;
  if (
    failing.has('status') &&
    (task.status === 'completed' || task.status === 'cancelled' || task.status === 'blocked')
  ) {
    add(fragctl('task', 'edit', t.code, '--status', 'in_progress'));
  }
  const needsWork = failing.has('status') || failing.has('time') || failing.has('updates');
  // Updates and time need the task active in a session: open one first when there is none.
  if (!s && needsWork) add(fragctl('session', 'start'));
  if (!active && needsWork) add(fragctl('task', 'activate', flag, t.code));
  if (failing.has('updates')) {
    const missing = Math.max(
      1,
      call.app.config.validation.min_context_updates - Number(extra.validation!.details.updates ?? 0),
    );
    // One template per missing update: each says, in the worker's words, what was done.
    for (let i = 0; i < missing; i++) tpls.push(commandTemplate(['fragctl', 'update', ...sess, '{update}'], {}));
  }
  if (failing.has('subtasks')) {
    for (const sub of call.app.sql.all<{ code: string }>(
      `SELECT code FROM tasks WHERE parent_id = ? AND status NOT IN ${CLOSED} ORDER BY id`,
      t.id,
    )) {
      add(fragctl('task', 'show', sub.code));
    }
  }
  // Retrying only makes sense when the commands above fix every error; it keeps the summary
  // that was given, or leaves a hole for one when the summary was what failed.
  if (failing.has('subtasks')) return;
  if (failing.has('summary'))
    tpls.push(commandTemplate(['fragctl', 'task', 'complete', ...sess, t.code, '--summary', '{summary}'], {}));
  else {
    const retry = fragctl('task', 'complete', ...sess, t.code, ...(extra.summary ? ['--summary', extra.summary] : []));
    add(retry);
    // The fixes first, then the retry: the updates written above come before it.
    const at = cmds.indexOf(retry);
    for (const tpl of tpls.slice(firstTemplate)) tpl.before ??= at;
  }
}

/**
 * How many messages the actor has not read nor acknowledged. The table is the messages
 * domain's (app/messages/, above this layer); a count by its index, read here so that every
 * answer can say so without importing upward.
 */
export const UNREAD_COUNT_SQL =
  'SELECT count(*) FROM message_recipients WHERE actor = ? AND read_at IS NULL AND acked_at IS NULL';
const unreadMessages = (call: Call, actor: string): number => call.app.sql.value<number>(UNREAD_COUNT_SQL, actor) ?? 0;

/** For an agent's session, commands name it (--session), so they work from any process. */
export const sessionFlag = (s: Pick<SessionRow, 'actor' | 'key'> | null): string[] =>
  s && s.actor !== 'human' ? ['--session', s.key] : [];

const isCurrentOfHuman = (call: Call, s: SessionRow): boolean =>
  s.actor === DEFAULT_ACTOR && currentSessionOf(call, s.actor)?.id === s.id;

/** The `done` command with a named hole for the summary only the worker can write (not run as is). */
const doneProse = (call: Call, flag: string[]): string =>
  fragctl('done', flag, `<summary of at least ${call.app.config.validation.summary_min_chars} characters>`);

export const buildInstructions: InstructionBuilder = (call, template, s, item, extra = {}): Instructions => {
  const flag = sessionFlag(s);
  const stack = s ? parseStack(s) : [];
  const work = workFrame(stack);
  const next: string[] = [];
  const cmds: string[] = [];
  const tpls: CommandTemplate[] = [];
  const sess = flag;
  const updateTemplate = () => tpls.push(commandTemplate(['fragctl', 'update', ...sess, '{update}'], {}));
  // What finishes the active task, as templates an agent can run with its own words in the
  // holes: the updates its gate still wants, then `done <summary>` as soon as a summary is
  // all that is left (an agent that runs only what answers give it completes the task).
  const finishTemplates = () => {
    const task = work && call.app.sql.get<TaskRow>('SELECT * FROM tasks WHERE id = ?', work.id);
    if (!task) return updateTemplate();
    const v = validateTaskCompletion(taskFacts(call, task), rulesOf(call));
    const failing = new Set(v.checklist.filter((c) => !c.done && c.severity === 'error').map((c) => c.rule));
    const missing = failing.has('updates')
      ? Math.max(1, call.app.config.validation.min_context_updates - Number(v.details.updates ?? 0))
      : 0;
    for (let i = 0; i < missing; i++) updateTemplate();
    // Only what the worker's words fix stands between the task and its completion.
    if ([...failing].every((r) => r === 'summary' || r === 'updates')) {
      tpls.push(commandTemplate(['fragctl', 'done', ...sess, '{summary}'], {}));
      if (!missing) updateTemplate();
    }
  };
  const out: Partial<Instructions> = {};
  switch (template) {
    case 'session_started':
    case 'session_resumed':
      if (work) {
        next.push(`Continue ${work.code} “${work.title}”: post progress as you go.`);
        finishTemplates();
      } else {
        next.push('Choose what to work on, then activate it.');
        pickNext(call, s, flag, next, cmds);
      }
      break;
    case 'recovery': {
      next.push(
        `You are resuming ${s!.key}${extra.last_step ? `; the last recorded step was: ${extra.last_step}` : ''}.`,
      );
      cmds.push(fragctl('session', 'status', flag));
      if (work) {
        next.push(
          `Continue ${work.code} “${work.title}”: post progress with update, and when it is done finish it with ${doneProse(call, flag)}.`,
        );
        cmds.push(fragctl('task', 'show', work.code));
        finishTemplates();
      } else {
        pickNext(call, s, flag, next, cmds);
      }
      break;
    }
    case 'session_paused':
      next.push('Resume when you are back; the pause is not counted as active time.');
      // A person's current session is what `session resume` takes by itself; a key would only be noise.
      if (s) cmds.push(fragctl('session', 'resume', !isCurrentOfHuman(call, s) && s.key));
      break;
    case 'session_ended':
      next.push('The session is closed. Start a new one for more work.');
      cmds.push(fragctl('session', 'start', s && s.actor !== 'human' && ['--actor', s.actor]));
      break;
    case 'context_activated':
      if (work) {
        next.push(
          `Work on ${work.code}; record progress with update (at least ${call.app.config.validation.min_context_updates} before it can complete), decisions with note.`,
          `Finish with ${doneProse(call, flag)}.`,
        );
        finishTemplates();
      } else {
        next.push('Activate a task to start tracking time on it.');
        pickNext(call, s, flag, next, cmds);
      }
      break;
    case 'context_popped':
    case 'task_completed':
      // The estimate instruction is not built here: the answer adds it with its estimate_check
      // (reports.withEstimateCheck), so the instruction and the check come from one calculation.
      if (template === 'task_completed' && item) next.push(`${item.code} is completed.`);
      if (work) {
        next.push(`Back on ${work.code}.`);
        finishTemplates();
      } else {
        next.push('No task is active: pick the next one.');
        pickNext(call, s, flag, next, cmds);
      }
      break;
    case 'progress':
      if (work) {
        next.push(`Keep going on ${work.code}.`);
        finishTemplates();
      } else {
        next.push('Activate a task so updates attach to it.');
        pickNext(call, s, flag, next, cmds);
      }
      break;
    case 'validation_failed': {
      const v = extra.validation!;
      next.push(
        `${extra.target!.code} cannot be completed yet: do the required actions, then retry.`,
        'Or close it anyway with --force: the errors it overrides are recorded in the activity log.',
      );
      fixCommands(call, s, flag, extra, cmds, tpls);
      out.required_actions = v.requirements;
      out.validation_errors = v.errors;
      break;
    }
    case 'sprint_completed': {
      // The next sprint is the one the next task is in, so it has open work.
      const cand = nextCandidate(call, s);
      const sprint = cand?.sprint_id
        ? call.app.sql.value<string>('SELECT code FROM sprints WHERE id = ?', cand.sprint_id)
        : undefined;
      if (sprint) {
        next.push(`${item?.code ?? 'The sprint'} is completed. Next: sprint ${sprint}, starting with ${cand!.code}.`);
        cmds.push(fragctl('sprint', 'show', sprint), fragctl('task', 'activate', flag, cand!.code));
      } else {
        next.push(`${item?.code ?? 'The sprint'} is completed. No open task is left in any sprint: plan the next one.`);
        cmds.push(fragctl('sprint', 'list'));
      }
      break;
    }
    case 'next_suggested':
      if (work) next.push(`You are on ${work.code}; finish or deactivate it before taking another.`);
      pickNext(call, s, flag, next, cmds);
      break;
    case 'item_created':
    case 'item_changed':
    case 'plan_imported': {
      // Activation needs a session: say so first when the person has none open.
      const open = call.app.sql.value(
        "SELECT 1 FROM sessions WHERE actor = 'human' AND status IN ('active','paused') LIMIT 1",
      );
      const needsSession = () => void (open ? null : cmds.push(fragctl('session', 'start')));
      // A closed item cannot be activated: point at what is next instead.
      const closedItem =
        item && item.kind !== 'project'
          ? call.app.sql.value<string>(
              `SELECT status FROM ${item.kind === 'task' ? 'tasks' : 'sprints'} WHERE code = ? AND status IN ${CLOSED}`,
              item.code,
            )
          : undefined;
      if (closedItem) {
        next.push(`${item!.code} is ${closedItem}.`);
        cmds.push(fragctl(item!.kind, 'show', item!.code));
        const cand = nextCandidate(call, s);
        if (cand) {
          needsSession();
          next.push(`Next: ${cand.code} “${cand.title}”.`);
          cmds.push(fragctl('task', 'activate', cand.code));
        }
      } else if (item?.kind === 'task' && blockedBy(call, item.code).length) {
        // A blocked task cannot be activated: say what it waits for, and what is ready instead.
        next.push(`${item.code} waits for ${blockedBy(call, item.code).join(', ')}.`);
        cmds.push(fragctl('task', 'show', item.code));
        const cand = nextCandidate(call, s);
        if (cand) {
          needsSession();
          next.push(`Ready now: ${cand.code} “${cand.title}”.`);
          cmds.push(fragctl('task', 'activate', cand.code));
        }
      } else if (item?.kind === 'task') {
        needsSession();
        next.push(`Activate ${item.code} to work on it.`);
        cmds.push(fragctl('task', 'activate', item.code));
      } else if (item?.kind === 'sprint') {
        next.push(
          `Add tasks to ${item.code} (${fragctl('task', 'create', 'CODE', 'TITLE', '--sprint', item.code)}), or make it active.`,
        );
        needsSession();
        cmds.push(fragctl('sprint', 'show', item.code), fragctl('sprint', 'activate', item.code));
      } else {
        next.push('Review the plan, then activate a task.');
        cmds.push(fragctl('task', 'list'));
        const cand = nextCandidate(call, s);
        if (cand) {
          needsSession();
          cmds.push(fragctl('task', 'activate', cand.code));
        }
      }
      break;
    }
  }
  // Unread messages (docs/claims.md, "Messages and handoff"): an actor that reads no
  // prompt context (fragctl, MCP) learns of them here; an agent whose prompt showed them has none.
  const unread = s && template !== 'validation_failed' ? unreadMessages(call, s.actor) : 0;
  if (unread) {
    next.push(`You have ${unread} unread message${unread === 1 ? '' : 's'}: read them with the inbox.`);
    cmds.push(fragctl('inbox', flag));
  }
  const result: Instructions = {
    next_actions: next,
    suggested_commands: cmds,
    ...(tpls.length ? { templates: tpls } : {}),
    context_reminder: contextReminder(call, s),
    ...out,
  };
  return call.source === 'mcp' ? instructionsForMcp(result) : result;
};
