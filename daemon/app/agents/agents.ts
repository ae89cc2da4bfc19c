// An agent's conversation is a fragd session (DESIGN.md §8, §10): its hooks' events, from
// the spool or from `agent.hook`, become the session's life. Time counts from a prompt to its
// stop; between a stop and the next prompt the session is paused, waiting for a person. An
// exit (SessionEnd) pauses it too and releases its claims; a resume, /clear or a compaction
// continues the same session and takes its task back if nobody else holds it. Only an
// explicit end (`fragctl session end`) or agent_session_end_hours of pause end it; an agent
// that dies is paused by the tick at its last sign of life (agent_idle_timeout_seconds).
import { releaseReservationsOf, rememberRepo } from '../reservations/reservations.js';
import { ErrorCode, FragError } from '../../../shared/errors.js';
import type { Call } from '../app.js';
import { AGENT_EVENTS, findByEventId, recordActivity } from '../activities.js';
import type { SessionRow, TaskRow } from '../rows.js';
import { parseStack } from '../rows.js';
import { activateTaskOn, pushProjectOn } from '../context/context.js';
import { applyStack } from '../sessions/apply-stack.js';
import { openSession, pauseSessionRow, resumeSessionRow } from '../sessions/sessions.js';
import { getSession } from '../sessions/lookup.js';
import { popFrom, workFrame } from '../sessions/stack.js';
import { exitedReason, isAutomaticPause, isExited, waitingReason } from '../sessions/agent-pauses.js';
import { claimTask, holdsClaim, liveHolder, releaseClaimsOf } from '../work/claims.js';
import { dialectOf, eventKind, type AgentEventKind } from './events.js';
import { placeOf, type RepoPlace } from './repo.js';
import { readSubagentTranscripts, readTranscript } from './tokens.js';
import { boundedText, contextLines, hookOutput, queuePromptContext } from './context-answer.js';
import { checkBudgets } from '../costs/budgets.js';
import { giveBack, queueMessagesFor, settleQueued } from './message-delivery.js';

export { WAITING, waitingReason, isAutomaticPause } from '../sessions/agent-pauses.js';

export interface AgentEvent {
  agent: string;
  event: string;
  payload: Record<string, unknown>;
  at: number;
  /** Makes a replay (the same spool record, a retried hook) write nothing twice. */
  eventId: string | null;
}

export type AgentOutcome =
  | { outcome: 'ingested'; session: SessionRow; kind: AgentEventKind; place: RepoPlace | null }
  | { outcome: 'duplicate' | 'skipped'; session: SessionRow | null; reason: string };

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v : null);
const clip = (v: string, n = 200): string => (v.length > n ? `${v.slice(0, n - 1)}…` : v);

/** The agent's actor: configured (agents.actors), else its own name. */
export const actorOf = (call: Call, agent: string): string => call.app.config.agents.actors[agent] ?? agent;

/** The actor names of one agent: its own and the -2, -3… of parallel conversations. */
const family = (param: string) => `(actor = ${param} OR actor GLOB ${param} || '-[0-9]*')`;

/**
 * The open fragd session of one conversation (actor family and chat session id). A
 * conversation that /clear gave a new id keeps its former ids in metadata.chat_ids.
 */
function conversationSession(call: Call, actor: string, chatId: string): SessionRow | undefined {
  return call.app.sql.get<SessionRow>(
    `SELECT * FROM sessions WHERE ${family('?2')} AND status IN ('active','paused')
        AND (chat_session_id = ?1 OR EXISTS (SELECT 1 FROM json_each(metadata, '$.chat_ids') WHERE value = ?1))
      ORDER BY id DESC LIMIT 1`,
    chatId,
    actor,
  );
}

/** How long after a /clear's SessionEnd the SessionStart of the cleared conversation may come. */
const CLEAR_WINDOW_MS = 10 * 60_000;

/**
 * `/clear` gives the conversation a new id (Claude Code ends the old one with reason
 * `clear`, then starts the new one with source `clear`): the new id joins the session the
 * old one had, in the same directory, so the conversation stays one session. Without an
 * exit of reason clear (an agent that sends none), the one open conversation of that agent
 * in that directory active within the window is taken, when there is exactly one.
 */
