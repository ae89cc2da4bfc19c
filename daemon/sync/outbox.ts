// The local half of sync: triggers that write every change into sync_outbox in the same
// transaction as the change (so corrections, undo and whatever a later migration adds are
// caught without each writer remembering to), the batches the pusher reads from it, and
// the application of rows pulled from other machines (with the triggers muted, so a pulled
// row is not pushed back).
import type { Db } from '../store/database.js';
import { messageOrigin, repoKey } from './coordination.js';

/**
 * Local bookkeeping that is not the user's data, and never leaves the machine (how far
 * each agent transcript file was read is about this machine's files; running totals are
 * derived from the intervals, which do travel).
 */
const LOCAL_ONLY = new Set([
  'meta',
  'sync_outbox',
  'sync_muted',
  'sync_claims',
  'sync_progress',
  'sync_origin',
  'sync_reservations',
  'sync_messages',
  'agent_transcripts',
  // Derived from intervals by triggers: each machine keeps its own.
  'time_totals',
  'time_totals_deferred',
  'interval_bounds',
  'interval_hours',
  'task_update_counts',
  // Undo is per machine: its log holds row images; what an undo changes travels as changes.
  'undo_steps',
  'undo_log',
  'undo_active',
  // Dependencies travel on their task as codes (ids differ between machines): a change of
  // task_deps queues the task, below, not a row of its own.
  'task_deps',
]);

const NOW_MS = `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`;

function syncedTables(db: Db): string[] {
  const rows = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string; sql: string }[];
  // A WITHOUT ROWID table has no rowid to name its rows by; fragd has none today.
  return rows.filter((r) => !LOCAL_ONLY.has(r.name) && !/WITHOUT\s+ROWID/i.test(r.sql)).map((r) => r.name);
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Installs the outbox triggers on every synced table that lacks them, and queues the rows
 * such a table already holds (its history before sync was on, or a table a newer
 * migration added). Returns how many rows were queued.
 */
export function installTriggers(db: Db): { tables: string[]; backfilled: number } {
  const existing = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").pluck().all() as string[]).filter((n) =>
      n.startsWith('sync_'),
    ),
  );
  let backfilled = 0;
  const tables = syncedTables(db);
  db.transaction(() => {
    for (const t of tables) {
      if (existing.has(`sync_${t}_ai`) && existing.has(`sync_${t}_au`) && existing.has(`sync_${t}_ad`)) continue;
      const when = 'WHEN NOT EXISTS (SELECT 1 FROM sync_muted)';
      const lit = `'${t.replace(/'/g, "''")}'`;
      for (const [suffix, event, ref, op] of [
        ['ai', 'INSERT', 'NEW', 'upsert'],
        ['au', 'UPDATE', 'NEW', 'upsert'],
        ['ad', 'DELETE', 'OLD', 'delete'],
      ] as const) {
        db.exec(`DROP TRIGGER IF EXISTS ${q(`sync_${t}_${suffix}`)}`);
        db.exec(
          `CREATE TRIGGER ${q(`sync_${t}_${suffix}`)} AFTER ${event} ON ${q(t)} ${when} BEGIN
             INSERT INTO sync_outbox (tbl, row_id, op, at) VALUES (${lit}, ${ref}.rowid, '${op}', ${NOW_MS});
           END`,
        );
      }
      backfilled += db
        .prepare(`INSERT INTO sync_outbox (tbl, row_id, op, at) SELECT ${lit}, rowid, 'upsert', ${NOW_MS} FROM ${q(t)}`)
        .run().changes;
    }
    // Dependencies (task_deps) travel on their task: a change queues the task.
    if (hasTable(db, 'task_deps') && !existing.has('sync_task_deps_ai')) {
      for (const [suffix, event, ref] of [
        ['ai', 'INSERT', 'NEW'],
        ['ad', 'DELETE', 'OLD'],
      ] as const) {
        db.exec(
          `CREATE TRIGGER IF NOT EXISTS sync_task_deps_${suffix} AFTER ${event} ON task_deps WHEN NOT EXISTS (SELECT 1 FROM sync_muted) BEGIN
             INSERT INTO sync_outbox (tbl, row_id, op, at) VALUES ('tasks', ${ref}.task_id, 'upsert', ${NOW_MS});
           END`,
        );
      }
    }
  })();
  return { tables, backfilled };
}

