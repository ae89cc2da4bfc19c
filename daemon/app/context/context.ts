// Operations on a session's context stack, and the updates, notes and logs that attach
// to its deepest fitting context.
import { conflictText, rememberRepo, reserveTaskPaths, sessionRepo, waysPast } from '../reservations/reservations.js';
import { ErrorCode, FragError, invalidState } from '../../../shared/errors.js';
import type { ContextResult, ParsedParamsOf } from '../../../shared/protocol/methods.js';
import type { ContextFrame, ContextType } from '../../../shared/protocol/views.js';
import { iso } from '../../clock.js';
import type { Call } from '../app.js';
import { findByEventId, recordActivity, writerScope } from '../activities.js';
import { applyStack } from '../sessions/apply-stack.js';
import { activeMsOn } from '../time/intervals.js';
import { findProject, findSprint, findTask, projectById, sprintById, taskById } from '../work/lookup.js';
import { parseStack, type ActivityRow, type ContextHistoryRow, type SessionRow, type StoredFrame } from '../rows.js';
import { popFrom, replaceWith, workFrame } from '../sessions/stack.js';
import { resumableByActivity, resumeSessionRow } from '../sessions/sessions.js';
import { resolveOpenSession, resolveSession, type Target } from '../sessions/lookup.js';
import { activityView, frameView } from '../views.js';
import { sprintView, taskView } from '../work/views.js';
import { badCursor, collectPage, pageBudget } from '../paging.js';
import { MAX_FREEFORM_BYTES } from '../../../shared/limits.js';
import { instructionsFor } from '../answers.js';
import { withEstimateCheck } from '../time/reports.js';
import { finishTask, gateTask } from '../work/completion.js';
import { fragctl } from '../../../shared/command.js';
import { claimTask } from '../work/claims.js';
import { cannedDetail } from '../work/canned.js';
import { countUpdates } from '../work/views.js';

const frame = (type: ContextType, row: { id: number; code: string; title: string }, at: number): StoredFrame => ({
  type,
  id: row.id,
  code: row.code,
  title: row.title,
  pushed_at: at,
});

/** The frames an item brings with it: a task its sprint and project, a subtask its parent. */
export function lineageOf(call: Call, type: ContextType, code: string): StoredFrame[] {
  const at = call.now;
  if (type === 'project') return [frame('project', findProject(call, code), at)];
  if (type === 'sprint') {
    const s = findSprint(call, code);
    return [...(s.project_id ? [frame('project', projectById(call, s.project_id), at)] : []), frame('sprint', s, at)];
  }
  const t = findTask(call, code);
  const parent = t.parent_id ? taskById(call, t.parent_id) : null;
  if (type === 'subtask' && !parent) {
    throw invalidState(`${t.code} is not a subtask; activate it with: ${fragctl('task', 'activate', t.code)}`, {
      task: t.code,
    });
  }
  const top = parent ?? t;
  const sprintId = t.sprint_id ?? top.sprint_id;
  const sprint = sprintId ? sprintById(call, sprintId) : null;
  const projectId = t.project_id ?? top.project_id ?? sprint?.project_id ?? null;
  return [
    ...(projectId ? [frame('project', projectById(call, projectId), at)] : []),
    ...(sprint ? [frame('sprint', sprint, at)] : []),
    frame('task', top, at),
    ...(parent ? [frame('subtask', t, at)] : []),
  ];
}

function contextResult(
  call: Call,
  s: SessionRow,
  template: Parameters<typeof instructionsFor>[1],
  item?: Parameters<typeof instructionsFor>[3],
): ContextResult {
  return {
    stack: parseStack(s).map(frameView),
    session: s.key,
    instructions: instructionsFor(call, template, s, item),
  };
}

/** Work on a session that may have been idle-paused: activity brings it back (config). */
function workingSession(call: Call, target: Target): SessionRow {
  return working(call, resolveOpenSession(call, target));
}

const working = (call: Call, s: SessionRow): SessionRow =>
  resumableByActivity(call, s) ? resumeSessionRow(call, s, 'activity after idle').session : s;

function push(call: Call, s: SessionRow, type: ContextType, code: string): SessionRow {
  const { stack, changes } = replaceWith(parseStack(s), lineageOf(call, type, code));
  return applyStack(call, s, stack, changes);
}

