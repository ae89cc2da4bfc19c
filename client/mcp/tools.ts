// The MCP tools: each is one protocol method, its input schema derived from that method's
// params schema in the protocol table (minus the target, which the server supplies, plus an
// optional session_key). Descriptions come from the table unless a shorter one reads better.
// One tool, time_correct, stands for a family of methods (the corrections and undo) chosen
// by its `op` argument: one tool costs an agent far less context than ten.
import { z } from 'zod';
import { sprintStatus } from '../../shared/protocol/common.js';
import { methods, type MethodName } from '../../shared/protocol/methods.js';

export interface ToolChoice {
  method: string;
  /** Params the tool always sends with this method (e.g. complete: true for a fallback). */
  fixed?: Record<string, unknown>;
}

export interface ToolSpec {
  name: string;
  /** Methods this tool can use, best first; the first one the protocol table has is used. */
  choices: ToolChoice[];
  description?: string;
  /** The method's session/actor narrow what it reads (a report), so the agent chooses them, no default. */
  targetIsFilter?: boolean;
  /** The method's actor is a filter (who worked on what): the agent names one or none, never itself by default. */
  actorIsFilter?: boolean;
}

/** The tool list an agent sees. Kept short: every tool costs context in the agent. */
export const toolSpecs: ToolSpec[] = [
  { name: 'session_start', choices: [{ method: 'session.start' }], description: 'Start your work session.' },
  { name: 'session_end', choices: [{ method: 'session.end' }], description: 'End your session (optional summary).' },
  {
    name: 'session_status',
    choices: [{ method: 'session.status' }],
    description: 'Your session: stack, active time, last activities.',
  },
  {
    name: 'session_resume',
    choices: [{ method: 'session.resume' }],
    description: 'Resume a paused session (or re-attach after a crash) by session_key.',
  },
  {
    name: 'session_pause',
    choices: [{ method: 'session.pause' }],
    description: 'Pause your session (a reason helps).',
  },
  { name: 'sprint_activate', choices: [{ method: 'sprint.activate' }] },
  {
    name: 'sprint_complete',
    choices: [{ method: 'sprint.complete' }],
    description: 'Complete a sprint with a summary; the gate may block.',
  },
  {
    name: 'next',
    choices: [{ method: 'task.next' }],
    description: 'Your next task (unclaimed, unblocked, by priority) and why; activate claims it.',
  },
  {
    name: 'task_list',
    choices: [{ method: 'task.list' }],
    description: 'List tasks, filtered.',
    actorIsFilter: true,
  },
  {
    name: 'task_show',
    choices: [{ method: 'task.show' }],
    description: 'A task: status, priority, dependencies, holder, updates.',
  },
  {
    name: 'task_create',
    choices: [{ method: 'task.create' }],
    description: 'Create a task.',
  },
  {
    name: 'task_edit',
    choices: [{ method: 'task.edit' }],
    description: 'Change a task.',
  },
  {
    name: 'task_activate',
    choices: [{ method: 'task.activate' }],
    description: 'Claim a task and work on it; take_over, join, force (blocked) are recorded.',
  },
  { name: 'task_deactivate', choices: [{ method: 'task.deactivate' }] },
  {
    name: 'update',
    choices: [{ method: 'activity.update' }],
    description: 'Post a progress update on the active task.',
  },
  {
    name: 'note',
    choices: [{ method: 'activity.note' }],
    description: 'Record a note (a decision, a finding) on the active task.',
  },
  {
    name: 'log',
    choices: [{ method: 'activity.log' }],
    description: 'Log a line (kind, level, data) on the active task.',
  },
  {
    name: 'done',
    choices: [{ method: 'task.complete' }, { method: 'task.deactivate', fixed: { complete: true } }],
    description: 'Complete the active task (or code) with a summary; the gate may block.',
  },
  {
    name: 'bulk_complete',
    choices: [{ method: 'tasks.bulk_complete' }],
    description: 'Complete several tasks, all or nothing, each with a summary.',
  },
  {
    name: 'artifact_add',
    choices: [{ method: 'artifact.add' }],
    description: 'Record an artifact (a file, a URL) produced on the active task.',
  },
  {
    name: 'validate',
    choices: [{ method: 'task.validate' }],
    description: 'Check whether the active task (or code) may complete, and what is missing.',
  },
  {
    name: 'report',
    choices: [{ method: 'session.report' }],
    description: 'What your session did: time, tasks, updates, artifacts.',
  },
  {
    name: 'time_report',
    choices: [{ method: 'report' }],
    targetIsFilter: true,
    description: 'Tracked time and tokens by day, task, sprint, project, actor or session.',
  },
];

