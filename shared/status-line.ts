// The one-line status of a session, as `fragctl status --short` prints it and as the daemon
// keeps it in its status file for shell prompts (docs/terminal.md, "The status file").
// Both go through shortStatus, so the prompt and the command never disagree.
import { formatDuration } from './format.js';
import type { BudgetLeft } from './protocol/costs.js';
import type { SessionView } from './protocol/views.js';
import { terminalSafe } from './terminal.js';

/** The line without its duration ("SESSION-003 · paused · T-01") and the active seconds. */
export interface ShortStatus {
  text: string;
  seconds: number;
}

/**
 * With a budget, what is left of it follows the task, named when it is another's (the
 * subtask's task, the sprint): "T-3 (1h12m · $0.84 left)", "T-3.1 (S1 over by $0.20)"; with
 * no task active, the sprint's: "S1 ($3.10 left)".
 */
export function shortStatus(
  s: Pick<SessionView, 'key' | 'status' | 'active' | 'active_seconds'>,
  budget?: Pick<BudgetLeft, 'code' | 'text'> | null,
): ShortStatus {
  const work = s.active.subtask ?? s.active.task;
  const left = budget ? ` (${budget.code === work ? '' : `${budget.code} `}${budget.text})` : '';
  const shown = work ? [`${work}${left}`] : budget ? [`${budget.code} (${budget.text})`] : [];
  return {
    text: [s.key, ...(s.status === 'paused' ? ['paused'] : []), ...shown].join(' · '),
    seconds: s.active_seconds,
  };
}

/** SESSION-003 · T-01 · 1h12m, SESSION-003 · T-01 (1h12m · $0.84 left) · 45m */
export const shortLineOf = (p: ShortStatus): string => `${p.text} · ${formatDuration(p.seconds)}`;

/** The status file of an actor, in the daemon's private runtime directory. */
export const statusFileName = (actor: string): string => `status.${actor}`;
export const STATUS_FILE_MAGIC = 'fragd-status';
export const STATUS_FILE_VERSION = 1;

/**
 * The status file's one line (format 1), e.g.
 *   fragd-status 1 run 1764500000 SESSION-003 · T-01
 *   fragd-status 1 stop 4380 SESSION-003 · paused · T-01
 * `run N`: time is counting; N is the epoch second at which it would have been 0, so a
 * prompt shows now − N without the daemon rewriting the file every second. `stop N`: N is
 * the active seconds, frozen (paused, or no interval open). The text is last, so a reader
 * splitting on spaces gets it whole in its last field.
 */
export function statusFileLine(p: ShortStatus, running: boolean, nowMs: number): string {
  const n = running ? Math.floor(nowMs / 1000) - p.seconds : p.seconds;
  return `${STATUS_FILE_MAGIC} ${STATUS_FILE_VERSION} ${running ? 'run' : 'stop'} ${n} ${oneLine(p.text)}\n`;
}

/**
 * The file must stay one line that a shell can read as plain text, and that a prompt can
 * show, whatever a title holds: the shared neutraliser (shared/terminal.ts) shows control
 * characters (newlines, escape sequences) and bidi controls as visible escapes.
 */
export const oneLine = (text: string): string => terminalSafe(text);