export function pushContext(call: Call, p: ParsedParamsOf<'context.push'>): ContextResult {
  if (p.type === 'task' || p.type === 'subtask') return activateTask(call, p, p.type);
  if (p.type === 'sprint') return activateSprint(call, p);
  const s = push(call, workingSession(call, p), p.type, p.code);
  return contextResult(call, s, 'context_activated');
}

/** Puts a project on the stack of a session the caller has already loaded (it is kept current). */
export function pushProjectOn(call: Call, s: SessionRow, code: string): ContextResult {
  return contextResult(call, push(call, working(call, s), 'project', code), 'context_activated');
}

export function popContext(call: Call, p: ParsedParamsOf<'context.pop'>) {
  const s = workingSession(call, p);
  const stack = parseStack(s);
  if (stack.length === 0) {
    throw invalidState(`the context stack of ${s.key} is empty`, {
      session: s.key,
      hint: `activate a task with: ${fragctl('task', 'activate', 'CODE')}`,
    });
  }
  const { stack: next, removed } = popFrom(stack, p.type);
  if (removed.length === 0) {
    throw invalidState(`no ${p.type} is on the stack of ${s.key}`, { session: s.key, stack: stack.map((f) => f.code) });
  }
  const updated = applyStack(
    call,
    s,
    next,
    removed.map((f) => ({ action: 'pop' as const, frame: f, left: f })),
  );
  return { ...contextResult(call, updated, 'context_popped'), popped: frameView(removed[removed.length - 1]) };
}

export function clearContext(call: Call, p: ParsedParamsOf<'context.clear'>): ContextResult {
  const s = workingSession(call, p);
  const removed = [...parseStack(s)].reverse();
  const updated = applyStack(
    call,
    s,
    [],
    removed.map((f) => ({ action: 'pop' as const, frame: f, left: f })),
  );
  return contextResult(call, updated, 'context_popped');
}

export function showContext(call: Call, p: ParsedParamsOf<'context.show'>) {
  const s = resolveSession(call, p);
  const stack = parseStack(s);
  const current = p.type ? stack.find((f) => f.type === p.type) : stack[stack.length - 1];
  return {
    session: s.key,
    stack: stack.map(frameView),
    count: stack.length,
    current: current ? frameView(current) : null,
  };
}

export function activateSprint(call: Call, p: ParsedParamsOf<'sprint.activate'>) {
  const sprint = findSprint(call, p.code);
  if (sprint.status === 'completed' || sprint.status === 'cancelled') {
    throw invalidState(
      `${sprint.code} is ${sprint.status}; reopen it with: ${fragctl('sprint', 'edit', sprint.code, '--status', 'active')}`,
      { sprint: sprint.code },
    );
  }
  const s = push(call, workingSession(call, p), 'sprint', sprint.code);
  if (sprint.status === 'planned') {
    call.app.sql.run(
      "UPDATE sprints SET status = 'active', started_at = coalesce(started_at, ?), updated_at = ? WHERE id = ?",
      call.now,
      call.now,
      sprint.id,
    );
  }
  return {
    ...contextResult(call, s, 'context_activated'),
    sprint: sprintView(call.app.sql, findSprint(call, sprint.code)),
  };
}

/** `as: 'subtask'` (context push subtask) refuses a top-level task; otherwise the task's own kind decides. */
export function activateTask(call: Call, p: ParsedParamsOf<'task.activate'>, as: 'task' | 'subtask' = 'task') {
  return activate(call, p, as, () => workingSession(call, p));
}

/** Activates a task in a session the caller has already loaded (it is kept current, not re-read). */
export function activateTaskOn(call: Call, s: SessionRow, p: ParsedParamsOf<'task.activate'>) {
  return activate(call, p, 'task', () => working(call, s));
}

