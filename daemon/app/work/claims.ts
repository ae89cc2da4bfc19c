// Claims, dependencies and priority: who may start a task. Every activation (task.activate,
// context push, agents' branch mapping, task.next --activate) goes through `claimTask`, so
// no path starts a task another actor holds or one whose dependencies are open.
//
// A claim row says who took a task, how and when. It is live while its session is open
// (active or paused) with the task on its stack: deactivate, complete, a pop, a switch and
// the end of the session all end it without each path having to remember to. A live claim
// whose holder has shown no sign of life for `claim_stale_seconds` is stale: anyone may
// take it, and that is recorded.
import { ErrorCode, FragError } from '../../../shared/errors.js';
import { formatDuration } from '../../../shared/format.js';
import { iso } from '../../clock.js';
import type { Sql } from '../../store/sql.js';
import type { App, Call } from '../app.js';
import { recordActivity, withoutSignOfLife } from '../activities.js';
import { parseStack, type SessionRow, type TaskRow } from '../rows.js';
import { remoteHolder, remotelyHeldTaskIds } from '../../sync/mirror.js';
import { heldElsewhere, notGranted } from '../../sync/errors.js';
import { isAgentSession } from '../sessions/tick.js';
import { closeHandoffs, handoffHolds, handoffReason, heldForOthers, openHandoff } from './handoffs.js';
import { pauseSessionRow } from '../sessions/sessions.js';

/** Priority scale: 1 is the most urgent. Stored as the number, shown as the name. */
export {
  PRIORITIES,
  DEFAULT_PRIORITY,
  priorityName,
  priorityNumber,
  type PriorityName,
} from '../../../shared/priority.js';

export interface ClaimRow {
  id: number;
  task_id: number;
  session_id: number;
  actor: string;
  role: 'holder' | 'joined';
  how: string;
  claimed_at: number;
  released_at: number | null;
  release_reason: string | null;
}

export interface ClaimOptions {
  take_over?: boolean;
  join?: boolean;
  /** Start a task whose dependencies are open (recorded). */
  force?: boolean;
  /** Team sync: the team store moved the claim from another machine to this one (set by the preparer). */
  taken_from?: RemoteTakenFrom;
}

/** Whom the team store took a claim from for this machine (daemon/app/team/claims.ts). */
export interface RemoteTakenFrom {
  machine: string;
  actor: string;
  session: string | null;
}

/** The codes of a task's dependencies that are not completed (cancelled counts as resolved). */
export function openDependencies(call: Call, taskId: number): string[] {
  return call.app.sql
    .all<{ code: string }>(
      `SELECT t.code FROM task_deps d JOIN tasks t ON t.id = d.depends_on_id
        WHERE d.task_id = ? AND t.status NOT IN ('completed','cancelled') ORDER BY t.id`,
      taskId,
    )
    .map((r) => r.code);
}

export function dependencyCodes(call: Call, taskId: number): string[] {
  return call.app.sql
    .all<{ code: string }>(
      'SELECT t.code FROM task_deps d JOIN tasks t ON t.id = d.depends_on_id WHERE d.task_id = ? ORDER BY t.id',
      taskId,
    )
    .map((r) => r.code);
}

/**
 * Replaces a task's dependencies. Refuses an unknown code, the task itself and a cycle
 * (`where` names the place, e.g. the plan file position, for the error).
 */
export function setDependencies(call: Call, task: { id: number; code: string }, codes: string[], where = ''): void {
  const { sql } = call.app;
  const ids: number[] = [];
  for (const c of codes) {
    const id = sql.value<number>('SELECT id FROM tasks WHERE code = ?', c);
    if (id == null) throw depError(where, `${task.code} depends on ${c}, which is not a task`, { depends_on: c });
    if (id === task.id) throw depError(where, `${task.code} cannot depend on itself`, { depends_on: c });
    ids.push(id);
  }
  sql.run('DELETE FROM task_deps WHERE task_id = ?', task.id);
  for (const id of new Set(ids)) sql.run('INSERT INTO task_deps (task_id, depends_on_id) VALUES (?, ?)', task.id, id);
  const cycle = findCycle(call, task.id);
  if (cycle) throw depError(where, `dependency cycle: ${cycle.join(' → ')}`, { cycle });
}

