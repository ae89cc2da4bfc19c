// Team sync (docs/team-sync.md): the outbox's state, and the team report and claims read
// from the team store (PostgreSQL).
import { z } from 'zod';
import { method } from './define.js';
import type { Cost, PricesInForce } from './costs.js';

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
  /** Rounded to the second for display; milliseconds is exact. */
  seconds: number;
  milliseconds: number;
  intervals: number;
  machines: number;
  actors: number;
  /** The agents' tokens of this key in the range, and their cost (docs/costs.md). */
  tokens: { input: number; output: number; cache_creation: number; cache_read: number };
  cost: Cost;
}

export interface TeamReportResult {
  team: string;
  by: TeamReportBy;
  tz: string;
  since: string;
  until: string;
  rows: TeamReportRow[];
  /** From the exact sum of the rows' milliseconds (not the sum of their rounded seconds). */
  total_seconds: number;
  total_milliseconds: number;
  tokens: { input: number; output: number; cache_creation: number; cache_read: number };
  /** Exact underneath (exact_usd), cents on top; unpriced tokens apart, never $0. */
  cost: Cost;
  /** The price table the costs were computed with. */
  prices: PricesInForce;
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

export interface SyncSetupResult {
  team: string;
  /** False with print: nothing was run or written. */
  applied: boolean;
  /** The SQL run (or to run), passwords shown as <password>. */
  sql: string;
  machines: {
    machine: string;
    /** Its PostgreSQL role. */
    role: string;
    /** Its connection file (mode 0600), to copy to that machine's config directory; null with print. */
    url_file: string | null;
    /** What goes in that machine's config.json. */
    config: { sync: { enabled: true; team: string; machine: string; url_file: string } };
  }[];
}

export interface SyncMachineResult {
  team: string;
  action: 'rename' | 'remove';
  machine: string;
  /** The new name (rename). */
  to: string | null;
  /** Rename: rows moved to the new name. Remove: open claims ended. */
  changed: number;
  /** What to do on the machine itself. */
  next: string;
}

const machineName = z
  .string()
  .trim()
  .regex(/^[\w.@-]{1,64}$/, 'a machine or team name: letters, digits, . _ @ - (up to 64)');
const absolutePath = z.string().trim().min(1).max(4096).regex(/^\//, 'an absolute path');

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
  'sync.setup': method<SyncSetupResult>()({
    summary:
      "Team sync set-up by the administrator: a PostgreSQL role per machine, row-level security on, and each machine's connection file.",
    params: z
      .object({
        team: machineName,
        machines: z.array(machineName).min(1).max(1000),
        admin_url_file: absolutePath.optional(),
        out_dir: absolutePath,
        print: z.boolean().optional(),
      })
      .strict(),
    errors: ['invalid_params', 'storage_unavailable'],
    mutates: false,
  }),
  'sync.machine': method<SyncMachineResult>()({
    summary:
      'Team sync: rename a machine (its rows, claims and time move to the new name) or remove it (its claims end; its history stays).',
    params: z
      .object({
        action: z.enum(['rename', 'remove']),
        machine: machineName,
        to: machineName.optional(),
        /** Sync off here, or another machine's name under row security: the administrator's connection. */
        admin_url_file: absolutePath.optional(),
        team: machineName.optional(),
      })
      .strict(),
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
