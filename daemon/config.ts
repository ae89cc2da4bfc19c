// config.json in the config directory. Unknown keys are rejected so a typo is noticed.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  HALF_FRAME_SECONDS,
  MAX_SOCKET_CONNECTIONS,
  SILENT_CONNECTION_SECONDS,
  SUBSCRIBER_BUDGET_BYTES,
} from '../shared/limits.js';

/** A code such as ABC-12 or T-3 anywhere in the branch name (feature/ABC-12-login). */
export const DEFAULT_TASK_PATTERN = '(?:^|[^A-Za-z0-9])([A-Za-z][A-Za-z0-9]*-\\d+)';

// The team store (docs/team-sync.md). The connection string is never in this file: it is
// read from url_file (mode 0600) or FRAGD_PG_URL, so config.json can be shared or shown.
const name = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w.@-]+$/, 'letters, digits, and . _ @ - only');
const syncDefaults = {
  enabled: false,
  push_interval_ms: 1000,
  pull_interval_ms: 2000,
  batch_size: 500,
  listen: true,
  pooler: false,
  claims_offline: 'refuse' as const,
};
const syncSchema = z
  .object({
    enabled: z.boolean().default(false),
    team: name.optional(),
    /** Default: the host name. Each fragd database pushing to a team needs its own. */
    machine: name.optional(),
    /** A file holding the PostgreSQL connection string (mode 0600); FRAGD_PG_URL wins over it. */
    url_file: z.string().min(1).max(4096).optional(),
    push_interval_ms: z.number().int().min(20).max(600_000).default(1000),
    pull_interval_ms: z.number().int().min(20).max(600_000).default(2000),
    batch_size: z.number().int().min(1).max(10_000).default(500),
    /**
     * Pull as soon as another machine announces a change (PostgreSQL LISTEN/NOTIFY) rather
     * than only every pull interval. Off behind a pooler in transaction mode (PgBouncer),
     * where LISTEN does not work.
     */
    listen: z.boolean().default(true),
    /**
     * The connection string points at a pooler in transaction mode (PgBouncer): no LISTEN (fragd
     * polls every pull interval), and no session settings in the startup packet, which
     * PgBouncer refuses; the role's settings from `fragctl sync setup` carry the timeouts.
     */
    pooler: z.boolean().default(false),
    /** What activating a task does when the team store cannot be reached: only 'refuse' (see the docs). */
    claims_offline: z.enum(['refuse']).default('refuse'),
  })
  .strict();

const dollars = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .refine((v) => /^\d{1,9}(\.\d{1,6})?$/.test(v), { message: 'dollars, e.g. "20" or "12.50"' });
const usageWindowSchema = z
  .object({
    /** The length of a window that opens with the first message after the last one closed (Claude, Codex: 5). */
    block_hours: z.number().int().min(1).max(168).default(5),
    block_limit_usd: dollars.optional(),
    block_limit_tokens: z.number().int().min(1).optional(),
    /** The weekly window: from this instant, every 7 days (else the 7 days up to now). */
    week_starts: z.string().datetime({ offset: true }).optional(),
    week_limit_usd: dollars.optional(),
    week_limit_tokens: z.number().int().min(1).optional(),
    /** Warn from this share of a limit, used or projected to the window's end. */
    warn_percent: z.number().int().min(1).max(100).default(80),
  })
  .strict();

