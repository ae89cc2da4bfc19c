// Costs of agents' tokens (docs/costs.md): what every answer that shows tokens carries beside them.

/**
 * A cost in US dollars. `usd` is rounded to cents for display; `exact_usd` is the exact sum
 * of every request's price (a finite decimal: prices have at most six decimals per million
 * tokens). Tokens of a model the price table does not know are counted apart and never as
 * $0: when nothing in the sum has a price, `usd` and `exact_usd` are null.
 */
export interface Cost {
  currency: 'USD';
  usd: string | null;
  exact_usd: string | null;
  unpriced_tokens: number;
  unpriced_models: string[];
}

/** The price table a cost was computed with. */
export interface PricesInForce {
  /** When the prices were taken from the vendors (YYYY-MM-DD). */
  date: string;
  /** The user's prices.json when it is in force. */
  file: string | null;
  /** Why the user's prices.json is not in force (the shipped prices are used), if it is not. */
  error: string | null;
}

/** "$4.80", "$4.80 + 1200 unpriced tokens", "unpriced (1200 tokens)". */
export function costText(c: Cost | null | undefined): string {
  if (!c) return '';
  if (c.usd === null) return `unpriced (${c.unpriced_tokens} tokens)`;
  return c.unpriced_tokens > 0 ? `$${c.usd} + ${c.unpriced_tokens} unpriced tokens` : `$${c.usd}`;
}

/** All time and tokens a task (with its subtasks) or sprint has used, with their cost. */
export interface Spend {
  seconds: number;
  tokens: { input: number; output: number; cache_creation: number; cache_read: number };
  cost: Cost;
}

/** One rolling window a vendor meters a subscription in (docs/costs.md, "Usage windows"). */
export interface UsageWindow {
  /** block: opens with the first message after the last block closed (Claude's 5 hours); week: 7 days. */
  kind: 'block' | 'week';
  start: string;
  /** When it resets. */
  end: string;
  /** False when no block is open (the last one closed; the next opens with the next message). */
  active: boolean;
  elapsed_seconds: number;
  remaining_seconds: number;
  tokens: { input: number; output: number; cache_creation: number; cache_read: number };
  /** All four counts. */
  total_tokens: number;
  cost: Cost;
  /** Since the window's first message, per hour. */
  burn: { tokens_per_hour: number; usd_per_hour: string | null };
  /** At the current burn rate, at the window's end. */
  projected: { tokens: number; usd: string | null };
  /** The configured limit, how much of it is used, and how much the projection reaches. */
  limit: {
    usd: string | null;
    tokens: number | null;
    used_percent: number;
    projected_percent: number;
  } | null;
  /** Set when the used or projected share reaches warn_percent. */
  warning: string | null;
}

export interface UsageResult {
  at: string;
  agents: { actor: string; windows: UsageWindow[] }[];
  prices: PricesInForce;
}

/** A task's or sprint's budget and how much of it is left (docs/costs.md, "Budgets"). */
export interface BudgetView {
  minutes: number | null;
  /** Exact dollars. */
  usd: string | null;
  /** The plan made it a limit: over it, the task is not offered by next. */
  enforce: boolean;
  time_used_percent: number | null;
  /** Negative when over. */
  time_left_seconds: number | null;
  cost_used_percent: number | null;
  /** Exact dollars, negative when over. */
  cost_left_usd: string | null;
  /** "1h10m of 2h left · $3.20 of $5.00 left" */
  line: string;
}

/**
 * How much of a budget is left, for the status line: the active task's (a subtask's: its
 * task's), else its sprint's (docs/costs.md, "Budgets").
 */
export interface BudgetLeft {
  scope: 'task' | 'sprint';
  code: string;
  /** Negative when over; null without a time budget. */
  time_left_seconds: number | null;
  /** Exact dollars, negative when over; null without a cost budget. */
  cost_left_usd: string | null;
  /** Compact, to the minute and the cent: "1h12m · $0.84 left", "over by 20m · $0.20", "1h12m left · over by $0.20". */
  text: string;
}