function clearedSession(call: Call, actor: string, chatId: string, cwd: string | null): SessionRow | undefined {
  if (!cwd) return undefined;
  const candidates = call.app.sql.all<SessionRow>(
    `SELECT * FROM sessions WHERE ${family('?1')} AND status IN ('active','paused')
        AND json_extract(metadata, '$.cwd') = ?2 AND last_activity_at >= ?3 ORDER BY id DESC`,
    actor,
    cwd,
    call.now - CLEAR_WINDOW_MS,
  );
  const s =
    candidates.find((c) => isExited(c) && c.pause_reason!.includes('(clear)')) ??
    (candidates.length === 1 ? candidates[0] : undefined);
  if (!s) return undefined;
  const meta = JSON.parse(s.metadata) as { chat_ids?: string[] };
  const former = [...(meta.chat_ids ?? []), ...(s.chat_session_id ? [s.chat_session_id] : [])];
  const metadata = JSON.stringify({ ...meta, chat_ids: former });
  call.app.sql.run('UPDATE sessions SET chat_session_id = ?, metadata = ? WHERE id = ?', chatId, metadata, s.id);
  recordActivity(call, s, {
    kind: 'agent.clear',
    message: `the conversation was cleared; it goes on as ${chatId}`,
    data: { chat_session_id: chatId, former: s.chat_session_id },
  });
  return Object.assign(s, { chat_session_id: chatId, metadata });
}

/** A conversation waiting this long for its person is taken for abandoned (it gives its name up). */
export const STALE_AFTER_MS = 12 * 3_600_000;

/**
 * A conversation that is not running now: its process exited, it died (idle-paused), or it
 * has waited half a day. It gives its actor name up to a new conversation but stays open,
 * so a resume continues it (agent_session_end_hours ends it).
 */
function gone(call: Call, s: SessionRow): boolean {
  if (s.status !== 'paused') return false;
  if (isExited(s) || s.pause_reason?.startsWith('idle:')) return true;
  return isAutomaticPause(s.pause_reason) && call.now - s.last_activity_at >= STALE_AFTER_MS;
}

/**
 * The actor a conversation gets: the agent's name, or name-2, name-3… when another
 * conversation of that agent is running (two terminals), since one actor's intervals
 * never overlap. `self` is a resumed conversation looking for a name of its own.
 */
function freeActor(call: Call, actor: string, self?: SessionRow): string {
  const { sql } = call.app;
  for (let n = 1; ; n++) {
    const name = n === 1 ? actor : `${actor}-${n}`;
    const open = sql.all<SessionRow>("SELECT * FROM sessions WHERE actor = ? AND status IN ('active','paused')", name);
    if (open.some((s) => s.id !== self?.id && !gone(call, s))) continue;
    return name;
  }
}

/**
 * A conversation coming back (a resume after an exit, an event after it died): it takes
 * its task back if nobody else holds it, else lets it go and says who has it; its actor
 * name, if another conversation took it meanwhile, becomes a free one.
 */
function reattach(call: Call, s: SessionRow, family: string): SessionRow {
  const { sql } = call.app;
  const clash = sql.get<SessionRow>(
    "SELECT * FROM sessions WHERE actor = ? AND id != ? AND status IN ('active','paused')",
    s.actor,
    s.id,
  );
  if (clash && !gone(call, clash)) {
    const name = freeActor(call, family, s);
    sql.run('UPDATE sessions SET actor = ? WHERE id = ?', name, s.id);
    recordActivity(call, s, {
      kind: 'agent.renamed',
      message: `resumed as ${name}: ${s.actor} is running another conversation (${clash.key})`,
      data: { from: s.actor, to: name },
    });
    s.actor = name;
  }
  const top = parseStack(s).find((f) => f.type === 'task');
  if (!top || holdsClaim(call, s, top.id)) return s;
  const task = sql.get<TaskRow>('SELECT * FROM tasks WHERE id = ?', top.id);
  if (!task) return s;
  const holder = liveHolder(call, task.id);
  let refusal: string | null =
    task.status === 'completed' || task.status === 'cancelled' ? `${task.code} is ${task.status}` : null;
  if (!refusal) {
    try {
      // In a savepoint of its own: a refusal leaves nothing of the attempt.
      sql.db.transaction(() => claimTask(call, s, task, { take_over: pausedPredecessor(holder?.session, family) }))();
      recordActivity(call, s, {
        kind: 'claim.resumed',
        message: `${s.actor} took ${task.code} back`,
        data: { code: task.code },
      });
    } catch (err) {
      if (!refusedActivation(err)) throw err;
      refusal = err.message;
    }
  }
  if (refusal !== null) {
    // Someone else holds it now (or it closed, or waits): the conversation goes on without it.
    recordActivity(call, s, {
      kind: 'claim.lost',
      message: `${refusal}; it left this conversation's stack`,
      data: { code: task.code, ...(holder ? { holder: holder.session.key, holder_actor: holder.session.actor } : {}) },
    });
    // Straight on the stack: the conversation stays paused (a pop through the context
    // commands would resume a session paused for idleness).
    const { stack: next, removed } = popFrom(parseStack(s), 'task');
    applyStack(
      call,
      s,
      next,
      removed.map((f) => ({ action: 'pop' as const, frame: f, left: f })),
    );
  }
  return s;
}

