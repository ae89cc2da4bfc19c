// Session lifecycle: start, pause, resume, switch, end, abandon, and which session a
// call is about.
import { userInfo } from 'node:os';
import { ErrorCode, FragError, invalidState } from '../../../shared/errors.js';
import type { ParsedParamsOf, SessionResult } from '../../../shared/protocol/methods.js';
import type { SessionType, Source } from '../../../shared/protocol/views.js';
import type { SessionChange } from '../../../shared/protocol/events.js';
import { iso } from '../../clock.js';
import type { Call } from '../app.js';
import { filterSql, hasFilters, HUMAN_ACTOR, resolveFilters } from '../filters.js';
import { recordActivity, recentActivities } from '../activities.js';
import { collectPage, idCursor, pageBudget } from '../paging.js';
import { closeInterval, openInterval, type EndReason } from '../time/intervals.js';
import type { SessionRow } from '../rows.js';
import { sessionView } from './session-view.js';
import { activeSessionOf, DEFAULT_ACTOR, getSession, resolveOpenSession, resolveSession } from './lookup.js';
import { instructionsFor } from '../answers.js';
import { activeTaskElapsed } from '../time/reports.js';
import { ago, lastStep, resumeSuggestions, sessionReport } from './session-report.js';
import type { PausedSessionOffer } from '../../../shared/protocol/completion.js';
import { parseStack } from '../rows.js';
import { workFrame } from './stack.js';
import { fragctl } from '../../../shared/command.js';

export function nextKey(call: Call): string {
  const { sql } = call.app;
  const n = Number(sql.value<string>("SELECT value FROM meta WHERE key = 'session_seq'")) + 1;
  sql.run("UPDATE meta SET value = ? WHERE key = 'session_seq'", String(n));
  return `SESSION-${String(n).padStart(3, '0')}`;
}

export function emitSessionChanged(
  call: Call,
  s: SessionRow,
  change: SessionChange,
  extra: { reason?: string | null } = {},
): void {
  call.events.push({
    type: 'session.changed',
    session: s.key,
    at: iso(call.now),
    data: { change, status: s.status, ...extra },
  });
}

function result(call: Call, s: SessionRow, template: Parameters<typeof instructionsFor>[1]): SessionResult {
  return { session: sessionView(call.app.sql, s, call.now), instructions: instructionsFor(call, template, s) };
}

export function startSession(call: Call, p: ParsedParamsOf<'session.start'>) {
  const actor = p.actor ?? DEFAULT_ACTOR;
  refuseSecondActive(call, actor);
  const paused = pausedOffer(call, actor);
  if (paused && p.if_paused === 'offer') {
    // Offered back, not started: one decision for the person (resume, or start --new).
    const row = getSession(call, paused.key);
    const base = instructionsFor(call, 'session_resumed', row);
    return {
      session: sessionView(call.app.sql, row, call.now),
      instructions: {
        ...base,
        next_actions: [
          `${paused.line} is still paused: resume it to carry on where it stopped, or start another beside it.`,
          ...base.next_actions,
        ],
        suggested_commands: [paused.resume_command, fragctl('session', 'start', '--new')],
      },
      suggestions: resumeSuggestions(call),
      started: false,
      paused_session: paused,
    };
  }
  const s = openSession(call, p);
  const answer = result(call, s, 'session_started');
  if (paused) {
    // Started beside a paused one: say so, so it is not forgotten.
    answer.instructions.next_actions.push(
      `${paused.line} is still paused; end it when it is done with: ${fragctl('session', 'end', '--session', paused.key)}`,
    );
  }
  return { ...answer, suggestions: resumeSuggestions(call), started: true, paused_session: paused };
}

