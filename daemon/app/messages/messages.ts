// Messages between actors (docs/claims.md, "Messages and handoff"). A message is stored once,
// with a row per recipient actor that records when it was queued for that actor's agent
// context (and for which conversation), when it was first read and where, and when it was
// acknowledged. Delivery into an agent's context at its next prompt is app/agents/
// (message-delivery.ts), which reads what is pending here; the store's rows make sure
// nothing is delivered twice, across restarts too.
import { ErrorCode, FragError, notFound } from '../../../shared/errors.js';
import { ACTOR_PATTERN } from '../../../shared/charset.js';
import { fragctl } from '../../../shared/command.js';
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import type { MessageView } from '../../../shared/protocol/messages.js';
import type { Instructions } from '../../../shared/protocol/views.js';
import { iso } from '../../clock.js';
import type { Call } from '../app.js';
import { recordActivity } from '../activities.js';
import type { SessionRow, TaskRow } from '../rows.js';
import { instructionsFor } from '../answers.js';
import { DEFAULT_ACTOR, getSession, resolveSession } from '../sessions/lookup.js';
import { findTask } from '../work/lookup.js';
import { liveHolder } from '../work/claims.js';
import { badCursor } from '../paging.js';

export interface MessageRow {
  id: number;
  kind: 'message' | 'handoff';
  from_actor: string;
  from_session_id: number | null;
  /** With team sync, a message pulled from another machine: that machine and its session's key. */
  from_machine?: string | null;
  from_session_key?: string | null;
  to_spec: string;
  task_id: number | null;
  text: string;
  sent_at: number;
}

export interface RecipientRow {
  message_id: number;
  actor: string;
  queued_at: number | null;
  queued_session_id: number | null;
  read_at: number | null;
  read_via: 'context' | 'inbox' | 'mcp' | null;
  acked_at: number | null;
}

export type InboxRow = MessageRow & Omit<RecipientRow, 'message_id'> & { recipient: string };

/** Who sends (or reads): the call's session when it has one, else its actor alone. */
export interface Party {
  actor: string;
  session: SessionRow | null;
}

export function partyOf(call: Call, p: { session?: string; actor?: string }): Party {
  if (p.session) {
    const s = getSession(call, p.session);
    return { actor: s.actor, session: s };
  }
  try {
    const s = resolveSession(call, p);
    return { actor: s.actor, session: s };
  } catch (err) {
    if (err instanceof FragError && err.code === ErrorCode.NoActiveSession)
      return { actor: p.actor ?? DEFAULT_ACTOR, session: null };
    throw err;
  }
}

/**
 * An actor fragd has seen (a session of its own, ever; with team sync, on another machine of
 * the team, which the preparer asked the store about): a typo is refused, not kept for nobody.
 */
function requireKnownActor(call: Call, actor: string, elsewhere: readonly string[] = []): void {
  if (elsewhere.length) return;
  if (call.app.sql.value('SELECT 1 FROM sessions WHERE actor = ? LIMIT 1', actor) != null) return;
  const known = call.app.sql
    .all<{ actor: string }>('SELECT actor FROM sessions GROUP BY actor ORDER BY max(id) DESC LIMIT 10')
    .map((r) => r.actor);
  throw new FragError(ErrorCode.NotFound, `${actor} has never had a session here; nobody would read it`, {
    what: 'actor',
    code: actor,
    known_actors: known,
    hint: known.length ? `send to one of: ${known.join(', ')}` : 'no actor has had a session yet',
  });
}

export interface Recipients {
  /** The address as stored and shown: an actor, task:CODE, project:CODE. */
  spec: string;
  actors: string[];
  task: TaskRow | null;
}

const FORMS = 'an actor name, task:CODE (its holder), project:CODE or project (everyone working in your project)';

/**
 * Whom `to` names, from the sender's point of view: an actor; `task:CODE`, the live holder
 * of that task (its top-level task's); `project:CODE` or `project` (the sender's active
 * project), every actor with an open session in that project. The sender is never its own
 * recipient; an address that reaches nobody is refused with what to do instead.
 */