/**
 * A predecessor of this agent's (the same family of actor names) that is not running now:
 * a new or resumed conversation takes its task over without a refusal.
 */
const pausedPredecessor = (other: SessionRow | undefined, family: string): boolean =>
  !!other &&
  other.status === 'paused' &&
  (other.actor === family ||
    (other.actor.startsWith(`${family}-`) && /^\d+$/.test(other.actor.slice(family.length + 1))));

function newSession(call: Call, e: AgentEvent, actor: string, chatId: string, waiting: boolean): SessionRow {
  const s = openSession(call, {
    actor: freeActor(call, actor),
    chat_session_id: chatId,
    source: 'hook',
    metadata: { agent: e.agent, cwd: str(e.payload.cwd), transcript_path: str(e.payload.transcript_path) },
  });
  if (!waiting) return s;
  // Opened by a SessionStart, the agent waits for its first prompt: none of it is work, and
  // the empty interval the start opened (no task yet, 0 s) is not kept.
  const paused = pauseSessionRow(call, s, waitingReason('for the first prompt', e.at), e.at, 'pause');
  call.app.sql.run('DELETE FROM intervals WHERE session_id = ? AND ended_at = started_at', s.id);
  return paused;
}

const refusedActivation = (err: unknown): err is FragError =>
  err instanceof FragError &&
  (err.code === ErrorCode.TaskClaimed ||
    err.code === ErrorCode.TaskBlocked ||
    (err.code === ErrorCode.StorageUnavailable && (err.data as { store?: string } | undefined)?.store === 'team'));

/** Puts the task (or project) the repository and branch choose on the stack, when it differs. */
function applyPlace(call: Call, s: SessionRow, place: RepoPlace, family: string): SessionRow {
  const { sql } = call.app;
  const stack = parseStack(s);
  if (place.task) {
    const task = sql.get<TaskRow>('SELECT * FROM tasks WHERE code = ?', place.task);
    if (task && task.status !== 'completed' && task.status !== 'cancelled') {
      if (workFrame(stack)?.id !== task.id) {
        // The same agent's earlier conversation on this branch, not running now, hands its task on.
        const take_over = pausedPredecessor(liveHolder(call, task.id)?.session, family);
        try {
          // In a savepoint of its own: a refusal caught here leaves nothing of the attempt.
          call.app.sql.db.transaction(() =>
            activateTaskOn(call, s, { session: s.key, code: task.code, source: 'hook', take_over }),
          )();
        } catch (err) {
          // The branch names a task another actor holds, a blocked one, or (team sync) one the
          // team store did not grant: the agent's event is still recorded, its stack stays as
          // it was, and the refusal is in its log.
          if (!refusedActivation(err)) throw err;
          // The savepoint undid the attempt in the store; the loaded session goes back with it.
          Object.assign(s, getSession(call, s.key));
          recordActivity(call, s, { kind: 'claim.refused', message: err.message, data: { ...err.data } });
        }
      }
      return s;
    }
  }
  if (place.project && !stack.length && sql.value('SELECT 1 FROM projects WHERE code = ?', place.project))
    pushProjectOn(call, s, place.project);
  return s;
}