/** At most one active session per actor: a second start is refused with the ways out. */
function refuseSecondActive(call: Call, actor: string): void {
  const existing = activeSessionOf(call, actor);
  if (existing) {
    throw new FragError(
      ErrorCode.Conflict,
      `${actor} already has an active session, ${existing.key}, started ${iso(existing.started_at)}`,
      {
        actor,
        active_session: existing.key,
        hint: `keep working in it: ${fragctl('session', 'resume', existing.key)} — or switch to a new session: pause it (${fragctl('session', 'pause', '--session', existing.key)}) or end it (${fragctl('session', 'end', '--session', existing.key)}), then start again`,
        options: [
          fragctl('session', 'resume', existing.key),
          fragctl('session', 'end', '--session', existing.key),
          fragctl('session', 'pause', '--session', existing.key),
        ],
      },
    );
  }
}

/** Starts a session and returns its row, for callers that build their own answer (agents). */
export function openSession(call: Call, p: ParsedParamsOf<'session.start'>): SessionRow {
  const { sql } = call.app;
  const actor = p.actor ?? DEFAULT_ACTOR;
  refuseSecondActive(call, actor);
  const key = nextKey(call);
  const source: Source = p.source ?? call.source;
  const type: SessionType = p.type ?? 'work';
  sql.run(
    `INSERT INTO sessions (key, actor, os_user, chat_session_id, source, type, status, metadata, started_at, last_activity_at)
     VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)`,
    key,
    actor,
    p.os_user ?? userInfo().username,
    p.chat_session_id ?? null,
    source,
    type,
    // A per-session idle timeout lives in the metadata, where the tick reads it.
    JSON.stringify({
      ...(p.metadata ?? {}),
      ...(p.idle_timeout_seconds ? { idle_timeout_seconds: p.idle_timeout_seconds } : {}),
    }),
    call.now,
    call.now,
  );
  const s = getSession(call, key);
  openInterval(sql, s, call.now);
  recordActivity(call, s, {
    kind: 'session.start',
    message: `${type} session started by ${actor}`,
    data: { type, source },
  });
  emitSessionChanged(call, s, 'started');
  return s;
}

/** The actor's most recently paused session, as an offer to resume it. */
export function pausedOffer(call: Call, actor: string): PausedSessionOffer | null {
  const row = call.app.sql.get<SessionRow>(
    "SELECT * FROM sessions WHERE actor = ? AND status = 'paused' ORDER BY paused_at DESC, id DESC LIMIT 1",
    actor,
  );
  if (!row) return null;
  const task = workFrame(parseStack(row))?.code ?? null;
  const pausedAt = row.paused_at ?? row.last_activity_at;
  const since = ago(call.now - pausedAt);
  const detail = [`paused ${since}`, task ? `on ${task}` : null].filter(Boolean).join(', ');
  return {
    key: row.key,
    paused_at: iso(pausedAt),
    paused_ago: since,
    reason: row.pause_reason,
    task,
    line: `${row.key} (${detail}${row.pause_reason ? `: ${row.pause_reason}` : ''})`,
    resume_command: fragctl('session', 'resume', row.key),
  };
}

/** Closes time and marks a session paused; shared by a manual pause, idle and switch. */
export function pauseSessionRow(
  call: Call,
  s: SessionRow,
  reason: string,
  at: number,
  endReason: EndReason,
): SessionRow {
  closeInterval(call.app.sql, s.id, at, endReason);
  call.app.sql.run(
    "UPDATE sessions SET status = 'paused', paused_at = ?, pause_reason = ? WHERE id = ?",
    at,
    reason,
    s.id,
  );
  const paused = Object.assign(s, { status: 'paused' as const, paused_at: at, pause_reason: reason });
  recordActivity(call, paused, {
    kind: 'session.pause',
    message: reason,
    data: { reason, cause: endReason },
    at: Math.max(at, call.now),
  });
  emitSessionChanged(call, paused, 'paused', { reason });
  return paused;
}

export function pauseSession(call: Call, p: ParsedParamsOf<'session.pause'>): SessionResult {
  const s = resolveOpenSession(call, p);
  if (s.status === 'paused') {
    throw invalidState(`${s.key} is already paused (${s.pause_reason ?? 'no reason given'})`, {
      session: s.key,
      hint: `resume it with: ${fragctl('session', 'resume', s.key)}`,
    });
  }
  return result(call, pauseSessionRow(call, s, p.reason ?? 'paused', call.now, 'pause'), 'session_paused');
}

