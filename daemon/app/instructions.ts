// One builder for the `instructions` every state-changing answer carries: what to do
// next, exact commands that run as written, and a reminder of where the session stands.
import { formatDuration, shellQuote } from '../../shared/format.js';
import type { Instructions } from '../../shared/protocol/views.js';
import type { Call } from './app.js';
import { activeMs } from './intervals.js';
import { parseStack, type SessionRow, type TaskRow } from './rows.js';
import { workFrame } from './stack.js';

export type Template =
  | 'session_started'
  | 'session_paused'
  | 'session_resumed'
  | 'session_ended'
  | 'context_activated'
  | 'context_popped'
  | 'task_completed'
  | 'progress'
  | 'item_created'
  | 'item_changed'
  | 'plan_imported';

export interface ItemRef {
  kind: 'project' | 'sprint' | 'task';
  code: string;
}

/** Active seconds ever tracked on a task, across sessions. */
export function taskTrackedSeconds(call: Call, taskId: number): number {
  const ms =
    call.app.sql.value<number>(
      'SELECT coalesce(sum(coalesce(ended_at, max(?2, started_at)) - started_at), 0) FROM intervals WHERE task_id = ?1',
      taskId,
      call.now,
    ) ?? 0;
  return Math.floor(ms / 1000);
}

export function contextReminder(call: Call, s: SessionRow | null): string {
  if (!s) return 'no session: start one with fragctl session start';
  const stack = parseStack(s);
  const parts = [`${s.key} (${s.status}${s.status === 'paused' && s.pause_reason ? `: ${s.pause_reason}` : ''})`];
  const sprint = stack.find((f) => f.type === 'sprint');
  if (sprint) parts.push(`sprint ${sprint.code}`);
  const work = workFrame(stack);
  if (work) {
    parts.push(`${work.type} ${work.code} “${work.title}”`);
    const task = call.app.sql.get<TaskRow>('SELECT * FROM tasks WHERE id = ?', work.id);
    if (task?.estimate_minutes != null) {
      const left = task.estimate_minutes * 60 - taskTrackedSeconds(call, task.id);
      parts.push(left >= 0 ? `estimate ${formatDuration(task.estimate_minutes * 60)}, ${formatDuration(left)} left` : `over estimate by ${formatDuration(-left)}`);
    }
  } else {
    parts.push('no active task');
  }
  parts.push(`${formatDuration(activeMs(call.app.sql, s.id, call.now) / 1000)} active`);
  return parts.join(' · ');
}

export function instructionsFor(call: Call, template: Template, s: SessionRow | null, item?: ItemRef): Instructions {
  const flag = s && s.actor !== 'human' ? ` --session ${s.key}` : '';
  const stack = s ? parseStack(s) : [];
  const work = workFrame(stack);
  const next: string[] = [];
  const cmds: string[] = [];
  switch (template) {
    case 'session_started':
    case 'session_resumed':
      if (work) {
        next.push(`Continue ${work.code} “${work.title}”: post progress as you go.`);
        cmds.push(`fragctl update${flag} ${shellQuote('what I just did')}`);
      } else {
        next.push('Choose what to work on: list tasks, then activate one.');
        cmds.push('fragctl task list --status todo', `fragctl task activate${flag} TASK-CODE`);
      }
      break;
    case 'session_paused':
      next.push('Resume when you are back; the pause is not counted as active time.');
      if (s) cmds.push(`fragctl session resume ${s.key}`);
      break;
    case 'session_ended':
      next.push('The session is closed. Start a new one for more work.');
      cmds.push('fragctl session start');
      break;
    case 'context_activated':
      if (work) {
        next.push(`Work on ${work.code}; record progress with update, decisions with note.`, 'Deactivate with a summary when done.');
        cmds.push(`fragctl update${flag} ${shellQuote('what I just did')}`, `fragctl task deactivate${flag} --summary ${shellQuote('what was done and why')}`);
      } else {
        next.push('Activate a task to start tracking time on it.');
        cmds.push('fragctl task list --status todo', `fragctl task activate${flag} TASK-CODE`);
      }
      break;
    case 'context_popped':
    case 'task_completed':
      next.push(work ? `Back on ${work.code}.` : 'No task is active: pick the next one.');
      cmds.push(work ? `fragctl update${flag} ${shellQuote('what I just did')}` : 'fragctl task list --status todo');
      if (!work) cmds.push(`fragctl task activate${flag} TASK-CODE`);
      break;
    case 'progress':
      next.push(work ? `Keep going on ${work.code}.` : 'Activate a task so updates attach to it.');
      cmds.push(work ? `fragctl task deactivate${flag} --summary ${shellQuote('what was done and why')}` : `fragctl task activate${flag} TASK-CODE`);
      break;
    case 'item_created':
    case 'item_changed':
    case 'plan_imported':
      if (item?.kind === 'task') {
        next.push(`Activate ${item.code} to work on it.`);
        cmds.push(`fragctl task activate ${item.code}`);
      } else if (item?.kind === 'sprint') {
        next.push(`Add tasks to ${item.code}, or make it active.`);
        cmds.push(`fragctl task create TASK-CODE ${shellQuote('title')} --sprint ${item.code}`, `fragctl sprint activate ${item.code}`);
      } else {
        next.push('Review the plan, then activate a task.');
        cmds.push('fragctl task list', 'fragctl task activate TASK-CODE');
      }
      break;
  }
  return { next_actions: next, suggested_commands: cmds, context_reminder: contextReminder(call, s) };
}
