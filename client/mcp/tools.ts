// The MCP tools: each is one protocol method, its input schema derived from that method's
// params schema in the protocol table (minus the target, which the server supplies, plus an
// optional session_key). Descriptions come from the table unless a shorter one reads better.
import { z } from 'zod';
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
  { name: 'sprint_activate', choices: [{ method: 'sprint.activate' }] },
  { name: 'task_activate', choices: [{ method: 'task.activate' }] },
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
    description: 'Complete the active task (or code) with a summary; validation may block, force overrides.',
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
    description: "Tracked time (and agents' tokens) by day, task, sprint, project, actor or session over a date range.",
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

export const sessionKeyInput = z.string().max(40).optional().describe('SESSION-NNN; default: your current session');

/** The tools whose methods exist in this build's protocol table. */
export function resolveTools(specs: ToolSpec[] = toolSpecs): ResolvedTool[] {
  const out: ResolvedTool[] = [];
  for (const spec of specs) {
    const choice = spec.choices.find((c) => c.method in methods);
    if (!choice) continue;
    const method = choice.method as MethodName;
    const fixed = choice.fixed ?? {};
    const params = paramsObject(method);
    const shape: Record<string, z.ZodType> = { ...(params?.shape ?? {}) };
    const has = (k: string) => k in shape;
    const takesSession = has('session');
    const targetIsFilter = spec.targetIsFilter ?? false;
    const resolved = { takesSession, takesActor: has('actor'), takesSource: has('source'), targetIsFilter };
    for (const k of [...(targetIsFilter ? ['session', 'source'] : SUPPLIED), ...Object.keys(fixed)]) delete shape[k];
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
