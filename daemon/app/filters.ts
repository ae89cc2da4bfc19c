// The filters of reports and lists (issue 26): project, sprint, labels, actor and actor kind,
// resolved once to ids and turned into one SQL condition over a table that carries
// project_id, sprint_id, task_id and actor (intervals, agent_tokens). Only integers the
// store gave and constants reach the SQL text, so it composes with any query's own
// numbered parameters without renumbering them.
import { notFound } from '../../shared/errors.js';
import { fragctl } from '../../shared/command.js';
import type { Call } from './app.js';

export interface FilterParams {
  project?: string;
  sprint?: string;
  label?: string[];
  actor?: string;
  kind?: 'agent' | 'human';
}

export interface ResolvedFilters {
  projectId: number | null;
  sprintId: number | null;
  labelIds: number[];
  actor: string | null;
  kind: 'agent' | 'human' | null;
  /** What was asked, as given back in answers. */
  applied: { project?: string; sprint?: string; label?: string[]; actor?: string; kind?: 'agent' | 'human' };
}

/** The actor every session defaults to; any other actor is an agent (sessions/lookup.ts). */
export const HUMAN_ACTOR = 'human';

const sprintCode = (code: string) => (/^\d+$/.test(code) ? `SPRINT-${code}` : code.toUpperCase());

export function resolveFilters(call: Call, p: FilterParams | undefined): ResolvedFilters {
  const { sql } = call.app;
  const applied: ResolvedFilters['applied'] = {};
  let projectId: number | null = null;
  let sprintId: number | null = null;
  if (p?.project) {
    projectId = sql.value<number>('SELECT id FROM projects WHERE code = ?', p.project) ?? null;
    if (projectId == null) throw notFound('project', p.project, `list projects with: ${fragctl('project', 'list')}`);
    applied.project = sql.value<string>('SELECT code FROM projects WHERE id = ?', projectId)!;
  }
  if (p?.sprint) {
    const c = sprintCode(p.sprint);
    sprintId = sql.value<number>('SELECT id FROM sprints WHERE code = ?', c) ?? null;
    if (sprintId == null) throw notFound('sprint', c, `list sprints with: ${fragctl('sprint', 'list')}`);
    applied.sprint = c;
  }
  const labelIds: number[] = [];
  for (const name of p?.label ?? []) {
    const id = sql.value<number>('SELECT id FROM labels WHERE name = ?', name);
    if (id == null) {
      const known = sql.all<{ name: string }>('SELECT name FROM labels ORDER BY name LIMIT 30').map((l) => l.name);
      throw notFound(
        'label',
        name,
        known.length ? `known labels: ${known.join(', ')}` : 'no task or sprint has a label yet',
      );
    }
    labelIds.push(id);
  }
  if (labelIds.length) applied.label = p!.label!.map((l) => l.toLowerCase());
  if (p?.actor) applied.actor = p.actor;
  if (p?.kind) applied.kind = p.kind;
  return { projectId, sprintId, labelIds, actor: p?.actor ?? null, kind: p?.kind ?? null, applied };
}

/** Task ids (tasks.id) that carry label `id`: on the task, on its parent task, or on its sprint. */
export const labelledTasks = (id: number) =>
  `SELECT t.id FROM tasks t WHERE t.id IN (SELECT task_id FROM task_labels WHERE label_id = ${id})
     OR t.parent_id IN (SELECT task_id FROM task_labels WHERE label_id = ${id})
     OR t.sprint_id IN (SELECT sprint_id FROM sprint_labels WHERE label_id = ${id})`;

/**
 * The condition (starting with AND, or empty) on a table with project_id, sprint_id,
 * task_id and actor columns, optionally qualified by `alias.`. The actor itself is left to
 * the caller's bound parameter when `withActor` is false.
 */
export function filterSql(f: ResolvedFilters, alias = '', withActor = false): string {
  const a = alias ? `${alias}.` : '';
  const parts: string[] = [];
  if (f.projectId != null) parts.push(`${a}project_id = ${f.projectId}`);
  if (f.sprintId != null) parts.push(`${a}sprint_id = ${f.sprintId}`);
  for (const id of f.labelIds) parts.push(`${a}task_id IN (${labelledTasks(id)})`);
  if (withActor && f.actor != null) parts.push(`${a}actor = ${quoteSql(f.actor)}`);
  if (f.kind) parts.push(`${a}actor ${f.kind === 'human' ? '=' : '<>'} '${HUMAN_ACTOR}'`);
  return parts.map((x) => ` AND ${x}`).join('');
}

/** A string literal for SQL (actors are checked against ACTOR_PATTERN, and quotes doubled anyway). */
export const quoteSql = (s: string) => `'${s.replace(/'/g, "''")}'`;

export const hasFilters = (f: ResolvedFilters) =>
  f.projectId != null || f.sprintId != null || f.labelIds.length > 0 || f.kind != null;
