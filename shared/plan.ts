// The plan file format (YAML or JSON) and its parser, shared by fragd (which imports
// the plan) and fragctl (which checks the file before it connects, so a malformed plan
// never starts a daemon). Errors name the place in the file (file:line:col and the path).
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { z } from 'zod';
import { ErrorCode, FragError } from './errors.js';
import { MAX_ESTIMATE_MINUTES, parseMinutes } from './format.js';
import { fragctl } from './command.js';
import { ACTOR_PATTERN, ACTOR_RULE, CODE_PATTERN, CODE_RULE } from './charset.js';
import { priorityNumber, PRIORITY_FORMS, readPriority } from './priority.js';
// Validation messages in fragctl's words (shared/zod-words.ts).
import './zod-words.js';

const estimate = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const minutes = parseMinutes(v);
  if (minutes === null)
    ctx.addIssue({
      code: 'custom',
      message: `an estimate is minutes (90) or a duration (1h30m), at most ${MAX_ESTIMATE_MINUTES} minutes`,
    });
  return minutes ?? 0;
});
const code = z.string().trim().min(1).max(64).regex(CODE_PATTERN, CODE_RULE);
/** A time and a cost budget (docs/costs.md): warnings at 80% and 100%, a limit only with enforce. */
const budget = z
  .object({
    time: estimate.optional(),
    cost: z
      .union([z.number(), z.string()])
      .transform((v) => String(v).replace(/^\$/, ''))
      .refine((v) => /^\d{1,9}(\.\d{1,6})?$/.test(v), { message: 'a cost budget is dollars, e.g. 5 or "12.50"' })
      .optional(),
    enforce: z.boolean().optional(),
  })
  .strict();
const title = z.string().trim().min(1).max(500);
/** One label or a list: `labels: backend` or `labels: [backend, parser]`. */
const labels = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .pipe(
    z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .max(40)
          .regex(/^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u, 'a label is one word: letters, digits, . _ -'),
      )
      .max(20),
  );
const baseTask = {
  code,
  title,
  description: z.string().optional(),
  estimate: estimate.optional(),
  budget: budget.optional(),
  labels: labels.optional(),
  assignee: z.string().trim().regex(ACTOR_PATTERN, ACTOR_RULE).optional(),
  /** urgent, high, normal, low (or a synonym: medium, critical, minor…), or 1 (urgent) … 4 (low). */
  priority: z
    .union([z.string(), z.number().int().min(1).max(4)], {
      error: () => `a priority is ${PRIORITY_FORMS}, or 1 (urgent) … 4 (low)`,
    })
    .transform((v, ctx) => {
      if (typeof v === 'number') return v;
      const p = readPriority(v);
      if (p) return priorityNumber(p);
      ctx.addIssue({
        code: 'custom',
        message: `“${v}” is not a priority: use ${PRIORITY_FORMS}, or 1 (urgent) … 4 (low)`,
      });
      return z.NEVER;
    })
    .optional(),
  /** Paths or globs the task touches (relative to the repository root; a list or one): activating it reserves them. */
  paths: z
    .union([z.string().trim().min(1).max(512), z.array(z.string().trim().min(1).max(512)).max(50)])
    .transform((v) => (Array.isArray(v) ? v : [v]))
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
          ? `a plan cannot complete tasks: complete them with ${fragctl('task', 'complete')} (validated)`
          : undefined,
    })
    .optional(),
};
const subtask = z.object(baseTask).strict();
export const planTask = z.object({ ...baseTask, subtasks: z.array(subtask).optional() }).strict();
export const planSprint = z
  .object({
    // A number is the sprint shorthand (1 → SPRINT-1); as text it follows the code rule.
    code: z
      .union([z.number().int().min(1), z.string()])
      .transform(String)
      .pipe(code),
    title,
    goal: z.string().optional(),
    budget: budget.optional(),
    labels: labels.optional(),
    tasks: z.array(planTask).optional(),
  })
  .strict();
export const planProject = z
  .object({ code, title, description: z.string().optional(), sprints: z.array(planSprint).optional() })
  .strict();
