// Estimates from history (issue 26): suggestions and the accuracy of past estimates.
import { z } from 'zod';
import { method } from './define.js';
import { actor, filters } from './common.js';

/** A suggested estimate and what it rests on. */
export interface EstimateSuggestion {
  task: string;
  minutes: number;
  /** "median of 6 similar tasks: 1h40m; you run 20% over (5 of your tasks) → 2h". */
  basis: string;
  median_minutes: number;
  /** The similar completed tasks, most alike first, with their actual minutes. */
  similar: { code: string; minutes: number }[];
  /** The actor's median actual / estimate, when they have enough history. */
  actor_factor: number | null;
  actor_tasks: number;
}

export interface AccuracyRow {
  key: string;
  tasks: number;
  estimate_minutes: number;
  actual_minutes: number;
  /** Median of actual / estimate over the tasks. */
  median_ratio: number;
  /** "20% over", "on estimate", "10% under". */
  tendency: string;
}

export const estimateMethods = {
  'estimate.accuracy': method<{ by_actor: AccuracyRow[]; by_label: AccuracyRow[]; tasks: number }>()({
    summary:
      'How past estimates turned out: completed, estimated tasks per actor (who tracked most time on each) and per label.',
    params: z
      .object({ actor: actor.optional(), ...filters })
      .strict()
      .optional(),
    errors: ['not_found'],
    mutates: false,
  }),
  'estimate.suggest': method<{ suggestion: EstimateSuggestion | null }>()({
    summary: 'A suggested estimate for a task, from the completed tasks like it and the actor’s record.',
    params: z.object({ code: z.string().trim().min(1).max(64), actor: actor.optional() }).strict(),
    errors: ['not_found'],
    mutates: false,
  }),
} as const;