function depError(where: string, message: string, data: Record<string, unknown>): FragError {
  return new FragError(ErrorCode.ValidationFailed, where ? `${where}: ${message}` : message, {
    ...data,
    hint: 'name existing tasks that do not depend back on this one',
  });
}

/** A path of codes from the task back to itself through task_deps, if there is one. */
export function findCycle(call: Call, start: number): string[] | null {
  const { sql } = call.app;
  const next = (id: number) =>
    sql.all<{ id: number }>('SELECT depends_on_id AS id FROM task_deps WHERE task_id = ?', id).map((r) => r.id);
  const seen = new Set<number>();
  const path: number[] = [start];
  const walk = (id: number): boolean => {
    for (const n of next(id)) {
      if (n === start) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      path.push(n);
      if (walk(n)) return true;
      path.pop();
    }
    return false;
  };
  if (!walk(start)) return null;
  const code = (id: number) => sql.value<string>('SELECT code FROM tasks WHERE id = ?', id)!;
  return [...path, start].map(code);
}

const onStack = (s: SessionRow, taskId: number) =>
  parseStack(s).some((f) => (f.type === 'task' || f.type === 'subtask') && f.id === taskId);

const isOpen = (s: SessionRow) => s.status === 'active' || s.status === 'paused';

export interface LiveClaim {
  claim: ClaimRow;
  session: SessionRow;
  stale: boolean;
  last_sign_of_life: number;
}

/**
 * The live holder of a task, if any. Claims whose session let go of the task are closed
 * here (released_at is when it was noticed; the stack history has the exact moment).
 */
export function liveHolder(call: Call, taskId: number): LiveClaim | null {
  const { sql } = call.app;
  for (const c of sql.all<ClaimRow>(
    "SELECT * FROM claims WHERE task_id = ? AND released_at IS NULL AND role = 'holder'",
    taskId,
  )) {
    const s = sql.get<SessionRow>('SELECT * FROM sessions WHERE id = ?', c.session_id)!;
    if (isOpen(s) && onStack(s, taskId)) {
      const last = s.last_activity_at;
      const stale = call.now - last > staleAfterSeconds(call, s) * 1000;
      return { claim: c, session: s, stale, last_sign_of_life: last };
    }
    release(call, c, isOpen(s) ? 'left' : `session ${s.status}`);
  }
  return null;
}

/**
 * How long a holder may stay silent before its claim is stale: a coding agent's own idle
 * timeout (a dead agent shows no sign of life within it), a person's claim_stale_seconds.
 */
export const staleAfterSeconds = (call: Call, s: SessionRow): number =>
  isAgentSession(s) ? call.app.config.agent_idle_timeout_seconds : call.app.config.claim_stale_seconds;

/** Releases every claim a session holds or joined (an agent's process exited); its stack stays. */
export function releaseClaimsOf(call: Call, s: SessionRow, reason: string): number {
  return call.app.sql.run(
    'UPDATE claims SET released_at = ?, release_reason = ? WHERE session_id = ? AND released_at IS NULL',
    call.now,
    reason,
    s.id,
  ).changes;
}

/** Whether the session holds (or joined) the task by a live claim row. */
export const holdsClaim = (call: Call, s: SessionRow, taskId: number): boolean =>
  call.app.sql.value(
    'SELECT 1 FROM claims WHERE task_id = ? AND session_id = ? AND released_at IS NULL',
    taskId,
    s.id,
  ) != null;