/** The reason of an idle pause (the tick and recovery write it; activity undoes it). */
export const idleReason = (lastActivityAt: number): string => `idle: no activity since ${iso(lastActivityAt)}`;

/** Activity may resume a session paused for idleness or a hang-up (config permitting); a pause someone asked for stays. */
export const resumableByActivity = (call: Call, s: SessionRow): boolean =>
  s.status === 'paused' &&
  call.app.config.auto_resume_on_activity &&
  // idle: the tick's; disconnected: an MCP client that hung up (agents/mcp.ts).
  ((s.pause_reason?.startsWith('idle:') ?? false) || (s.pause_reason?.startsWith('disconnected:') ?? false));

/** Reactivates a paused session; the interruption is measured and logged. */
export function resumeSessionRow(
  call: Call,
  s: SessionRow,
  cause: string,
): { session: SessionRow; interrupted: number } {
  const other = activeSessionOf(call, s.actor);
  if (other && other.id !== s.id) {
    throw new FragError(
      ErrorCode.Conflict,
      `${s.actor} already has an active session, ${other.key}; pause or end it before resuming ${s.key}`,
      {
        active_session: other.key,
        hint: `switch with: ${fragctl('session', 'switch', s.key)}`,
      },
    );
  }
  const interrupted = Math.max(0, Math.round((call.now - (s.paused_at ?? call.now)) / 1000));
  const pausedReason = s.pause_reason;
  call.app.sql.run("UPDATE sessions SET status = 'active', paused_at = NULL, pause_reason = NULL WHERE id = ?", s.id);
  const active = Object.assign(s, { status: 'active' as const, paused_at: null, pause_reason: null });
  openInterval(call.app.sql, active, call.now);
  recordActivity(call, active, {
    kind: 'session.resume',
    message: `resumed after ${interrupted}s (${cause})`,
    data: { interrupted_seconds: interrupted, paused_reason: pausedReason, cause },
  });
  call.events.push({
    type: 'session.resumed',
    session: s.key,
    at: iso(call.now),
    data: { interrupted_seconds: interrupted, cause },
  });
  emitSessionChanged(call, active, 'resumed');
  return { session: active, interrupted };
}

export function resumeSession(call: Call, p: ParsedParamsOf<'session.resume'>) {
  const s = resolveOpenSession(call, p);
  const lastStepBefore = lastStep(call, s);
  let interrupted = 0;
  let current = s;
  if (s.status === 'paused') {
    ({ session: current, interrupted } = resumeSessionRow(call, s, 'resume'));
  } else {
    recordActivity(call, s, { kind: 'session.attach', message: 'attached to the running session' });
  }
  // Read before this call's own resume/attach row, so it is the step the session left off at.
  const last = lastStepBefore;
  return {
    session: sessionView(call.app.sql, current, call.now),
    instructions: instructionsFor(call, 'recovery', current, undefined, { last_step: last?.line ?? null }),
    interrupted_seconds: interrupted,
    recent: recentActivities(call, s, 5),
    last_step: last,
  };
}

