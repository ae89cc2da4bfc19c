// Reservations and messages across machines (docs/team-sync.md, "Reservations and messages
// across machines"). Both travel as every table does (each machine's own rows in fragd_rows);
// this is the pulling half:
// - the other machines' live reservations are mirrored in sync_reservations, whole at every
//   pull (with their holder session's row, so this machine reads the same life, time to live
//   and staleness as the holder's machine does), and enforced here like local ones;
// - a message recipient row of another machine is imported once (sync_messages maps its
//   origin message to the local one) when its actor has had a session here, or, for a message
//   already here, its read and acknowledgment are copied. Applied with the triggers muted, so
//   nothing pulled is pushed back; what a recipient here does with it later is pushed, naming
//   the origin message, and goes back to the sender's machine the same way.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../store/database.js';

/** The tables whose pushes the other machines pull at once (announced like work items and claims). */
export const COORD_TABLES = ['reservations', 'message_recipients'] as const;

/**
 * A repository as the machines of a team name it: its root relative to the home directory
 * when it is under it (`~/src/app`), else its absolute path. So `~/src/app` of ann's laptop is
 * `~/src/app` of the build box; a clone elsewhere is another repository.
 */
export function repoKey(root: string, home = homedir()): string {
  if (root === home) return '~';
  return root.startsWith(`${home}/`) ? `~/${root.slice(home.length + 1)}` : root;
}

/** The local root of a repository named by its team key. */
export function repoFromKey(key: string, home = homedir()): string {
  if (key === '~') return home;
  return key.startsWith('~/') ? join(home, key.slice(2)) : key;
}

/** Another machine's live reservation, as the pull reads it. */
export interface RemoteReservation {
  machine: string;
  row_id: number;
  res: Record<string, unknown>;
  session: Record<string, unknown> | null;
}

/** Replaces the mirror of the other machines' live reservations; returns whether it changed. */
export function mirrorReservations(db: Db, list: RemoteReservation[]): boolean {
  const key = () =>
    (
      db
        .prepare(
          "SELECT machine || ' ' || row_id || ' ' || pattern || ' ' || how || ' ' || session FROM sync_reservations ORDER BY 1",
        )
        .pluck()
        .all() as string[]
    ).join('\n');
  const before = key();
  db.transaction(() => {
    db.prepare('DELETE FROM sync_reservations').run();
    const ins = db.prepare(
      `INSERT OR REPLACE INTO sync_reservations
         (machine, row_id, repo, pattern, exclusive, actor, session_key, task_id, task_code, ttl_seconds, created_at, how, session)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of list) {
      const d = r.res;
      const repo = typeof d.repo_key === 'string' ? repoFromKey(d.repo_key) : d.repo;
      if (typeof repo !== 'string' || typeof d.pattern !== 'string' || typeof d.session_id_code !== 'string') continue;
      ins.run(
        r.machine,
        r.row_id,
        repo,
        d.pattern,
        Number(d.exclusive) ? 1 : 0,
        String(d.actor),
        d.session_id_code,
        typeof d.task_id === 'number' ? d.task_id : null,
        typeof d.task_id_code === 'string' ? d.task_id_code : null,
        Number(d.ttl_seconds) || 3600,
        Number(d.created_at) || 0,
        typeof d.how === 'string' ? d.how : 'reserve',
        JSON.stringify(r.session ?? {}),
      );
    }
  })();
  return key() !== before;
}

/** A recipient row of another machine, with its message (the origin's), as the pull reads it. */
export interface PulledRecipient {
  machine: string;
  data: Record<string, unknown>;
  message: Record<string, unknown> | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : v == null ? null : Number(v));

/**
 * Applies recipient rows of other machines (in the order they were pushed). Returns the actors
 * of this machine that got a message, for delivery into their agents' context.
 */
export function applyRecipients(db: Db, rows: PulledRecipient[], here: string): string[] {
  const actors = new Set<string>();
  const known = db.prepare('SELECT 1 FROM sessions WHERE actor = ? LIMIT 1').pluck();
  const mapped = db.prepare('SELECT local_id FROM sync_messages WHERE machine = ? AND remote_id = ?').pluck();
  const taskId = db.prepare('SELECT id FROM tasks WHERE code = ?').pluck();
  const copyState = db.prepare(
    `UPDATE message_recipients SET read_at = coalesce(read_at, @read), read_via = coalesce(read_via, @via),
            acked_at = coalesce(acked_at, @acked)
      WHERE message_id = @id AND actor = @actor AND (@read IS NOT NULL OR @acked IS NOT NULL)`,
  );
  const hasRecipient = db.prepare('SELECT 1 FROM message_recipients WHERE message_id = ? AND actor = ?').pluck();
  db.transaction(() => {
    db.prepare('INSERT INTO sync_muted (muted) VALUES (1)').run();
    for (const r of rows) {
      const d = r.data;
      const actor = typeof d.actor === 'string' ? d.actor : null;
      const originMachine = typeof d.origin_machine === 'string' ? d.origin_machine : r.machine;
      const originId = num(d.origin_id) ?? num(d.message_id);
      if (!actor || originId === null) continue;
      const readAt = num(d.read_at);
      const readVia = typeof d.read_via === 'string' ? d.read_via : null;
      const ackedAt = num(d.acked_at);
      let local: number | null =
        originMachine === here ? originId : ((mapped.get(originMachine, originId) as number | undefined) ?? null);
      if (local !== null && hasRecipient.get(local, actor)) {
        copyState.run({ read: readAt, via: readVia, acked: ackedAt, id: local, actor });
        continue;
      }
      // Imported from the sender's own row only, for an actor who works here, and a plain
      // message (a handoff holds its task on the sender's machine only).
      const m = r.message;
      if (originMachine !== r.machine || !known.get(actor) || !m || m.kind !== 'message') continue;
      if (local === null) {
        const task =
          typeof m.task_id_code === 'string' ? ((taskId.get(m.task_id_code) as number | undefined) ?? null) : null;
        local = Number(
          db
            .prepare(
              `INSERT INTO messages (kind, from_actor, from_session_id, to_spec, task_id, text, sent_at, from_machine, from_session_key)
               VALUES ('message', ?, NULL, ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              String(m.from_actor),
              String(m.to_spec),
              task,
              String(m.text),
              Number(m.sent_at),
              originMachine,
              typeof m.from_session_id_code === 'string' ? m.from_session_id_code : null,
            ).lastInsertRowid,
        );
        db.prepare('INSERT INTO sync_messages (machine, remote_id, local_id) VALUES (?, ?, ?)').run(
          originMachine,
          originId,
          local,
        );
      }
      db.prepare(
        'INSERT OR IGNORE INTO message_recipients (message_id, actor, read_at, read_via, acked_at) VALUES (?, ?, ?, ?, ?)',
      ).run(local, actor, readAt, readVia, ackedAt);
      if (readAt === null && ackedAt === null) actors.add(actor);
    }
    db.prepare('DELETE FROM sync_muted').run();
  })();
  return [...actors];
}

/** For the push: the origin of a recipient row's message (an imported one names the sender's machine and id). */
export function messageOrigin(db: Db, localId: number): { machine: string; id: number } | null {
  const r = db.prepare('SELECT machine, remote_id AS id FROM sync_messages WHERE local_id = ?').get(localId) as
    { machine: string; id: number } | undefined;
  return r ?? null;
}