function release(call: Call, c: ClaimRow, reason: string): void {
  call.app.sql.run('UPDATE claims SET released_at = ?, release_reason = ? WHERE id = ?', call.now, reason, c.id);
}

/** Whether `s` may work on the task without asking: it holds it or joined it. */
function ownsOrJoined(call: Call, s: SessionRow, taskId: number, holder: LiveClaim | null): boolean {
  if (holder?.session.id === s.id) return true;
  return (
    call.app.sql.value(
      "SELECT 1 FROM claims WHERE task_id = ? AND session_id = ? AND role = 'joined' AND released_at IS NULL",
      taskId,
      s.id,
    ) != null
  );
}

/** Tasks other actors hold right now (live, not stale): what `next` and suggestions avoid. */
export function heldByOthers(call: Call, s: SessionRow | null): Set<number> {
  const held = new Set<number>();
  const rows = call.app.sql.all<{ task_id: number }>(
    "SELECT DISTINCT task_id FROM claims WHERE released_at IS NULL AND role = 'holder'",
  );
  for (const r of rows) {
    const h = liveHolder(call, r.task_id);
    if (h && !h.stale && (!s || h.session.id !== s.id) && (!s || h.session.actor !== s.actor)) held.add(r.task_id);
  }
  // With team sync, what another machine holds (as of the last pull) is not ours to take.
  for (const id of remotelyHeldTaskIds(call.app.sql)) held.add(id);
  // A task handed over to another actor is held for it (work/handoffs.ts).
  for (const id of heldForOthers(call, s?.actor ?? null).keys()) held.add(id);
  return held;
}

/**
 * Records a claim event on a session. On another actor's session (`other`: taken, joined)
 * the record is no sign of life of that actor: its last activity, which the idle pause and
 * staleness read, stays as it was.
 */
function claimRecord(
  call: Call,
  s: SessionRow,
  task: TaskRow,
  kind: string,
  message: string,
  data: object,
  other = false,
) {
  const record = () => recordActivity(call, s, { kind, message, data: { code: task.code, ...data } });
  // Recorded in another actor's session, it is no sign of life of that session.
  const row = other ? withoutSignOfLife(call, s, record) : record();
  call.app.sql.run('UPDATE activities SET task_id = ? WHERE id = ?', task.id, row.id);
}

/**
 * Checks and takes the claim on `task` (a top-level task) for session `s`; throws
 * `task_claimed` or `task_blocked` (both exit 5) with the ways out. Run inside the call's
 * write transaction, before the stack changes, so a refusal changes nothing.
 */