export function switchSession(call: Call, p: ParsedParamsOf<'session.switch'>) {
  const target = getSession(call, p.session);
  if (target.status === 'completed' || target.status === 'abandoned') {
    throw invalidState(`${target.key} is ${target.status} and cannot be switched to`, {
      session: target.key,
      hint: `start a new session with: ${fragctl('session', 'start')}`,
    });
  }
  // An actor acts on its own sessions (DESIGN.md §9): switching to another actor's would
  // pause that actor's running session and resume one of theirs on the caller's say-so.
  // Acting as that actor is possible, but said: --actor names it, and the row records it.
  const caller = p.actor ?? DEFAULT_ACTOR;
  if (target.actor !== caller)
    throw invalidState(`${target.key} belongs to ${target.actor}, not to ${caller}; nothing was switched`, {
      session: target.key,
      hint: `to act as ${target.actor}, say so: ${fragctl('session', 'switch', target.key, '--actor', target.actor)}; to work as ${caller}, start your own: ${fragctl('session', 'start', '--actor', caller)}`,
    });
  const actor = target.actor;
  const current = activeSessionOf(call, actor);
  let paused: string | null = null;
  if (current && current.id !== target.id) {
    pauseSessionRow(call, current, `switched to ${target.key}`, call.now, 'pause');
    paused = current.key;
  }
  const now =
    target.status === 'paused' ? resumeSessionRow(call, target, `switch from ${paused ?? 'none'}`).session : target;
  return { ...result(call, now, 'session_resumed'), paused };
}

/** Ends a session the caller has already loaded (agents' SessionEnd). */
export const endSessionRow = (call: Call, s: SessionRow): SessionRow => finish(call, s, 'completed', null);

function finish(call: Call, s: SessionRow, status: 'completed' | 'abandoned', summary: string | null): SessionRow {
  if (s.status === 'active') closeInterval(call.app.sql, s.id, call.now, status === 'completed' ? 'end' : 'abandon');
  call.app.sql.run(
    'UPDATE sessions SET status = ?, ended_at = ?, paused_at = NULL, summary = coalesce(?, summary) WHERE id = ?',
    status,
    call.now,
    summary,
    s.id,
  );
  const done = Object.assign(s, { status, ended_at: call.now, paused_at: null, summary: summary ?? s.summary });
  recordActivity(call, done, { kind: status === 'completed' ? 'session.end' : 'session.abandon', message: summary });
  emitSessionChanged(call, done, status);
  return done;
}

export function endSession(call: Call, p: ParsedParamsOf<'session.end'>) {
  const s = resolveOpenSession(call, p);
  const done = finish(call, s, 'completed', p.summary ?? null);
  return { ...result(call, done, 'session_ended'), report: sessionReport(call, done) };
}

export function abandonSession(call: Call, p: ParsedParamsOf<'session.abandon'>): SessionResult {
  const s = resolveOpenSession(call, p);
  return result(call, finish(call, s, 'abandoned', p.reason ?? null), 'session_ended');
}

export function sessionStatus(call: Call, p: ParsedParamsOf<'session.status'>) {
  const s = resolveSession(call, p);
  const view = sessionView(call.app.sql, s, call.now);
  const work = view.active.subtask ?? view.active.task;
  return {
    session: view,
    recent: recentActivities(call, s, 5),
    active_task: activeTaskElapsed(call, s.id, s.active_task_id, work),
  };
}

export function listSessions(call: Call, p: ParsedParamsOf<'session.list'>) {
  const { sql } = call.app;
  const f = resolveFilters(call, p);
  // A session is of a project, sprint or label when it tracked time on one; the kind is its actor's.
  const onWork = { ...f, actor: null, kind: null };
  const where =
    (hasFilters(onWork) ? ` AND id IN (SELECT session_id FROM intervals WHERE 1${filterSql(onWork)})` : '') +
    (f.kind ? ` AND actor ${f.kind === 'human' ? '=' : '<>'} '${HUMAN_ACTOR}'` : '');
  const page = collectPage({
    fetch: (after: number | undefined, n) =>
      sql.all<SessionRow>(
        `SELECT * FROM sessions WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR actor = ?2) AND id < ?3${where}
          ORDER BY id DESC LIMIT ?4`,
        p?.status ?? null,
        p?.actor ?? null,
        after ?? Number.MAX_SAFE_INTEGER,
        n,
      ),
    key: (r) => r.id,
    view: (r) => sessionView(sql, r, call.now),
    after: idCursor('session.list', p?.cursor),
    limit: p?.limit ?? 50,
    budget: pageBudget(),
  });
  return { sessions: page.items, next_cursor: page.next === null ? null : String(page.next) };
}
