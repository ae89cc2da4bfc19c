// Projects, sprints and tasks: the work items a session's context points at.
import { setTaskPaths } from '../reservations/reservations.js';
import { sprintBudget, taskBudget } from '../costs/budgets.js';
import { taskSpend } from '../costs/spend.js';
import { collectPage, idCursor, pageBudget } from '../paging.js';
import { ErrorCode, FragError, invalidState } from '../../../shared/errors.js';
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import type { ActivityView } from '../../../shared/protocol/views.js';
import { iso } from '../../clock.js';
import type { Call } from '../app.js';
import { filterSql, labelledTasks, quoteSql, resolveFilters } from '../filters.js';
import { setLabels } from './labels.js';
import type { Sql } from '../../store/sql.js';
import type { ProjectRow, SessionRow, SprintRow, TaskRow } from '../rows.js';
import { currentSessionOf, DEFAULT_ACTOR } from '../sessions/lookup.js';
import { activityView, projectView } from '../views.js';
import { sprintView, taskView } from './views.js';
import { findProject, findSprint, findTask, normalizeSprintCode, sprintById } from './lookup.js';
import { recordActivity } from '../activities.js';
import { instructionsFor } from '../answers.js';
import { finishTask, gateSprint, gateTask, recordSprintCompletion } from './completion.js';
import type { ActivityRow } from '../rows.js';
import { taskTrackedMs, withEstimateCheck } from '../time/reports.js';
import { taskMsElsewhere } from '../time/totals.js';
import type { RemoteUpdate } from '../../sync/syncer.js';
import { fragctl } from '../../../shared/command.js';
import { priorityNumber, setDependencies } from './claims.js';
import { chooseNext } from './next.js';

function conflictIfExists(call: Call, table: 'projects' | 'sprints' | 'tasks', what: string, code: string): void {
  if (call.app.sql.value(`SELECT 1 FROM ${table} WHERE code = ?`, code)) {
    throw new FragError(ErrorCode.Conflict, `${what} ${code} already exists`, {
      what,
      code,
      hint: `change it with: ${fragctl(what, 'edit', code)} …`,
    });
  }
}

function itemChanged(
  call: Call,
  kind: 'project' | 'sprint' | 'task',
  code: string,
  change: 'created' | 'edited' | 'completed',
): void {
  call.events.push({ type: 'item.changed', session: null, at: iso(call.now), data: { kind, code, change } });
  recordActivity(call, null, { kind: `${kind}.${change}`, message: `${kind} ${code} ${change}`, data: { code } });
}

export function createProject(call: Call, p: ParsedParamsOf<'project.create'>) {
  conflictIfExists(call, 'projects', 'project', p.code);
  call.app.sql.run(
    'INSERT INTO projects (code, title, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    p.code,
    p.title,
    p.description ?? null,
    call.now,
    call.now,
  );
  itemChanged(call, 'project', p.code, 'created');
  return {
    project: projectView(findProject(call, p.code)),
    instructions: instructionsFor(call, 'item_created', null, { kind: 'project', code: p.code }),
  };
}

export function editProject(call: Call, p: ParsedParamsOf<'project.edit'>) {
  const row = findProject(call, p.code);
  call.app.sql.run(
    'UPDATE projects SET title = coalesce(?, title), description = coalesce(?, description), status = coalesce(?, status), updated_at = ? WHERE id = ?',
    p.title ?? null,
    p.description ?? null,
    p.status ?? null,
    call.now,
    row.id,
  );
  itemChanged(call, 'project', row.code, 'edited');
  return {
    project: projectView(findProject(call, row.code)),
    instructions: instructionsFor(call, 'item_changed', null, { kind: 'project', code: row.code }),
  };
}

export function listProjects(call: Call, p: ParsedParamsOf<'project.list'>) {
  const page = collectPage({
    fetch: (after: string | undefined, n) =>
      call.app.sql.all<ProjectRow>(
        'SELECT * FROM projects WHERE ?1 IS NULL OR code > ?1 ORDER BY code LIMIT ?2',
        after ?? null,
        n,
      ),
    key: (r) => r.code,
    view: projectView,
    after: p?.cursor,
    limit: p?.limit ?? 1000,
    budget: pageBudget(),
  });
  return { projects: page.items, next_cursor: page.next };
}

const LEVEL_NOTES = 20;

