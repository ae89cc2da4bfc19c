// Usage windows (docs/costs.md): the vendors' rolling windows, per agent.
import { z } from 'zod';
import { method } from './define.js';
import { actor } from './common.js';
import type { UsageResult } from './costs.js';

export const usageMethods = {
  usage: method<UsageResult>()({
    summary:
      "Each agent's current usage windows (Claude's 5-hour block, the week): tokens, cost, burn rate, projection to the reset, and a warning before a configured limit.",
    params: z.object({ actor: actor.optional() }).strict().optional(),
    errors: [],
    mutates: false,
  }),
};
