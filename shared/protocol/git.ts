// Git hooks: the spool the hooks write to, and the commits they recorded (with their task
// links, which follow a commit through amend and rebase).
import { z } from 'zod';
import { method } from './define.js';
import { code, sessionKey, source } from './common.js';

export interface CommitView {
  repo: string;
  commit: string;
  branch: string | null;
  subject: string | null;
  files: string[];
  session: string | null;
  task: string | null;
  /** The commit this one replaced (amend, rebase), when it was recorded through a rewrite. */
  rewritten_from: string | null;
  /** Set once a rewrite replaced this commit; its task link moved to that commit. */
  rewritten_to: string | null;
  at: string;
}

export interface SpoolIngestResult {
  /** Records turned into activities by this call. */
  ingested: number;
  /** Records seen before (a replay): nothing new written. */
  duplicates: number;
  /** Records still being written by a hook (no end line yet); left for the next pass. */
  incomplete: number;
  /** Unreadable records moved to spool/rejected (with the reason in the daemon log). */
  rejected: number;
  /** Records left for another pass (a pass takes at most `limit`). */
  remaining: number;
}

export const gitMethods = {
  'spool.ingest': method<SpoolIngestResult>()({
    summary: 'Ingest the records git hooks left in the spool directory now.',
    params: z
      .object({
        limit: z.number().int().min(1).max(10_000).optional(),
        /** Stop at the first record whose commit was not read ahead (fragd's own passes: no git runs inside a transaction). */
        prefetched_only: z.boolean().optional(),
        /** Stop after this much work (ms), so other calls interleave: fragd's own passes use 4. */
        budget_ms: z.number().int().min(1).max(60_000).optional(),
        source: source.optional(),
      })
      .strict()
      .optional(),
    errors: [],
    mutates: true,
  }),
  'git.commits': method<{ commits: CommitView[] }>()({
    summary: 'Commits recorded by the hooks, newest first, by task, session or repository.',
    params: z
      .object({
        task: code.optional(),
        session: sessionKey.optional(),
        repo: z.string().min(1).max(4096).optional(),
        include_rewritten: z.boolean().optional(),
        limit: z.number().int().min(1).max(1000).optional(),
      })
      .strict()
      .optional(),
    errors: ['not_found'],
    mutates: false,
  }),
} as const;
