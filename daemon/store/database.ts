// Opens the SQLite store: WAL, foreign keys, versioned migrations, and synchronous FULL (an
// acknowledged write survives a crash of the daemon and of the machine) unless the caller
// syncs the log itself (the daemon: store/wal-sync.ts).
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { migrations } from './migrations.js';
import { checkStoredNames } from './stored-names.js';
import { takeCleanStop } from './clean-stop.js';

export type Db = Database.Database;

/** The database failed PRAGMA quick_check: fragd must not acknowledge writes into it. */
export class CorruptDatabase extends Error {
  readonly code = 'SQLITE_CORRUPT';
  constructor(
    readonly problems: string[],
    /** The schema version the damaged file had (its header), for the recovery to set again. */
    readonly userVersion?: number,
  ) {
    super(`PRAGMA quick_check found: ${problems.join('; ')}`);
  }
}

/** How the start checked the file: the full quick_check, or the cheap one after a clean stop. */
export interface StartCheck {
  check: 'quick_check' | 'clean_stop';
  why: string;
  ms: number;
}

/**
 * A database file that exists but holds no table: what a recovery that failed behind a
 * pipe leaves. Migrating it would start fragd on nothing, the history gone without a word.
 */
export class EmptyDatabase extends Error {
  constructor(path: string) {
    super(
      `${path} exists but holds no tables (a recovery that came out empty?); fragd will not start on it, ` +
        `so no history is replaced by an empty one: put the original or a good recovery back, ` +
        `or, to start afresh on purpose, remove it (rm ${path})`,
    );
  }
}

const sizeOf = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/**
 * Opens, checks and migrates the store. The full check is PRAGMA quick_check (every page
 * and record well-formed; unlike integrity_check it does not match indexes to their
 * tables), about 0.75 s on a year of data (145 MB) and 2–4 s at 1.5 GB, so with
 * `trustCleanStop` it runs only when the last stop was not clean or the file changed since
 * (daemon/store/clean-stop.ts); otherwise the start reads the header, the schema and the
 * version, which refuses a file that is not a database. A database with corrupted pages
 * once started and went on acknowledging writes; fragd refuses to start on it and says how
 * to recover. `fragctl doctor` runs the full check on demand.
 */
export function openDatabase(
  path: string,
  opts: {
    trustCleanStop?: boolean;
    onCheck?: (c: StartCheck) => void;
    /** The caller fdatasyncs the log before it acknowledges a commit (WalSync): NORMAL. */
    syncsLog?: boolean;
  } = {},
): Db {
  const t0 = performance.now();
  const clean = opts.trustCleanStop ? takeCleanStop(path) : { clean: false, why: 'always checked' };
  const existed = sizeOf(path) > 0;
  const db = new Database(path);
  // The schema version is in the header (page 1): readable when other pages are not, and
  // what a recovery must set again (a dump does not carry it).
  let version: number | undefined;
  try {
    version = db.pragma('user_version', { simple: true }) as number;
  } catch {
    /* the header is unreadable too: the hint goes without it */
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(opts.syncsLog ? 'synchronous = NORMAL' : 'synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Memory that does not grow with the database: better-sqlite3 builds SQLite with a 16 MB
    // page cache for each schema (main and the temp one that sorts a big GROUP BY), which a
    // large history fills. The hot pages of a write (the right edges of the activity indexes)
    // and of a report's range fit in 4 MB; the rest is in the OS page cache anyway.
    db.pragma('cache_size = -4000');
    db.pragma('temp.cache_size = -1000');
    const trusted = clean.clean && clean.user_version === migrations.length;
    if (trusted) {
      // The cheap check: the header and every schema entry parse (a file that is not a
      // database throws SQLITE_NOTADB above or here).
      db.prepare('SELECT count(*) FROM sqlite_master').pluck().get();
    } else {
      const rows = db.pragma('quick_check(5)') as { quick_check: string }[];
      const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
      if (problems.length) throw new CorruptDatabase(problems, version);
    }
    if (existed && !db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table'").get()) throw new EmptyDatabase(path);
    migrate(db);
    // Names were checked at the start that preceded the clean stop, and fragd writes none outside the set.
    if (!trusted) checkStoredNames(db, path);
    opts.onCheck?.({
      check: trusted ? 'clean_stop' : 'quick_check',
      why: clean.clean && !trusted ? 'the schema version changed' : clean.why,
      ms: Math.round(performance.now() - t0),
    });
  } catch (err) {
    db.close();
    // SQLite may report the damage itself (SQLITE_CORRUPT) before quick_check can.
    if (err instanceof Error && !(err instanceof CorruptDatabase))
      Object.assign(err, { userVersion: (err as { userVersion?: number }).userVersion ?? version });
    throw err;
  }
  return db;
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(
      `the database is at schema version ${current}, newer than this fragd knows (${migrations.length}); upgrade fragd or point FRAGMENTS_HOME elsewhere`,
    );
  }
  const run = (v: number, version: number) =>
    db.transaction(() => {
      db.exec(migrations[v]);
      db.pragma(`user_version = ${version}`);
    })();
  let from = current;
  const missed = missedByFirstRelease(db, current);
  if (missed) {
    for (const v of missed.run) run(v, current);
    db.pragma(`user_version = ${missed.resumeAt}`);
    from = missed.resumeAt;
  }
  for (let v = from; v < migrations.length; v++) run(v, v + 1);
}

/**
 * The first release ran five migrations, the fifth being "idempotency per writer". The next
 * one put three migrations (agents, running totals, corrections) before it, so a database
 * of the first release, at version 5, would skip the agents migration and rebuild the
 * activities table a second time. Such a database — version 5, already with activities'
 * event_scope and without agent_transcripts — runs the three it missed and goes on after
 * the one it has run. Found by finding those migrations, not by their numbers.
 */
function missedByFirstRelease(db: Db, current: number): { run: number[]; resumeAt: number } | null {
  if (current !== 5) return null;
  const has = (sql: string) => db.prepare(sql).get() !== undefined;
  const firstRelease =
    !has("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'agent_transcripts'") &&
    has("SELECT 1 FROM pragma_table_info('activities') WHERE name = 'event_scope'");
  if (!firstRelease) return null;
  const idempotency = migrations.findIndex((m) => m.includes('CREATE TABLE activities_new'));
  return { run: Array.from({ length: idempotency - 4 }, (_, i) => 4 + i), resumeAt: idempotency + 1 };
}