/** Sync turned off: no more outbox rows (what is queued stays, and goes when sync is back on). */
export function dropTriggers(db: Db): number {
  const names = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND substr(name, 1, 5) = 'sync_'")
    .pluck()
    .all() as string[];
  db.transaction(() => {
    for (const n of names) db.exec(`DROP TRIGGER ${q(n)}`);
  })();
  return names.length;
}

export interface QueueStats {
  length: number;
  oldest_at: number | null;
}

export function queueStats(db: Db): QueueStats {
  const r = db.prepare('SELECT count(*) AS n, min(at) AS oldest FROM sync_outbox').get() as {
    n: number;
    oldest: number | null;
  };
  return { length: r.n, oldest_at: r.oldest };
}

/** One change as it goes to PostgreSQL: the row's current state (null: deleted). */
export interface OutgoingRow {
  tbl: string;
  row_id: number;
  version: number;
  deleted: boolean;
  data: Record<string, unknown> | null;
}

export interface Batch {
  /** Outbox rows up to this id are in the batch (and deleted once PostgreSQL committed it). */
  through: number;
  rows: OutgoingRow[];
  /** The enqueue time of the oldest change in the batch. */
  oldest_at: number;
}

// Local ids mean nothing on another machine: rows carry the codes (keys) they point at.
const REFS: Record<string, { table: string; key: string }> = {
  project_id: { table: 'projects', key: 'code' },
  active_project_id: { table: 'projects', key: 'code' },
  sprint_id: { table: 'sprints', key: 'code' },
  active_sprint_id: { table: 'sprints', key: 'code' },
  task_id: { table: 'tasks', key: 'code' },
  active_task_id: { table: 'tasks', key: 'code' },
  subtask_id: { table: 'tasks', key: 'code' },
  parent_id: { table: 'tasks', key: 'code' },
  session_id: { table: 'sessions', key: 'key' },
  from_session_id: { table: 'sessions', key: 'key' },
};

/**
 * The next batch of changes: the outbox's oldest rows, one per changed row (its latest
 * version), each read as it is now. Reading the current row rather than a copy taken by
 * the trigger keeps the outbox small and makes a repeated push carry the same data.
 */
export function readBatch(db: Db, limit: number): Batch | null {
  const entries = db.prepare('SELECT id, tbl, row_id, at FROM sync_outbox ORDER BY id LIMIT ?').all(limit) as {
    id: number;
    tbl: string;
    row_id: number;
    at: number;
  }[];
  if (entries.length === 0) return null;
  const latest = new Map<string, { tbl: string; row_id: number; version: number }>();
  for (const e of entries) latest.set(`${e.tbl}\u0000${e.row_id}`, { tbl: e.tbl, row_id: e.row_id, version: e.id });
  const tables = new Set(syncedTables(db));
  const byTable = new Map<string, { row_id: number; version: number }[]>();
  for (const v of latest.values()) {
    const list = byTable.get(v.tbl) ?? [];
    list.push(v);
    byTable.set(v.tbl, list);
  }
  const codes = new CodeCache(db);
  const rows: OutgoingRow[] = [];
  for (const [tbl, list] of byTable) {
    const found = new Map<number, Record<string, unknown>>();
    if (tables.has(tbl)) {
      const ids = list.map((l) => l.row_id);
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const got = db
          .prepare(`SELECT rowid AS "__rowid", * FROM ${q(tbl)} WHERE rowid IN (${chunk.map(() => '?').join(',')})`)
          .all(...chunk) as Record<string, unknown>[];
        for (const r of got) {
          const id = Number(r.__rowid);
          delete r.__rowid;
          found.set(id, r);
        }
      }
    }
    for (const l of list) {
      const data = found.get(l.row_id) ?? null;
      rows.push({
        tbl,
        row_id: l.row_id,
        version: l.version,
        deleted: data === null,
        data: data && codes.enrich(tbl, data),
      });
    }
  }
  return { through: entries[entries.length - 1].id, rows, oldest_at: entries[0].at };
}

/** After PostgreSQL committed a batch: its outbox rows go. */
export function markPushed(db: Db, through: number): void {
  db.prepare('DELETE FROM sync_outbox WHERE id <= ?').run(through);
}

