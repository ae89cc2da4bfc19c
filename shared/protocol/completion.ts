// Completion gates, artifacts and the session report (issue 4).
import type { Cost } from './costs.js';
import { z } from 'zod';
import type { TokenTotals } from './time.js';
import { method } from './define.js';
import { code, text, target, T } from './common.js';
import type { ContextFrame, SessionView, SprintView, TaskView, WithInstructions } from './views.js';
import type { EstimateCheck } from './time.js';
export type { EstimateCheck };

export interface ChecklistItemView {
  rule: string;
  item: string;
  done: boolean;
  detail: string;
  severity: 'error' | 'warning';
}

export interface ValidationView {
  valid: boolean;
  errors: string[];
  warnings: string[];
  requirements: string[];
  details: Record<string, unknown>;
  checklist: ChecklistItemView[];
}

export type TaskCompleteResult = {
  task: TaskView;
  validation: ValidationView;
  /** Errors that --force overrode (empty when the task passed). */
  forced_over: string[];
  /** null when the task has no estimate. */
  estimate_check: EstimateCheck | null;
  session: string | null;
  stack: ContextFrame[];
} & WithInstructions;

export type SprintCompleteResult = {
  sprint: SprintView;
  validation: ValidationView;
  forced_over: string[];
} & WithInstructions;

/** What `ValidationFailed` (-32004) errors of the completion methods carry in `data`. */
export interface ValidationFailedData {
  error: 'validation_failed';
  what: 'task' | 'sprint';
  code: string;
  validation: ValidationView;
  required_actions: string[];
  instructions: import('./views.js').Instructions;
  hint: string;
  /** tasks.bulk_complete: one entry per blocked task. */
  blocked?: { code: string; validation: ValidationView; required_actions: string[] }[];
}

export interface ResumeSuggestionsView {
  tasks: {
    code: string;
    title: string;
    status: string;
    sprint: string | null;
    last_worked_at: string | null;
    last_worked: string;
    command: string;
  }[];
  sprints: { code: string; title: string; completed: number; total: number; progress: string }[];
}

/** The actor's paused session, offered back by session.start (issue 26). */
export interface PausedSessionOffer {
  key: string;
  paused_at: string;
  /** "2 hours ago". */
  paused_ago: string;
  reason: string | null;
  /** The task on top of its stack, if any. */
  task: string | null;
  /** "SESSION-001 (paused 2 hours ago, on T-1: idle)". */
  line: string;
  /** Runs as written. */
  resume_command: string;
}

export interface SessionReport {
  session: string;
  started_at: string;
  ended_at: string | null;
  duration_seconds: number;
  active_seconds: number;
  tasks_completed: { code: string; title: string; seconds: number; forced: boolean }[];
  tasks_worked: { code: string; title: string; seconds: number; status: string }[];
  updates: number;
  notes: number;
  artifacts: { path: string; note: string | null; at: string; task: string | null }[];
  /** Tokens the session's agent used (from its transcript), in total and per task ("(none)" outside any). */
  tokens: TokenTotals & { cost: Cost; by_task: ({ task: string; cost: Cost } & TokenTotals)[] };
  warnings: string[];
}

const bulkEntry = z.union([code, z.object({ code, summary: text.optional(), force: z.boolean().optional() }).strict()]);

export const completionMethods = {
  'task.validate': method<{ task: TaskView; validation: ValidationView }>()({
    summary: "Check whether a task may complete (default: the session's active task).",
    params: T.extend({ code: code.optional() }),
    errors: ['no_active_session', 'not_found', 'invalid_state'],
    mutates: false,
  }),
  'sprint.validate': method<{ sprint: SprintView; validation: ValidationView }>()({
    summary: "Check whether a sprint may complete (default: the session's active sprint).",
    params: T.extend({ code: code.optional() }),
    errors: ['no_active_session', 'not_found', 'invalid_state'],
    mutates: false,
  }),
  'task.complete': method<TaskCompleteResult>()({
    summary:
      'Complete a task through the validation gate (optionally setting its summary); --force overrides errors and is logged.',
    params: T.extend({ code: code.optional(), summary: text.optional(), force: z.boolean().optional() }),
    errors: ['no_active_session', 'not_found', 'invalid_state', 'validation_failed'],
    mutates: true,
  }),
  'tasks.bulk_complete': method<
    {
      completed: TaskCompleteResult['task'][];
      forced: string[];
      results: Omit<TaskCompleteResult, 'instructions'>[];
    } & WithInstructions
  >()({
    summary: 'Complete several tasks at once, all or nothing; an entry may carry its own summary or force.',
    params: z
      .object({
        ...target,
        codes: z.array(bulkEntry).min(1).max(500),
        summary: text.optional(),
        force: z.boolean().optional(),
      })
      .strict(),
    errors: ['not_found', 'invalid_state', 'validation_failed'],
    mutates: true,
  }),
  'sprint.complete': method<SprintCompleteResult>()({
    summary: 'Complete a sprint through the validation gate (optionally setting summary, retrospective, deliverables).',
    params: T.extend({
      code: code.optional(),
      summary: text.optional(),
      retrospective: text.optional(),
      deliverables: text.optional(),
      force: z.boolean().optional(),
    }),
    errors: ['no_active_session', 'not_found', 'invalid_state', 'validation_failed'],
    mutates: true,
  }),
  'artifact.add': method<
    {
      artifact: { path: string; note: string | null; task: string | null; sprint: string | null };
      session: string;
    } & WithInstructions
  >()({
    summary: 'Record an artifact (a file, a URL) produced in the active context.',
    params: T.extend({
      // A relative path means nothing once the caller's directory is gone.
      path: z
        .string()
        .trim()
        .min(1)
        .max(4096)
        .refine(
          (p) => p.startsWith('/') || /^[a-z][a-z0-9+.-]*:\/\//i.test(p),
          'an artifact is an absolute path or a URL (fragctl makes a relative path absolute)',
        ),
      note: text.optional(),
    }),
    errors: ['no_active_session', 'not_found', 'invalid_state'],
    mutates: true,
  }),
  'session.report': method<{ report: SessionReport; session: SessionView }>()({
    summary: 'What a session did: duration, tasks completed with their time, updates, notes, artifacts, open contexts.',
    params: T,
    errors: ['no_active_session', 'not_found'],
    mutates: false,
  }),
} as const;
