// Rows to the wire shapes of shared/protocol/views.ts: the shapes every layer shows.
// A session's view is in sessions/session-view.ts, a task's and a sprint's in work/views.ts.
import { iso } from '../clock.js';
import type { Sql } from '../store/sql.js';
import type { ActiveContext, ActivityView, ContextFrame, ProjectView } from '../../shared/protocol/views.js';
import { parseStack, type ActivityRow, type ProjectRow, type SessionRow, type StoredFrame } from './rows.js';

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

export const codeOf = (sql: Sql, table: 'projects' | 'sprints' | 'tasks', id: number | null): string | null =>
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
