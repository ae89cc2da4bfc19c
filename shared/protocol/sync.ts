// Team sync (docs/team-sync.md): the outbox's state, and the team report and claims read
// from the team store (PostgreSQL).
import { z } from 'zod';
import { method } from './define.js';

export interface SyncStatusView {
  enabled: boolean;
  team?: string;
  machine?: string;
  /** Where the connection string comes from (FRAGD_PG_URL or the url file), never the string. */
  store?: string;
  connected?: boolean;
  /** Changes waiting in the outbox. */
  queue: number;
  oldest_unpushed_age_seconds?: number | null;
  last_push_at?: string | null;
  last_pull_at?: string | null;
  pushed_total?: number;
  pulled_total?: number;
  failures?: number;
  next_retry_at?: string | null;
  /** Redacted: no password ever appears here. */
  last_error?: { message: string; at: string } | null;
  remote_claims?: number;
  /** Tasks this machine's sessions hold that the team store gives another machine (taken_over: it took them from here). */
  claim_conflicts?: {
    task: string;
    holder_machine: string;
    holder_actor: string;
    taken_over: boolean;
    /** The session here that has the task on its stack. */
    session: string | null;
  }[];
}

export type TeamReportBy = 'person' | 'machine' | 'actor' | 'task';

export interface TeamReportRow {
  key: string;
  seconds: number;
  intervals: number;
  machines: number;
  actors: number;
}

export interface TeamReportResult {
  team: string;
  by: TeamReportBy;
  tz: string;
  since: string;
  until: string;
  rows: TeamReportRow[];
  total_seconds: number;
  /** Every machine of the team and when it last pushed (what the report can be behind by). */
  machines: { machine: string; last_push_at: string | null; last_pull_at: string | null }[];
}

/** An active claim in the team store: who holds which task, on which machine, since when. */
export interface TeamClaim {
  task: string;
  machine: string;
  actor: string;
  session: string | null;
  since: string;
  /** Held by this machine (one of its sessions). */
  mine: boolean;
}

export interface TeamClaimsResult {
  team: string;
  /** This machine's name in the team. */
  machine: string;
  /** Oldest first. */
  claims: TeamClaim[];
}

const day = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date looks like 2026-03-29 (YYYY-MM-DD, local day)');

export const syncMethods = {
  'sync.status': method<SyncStatusView>()({
    summary: 'Team sync: changes queued for the team store, the lag, the last error (redacted).',
    params: z.object({}).strict().optional(),
    errors: [],
    mutates: false,
  }),
  'sync.now': method<SyncStatusView>()({
    summary:
      'Team sync: push, reconcile claims and pull now, whatever the backoff says; answers the status after that round.',
    params: z.object({}).strict().optional(),
    errors: ['invalid_state'],
    mutates: false,
  }),
  'team.report': method<TeamReportResult>()({
    summary: 'Tracked time of the whole team by person, machine, actor or task, read from the team store.',
    params: z
      .object({
        by: z.enum(['person', 'machine', 'actor', 'task']).optional(),
        since: day.optional(),
        until: day.optional(),
        tz: z.string().trim().min(1).max(100).optional(),
      })
      .strict()
      .optional(),
    errors: ['invalid_params', 'invalid_state', 'storage_unavailable'],
    mutates: false,
  }),
  'team.claims': method<TeamClaimsResult>()({
    summary:
      "The team's active claims across machines (task, machine, actor, session, since), read from the team store.",
    params: z.object({}).strict().optional(),
    errors: ['invalid_state', 'storage_unavailable'],
    mutates: false,
  }),
} as const;