/** The session is loaded after the task's own checks, so their errors come first. */
function activate(call: Call, p: ParsedParamsOf<'task.activate'>, as: 'task' | 'subtask', session: () => SessionRow) {
  const task = findTask(call, p.code);
  if (task.status === 'completed' || task.status === 'cancelled') {
    throw invalidState(
      `${task.code} is ${task.status}; reopen it with: ${fragctl('task', 'edit', task.code, '--status', 'todo')}`,
      {
        task: task.code,
        status: task.status,
      },
    );
  }
  let s0 = session();
  // The one gate every activation passes: the claim is on the top-level task.
  const top = task.parent_id ? taskById(call, task.parent_id) : task;
  claimTask(call, s0, top, p);
  if (p.repo) s0 = rememberRepo(call, s0, p.repo);
  const s = push(call, s0, as === 'subtask' || task.parent_id ? 'subtask' : 'task', task.code);
  // Its declared paths are reserved for the session (what others hold is said, not taken).
  const reserved = reserveTaskPaths(call, s, top, sessionRepo(s));
  call.app.sql.run(
    `UPDATE tasks SET status = CASE WHEN status IN ('todo','blocked') THEN 'in_progress' ELSE status END,
       delegation_status = CASE WHEN delegation_status = 'unassigned' THEN 'assigned' ELSE delegation_status END,
       assignee = coalesce(assignee, ?), updated_at = ? WHERE id = ?`,
    s.actor,
    call.now,
    task.id,
  );
  if (task.sprint_id) {
    call.app.sql.run(
      "UPDATE sprints SET status = 'active', started_at = coalesce(started_at, ?) WHERE id = ? AND status = 'planned'",
      call.now,
      task.sprint_id,
    );
  }
  const result = contextResult(call, s, 'context_activated');
  if (reserved) result.instructions.next_actions.unshift(...reservationNotes(top.code, reserved));
  return {
    ...result,
    task: taskView(call.app.sql, findTask(call, task.code)),
    ...(reserved
      ? { reservations: { repo: reserved.repo || null, reserved: reserved.reserved, conflicts: reserved.conflicts } }
      : {}),
  };
}

/** What an activation's answer says about the task's declared paths: reserved, held by others, or no repository known. */
function reservationNotes(code: string, r: NonNullable<ReturnType<typeof reserveTaskPaths>>): string[] {
  if (!r.repo)
    return [
      `${code} declares paths (${r.paths.join(', ')}) but fragd knows no repository for this session: reserve them from inside it with: ${fragctl('reserve', '--task', code, ...r.paths)}`,
    ];
  const notes: string[] = [];
  if (r.reserved.length)
    notes.push(
      `Reserved for ${code}: ${r.reserved.map((v) => v.path).join(', ')} (exclusive, until ${code} is done or let go).`,
    );
  for (const c of r.conflicts)
    notes.push(
      `Not reserved: ${conflictText(c)}. Other agents' hooks refuse your edits there: ${waysPast(c.holder.actor)}.`,
    );
  return notes;
}

export function deactivateTask(call: Call, p: ParsedParamsOf<'task.deactivate'>) {
  const s = workingSession(call, p);
  const stack = parseStack(s);
  const work = workFrame(stack);
  if (!work) {
    throw invalidState(`no task is active in ${s.key}`, {
      session: s.key,
      hint: `activate one with: ${fragctl('task', 'activate', 'CODE')}`,
    });
  }
  const seconds = Math.round(activeMsOn(call.app.sql, s.id, 'task_id', work.id, work.pushed_at, call.now) / 1000);
  // --complete goes through the same gate as task.complete; a refusal changes nothing.
  const gate = p.complete ? gateTask(call, s, taskById(call, work.id), { summary: p.summary, force: p.force }) : null;
  if (p.summary) {
    recordActivity(call, s, { kind: 'note', message: p.summary, data: { summary: true } });
    call.app.sql.run('UPDATE tasks SET summary = ?, updated_at = ? WHERE id = ?', p.summary, call.now, work.id);
  }
  if (gate) finishTask(call, s, gate);
  const { stack: next, removed } = popFrom(stack, work.type);
  const updated = applyStack(
    call,
    s,
    next,
    removed.map((f) => ({ action: 'pop' as const, frame: f, left: f })),
  );
  return withEstimateCheck(
    call,
    work.id,
    {
      ...contextResult(call, updated, p.complete ? 'task_completed' : 'context_popped', {
        kind: 'task',
        code: work.code,
      }),
      task: taskView(call.app.sql, taskById(call, work.id)),
      seconds_spent: seconds,
      ...(gate ? { validation: gate.validation, forced_over: gate.forced_over } : {}),
    },
    gate !== null,
  );
}

type ActivityParams = ParsedParamsOf<'activity.log'> & { on?: 'task' | 'sprint' | 'project' };

