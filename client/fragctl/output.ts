// Rendering for people: local times, durations, the stack as a breadcrumb, instructions
// as plain text or Markdown. --json prints the daemon's answer unchanged.
import { formatDuration } from '../../shared/format.js';
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

export const localTime = (isoTime: string | null): string => {
  if (!isoTime) return '-';
  const d = new Date(isoTime);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

export const breadcrumb = (stack: ContextFrame[]): string =>
  stack.length === 0
    ? '(empty)'
    : stack.map((f) => (f.type === 'task' || f.type === 'subtask' ? `${f.code} “${f.title}”` : f.code)).join(' › ');

export function sessionLines(s: SessionView): string[] {
  return [
    `${s.key}  ${s.status}${s.pause_reason ? ` (${s.pause_reason})` : ''}  ${s.type}  actor ${s.actor} via ${s.source}`,
    `started ${localTime(s.started_at)}${s.ended_at ? ` · ended ${localTime(s.ended_at)}` : ''} · active ${formatDuration(s.active_seconds)}`,
    `stack: ${breadcrumb(s.stack)}`,
  ];
}

export const activityLine = (a: ActivityView): string =>
  `  ${localTime(a.at).slice(11)}  ${a.kind.padEnd(14)} ${a.message ?? ''}${a.context.task ? `  [${a.context.subtask ?? a.context.task}]` : ''}`;

export function instructionLines(i: Instructions | undefined, format: Format): string[] {
  if (!i) return [];
  if (format === 'md') {
    return [
      '',
      '### Next',
      ...i.next_actions.map((a) => `- ${a}`),
      ...(i.required_actions?.length ? ['', '### Required', ...i.required_actions.map((a) => `- ${a}`)] : []),
      '',
      '### Commands',
      '```sh',
      ...i.suggested_commands,
      '```',
      '',
      `_${i.context_reminder}_`,
    ];
  }
  return [
    '',
    ...(i.required_actions?.length ? ['required:', ...i.required_actions.map((a) => `  - ${a}`)] : []),
    ...i.next_actions.map((a) => `→ ${a}`),
    ...i.suggested_commands.map((c) => `  $ ${c}`),
    `· ${i.context_reminder}`,
  ];
}

export const taskLine = (t: TaskView): string =>
  `${t.code.padEnd(10)} ${t.status.padEnd(11)} ${t.estimate_minutes != null ? formatDuration(t.estimate_minutes * 60).padEnd(7) : '-'.padEnd(7)} ${t.parent ? '  ' : ''}${t.title}`;

export const sprintLine = (s: SprintView): string =>
  `${s.code.padEnd(10)} ${s.status.padEnd(10)} ${`${s.tasks.completed}/${s.tasks.total} done`.padEnd(10)} ${s.title}`;

export const projectLine = (p: ProjectView): string => `${p.code.padEnd(10)} ${p.status.padEnd(9)} ${p.title}`;
