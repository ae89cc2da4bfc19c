// Validation messages name what is allowed, in fragctl's words (issue 27).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import '../../shared/zod-words.js';
import { methods } from '../../shared/protocol/methods.js';

const messages = (schema: z.ZodType, value: unknown) =>
  schema.safeParse(value).error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('validation messages', () => {
  it('name the allowed values, the kind of value and the bounds', () => {
    const s = z
      .object({
        p: z.union([z.enum(['urgent', 'high']), z.number().int().min(1).max(4)]),
        q: z.enum(['x', 'y']),
        n: z.number(),
        t: z.string().min(2),
        r: z.string(),
      })
      .strict();
    expect(messages(s, { p: 'medium', q: 'z', n: '1', t: 'a', extra: 1 })).toEqual([
      'p: one of urgent, high, or must be a number, not text',
      'q: one of x, y',
      'n: must be a number, not text',
      't: at least 2 characters',
      'r: required (text)',
      ': unknown field: extra',
    ]);
  });

  it('reach the protocol: a wrong status of task.edit lists the statuses', () => {
    expect(messages(methods['task.edit'].params, { code: 'T-1', status: 'done' })).toEqual([
      'status: one of todo, in_progress, blocked, completed, cancelled',
    ]);
  });
});
