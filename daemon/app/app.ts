// What every operation gets: the store, the clock, the config, and a place to put the
// events it causes (published only once its transaction has committed).
import type { Clock } from '../clock.js';
import type { Sql } from '../store/sql.js';
import type { Source } from '../../shared/protocol/views.js';
import type { DaemonEvent } from '../../shared/protocol/events.js';
import type { FragConfig } from '../config.js';
import type { Syncer } from '../sync/syncer.js';
import type { Instructions } from '../../shared/protocol/views.js';
import type { SessionRow } from './rows.js';
import type { Cost, PricesInForce } from '../../shared/protocol/costs.js';
import type { BatchMemo } from './batch-memo.js';

export interface App {
  sql: Sql;
  clock: Clock;
  config: FragConfig;
  /** Builds the instructions of an answer; handed down at assembly (daemon/assemble-app.ts). */
  instructions: InstructionBuilder;
  /** Prices tokens; handed down at assembly (daemon/app/costs/prices.ts) so every layer can price. */
  pricing: Pricing;
  /** The team store, when one is set up (docs/team-sync.md). */
  syncer?: Syncer;
  /** Values computed once per group commit (batch-memo.ts); the commit queue opens and drops them. */
  memo: BatchMemo;
}

/** What a preparer may hand back: told whether the write it prepared committed. */
export type Settle = (committed: boolean) => void;
/**
 * A settle function, or params for the handler with what the preparer decided (the task
 * the team store granted `task.next`) and the settle function of that decision.
 */
export type Prepared<P> = Settle | { params: P; settle?: Settle };

/** One call's view of the app: events it raised and who is calling. */
export interface Call {
  app: App;
  now: number;
  source: Source;
  events: DaemonEvent[];
}

export function newCall(app: App, source: Source = 'cli'): Call {
  return { app, now: app.clock.now(), source, events: [] };
}

// The signature of the instruction builder the App is handed (answers.ts says why it is
// handed down rather than imported).
export type Template =
  | 'session_started'
  | 'session_paused'
  | 'session_resumed'
  | 'session_ended'
  | 'context_activated'
  | 'context_popped'
  | 'task_completed'
  | 'progress'
  | 'item_created'
  | 'item_changed'
  | 'plan_imported'
  | 'recovery'
  | 'validation_failed'
  | 'sprint_completed'
  | 'next_suggested';

export interface ItemRef {
  kind: 'project' | 'sprint' | 'task';
  code: string;
}

/** Details some templates need beyond the session: a failed validation, a recovery's last step. */
export interface InstructionExtra {
  validation?: {
    errors: string[];
    requirements: string[];
    details: Record<string, unknown>;
    checklist: { rule: string; done: boolean; severity: string }[];
  };
  /** The item a validation or completion is about. */
  target?: { kind: 'task' | 'sprint'; code: string; id: number };
  last_step?: string | null;
  /** The summary a refused completion was given: the retry keeps it. */
  summary?: string;
}

export type InstructionBuilder = (
  call: Call,
  template: Template,
  s: SessionRow | null,
  item?: ItemRef,
  extra?: InstructionExtra,
) => Instructions;

/** Tokens of one model in requests whose prompts were above `tier_above` tokens (0: no tier). */
export interface PricedGroup {
  model: string | null;
  tier_above: number;
  input: number;
  output: number;
  cache_creation: number;
  cache_read: number;
}

/** The price table in force, as the layers below costs see it (daemon/app/costs/prices.ts). */
export interface Pricing {
  /** The prompt sizes where some model's price changes, ascending (token-costs.ts buckets by them). */
  thresholds(): readonly number[];
  cost(groups: readonly PricedGroup[]): Cost;
  about(): PricesInForce;
}