/** Keys the MCP server fills in itself (os_user: the daemon's default): the agent never chooses who it is or where it calls from. */
const SUPPLIED = ['session', 'actor', 'source', 'os_user'] as const;

export interface ResolvedTool {
  name: string;
  method: MethodName;
  fixed: Record<string, unknown>;
  description: string;
  inputSchema: z.ZodObject;
  /** The method takes a session target (so session_key means something). */
  takesSession: boolean;
  takesActor: boolean;
  takesSource: boolean;
  /** The method's answer carries instructions itself (state-changing methods). */
  mutates: boolean;
  targetIsFilter: boolean;
}

function paramsObject(method: MethodName): z.ZodObject | null {
  let schema: z.ZodType = methods[method].params;
  if (schema instanceof z.ZodOptional) schema = schema.unwrap() as z.ZodType;
  return schema instanceof z.ZodObject ? schema : null;
}

// Repeated in most tools' schemas, so said in few words (the server's instructions say it is
// a SESSION-NNN key; the daemon checks it and names the rule).
export const sessionKeyInput = z.string().optional().describe('default: yours');

/**
 * The agent's copy of a param schema keeps types, enums and the limits an agent could reach
 * (a code's 64 characters) but not the character patterns nor the lengths of free text: each
 * costs 40–80 characters in every tool an agent loads, and the daemon checks every param
 * against the protocol table anyway, with an error that names the rule.
 */
export function agentSchema(s: z.ZodType): z.ZodType {
  const described = (out: z.ZodType) => (s.description ? out.describe(s.description) : out);
  if (s instanceof z.ZodOptional) return described(agentSchema(s.unwrap() as z.ZodType).optional());
  if (s instanceof z.ZodString && (s.maxLength ?? Infinity) >= 1000) return described(z.string());
  if (s instanceof z.ZodString && s.format === 'regex') return described(z.string().max(s.maxLength ?? 1000));
  if (s instanceof z.ZodArray) {
    const element = s.element as z.ZodType;
    const lighter = agentSchema(element);
    if (lighter === element) return s;
    const maxItems = s._zod.def.checks?.map((c) => c._zod.def).find((d) => d.check === 'max_length') as
      { maximum?: number } | undefined;
    const array = z.array(lighter);
    return described(maxItems?.maximum === undefined ? array : array.max(maxItems.maximum));
  }
  return s;
}

/** The tools whose methods exist in this build's protocol table. */
export function resolveTools(specs: ToolSpec[] = toolSpecs): ResolvedTool[] {
  const out: ResolvedTool[] = [];
  for (const spec of specs) {
    const choice = spec.choices.find((c) => c.method in methods);
    if (!choice) continue;
    const method = choice.method as MethodName;
    const fixed = choice.fixed ?? {};
    const params = paramsObject(method);
    const shape: Record<string, z.ZodType> = Object.fromEntries(
      Object.entries(params?.shape ?? {}).map(([k, v]) => [k, agentSchema(v as z.ZodType)]),
    );
    const has = (k: string) => k in shape;
    const takesSession = has('session');
    const targetIsFilter = spec.targetIsFilter ?? false;
    const takesActor = has('actor') && !spec.actorIsFilter;
    const resolved = { takesSession, takesActor, takesSource: has('source'), targetIsFilter };
    const supplied = targetIsFilter
      ? ['session', 'source']
      : SUPPLIED.filter((k) => k !== 'actor' || !spec.actorIsFilter);
    for (const k of [...supplied, ...Object.keys(fixed)]) delete shape[k];
    if (takesSession) shape.session_key = sessionKeyInput;
    out.push({
      name: spec.name,
      method,
      fixed,
      description: spec.description ?? methods[method].summary,
      inputSchema: z.object(shape).strict(),
      ...resolved,
      mutates: methods[method].mutates,
    });
  }
  return out;
}

