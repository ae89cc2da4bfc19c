// An agent's conversation is a fragd session (DESIGN.md §8): its hooks' events, from the
// spool or from `agent.hook`, become the session's life. Time counts from a prompt to its
// stop; between a stop and the next prompt the session is paused, waiting for a person;
// a resume or a compaction continues the same session; SessionEnd ends it; an agent that
// dies is paused by the tick at its last sign of life (agent_idle_timeout_seconds).
import { ErrorCode, FragError } from '../../../shared/errors.js';
import { iso } from '../../clock.js';
import type { Call } from '../app.js';
import { AGENT_EVENTS, findByEventId, recordActivity } from '../activities.js';
import type { SessionRow, TaskRow } from '../rows.js';
import { parseStack } from '../rows.js';
import { activateTask, pushContext } from '../context/context.js';
import { endSession, pauseSessionRow, resumeSessionRow, startSession } from '../sessions/sessions.js';
import { getSession, reloadSession } from '../sessions/lookup.js';
import { workFrame } from '../sessions/stack.js';
import { dialectOf, eventKind, type AgentEventKind } from './events.js';
import { placeOf, type RepoPlace } from './repo.js';
import { readTranscript } from './tokens.js';
import { boundedText, contextLines, hookOutput, queuePromptContext } from './context-answer.js';
import { checkBudgets } from '../costs/budgets.js';

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

/** A pause for a person: the agent stopped (or asks permission) and waits for them. */
export const WAITING = 'waiting:';
export const waitingReason = (why: string, since: number): string => `${WAITING} ${why} since ${iso(since)}`;

/** Pauses that fragd made itself, which the agent's next sign of work undoes. */
export const isAutomaticPause = (reason: string | null): boolean =>
  reason !== null && (reason.startsWith('idle:') || reason.startsWith(WAITING) || reason.startsWith('disconnected:'));

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v : null);
const clip = (v: string, n = 200): string => (v.length > n ? `${v.slice(0, n - 1)}…` : v);

/** The agent's actor: configured (agents.actors), else its own name. */
export const actorOf = (call: Call, agent: string): string => call.app.config.agents.actors[agent] ?? agent;

/** The open fragd session of one conversation (actor family and chat session id). */
function conversationSession(call: Call, actor: string, chatId: string): SessionRow | undefined {
  return call.app.sql.get<SessionRow>(
    `SELECT * FROM sessions WHERE chat_session_id = ?1 AND (actor = ?2 OR actor GLOB ?2 || '-[0-9]*')
        AND status IN ('active','paused') ORDER BY id DESC LIMIT 1`,
    chatId,
    actor,
  );
}

/** A conversation waiting this long for its person is taken for abandoned (Codex has no session-end hook). */
export const STALE_AFTER_MS = 12 * 3_600_000;

/** A conversation that cannot be running any more: it died (idle-paused), or has waited for half a day. */
function gone(call: Call, s: SessionRow): boolean {
  if (s.status !== 'paused') return false;
  if (s.pause_reason?.startsWith('idle:')) return true;
  return isAutomaticPause(s.pause_reason) && call.now - s.last_activity_at >= STALE_AFTER_MS;
}

/**
 * The actor a new conversation gets: the agent's name, or name-2, name-3… when another
 * conversation of that agent is still open (two terminals), since one actor's intervals
 * never overlap. A conversation that is gone (see `gone`) gives its name up: it is ended.
 */
function freeActor(call: Call, actor: string): string {
  const { sql } = call.app;
  for (let n = 1; ; n++) {
    const name = n === 1 ? actor : `${actor}-${n}`;
    const open = sql.all<SessionRow>("SELECT * FROM sessions WHERE actor = ? AND status IN ('active','paused')", name);
    const alive = open.filter((s) => !gone(call, s));
    if (alive.length) continue;
    for (const dead of open) {
      recordActivity(call, dead, {
        kind: 'agent.gone',
        message: `${name} started a new conversation; this one had gone silent (${dead.pause_reason})`,
      });
      endSession(call, { session: dead.key });
    }
    return name;
  }
}

function newSession(call: Call, e: AgentEvent, actor: string, chatId: string, waiting: boolean): SessionRow {
  const started = startSession(call, {
    actor: freeActor(call, actor),
    chat_session_id: chatId,
    source: 'hook',
    metadata: { agent: e.agent, cwd: str(e.payload.cwd), transcript_path: str(e.payload.transcript_path) },
  });
  const s = getSession(call, started.session.key);
  // Opened by a SessionStart, the agent waits for its first prompt: none of it is work.
  return waiting ? pauseSessionRow(call, s, waitingReason('for the first prompt', e.at), e.at, 'pause') : s;
}

const refusedActivation = (err: unknown): err is FragError =>
  err instanceof FragError &&
  (err.code === ErrorCode.TaskClaimed ||
    err.code === ErrorCode.TaskBlocked ||
    (err.code === ErrorCode.StorageUnavailable && (err.data as { store?: string } | undefined)?.store === 'team'));

