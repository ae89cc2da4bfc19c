// Schemas shared by the method declarations of every area.
import { z } from 'zod';
import { ACTOR_PATTERN, ACTOR_RULE, CODE_PATTERN, CODE_RULE, KIND_PATTERN, KIND_RULE } from '../charset.js';

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
export const eventId = z.string().trim().min(1).max(200);

/** Which session a call is about: an explicit key, else the actor's current one. */
export const target = { session: sessionKey.optional(), actor: actor.optional(), source: source.optional() };
export const T = z.object(target).strict();
