// Method → operation for file reservations (shared/protocol/reservations.ts). Which
// repository a call is about is decided here: the one given, else the repository of the
// session's working directory (an agent's cwd, from its hooks).
import { ErrorCode, FragError, invalidState } from '../../shared/errors.js';
import { fragctl } from '../../shared/command.js';
import type { reservationMethods } from '../../shared/protocol/reservations.js';
import type { Call } from '../app/app.js';
import type { SessionRow } from '../app/rows.js';
import { parseStack } from '../app/rows.js';
import { instructionsFor } from '../app/answers.js';
import { getSession, resolveOpenSession } from '../app/sessions/lookup.js';
import { findTask } from '../app/work/lookup.js';
import { findRepo } from '../app/agents/repo.js';
import { badCursor } from '../app/paging.js';
import {
  DEFAULT_TTL_MINUTES,
  covers,
  normalizePattern,
  openReservations,
  release,
  remoteReservations,
  releaseReservationsOf,
  reservationView,
  reserve,
  type Held,
} from '../app/reservations/reservations.js';
import type { HandlersFor } from './handler-types.js';

const trimRoot = (r: string): string => (r.length > 1 ? r.replace(/\/+$/, '') : r);

/** The repository of the call: the one given, else the session's (its cwd's repository). */
export function repoOf(s: SessionRow, given: string | undefined): string {
  if (given) {
    if (/[\t\n\r]/.test(given))
      throw new FragError(ErrorCode.ValidationFailed, 'repo: a tab or newline is not allowed');
    return trimRoot(given);
  }
  const meta = JSON.parse(s.metadata) as { cwd?: unknown; repo?: unknown };
  if (typeof meta.repo === 'string') return trimRoot(meta.repo);
  const found = typeof meta.cwd === 'string' ? findRepo(meta.cwd) : null;
  if (found && 'root' in found) return found.root;
  throw invalidState(`${s.key} has no repository fragd knows: say which with repo (the absolute path of its root)`, {
    session: s.key,
    hint: `run ${fragctl('reserve', 'PATH')} inside the repository (it passes the root), or pass repo`,
  });
}

/** The top-level task on the session's stack (a subtask's reservations are its task's). */
const stackTask = (s: SessionRow): number | null => parseStack(s).find((f) => f.type === 'task')?.id ?? null;

function taskOf(call: Call, s: SessionRow, code: string | undefined): number | null {
  if (!code) return stackTask(s);
  const t = findTask(call, code);
  const top = t.parent_id ?? t.id;
  if (!parseStack(s).some((f) => f.type === 'task' && f.id === top))
    throw invalidState(`${t.code} is not on ${s.key}'s stack: a reservation for it would end at once`, {
      task: t.code,
      hint: `activate it first with: ${fragctl('task', 'activate', t.code)}, or reserve without --task`,
    });
  return top;
}

