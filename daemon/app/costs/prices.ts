// Prices per model and the exact arithmetic of cost. A price is dollars per million tokens
// with at most six decimals, held as an integer of micro-dollars per million tokens; a
// token count times that integer is a cost in pico-dollars (10^-12 $), summed as a BigInt,
// so no sum drifts however many rows it adds. Rounding happens once, to cents, for display.
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { Cost } from '../../../shared/protocol/costs.js';
import type { Pricing, PricedGroup } from '../app.js';
import { SHIPPED_PRICES } from './price-table.js';

const price = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .refine((v) => /^\d{1,6}(\.\d{1,6})?$/.test(v), {
    message: 'a price is dollars per million tokens, e.g. "3" or "0.30" (at most six decimals, not negative)',
  });
const rates = { input: price, output: price, cache_write: price.optional(), cache_read: price.optional() };
const modelSchema = z
  .object({
    ...rates,
    tiers: z
      .array(z.object({ above: z.number().int().min(1).max(1_000_000_000), ...rates }).strict())
      .max(8)
      .optional(),
  })
  .strict();
export const priceFileSchema = z
  .object({
    /** When these prices were taken from the vendors (YYYY-MM-DD). */
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date looks like 2026-12-06')
      .optional(),
    currency: z.literal('USD').optional(),
    models: z.record(
      z
        .string()
        .min(1)
        .max(200)
        .regex(/^[\w.:@/-]+$/, 'a model name has letters, digits and . _ : @ / - only'),
      modelSchema,
    ),
  })
  .strict();
export type PriceFile = z.input<typeof priceFileSchema>;

/** Rates in micro-dollars per million tokens. */
interface Rates {
  input: bigint;
  output: bigint;
  cache_write: bigint;
  cache_read: bigint;
}
interface ModelPrice extends Rates {
  /** Ascending by `above`. */
  tiers: (Rates & { above: number })[];
}

/** "3.75" → 3_750_000 (micro-dollars per million tokens). */
export function microPerMillion(text: string): bigint {
  const [whole, frac = ''] = text.split('.');
  return BigInt(whole) * 1_000_000n + BigInt(frac.padEnd(6, '0'));
}

function ratesOf(r: { input: string; output: string; cache_write?: string; cache_read?: string }): Rates {
  const input = microPerMillion(r.input);
  return {
    input,
    output: microPerMillion(r.output),
    // A vendor without a separate price bills a cache write as input and a read as input too.
    cache_write: r.cache_write === undefined ? input : microPerMillion(r.cache_write),
    cache_read: r.cache_read === undefined ? input : microPerMillion(r.cache_read),
  };
}

export interface PriceTable {
  date: string;
  /** The user's file when one is in force. */
  file: string | null;
  /** Why the user's file is not in force (the shipped prices are used instead). */
  error: string | null;
  models: Map<string, ModelPrice>;
  /** Every tier threshold of the table, ascending: the prompt sizes where some price changes. */
  thresholds: number[];
}

/** Parses and checks a price file; the error names the file and the place in it. */
export function parsePriceFile(json: unknown, where: string): z.output<typeof priceFileSchema> {
  const r = priceFileSchema.safeParse(json);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const path = first.path.join('.') || '(top level)';
  throw new Error(`${where}: ${path}: ${first.message} (docs/costs.md, "Your own prices")`);
}

export function buildTable(
  shipped: PriceFile,
  user: z.output<typeof priceFileSchema> | null,
  file: string | null,
  error: string | null,
): PriceTable {
  const base = priceFileSchema.parse(shipped);
  const models = new Map<string, ModelPrice>();
  const thresholds = new Set<number>();
  for (const [name, m] of [...Object.entries(base.models), ...Object.entries(user?.models ?? {})]) {
    const tiers = (m.tiers ?? []).map((t) => ({ above: t.above, ...ratesOf(t) })).sort((a, b) => a.above - b.above);
    for (const t of tiers) thresholds.add(t.above);
    models.set(name, { ...ratesOf(m), tiers });
  }
  return {
    date: user?.date ?? base.date ?? 'unknown',
    file: user ? file : null,
    error,
    models,
    thresholds: [...thresholds].sort((a, b) => a - b),
  };
}

/**
 * The price of a model as a transcript names it: the longest table name that is the model
 * name or its start followed by a separator ("claude-sonnet-4-5" prices
 * "claude-sonnet-4-5-20250929"; "claude-sonnet-4" does not price it).
 */
