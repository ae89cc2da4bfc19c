// File reservations (issue 25; docs/claims.md#file-reservations): an actor's session holds
// paths or globs of one repository, exclusive (nobody else may reserve or edit them) or
// shared (others may share, nobody may take them exclusively). Like a claim, a reservation
// is live only while its session is: it ends when the session ends or its agent exits, when
// the task it was made for leaves the session's stack or completes, when its time to live
// runs out (renewed by every sign of life of the session), and it stops counting while its
// holder is stale (silent longer than a claim may be). Each of those is read from the rows
// at the moment of asking, so no path that ends a session or a task has to remember it;
// a row is marked released when a write notices (or an explicit release, done, exit).
import { ErrorCode, FragError } from '../../../shared/errors.js';
import { fragctl } from '../../../shared/command.js';
import { ACTOR_PATTERN } from '../../../shared/charset.js';
import type { ReservationConflict, ReservationView } from '../../../shared/protocol/reservations.js';
import { iso } from '../../clock.js';
import type { Sql } from '../../store/sql.js';
import type { Call } from '../app.js';
import { recordActivity, withoutSignOfLife } from '../activities.js';
import { parseStack, type SessionRow } from '../rows.js';
import { isExited } from '../sessions/agent-pauses.js';
import { isAgentSession } from '../sessions/tick.js';
import { template } from '../templates.js';
import { covers, normalizePattern, overlaps } from './globs.js';

export { covers, overlaps, normalizePattern } from './globs.js';

export const DEFAULT_TTL_MINUTES = 60;
export const MAX_PATHS = 50;

export interface ReservationRow {
  id: number;
  repo: string;
  pattern: string;
  exclusive: number;
  session_id: number;
  actor: string;
  task_id: number | null;
  ttl_seconds: number;
  created_at: number;
  how: string;
  released_at: number | null;
  release_reason: string | null;
}

/** A reservation with its session, and whether it counts now. */
export interface Held {
  r: ReservationRow;
  s: SessionRow;
  task: string | null;
  /** Why it no longer holds (null: it holds). */
  ended: string | null;
  /** Its holder has shown no sign of life for longer than a claim may (it does not block). */
  stale: boolean;
  expires_at: number;
  /** With team sync: another machine's reservation (mirrored by the last pull; no local row). */
  machine?: string;
}

/** How long a holder may stay silent (claims' rule, docs/claims.md): an agent's idle timeout, a person's claim_stale_seconds. */
export const staleAfterMs = (call: Call, s: SessionRow): number =>
  (isAgentSession(s) ? call.app.config.agent_idle_timeout_seconds : call.app.config.claim_stale_seconds) * 1000;

const onStack = (s: SessionRow, taskId: number) =>
  parseStack(s).some((f) => (f.type === 'task' || f.type === 'subtask') && f.id === taskId);

/** Reads one reservation's state at `now` (a read: nothing is written). */
function held(sql: Sql, call: Call, r: ReservationRow, sessions: Map<number, SessionRow>): Held {
  let s = sessions.get(r.session_id);
  if (!s) {
    s = sql.get<SessionRow>('SELECT * FROM sessions WHERE id = ?', r.session_id)!;
    sessions.set(s.id, s);
  }
  const task =
    r.task_id == null
      ? null
      : sql.get<{ code: string; status: string }>('SELECT code, status FROM tasks WHERE id = ?', r.task_id);
  const last = Math.max(r.created_at, s.last_activity_at);
  const expires_at = last + r.ttl_seconds * 1000;
  let ended: string | null = r.release_reason ?? (r.released_at != null ? 'released' : null);
  if (!ended) {
    if (s.status === 'completed' || s.status === 'abandoned') ended = `session ${s.status}`;
    else if (isExited(s)) ended = 'exited';
    else if (task && (task.status === 'completed' || task.status === 'cancelled')) ended = `task ${task.status}`;
    else if (r.task_id != null && !onStack(s, r.task_id)) ended = 'task left';
    else if (call.now >= expires_at) ended = 'expired';
  }
  const stale = !ended && call.now - s.last_activity_at > staleAfterMs(call, s);
  return { r, s, task: task?.code ?? null, ended, stale, expires_at };
}