/** Puts the task (or project) the repository and branch choose on the stack, when it differs. */
function applyPlace(call: Call, s: SessionRow, place: RepoPlace): SessionRow {
  const { sql } = call.app;
  const stack = parseStack(s);
  if (place.task) {
    const task = sql.get<TaskRow>('SELECT * FROM tasks WHERE code = ?', place.task);
    if (task && task.status !== 'completed' && task.status !== 'cancelled') {
      if (workFrame(stack)?.id !== task.id) {
        try {
          // In a savepoint of its own: a refusal caught here leaves nothing of the attempt.
          call.app.sql.db.transaction(() => activateTask(call, { session: s.key, code: task.code, source: 'hook' }))();
        } catch (err) {
          // The branch names a task another actor holds, a blocked one, or (team sync) one the
          // team store did not grant: the agent's event is still recorded, its stack stays as
          // it was, and the refusal is in its log.
          if (!refusedActivation(err)) throw err;
          recordActivity(call, s, { kind: 'claim.refused', message: err.message, data: { ...err.data } });
        }
      }
      return reloadSession(call, s);
    }
  }
  if (place.project && !stack.length && sql.value('SELECT 1 FROM projects WHERE code = ?', place.project))
    pushContext(call, { session: s.key, type: 'project', code: place.project, source: 'hook' });
  return reloadSession(call, s);
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
      return { message: `session ended${data.reason ? ` (${data.reason as string})` : ''}`, data };
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

/** Applies one hook event inside the caller's transaction. */
export function applyAgentEvent(outer: Call, e: AgentEvent): AgentOutcome {
  const kind = eventKind(e.agent, e.event);
  if (!kind) return { outcome: 'skipped', session: null, reason: `${e.agent} event ${e.event} means nothing to fragd` };
  if (e.eventId && findByEventId(outer, AGENT_EVENTS, e.eventId))
    return { outcome: 'duplicate', session: null, reason: 'replay' };
  const chatId = str(e.payload.session_id);
  if (!chatId) return { outcome: 'skipped', session: null, reason: 'the payload has no session_id' };
  // The event happened at its own time (a record spooled while fragd was down replays then).
  const call: Call = { ...outer, now: e.at, source: 'hook' };
  const actor = actorOf(call, e.agent);
  const dialect = dialectOf(e.agent) ?? e.agent;
  let s = conversationSession(call, actor, chatId);
  if (!s && (kind === 'end' || kind === 'stop' || kind === 'notification'))
    return { outcome: 'skipped', session: null, reason: `no open session for ${e.agent} conversation ${chatId}` };
  const place = kind === 'start' || kind === 'prompt' || !s ? placeOf(str(e.payload.cwd), call.app.config) : null;
  if (!s) s = newSession(call, e, actor, chatId, kind === 'start');
  else if (
    kind === 'start' &&
    (str(e.payload.source) ?? str(e.payload.trigger)) !== 'compact' &&
    s.status === 'active'
  ) {
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
  if (SIGN_OF_WORK.has(kind) && s.status === 'paused' && isAutomaticPause(s.pause_reason))
    s = resumeSessionRow(call, s, kind === 'prompt' ? 'prompt' : `${e.event} after a pause`).session;
  const askingPermission =
    kind === 'permission' || (kind === 'notification' && str(e.payload.notification_type) === 'permission_prompt');
  if (place) {
    if (place.problem) recordActivity(call, s, { kind: 'agent.mapping', message: place.problem });
    s = applyPlace(call, s, place);
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
  s = reloadSession(call, s);

  // Tokens: what the transcripts gained since the last read (every event may carry new
  // messages), each stored on the task its message's time fell in.
  readTranscript(call, s, dialect, e.payload.transcript_path);
  if (kind === 'subagent_stop') readTranscript(call, s, dialect, e.payload.agent_transcript_path);
  // Budgets: a crossing of 80% or 100% is recorded and told to the agent at its next prompt.
  queuePromptContext(
    call,
    e.agent,
    chatId,
    checkBudgets(call, s, s.active_task_id).map((c) => c.line),
  );

  if (kind === 'stop' && s.status === 'active')
    s = pauseSessionRow(call, s, waitingReason('for a person', e.at), e.at, 'pause');
  else if (askingPermission && s.status === 'active')
    s = pauseSessionRow(call, s, waitingReason('for permission', e.at), e.at, 'pause');
  else if (kind === 'end') {
    endSession(call, { session: s.key });
    s = reloadSession(call, s);
  }
  return { outcome: 'ingested', session: s, kind, place };
}

/** The answer of a SessionStart hook: the context, in the form the agent injects. */
export function sessionStartAnswer(call: Call, agent: string, event: string, s: SessionRow, place: RepoPlace | null) {
  const text = boundedText(contextLines(call, s, place));
  return { text, output: hookOutput(agent, event, text) };
}
