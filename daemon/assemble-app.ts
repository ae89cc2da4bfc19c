// The one place an App is put together: the store, the clock and the config, with the
// functions the lower layers are handed instead of importing upward (docs/architecture.md).
import type { App } from './app/app.js';
import { pricingFrom } from './app/costs/prices.js';
import { buildInstructions } from './app/instructions/instructions.js';
import { BatchMemo } from './app/batch-memo.js';

/** `pricesFile`: the user's prices.json (docs/costs.md); without it, the shipped prices. */
export const assembleApp = (
  parts: Omit<App, 'instructions' | 'pricing' | 'memo'> & { pricesFile?: string | null },
): App => {
  const { pricesFile, ...rest } = parts;
  return { ...rest, instructions: buildInstructions, pricing: pricingFrom(pricesFile ?? null), memo: new BatchMemo() };
};
