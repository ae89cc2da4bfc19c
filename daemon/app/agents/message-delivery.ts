// Messages into an agent's context at its next prompt (docs/claims.md, "Messages and
// handoff"), by the queued-context file the prompt hook prints and takes by a rename
// (context-answer.ts, client/agents/fragd-agent-hook.sh). Each message is queued for one
// conversation once (message_recipients.queued_at); the conversation's next prompt that finds
// the file taken marks it read. A conversation that exits gives its queued messages back, so a
// later conversation of the actor gets them; nothing is queued twice, a restart included.
import type { Call } from '../app.js';
import type { SessionRow } from '../rows.js';
import { isExited } from '../sessions/agent-pauses.js';
import {
  markQueued,
  markRead,
  otherQueues,
  pendingFor,
  queuedFor,
  unqueue,
  type InboxRow,
} from '../messages/messages.js';
import { fragctl } from '../../../shared/command.js';
import {
  promptContextFile,
  queuePromptContext,
  queuedLines,
  quoted,
  takeQueued,
  writeQueued,
} from './context-answer.js';
import { terminalSafe } from '../../../shared/terminal.js';

/** Every message line starts so: what an exit strips from a file it leaves behind. */
const PREFIX = 'fragd message #';
/** A message's text in the context is cut here; the inbox has it whole. */
const TEXT_IN_CONTEXT = 600;

const agentOf = (s: SessionRow): string | null => {
  try {
    const a = (JSON.parse(s.metadata) as { agent?: unknown }).agent;
    return typeof a === 'string' ? a : null;
  } catch {
    return null;
  }
};

/** One message as a context line: quoted data, with the exact commands to read whole and acknowledge. */
export function messageLine(call: Call, m: InboxRow, key: string): string {
  const text = m.text.length > TEXT_IN_CONTEXT ? `${m.text.slice(0, TEXT_IN_CONTEXT - 1)}…` : m.text;
  const whole = m.text.length > TEXT_IN_CONTEXT ? ` (cut; whole: ${fragctl('inbox', '--session', key)})` : '';
  const fromKey = m.from_session_key ?? (m.from_session_id ? sessionKey(call, m.from_session_id) : null);
  const where = m.from_machine ? ` on machine ${m.from_machine}` : '';
  const from = `${m.from_actor}${fromKey ? ` (${fromKey}${where})` : where ? ` (${where.slice(1)})` : ''}`;
  const task = m.task_id ? call.app.sql.value<string>('SELECT code FROM tasks WHERE id = ?', m.task_id) : null;
  const ack = fragctl('inbox', 'ack', String(m.id), '--session', key);
  const line =
    m.kind === 'handoff'
      ? `${PREFIX}${m.id}: ${from} handed ${task} over to you with the note ${quoted(text)}${whole}. It is held for you: ${fragctl('task', 'activate', task ?? '', '--session', key)} (next offers it first); then ${ack}`
      : `${PREFIX}${m.id} from ${from}${task ? ` about ${task}` : ''}: ${quoted(text)}${whole}. When dealt with: ${ack}`;
  return terminalSafe(line);
}

const sessionKey = (call: Call, id: number) => call.app.sql.value<string>('SELECT key FROM sessions WHERE id = ?', id);

/**
 * Queues the actor's pending messages for a conversation's next prompt, as many as the
 * context's limit takes (the rest at the prompt after). Messages queued for another
 * conversation of the actor (which is not running, or it would have kept the name) come back first.
 */
export function queueMessagesFor(call: Call, s: SessionRow, agent: string, chatId: string): number {
  // Another conversation under this actor name is not running (a running one keeps its name):
  // it exited, died or was left; what it had queued and not printed comes to this one.
  for (const other of otherQueues(call, s.actor, s.id))
    giveBack(call, call.app.sql.get<SessionRow>('SELECT * FROM sessions WHERE id = ?', other) ?? null, other);
  const pending = pendingFor(call, s.actor);
  if (!pending.length) return 0;
  const kept = queuePromptContext(
    call,
    agent,
    chatId,
    pending.map((m) => messageLine(call, m, s.key)),
  );
  markQueued(
    call,
    pending.slice(0, kept).map((m) => m.id),
    s.actor,
    s.id,
  );
  return kept;
}

const idsIn = (lines: string[]): Set<number> =>
  new Set(lines.filter((l) => l.startsWith(PREFIX)).map((l) => Number(/^fragd message #(\d+)/.exec(l)?.[1])));

/**
 * What was queued for this conversation and is no longer in its file was taken by a prompt
 * hook, which printed it: read (at `at`, the event that shows it). The file is the truth, so
 * the order in which fragd ingests the prompt and the hook takes the file does not matter.
 */
export function settleQueued(call: Call, s: SessionRow, at: number): number {
  const queued = queuedFor(call, s.id);
  if (!queued.length) return 0;
  const file = promptContextFile(call, s.chat_session_id);
  if (!file) return 0;
  const still = idsIn(queuedLines(file));
  const taken = queued.filter((q) => !still.has(q.id)).map((q) => q.id);
  return taken.length ? markRead(call, s.id, taken, at) : 0;
}

/** A conversation that exited gives its queued, unread messages back (their lines leave its file). */
export function giveBack(call: Call, s: SessionRow | null, sessionId = s?.id ?? 0, at = call.now): number {
  if (!queuedFor(call, sessionId).length) return 0;
  const file = s ? promptContextFile(call, s.chat_session_id) : null;
  if (file && s) {
    const lines = takeQueued(file);
    const still = idsIn(lines);
    // Those its last prompt took were read; the others go back.
    const taken = queuedFor(call, sessionId)
      .filter((q) => !still.has(q.id))
      .map((q) => q.id);
    if (taken.length) markRead(call, sessionId, taken, at);
    writeQueued(file, agentOf(s) ?? 'claude', lines.filter((l) => !l.startsWith(PREFIX)).join('\n'));
  }
  return unqueue(call, sessionId);
}

/**
 * After a send or a handoff: each recipient's running conversation (an agent session with a
 * chat id that has not exited) gets its pending messages queued now. An actor with none
 * reads them in its inbox, or its next conversation gets them at its start.
 */
export function deliverToActors(call: Call, actors: string[]): void {
  for (const actor of new Set(actors)) {
    const s = call.app.sql.get<SessionRow>(
      `SELECT * FROM sessions WHERE actor = ? AND status IN ('active','paused') AND chat_session_id IS NOT NULL
        ORDER BY id DESC LIMIT 1`,
      actor,
    );
    const agent = s && agentOf(s);
    if (!s || !agent || isExited(s)) continue;
    queueMessagesFor(call, s, agent, s.chat_session_id!);
  }
}

/** For tests and doctor: the message lines queued for a conversation now. */
export const queuedMessageLines = (call: Call, chatId: string): string[] => {
  const file = promptContextFile(call, chatId);
  return file ? queuedLines(file).filter((l) => l.startsWith(PREFIX)) : [];
};