export function resolveRecipients(call: Call, from: Party, to: string, elsewhere: readonly string[] = []): Recipients {
  const { sql } = call.app;
  const refuse = (message: string, hint: string, data: Record<string, unknown> = {}) =>
    new FragError(ErrorCode.InvalidState, message, { to, ...data, hint });
  if (to.startsWith('task:')) {
    const asked = findTask(call, to.slice(5));
    const task = asked.parent_id ? sql.get<TaskRow>('SELECT * FROM tasks WHERE id = ?', asked.parent_id)! : asked;
    const h = liveHolder(call, task.id);
    if (!h)
      throw refuse(`nobody holds ${task.code} now`, `send to an actor or to project:CODE instead`, {
        task: task.code,
      });
    if (h.session.actor === from.actor)
      throw refuse(`you hold ${task.code} yourself`, 'send to another actor', { task: task.code });
    return { spec: `task:${task.code}`, actors: [h.session.actor], task: asked };
  }
  if (to === 'project' || to.startsWith('project:')) {
    let projectId: number | null;
    if (to === 'project') {
      projectId = from.session?.active_project_id ?? null;
      if (projectId == null)
        throw refuse('you have no active project to send to', 'name it: project:CODE', { actor: from.actor });
    } else {
      const code = to.slice(8);
      projectId = sql.value<number>('SELECT id FROM projects WHERE code = ?', code) ?? null;
      if (projectId == null) throw notFound('project', code, `list projects with: ${fragctl('project', 'list')}`);
    }
    const code = sql.value<string>('SELECT code FROM projects WHERE id = ?', projectId)!;
    const actors = sql
      .all<{ actor: string }>(
        `SELECT DISTINCT actor FROM sessions WHERE active_project_id = ? AND status IN ('active','paused')
          AND actor != ? ORDER BY actor`,
        projectId,
        from.actor,
      )
      .map((r) => r.actor);
    if (!actors.length)
      throw refuse(`nobody else is working in ${code} now`, 'send to an actor by name instead', { project: code });
    return { spec: `project:${code}`, actors, task: null };
  }
  if (!ACTOR_PATTERN.test(to))
    throw new FragError(
      ErrorCode.InvalidParams,
      `invalid params for message.send: to ${JSON.stringify(to)} is not ${FORMS}`,
      {
        to,
        hint: `to is ${FORMS}`,
      },
    );
  if (to === from.actor) throw refuse('that is you', 'send to another actor');
  requireKnownActor(call, to, elsewhere);
  return { spec: to, actors: [to], task: null };
}

/** Stores a message for its recipients; the caller queues it for their agents' context. */
export function storeMessage(
  call: Call,
  m: { kind: 'message' | 'handoff'; from: Party; spec: string; actors: string[]; taskId: number | null; text: string },
): MessageRow {
  const { sql } = call.app;
  const id = Number(
    sql.run(
      'INSERT INTO messages (kind, from_actor, from_session_id, to_spec, task_id, text, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      m.kind,
      m.from.actor,
      m.from.session?.id ?? null,
      m.spec,
      m.taskId,
      m.text,
      call.now,
    ).lastInsertRowid,
  );
  for (const a of new Set(m.actors)) sql.run('INSERT INTO message_recipients (message_id, actor) VALUES (?, ?)', id, a);
  return sql.get<MessageRow>('SELECT * FROM messages WHERE id = ?', id)!;
}

const taskCode = (call: Call, id: number | null) =>
  id == null ? null : (call.app.sql.value<string>('SELECT code FROM tasks WHERE id = ?', id) ?? null);
const sessionKeyOf = (call: Call, id: number | null) =>
  id == null ? null : (call.app.sql.value<string>('SELECT key FROM sessions WHERE id = ?', id) ?? null);

export function messageView(call: Call, m: MessageRow, r?: Omit<RecipientRow, 'message_id'> | null): MessageView {
  return {
    id: m.id,
    from: {
      actor: m.from_actor,
      session: m.from_session_key ?? sessionKeyOf(call, m.from_session_id),
      ...(m.from_machine ? { machine: m.from_machine } : {}),
    },
    to: m.to_spec,
    recipient: r?.actor ?? null,
    kind: m.kind,
    task: taskCode(call, m.task_id),
    text: m.text,
    sent_at: iso(m.sent_at),
    read_at: r?.read_at != null ? iso(r.read_at) : null,
    read_via: r?.read_via ?? null,
    acknowledged_at: r?.acked_at != null ? iso(r.acked_at) : null,
  };
}

/** Instructions of a messages answer: the session's own when there is one, with `lines` first. */
function answerInstructions(call: Call, s: SessionRow | null, lines: string[]): Instructions {
  if (!s || (s.status !== 'active' && s.status !== 'paused'))
    return { next_actions: lines, suggested_commands: [], context_reminder: '' };
  const own = instructionsFor(call, 'progress', s);
  return { ...own, next_actions: [...lines, ...own.next_actions] };
}