export const reservationHandlers: HandlersFor<keyof typeof reservationMethods> = {
  'reservation.create': (call, p) => {
    const s = resolveOpenSession(call, p);
    const repo = repoOf(s, p.repo);
    const exclusive = p.exclusive ?? true;
    const out = reserve(call, s, {
      repo,
      paths: p.paths,
      exclusive,
      ttlSeconds: (p.ttl_minutes ?? DEFAULT_TTL_MINUTES) * 60,
      taskId: taskOf(call, s, p.task),
      force: p.force,
      how: 'reserve',
    });
    const base = instructionsFor(call, 'progress', s);
    const views = out.reservations.map(reservationView);
    return {
      reservations: views,
      conflicts: out.taken_from,
      session: s.key,
      instructions: {
        ...base,
        next_actions: [
          `Reserved ${views.map((v) => v.path).join(', ')} in ${repo} (${exclusive ? 'exclusive' : 'shared'}); it lasts while ${s.key} is active and ends with ${
            views[0]?.task ? `${views[0].task} (done, deactivate)` : 'the session'
          }, or at release.`,
          ...(out.taken_from.length
            ? [
                `Taken over from ${[...new Set(out.taken_from.map((c) => c.holder.actor))].join(', ')} (recorded on both sessions).`,
              ]
            : []),
          ...base.next_actions,
        ],
        // The paths are the root's: -C ROOT makes the command right from any directory.
        suggested_commands: [
          ...(views.length ? [fragctl('-C', repo, 'release', ...views.map((v) => v.path))] : []),
          ...base.suggested_commands,
        ],
      },
    };
  },
  'reservation.release': (call, p) => {
    const s = resolveOpenSession(call, p);
    if (!p.paths && !p.all && !p.task)
      throw new FragError(ErrorCode.ValidationFailed, 'say what to release: paths, a task, or all', {
        hint: `${fragctl('release', 'PATH')} or ${fragctl('release', '--all')}`,
      });
    const repo = p.paths ? repoOf(s, p.repo) : p.repo;
    const taskId = p.task ? findTask(call, p.task).id : null;
    const released = release(call, s, { paths: p.paths, all: p.all, taskId, repo });
    const base = instructionsFor(call, 'progress', s);
    return {
      released: released.map(reservationView),
      session: s.key,
      instructions: {
        ...base,
        next_actions: [
          released.length
            ? `Released ${released.map((h) => h.r.pattern).join(', ')}.`
            : `${s.key} held none of those reservations (see yours with: ${fragctl('reservations')}).`,
          ...base.next_actions,
        ],
      },
    };
  },
  'reservation.list': (call, p) => {
    const limit = p.limit ?? 100;
    let after = Number.MAX_SAFE_INTEGER;
    if (p.cursor !== undefined) {
      if (!/^\d+$/.test(p.cursor)) throw badCursor('reservation.list', p.cursor);
      after = Number(p.cursor);
    }
    const path = p.path ? normalizePattern(p.path, p.repo) : null;
    const repo = p.repo ? trimRoot(p.repo) : undefined;
    // With team sync, the other machines' live ones too (machine set).
    let rows: Held[] = [...openReservations(call, repo), ...remoteReservations(call, repo)].filter((h) => !h.ended);
    if (p.ended) {
      const { sql } = call.app;
      const ended = sql
        .all<{ id: number }>(
          `SELECT id FROM reservations WHERE released_at IS NOT NULL AND (?1 IS NULL OR repo = ?1) ORDER BY id DESC LIMIT 1000`,
          repo ?? null,
        )
        .map((r) => r.id);
      rows = [...rows, ...endedHeld(call, ended)];
    }
    const picked = rows
      .filter(
        (h) => (!p.actor || h.r.actor === p.actor) && (!path || covers(h.r.pattern, path) || covers(path, h.r.pattern)),
      )
      .filter((h) => h.r.id < after)
      .sort((a, b) => b.r.id - a.r.id);
    const page = picked.slice(0, limit);
    return {
      reservations: page.map(reservationView),
      next_cursor: picked.length > limit ? String(page[page.length - 1].r.id) : null,
    };
  },
};

/** Ended reservations, read as they were marked. */
function endedHeld(call: Call, ids: number[]): Held[] {
  const { sql } = call.app;
  return ids.map((id) => {
    const r = sql.get<Held['r']>('SELECT * FROM reservations WHERE id = ?', id)!;
    const s = sql.get<SessionRow>('SELECT * FROM sessions WHERE id = ?', r.session_id)!;
    const task =
      r.task_id == null ? null : (sql.value<string>('SELECT code FROM tasks WHERE id = ?', r.task_id) ?? null);
    return {
      r,
      s,
      task,
      ended: r.release_reason ?? 'released',
      stale: false,
      expires_at: r.released_at ?? r.created_at,
    };
  });
}

/** session.status with the session's reservations that hold now. */
export function withReservations<R extends { session: { key: string } }>(
  call: Call,
  r: R,
): R & { reservations: ReturnType<typeof reservationView>[] } {
  const mine = openReservations(call).filter((h) => !h.ended && h.s.key === r.session.key);
  return { ...r, reservations: mine.map(reservationView) };
}

/** session.end / session.abandon: the session's reservations end with it (recorded on the rows). */
export function releasingReservations<R extends { session: { key: string } }>(call: Call, r: R, reason: string): R {
  releaseReservationsOf(call, getSession(call, r.session.key), reason);
  return r;
}