function describe(kind: AgentEventKind, e: AgentEvent): { message: string; data: Record<string, unknown> } {
  const p = e.payload;
  const data: Record<string, unknown> = { agent: e.agent, event: e.event };
  const toolInput = typeof p.tool_input === 'object' && p.tool_input ? (p.tool_input as Record<string, unknown>) : {};
  switch (kind) {
    case 'tool_before':
    case 'tool_after': {
      const tool = str(p.tool_name) ?? 'tool';
      const target =
        str(toolInput.file_path) ?? str(toolInput.path) ?? str(toolInput.command) ?? str(toolInput.pattern) ?? null;
      data.tool = tool;
      if (target) data.target = clip(target);
      if (str(p.tool_use_id)) data.tool_use_id = p.tool_use_id;
      return { message: `${tool}${target ? ` ${clip(target, 120)}` : ''}`, data };
    }
    case 'prompt': {
      // The prompt's words stay with the agent; the log notes that one came and its size.
      const prompt = str(p.prompt) ?? '';
      data.prompt_chars = prompt.length;
      return { message: `prompt (${prompt.length} characters)`, data };
    }
    case 'start':
      data.source = str(p.source) ?? str(p.trigger) ?? 'startup';
      return { message: `${e.agent} ${data.source as string}`, data };
    case 'subagent_start':
    case 'subagent_stop':
      for (const k of ['agent_id', 'agent_type']) if (str(p[k])) data[k] = p[k];
      return { message: `subagent ${(str(p.agent_type) ?? str(p.agent_id) ?? '').trim()}`.trim(), data };
    case 'compact_before':
    case 'compact_after':
      data.trigger = str(p.trigger) ?? null;
      return { message: `compaction${data.trigger ? ` (${data.trigger as string})` : ''}`, data };
    case 'notification':
      data.notification_type = str(p.notification_type) ?? null;
      return { message: clip(str(p.message) ?? 'notification'), data };
    case 'permission':
      data.tool = str(p.tool_name) ?? null;
      return { message: `asks permission${data.tool ? ` for ${data.tool as string}` : ''}`, data };
    case 'stop':
      return { message: 'stopped; waiting for a person', data };
    case 'end':
      data.reason = str(p.reason) ?? null;
      return { message: `${e.agent} exited${data.reason ? ` (${data.reason as string})` : ''}`, data };
  }
}

// A compaction is left out: a person may ask for one while the agent waits (/compact),
// and no stop follows it to end the time it would start.
const SIGN_OF_WORK: ReadonlySet<AgentEventKind> = new Set([
  'prompt',
  'tool_before',
  'tool_after',
  'subagent_start',
  'subagent_stop',
]);

/**
 * A compaction is under way between turns: the session's last prompt, stop or compaction
 * is a compaction. Claude Code's /compact runs its summary as subagents, which are then not
 * the agent working for its person.
 */
function compacting(call: Call, s: SessionRow): boolean {
  const last = call.app.sql.value<string>(
    `SELECT kind FROM activities WHERE session_id = ? AND kind IN ('agent.prompt','agent.stop','agent.compact_before','agent.start')
      ORDER BY id DESC LIMIT 1`,
    s.id,
  );
  return last === 'agent.compact_before';
}

/** Notifications that mean the agent waits for a person's permission (Claude Code, Gemini CLI). */
const PERMISSION_NOTIFICATIONS = new Set(['permission_prompt', 'ToolPermission']);

