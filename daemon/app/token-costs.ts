// Tokens with their cost, summed in SQL per key, model and price tier, and priced in JS by
// the table in force (App.pricing). Any reader of agent_tokens that shows tokens uses this,
// so every view prices the same rows the same way (docs/costs.md).
import type { Cost } from '../../shared/protocol/costs.js';
import type { TokenTotals } from '../../shared/protocol/time.js';
import type { App, PricedGroup } from './app.js';

/**
 * SQL: the highest tier threshold a row's prompt (input + cache writes + cache reads) is
 * above, else 0. Thresholds are integers checked by the price table's schema, so splicing
 * them into the text is safe.
 */
export function overSql(app: App, alias = ''): string {
  const t = [...app.pricing.thresholds()].filter((n) => Number.isSafeInteger(n)).reverse();
  if (!t.length) return '0';
  const p = `(${alias}input_tokens + ${alias}cache_creation_tokens + ${alias}cache_read_tokens)`;
  return `CASE ${t.map((n) => `WHEN ${p} > ${n} THEN ${n}`).join(' ')} ELSE 0 END`;
}

/** Select list of sums per model and tier; group by `model, tier_above` (plus the caller's keys). */
export function pricedSums(app: App, alias = ''): string {
  return `${alias}model AS model, ${overSql(app, alias)} AS tier_above,
    coalesce(sum(${alias}input_tokens), 0) AS input, coalesce(sum(${alias}output_tokens), 0) AS output,
    coalesce(sum(${alias}cache_creation_tokens), 0) AS cache_creation, coalesce(sum(${alias}cache_read_tokens), 0) AS cache_read`;
}

export interface Priced {
  tokens: TokenTotals;
  cost: Cost;
}

export const NO_TOKENS: TokenTotals = { input: 0, output: 0, cache_creation: 0, cache_read: 0 };

/** Tokens and cost of a set of groups (one key's). */
export function priced(app: App, groups: readonly PricedGroup[]): Priced {
  const tokens = { ...NO_TOKENS };
  for (const g of groups) {
    tokens.input += g.input;
    tokens.output += g.output;
    tokens.cache_creation += g.cache_creation;
    tokens.cache_read += g.cache_read;
  }
  return { tokens, cost: app.pricing.cost(groups) };
}

/** Groups rows by a key and prices each key's groups. */
export function pricedBy<G extends PricedGroup>(app: App, rows: readonly G[], keyOf: (g: G) => string) {
  const byKey = new Map<string, G[]>();
  for (const r of rows) {
    const k = keyOf(r);
    const list = byKey.get(k);
    if (list) list.push(r);
    else byKey.set(k, [r]);
  }
  return new Map([...byKey].map(([k, list]) => [k, priced(app, list)] as const));
}

/** Tokens and cost of agent_tokens rows matching a WHERE clause (bound values after it). */
export function pricedWhere(app: App, where: string, ...args: unknown[]): Priced {
  const groups = app.sql.all<PricedGroup>(
    `SELECT ${pricedSums(app)} FROM agent_tokens WHERE ${where} GROUP BY model, tier_above`,
    ...args,
  );
  return priced(app, groups);
}
