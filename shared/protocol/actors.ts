// The actors (issue 26): each person and agent that worked here, with what each did.
import { z } from 'zod';
import { method } from './define.js';
import { actor, filters } from './common.js';
import type { Cost } from './costs.js';
import type { AppliedFilters, TokenTotals } from './time.js';

export interface ActorView {
  actor: string;
  /** `human` for the person (the actor every session defaults to), `agent` for any other. */
  kind: 'human' | 'agent';
  /** Sessions of the actor in the range (with tracked time in it when a project, sprint or label filter is given). */
  sessions: number;
  /** Tracked time in the range, the same seconds as `report --by actor`. */
  seconds: number;
  tokens: TokenTotals;
  cost: Cost;
  /** The actor's latest sign of life, over all its sessions (not only the range). */
  last_seen: string;
  /** Its open session now, if any: key, status and task. */
  now: { session: string; status: 'active' | 'paused'; task: string | null } | null;
}

export interface ActorsResult {
  since: string;
  until: string;
  tz: string;
  filters: AppliedFilters;
  /** Most time first, then by latest seen. */
  actors: ActorView[];
  total_seconds: number;
  tokens: TokenTotals;
  cost: Cost;
}

const day = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date looks like 2026-03-29 (YYYY-MM-DD, local day)');

export const actorsMethods = {
  'actors.list': method<ActorsResult>()({
    summary:
      'Each actor (the person and the agents) with kind, sessions, tracked time, tokens and cost in a local date range (default: all history), and last seen.',
    params: z
      .object({
        since: day.optional(),
        until: day.optional(),
        tz: z.string().trim().min(1).max(100).optional(),
        actor: actor.optional(),
        ...filters,
      })
      .strict()
      .optional(),
    errors: ['invalid_params', 'not_found'],
    mutates: false,
  }),
} as const;