export function claimTask(call: Call, s: SessionRow, task: TaskRow, o: ClaimOptions = {}): void {
  const { sql } = call.app;
  const holder = liveHolder(call, task.id);
  if (ownsOrJoined(call, s, task.id, holder)) return;
  // Held on another machine (team sync), as the team store last said: refused before any
  // local rule, with the same error as a local holder's.
  const remote = o.taken_from ? null : remoteHolder(sql, task.code);
  if (remote) {
    const { machine, actor, session, since } = remote;
    throw heldElsewhere(task.code, { machine, actor, session, since });
  }

  // Handed over to another actor (task.handoff): held for it, as a claim holds, unless taken over.
  const handoff = holder ? undefined : openHandoff(call, task.id);
  if (handoff && handoff.to_actor !== s.actor && handoffHolds(call, handoff) && !o.take_over) {
    throw new FragError(
      ErrorCode.TaskClaimed,
      `${task.code} is held for ${handoff.to_actor}: ${handoffReason(handoff)} at ${iso(handoff.created_at)}`,
      {
        task: task.code,
        holder: { actor: handoff.to_actor, session: null, since: iso(handoff.created_at) },
        handed_over_by: handoff.from_actor,
        stale_after_seconds: call.app.config.claim_stale_seconds,
        ways_out: ['next', 'take_over'],
        hint: `take another task with: fragctl next; or take it with --take-over (recorded)`,
      },
    );
  }

  const open = openDependencies(call, task.id);
  if (open.length && !o.force) {
    throw new FragError(ErrorCode.TaskBlocked, `${task.code} is blocked: it depends on ${open.join(', ')}`, {
      task: task.code,
      depends_on: dependencyCodes(call, task.id),
      open_dependencies: open,
      ways_out: ['next', 'force'],
      hint: `finish ${open.join(', ')} first, take another task with: fragctl next, or start it anyway with --force (recorded)`,
    });
  }
  // With team sync on, nothing is claimed here that the team store has not granted: checked
  // before anything is recorded, so a refusal caught by a caller (an agent's branch) leaves
  // no record of a start or take-over that did not happen. Joining a holder here needs none.
  const joining = o.join === true && holder !== null && holder.session.actor !== s.actor;
  if (!joining) requireTeamGrant(call.app, task.code);
  if (open.length) {
    claimRecord(call, s, task, 'task.forced_start', `${task.code} started with open dependencies ${open.join(', ')}`, {
      open_dependencies: open,
    });
  }

  let how = 'activate';
  if (holder && holder.session.actor !== s.actor) {
    const h = holder.session;
    if (o.join) {
      sql.run(
        "INSERT INTO claims (task_id, session_id, actor, role, how, claimed_at) VALUES (?, ?, ?, 'joined', 'join', ?)",
        task.id,
        s.id,
        s.actor,
        call.now,
      );
      claimRecord(call, s, task, 'claim.join', `${s.actor} joined ${h.actor} on ${task.code}`, {
        holder: h.key,
        holder_actor: h.actor,
      });
      claimRecord(
        call,
        h,
        task,
        'claim.joined',
        `${s.actor} (${s.key}) joined ${task.code}`,
        {
          by: s.key,
          actor: s.actor,
        },
        true,
      );
      return;
    }
    if (!holder.stale && !o.take_over) {
      const idle = Math.max(0, Math.round((call.now - holder.last_sign_of_life) / 1000));
      throw new FragError(
        ErrorCode.TaskClaimed,
        `${task.code} is held by ${h.actor} (${h.key}) since ${iso(holder.claim.claimed_at)}, last active ${formatDuration(idle)} ago`,
        {
          task: task.code,
          holder: { actor: h.actor, session: h.key, since: iso(holder.claim.claimed_at) },
          last_activity: iso(holder.last_sign_of_life),
          stale_after_seconds: staleAfterSeconds(call, h),
          ways_out: ['next', 'join', 'take_over'],
          hint: `take another task with: fragctl next; pair with ${h.actor} with --join; or take it with --take-over (recorded on both sessions)`,
        },
      );
    }
    how = holder.stale ? 'stale' : 'take_over';
    claimRecord(
      call,
      s,
      task,
      how === 'stale' ? 'claim.stale_taken' : 'claim.take_over',
      `${s.actor} took ${task.code} from ${h.actor} (${h.key})${how === 'stale' ? ', whose claim was stale' : ''}`,
      { from: h.key, from_actor: h.actor },
    );
    claimRecord(
      call,
      h,
      task,
      'claim.taken',
      `${s.actor} (${s.key}) took ${task.code} over`,
      { by: s.key, actor: s.actor, stale: holder.stale },
      true,
    );
  }
  if (o.taken_from) {
    const from = o.taken_from;
    how = 'take_over';
    claimRecord(
      call,
      s,
      task,
      'claim.take_over',
      `${s.actor} took ${task.code} from ${from.actor} on machine ${from.machine}`,
      { from: from.session, from_actor: from.actor, from_machine: from.machine },
    );
  }
  if (holder) release(call, holder.claim, how === 'activate' ? 'moved' : how);
  if (handoff) {
    const taken = handoff.to_actor === s.actor;
    closeHandoffs(call, task.id, taken ? 'taken' : `taken by ${s.actor}`);
    claimRecord(
      call,
      s,
      task,
      taken ? 'handoff.taken' : 'handoff.taken_over',
      taken
        ? `${s.actor} took ${task.code}, handed over by ${handoff.from_actor}`
        : `${s.actor} took ${task.code}, which ${handoff.from_actor} had handed over to ${handoff.to_actor}`,
      { from_actor: handoff.from_actor, to_actor: handoff.to_actor, handoff: handoff.id },
    );
  }
  sql.run(
    "INSERT INTO claims (task_id, session_id, actor, role, how, claimed_at) VALUES (?, ?, ?, 'holder', ?, ?)",
    task.id,
    s.id,
    s.actor,
    how,
    call.now,
  );
}