export interface AgentIdentity {
  actor: string;
  /** FRAGMENTS_SESSION / --session: the session this agent works in unless a tool names one. */
  session?: string;
}

/** The method params for a tool call: the agent's arguments plus the target the server supplies. */
export function paramsFor(
  tool: ResolvedTool,
  args: Record<string, unknown>,
  who: AgentIdentity,
): Record<string, unknown> {
  const { session_key, ...rest } = args;
  const params: Record<string, unknown> = { ...rest, ...tool.fixed };
  if (tool.targetIsFilter) {
    if (tool.takesSession && session_key) params.session = session_key;
    return params;
  }
  const session = (session_key as string | undefined) ?? who.session;
  if (tool.takesSession && session) params.session = session;
  if (tool.takesActor) params.actor = who.actor;
  if (tool.takesSource) params.source = 'mcp';
  return params;
}

/**
 * Methods an op may name before this build's protocol table has them (file reservations, from
 * another branch of issue 25): resolveOpTools leaves such an op out until the method exists.
 */
export type PendingMethod = 'reservation.create' | 'reservation.release' | 'reservation.list';

/** An argument of a tool whose `op` picks the method (see opToolSpecs). */
export interface OpSpec {
  method: MethodName | PendingMethod;
  /** The tool's arguments this op uses; any other is refused (it would be silently ignored). */
  takes: string[];
  /** Groups of arguments of which the op needs at least one each (a group of one: required). */
  needs?: string[][];
  /** The method's params from the op's arguments, when they are not the same names. */
  params?: (args: Record<string, unknown>) => Record<string, unknown>;
  /** Params sent unless the agent gave them (e.g. a short page for a list). */
  defaults?: Record<string, unknown>;
  /**
   * What of the agent's identity the method takes (default actor and source; a list's actor
   * would be a filter). `session`: the agent's own session (FRAGMENTS_SESSION) when it has one.
   */
  identity?: ('actor' | 'source' | 'session')[];
}

export interface OpToolSpec {
  name: string;
  description: string;
  args: Record<string, z.ZodType>;
  ops: Record<string, OpSpec>;
}

/**
 * Times an agent sends: instants in ISO 8601 with an offset or Z, as the protocol takes them
 * (the daemon validates them and names the field that is wrong).
 */
const instantArg = z.string();
const refArg = z.string().describe('@N from list (fixed per interval)');

/** Projects and sprints, read and planned from one tool (issue 26): six tools would cost six times the context. */
const codeArg = z.string().max(64);
const planTool: OpToolSpec = {
  name: 'plan',
  description: 'Projects and sprints: list, show (tasks, estimate vs time and cost), create.',
  args: {
    op: z.enum(['projects', 'project', 'sprints', 'sprint', 'project_create', 'sprint_create']),
    code: codeArg,
    title: z.string(),
    project: codeArg.describe('sprints: filter; sprint_create: the project'),
    goal: z.string(),
    labels: z.array(z.string().max(40)).max(20),
    status: sprintStatus,
    limit: z.number(),
  },
  ops: {
    projects: { method: 'project.list', takes: ['limit'], defaults: { limit: 50 }, identity: [] },
    project: { method: 'project.show', takes: ['code'], needs: [['code']], identity: [] },
    sprints: { method: 'sprint.list', takes: ['project', 'status', 'limit'], defaults: { limit: 50 }, identity: [] },
    sprint: { method: 'sprint.show', takes: ['code'], needs: [['code']], identity: [] },
    project_create: {
      method: 'project.create',
      takes: ['code', 'title'],
      needs: [['code'], ['title']],
      identity: ['source'],
    },
    sprint_create: {
      method: 'sprint.create',
      takes: ['code', 'title', 'project', 'goal', 'labels'],
      needs: [['code'], ['title']],
      identity: ['source'],
    },
  },
};

