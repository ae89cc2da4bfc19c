// Price arithmetic against hand-computed figures: cache writes and reads, the long-context
// tier, the longest-name match of a transcript's model, unpriced models, exact sums, the
// user's prices.json and its errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildTable,
  centsDollars,
  costOf,
  exactDollars,
  microPerMillion,
  priceOf,
  pricingFrom,
  sumCosts,
} from '../../daemon/app/costs/prices.js';
import { SHIPPED_PRICES } from '../../daemon/app/costs/price-table.js';
import type { PricedGroup } from '../../daemon/app/app.js';

const table = buildTable(SHIPPED_PRICES, null, null, null);
const g = (model: string | null, t: Partial<PricedGroup>): PricedGroup => ({
  model,
  tier_above: 0,
  input: 0,
  output: 0,
  cache_creation: 0,
  cache_read: 0,
  ...t,
});
const dir = mkdtempSync(join(tmpdir(), 'fragd-prices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prices', () => {
  it('reads a price as integer micro-dollars per million tokens', () => {
    expect(microPerMillion('3')).toBe(3_000_000n);
    expect(microPerMillion('0.30')).toBe(300_000n);
    expect(microPerMillion('0.005')).toBe(5_000n);
    expect(microPerMillion('22.50')).toBe(22_500_000n);
  });

  it('prices input, output, cache writes and cache reads (Sonnet 4.5, by hand)', () => {
    // 1000 × $3 + 500 × $15 + 2000 × $3.75 + 10000 × $0.30 per million = $0.021
    const c = costOf(table, [
      g('claude-sonnet-4-5-20250929', { input: 1000, output: 500, cache_creation: 2000, cache_read: 10_000 }),
    ]);
    expect(c).toEqual({ currency: 'USD', usd: '0.02', exact_usd: '0.021', unpriced_tokens: 0, unpriced_models: [] });
  });

  it('prices a request whose prompt is above 200k tokens whole at the long-context tier', () => {
    // prompt 150000 + 60000 = 210000 > 200k: 150000 × $6 + 60000 × $0.60 + 1000 × $22.50 = $0.9585
    const c = costOf(table, [
      g('claude-sonnet-4-5', { tier_above: 200_000, input: 150_000, cache_read: 60_000, output: 1000 }),
    ]);
    expect(c.exact_usd).toBe('0.9585');
    expect(c.usd).toBe('0.96');
    // The same tokens below the threshold: 150000 × $3 + 60000 × $0.30 + 1000 × $15 = $0.483
    expect(
      costOf(table, [g('claude-sonnet-4-5', { input: 150_000, cache_read: 60_000, output: 1000 })]).exact_usd,
    ).toBe('0.483');
    // Gemini 2.5 Pro's >200k prices: 250000 × $2.50 + 2000 × $15 = $0.655
    expect(costOf(table, [g('gemini-2.5-pro', { tier_above: 200_000, input: 250_000, output: 2000 })]).exact_usd).toBe(
      '0.655',
    );
    // A model without tiers keeps its price whatever the prompt: Opus 4.5, 300000 × $5 = $1.5
    expect(costOf(table, [g('claude-opus-4-5', { tier_above: 200_000, input: 300_000 })]).exact_usd).toBe('1.5');
  });

  it('finds a model by its longest table name followed by a separator', () => {
    expect(priceOf(table, 'claude-sonnet-4-5-20250929')?.input).toBe(3_000_000n);
    expect(priceOf(table, 'claude-opus-4-1-20250805')?.input).toBe(15_000_000n);
    expect(priceOf(table, 'claude-opus-4-5-20251101')?.input).toBe(5_000_000n);
    expect(priceOf(table, 'gpt-5-codex')?.cache_read).toBe(125_000n);
    expect(priceOf(table, 'gpt-5.1-codex-mini')?.input).toBe(250_000n);
    expect(priceOf(table, 'claude-sonnet-45')).toBeNull();
    expect(priceOf(table, '<synthetic>')).toBeNull();
    expect(priceOf(table, null)).toBeNull();
  });

  it('never counts an unknown model as $0', () => {
    const only = costOf(table, [g('local-llama', { input: 1200 }), g(null, { output: 5 })]);
    expect(only).toEqual({
      currency: 'USD',
      usd: null,
      exact_usd: null,
      unpriced_tokens: 1205,
      unpriced_models: ['(no model recorded)', 'local-llama'],
    });
    const mixed = costOf(table, [g('local-llama', { input: 1200 }), g('gpt-5', { output: 1000 })]);
    expect(mixed.usd).toBe('0.01');
    expect(mixed.exact_usd).toBe('0.01');
    expect(mixed.unpriced_tokens).toBe(1200);
    // No tokens at all cost nothing.
    expect(costOf(table, []).usd).toBe('0.00');
  });

  it('sums exactly and rounds once, half up, to cents', () => {
    // One cache-read token of gpt-5-nano: $0.005 per million = $0.000000005.
    const tiny = costOf(table, [g('gpt-5-nano', { cache_read: 1 })]);
    expect(tiny.exact_usd).toBe('0.000000005');
    expect(tiny.usd).toBe('0.00');
    const many = sumCosts(Array.from({ length: 1000 }, () => tiny));
    expect(many.exact_usd).toBe('0.000005');
    const a = sumCosts([
      { ...tiny, exact_usd: '0.1', usd: '0.10' },
      { ...tiny, exact_usd: '0.2', usd: '0.20' },
    ]);
    expect(a.exact_usd).toBe('0.3');
    expect(centsDollars(5_000_000_000n)).toBe('0.01');
    expect(centsDollars(4_999_999_999n)).toBe('0.00');
    expect(exactDollars(1_234_567_890_123_456n)).toBe('1234.567890123456');
  });

  it("takes the user's prices.json over the shipped table, and says why when it is wrong", () => {
    const file = join(dir, 'prices.json');
    const pricing = pricingFrom(file);
    expect(pricing.about()).toEqual({ date: SHIPPED_PRICES.date, file: null, error: null });
    writeFileSync(
      file,
      JSON.stringify({
        date: '2027-01-01',
        models: { 'local-llama': { input: '0.10', output: 0.2 }, 'gpt-5': { input: 2, output: 20 } },
      }),
    );
    expect(pricing.about()).toEqual({ date: '2027-01-01', file, error: null });
    // 1000 × $0.10 + 1000 × $0.20 = $0.0003; gpt-5 now $20 output: 1000 × 20 = $0.02
    expect(pricing.cost([g('local-llama', { input: 1000, output: 1000 })]).exact_usd).toBe('0.0003');
    expect(pricing.cost([g('gpt-5', { output: 1000 })]).exact_usd).toBe('0.02');
    // Shipped models the file does not name keep their prices.
    expect(pricing.cost([g('claude-haiku-4-5', { output: 1_000_000 })]).exact_usd).toBe('5');

    writeFileSync(file, JSON.stringify({ models: { 'gpt-5': { input: '-1', output: '10' } } }) + ' ');
    const about = pricing.about();
    expect(about.file).toBeNull();
    expect(about.error).toContain(`${file}: models.gpt-5.input: a price is dollars per million tokens`);
    expect(pricing.cost([g('gpt-5', { output: 1000 })]).exact_usd).toBe('0.01');

    writeFileSync(file, '{ not json');
    expect(pricing.about().error).toMatch(/not JSON/);
    writeFileSync(
      file,
      JSON.stringify({ models: { x: { input: '1', output: '1', tiers: [{ above: 0, input: '1', output: '1' }] } } }),
    );
    expect(pricing.about().error).toContain('models.x.tiers.0.above');
  });
});