const hasTable = (db: Db, name: string): boolean =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;

class CodeCache {
  private cache = new Map<string, string | null>();
  private persons = new Map<number, string | null>();
  constructor(private readonly db: Db) {}

  private code(table: string, key: string, id: number): string | null {
    const k = `${table}:${id}`;
    if (!this.cache.has(k)) {
      const v = this.db.prepare(`SELECT ${key} FROM ${table} WHERE id = ?`).pluck().get(id) as string | undefined;
      this.cache.set(k, v ?? null);
    }
    return this.cache.get(k)!;
  }

  private deps: boolean | null = null;
  private hasDeps(): boolean {
    this.deps ??= hasTable(this.db, 'task_deps');
    return this.deps;
  }

  private person(sessionId: number): string | null {
    if (!this.persons.has(sessionId)) {
      const v = this.db.prepare('SELECT os_user FROM sessions WHERE id = ?').pluck().get(sessionId) as
        string | undefined;
      this.persons.set(sessionId, v ?? null);
    }
    return this.persons.get(sessionId)!;
  }

  /** Adds <column>_code for every reference, and the person (OS user) behind a session's rows. */
  enrich(tbl: string, row: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...row };
    for (const [col, ref] of Object.entries(REFS)) {
      const v = row[col];
      if (typeof v === 'number') out[`${col}_code`] = this.code(ref.table, ref.key, v);
    }
    // A task's dependencies live in task_deps (no rowid of its own): they travel as codes on the task.
    if (tbl === 'tasks' && typeof row.id === 'number' && this.hasDeps()) {
      out.depends_on_codes = this.db
        .prepare(
          'SELECT t.code FROM task_deps d JOIN tasks t ON t.id = d.depends_on_id WHERE d.task_id = ? ORDER BY t.id',
        )
        .pluck()
        .all(row.id);
    }
    // Reservations name their repository as the team does (~/src/app); an imported message's
    // recipient row names the sender's message, so its read and acknowledgment go back to it.
    if (tbl === 'reservations' && typeof row.repo === 'string') out.repo_key = repoKey(row.repo);
    if (tbl === 'message_recipients' && typeof row.message_id === 'number') {
      const origin = messageOrigin(this.db, row.message_id);
      if (origin) {
        out.origin_machine = origin.machine;
        out.origin_id = origin.id;
      }
    }
    if (tbl === 'sessions') out.person = row.os_user ?? null;
    else if (typeof row.session_id === 'number') out.person = this.person(row.session_id);
    return out;
  }
}

/** Work items, in the order their references need them. */
export const WORK_TABLES = ['projects', 'sprints', 'tasks'] as const;
export type WorkTable = (typeof WORK_TABLES)[number];

const WORK_REFS: Record<WorkTable, string[]> = {
  projects: [],
  sprints: ['project_id'],
  tasks: ['project_id', 'sprint_id', 'parent_id'],
};

/** A pulled work item: its row as its machine pushed it, and that machine's version of it. */
export interface PulledItem {
  tbl: WorkTable;
  data: Record<string, unknown>;
  machine: string;
  version: number;
}

/**
 * Applies work items another machine pushed, matched by code; a code not known here is
 * created. Which version wins: the next version from the machine whose version the local
 * row holds (nothing changed here since it was applied); otherwise the later `updated_at`,
 * and on a tie the machine whose name sorts last, so every machine settles on the same row.
 * Triggers are muted for the transaction, so what is applied is not pushed back. Returns the
 * rows applied and those that must wait for a reference (a parent task pulled later).
 */
