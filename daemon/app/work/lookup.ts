// Projects, sprints and tasks by code or id; an unknown code is a not-found error that
// says how to list the known ones.
import { notFound } from '../../../shared/errors.js';
import { fragctl } from '../../../shared/command.js';
import type { Call } from '../app.js';
import type { ProjectRow, SprintRow, TaskRow } from '../rows.js';

/** `1` and `sprint-1` both mean SPRINT-1. */
export const normalizeSprintCode = (code: string): string =>
  /^\d+$/.test(code) ? `SPRINT-${code}` : code.toUpperCase();

export function findProject(call: Call, code: string): ProjectRow {
  const p = call.app.sql.get<ProjectRow>('SELECT * FROM projects WHERE code = ?', code);
  if (!p) throw notFound('project', code, `list projects with: ${fragctl('project', 'list')}`);
  return p;
}

export function findSprint(call: Call, code: string): SprintRow {
  const c = normalizeSprintCode(code);
  const s = call.app.sql.get<SprintRow>('SELECT * FROM sprints WHERE code = ?', c);
  if (!s) throw notFound('sprint', c, `list sprints with: ${fragctl('sprint', 'list')}`);
  return s;
}

export function findTask(call: Call, code: string): TaskRow {
  const t = call.app.sql.get<TaskRow>('SELECT * FROM tasks WHERE code = ?', code);
  if (!t) throw notFound('task', code, `list tasks with: ${fragctl('task', 'list')}`);
  return t;
}

export const taskById = (call: Call, id: number): TaskRow =>
  call.app.sql.get<TaskRow>('SELECT * FROM tasks WHERE id = ?', id)!;
export const sprintById = (call: Call, id: number): SprintRow =>
  call.app.sql.get<SprintRow>('SELECT * FROM sprints WHERE id = ?', id)!;
export const projectById = (call: Call, id: number): ProjectRow =>
  call.app.sql.get<ProjectRow>('SELECT * FROM projects WHERE id = ?', id)!;
