// The one protocol table (DESIGN.md §2). Every method the daemon serves is declared here,
// once; the daemon validates against these schemas, and fragctl, the MCP server and the
// HTTP API are typed by them.
import type { BudgetView, Spend } from './costs.js';
import { z } from 'zod';
// Validation messages in fragctl's words for every schema of the table (shared/zod-words.ts).
import '../zod-words.js';
import { method } from './define.js';
import {
  completionMethods,
  type ResumeSuggestionsView,
  type PausedSessionOffer,
  type SessionReport,
  type ValidationView,
} from './completion.js';
import { gitMethods } from './git.js';
import { agentMethods } from './agent.js';
import { agentsMethods } from './agents.js';
import { timeMethods, type EstimateCheck } from './time.js';
import { dashboardMethods } from './dashboard.js';
import { intervalMethods } from './intervals.js';
import { syncMethods } from './sync.js';
import { usageMethods } from './usage.js';
import { estimateMethods, type EstimateSuggestion } from './estimates.js';
import { actorsMethods } from './actors.js';
import { messageMethods } from './messages.js';
import { reservationMethods, reservedPath } from './reservations.js';
import {
  code,
  text,
  sessionKey,
  actor,
  source,
  contextType,
  sessionStatus,
  taskStatus,
  sprintStatus,
  delegation,
  minutes,
  eventId,
  kind,
  priority,
  dependsOn,
  freeform,
  cursor,
  filters,
  labels,
  pageLimit,
  T,
} from './common.js';
import type {
  ActivityView,
  ContextFrame,
  ContextHistoryView,
  ProjectView,
  SessionView,
  SprintView,
  TaskView,
  WithInstructions,
} from './views.js';

export { PROTOCOL_VERSION } from './version.js';

/** A sprint's open work in estimates from history (`sprint show`; docs/seed-rows.md). */
export interface SprintForecast {
  /** Open top-level tasks, and how many of them have no estimate and got a suggestion from history. */
  open_tasks: number;
  suggested: number;
  /** Their estimates plus the suggestions, minus the time already spent on each (never below 0). */
  remaining_minutes: number;
  /** The same scaled by how the main actor's estimates turned out; null without enough history. */
  forecast_minutes: number | null;
  /** In words: "9 open tasks: 6h20m left (2 estimated from history); you run 20% over → 7h40m". */
  basis: string;
}

export type SessionResult = { session: SessionView } & WithInstructions;
export type StatusResult = {
  session: SessionView;
  /** The session's reservations that hold now (docs/claims.md#file-reservations). */
  reservations?: import('./reservations.js').ReservationView[];
  recent: ActivityView[];
  /** Live time of the active task (subtask if any): in this session, and in total; its estimate. */
  active_task?: {
    code: string;
    session_seconds: number;
    total_seconds: number;
    estimate_minutes?: number | null;
  } | null;
  /** What is left of the active task's (or its sprint's) budget, when it has one (the status line's). */
  budget_left?: import('./costs.js').BudgetLeft | null;
};
export type ActivityResult = {
  activity: ActivityView;
  duplicate: boolean;
  /** On an update of a task: how many it has, and how many more the completion gate wants. */
  task_updates?: { task: string; count: number; required: number; more_needed: number };
} & WithInstructions;
/** What activating a task with declared paths reserved, and what others hold. */
export interface TaskReservations {
  repo: string | null;
  reserved: import('./reservations.js').ReservationView[];
  conflicts: import('./reservations.js').ReservationConflict[];
}
export type ContextResult = { stack: ContextFrame[]; session: string } & WithInstructions;
export type NextResult = {
  /** The chosen task, or null when nothing is ready for the caller. */
  task: TaskView | null;
  why: string;
  /** Other tasks ready for the caller, best first (at most 10). */
  also_ready: { code: string; title: string; priority: string; sprint: string | null }[];
  /** Open tasks nobody can start yet, and why (held by another actor, open dependencies). */
  waiting: { code: string; reason: string }[];
  activated: boolean;
  stack?: ContextFrame[];
  /** The activated task's declared paths: reserved for the session, or held by others (docs/claims.md#file-reservations). */
  reservations?: TaskReservations;
  session: string | null;
} & WithInstructions;

