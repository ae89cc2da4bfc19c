// Task and sprint rows to their wire shapes, with their claims, dependencies and counts.
import { taskPaths } from '../reservations/reservations.js';
import { iso, isoOrNull } from '../../clock.js';
import type { Sql } from '../../store/sql.js';
import type { DelegationStatus, SprintView, TaskView } from '../../../shared/protocol/views.js';
import type { SprintRow, TaskRow } from '../rows.js';
import { codeOf } from '../views.js';
import { claimView, DEFAULT_PRIORITY, priorityName } from './claims.js';
import { remoteHolder } from '../../sync/mirror.js';
import { labelsOf } from './labels.js';

export function sprintView(sql: Sql, s: SprintRow): SprintView {
  const counts = sql.get<{ total: number; completed: number; cancelled: number; in_progress: number }>(
    `SELECT count(*) AS total,
            coalesce(sum(status = 'completed'), 0) AS completed,
            coalesce(sum(status = 'cancelled'), 0) AS cancelled,
            coalesce(sum(status = 'in_progress'), 0) AS in_progress
       FROM tasks WHERE sprint_id = ? AND parent_id IS NULL`,
    s.id,
  )!;
  return {
    code: s.code,
    project: codeOf(sql, 'projects', s.project_id),
    title: s.title,
    goal: s.goal,
    status: s.status,
    summary: s.summary,
    retrospective: s.retrospective,
    deliverables: s.deliverables,
    labels: labelsOf(sql, 'sprint', s.id),
    started_at: isoOrNull(s.started_at),
    completed_at: isoOrNull(s.completed_at),
    tasks: counts,
  };
}

export function taskView(sql: Sql, t: TaskRow): TaskView {
  return {
    code: t.code,
    title: t.title,
    description: t.description,
    project: codeOf(sql, 'projects', t.project_id),
    sprint: codeOf(sql, 'sprints', t.sprint_id),
    parent: codeOf(sql, 'tasks', t.parent_id),
    status: t.status,
    estimate_minutes: t.estimate_minutes,
    delegation_status: t.delegation_status as DelegationStatus,
    assignee: t.assignee,
    summary: t.summary,
    updates: countUpdates(sql, t.id),
    subtasks: sql
      .all<{ code: string }>('SELECT code FROM tasks WHERE parent_id = ? ORDER BY id', t.id)
      .map((r) => r.code),
    priority: priorityName(t.priority ?? DEFAULT_PRIORITY),
    labels: labelsOf(sql, 'task', t.id),
    depends_on: sql
      .all<{ code: string; status: string }>(
        'SELECT t.code, t.status FROM task_deps d JOIN tasks t ON t.id = d.depends_on_id WHERE d.task_id = ? ORDER BY t.id',
        t.id,
      )
      .map((r) => r.code),
    blocked_by: sql
      .all<{ code: string }>(
        `SELECT t.code FROM task_deps d JOIN tasks t ON t.id = d.depends_on_id
          WHERE d.task_id = ? AND t.status NOT IN ('completed','cancelled') ORDER BY t.id`,
        t.id,
      )
      .map((r) => r.code),
    paths: taskPaths(sql, t.id),
    claim: claimView(sql, t.id),
    held_elsewhere: heldElsewhereView(sql, t),
    created_at: iso(t.created_at),
    completed_at: isoOrNull(t.completed_at),
  };
}

function heldElsewhereView(sql: Sql, t: TaskRow): TaskView['held_elsewhere'] {
  const top = t.parent_id == null ? t.code : codeOf(sql, 'tasks', t.parent_id);
  const h = top ? remoteHolder(sql, top) : null;
  return h && { machine: h.machine, actor: h.actor, session: h.session, since: h.since };
}

/** The task's context updates (its own and those filed under it as a subtask), kept by triggers. */
export const countUpdates = (sql: Sql, taskId: number): number =>
  sql.value<number>('SELECT n FROM task_update_counts WHERE task_id = ?', taskId) ?? 0;