export const configSchema = z
  .object({
    idle_timeout_seconds: z
      .number()
      .int()
      .min(30)
      .default(15 * 60),
    idle_grace_seconds: z.number().int().min(0).default(30),
    tick_seconds: z.number().int().min(1).max(3600).default(30),
    auto_resume_on_activity: z.boolean().default(true),
    /** Coding agents reported by their hooks or MCP: a dead agent stops counting this soon after its last sign of life. */
    agent_idle_timeout_seconds: z.number().int().min(30).default(150),
    /**
     * An agent's conversation left paused (exited, died, waiting) this long is ended by the
     * tick. 72 h: a conversation left on Friday evening and resumed on Monday morning stays
     * one session; its claim was released at the exit, so nothing is held meanwhile.
     */
    agent_session_end_hours: z
      .number()
      .min(1)
      .max(24 * 365)
      .default(72),
    /** A task claim whose holder has shown no sign of life this long may be taken by anyone (recorded). */
    claim_stale_seconds: z
      .number()
      .int()
      .min(60)
      .default(30 * 60),
    agents: z
      .object({
        /** A task code in a branch name: the first capture group (else the whole match). */
        task_pattern: z.string().min(1).max(500).default(DEFAULT_TASK_PATTERN),
        /** The actor an agent's sessions get (default: the agent's own name). */
        actors: z.record(z.string(), z.string().regex(/^[\w.@-]{1,64}$/)).default({}),
        /** Repository root → project (and its own task pattern), for repositories without a .fragd.json. */
        repos: z
          .record(
            z.string(),
            z
              .object({
                project: z.string().min(1).max(64).optional(),
                task_pattern: z.string().min(1).max(500).optional(),
              })
              .strict(),
          )
          .default({}),
      })
      .strict()
      .default({ task_pattern: DEFAULT_TASK_PATTERN, actors: {}, repos: {} }),
    estimate_variance_percent: z.number().min(0).default(25),
    http: z
      .object({ enabled: z.boolean().default(false), port: z.number().int().min(0).max(65535).default(47821) })
      .strict()
      .default({ enabled: false, port: 47821 }),
    // The log file rotates at max_bytes and keeps `files` older ones: a failure storm cannot fill the disk.
    log: z
      .object({
        max_bytes: z
          .number()
          .int()
          .min(4096)
          .default(10 * 1024 * 1024),
        files: z.number().int().min(0).max(20).default(3),
      })
      .strict()
      .default({ max_bytes: 10 * 1024 * 1024, files: 3 }),
    /** Bounds a test or a busy machine may tune; the rest are fixed (shared/limits.ts, docs/limits.md). */
    limits: z
      .object({
        half_frame_seconds: z.number().int().min(1).max(3600).default(HALF_FRAME_SECONDS),
        max_connections: z.number().int().min(1).max(100_000).default(MAX_SOCKET_CONNECTIONS),
        silent_connection_seconds: z.number().int().min(1).max(3600).default(SILENT_CONNECTION_SECONDS),
        subscriber_budget_bytes: z.number().int().min(65_536).default(SUBSCRIBER_BUDGET_BYTES),
      })
      .strict()
      .default({
        half_frame_seconds: HALF_FRAME_SECONDS,
        max_connections: MAX_SOCKET_CONNECTIONS,
        silent_connection_seconds: SILENT_CONNECTION_SECONDS,
        subscriber_budget_bytes: SUBSCRIBER_BUDGET_BYTES,
      }),
    validation: z
      .object({
        summary_min_chars: z.number().int().min(0).default(20),
        min_context_updates: z.number().int().min(0).default(2),
      })
      .strict()
      .default({ summary_min_chars: 20, min_context_updates: 2 }),
    /** Copies of the database fragd takes itself; 0 turns them off (docs/operations.md). */
    backups: z
      .object({
        every_hours: z
          .number()
          .min(0)
          .max(24 * 365)
          .default(24),
        keep: z.number().int().min(1).max(100).default(2),
      })
      .strict()
      .default({ every_hours: 24, keep: 2 }),
    sync: syncSchema.default(syncDefaults),
    /**
     * Usage windows per actor (docs/costs.md): the rolling windows a vendor meters a
     * subscription in, and the limits to warn about before they are reached.
     */
    usage: z.record(z.string().regex(/^[\w.@-]{1,64}$/), usageWindowSchema).default({}),
  })
  .strict();

export type FragConfig = z.output<typeof configSchema>;

export const defaultConfig = (): FragConfig => configSchema.parse({});

export function loadConfig(path: string): FragConfig {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return defaultConfig();
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
    throw new Error(`${path}: ${issues}`);
  }
  return parsed.data;
}
