// Schemas shared by the method declarations of every area.
import { z } from 'zod';

export const code = z.string().trim().min(1).max(64);
export const text = z.string().trim().min(1).max(10_000);
export const sessionKey = z
  .string()
  .trim()
  .transform((s) => (/^\d+$/.test(s) ? `SESSION-${s.padStart(3, '0')}` : s.toUpperCase()))
  .pipe(z.string().regex(/^SESSION-\d{3,}$/, 'a session key looks like SESSION-001'));
export const actor = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w.@-]+$/, 'an actor is a name such as human or claude');
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