export function sendMessage(call: Call, p: ParsedParamsOf<'message.send'> & { known_elsewhere?: string[] }) {
  const from = partyOf(call, p);
  const to = resolveRecipients(call, from, p.to, p.known_elsewhere);
  const task = p.task ? findTask(call, p.task) : to.task;
  const row = storeMessage(call, {
    kind: 'message',
    from,
    spec: to.spec,
    actors: to.actors,
    taskId: task?.id ?? null,
    text: p.text,
  });
  if (from.session)
    recordActivity(call, from.session, {
      kind: 'message.sent',
      message: `message #${row.id} to ${to.spec}`,
      data: { message: row.id, to: to.spec, recipients: to.actors },
    });
  const who = to.actors.join(', ');
  return {
    message: messageView(call, row),
    recipients: to.actors,
    instructions: answerInstructions(call, from.session, [
      `Message #${row.id} sent to ${who}: an agent of theirs sees it at its next prompt; anyone sees it with ${fragctl('inbox')}.`,
    ]),
  };
}

const INBOX_DEFAULT = 20;

/** The counts an inbox answer carries. */
export function inboxCounts(call: Call, actor: string): { unread: number; unacknowledged: number } {
  const r = call.app.sql.get<{ unread: number; unacked: number }>(
    `SELECT coalesce(sum(read_at IS NULL AND acked_at IS NULL), 0) AS unread, coalesce(sum(acked_at IS NULL), 0) AS unacked
       FROM message_recipients WHERE actor = ?`,
    actor,
  )!;
  return { unread: r.unread, unacknowledged: r.unacked };
}

const inboxSelect = `SELECT m.*, r.actor AS recipient, r.actor, r.queued_at, r.queued_session_id, r.read_at, r.read_via, r.acked_at
  FROM message_recipients r JOIN messages m ON m.id = r.message_id`;

const viewOf = (call: Call, row: InboxRow) => messageView(call, row, row);

export function inbox(call: Call, p: ParsedParamsOf<'message.inbox'>) {
  const params = p ?? {};
  const who = partyOf(call, params);
  let after = Infinity;
  if (params.cursor !== undefined) {
    if (!/^\d+$/.test(params.cursor)) throw badCursor('message.inbox', params.cursor);
    after = Number(params.cursor);
  }
  const limit = params.limit ?? INBOX_DEFAULT;
  const rows = call.app.sql.all<InboxRow>(
    `${inboxSelect} WHERE r.actor = ? AND r.message_id < ?
        ${params.unread ? 'AND r.read_at IS NULL AND r.acked_at IS NULL' : params.all ? '' : 'AND r.acked_at IS NULL'}
      ORDER BY r.message_id DESC LIMIT ?`,
    who.actor,
    Number.isFinite(after) ? after : Number.MAX_SAFE_INTEGER,
    limit + 1,
  );
  const page = rows.slice(0, limit);
  // The answer shows each message as it stood: read_at null is a message this page showed first.
  const messages = page.map((r) => viewOf(call, r));
  if (params.mark_read !== false) {
    const via = call.source === 'mcp' ? 'mcp' : 'inbox';
    for (const r of page)
      if (r.read_at == null)
        call.app.sql.run(
          'UPDATE message_recipients SET read_at = ?, read_via = ? WHERE message_id = ? AND actor = ? AND read_at IS NULL',
          call.now,
          via,
          r.id,
          who.actor,
        );
  }
  const counts = inboxCounts(call, who.actor);
  const lines = page.some((m) => m.acked_at == null)
    ? [`Acknowledge what you have dealt with: ${fragctl('inbox', 'ack', '--all')} (or by id).`]
    : [];
  return {
    messages,
    next_cursor: rows.length > limit ? String(page[page.length - 1].id) : null,
    actor: who.actor,
    ...counts,
    instructions: answerInstructions(call, who.session, lines),
  };
}

/** The newest messages, one row per recipient (the dashboard's view): marks nothing read. */
export function listMessages(call: Call, p: ParsedParamsOf<'message.list'>) {
  const rows = call.app.sql.all<InboxRow>(
    `${inboxSelect} WHERE (?1 IS NULL OR r.actor = ?1) ORDER BY r.message_id DESC, r.actor LIMIT ?2`,
    p?.recipient ?? null,
    p?.limit ?? INBOX_DEFAULT,
  );
  return { messages: rows.map((r) => viewOf(call, r)) };
}