/**
 * Team sync: another machine took `code` over (daemon/sync/syncer.ts saw it in the team
 * store). The local holder's claim ends and its session records who took it, as a local
 * take-over does; its stack stays as it was, for its user to move on. Returns whether a
 * live claim was ended (false once done, so repeating it records nothing).
 */
export function releaseTakenElsewhere(
  call: Call,
  code: string,
  by: { machine: string; actor: string; at?: number },
): boolean {
  const { sql } = call.app;
  const task = sql.get<TaskRow>('SELECT * FROM tasks WHERE code = ?', code);
  const holder = task ? liveHolder(call, task.id) : null;
  if (!task || !holder) return false;
  release(call, holder.claim, 'taken_elsewhere');
  claimRecord(
    call,
    holder.session,
    task,
    'claim.taken',
    `${by.actor} on machine ${by.machine} took ${task.code} over`,
    { by_machine: by.machine, actor: by.actor },
    true,
  );
  // Its time stops where the other machine's starts: a session whose open interval is on
  // the task (or a subtask) is paused as of the take-over, not left counting beside the new
  // holder. Its stack stays, for its user to move on or take the task back.
  const open = sql.get<{ id: number; started_at: number }>(
    `SELECT id, started_at FROM intervals WHERE session_id = ?1 AND ended_at IS NULL
        AND task_id IN (SELECT ?2 UNION ALL SELECT id FROM tasks WHERE parent_id = ?2)`,
    holder.session.id,
    task.id,
  );
  if (holder.session.status === 'active' && open) {
    const at = Math.max(open.started_at, Math.min(by.at ?? call.now, call.now));
    pauseSessionRow(
      call,
      holder.session,
      `${task.code} was taken over by ${by.actor} on machine ${by.machine}`,
      at,
      'pause',
    );
  }
  return true;
}

/** A task's holder for views (a read: nothing is released here): who, since when, who joined. */
export function claimView(sql: Sql, taskId: number) {
  for (const c of sql.all<ClaimRow>(
    "SELECT * FROM claims WHERE task_id = ? AND released_at IS NULL AND role = 'holder'",
    taskId,
  )) {
    const s = sql.get<SessionRow>('SELECT * FROM sessions WHERE id = ?', c.session_id)!;
    if (!isOpen(s) || !onStack(s, taskId)) continue;
    const joined = sql
      .all<{ key: string; stack: string; status: string }>(
        `SELECT s.key, s.stack, s.status FROM claims c JOIN sessions s ON s.id = c.session_id
          WHERE c.task_id = ? AND c.role = 'joined' AND c.released_at IS NULL AND s.status IN ('active','paused')`,
        taskId,
      )
      .filter((j) => onStack(j as unknown as SessionRow, taskId))
      .map((j) => j.key);
    return { actor: s.actor, session: s.key, since: iso(c.claimed_at), last_activity: iso(s.last_activity_at), joined };
  }
  return null;
}

/** With a team store, the store must have granted this machine the task before it starts here. */
function requireTeamGrant(app: App, code: string): void {
  if (app.syncer && !app.syncer.granted(code)) throw notGranted(code);
}