/**
 * Coordination between agents in one repository (issue 25, docs/claims.md): messages, handoff,
 * and file reservations. One tool: seven would cost seven times the context.
 */
const who = ['actor', 'source', 'session'] as ('actor' | 'source' | 'session')[];
const coordinateTool: OpToolSpec = {
  name: 'coordinate',
  description: 'Message agents, hand a task over, reserve files.',
  args: {
    op: z.enum(['send', 'inbox', 'ack', 'handoff', 'reserve', 'release', 'reservations']),
    to: z.string().describe('actor, task:CODE or project[:CODE]'),
    text: z.string().describe('message, or handoff note'),
    task: codeArg,
    ids: z.array(z.number()),
    all: z.boolean(),
    unread: z.boolean(),
    limit: z.number(),
    paths: z.array(z.string()),
    exclusive: z.boolean(),
    ttl_minutes: z.number(),
    path: z.string(),
  },
  ops: {
    send: { method: 'message.send', takes: ['to', 'text', 'task'], needs: [['to'], ['text']], identity: who },
    inbox: { method: 'message.inbox', takes: ['unread', 'all', 'limit'], defaults: { limit: 20 }, identity: who },
    ack: { method: 'message.ack', takes: ['ids', 'all'], needs: [['ids', 'all']], identity: who },
    handoff: {
      method: 'task.handoff',
      takes: ['task', 'to', 'text'],
      needs: [['to'], ['text']],
      params: ({ task, text, ...a }) => ({ ...a, ...(task === undefined ? {} : { code: task }), note: text }),
      identity: who,
    },
    reserve: {
      method: 'reservation.create',
      takes: ['paths', 'exclusive', 'ttl_minutes', 'task'],
      needs: [['paths']],
      identity: who,
    },
    release: {
      method: 'reservation.release',
      takes: ['paths', 'all', 'task'],
      needs: [['paths', 'all', 'task']],
      identity: who,
    },
    reservations: { method: 'reservation.list', takes: ['path'], identity: [] },
  },
};

/** The coordinate tool's spec with every op, those whose methods this build lacks too (for the budget test). */
export const coordinateSpec = (): OpToolSpec => coordinateTool;

/** Corrections of the agent's own tracked time, and undo of its own last changes (docs/corrections.md). */
export const opToolSpecs: OpToolSpec[] = [
  {
    name: 'time_correct',
    description: 'Your tracked time: list, track, edit, split, join, move, delete, annotate intervals; undo.',
    args: {
      op: z.enum(['list', 'track', 'edit', 'split', 'join', 'move', 'delete', 'annotate', 'undo', 'undo_list']),
      ref: refArg,
      with: z.string().describe('join: the other ref'),
      start: instantArg.describe('ISO 8601 with offset, as are end, at, since, until'),
      end: instantArg,
      at: instantArg,
      since: instantArg,
      until: instantArg,
      task: z.string().nullable(),
      text: z.string(),
      adjust: z.boolean().describe('trim what it overlaps'),
      limit: z.number(),
    },
    ops: {
      list: { method: 'interval.list', takes: ['since', 'until', 'task', 'limit'], defaults: { limit: 20 } },
      track: {
        method: 'interval.track',
        takes: ['start', 'end', 'task', 'text', 'adjust'],
        needs: [['start'], ['end']],
        params: ({ text, ...a }) => (text === undefined ? a : { ...a, annotation: text }),
      },
      edit: { method: 'interval.edit', takes: ['ref', 'start', 'end', 'adjust'], needs: [['ref'], ['start', 'end']] },
      split: { method: 'interval.split', takes: ['ref', 'at'], needs: [['ref'], ['at']] },
      join: {
        method: 'interval.join',
        takes: ['ref', 'with', 'adjust'],
        needs: [['ref'], ['with']],
        params: ({ ref, with: other, ...a }) => ({ ...a, refs: [ref, other] }),
      },
      move: { method: 'interval.move', takes: ['ref', 'task'], needs: [['ref'], ['task']] },
      delete: { method: 'interval.delete', takes: ['ref'], needs: [['ref']] },
      annotate: { method: 'interval.annotate', takes: ['ref', 'text'], needs: [['ref'], ['text']] },
      undo: { method: 'undo', takes: [] },
      undo_list: { method: 'undo.list', takes: ['limit'] },
    },
  },
  planTool,
  coordinateTool,
];

