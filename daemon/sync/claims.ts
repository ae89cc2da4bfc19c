// Claims across machines: before a task is activated here, the team store must grant it
// (daemon/sync/syncer.ts claim()). This file is the seam between the activation methods
// and the syncer: who would hold the task (from the call's target, resolved as the
// handler will), and what this machine's sessions hold now (for reconciliation).
import type { App } from '../app/app.js';
import { newCall } from '../app/app.js';
import { resolveOpenSession } from '../app/sessions/sessions.js';
import type { Sql } from '../store/sql.js';
import type { LocalHold, Syncer } from './syncer.js';

const syncers = new WeakMap<App, Syncer>();
export const registerSyncer = (app: App, s: Syncer): void => void syncers.set(app, s);
export const syncerOf = (app: App): Syncer | undefined => syncers.get(app);

/**
 * The tasks this machine's open sessions hold: every task and subtask frame of their
 * stacks. When the claims of issue 12 land (a claims table), this reads that table
 * instead — the one local answer to "who holds what".
 */
export function localHolds(sql: Sql): LocalHold[] {
  const rows = sql.all<{ key: string; actor: string; stack: string }>(
    "SELECT key, actor, stack FROM sessions WHERE status IN ('active','paused') AND stack <> '[]'",
  );
  const out: LocalHold[] = [];
  for (const r of rows) {
    for (const f of JSON.parse(r.stack) as { type: string; code: string }[]) {
      if (f.type === 'task' || f.type === 'subtask') out.push({ task: f.code, actor: r.actor, session: r.key });
    }
  }
  return out;
}

/**
 * The preparer of every method that activates a task: with sync on, the team store grants
 * the claim first. Returns how to settle it once the local write has committed or failed.
 * A call whose session cannot be resolved is left to the handler, which refuses it with
 * the usual error.
 */
export async function claimBeforeActivate(
  app: App,
  p: { code: string; session?: string; actor?: string },
): Promise<((ok: boolean) => void) | void> {
  const syncer = syncerOf(app);
  if (!syncer) return;
  let session;
  try {
    session = resolveOpenSession(newCall(app), p);
  } catch {
    return;
  }
  const code = app.sql.value<string>('SELECT code FROM tasks WHERE code = ?', p.code);
  if (!code) return;
  return syncer.claim({ task: code, actor: session.actor, session: session.key });
}

/** A task another machine holds, as last pulled from the team store (empty while sync is off). */
export interface RemoteHolder {
  task: string;
  machine: string;
  actor: string;
  session: string | null;
  since: string;
}

/**
 * For the local claim check (the one activation path of the claims issue): the holder on
 * another machine, if the last pull saw one. The team store's grant (the preparer above)
 * is the guarantee; this local read makes `next`, suggestions and the paths that choose a
 * task inside the write (branch mapping, next --activate) skip what another machine holds.
 */
export function remoteHolder(sql: Sql, code: string): RemoteHolder | null {
  const r = sql.get<{
    task_code: string;
    machine: string;
    actor: string;
    session_key: string | null;
    claimed_at: string;
  }>('SELECT * FROM sync_claims WHERE task_code = ?', code);
  return r
    ? { task: r.task_code, machine: r.machine, actor: r.actor, session: r.session_key, since: r.claimed_at }
    : null;
}

/** Ids of the local tasks other machines hold (for `next` and suggestions to avoid). */
export function remotelyHeldTaskIds(sql: Sql): Set<number> {
  return new Set(
    sql.all<{ id: number }>('SELECT t.id FROM sync_claims c JOIN tasks t ON t.code = c.task_code').map((r) => r.id),
  );
}