/** Applies one hook event inside the caller's transaction. */
export function applyAgentEvent(outer: Call, e: AgentEvent): AgentOutcome {
  const kind = eventKind(e.agent, e.event);
  if (!kind) return { outcome: 'skipped', session: null, reason: `${e.agent} event ${e.event} means nothing to fragd` };
  // Gemini CLI fires PreCompress (auto) before every model call, before it checks whether
  // anything needs compressing, and tells nothing of what it then did: not a compaction.
  if (kind === 'compact_before' && dialectOf(e.agent) === 'gemini' && str(e.payload.trigger) === 'auto')
    return { outcome: 'skipped', session: null, reason: 'Gemini’s automatic PreCompress compacts nothing by itself' };
  if (e.eventId && findByEventId(outer, AGENT_EVENTS, e.eventId))
    return { outcome: 'duplicate', session: null, reason: 'replay' };
  const chatId = str(e.payload.session_id);
  if (!chatId) return { outcome: 'skipped', session: null, reason: 'the payload has no session_id' };
  // The event happened at its own time (a record spooled while fragd was down replays then).
  const call: Call = { ...outer, now: e.at, source: 'hook' };
  const actor = actorOf(call, e.agent);
  const dialect = dialectOf(e.agent) ?? e.agent;
  const source = str(e.payload.source) ?? str(e.payload.trigger);
  let s =
    conversationSession(call, actor, chatId) ??
    (kind === 'start' && source === 'clear' ? clearedSession(call, actor, chatId, str(e.payload.cwd)) : undefined);
  // Coming back after an exit, a death or a long wait: its task back if it is free.
  if (s && s.status === 'paused' && isAutomaticPause(s.pause_reason)) s = reattach(call, s, actor);
  if (!s && (kind === 'end' || kind === 'stop' || kind === 'notification'))
    return { outcome: 'skipped', session: null, reason: `no open session for ${e.agent} conversation ${chatId}` };
  const place = kind === 'start' || kind === 'prompt' || !s ? placeOf(str(e.payload.cwd), call.app.config) : null;
  if (!s) s = newSession(call, e, actor, chatId, kind === 'start');
  else if (kind === 'start' && isExited(s)) {
    // Resumed after an exit: the conversation waits for its prompt again.
    s = relabelPause(call, s, waitingReason('for a person (conversation resumed)', e.at));
  } else if (kind === 'start' && source !== 'compact' && s.status === 'active') {
    // A new process took the conversation over (resume): the old one's turn ended at its last sign of life.
    s = pauseSessionRow(
      call,
      s,
      waitingReason('for a person (conversation resumed)', e.at),
      s.last_activity_at,
      'pause',
    );
  }

  // Time: a prompt or any sign of work ends an automatic pause; a stop, or a request for permission, starts one.
  const compaction = (kind === 'subagent_start' || kind === 'subagent_stop') && compacting(call, s);
  if (SIGN_OF_WORK.has(kind) && !compaction && s.status === 'paused' && isAutomaticPause(s.pause_reason))
    s = resumeSessionRow(call, s, kind === 'prompt' ? 'prompt' : `${e.event} after a pause`).session;
  const askingPermission =
    kind === 'permission' ||
    (kind === 'notification' && PERMISSION_NOTIFICATIONS.has(str(e.payload.notification_type) ?? ''));
  if (place) {
    // Reservations made without naming a repository are in this one (and enforced there).
    if (place.root) s = rememberRepo(call, s, place.root);
    if (place.problem) recordActivity(call, s, { kind: 'agent.mapping', message: place.problem });
    s = applyPlace(call, s, place, actor);
  }

  const { message, data } = describe(kind, e);
  if (place?.root) Object.assign(data, { repo: place.root, branch: place.branch });
  recordActivity(call, s, {
    kind: `agent.${kind}`,
    message,
    data,
    eventId: e.eventId ?? undefined,
    eventScope: AGENT_EVENTS,
  });

  // Tokens: what the transcripts gained since the last read (every event may carry new
  // messages), each stored on the task its message's time fell in.
  // Codex names its model in every payload, not on its token counts (tokens.ts).
  readTranscript(call, s, dialect, e.payload.transcript_path, e.payload.model);
  if (kind === 'subagent_stop') readTranscript(call, s, dialect, e.payload.agent_transcript_path);
  // A subagent's last message is written after its SubagentStop: read on the next events.
  else readSubagentTranscripts(call, s, dialect, e.payload.transcript_path);
  // Messages queued for this conversation and gone from its file were printed by a prompt's hook.
  if (kind === 'prompt' || kind === 'end') settleQueued(call, s, e.at);
  // Budgets: a crossing of 80% or 100% is recorded and told to the agent at its next prompt.
  queuePromptContext(
    call,
    e.agent,
    chatId,
    checkBudgets(call, s, s.active_task_id).map((c) => c.line),
  );

  // Messages for this actor not queued anywhere yet: for the conversation's next prompt (a
  // start's: its first). An exit gives what it had queued back, for the actor's next conversation.
  if (kind === 'start' || kind === 'prompt') queueMessagesFor(call, s, e.agent, chatId);

  if (kind === 'stop' && s.status === 'active')
    s = pauseSessionRow(call, s, waitingReason('for a person', e.at), e.at, 'pause');
  else if (askingPermission && s.status === 'active')
    s = pauseSessionRow(call, s, waitingReason('for permission', e.at), e.at, 'pause');
  else if (kind === 'end') {
    // An exit, whatever the agent's reason (logout, /clear, /resume elsewhere, the end of a
    // `-p` run): the conversation may be resumed, so it is paused, not ended, and lets its
    // task go for others meanwhile.
    const why = exitedReason(e.agent, str(e.payload.reason), e.at);
    s = s.status === 'active' ? pauseSessionRow(call, s, why, e.at, 'pause') : relabelPause(call, s, why);
    releaseClaimsOf(call, s, 'exited');
    giveBack(call, s);
    releaseReservationsOf(call, s, 'exited');
  }
  return { outcome: 'ingested', session: s, kind, place };
}

/** A paused conversation's pause gets a new reason; its time stays as it was. */
function relabelPause(call: Call, s: SessionRow, reason: string): SessionRow {
  call.app.sql.run('UPDATE sessions SET pause_reason = ? WHERE id = ?', reason, s.id);
  return Object.assign(s, { pause_reason: reason });
}

/** The answer of a SessionStart hook: the context, in the form the agent injects. */
export function sessionStartAnswer(call: Call, agent: string, event: string, s: SessionRow, place: RepoPlace | null) {
  const text = boundedText(contextLines(call, s, place));
  return { text, output: hookOutput(event, text) };
}