export function acknowledge(call: Call, p: ParsedParamsOf<'message.ack'>) {
  const who = partyOf(call, p);
  const { sql } = call.app;
  if (!p.all && !p.ids?.length)
    throw new FragError(ErrorCode.InvalidParams, 'invalid params for message.ack: give ids, or all: true', {
      hint: `acknowledge by id (${fragctl('inbox', 'ack', '12')}) or all (${fragctl('inbox', 'ack', '--all')})`,
    });
  const via = call.source === 'mcp' ? 'mcp' : 'inbox';
  const set = `UPDATE message_recipients SET acked_at = ?1, read_at = coalesce(read_at, ?1), read_via = coalesce(read_via, ?2)
     WHERE actor = ?3 AND acked_at IS NULL`;
  let acknowledged: number;
  if (p.all) acknowledged = sql.run(set, call.now, via, who.actor).changes;
  else {
    const ids = [...new Set(p.ids)];
    const mine = new Set(
      sql
        .all<{ id: number }>(
          'SELECT message_id AS id FROM message_recipients WHERE actor = ? AND message_id IN (SELECT value FROM json_each(?))',
          who.actor,
          JSON.stringify(ids),
        )
        .map((r) => r.id),
    );
    const unknown = ids.filter((i) => !mine.has(i));
    if (unknown.length)
      throw new FragError(ErrorCode.NotFound, `no message ${unknown.join(', ')} in ${who.actor}'s inbox`, {
        what: 'message',
        ids: unknown,
        hint: `list yours with: ${fragctl('inbox', '--all')}`,
      });
    acknowledged = sql.run(
      `${set} AND message_id IN (SELECT value FROM json_each(?4))`,
      call.now,
      via,
      who.actor,
      JSON.stringify(ids),
    ).changes;
  }
  return {
    acknowledged,
    ...inboxCounts(call, who.actor),
    instructions: answerInstructions(call, who.session, []),
  };
}

// --- Delivery bookkeeping, for app/agents/message-delivery.ts ---

/** An actor's messages not yet queued for any context, not read, not acknowledged: oldest first. */
export const PENDING_SQL = `${inboxSelect} WHERE r.actor = ? AND r.queued_at IS NULL AND r.read_at IS NULL AND r.acked_at IS NULL
  ORDER BY r.message_id LIMIT ?`;
export const pendingFor = (call: Call, actor: string, limit = 20): InboxRow[] =>
  call.app.sql.all<InboxRow>(PENDING_SQL, actor, limit);

export function markQueued(call: Call, ids: number[], actor: string, sessionId: number): void {
  for (const id of ids)
    call.app.sql.run(
      'UPDATE message_recipients SET queued_at = ?, queued_session_id = ? WHERE message_id = ? AND actor = ?',
      call.now,
      sessionId,
      id,
      actor,
    );
}

/** The messages queued for a conversation that it has not read yet. */
export const queuedFor = (call: Call, sessionId: number): { id: number; actor: string; queued_at: number }[] =>
  call.app.sql.all(
    'SELECT message_id AS id, actor, queued_at FROM message_recipients WHERE queued_session_id = ? AND read_at IS NULL',
    sessionId,
  );

/** Queued messages a conversation's prompt printed: read in its context at `at`. */
export function markRead(call: Call, sessionId: number, ids: number[], at: number): number {
  return call.app.sql.run(
    `UPDATE message_recipients SET read_at = ?1, read_via = 'context'
      WHERE queued_session_id = ?2 AND read_at IS NULL AND message_id IN (SELECT value FROM json_each(?3))`,
    at,
    sessionId,
    JSON.stringify(ids),
  ).changes;
}

/** Messages queued for a conversation that will not prompt again go back to pending. */
export function unqueue(call: Call, sessionId: number): number {
  return call.app.sql.run(
    'UPDATE message_recipients SET queued_at = NULL, queued_session_id = NULL WHERE queued_session_id = ? AND read_at IS NULL',
    sessionId,
  ).changes;
}

/** Sessions other than `sessionId` that hold queued, unread messages of `actor`. */
export const OTHER_QUEUES_SQL = `SELECT DISTINCT queued_session_id AS id FROM message_recipients
  WHERE actor = ? AND read_at IS NULL AND acked_at IS NULL AND queued_session_id IS NOT NULL AND queued_session_id != ?`;
export const otherQueues = (call: Call, actor: string, sessionId: number): number[] =>
  call.app.sql.all<{ id: number }>(OTHER_QUEUES_SQL, actor, sessionId).map((r) => r.id);