/** How an activation treats a task another actor holds, or one with open dependencies. */
const claimOptions = {
  /** Take the task from its holder (recorded on both sessions). */
  take_over: z.boolean().optional(),
  /** Work on it alongside its holder (deliberate pairing, recorded). */
  join: z.boolean().optional(),
  /** Start it although its dependencies are not complete (recorded). */
  force: z.boolean().optional(),
  /** The repository the caller works in (its root, absolute): a task's declared paths are reserved there. */
  repo: z
    .string()
    .trim()
    .min(1)
    .max(4096)
    .refine((r) => r.startsWith('/'), 'repo is the absolute path of the repository root')
    .optional(),
};

/** Daemon, sessions, context, activities and work items (the foundation). */
export const coreMethods = {
  // daemon
  'daemon.hello': method<{ protocol: number; version: string; pid: number; compatible: boolean }>()({
    summary: 'First call of a client: exchange protocol versions.',
    params: z.object({ protocol: z.number().int().min(0), client: z.string().max(100).optional() }).strict(),
    errors: [],
    mutates: false,
  }),
  'daemon.status': method<{
    pid: number;
    version: string;
    protocol: number;
    uptime_seconds: number;
    started_at: string;
    socket_activated: boolean;
    paths: { socket: string; db: string; log: string; config: string };
    counts: {
      sessions: number;
      active_sessions: number;
      activities: number;
      projects: number;
      sprints: number;
      tasks: number;
      connections: number;
    };
    /** Resident memory and the JavaScript heap, in MB. */
    memory: { rss_mb: number; heap_used_mb: number; heap_total_mb: number; external_mb: number };
    /**
     * Group commits since start and the calls they held (calls / batches: calls per commit);
     * `syncs`: the fdatasyncs of the log that confirmed them (fewer than batches when batches
     * committed while one ran); `checkpoints`: those the worker thread ran.
     */
    commits: { batches: number; calls: number; syncs: number; checkpoints: number };
    /** How this start checked the database: the full quick_check, or the cheap check after a clean stop (docs/reliability.md). */
    start_check: { check: 'quick_check' | 'clean_stop'; why: string; ms: number } | null;
    /** The HTTP API: its URL when it listens, the reason when it could not start. */
    http: { enabled: boolean; url?: string; port?: number; port_file?: string; token_file?: string; error?: string };
    /** The log file, its rotation limits, and lines it could not write (disk full). */
    log: { path: string; max_bytes?: number; files?: number; dropped_lines: number; last_error?: string };
    /** The open-files limit in force (null: unlimited) and the socket's connection cap (docs/limits.md). */
    limits: { open_files_soft: number | null; open_files_hard: number | null; max_connections: number };
  }>()({
    summary: 'Daemon pid, version, uptime, paths, counts and memory.',
    params: z.object({}).strict().optional(),
    errors: [],
    mutates: false,
  }),
  'daemon.check': method<{ integrity: 'ok' | 'damaged'; problems: string[]; db_bytes: number; wal_bytes: number }>()({
    summary:
      'Check the database (PRAGMA quick_check) for `fragctl doctor`; reads the whole file, so it is slow on big ones.',
    params: z.object({}).strict().optional(),
    errors: [],
    mutates: false,
  }),
  'daemon.backup': method<{
    backup: { path: string; bytes: number; taken_at: string };
    backups: { path: string; bytes: number; taken_at: string }[];
  }>()({
    summary:
      'Take a copy of the database now (SQLite online backup, in small steps); fragd also takes one a day and keeps the newest two.',
    params: z.object({}).strict().optional(),
    errors: [],
    mutates: false,
  }),
  'daemon.shutdown': method<{ stopping: true }>()({
    summary: 'Stop the daemon after in-flight calls finish.',
    params: z.object({}).strict().optional(),
    errors: [],
    mutates: false,
  }),
  'events.subscribe': method<{ subscribed: true; session: string | null }>()({
    summary: 'Receive `event` notifications on this connection (optionally for one session).',
    params: z.object({ session: sessionKey.optional() }).strict().optional(),
    errors: ['not_found'],
    mutates: false,
  }),
  'events.unsubscribe': method<{ subscribed: false }>()({
    summary: 'Stop event notifications on this connection.',
    params: z.object({}).strict().optional(),
    errors: [],
    mutates: false,
  }),

  // sessions
  'session.start': method<
    SessionResult & {
      suggestions: ResumeSuggestionsView;
      /** False when the actor's paused session was offered back instead (if_paused: 'offer'). */
      started: boolean;
      /** The actor's latest paused session, if any: with if_paused 'offer', `session` is that one, not started. */
      paused_session: PausedSessionOffer | null;
    }
  >()({
    summary:
      "Start a session for an actor. With if_paused 'offer', an actor's paused session is offered back (started: false) instead of starting another.",
    params: z
      .object({
        if_paused: z.enum(['offer', 'new']).optional(),
        actor: actor.optional(),
        source: source.optional(),
        type: z.enum(['work', 'planning', 'review']).optional(),
        chat_session_id: z.string().trim().min(1).max(200).optional(),
        metadata: freeform.optional(),
        os_user: z.string().max(64).optional(),
        idle_timeout_seconds: z.number().int().min(30).max(86_400).optional(),
      })
      .strict(),
    errors: ['conflict'],
    mutates: true,
  }),
  'session.end': method<SessionResult & { report: SessionReport }>()({
    summary: 'End a session (completed).',
    params: T.extend({ summary: text.optional() }),
    errors: ['no_active_session', 'not_found', 'invalid_state'],
    mutates: true,
  }),
  'session.pause': method<SessionResult>()({
    summary: 'Pause a session with a reason.',
    params: T.extend({ reason: text.optional() }),
    errors: ['no_active_session', 'not_found', 'invalid_state'],
    mutates: true,
  }),
  'session.resume': method<
    SessionResult & {
      interrupted_seconds: number;
      recent: ActivityView[];
      last_step: { at: string; kind: string; message: string | null; line: string } | null;
    }
  >()({
    summary: 'Resume a paused session (or re-attach to an active one) by key.',
    params: T,
    errors: ['no_active_session', 'not_found', 'invalid_state', 'conflict'],
    mutates: true,
  }),
  'session.switch': method<SessionResult & { paused: string | null }>()({
    summary: "Make another session the actor's current one, pausing the active one.",
    params: z.object({ session: sessionKey, actor: actor.optional(), source: source.optional() }).strict(),
    errors: ['not_found', 'invalid_state'],
    mutates: true,
  }),
  'session.abandon': method<SessionResult>()({
    summary: 'Abandon a session without completing it.',
    params: T.extend({ reason: text.optional() }),
    errors: ['no_active_session', 'not_found', 'invalid_state'],
    mutates: true,
  }),
  'session.status': method<StatusResult>()({
    summary: 'The session, its stack, active time and last 5 activities.',
    params: T,
    errors: ['no_active_session', 'not_found'],
    mutates: false,
  }),
  'session.list': method<{ sessions: SessionView[]; next_cursor: string | null }>()({
    summary: 'Sessions, newest first, optionally by status and actor; paged (limit, cursor → next_cursor).',
    params: z
      .object({
        status: sessionStatus.optional(),
        actor: actor.optional(),
        ...filters,
        limit: pageLimit(1000).optional(),
        cursor: cursor.optional(),
      })
      .strict()
      .optional(),
    errors: [],
    mutates: false,
  }),
  'session.history': method<{
    session: string;
    activities: ActivityView[];
    context: ContextHistoryView[];
    /** Pass as cursor for the page before this one (older); null at the session's start. */
    next_cursor: string | null;
  }>()({
    summary:
      'Activities and context changes of a session, oldest first: the latest page, older ones by cursor (next_cursor).',
    params: T.extend({ limit: pageLimit(10_000).optional(), cursor: cursor.optional() }),
    errors: ['no_active_session', 'not_found'],
    mutates: false,
  }),

  // context stack
  'context.push': method<ContextResult>()({
    summary: 'Push a project, sprint, task or subtask on the stack (a task through its claim).',
    params: T.extend({ type: contextType, code, ...claimOptions }),
    errors: ['no_active_session', 'not_found', 'invalid_state', 'task_claimed', 'task_blocked', 'storage_unavailable'],
    mutates: true,
  }),
  'context.pop': method<ContextResult & { popped: ContextFrame | null }>()({
    summary: 'Pop the top of the stack (or down to and including a type).',
    params: T.extend({ type: contextType.optional() }),
    errors: ['no_active_session', 'not_found', 'invalid_state'],
    mutates: true,
  }),
  'context.clear': method<ContextResult>()({
    summary: 'Empty the stack.',
    params: T,
    errors: ['no_active_session', 'not_found'],
    mutates: true,
  }),
  'context.show': method<{ session: string; stack: ContextFrame[]; count: number; current: ContextFrame | null }>()({
    summary: 'The whole stack, its size, and the current frame (of a type if given).',
    params: T.extend({ type: contextType.optional() }),
    errors: ['no_active_session', 'not_found'],
    mutates: false,
  }),
  'sprint.activate': method<ContextResult & { sprint: SprintView }>()({
    summary: 'Make a sprint active (1 means SPRINT-1).',
    params: T.extend({ code }),
    errors: ['no_active_session', 'not_found', 'invalid_state'],
    mutates: true,
  }),
  'task.activate': method<
    ContextResult & { task: TaskView; estimate_suggestion?: EstimateSuggestion | null; reservations?: TaskReservations }
  >()({
    summary: 'Claim a task and work on it (refused while another actor holds it or its dependencies are open).',
    params: T.extend({ code, ...claimOptions }),
    errors: ['no_active_session', 'not_found', 'invalid_state', 'task_claimed', 'task_blocked', 'storage_unavailable'],
    mutates: true,
  }),
  'task.deactivate': method<
    ContextResult & {
      task: TaskView;
      seconds_spent: number;
      estimate_check?: EstimateCheck | null;
      validation?: ValidationView;
      forced_over?: string[];
    }
  >()({
    summary:
      'Stop working on the active task; optionally note a summary and complete it (through the validation gate; force overrides).',
    params: T.extend({ summary: text.optional(), complete: z.boolean().optional(), force: z.boolean().optional() }),
    errors: ['no_active_session', 'not_found', 'invalid_state', 'validation_failed'],
    mutates: true,
  }),

  // activities
  'activity.update': method<ActivityResult>()({
    summary: 'A progress update on the deepest active context.',
    params: T.extend({ message: text, event_id: eventId.optional() }),
    errors: ['no_active_session', 'not_found', 'invalid_state'],
    mutates: true,
  }),
  'activity.note': method<ActivityResult>()({
    summary:
      'A note on the deepest active context, or with `on` on the active task, sprint or project (a sprint note while a task is active).',
    params: T.extend({
      message: text,
      on: z.enum(['task', 'sprint', 'project']).optional(),
      event_id: eventId.optional(),
    }),
    errors: ['no_active_session', 'not_found', 'invalid_state'],
    mutates: true,
  }),
  'activity.log': method<ActivityResult>()({
    summary: 'A log line (any kind) on the deepest active context.',
    params: T.extend({
      message: text,
      kind: kind.optional(),
      level: z.enum(['debug', 'info', 'warn', 'error']).optional(),
      data: freeform.optional(),
      event_id: eventId.optional(),
    }),
    errors: ['no_active_session', 'not_found', 'invalid_state'],
    mutates: true,
  }),

  // work items
  'project.create': method<{ project: ProjectView } & WithInstructions>()({
    summary: 'Create a project.',
    params: z.object({ code, title: text, description: text.optional(), source: source.optional() }).strict(),
    errors: ['conflict'],
    mutates: true,
  }),
  'project.list': method<{ projects: ProjectView[]; next_cursor: string | null }>()({
    summary: 'All projects, by code; paged (limit, cursor → next_cursor).',
    params: z
      .object({ limit: pageLimit(1000).optional(), cursor: cursor.optional() })
      .strict()
      .optional(),
    errors: [],
    mutates: false,
  }),
  'project.show': method<{
    project: ProjectView;
    sprints: SprintView[];
    /** The latest notes filed on the project itself (`note --on project`), oldest first. */
    notes?: ActivityView[];
  }>()({
    summary: 'A project, its sprints and its notes.',
    params: z.object({ code }).strict(),
    errors: ['not_found'],
    mutates: false,
  }),
  'project.edit': method<{ project: ProjectView } & WithInstructions>()({
    summary: "Change a project's title, description or status.",
    params: z
      .object({
        code,
        title: text.optional(),
        description: text.optional(),
        status: z.enum(['active', 'archived']).optional(),
        source: source.optional(),
      })
      .strict(),
    errors: ['not_found'],
    mutates: true,
  }),
  'sprint.create': method<{ sprint: SprintView } & WithInstructions>()({
    summary: 'Create a sprint (in a project).',
    params: z
      .object({
        code,
        title: text,
        project: code.optional(),
        goal: text.optional(),
        labels: labels.optional(),
        source: source.optional(),
      })
      .strict(),
    errors: ['conflict', 'not_found'],
    mutates: true,
  }),
  'sprint.list': method<{ sprints: SprintView[]; next_cursor: string | null }>()({
    summary: 'Sprints, optionally of one project or status; paged (limit, cursor → next_cursor).',
    params: z
      .object({
        project: code.optional(),
        status: sprintStatus.optional(),
        label: filters.label,
        actor: actor.optional(),
        kind: filters.kind,
        limit: pageLimit(1000).optional(),
        cursor: cursor.optional(),
      })
      .strict()
      .optional(),
    errors: ['not_found'],
    mutates: false,
  }),
  'sprint.show': method<{
    sprint: SprintView;
    tasks: TaskView[];
    /** Estimate against actual, time and cost side by side, per task and summed for the sprint (docs/costs.md). */
    spend: {
      estimate_minutes: number;
      total: Spend;
      tasks: {
        code: string;
        estimate_minutes: number | null;
        spend: Spend;
        /** An open task without an estimate: the estimate history suggests (issue 26), with its basis. */
        suggestion?: { minutes: number; basis: string } | null;
      }[];
      /** The open tasks' estimates from history (docs/seed-rows.md): suggested, and the sprint's forecast. */
      history?: SprintForecast;
    };
    budget: BudgetView | null;
    /** The latest notes filed on the sprint itself (`note --on sprint`), oldest first. */
    notes?: ActivityView[];
  }>()({
    summary:
      'A sprint and its tasks, with estimate against actual time and cost per task and in total, estimates from history for open tasks without one, and its notes.',
    params: z.object({ code }).strict(),
    errors: ['not_found'],
    mutates: false,
  }),
  'sprint.edit': method<{ sprint: SprintView } & WithInstructions>()({
    summary: "Change a sprint's title, goal, status, summary, retrospective or deliverables.",
    params: z
      .object({
        code,
        title: text.optional(),
        goal: text.optional(),
        status: sprintStatus.optional(),
        summary: text.optional(),
        retrospective: text.optional(),
        deliverables: text.optional(),
        /** Replaces the sprint's labels ([] removes them all). */
        labels: labels.optional(),
        /** With status completed: close despite failed checks (recorded). */
        force: z.boolean().optional(),
        source: source.optional(),
      })
      .strict(),
    errors: ['not_found', 'invalid_state', 'validation_failed'],
    mutates: true,
  }),
  'task.create': method<{ task: TaskView; estimate_suggestion?: EstimateSuggestion | null } & WithInstructions>()({
    summary: 'Create a task (in a sprint, or as a subtask of a parent).',
    params: z
      .object({
        code,
        title: text,
        description: text.optional(),
        sprint: code.optional(),
        project: code.optional(),
        parent: code.optional(),
        estimate_minutes: minutes.optional(),
        assignee: actor.optional(),
        priority: priority.optional(),
        labels: labels.optional(),
        depends_on: dependsOn.optional(),
        /** Paths or globs (relative to the repository root) the task touches: activating it reserves them. */
        paths: z.array(reservedPath).max(50).optional(),
        source: source.optional(),
      })
      .strict(),
    errors: ['conflict', 'not_found', 'validation_failed'],
    mutates: true,
  }),
  'task.list': method<{ tasks: TaskView[]; next_cursor: string | null }>()({
    summary:
      'Tasks by sprint, project, status, parent or priority; ready (unblocked, unclaimed) or blocked; paged (limit, cursor).',
    params: z
      .object({
        sprint: code.optional(),
        project: code.optional(),
        status: taskStatus.optional(),
        parent: code.optional(),
        priority: priority.optional(),
        ready: z.boolean().optional(),
        blocked: z.boolean().optional(),
        label: filters.label,
        actor: actor.optional(),
        kind: filters.kind,
        limit: pageLimit(1000).optional(),
        cursor: cursor.optional(),
      })
      .strict()
      .optional(),
    errors: ['not_found'],
    mutates: false,
  }),
  'task.show': method<{
    task: TaskView;
    subtasks: TaskView[];
    /** Its latest updates and notes (updates_limit, default 50), oldest first. */
    updates: ActivityView[];
    /** Whether older updates or notes exist than those shown. */
    older_updates: boolean;
    /**
     * Team sync: time on the task and its subtasks on the other machines — read from the team
     * store for this answer when it answers (team_fresh), else as of the last progress pull.
     */
    time_elsewhere: { machine: string; seconds: number }[];
    /** Team sync: the other machines' latest updates and notes on the task and its subtasks, oldest first (empty when the store did not answer). */
    updates_elsewhere: {
      machine: string;
      at: string;
      kind: string;
      message: string | null;
      session: string | null;
      person: string | null;
    }[];
    /** Team sync: whether time_elsewhere and updates_elsewhere were read from the team store for this answer. */
    team_fresh: boolean;
    /** All time tracked on it and its subtasks, and its agents' tokens with their cost (docs/costs.md). */
    spend: Spend;
    /** Its time and cost budget and how much is left, if it has one. */
    budget: BudgetView | null;
  }>()({
    summary:
      "A task, its subtasks, its latest context updates, its time and agents' cost, and (team sync) its time on the other machines.",
    params: z.object({ code, updates_limit: z.number().int().min(1).max(1000).optional() }).strict(),
    errors: ['not_found'],
    mutates: false,
  }),
  'task.edit': method<{ task: TaskView; estimate_check?: EstimateCheck | null } & WithInstructions>()({
    summary:
      "Change a task's title, description, status, estimate, delegation, assignee, summary, sprint, priority, dependencies or budgets.",
    params: z
      .object({
        code,
        title: text.optional(),
        description: text.optional(),
        status: taskStatus.optional(),
        estimate_minutes: minutes.optional(),
        delegation_status: delegation.optional(),
        assignee: actor.optional(),
        summary: text.optional(),
        sprint: code.optional(),
        priority: priority.optional(),
        /** Replaces the task's labels ([] removes them all). */
        labels: labels.optional(),
        /** Replaces the dependencies ([] clears them). */
        depends_on: dependsOn.optional(),
        /** Replaces the paths the task touches ([] clears them); activating it reserves them. */
        paths: z.array(reservedPath).max(50).optional(),
        /** With status completed: close despite failed checks (recorded). */
        force: z.boolean().optional(),
        /** Time budget in minutes (docs/costs.md); 0 clears it. */
        budget_minutes: minutes.optional(),
        /** Cost budget in dollars ("5", "12.50"); "0" clears it. */
        budget_usd: z
          .string()
          .trim()
          .regex(/^\d{1,9}(\.\d{1,6})?$/, 'a cost budget is dollars, e.g. 5 or 12.50')
          .optional(),
        source: source.optional(),
      })
      .strict(),
    errors: ['not_found', 'invalid_state', 'validation_failed'],
    mutates: true,
  }),
  'task.next': method<NextResult>()({
    summary:
      'The next task for the caller: its sprint first, unclaimed, unblocked, by priority then plan order, with why and what else is ready; activate claims it in the same transaction.',
    params: T.extend({ activate: z.boolean().optional(), sprint: code.optional(), repo: claimOptions.repo }),
    errors: ['no_active_session', 'not_found', 'task_claimed', 'task_blocked', 'conflict', 'storage_unavailable'],
    mutates: true,
  }),
  'plan.import': method<
    {
      projects: number;
      sprints: number;
      tasks: number;
      created: string[];
      updated: string[];
      /** With suggest_estimates: the estimates filled in, each with its basis. */
      estimated: { code: string; minutes: number; basis: string }[];
      /** Tasks of the plan still without an estimate. */
      without_estimate: string[];
    } & WithInstructions
  >()({
    summary:
      'Load a plan (JSON or YAML text) in one transaction; suggest_estimates fills missing estimates from similar completed tasks.',
    params: z
      .object({
        content: z.string().max(900_000),
        suggest_estimates: z.boolean().optional(),
        filename: z.string().max(4096).optional(),
        format: z.enum(['json', 'yaml']).optional(),
        source: source.optional(),
      })
      .strict(),
    errors: ['validation_failed', 'conflict'],
    mutates: true,
  }),
} as const;

/** The whole table: each area declares its methods in its own file, all are merged here. */
export const methods = {
  ...coreMethods,
  ...completionMethods,
  ...gitMethods,
  ...agentMethods,
  ...agentsMethods,
  ...timeMethods,
  ...dashboardMethods,
  ...intervalMethods,
  ...syncMethods,
  ...usageMethods,
  ...estimateMethods,
  ...actorsMethods,
  ...messageMethods,
  ...reservationMethods,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
export type ParsedParamsOf<M extends MethodName> = z.output<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = NonNullable<Methods[M]['__result']>;
