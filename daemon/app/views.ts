// Rows to the wire shapes of shared/protocol/views.ts.
import { iso, isoOrNull } from '../clock.js';
import type { Sql } from '../store/sql.js';
import type {
  ActiveContext,
  ActivityView,
  ContextFrame,
  ProjectView,
  SessionView,
  SprintView,
  TaskView,
  Source,
  SessionType,
  DelegationStatus,
} from '../../shared/protocol/views.js';
import {
  parseStack,
  type ActivityRow,
  type ProjectRow,
  type SessionRow,
  type SprintRow,
  type StoredFrame,
  type TaskRow,
} from './rows.js';
import { activeMs } from './time/intervals.js';
import { claimView, DEFAULT_PRIORITY, priorityName } from './work/claims.js';
import { remoteHolder } from '../sync/mirror.js';

export const frameView = (f: StoredFrame): ContextFrame => ({
  type: f.type,
  code: f.code,
  title: f.title,
  pushed_at: iso(f.pushed_at),
});

export function activeOf(stack: StoredFrame[]): ActiveContext {
  const find = (t: string) => stack.find((f) => f.type === t)?.code ?? null;
  return { project: find('project'), sprint: find('sprint'), task: find('task'), subtask: find('subtask') };
}

export function sessionView(sql: Sql, s: SessionRow, now: number): SessionView {
  const stack = parseStack(s);
  return {
    key: s.key,
    actor: s.actor,
    os_user: s.os_user,
    chat_session_id: s.chat_session_id,
    source: s.source as Source,
    type: s.type as SessionType,
    status: s.status,
    started_at: iso(s.started_at),
    ended_at: isoOrNull(s.ended_at),
    paused_at: isoOrNull(s.paused_at),
    pause_reason: s.pause_reason,
    last_activity_at: iso(s.last_activity_at),
    active_seconds: Math.floor(activeMs(sql, s.id, now) / 1000),
    stack: stack.map(frameView),
    active: activeOf(stack),
    summary: s.summary,
    metadata: JSON.parse(s.metadata) as Record<string, unknown>,
    counters: { activities: s.activity_count, updates: s.update_count, notes: s.note_count, logs: s.log_count },
  };
}

const codeOf = (sql: Sql, table: 'projects' | 'sprints' | 'tasks', id: number | null): string | null =>
  id == null ? null : (sql.value<string>(`SELECT code FROM ${table} WHERE id = ?`, id) ?? null);

/**
 * `session`, when given, is the activity's session: its key and stack spare the lookups
 * of codes by id (the stack holds the codes of the context the activity was written in).
 */
export function activityView(
  sql: Sql,
  a: ActivityRow,
  session?: SessionRow,
  /** Larger `data` is summarised, not embedded (views that show several activities at a glance). */
  inlineDataMax = Infinity,
): ActivityView {
  const own = session && session.id === a.session_id ? parseStack(session) : null;
  const frameTypes = { projects: ['project'], sprints: ['sprint'], tasks: ['task', 'subtask'] } as const;
  const codeIn = (table: keyof typeof frameTypes, id: number | null) =>
    (id != null && own?.find((f) => f.id === id && (frameTypes[table] as readonly string[]).includes(f.type))?.code) ||
    codeOf(sql, table, id);
  return {
    id: a.id,
    at: iso(a.at),
    session:
      a.session_id == null
        ? null
        : own
          ? session!.key
          : (sql.value<string>('SELECT key FROM sessions WHERE id = ?', a.session_id) ?? null),
    kind: a.kind,
    message: a.message,
    source: a.source,
    context: {
      project: codeIn('projects', a.project_id),
      sprint: codeIn('sprints', a.sprint_id),
      task: codeIn('tasks', a.task_id),
      subtask: codeIn('tasks', a.subtask_id),
    },
    ...dataOf(a.data, inlineDataMax),
  };
}

function dataOf(stored: string | null, inlineMax: number): Pick<ActivityView, 'data' | 'data_omitted'> {
  if (stored == null) return { data: null };
  const data = JSON.parse(stored) as Record<string, unknown>;
  if (stored.length <= inlineMax / 3 || Buffer.byteLength(stored) <= inlineMax) return { data };
  return { data: null, data_omitted: { bytes: Buffer.byteLength(stored), keys: Object.keys(data).slice(0, 20) } };
}

export const projectView = (p: ProjectRow): ProjectView => ({
  code: p.code,
  title: p.title,
  description: p.description,
  status: p.status,
  created_at: iso(p.created_at),
});

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