const plan = z
  .object({
    project: planProject.optional(),
    projects: z.array(planProject).optional(),
    sprints: z.array(planSprint).optional(),
  })
  .strict()
  .refine((p) => p.project || p.projects || p.sprints, 'a plan needs a project, projects or sprints');

export type Plan = z.output<typeof plan>;
export type PlanProject = z.output<typeof planProject>;
export type PlanSprint = z.output<typeof planSprint>;
export type PlanTask = z.output<typeof planTask>;

function fail(where: string, message: string, extra: Record<string, unknown> = {}): never {
  throw new FragError(ErrorCode.ValidationFailed, `${where}: ${message}`, {
    hint: 'fix the file and import it again; nothing was imported',
    ...extra,
  });
}

// yaml is loaded on the first parse, not at start: it costs ~8 MB of resident memory that
// a daemon which never imports a plan (and a fragctl that runs anything else) should not carry.
let yaml: typeof Yaml | undefined;
const loadYaml = (): typeof Yaml => (yaml ??= createRequire(import.meta.url)('yaml') as typeof Yaml);

/** 1-based line and column of a character offset. */
function lineCol(content: string, offset: number): { line: number; col: number } {
  const before = content.slice(0, Math.max(0, Math.min(offset, content.length)));
  const line = before.split('\n').length;
  return { line, col: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/** A JSON plan: the format the file says (.json), or text that starts like JSON. */
export const isJsonPlan = (content: string, filename: string, format?: 'json' | 'yaml'): boolean =>
  format ? format === 'json' : /\.json$/i.test(filename) || /^\s*[{[]/.test(content);

/** JSON.parse, with a syntax error told as JSON's own message at file:line:col. */
function parseJson(content: string, filename: string): unknown {
  try {
    return JSON.parse(content) as unknown;
  } catch (err) {
    const message = (err as Error).message;
    // V8 says "… at position N" (and newer ones add "(line L column C)"); the end of the
    // input has no position.
    const at = /position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : content.length;
    const { line, col } = lineCol(content, offset);
    fail(`${filename}:${line}:${col}`, `invalid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`, {
      line,
      column: col,
      format: 'json',
    });
  }
}

export function parsePlan(content: string, filename: string, format?: 'json' | 'yaml'): Plan {
  return parsePlanWithPlaces(content, filename, format).data;
}

/** The plan, and a function naming the place in the file of a path in it (for later checks). */
export function parsePlanWithPlaces(
  content: string,
  filename: string,
  format?: 'json' | 'yaml',
): { data: Plan; placeOf: (path: (string | number)[]) => string } {
  const { LineCounter, parseDocument, isNode } = loadYaml();
  const json = isJsonPlan(content, filename, format);
  const value = json ? parseJson(content, filename) : undefined;
  // The YAML document also locates the nodes of a JSON plan (JSON is YAML) for schema errors.
  const lineCounter = new LineCounter();
  const doc = parseDocument(content, { lineCounter, prettyErrors: false, uniqueKeys: !json });
  const place = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${filename}:${line}:${col}`;
  };
  if (!json && doc.errors.length) {
    const e = doc.errors[0];
    fail(place(e.pos[0]), e.message.split('\n')[0], { line: e.linePos?.[0].line, column: e.linePos?.[0].col });
  }
  const dottedOf = (path: (string | number)[]) =>
    path
      .map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`))
      .join('')
      .replace(/^\./, '');
  const placeOf = (path: (string | number)[]) => {
    // Point at the deepest node of the path that exists in the file.
    let node: unknown;
    if (!doc.errors.length)
      for (let n = path.length; n >= 0 && !isNode(node); n--)
        node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const offset = isNode(node) && node.range ? node.range[0] : 0;
    const dotted = dottedOf(path);
    return `${place(offset)}${dotted ? ` (${dotted})` : ''}`;
  };
  const parsed = plan.safeParse(json ? value : doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    fail(placeOf(path), issue.message, { path: dottedOf(path) });
  }
  return { data: parsed.data, placeOf };
}
