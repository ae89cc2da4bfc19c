// Rendering for people: local times, durations, the stack as a breadcrumb, instructions
// as plain text or Markdown. --json prints the daemon's answer unchanged. Text a user or
// an agent wrote (titles, messages, codes) goes through `one`: on one line, with control
// and bidi characters shown as escapes (print() applies the same function to everything).
import { formatDuration } from '../../shared/format.js';
import { terminalSafe } from '../../shared/terminal.js';
import type {
  ActivityView,
  ContextFrame,
  Instructions,
  SessionView,
  TaskView,
  SprintView,
  ProjectView,
} from '../../shared/protocol/views.js';

export type Format = 'text' | 'md' | 'json';

/** A user-written field on one line of a terminal (newlines, controls and bidi shown as escapes). */
export const one = (text: string | null | undefined): string => terminalSafe(text ?? '');

export const localTime = (isoTime: string | null): string => {
  if (!isoTime) return '-';
  const d = new Date(isoTime);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

export const breadcrumb = (stack: ContextFrame[]): string =>
  stack.length === 0
    ? '(empty)'
    : stack
        .map((f) => (f.type === 'task' || f.type === 'subtask' ? `${one(f.code)} “${one(f.title)}”` : one(f.code)))
        .join(' › ');

export function sessionLines(s: SessionView): string[] {
  return [
    `${s.key}  ${s.status}${s.pause_reason ? ` (${one(s.pause_reason)})` : ''}  ${s.type}  actor ${one(s.actor)} via ${s.source}`,
    `started ${localTime(s.started_at)}${s.ended_at ? ` · ended ${localTime(s.ended_at)}` : ''} · active ${formatDuration(s.active_seconds)}`,
    `stack: ${breadcrumb(s.stack)}`,
  ];
}

export const activityLine = (a: ActivityView): string =>
  `  ${localTime(a.at).slice(11)}  ${one(a.kind).padEnd(14)} ${one(a.message)}${a.context.task ? `  [${one(a.context.subtask ?? a.context.task)}]` : ''}`;

export function instructionLines(i: Instructions | undefined, format: Format): string[] {
  if (!i) return [];
  if (format === 'md') {
    return [
      '',
      '### Next',
      ...i.next_actions.map((a) => `- ${one(a)}`),
      ...(i.required_actions?.length ? ['', '### Required', ...i.required_actions.map((a) => `- ${one(a)}`)] : []),
      '',
      '### Commands',
      '```sh',
      ...i.suggested_commands.map(one),
      '```',
      '',
      `_${one(i.context_reminder)}_`,
    ];
  }
  return [
    '',
    ...(i.required_actions?.length ? ['required:', ...i.required_actions.map((a) => `  - ${one(a)}`)] : []),
    ...i.next_actions.map((a) => `→ ${one(a)}`),
    ...i.suggested_commands.map((c) => `  $ ${one(c)}`),
    `· ${one(i.context_reminder)}`,
  ];
}

export const taskLine = (t: TaskView): string =>
  `${one(t.code).padEnd(10)} ${t.status.padEnd(11)} ${t.estimate_minutes != null ? formatDuration(t.estimate_minutes * 60).padEnd(7) : '-'.padEnd(7)} ${t.parent ? '  ' : ''}${one(t.title)}`;

export const sprintLine = (s: SprintView): string =>
  `${one(s.code).padEnd(10)} ${s.status.padEnd(10)} ${`${s.tasks.completed}/${s.tasks.total} done`.padEnd(10)} ${one(s.title)}`;

export const projectLine = (p: ProjectView): string =>
  `${one(p.code).padEnd(10)} ${p.status.padEnd(9)} ${one(p.title)}`;
