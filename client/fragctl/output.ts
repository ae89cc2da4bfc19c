// Rendering for people: local times, durations, the stack as a breadcrumb, instructions
// as plain text or Markdown. --json prints the daemon's answer unchanged. Text a user or
// an agent wrote (titles, messages, codes) goes through `one` (or fitLine, which applies it):
// on one line, with control and bidi characters shown as escapes (docs/security.md).
import { styleText } from 'node:util';
import { formatDuration } from '../../shared/format.js';
import { cellText, cut, displayWidth, pad, type Layout } from './layout.js';
import type {
  ActivityView,
  ContextFrame,
  CommandTemplate,
  Instructions,
  SessionView,
  TaskView,
  SprintView,
  ProjectView,
} from '../../shared/protocol/views.js';

export type Format = 'text' | 'md' | 'json';

/** Without a layout, as wide as it is (JSON-minded callers, tests). */
const WHOLE: Layout = { width: undefined, full: true };

/** A user-written field on one line of a terminal (line breaks as ↵, controls and bidi as escapes). */
export const one = (text: string | null | undefined): string => cellText(text ?? '');

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

export function sessionLines(s: SessionView, layout: Layout = WHOLE): string[] {
  const status = styleText(s.status === 'active' ? 'green' : s.status === 'paused' ? 'yellow' : 'dim', s.status);
  return [
    fitLine(
      `${one(s.key)}  ${status}`,
      `${s.pause_reason ? ` (${s.pause_reason})` : ''}  ${s.type}  actor ${s.actor} via ${s.source}`,
      layout,
    ),
    `started ${localTime(s.started_at)}${s.ended_at ? ` · ended ${localTime(s.ended_at)}` : ''} · active ${formatDuration(s.active_seconds)}`,
    fitLine('stack: ', breadcrumb(s.stack), layout),
  ];
}

/**
 * `head`, then `text` cut so the line fits the layout's width, then `tail`; whole with
 * --full or without a width. Should `head` and `tail` leave `text` fewer than 8 columns
 * (a very narrow terminal, a very long code), the line as a whole is cut to the width.
 * `text` is user text: always one cell (cellText), cut or not.
 */
export function fitLine(head: string, text: string, layout: Layout, tail = ''): string {
  if (layout.full || layout.width === undefined) return `${head}${cellText(text)}${tail}`;
  const room = Math.max(8, layout.width - displayWidth(head) - displayWidth(tail));
  const line = `${head}${cut(cellText(text), room)}${tail}`;
  return displayWidth(line) > layout.width ? cut(line, layout.width) : line;
}

/** An activity in a list: its message cut to the width, whole with --full. */
export const activityLine = (a: ActivityView, layout: Layout = WHOLE): string =>
  fitLine(
    `  ${localTime(a.at).slice(11)}  ${one(a.kind).padEnd(14)} `,
    a.message ?? '',
    layout,
    a.context.task ? `  [${one(a.context.subtask ?? a.context.task)}]` : '',
  );

export const activityLines = (as: ActivityView[], layout: Layout = WHOLE): string[] =>
  as.map((a) => activityLine(a, layout));

/** A template as a line: fill each <hole> with your own words (the gate refuses the hole's text). */
const templateLine = (t: CommandTemplate): string =>
  `  $ ${one(t.rendered)}    # ${one(
    Object.entries(t.holes)
      .map(([k, v]) => `<${k}>: ${v}`)
      .join('; '),
  )}`;

/** Commands and templates in the order they are run: a template placed `before` a command comes first. */
function commandsInOrder(i: Instructions): string[] {
  const tpls = i.templates ?? [];
  const placed = (at: number) => tpls.filter((t) => t.before === at).map(templateLine);
  return [
    ...i.suggested_commands.flatMap((c, at) => [...placed(at), `  $ ${one(c)}`]),
    ...tpls.filter((t) => t.before === undefined || !i.suggested_commands[t.before]).map(templateLine),
  ];
}

export function instructionLines(i: Instructions | undefined, format: Format): string[] {
  if (!i) return [];
  if (format === 'md') {
    return [
      '',
      '### Next',
      ...i.next_actions.map((a) => `- ${one(a)}`),
      ...(i.required_actions?.length ? ['', '### Required', ...i.required_actions.map((a) => `- ${one(a)}`)] : []),
      // Nothing to run: no empty code block.
      ...(i.suggested_commands.length ? ['', '### Commands', '```sh', ...i.suggested_commands.map(one), '```'] : []),
      ...(i.templates?.length
        ? [
            '',
            '### In your own words',
            ...i.templates.map(
              (t) =>
                `- \`${t.rendered}\` — ${Object.entries(t.holes)
                  .map(([k, v]) => `<${k}>: ${v}`)
                  .join(
                    '; ',
                  )}${t.before !== undefined && i.suggested_commands[t.before] ? ` (before \`${one(i.suggested_commands[t.before])}\`)` : ''}`,
            ),
          ]
        : []),
      '',
      `_${one(i.context_reminder)}_`,
    ];
  }
  return [
    '',
    ...(i.required_actions?.length ? ['required:', ...i.required_actions.map((a) => `  - ${one(a)}`)] : []),
    ...i.next_actions.map((a) => `→ ${one(a)}`),
    ...commandsInOrder(i),
    `· ${one(i.context_reminder)}`,
  ];
}

/** The code column: at least 10 wide, and as wide as the longest code, so long codes never shift the rest. */
const codeWidth = (codes: string[]) => Math.max(10, ...codes.map(displayWidth));

const TASK_STATUS_STYLE: Record<string, Parameters<typeof styleText>[0]> = {
  in_progress: 'yellow',
  blocked: 'red',
  completed: 'green',
  cancelled: 'dim',
};
const status = (s: string, width: number) => {
  const style = TASK_STATUS_STYLE[s];
  return style ? styleText(style, pad(s, width)) : pad(s, width);
};

export const taskLines = (ts: TaskView[], layout: Layout = WHOLE, indent = ''): string[] => {
  const w = codeWidth(ts.map((t) => one(t.code)));
  return ts.map((t) =>
    fitLine(
      `${indent}${pad(one(t.code), w)} ${status(t.status, 11)} ${(t.estimate_minutes != null ? formatDuration(t.estimate_minutes * 60) : '-').padEnd(7)} ${t.parent ? '  ' : ''}`,
      t.title,
      layout,
    ),
  );
};

export const sprintLines = (ss: SprintView[], layout: Layout = WHOLE): string[] => {
  const w = codeWidth(ss.map((s) => one(s.code)));
  return ss.map((s) =>
    fitLine(
      `${pad(one(s.code), w)} ${s.status.padEnd(10)} ${`${s.tasks.completed}/${s.tasks.total} done`.padEnd(10)} `,
      s.title,
      layout,
    ),
  );
};

export const projectLines = (ps: ProjectView[], layout: Layout = WHOLE): string[] => {
  const w = codeWidth(ps.map((p) => one(p.code)));
  return ps.map((p) => fitLine(`${pad(one(p.code), w)} ${p.status.padEnd(9)} `, p.title, layout));
};
