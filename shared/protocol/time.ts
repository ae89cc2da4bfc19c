// Time: heartbeats, reports, and the test-only clock controls (DESIGN.md §5).
import { z } from 'zod';
import { method } from './define.js';
import { actor, filters, kind, sessionKey, T } from './common.js';
import type { SessionStatus, WithInstructions } from './views.js';
import { REPORT_BY, type ReportBy } from './report-by.js';
import type { Cost, PricesInForce } from './costs.js';

export { REPORT_BY, type ReportBy };

/** Filters as an answer gives them back (issue 26). */
export interface AppliedFilters {
  project?: string;
  sprint?: string;
  label?: string[];
  actor?: string;
  kind?: 'agent' | 'human';
}

/** One interval's part in a row (report --intervals). */
export interface ReportDetail {
  id: number;
  actor: string;
  task: string | null;
  start: string;
  end: string;
  seconds: number;
}

/** Tokens a coding agent used, as its transcript recorded them (agents' hooks; docs/agents.md). */
export interface TokenTotals {
  input: number;
  output: number;
  cache_creation: number;
  cache_read: number;
}

export interface ReportRow {
  /** Day (YYYY-MM-DD, local), task/sprint/project code, or actor name; "(none)" for time outside any. */
  key: string;
  label: string | null;
  /** Set when the report separates actors (per_actor) or is by actor. */
  actor: string | null;
  seconds: number;
  intervals: number;
  /** By task only: estimate against all tracked time on the task (any range). */
  estimate_minutes?: number | null;
  total_seconds?: number;
  variance_percent?: number | null;
  /** With intervals: true, the intervals (or their parts) that make up the row. */
  detail?: ReportDetail[];
  /** Tokens used in the range on this row's day, week, month, model, task, sprint, project, actor or session. */
  tokens?: TokenTotals;
  /** What those tokens cost (docs/costs.md). */
  cost?: Cost;
}

export interface ReportResult {
  by: ReportBy;
  tz: string;
  since: string;
  until: string;
  /** The real instants covered: local midnight of since to local midnight after until. */
  range: { from: string; to: string };
  actor: string | null;
  /** The filters applied (project, sprint, label, actor, kind), as resolved. */
  filters: AppliedFilters;
  per_actor: boolean;
  rows: ReportRow[];
  total_seconds: number;
  /** All tokens recorded in the range (under the same actor/session filter). */
  tokens: TokenTotals;
  /** What those tokens cost, exactly (`exact_usd`) and to the cent (`usd`). */
  cost: Cost;
  prices: PricesInForce;
  counts: { intervals: number; sessions: number; actors: number };
}

export interface EstimateCheck {
  task: string;
  estimate_minutes: number;
  actual_minutes: number;
  variance_percent: number;
  needs_new_estimate: boolean;
  threshold_percent: number;
  /** With needs_new_estimate: what similar completed tasks took (estimate.suggest; docs/seed-rows.md). */
  history?: { minutes: number; basis: string } | null;
}

export interface TickReportView {
  at: string;
  gap: { wall_ms: number; monotonic_ms: number; suspended: boolean; why: string | null };
  checkpointed: number;
  idle_paused: string[];
  suspended: string[];
  /** Agents' conversations paused longer than agent_session_end_hours, ended by this tick. */
  ended: string[];
}

const day = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date looks like 2026-03-29 (YYYY-MM-DD, local day)');

export const timeMethods = {
  heartbeat: method<
    {
      session: string;
      status: SessionStatus;
      recorded: boolean;
      coalesced: boolean;
      activity_id: number | null;
      count: number;
      resumed: { interrupted_seconds: number } | null;
    } & WithInstructions
  >()({
    summary:
      'Editor/agent/CLI activity that keeps a session alive; repeated beats on one file within a minute share one activity row.',
    params: T.extend({
      file: z.string().trim().min(1).max(4096).optional(),
      editor: z.string().trim().min(1).max(100).optional(),
      language: z.string().trim().min(1).max(100).optional(),
      kind: kind.optional(),
    }),
    errors: ['no_active_session', 'not_found', 'invalid_state'],
    mutates: true,
  }),
  report: method<ReportResult>()({
    summary:
      "Tracked time (and agents' tokens) by day, week, month, task, sprint, project, actor, session, branch, file, language or editor over a local date range (default: the last 7 days).",
    params: z
      .object({
        by: z.enum(REPORT_BY).optional(),
        since: day.optional(),
        until: day.optional(),
        actor: actor.optional(),
        ...filters,
        session: sessionKey.optional(),
        per_actor: z.boolean().optional(),
        tz: z.string().trim().min(1).max(100).optional(),
        /** The intervals under each row. */
        intervals: z.boolean().optional(),
      })
      .strict()
      .optional(),
    errors: ['invalid_params', 'not_found'],
    mutates: false,
  }),
  'debug.clock': method<{ now: string; wall_ms: number; monotonic_ms: number; ticks: TickReportView[] }>()({
    summary:
      'Test only (FRAGD_TEST_CLOCK): move the daemon clock; ticking=true runs a tick every tick period on the way.',
    params: z
      .object({
        advance_ms: z
          .number()
          .int()
          .min(0)
          .max(366 * 86_400_000)
          .optional(),
        jump_wall_ms: z
          .number()
          .int()
          .min(-366 * 86_400_000)
          .max(366 * 86_400_000)
          .optional(),
        set_ms: z.number().int().min(0).optional(),
        ticking: z.boolean().optional(),
      })
      .strict(),
    errors: ['invalid_state'],
    mutates: true,
  }),
  'debug.tick': method<TickReportView>()({
    summary: 'Test only (FRAGD_TEST_CLOCK): run one tick now.',
    params: z.object({}).strict().optional(),
    errors: ['invalid_state'],
    mutates: true,
  }),
} as const;
