// Schemas shared by the method declarations of every area.
import { z } from 'zod';
import { ACTOR_PATTERN, ACTOR_RULE, CODE_PATTERN, CODE_RULE, KIND_PATTERN, KIND_RULE } from '../charset.js';
import { MAX_FREEFORM_BYTES, MAX_FREEFORM_DEPTH } from '../limits.js';

/** A project, sprint or task code (shared/charset.ts says which characters, and why). */
export const code = z.string().trim().min(1).max(64).regex(CODE_PATTERN, CODE_RULE);
export const text = z.string().trim().min(1).max(10_000);
export const sessionKey = z
  .string()
  .trim()
  .transform((s) => (/^\d+$/.test(s) ? `SESSION-${s.padStart(3, '0')}` : s.toUpperCase()))
  .pipe(z.string().regex(/^SESSION-\d{3,}$/, 'a session key looks like SESSION-001'));
export const actor = z.string().trim().min(1).max(64).regex(ACTOR_PATTERN, ACTOR_RULE);
export const kind = z.string().trim().min(1).max(40).regex(KIND_PATTERN, KIND_RULE);
export const source = z.enum(['cli', 'mcp', 'api', 'gui', 'hook', 'editor']);
export const contextType = z.enum(['project', 'sprint', 'task', 'subtask']);
export const sessionStatus = z.enum(['active', 'paused', 'completed', 'abandoned']);
export const taskStatus = z.enum(['todo', 'in_progress', 'blocked', 'completed', 'cancelled']);
export const sprintStatus = z.enum(['planned', 'active', 'completed', 'cancelled']);
export const delegation = z.enum(['unassigned', 'assigned', 'accepted', 'rejected', 'done']);
export const minutes = z.number().int().min(0).max(1_000_000);
/** 1 urgent … 4 low (docs/claims.md); stored as the number. */
export const priority = z.enum(['urgent', 'high', 'normal', 'low']);
export const dependsOn = z.array(z.string().trim().min(1).max(64)).max(200);
export const eventId = z.string().trim().min(1).max(200);

/** Which session a call is about: an explicit key, else the actor's current one. */
export const target = { session: sessionKey.optional(), actor: actor.optional(), source: source.optional() };
export const T = z.object(target).strict();

/**
 * Free-form JSON (activity `data`, session `metadata`): an object of at most
 * MAX_FREEFORM_BYTES once serialized and MAX_FREEFORM_DEPTH levels of nesting, checked
 * without recursion so that no nesting can overflow the daemon's stack.
 */
export const freeform = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  const problem = freeformProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export function freeformProblem(value: unknown): string | null {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length) {
    const [node, depth] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_FREEFORM_DEPTH)
      return `nested more than ${MAX_FREEFORM_DEPTH} levels deep; at most ${MAX_FREEFORM_DEPTH} (flatten it)`;
    for (const child of Object.values(node))
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
  }
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > MAX_FREEFORM_BYTES)
    return `${bytes} bytes once serialized; at most ${MAX_FREEFORM_BYTES} (store large content in a file and log its path)`;
  return null;
}

/** An opaque position in a paged list: pass a result's `next_cursor` back to get the next page. */
export const cursor = z.string().trim().min(1).max(100);
/** Items per page; a page also stops before PAGE_BYTES, so `next_cursor` may come sooner. */
export const pageLimit = (max: number) => z.number().int().min(1).max(max);

/** A label on a task or sprint: one word (letters, digits, `.`, `_`, `-`), compared without case. */
export const label = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u, 'a label is one word: letters, digits, . _ - (e.g. backend)');
export const labels = z.array(label).max(20);

/**
 * The filters every report and list takes (issue 26), combinable: all given must hold.
 * `label`: every label given (on the task, its parent or its sprint); `kind`: agents or the human.
 */
export const filters = {
  project: code.optional(),
  sprint: code.optional(),
  label: labels.optional(),
  kind: z.enum(['agent', 'human']).optional(),
};