/** The latest notes filed on a sprint or project itself, not on one of its tasks, oldest first. */
function levelNotes(sql: Sql, level: 'sprint' | 'project', id: number): ActivityView[] {
  const rows = sql.all<ActivityRow>(
    level === 'sprint'
      ? "SELECT * FROM activities WHERE sprint_id = ? AND kind = 'note' AND task_id IS NULL ORDER BY id DESC LIMIT ?"
      : "SELECT * FROM activities WHERE project_id = ? AND kind = 'note' AND task_id IS NULL AND sprint_id IS NULL ORDER BY id DESC LIMIT ?",
    id,
    LEVEL_NOTES,
  );
  return rows.reverse().map((a) => activityView(sql, a));
}

export function showProject(call: Call, p: ParsedParamsOf<'project.show'>) {
  const row = findProject(call, p.code);
  const sprints = call.app.sql.all<SprintRow>('SELECT * FROM sprints WHERE project_id = ? ORDER BY id', row.id);
  return {
    project: projectView(row),
    sprints: sprints.map((s) => sprintView(call.app.sql, s)),
    notes: levelNotes(call.app.sql, 'project', row.id),
  };
}

export function createSprint(call: Call, p: ParsedParamsOf<'sprint.create'>) {
  const code = normalizeSprintCode(p.code);
  conflictIfExists(call, 'sprints', 'sprint', code);
  const project = p.project ? findProject(call, p.project) : null;
  call.app.sql.run(
    'INSERT INTO sprints (code, project_id, title, goal, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    code,
    project?.id ?? null,
    p.title,
    p.goal ?? null,
    call.now,
    call.now,
  );
  if (p.labels) setLabels(call.app.sql, 'sprint', findSprint(call, code).id, p.labels);
  itemChanged(call, 'sprint', code, 'created');
  return {
    sprint: sprintView(call.app.sql, findSprint(call, code)),
    instructions: instructionsFor(call, 'item_created', null, { kind: 'sprint', code }),
  };
}

export function editSprint(call: Call, p: ParsedParamsOf<'sprint.edit'>) {
  const row = findSprint(call, p.code);
  const completing = p.status === 'completed' && row.status !== 'completed';
  // Setting the status to completed is a completion: the same gate as sprint.complete.
  const gate = completing ? gateSprint(call, null, row, p) : null;
  const starting = p.status === 'active' && row.started_at == null;
  call.app.sql.run(
    `UPDATE sprints SET title = coalesce(?, title), goal = coalesce(?, goal), status = coalesce(?, status),
       summary = coalesce(?, summary), retrospective = coalesce(?, retrospective), deliverables = coalesce(?, deliverables),
       started_at = CASE WHEN ? THEN ? ELSE started_at END,
       completed_at = CASE WHEN ? THEN ? ELSE completed_at END, updated_at = ? WHERE id = ?`,
    p.title ?? null,
    p.goal ?? null,
    p.status ?? null,
    p.summary ?? null,
    p.retrospective ?? null,
    p.deliverables ?? null,
    starting ? 1 : 0,
    call.now,
    completing ? 1 : 0,
    call.now,
    call.now,
    row.id,
  );
  if (p.labels) setLabels(call.app.sql, 'sprint', row.id, p.labels);
  itemChanged(call, 'sprint', row.code, 'edited');
  if (gate) recordSprintCompletion(call, null, row, gate, p.summary ?? p.retrospective ?? row.summary);
  return {
    sprint: sprintView(call.app.sql, findSprint(call, row.code)),
    instructions: instructionsFor(call, 'item_changed', null, { kind: 'sprint', code: row.code }),
  };
}

export function listSprints(call: Call, p: ParsedParamsOf<'sprint.list'>) {
  const project = p?.project ? findProject(call, p.project) : null;
  const f = resolveFilters(call, { label: p?.label, actor: p?.actor, kind: p?.kind });
  // A sprint has a label when it or one of its tasks carries it; an actor, when it tracked time in it.
  const where = [
    ...f.labelIds.map(
      (l) =>
        ` AND (id IN (SELECT sprint_id FROM sprint_labels WHERE label_id = ${l}) OR id IN (SELECT t.sprint_id FROM tasks t WHERE t.id IN (SELECT task_id FROM task_labels WHERE label_id = ${l})))`,
    ),
    f.actor != null || f.kind != null
      ? ` AND id IN (SELECT sprint_id FROM intervals WHERE sprint_id IS NOT NULL${filterSql({ ...f, labelIds: [] }, '', true)})`
      : '',
  ].join('');
  const page = collectPage({
    fetch: (after: number | undefined, n) =>
      call.app.sql.all<SprintRow>(
        `SELECT * FROM sprints WHERE (?1 IS NULL OR project_id = ?1) AND (?2 IS NULL OR status = ?2) AND id > ?3${where}
          ORDER BY id LIMIT ?4`,
        project?.id ?? null,
        p?.status ?? null,
        after ?? 0,
        n,
      ),
    key: (r) => r.id,
    view: (s) => sprintView(call.app.sql, s),
    after: idCursor('sprint.list', p?.cursor),
    limit: p?.limit ?? 1000,
    budget: pageBudget(),
  });
  return { sprints: page.items, next_cursor: page.next === null ? null : String(page.next) };
}

