// Imports a plan file (YAML or JSON, parsed by shared/plan.ts) in one transaction. Errors
// name the place in the file (line:column and the path), and nothing is half-imported:
// the caller's transaction rolls back on any error.
import { setTaskPaths } from '../reservations/reservations.js';
import { ErrorCode, FragError } from '../../../shared/errors.js';
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import { parsePlanWithPlaces, type PlanProject, type PlanSprint, type PlanTask } from '../../../shared/plan.js';
import type { Call } from '../app.js';
import { instructionsFor } from '../answers.js';
import { normalizeSprintCode } from './lookup.js';
import { recordActivity } from '../activities.js';
import { iso } from '../../clock.js';
import { setDependencies } from './claims.js';
import { setLabels } from './labels.js';

function fail(where: string, message: string, extra: Record<string, unknown> = {}): never {
  throw new FragError(ErrorCode.ValidationFailed, `${where}: ${message}`, {
    hint: 'fix the file and import it again; nothing was imported',
    ...extra,
  });
}

export function importPlan(call: Call, p: ParsedParamsOf<'plan.import'>) {
  const filename = p.filename ?? 'plan';
  const { data, placeOf } = parsePlanWithPlaces(p.content, filename, p.format);
  // Dependencies are set once every task exists, so a task may depend on a later one.
  const deps: { code: string; depends_on: string[]; path: (string | number)[] }[] = [];
  const { sql } = call.app;
  const created: string[] = [];
  const updated: string[] = [];
  const seen = new Set<string>();
  const once = (kind: string, c: string) => {
    const k = `${kind}:${c.toUpperCase()}`;
    if (seen.has(k)) fail(filename, `${kind} ${c} appears twice in the plan`);
    seen.add(k);
  };
  const upsert = (table: string, c: string, insert: () => void, update: () => void) => {
    const exists = sql.value(`SELECT 1 FROM ${table} WHERE code = ?`, c);
    if (exists) {
      update();
      updated.push(c);
    } else {
      insert();
      created.push(c);
    }
  };
  const idOf = (table: string, c: string) => sql.value<number>(`SELECT id FROM ${table} WHERE code = ?`, c)!;
  const counts = { projects: 0, sprints: 0, tasks: 0 };

  const importTask = (
    t: PlanTask,
    sprintId: number | null,
    projectId: number | null,
    parentId: number | null,
    path: (string | number)[],
  ) => {
    once('task', t.code);
    if (t.depends_on) deps.push({ code: t.code, depends_on: t.depends_on, path: [...path, 'depends_on'] });
    counts.tasks++;
    upsert(
      'tasks',
      t.code,
      () =>
        sql.run(
          `INSERT INTO tasks (code, project_id, sprint_id, parent_id, title, description, estimate_minutes, assignee, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          t.code,
          projectId,
          sprintId,
          parentId,
          t.title,
          t.description ?? null,
          t.estimate ?? null,
          t.assignee ?? null,
          t.status ?? 'todo',
          call.now,
          call.now,
        ),
      () =>
        sql.run(
          `UPDATE tasks SET project_id = ?, sprint_id = ?, parent_id = ?, title = ?, description = coalesce(?, description),
             estimate_minutes = coalesce(?, estimate_minutes), assignee = coalesce(?, assignee), updated_at = ?
           WHERE code = ?`,
          projectId,
          sprintId,
          parentId,
          t.title,
          t.description ?? null,
          t.estimate ?? null,
          t.assignee ?? null,
          call.now,
          t.code,
        ),
    );
    const id = idOf('tasks', t.code);
    if (t.priority !== undefined) sql.run('UPDATE tasks SET priority = ? WHERE id = ?', t.priority, id);
    if (t.budget) setBudget('tasks', id, t.budget);
    if (t.labels) setLabels(sql, 'task', id, t.labels);
    if (t.paths) {
      try {
        setTaskPaths(sql, id, t.paths);
      } catch (err) {
        if (err instanceof FragError) fail(placeOf([...path, 'paths']), err.message);
        throw err;
      }
    }
    (t.subtasks ?? []).forEach((st, i) => importTask(st, sprintId, projectId, id, [...path, 'subtasks', i]));
  };

  // A plan's budget replaces the item's (docs/costs.md); enforce only when the plan says so.
  const setBudget = (tbl: 'tasks' | 'sprints', id: number, b: { time?: number; cost?: string; enforce?: boolean }) =>
    sql.run(
      `UPDATE ${tbl} SET budget_minutes = ?, budget_usd = ?, budget_enforce = ? WHERE id = ?`,
      b.time || null,
      b.cost && !/^0*(\.0*)?$/.test(b.cost) ? b.cost : null,
      b.enforce ? 1 : 0,
      id,
    );

  const importSprint = (s: PlanSprint, projectId: number | null, path: (string | number)[]) => {
    const c = normalizeSprintCode(s.code);
    once('sprint', c);
    counts.sprints++;
    upsert(
      'sprints',
      c,
      () =>
        sql.run(
          'INSERT INTO sprints (code, project_id, title, goal, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
          c,
          projectId,
          s.title,
          s.goal ?? null,
          call.now,
          call.now,
        ),
      () =>
        sql.run(
          'UPDATE sprints SET project_id = coalesce(?, project_id), title = ?, goal = coalesce(?, goal), updated_at = ? WHERE code = ?',
          projectId,
          s.title,
          s.goal ?? null,
          call.now,
          c,
        ),
    );
    const id = idOf('sprints', c);
    if (s.budget) setBudget('sprints', id, s.budget);
    if (s.labels) setLabels(sql, 'sprint', id, s.labels);
    (s.tasks ?? []).forEach((t, i) => importTask(t, id, projectId, null, [...path, 'tasks', i]));
  };

  const importProject = (pr: PlanProject, path: (string | number)[]) => {
    once('project', pr.code);
    counts.projects++;
    upsert(
      'projects',
      pr.code,
      () =>
        sql.run(
          'INSERT INTO projects (code, title, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
          pr.code,
          pr.title,
          pr.description ?? null,
          call.now,
          call.now,
        ),
      () =>
        sql.run(
          'UPDATE projects SET title = ?, description = coalesce(?, description), updated_at = ? WHERE code = ?',
          pr.title,
          pr.description ?? null,
          call.now,
          pr.code,
        ),
    );
    const id = idOf('projects', pr.code);
    (pr.sprints ?? []).forEach((s, i) => importSprint(s, id, [...path, 'sprints', i]));
    return id;
  };

  const ids = [
    ...(data.project ? [importProject(data.project, ['project'])] : []),
    ...(data.projects ?? []).map((pr, i) => importProject(pr, ['projects', i])),
  ];
  // Top-level sprints belong to the single project when there is exactly one.
  (data.sprints ?? []).forEach((s, i) => importSprint(s, ids.length === 1 ? ids[0] : null, ['sprints', i]));
  // Unknown codes and cycles are refused with the place in the file; the transaction rolls back.
  for (const d of deps) {
    try {
      setDependencies(call, { id: idOf('tasks', d.code), code: d.code }, d.depends_on);
    } catch (err) {
      if (err instanceof FragError) {
        const { cycle, depends_on } = err.data;
        fail(placeOf(d.path), err.message, { cycle, depends_on });
      }
      throw err;
    }
  }

  recordActivity(call, null, {
    kind: 'plan.import',
    message: `imported ${filename}`,
    data: { ...counts, created: created.length, updated: updated.length },
  });
  call.events.push({
    type: 'item.changed',
    session: null,
    at: iso(call.now),
    data: { kind: 'plan', change: 'imported', filename },
  });
  return { ...counts, created, updated, instructions: instructionsFor(call, 'plan_imported', null) };
}