export function logActivity(call: Call, kind: 'update' | 'note' | 'log', p: ActivityParams) {
  const { sql } = call.app;
  const s = workingSession(call, p);
  if (p.on && !parseStack(s).some((f) => f.type === p.on)) {
    const how =
      p.on === 'project'
        ? fragctl('context', 'push', 'project', 'CODE')
        : p.on === 'sprint'
          ? fragctl('sprint', 'activate', 'CODE')
          : fragctl('task', 'activate', 'CODE');
    throw invalidState(
      `no active ${p.on} in ${s.key} to note on; make one active first (${how}), or note without --on`,
      {
        on: p.on,
        session: s.key,
        stack: parseStack(s).map((f) => `${f.type}:${f.code}`),
      },
    );
  }
  const scope = writerScope(`activity.${kind}`, s, p.actor);
  const earlier = findByEventId(call, scope, p.event_id);
  if (earlier) {
    return {
      activity: activityView(sql, earlier),
      duplicate: true,
      instructions: instructionsFor(call, 'progress', s),
    };
  }
  const work = kind === 'update' ? workFrame(parseStack(s)) : undefined;
  const canned = work ? cannedDetail(call, work.id, p.message) : null;
  if (canned) {
    throw new FragError(
      ErrorCode.ValidationFailed,
      `update refused: ${canned.why}; say what you just did on ${work!.code} (what changed, where, what is left), in your own words`,
      { reason: 'canned_text', kind: canned.kind, why: canned.why, task: work!.code },
    );
  }
  const row = recordActivity(call, s, {
    kind: kind === 'log' ? (p.kind ?? 'log') : kind,
    message: p.message,
    data: kind === 'log' ? { level: p.level ?? 'info', ...(p.data ?? {}) } : null,
    eventId: p.event_id,
    eventScope: scope,
    upTo: p.on,
  });
  // Logging leaves the stack and status as they were, so `s` still describes the session.
  const instructions = instructionsFor(call, 'progress', s);
  if (!work) return { activity: activityView(sql, row, s), duplicate: false, instructions };
  // The count the completion gate reads (task_update_counts), said in the answer (issue 26).
  const count = countUpdates(sql, work.id);
  const required = call.app.config.validation.min_context_updates;
  const more = Math.max(0, required - count);
  return {
    activity: activityView(sql, row, s),
    duplicate: false,
    task_updates: { task: work.code, count, required, more_needed: more },
    instructions: {
      ...instructions,
      next_actions: [
        more > 0
          ? `${work.code} has ${count} update${count === 1 ? '' : 's'}: ${more} more before it can complete.`
          : `${work.code} has ${count} update${count === 1 ? '' : 's'}, enough to complete.`,
        ...instructions.next_actions,
      ],
    },
  };
}

/**
 * A page of a session's history, oldest first: the latest activities and context changes
 * before the cursor (at first, the session's very latest). The cursor `a<id>.c<id>` holds
 * where each of the two lists goes on (0: that list is done).
 */
export function sessionHistory(call: Call, p: ParsedParamsOf<'session.history'>) {
  const { sql } = call.app;
  const s = resolveSession(call, p);
  const limit = p.limit ?? 1000;
  const END = Number.MAX_SAFE_INTEGER;
  let before = { a: END, c: END };
  if (p.cursor !== undefined) {
    const m = /^a(\d+)\.c(\d+)$/.exec(p.cursor);
    if (!m) throw badCursor('session.history', p.cursor);
    before = { a: Number(m[1]), c: Number(m[2]) };
  }
  const budget = pageBudget();
  const backwards = (table: 'activities' | 'context_history') => (after: number | undefined, n: number) =>
    sql.all<ActivityRow & ContextHistoryRow>(
      `SELECT * FROM ${table} WHERE session_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
      s.id,
      after ?? END,
      n,
    );
  const acts =
    before.a === 0
      ? { items: [], next: null }
      : collectPage({
          fetch: backwards('activities'),
          key: (r) => r.id,
          // Data over today's limit (stored by an older fragd) is summarised, so no page is stuck on it.
          view: (a: ActivityRow) => activityView(sql, a, s, MAX_FREEFORM_BYTES),
          after: before.a,
          limit,
          budget,
        });
  const hist =
    before.c === 0
      ? { items: [], next: null }
      : collectPage({
          fetch: backwards('context_history'),
          key: (r) => r.id,
          view: (h: ContextHistoryRow) => ({
            id: h.id,
            at: iso(h.at),
            action: h.action,
            type: h.type,
            code: h.code,
            seconds_spent: h.seconds_spent,
            stack: JSON.parse(h.stack) as ContextFrame[],
          }),
          after: before.c,
          limit,
          budget,
          atLeastOne: acts.items.length === 0,
        });
  return {
    session: s.key,
    activities: acts.items.reverse(),
    context: hist.items.reverse(),
    next_cursor: acts.next === null && hist.next === null ? null : `a${acts.next ?? 0}.c${hist.next ?? 0}`,
  };
}