export function applyWorkItems<T extends PulledItem>(
  db: Db,
  incoming: T[],
  here: string,
): { applied: number; waiting: T[] } {
  let applied = 0;
  let waiting = [...incoming].sort((a, b) => WORK_TABLES.indexOf(a.tbl) - WORK_TABLES.indexOf(b.tbl));
  const columns = new Map<string, string[]>();
  const colsOf = (t: string) => {
    if (!columns.has(t))
      columns.set(
        t,
        (db.prepare(`PRAGMA table_info(${q(t)})`).all() as { name: string }[])
          .map((c) => c.name)
          .filter((n) => n !== 'id'),
      );
    return columns.get(t)!;
  };
  db.transaction(() => {
    db.prepare('INSERT INTO sync_muted (muted) VALUES (1)').run();
    // Passes until nothing moves: a subtask whose parent is in the same pull goes after it.
    for (let progress = true; progress && waiting.length;) {
      progress = false;
      const later: typeof waiting = [];
      for (const item of waiting) {
        const r = applyOne(db, item, colsOf(item.tbl), here);
        if (r === 'wait') later.push(item);
        else {
          progress = true;
          if (r === 'applied') applied++;
        }
      }
      waiting = later;
    }
    db.prepare('DELETE FROM sync_muted').run();
  })();
  return { applied, waiting };
}

/** Whether a pulled version replaces the local row (the rule above applyWorkItems). */
function wins(db: Db, item: PulledItem, local: { id: number; updated_at: number }, here: string): boolean {
  const origin = db
    .prepare('SELECT machine, version, updated_at FROM sync_origin WHERE tbl = ? AND item_id = ?')
    .get(item.tbl, local.id) as { machine: string; version: number; updated_at: number } | undefined;
  const untouched = origin && origin.updated_at === Number(local.updated_at);
  if (untouched && origin.machine === item.machine) return item.version > origin.version;
  const theirs = Number(item.data.updated_at);
  const ours = Number(local.updated_at);
  if (theirs !== ours) return theirs > ours;
  // A tie: the same rule everywhere. The row here is this machine's own edit, or another machine's.
  const holder = untouched ? origin.machine : here;
  return item.machine > holder;
}

function applyOne(db: Db, item: PulledItem, cols: string[], here: string): 'applied' | 'skipped' | 'wait' {
  const { tbl, data } = item;
  const code = data.code;
  if (typeof code !== 'string') return 'skipped';
  const local = db.prepare(`SELECT id, updated_at FROM ${tbl} WHERE code = ?`).get(code) as
    { id: number; updated_at: number } | undefined;
  if (local && !wins(db, item, local, here)) return 'skipped';
  const values: Record<string, unknown> = {};
  for (const col of cols) {
    if (WORK_REFS[tbl].includes(col)) {
      const refCode = data[`${col}_code`];
      if (refCode == null) values[col] = null;
      else {
        const refTable = REFS[col].table;
        const id = db.prepare(`SELECT id FROM ${refTable} WHERE code = ?`).pluck().get(refCode) as number | undefined;
        if (id === undefined) return 'wait';
        values[col] = id;
      }
    } else if (col in data) {
      const v = data[col];
      values[col] = v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
    }
  }
  // Dependencies name other tasks: all of them must be here first.
  const deps = tbl === 'tasks' && Array.isArray(data.depends_on_codes) ? (data.depends_on_codes as string[]) : null;
  const depIds: number[] = [];
  if (deps && hasTable(db, 'task_deps')) {
    for (const c of deps) {
      const id = db.prepare('SELECT id FROM tasks WHERE code = ?').pluck().get(c) as number | undefined;
      if (id === undefined) return 'wait';
      depIds.push(id);
    }
  }
  const names = Object.keys(values);
  let id: number;
  if (local) {
    db.prepare(`UPDATE ${tbl} SET ${names.map((n) => `${q(n)} = ?`).join(', ')} WHERE id = ?`).run(
      ...names.map((n) => values[n]),
      local.id,
    );
    id = local.id;
  } else {
    id = Number(
      db
        .prepare(`INSERT INTO ${tbl} (${names.map(q).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`)
        .run(...names.map((n) => values[n])).lastInsertRowid,
    );
  }
  db.prepare(
    'INSERT OR REPLACE INTO sync_origin (tbl, item_id, machine, version, updated_at) VALUES (?, ?, ?, ?, ?)',
  ).run(tbl, id, item.machine, item.version, Number(data.updated_at));
  if (deps && hasTable(db, 'task_deps')) {
    db.prepare('DELETE FROM task_deps WHERE task_id = ?').run(id);
    const ins = db.prepare('INSERT OR IGNORE INTO task_deps (task_id, depends_on_id) VALUES (?, ?)');
    for (const d of depIds) ins.run(id, d);
  }
  return 'applied';
}
