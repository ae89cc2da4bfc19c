// File reservations (issue 25, docs/claims.md#file-reservations): an actor reserves paths or
// globs of a repository, exclusive or shared, with a time to live renewed while its session
// is active; the agents' pre-tool hooks and the git pre-commit guard enforce others' exclusive
// reservations from a file the daemon keeps.
import { z } from 'zod';
import { method } from './define.js';
import { actor, code, cursor, pageLimit, sessionKey, source } from './common.js';
import type { WithInstructions } from './views.js';

export interface ReservationView {
  id: number;
  /** The repository's root (absolute). */
  repo: string;
  /** The path or glob, relative to the root (`*` crosses directories; a path covers what is below it). */
  path: string;
  exclusive: boolean;
  actor: string;
  session: string;
  /** The task it was made for (activation of a task with paths, or --task): it ends with the task. */
  task: string | null;
  /** reserve | task | force */
  how: string;
  created_at: string;
  /** When it lapses unless its session shows a sign of life first (each one renews it). */
  expires_at: string;
  /** It holds (not released, its session open, its task on the stack, not expired). */
  live: boolean;
  /** Its holder is silent for longer than a claim may be: it is not enforced, anyone may take it. */
  stale: boolean;
  released_at: string | null;
  /** Why it ended (released, exited, task completed, expired, session completed, taken over by …). */
  release_reason: string | null;
  /** With team sync: the machine of another machine's reservation (absent for this machine's own). */
  machine?: string;
}

/** Another holder's reservation that stands in the way of a path. */
export interface ReservationConflict {
  /** The path asked for. */
  path: string;
  /** The holder's path or glob. */
  reserved: string;
  exclusive: boolean;
  requested_exclusive: boolean;
  /** machine: with team sync, when the holder works on another machine. */
  holder: { actor: string; session: string; machine?: string };
  task: string | null;
  since: string;
  expires_at: string;
}

/** A reservation's paths: relative to the repository root (or absolute inside it); `*`, `?` globs. */
export const reservedPath = z.string().trim().min(1).max(512);
const paths = z.array(reservedPath).min(1).max(50);
const repo = z
  .string()
  .trim()
  .min(1)
  .max(4096)
  .refine((r) => r.startsWith('/'), 'repo is the absolute path of the repository root');
const who = { session: sessionKey.optional(), actor: actor.optional(), source: source.optional() };

export type ReservationCreateResult = {
  reservations: ReservationView[];
  /** With force: the reservations taken over; otherwise empty (a conflict is refused). */
  conflicts: ReservationConflict[];
  session: string;
} & WithInstructions;

export const reservationMethods = {
  'reservation.create': method<ReservationCreateResult>()({
    summary:
      "Reserve paths or globs of a repository for the session (exclusive by default, or shared); another holder's exclusive reservation is refused with who holds it, unless force (recorded).",
    params: z
      .object({
        paths,
        exclusive: z.boolean().optional(),
        ttl_minutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .optional(),
        task: code.optional(),
        repo: repo.optional(),
        force: z.boolean().optional(),
        ...who,
      })
      .strict(),
    errors: ['conflict', 'not_found', 'validation_failed', 'no_active_session', 'invalid_state'],
    mutates: true,
  }),
  'reservation.release': method<{ released: ReservationView[]; session: string } & WithInstructions>()({
    summary: "Release the session's reservations: some paths (as reserved), a task's, or all.",
    params: z
      .object({
        paths: paths.optional(),
        all: z.boolean().optional(),
        task: code.optional(),
        repo: repo.optional(),
        ...who,
      })
      .strict(),
    errors: ['not_found', 'validation_failed', 'no_active_session', 'invalid_state'],
    mutates: true,
  }),
  'reservation.list': method<{ reservations: ReservationView[]; next_cursor: string | null }>()({
    summary: 'Reservations that hold now (of a repository, an actor, or covering a path); paged.',
    params: z
      .object({
        repo: repo.optional(),
        actor: actor.optional(),
        path: reservedPath.optional(),
        /** Also those that ended (the most recent first). */
        ended: z.boolean().optional(),
        limit: pageLimit(1000).optional(),
        cursor: cursor.optional(),
      })
      .strict(),
    errors: ['validation_failed'],
    mutates: false,
  }),
};