export function showSprint(call: Call, p: ParsedParamsOf<'sprint.show'>) {
  const row = findSprint(call, p.code);
  const tasks = call.app.sql.all<TaskRow>('SELECT * FROM tasks WHERE sprint_id = ? ORDER BY id', row.id);
  const { spend, budget } = sprintBudget(call, row.id);
  // Top-level tasks only: a subtask's time and tokens are in its task's.
  const top = tasks.filter((t) => t.parent_id == null);
  return {
    sprint: sprintView(call.app.sql, row),
    tasks: tasks.map((t) => taskView(call.app.sql, t)),
    spend: {
      estimate_minutes: top.reduce((a, t) => a + (t.estimate_minutes ?? 0), 0),
      total: spend,
      tasks: top.map((t) => ({ code: t.code, estimate_minutes: t.estimate_minutes, spend: taskSpend(call, t.id) })),
    },
    budget,
    notes: levelNotes(call.app.sql, 'sprint', row.id),
  };
}

export function createTask(call: Call, p: ParsedParamsOf<'task.create'>) {
  conflictIfExists(call, 'tasks', 'task', p.code);
  const parent = p.parent ? findTask(call, p.parent) : null;
  if (parent?.parent_id) {
    throw invalidState(`${parent.code} is itself a subtask; subtasks are one level deep`, { parent: parent.code });
  }
  const sprint = p.sprint ? findSprint(call, p.sprint) : parent?.sprint_id ? sprintById(call, parent.sprint_id) : null;
  const project = p.project ? findProject(call, p.project) : null;
  const projectId = project?.id ?? parent?.project_id ?? sprint?.project_id ?? null;
  call.app.sql.run(
    `INSERT INTO tasks (code, project_id, sprint_id, parent_id, title, description, estimate_minutes, assignee, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    p.code,
    projectId,
    sprint?.id ?? null,
    parent?.id ?? null,
    p.title,
    p.description ?? null,
    p.estimate_minutes ?? null,
    p.assignee ?? null,
    call.now,
    call.now,
  );
  const made = findTask(call, p.code);
  if (p.priority) call.app.sql.run('UPDATE tasks SET priority = ? WHERE id = ?', priorityNumber(p.priority), made.id);
  if (p.depends_on) setDependencies(call, made, p.depends_on);
  if (p.labels) setLabels(call.app.sql, 'task', made.id, p.labels);
  if (p.paths) setTaskPaths(call.app.sql, made.id, p.paths);
  itemChanged(call, 'task', p.code, 'created');
  return {
    task: taskView(call.app.sql, findTask(call, p.code)),
    instructions: instructionsFor(call, 'item_created', null, { kind: 'task', code: p.code }),
  };
}

/**
 * task.edit names no session: the one working on the task (the task or its parent on top of
 * the stack), else the person's current one, so a refusal's fixes and reminder are about the
 * session that is there, not "no session".
 */
function sessionOf(call: Call, task: TaskRow): SessionRow | null {
  return (
    call.app.sql.get<SessionRow>(
      `SELECT * FROM sessions WHERE status IN ('active','paused') AND active_task_id IN (?, ?)
        ORDER BY status = 'active' DESC, last_activity_at DESC, id DESC LIMIT 1`,
      task.id,
      task.parent_id ?? task.id,
    ) ??
    currentSessionOf(call, DEFAULT_ACTOR) ??
    null
  );
}

export function editTask(call: Call, p: ParsedParamsOf<'task.edit'>) {
  const row = findTask(call, p.code);
  const sprint = p.sprint ? findSprint(call, p.sprint) : null;
  if (sprint && sprint.id !== row.sprint_id && (sprint.status === 'completed' || sprint.status === 'cancelled')) {
    throw invalidState(`${sprint.code} is ${sprint.status}: a task cannot move into it`, {
      task: row.code,
      sprint: sprint.code,
      hint: `choose an open sprint (${fragctl('sprint', 'list')}), or reopen it with: ${fragctl('sprint', 'edit', sprint.code, '--status', 'active')}`,
    });
  }
  if (p.depends_on) setDependencies(call, row, p.depends_on);
  if (p.labels) setLabels(call.app.sql, 'task', row.id, p.labels);
  if (p.paths) setTaskPaths(call.app.sql, row.id, p.paths);
  if (p.priority) call.app.sql.run('UPDATE tasks SET priority = ? WHERE id = ?', priorityNumber(p.priority), row.id);
  if (p.budget_minutes !== undefined || p.budget_usd !== undefined) setTaskBudget(call, row, p);
  const completing = p.status === 'completed' && row.status !== 'completed';
  // Setting the status to completed is a completion: the same gate as task.complete.
  const gate = completing ? gateTask(call, sessionOf(call, row), row, { summary: p.summary, force: p.force }) : null;
  call.app.sql.run(
    `UPDATE tasks SET title = coalesce(?, title), description = coalesce(?, description), status = coalesce(?, status),
       estimate_minutes = coalesce(?, estimate_minutes), delegation_status = coalesce(?, delegation_status),
       assignee = coalesce(?, assignee), summary = coalesce(?, summary), sprint_id = coalesce(?, sprint_id),
       completed_at = CASE WHEN ? THEN ? WHEN ? IS NOT NULL AND ? != 'completed' THEN NULL ELSE completed_at END,
       updated_at = ? WHERE id = ?`,
    p.title ?? null,
    p.description ?? null,
    p.status ?? null,
    p.estimate_minutes ?? null,
    p.delegation_status ?? null,
    p.assignee ?? null,
    p.summary ?? null,
    sprint?.id ?? null,
    completing ? 1 : 0,
    call.now,
    p.status ?? null,
    p.status ?? null,
    call.now,
    row.id,
  );
  itemChanged(call, 'task', row.code, 'edited');
  if (gate) finishTask(call, null, gate);
  if (p.estimate_minutes !== undefined && p.estimate_minutes !== row.estimate_minutes) {
    const change = recordActivity(call, null, {
      kind: 'estimate.change',
      message: `${row.code} estimate ${row.estimate_minutes ?? '-'} → ${p.estimate_minutes} min`,
      data: {
        code: row.code,
        old: row.estimate_minutes,
        new: p.estimate_minutes,
        tracked_minutes: Math.round(taskTrackedMs(call, row.id, call.now) / 60_000),
      },
    });
    // Filed under the task, so its history shows how the estimate moved.
    call.app.sql.run(
      'UPDATE activities SET task_id = coalesce(?, ?), subtask_id = CASE WHEN ? IS NULL THEN NULL ELSE ? END WHERE id = ?',
      row.parent_id,
      row.id,
      row.parent_id,
      row.id,
      change.id,
    );
  }
  const answer = {
    task: taskView(call.app.sql, findTask(call, row.code)),
    instructions: instructionsFor(call, 'item_changed', null, { kind: 'task', code: row.code }),
  };
  return completing ? withEstimateCheck(call, row.id, answer, true) : answer;
}

export function listTasks(call: Call, p: ParsedParamsOf<'task.list'>) {
  const sprint = p?.sprint ? findSprint(call, p.sprint) : null;
  const project = p?.project ? findProject(call, p.project) : null;
  const parent = p?.parent ? findTask(call, p.parent) : null;
  const f = resolveFilters(call, { label: p?.label, actor: p?.actor, kind: p?.kind });
  // Labels: the task's, its parent's or its sprint's; an actor (or kind): who tracked time on it or is its assignee.
  const where = [
    ...f.labelIds.map((l) => ` AND id IN (${labelledTasks(l)})`),
    f.actor != null || f.kind != null
      ? ` AND (id IN (SELECT task_id FROM intervals WHERE task_id IS NOT NULL${filterSql({ ...f, labelIds: [] }, '', true)})${
          f.actor != null && f.kind == null ? ` OR assignee = ${quoteSql(f.actor)}` : ''
        })`
      : '',
  ].join('');
  // Ready: what `next` could choose for nobody in particular; blocked: open with open
  // dependencies. Both are worked out first and narrow the paged query by id.
  const only: number[] | null = p?.ready
    ? chooseNext(call, null).ready.map((t) => t.id)
    : p?.blocked
      ? call.app.sql
          .all<{ id: number }>(
            `SELECT DISTINCT t.id FROM tasks t JOIN task_deps d ON d.task_id = t.id JOIN tasks x ON x.id = d.depends_on_id
              WHERE t.status NOT IN ('completed','cancelled') AND x.status NOT IN ('completed','cancelled')`,
          )
          .map((r) => r.id)
      : null;
  const page = collectPage({
    fetch: (after: number | undefined, n) =>
      call.app.sql.all<TaskRow>(
        `SELECT * FROM tasks WHERE (?1 IS NULL OR sprint_id = ?1) AND (?2 IS NULL OR project_id = ?2)
           AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR parent_id = ?4) AND (?7 IS NULL OR priority = ?7)
           AND (?8 IS NULL OR id IN (SELECT value FROM json_each(?8)))${where}
           AND id > ?5 ORDER BY id LIMIT ?6`,
        sprint?.id ?? null,
        project?.id ?? null,
        p?.status ?? null,
        parent?.id ?? null,
        after ?? 0,
        n,
        p?.priority ? priorityNumber(p.priority) : null,
        only ? JSON.stringify(only) : null,
      ),
    key: (r) => r.id,
    view: (t) => taskView(call.app.sql, t),
    after: idCursor('task.list', p?.cursor),
    limit: p?.limit ?? 1000,
    budget: pageBudget(),
  });
  return { tasks: page.items, next_cursor: page.next === null ? null : String(page.next) };
}

export const DEFAULT_TASK_UPDATES = 50;

/**
 * The task's latest `n` updates and notes (filed under it as task or subtask), oldest first.
 * Four reads, each from the top of an index ordered by id, so the cost does not grow with
 * the task's history.
 */
function latestUpdates(sql: Sql, taskId: number, n: number): ActivityRow[] {
  const byId = new Map<number, ActivityRow>();
  for (const column of ['task_id', 'subtask_id'])
    for (const kind of ['update', 'note'])
      for (const a of sql.all<ActivityRow>(
        `SELECT * FROM activities WHERE ${column} = ? AND kind = ? ORDER BY id DESC LIMIT ?`,
        taskId,
        kind,
        n,
      ))
        byId.set(a.id, a);
  return [...byId.values()].sort((a, b) => a.id - b.id).slice(-n);
}

/**
 * `team`: what the team store answered just now (daemon/app/team/task-show.ts), when sync is
 * on and it answered; the time elsewhere it read is already in the mirror (sync_progress).
 */
export function showTask(call: Call, p: ParsedParamsOf<'task.show'>, team?: { updates: RemoteUpdate[] } | null) {
  const { sql } = call.app;
  const row = findTask(call, p.code);
  const subtasks = sql.all<TaskRow>('SELECT * FROM tasks WHERE parent_id = ? ORDER BY id', row.id);
  const limit = p.updates_limit ?? DEFAULT_TASK_UPDATES;
  const updates = latestUpdates(sql, row.id, limit + 1);
  return {
    task: taskView(sql, row),
    subtasks: subtasks.map((t) => taskView(sql, t)),
    updates: updates.slice(-limit).map((a) => activityView(sql, a)),
    older_updates: updates.length > limit,
    time_elsewhere: taskMsElsewhere(sql, row.id).map((m) => ({ machine: m.machine, seconds: Math.round(m.ms / 1000) })),
    updates_elsewhere: (team?.updates ?? []).slice(-limit).map((u) => ({ ...u, at: new Date(u.at).toISOString() })),
    team_fresh: team != null,
    ...taskBudget(call, row.id),
  };
}

/** Sets (0 clears) a task's budgets; a new budget is told afresh, so its crossings are forgotten. */
function setTaskBudget(call: Call, row: TaskRow, p: { budget_minutes?: number; budget_usd?: string }): void {
  const { sql } = call.app;
  if (p.budget_minutes !== undefined) {
    sql.run('UPDATE tasks SET budget_minutes = ? WHERE id = ?', p.budget_minutes || null, row.id);
    sql.run("DELETE FROM budget_marks WHERE scope = 'task' AND item_id = ? AND measure = 'time'", row.id);
  }
  if (p.budget_usd !== undefined) {
    sql.run(
      'UPDATE tasks SET budget_usd = ? WHERE id = ?',
      /^0*(\.0*)?$/.test(p.budget_usd) ? null : p.budget_usd,
      row.id,
    );
    sql.run("DELETE FROM budget_marks WHERE scope = 'task' AND item_id = ? AND measure = 'cost'", row.id);
  }
  recordActivity(call, null, {
    kind: 'budget.change',
    message: `${row.code} budget: ${[p.budget_minutes !== undefined ? `time ${p.budget_minutes || 'none'} min` : null, p.budget_usd !== undefined ? `cost $${p.budget_usd}` : null].filter(Boolean).join(', ')}`,
    data: { task: row.code, budget_minutes: p.budget_minutes ?? null, budget_usd: p.budget_usd ?? null },
  });
}