/** Arguments a tool refused before any call reached the daemon (answered like the daemon's invalid_params). */
export class ToolArgsError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export interface ResolvedOpTool {
  name: string;
  description: string;
  inputSchema: z.ZodObject;
  ops: Record<string, OpSpec>;
}

/** The op tools whose methods exist in this build's protocol table (an op without its method is left out). */
export function resolveOpTools(specs: OpToolSpec[] = opToolSpecs): ResolvedOpTool[] {
  return specs.flatMap((spec) => {
    const ops = Object.fromEntries(Object.entries(spec.ops).filter(([, o]) => o.method in methods));
    const names = Object.keys(ops);
    if (!names.length) return [];
    const { op: _op, ...args } = spec.args;
    // Only the arguments some kept op takes: an op left out costs no context.
    const used = new Set(Object.values(ops).flatMap((o) => o.takes));
    const optional = Object.fromEntries(
      Object.entries(args)
        .filter(([k]) => used.has(k))
        .map(([k, v]) => [k, v.optional()]),
    );
    const inputSchema = z.object({ op: z.enum(names as [string, ...string[]]), ...optional }).strict();
    return [{ name: spec.name, description: spec.description, inputSchema, ops }];
  });
}

/** The method and params one call of an op tool makes; the agent's own actor, from MCP. */
export function callForOp(
  tool: ResolvedOpTool,
  args: Record<string, unknown>,
  who: AgentIdentity,
): { method: MethodName; params: Record<string, unknown> } {
  const { op: given, ...rest } = args;
  const op = String(given);
  const spec = Object.hasOwn(tool.ops, op) ? tool.ops[op] : undefined;
  if (!spec)
    throw new ToolArgsError(`${tool.name} has no op ${op}`, `op is one of ${Object.keys(tool.ops).join(', ')}`);
  const usage = `${op} takes ${spec.takes.length ? spec.takes.join(', ') : 'no other argument'}`;
  const extra = Object.keys(rest).filter((k) => !spec.takes.includes(k));
  if (extra.length) throw new ToolArgsError(`${tool.name} op ${op} does not take ${extra.join(', ')}`, usage);
  const missing = (spec.needs ?? []).find((group) => !group.some((k) => k in rest));
  if (missing) throw new ToolArgsError(`${tool.name} op ${op} needs ${missing.join(' or ')}`, usage);
  const own = spec.params ? spec.params(rest) : rest;
  const identity = spec.identity ?? ['actor', 'source'];
  return {
    // resolveOpTools kept only ops whose method the protocol table has.
    method: spec.method,
    params: {
      ...spec.defaults,
      ...own,
      ...(identity.includes('session') && who.session ? { session: who.session } : {}),
      ...(identity.includes('actor') ? { actor: who.actor } : {}),
      ...(identity.includes('source') ? { source: 'mcp' } : {}),
    },
  };
}
