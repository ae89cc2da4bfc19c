// Imports a plan file (YAML or JSON; YAML parses both) in one transaction. Errors name
// the place in the file (line:column and the path), and nothing is half-imported: the
// caller's transaction rolls back on any error.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { z } from 'zod';
import { ErrorCode, FragError } from '../../../shared/errors.js';
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import type { Call } from '../app.js';
import { instructionsFor } from '../instructions.js';
import { normalizeSprintCode } from './items.js';
import { recordActivity } from '../activities.js';
import { iso } from '../../clock.js';
import { parseMinutes } from '../../../shared/format.js';
import { PRIORITIES, priorityNumber, setDependencies } from './claims.js';

const estimate = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const minutes = parseMinutes(v);
  if (minutes === null) ctx.addIssue({ code: 'custom', message: 'an estimate is minutes (90) or a duration (1h30m)' });
  return minutes ?? 0;
});
const code = z.string().trim().min(1).max(64);
const title = z.string().trim().min(1).max(500);
const baseTask = {
  code,
  title,
  description: z.string().optional(),
  estimate: estimate.optional(),
  assignee: z.string().optional(),
  /** urgent, high, normal, low, or 1 (urgent) … 4 (low). */
  priority: z
    .union([z.enum(PRIORITIES), z.number().int().min(1).max(4)])
    .transform((v) => (typeof v === 'number' ? v : priorityNumber(v)))
    .optional(),
  /** Codes of tasks (in this plan or already stored) that must complete first. */
  depends_on: z
    .union([code, z.array(code)])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .optional(),
  // A plan sets the starting status of new tasks; completing goes through the gate
  // (fragctl task complete), so a plan cannot close work.
  status: z
    .enum(['todo', 'in_progress', 'blocked', 'cancelled'], {
      error: (i) =>
        i.input === 'completed'
          ? 'a plan cannot complete tasks: complete them with fragctl task complete (validated)'
          : undefined,
    })
    .optional(),
};
const subtask = z.object(baseTask).strict();
const task = z.object({ ...baseTask, subtasks: z.array(subtask).optional() }).strict();
const sprint = z
  .object({
    code: z.union([code, z.number().int().min(1)]).transform(String),
    title,
    goal: z.string().optional(),
    tasks: z.array(task).optional(),
  })
  .strict();
const project = z
  .object({ code, title, description: z.string().optional(), sprints: z.array(sprint).optional() })
  .strict();
const plan = z
  .object({ project: project.optional(), projects: z.array(project).optional(), sprints: z.array(sprint).optional() })
  .strict()
  .refine((p) => p.project || p.projects || p.sprints, 'a plan needs a project, projects or sprints');

type Plan = z.output<typeof plan>;

function fail(where: string, message: string, extra: Record<string, unknown> = {}): never {
  throw new FragError(ErrorCode.ValidationFailed, `${where}: ${message}`, {
    hint: 'fix the file and import it again; nothing was imported',
    ...extra,
  });
}

// yaml is loaded on the first import, not at daemon start: it costs ~8 MB of resident
// memory that a daemon which never imports a plan should not carry.
let yaml: typeof Yaml | undefined;
const loadYaml = (): typeof Yaml => (yaml ??= createRequire(import.meta.url)('yaml') as typeof Yaml);

/** The plan, and a function naming the place in the file of a path in it. */
export function parsePlan(
  content: string,
  filename: string,
): { data: Plan; placeOf: (path: (string | number)[]) => string } {
  const { LineCounter, parseDocument, isNode } = loadYaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(content, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const place = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${filename}:${line}:${col}`;
  };
  if (doc.errors.length) {
    const e = doc.errors[0];
    fail(place(e.pos[0]), e.message.split('\n')[0], { line: e.linePos?.[0].line, column: e.linePos?.[0].col });
  }
  const placeOf = (path: (string | number)[]) => {
    // Point at the deepest node of the path that exists in the file.
    let node: unknown;
    for (let n = path.length; n >= 0 && !isNode(node); n--)
      node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const offset = isNode(node) && node.range ? node.range[0] : 0;
    const dotted = path
      .map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`))
      .join('')
      .replace(/^\./, '');
    return `${place(offset)}${dotted ? ` (${dotted})` : ''}`;
  };
  const parsed = plan.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    const dotted = path
      .map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`))
      .join('')
      .replace(/^\./, '');
    fail(placeOf(path), issue.message, { path: dotted });
  }
  return { data: parsed.data, placeOf };
}

export function importPlan(call: Call, p: ParsedParamsOf<'plan.import'>) {
  const filename = p.filename ?? 'plan';
  const { data, placeOf } = parsePlan(p.content, filename);
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
    t: z.output<typeof task>,
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
    (t.subtasks ?? []).forEach((st, i) => importTask(st, sprintId, projectId, id, [...path, 'subtasks', i]));
  };

  const importSprint = (s: z.output<typeof sprint>, projectId: number | null, path: (string | number)[]) => {
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
    (s.tasks ?? []).forEach((t, i) => importTask(t, id, projectId, null, [...path, 'tasks', i]));
  };

  const importProject = (pr: z.output<typeof project>, path: (string | number)[]) => {
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
