// The local mirror of the other machines' claims (sync_claims): filled by each pull and by
// every refusal of the team store, read by the claim function, `next` and the views. Empty
// while sync is off, so every read here costs nothing then.
import type { Sql } from '../store/sql.js';

/** A task another machine holds, as last pulled from the team store (empty while sync is off). */
export interface RemoteHolder {
  task: string;
  machine: string;
  actor: string;
  session: string | null;
  since: string;
}

/**
 * The holder on another machine, if the last pull (or the team store's last refusal) named
 * one. The team store's grant is the guarantee (daemon/app/team/claims.ts); this local read lets
 * `next`, suggestions and views pass by what another machine holds without asking it.
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