/** The reservations not yet marked released (of one repository, when given), with their state now. */
export function openReservations(call: Call, repo?: string): Held[] {
  const { sql } = call.app;
  const rows = repo
    ? sql.all<ReservationRow>('SELECT * FROM reservations WHERE released_at IS NULL AND repo = ? ORDER BY id', repo)
    : sql.all<ReservationRow>('SELECT * FROM reservations WHERE released_at IS NULL ORDER BY id');
  const sessions = new Map<number, SessionRow>();
  return rows.map((r) => held(sql, call, r, sessions));
}

const SAFE_TEXT = { test: (v: string) => !/["\\]/.test(v) && ![...v].some((c) => c < ' ' || c === '\u007f') };

interface MirroredRow {
  machine: string;
  row_id: number;
  repo: string;
  pattern: string;
  exclusive: number;
  actor: string;
  session_key: string;
  task_id: number | null;
  task_code: string | null;
  ttl_seconds: number;
  created_at: number;
  how: string;
  session: string;
}

/**
 * The other machines' reservations that hold now, as the last pull mirrored them (team sync;
 * docs/team-sync.md): the same rules as here, read from their holder session's row (its
 * status, last sign of life, stack) and the task as this machine knows it. Those that lose
 * to one of this machine's own (see beats) do not count here: the pull ends the loser on
 * its own machine.
 */
export function remoteReservations(call: Call, repo?: string): Held[] {
  const { sql } = call.app;
  if (!call.app.syncer) return [];
  const rows = repo
    ? sql.all<MirroredRow>('SELECT * FROM sync_reservations WHERE repo = ? ORDER BY created_at', repo)
    : sql.all<MirroredRow>('SELECT * FROM sync_reservations ORDER BY created_at');
  // Another machine's text goes into the hooks' tab-separated file and into JSON answers:
  // a row with a tab, newline, quote, backslash or control character is not taken.
  const clean = (m: MirroredRow) =>
    [m.machine, m.repo, m.pattern, m.actor, m.session_key, m.task_code ?? ''].every((v) => SAFE_TEXT.test(v)) &&
    ACTOR_PATTERN.test(m.actor);
  return rows.filter(clean).map((m, i) => {
    const d = JSON.parse(m.session) as Partial<SessionRow>;
    const s = {
      ...d,
      id: -1 - i,
      key: m.session_key,
      actor: m.actor,
      status: d.status ?? 'active',
      last_activity_at: Number(d.last_activity_at ?? m.created_at),
      stack: typeof d.stack === 'string' ? d.stack : '[]',
      metadata: typeof d.metadata === 'string' ? d.metadata : '{}',
      pause_reason: d.pause_reason ?? null,
      chat_session_id: null,
    } as SessionRow;
    const r: ReservationRow = {
      id: -m.row_id,
      repo: m.repo,
      pattern: m.pattern,
      exclusive: m.exclusive,
      session_id: s.id,
      actor: m.actor,
      task_id: null,
      ttl_seconds: m.ttl_seconds,
      created_at: m.created_at,
      how: m.how,
      released_at: null,
      release_reason: null,
    };
    const task = m.task_code
      ? (sql.get<{ status: string }>('SELECT status FROM tasks WHERE code = ?', m.task_code) ?? null)
      : null;
    const expires_at = Math.max(m.created_at, s.last_activity_at) + m.ttl_seconds * 1000;
    let ended: string | null = null;
    if (s.status === 'completed' || s.status === 'abandoned') ended = `session ${s.status}`;
    else if (isExited(s)) ended = 'exited';
    else if (task && (task.status === 'completed' || task.status === 'cancelled')) ended = `task ${task.status}`;
    else if (m.task_id != null && d.stack !== undefined && !onStack(s, m.task_id)) ended = 'task left';
    else if (call.now >= expires_at) ended = 'expired';
    const stale = !ended && call.now - s.last_activity_at > staleAfterMs(call, s);
    return { r, s, task: m.task_code, ended, stale, expires_at, machine: m.machine };
  });
}

const conflicting = (a: Held, b: Held) =>
  (a.r.exclusive === 1 || b.r.exclusive === 1) && overlaps(a.r.pattern, b.r.pattern) && a.r.repo === b.r.repo;

/**
 * Which of two conflicting reservations of different machines holds (the same answer on
 * every machine): a take-over (--force) made after the other wins; otherwise the one made
 * first, and on a tie the machine whose name sorts last. Two machines can both hold one only
 * within a pull's delay of each other, or across a reservation made before sync was on.
 */
export function beats(a: Held, b: Held, here: string): boolean {
  const forced = (x: Held, y: Held) => x.r.how === 'force' && x.r.created_at > y.r.created_at;
  if (forced(a, b)) return true;
  if (forced(b, a)) return false;
  if (a.r.created_at !== b.r.created_at) return a.r.created_at < b.r.created_at;
  return (a.machine ?? here) > (b.machine ?? here);
}

const hereOf = (call: Call) => call.app.syncer?.target.machine ?? '';

/** The other machines' reservations enforced here: live, not stale, not beaten by one of this machine's. */
function remoteEnforced(call: Call, repo?: string): Held[] {
  const remote = remoteReservations(call, repo).filter((h) => !h.ended && !h.stale);
  if (!remote.length) return [];
  const local = openReservations(call, repo).filter((h) => !h.ended && !h.stale);
  const here = hereOf(call);
  return remote.filter((x) => !local.some((l) => conflicting(l, x) && beats(l, x, here)));
}

/** Those that hold now and are not stale: what is enforced (with team sync, the other machines' too). */
export const enforced = (call: Call, repo?: string): Held[] => [
  ...openReservations(call, repo).filter((h) => !h.ended && !h.stale),
  ...remoteEnforced(call, repo),
];

/**
 * After a pull (team sync): this machine's reservations that lose to another machine's
 * (a take-over made there, or one made there first while the two could not see each other)
 * end, recorded on their session with who has it now and where. Returns how many ended.
 */
export function settleRemoteReservations(call: Call): number {
  const remote = remoteReservations(call).filter((h) => !h.ended && !h.stale);
  if (!remote.length) return 0;
  const here = hereOf(call);
  let n = 0;
  for (const l of openReservations(call).filter((h) => !h.ended)) {
    const winner = remote.find((x) => conflicting(l, x) && beats(x, l, here));
    if (!winner) continue;
    const who = `${winner.s.actor} (${winner.s.key}) on machine ${winner.machine}`;
    markReleased(
      call,
      [l],
      winner.r.how === 'force' ? `taken over by ${who}` : `${who} reserved it first (a conflict found after the fact)`,
    );
    n++;
  }
  return n;
}

export function reservationView(h: Held): ReservationView {
  const { r, s } = h;
  return {
    id: r.id,
    repo: r.repo,
    path: r.pattern,
    exclusive: r.exclusive === 1,
    actor: r.actor,
    session: s.key,
    task: h.task,
    how: r.how,
    created_at: iso(r.created_at),
    expires_at: iso(h.expires_at),
    live: h.ended === null,
    stale: h.stale,
    released_at: r.released_at == null ? null : iso(r.released_at),
    release_reason: h.ended,
    ...(h.machine ? { machine: h.machine, id: 0 } : {}),
  };
}

/** Marks reservations released (with the reason) and records it on their session, once per session. */
function markReleased(call: Call, hs: Held[], reason: string, by?: SessionRow): void {
  const { sql } = call.app;
  const bySession = new Map<number, Held[]>();
  for (const h of hs) {
    sql.run(
      'UPDATE reservations SET released_at = ?, release_reason = ? WHERE id = ? AND released_at IS NULL',
      call.now,
      h.ended ?? reason,
      h.r.id,
    );
    bySession.set(h.s.id, [...(bySession.get(h.s.id) ?? []), h]);
  }
  for (const list of bySession.values()) {
    const s = list[0].s;
    const paths = list.map((h) => h.r.pattern);
    const why = list[0].ended ?? reason;
    const record = () =>
      recordActivity(call, s, {
        kind: 'reservation.release',
        message: `released ${paths.join(', ')} (${why})`,
        data: { paths, reason: why, ...(by && by.id !== s.id ? { by: by.key, by_actor: by.actor } : {}) },
      });
    // A closed session's log stays as it was closed; noticed or done by another session, the
    // record is no sign of life of this one.
    if (s.status !== 'active' && s.status !== 'paused') continue;
    if (by && by.id !== s.id) withoutSignOfLife(call, s, record);
    else record();
  }
}

/** Rows that ended without being marked (a session ended, a task completed): marked now. */
function sweep(call: Call, hs: Held[], by?: SessionRow): Held[] {
  const ended = hs.filter((h) => h.ended);
  if (ended.length) markReleased(call, ended, 'ended', by);
  return hs.filter((h) => !h.ended);
}

// Another machine's reservation is never "mine": an actor name may be used on several machines.
const mine = (h: Held, s: SessionRow) => !h.machine && (h.s.id === s.id || h.s.actor === s.actor);

function conflictOf(h: Held, requested: string, exclusive: boolean): ReservationConflict {
  return {
    path: requested,
    reserved: h.r.pattern,
    exclusive: h.r.exclusive === 1,
    requested_exclusive: exclusive,
    holder: { actor: h.s.actor, session: h.s.key, ...(h.machine ? { machine: h.machine } : {}) },
    task: h.task,
    since: iso(h.r.created_at),
    expires_at: iso(h.expires_at),
  };
}

/** One sentence about a conflict, for messages and hooks. */
export function conflictText(c: ReservationConflict): string {
  const what = c.reserved === c.path ? c.path : `${c.path} (reserved as ${c.reserved})`;
  return `${what} is reserved ${c.exclusive ? 'exclusively' : 'shared'} by ${c.holder.actor} (${c.holder.session}${
    c.holder.machine ? ` on machine ${c.holder.machine}` : ''
  })${c.task ? ` for ${c.task}` : ''} until ${c.expires_at} unless renewed`;
}

export interface ReserveOptions {
  repo: string;
  paths: string[];
  exclusive: boolean;
  ttlSeconds: number;
  taskId?: number | null;
  force?: boolean;
  how: 'reserve' | 'task' | 'force';
  /** Return conflicts instead of refusing (a task's activation reserves what it can and says who holds the rest). */
  soft?: boolean;
}

export interface ReserveOutcome {
  reservations: Held[];
  conflicts: ReservationConflict[];
  taken_from: ReservationConflict[];
}

/**
 * Reserves paths for session `s`. Another holder's exclusive reservation of an overlapping
 * path (or any of theirs, when this one is exclusive) is a conflict: refused with who holds
 * what and the ways out, unless `force` (their overlapping reservations end, recorded on
 * both sessions), or `soft` (the rest is reserved and the conflicts are returned).
 * Re-reserving one's own path renews it (and may change its kind).
 */
export function reserve(call: Call, s: SessionRow, o: ReserveOptions): ReserveOutcome {
  const { sql } = call.app;
  if (o.paths.length > MAX_PATHS) {
    throw new FragError(ErrorCode.ValidationFailed, `at most ${MAX_PATHS} paths in one reservation`, {
      count: o.paths.length,
      hint: 'reserve a directory or a glob (src/auth/*) instead of each file',
    });
  }
  const patterns = [...new Set(o.paths.map((p) => normalizePattern(p, o.repo)))];
  const open = sweep(call, openReservations(call, o.repo), s);
  const others = [...open.filter((h) => !mine(h, s) && !h.stale), ...remoteEnforced(call, o.repo)];
  const conflicts: ReservationConflict[] = [];
  const clash = new Map<string, Held[]>();
  for (const p of patterns) {
    const hits = others.filter((h) => (h.r.exclusive === 1 || o.exclusive) && overlaps(h.r.pattern, p));
    if (hits.length) clash.set(p, hits);
    for (const h of hits) conflicts.push(conflictOf(h, p, o.exclusive));
  }
  if (conflicts.length && !o.force && !o.soft) throw reservedError(conflicts, patterns, o);
  // Stale holders' overlapping reservations end now that someone else takes the path.
  const staleHits = open.filter(
    (h) =>
      !mine(h, s) && h.stale && patterns.some((p) => (h.r.exclusive === 1 || o.exclusive) && overlaps(h.r.pattern, p)),
  );
  if (staleHits.length) markReleased(call, staleHits, 'stale', s);
  let taken: ReservationConflict[] = [];
  if (conflicts.length && o.force) {
    const hs = [...new Set([...clash.values()].flat())];
    // Another machine's reservation ends there, when its pull sees this take-over (beats).
    markReleased(
      call,
      hs.filter((h) => !h.machine),
      `taken over by ${s.actor} (${s.key})`,
      s,
    );
    taken = conflicts;
    recordActivity(call, s, {
      kind: 'reservation.force',
      message: `took over ${[...new Set(hs.map((h) => h.r.pattern))].join(', ')} from ${[...new Set(hs.map((h) => h.s.actor))].join(', ')}`,
      data: { conflicts },
    });
  }
  const granted = o.force ? patterns : patterns.filter((p) => !clash.has(p));
  const out: Held[] = [];
  for (const p of granted) {
    // One's own earlier reservation of the same path is replaced (renewed).
    for (const h of open.filter((x) => x.s.id === s.id && x.r.pattern === p && x.r.repo === o.repo))
      sql.run("UPDATE reservations SET released_at = ?, release_reason = 'renewed' WHERE id = ?", call.now, h.r.id);
    const { lastInsertRowid } = sql.run(
      `INSERT INTO reservations (repo, pattern, exclusive, session_id, actor, task_id, ttl_seconds, created_at, how)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      o.repo,
      p,
      o.exclusive ? 1 : 0,
      s.id,
      s.actor,
      o.taskId ?? null,
      o.ttlSeconds,
      call.now,
      o.force && clash.has(p) ? 'force' : o.how,
    );
    const r = sql.get<ReservationRow>('SELECT * FROM reservations WHERE id = ?', Number(lastInsertRowid))!;
    out.push(held(sql, call, r, new Map([[s.id, s]])));
  }
  if (granted.length) {
    recordActivity(call, s, {
      kind: 'reservation.create',
      message: `reserved ${granted.join(', ')} (${o.exclusive ? 'exclusive' : 'shared'}, ${Math.round(o.ttlSeconds / 60)} min)`,
      data: { repo: o.repo, paths: granted, exclusive: o.exclusive, ttl_seconds: o.ttlSeconds },
    });
  }
  return { reservations: out, conflicts, taken_from: taken };
}

/**
 * The ways past another holder's reservation, in words an agent cannot run as they stand:
 * wait, other files, or ask the holder (a message, whose text only the asker can write). A
 * take-over exists (`--force`, recorded on both sessions) but is named as a person's
 * decision, never as a runnable command: agents run what they are shown word for word.
 */
export function waysPast(actor: string): string {
  return `wait until ${actor} releases it, work on other files, or ask ${actor} with ${askTemplate(actor).rendered} (who holds what: ${fragctl(
    'reservations',
    '--all',
  )}); a person can take it over with --force (recorded on both sessions)`;
}

/** `fragctl send ACTOR <message>`: asking a holder, a template (the message is the asker's own). */
export const askTemplate = (actor: string) => template(['fragctl', 'send', actor, '{message}'], {});

function reservedError(conflicts: ReservationConflict[], patterns: string[], o: ReserveOptions): FragError {
  const first = conflicts[0];
  const holders = [...new Set(conflicts.map((c) => c.holder.actor))];
  return new FragError(
    ErrorCode.Conflict,
    `${conflictText(first)}${conflicts.length > 1 ? ` (and ${conflicts.length - 1} more conflict${conflicts.length > 2 ? 's' : ''})` : ''}`,
    {
      reason: 'reserved',
      conflicts,
      ways_out: ['wait', 'other_paths', ...(o.exclusive && !first.exclusive ? ['shared'] : []), 'ask', 'force'],
      // Commands that run as written; the take-over is not among them (see waysPast).
      commands: {
        list: fragctl('reservations', '--all'),
        ...(o.exclusive && !first.exclusive ? { shared: fragctl('reserve', ...patterns, '--shared') } : {}),
      },
      templates: holders.map(askTemplate),
      hint: waysPast(first.holder.actor),
    },
  );
}

export interface ReleaseOptions {
  paths?: string[];
  all?: boolean;
  taskId?: number | null;
  repo?: string;
}

/** Releases the session's reservations: given paths (as reserved), a task's, or all. */
export function release(call: Call, s: SessionRow, o: ReleaseOptions, reason = 'released'): Held[] {
  const open = sweep(call, openReservations(call), s).filter((h) => h.s.id === s.id);
  const wanted = o.paths?.map((p) => normalizePattern(p, o.repo)) ?? null;
  const hit = open.filter(
    (h) =>
      (o.all || wanted !== null || o.taskId != null) &&
      (!o.repo || h.r.repo === o.repo || wanted === null) &&
      (wanted === null || wanted.some((p) => p === h.r.pattern || covers(p, h.r.pattern))) &&
      (o.taskId == null || h.r.task_id === o.taskId),
  );
  if (hit.length) markReleased(call, hit, reason, s);
  return hit.map((h) => ({ ...h, ended: reason }));
}

/** Every reservation of a session ends (its agent exited, its session ended). */
export function releaseReservationsOf(call: Call, s: SessionRow, reason: string): number {
  const open = openReservations(call).filter((h) => h.s.id === s.id);
  // The reason given (exited, session ended) over what the rows would say by themselves.
  if (open.length)
    markReleased(
      call,
      open.map((h) => ({ ...h, ended: null })),
      reason,
      s,
    );
  return open.length;
}

/** A task's paths (declared in the plan, task.create/edit): [] when none. */
export function taskPaths(sql: Sql, taskId: number): string[] {
  const raw = sql.value<string | null>('SELECT paths FROM tasks WHERE id = ?', taskId);
  return raw ? (JSON.parse(raw) as string[]) : [];
}

/** Replaces a task's declared paths (checked as reservations are; [] clears them). */
export function setTaskPaths(sql: Sql, taskId: number, paths: string[]): void {
  const clean = [...new Set(paths.map((p) => normalizePattern(p)))];
  if (clean.length > MAX_PATHS)
    throw new FragError(ErrorCode.ValidationFailed, `a task declares at most ${MAX_PATHS} paths`, {
      hint: 'declare a directory or a glob (src/auth/*) instead of each file',
    });
  sql.run('UPDATE tasks SET paths = ? WHERE id = ?', clean.length ? JSON.stringify(clean) : null, taskId);
}

/** The repository a session works in, as its metadata says (an agent's cwd's repository root, set by agents/). */
export const sessionRepo = (s: SessionRow): string | null => {
  const meta = JSON.parse(s.metadata) as { repo?: unknown };
  return typeof meta.repo === 'string' ? meta.repo : null;
};

export interface TaskReservation {
  repo: string;
  reserved: ReservationView[];
  conflicts: ReservationConflict[];
}

/**
 * Activating a task that declares paths reserves them (exclusive) for the session, in the
 * repository given (else the session's): what others hold is not taken, and the answer says
 * who holds what. Null when the task declares no paths; `{repo: ''}` when no repository is
 * known (the answer says how to reserve by hand).
 */
export function reserveTaskPaths(call: Call, s: SessionRow, task: { id: number; code: string }, repo: string | null) {
  const paths = taskPaths(call.app.sql, task.id);
  if (!paths.length) return null;
  if (!repo) return { repo: '', reserved: [], conflicts: [], paths } as TaskReservation & { paths: string[] };
  const out = reserve(call, s, {
    repo,
    paths,
    exclusive: true,
    ttlSeconds: DEFAULT_TTL_MINUTES * 60,
    taskId: task.id,
    how: 'task',
    soft: true,
  });
  return { repo, reserved: out.reservations.map(reservationView), conflicts: out.conflicts, paths };
}

/** The enforced exclusive reservations covering `path` (relative) in `repo`, not held by `s`'s actor. */
export function othersCovering(call: Call, repo: string, path: string, s: SessionRow | null): Held[] {
  return enforced(call, repo).filter((h) => h.r.exclusive === 1 && (!s || !mine(h, s)) && covers(h.r.pattern, path));
}

/**
 * For "what next": a function telling why a task cannot be reserved now (a declared path
 * another actor holds, enforced), or null. Reads the reservations once; free when none.
 */
export function pathsHeldFor(call: Call, s: SessionRow | null): (taskId: number) => string | null {
  const held = enforced(call).filter((h) => !s || !mine(h, s));
  if (!held.length) return () => null;
  const repo = s ? sessionRepo(s) : null;
  return (taskId) => {
    for (const p of taskPaths(call.app.sql, taskId)) {
      const h = held.find((x) => (!repo || x.r.repo === repo) && overlaps(x.r.pattern, p));
      if (h) return `${p} is reserved by ${h.s.actor} (${h.s.key})${h.task ? ` for ${h.task}` : ''}`;
    }
    return null;
  };
}

/** Remembers the repository a session works in (an agent's cwd, fragctl's --repo): reservations default to it. */
export function rememberRepo(call: Call, s: SessionRow, repo: string): SessionRow {
  const meta = JSON.parse(s.metadata) as Record<string, unknown>;
  if (meta.repo === repo) return s;
  const metadata = JSON.stringify({ ...meta, repo });
  call.app.sql.run('UPDATE sessions SET metadata = ? WHERE id = ?', metadata, s.id);
  return Object.assign(s, { metadata });
}

/** Every open reservation made for a task ends (it completed). */
export function releaseTaskReservations(call: Call, taskId: number, reason: string): number {
  const open = openReservations(call).filter((h) => h.r.task_id === taskId);
  if (open.length)
    markReleased(
      call,
      open.map((h) => ({ ...h, ended: null })),
      reason,
    );
  return open.length;
}

/** The file the hooks read (stateDir/reservations): its name, and the first line of its format. */
export const HOOK_FILE = 'reservations';
export const HOOK_FILE_HEADER = '# fragd-reservations 1';

const CHAT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The text of the hooks' file: one line per enforced exclusive reservation, tab-separated:
 * root, pattern, session, actor, task (or -), until, the holder conversation's chat ids
 * (comma-separated, or -), and how to ask the holder (`fragctl send ACTOR <message>`, a
 * template: the actor quoted for a shell, then escaped for JSON, since the hook prints it
 * inside its agent's JSON answer). No take-over command: agents run what they are shown.
 * Empty when nothing is reserved exclusively (the hook then costs one test of a file).
 */
export function hookFileText(call: Call): string {
  const lines: string[] = [];
  for (const h of enforced(call)) {
    if (h.r.exclusive !== 1 || /[\t\n\r]/.test(h.r.repo)) continue;
    const meta = (h.machine ? {} : JSON.parse(h.s.metadata)) as { chat_ids?: unknown };
    const former: unknown[] = Array.isArray(meta.chat_ids) ? (meta.chat_ids as unknown[]) : [];
    const ids = [h.s.chat_session_id, ...former].filter((x): x is string => typeof x === 'string' && CHAT_ID.test(x));
    const ask = JSON.stringify(askTemplate(h.s.actor).rendered).slice(1, -1);
    const until = iso(h.expires_at).replace(/\.\d{3}Z$/, 'Z');
    lines.push(
      [
        h.r.repo,
        h.r.pattern,
        h.s.key,
        // Another machine's holder is actor@machine: the pre-commit guard passes the terminal's
        // own actor, and an actor name on another machine is another holder.
        h.machine ? `${h.s.actor}@${h.machine}` : h.s.actor,
        h.task ?? '-',
        until,
        ids.length && !h.machine ? ids.join(',') : '-',
        ask,
      ].join('\t'),
    );
  }
  return lines.length ? `${HOOK_FILE_HEADER}\n${lines.join('\n')}\n` : '';
}