export function priceOf(table: PriceTable, model: string | null): ModelPrice | null {
  if (!model) return null;
  const exact = table.models.get(model);
  if (exact) return exact;
  let best: string | null = null;
  for (const name of table.models.keys()) {
    if (model.length > name.length && model.startsWith(name) && /[-@:[_]/.test(model[name.length]))
      if (!best || name.length > best.length) best = name;
  }
  return best ? table.models.get(best)! : null;
}

/** Pico-dollars of one group of requests of one model, all with prompts above `tier_above` tokens. */
export function groupCost(p: ModelPrice, g: PricedGroup): bigint {
  let r: Rates = p;
  for (const t of p.tiers) if (g.tier_above >= t.above) r = t;
  return (
    BigInt(g.input) * r.input +
    BigInt(g.output) * r.output +
    BigInt(g.cache_creation) * r.cache_write +
    BigInt(g.cache_read) * r.cache_read
  );
}

const PICO = 1_000_000_000_000n;

/** Pico-dollars as dollars with every digit ("4.801234567891", "0"). */
export function exactDollars(pico: bigint): string {
  const whole = pico / PICO;
  const frac = (pico % PICO).toString().padStart(12, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** Pico-dollars rounded half up to cents ("4.80"). */
export function centsDollars(pico: bigint): string {
  const cents = (pico + 5_000_000_000n) / 10_000_000_000n;
  return `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
}

export function costOf(table: PriceTable, groups: readonly PricedGroup[]): Cost {
  let pico = 0n;
  let priced = false;
  let unpriced = 0;
  const unknown = new Set<string>();
  for (const g of groups) {
    const tokens = g.input + g.output + g.cache_creation + g.cache_read;
    if (tokens === 0) continue;
    const p = priceOf(table, g.model);
    if (!p) {
      unpriced += tokens;
      unknown.add(g.model ?? '(no model recorded)');
      continue;
    }
    priced = true;
    pico += groupCost(p, g);
  }
  return {
    currency: 'USD',
    usd: priced || unpriced === 0 ? centsDollars(pico) : null,
    exact_usd: priced || unpriced === 0 ? exactDollars(pico) : null,
    unpriced_tokens: unpriced,
    unpriced_models: [...unknown].sort(),
  };
}

/** Adds costs exactly (each one's exact figure is a finite decimal). */
export function sumCosts(costs: readonly Cost[]): Cost {
  let pico = 0n;
  let any = false;
  let unpriced = 0;
  const unknown = new Set<string>();
  for (const c of costs) {
    if (c.exact_usd !== null) {
      const [w, f = ''] = c.exact_usd.split('.');
      pico += BigInt(w) * PICO + BigInt(f.padEnd(12, '0'));
      any = true;
    }
    unpriced += c.unpriced_tokens;
    for (const m of c.unpriced_models) unknown.add(m);
  }
  const usd = any || unpriced === 0;
  return {
    currency: 'USD',
    usd: usd ? centsDollars(pico) : null,
    exact_usd: usd ? exactDollars(pico) : null,
    unpriced_tokens: unpriced,
    unpriced_models: [...unknown].sort(),
  };
}

/**
 * The prices in force: the shipped table, overridden per model by the user's file when it
 * exists. The file is read again when it changes, so an edit needs no restart; a file that
 * does not parse or check leaves the shipped prices in force and says why in every answer
 * that prices (PriceTable.error), and the daemon keeps running.
 */
export function pricingFrom(file: string | null): Pricing & { table(): PriceTable } {
  let cached: { key: string; table: PriceTable } | null = null;
  const load = (): PriceTable => {
    let key = 'none';
    let st: ReturnType<typeof statSync> | undefined;
    if (file) {
      try {
        st = statSync(file);
        key = `${st.mtimeMs}:${st.size}:${st.ino}`;
      } catch {
        key = 'none';
      }
    }
    if (cached && cached.key === key) return cached.table;
    let table: PriceTable;
    if (!file || key === 'none') table = buildTable(SHIPPED_PRICES, null, null, null);
    else {
      try {
        let json: unknown;
        try {
          json = JSON.parse(readFileSync(file, 'utf8'));
        } catch (err) {
          throw new Error(`${file}: not JSON (${(err as Error).message}) (docs/costs.md, "Your own prices")`);
        }
        table = buildTable(SHIPPED_PRICES, parsePriceFile(json, file), file, null);
      } catch (err) {
        table = buildTable(SHIPPED_PRICES, null, null, (err as Error).message);
      }
    }
    cached = { key, table };
    return table;
  };
  return {
    table: load,
    thresholds: () => load().thresholds,
    cost: (groups) => costOf(load(), groups),
    about: () => {
      const t = load();
      return { date: t.date, file: t.file, error: t.error };
    },
  };
}
