// Which session a call is about: by key, or the actor's current one.
import { ErrorCode, FragError, notFound, invalidState } from '../../../shared/errors.js';
import { fragctl } from '../../../shared/command.js';
import type { Call } from '../app.js';
import type { SessionRow } from '../rows.js';

export const DEFAULT_ACTOR = 'human';

export interface Target {
  session?: string;
  actor?: string;
}

export function getSession(call: Call, key: string): SessionRow {
  const s = call.app.sql.get<SessionRow>('SELECT * FROM sessions WHERE key = ?', key);
  if (!s) throw notFound('session', key, `list sessions with: ${fragctl('session', 'list')}`);
  return s;
}

export const reloadSession = (call: Call, s: SessionRow): SessionRow => getSession(call, s.key);

/** The actor's current session: the active one, else the most recently paused one. */
export function currentSessionOf(call: Call, actor: string): SessionRow | undefined {
  return call.app.sql.get<SessionRow>(
    `SELECT * FROM sessions WHERE actor = ? AND status IN ('active','paused')
      ORDER BY status = 'active' DESC, coalesce(paused_at, started_at) DESC, id DESC LIMIT 1`,
    actor,
  );
}

export function resolveSession(call: Call, target: Target): SessionRow {
  if (target.session) return getSession(call, target.session);
  const actor = target.actor ?? DEFAULT_ACTOR;
  const s = currentSessionOf(call, actor);
  if (!s) {
    throw new FragError(ErrorCode.NoActiveSession, `${actor} has no active or paused session`, {
      actor,
      hint: `start one with: ${fragctl('session', 'start', actor !== DEFAULT_ACTOR && ['--actor', actor])}`,
    });
  }
  return s;
}

/** A session that can still change (active or paused). */
export function resolveOpenSession(call: Call, target: Target): SessionRow {
  const s = resolveSession(call, target);
  if (s.status === 'completed' || s.status === 'abandoned') {
    throw invalidState(`${s.key} is ${s.status}; it can no longer change`, {
      session: s.key,
      status: s.status,
      hint: `start a new session with: ${fragctl('session', 'start')}`,
    });
  }
  return s;
}

export function activeSessionOf(call: Call, actor: string): SessionRow | undefined {
  return call.app.sql.get<SessionRow>("SELECT * FROM sessions WHERE actor = ? AND status = 'active'", actor);
}
