// Opens the SQLite store: WAL, synchronous FULL (an acknowledged write survives a crash
// of the daemon and of the machine), foreign keys, versioned migrations.
import Database from 'better-sqlite3';
import { migrations } from './migrations.js';
import { checkStoredNames } from './stored-names.js';

export type Db = Database.Database;

/** The database failed PRAGMA quick_check: fragd must not acknowledge writes into it. */
export class CorruptDatabase extends Error {
  readonly code = 'SQLITE_CORRUPT';
  constructor(readonly problems: string[]) {
    super(`PRAGMA quick_check found: ${problems.join('; ')}`);
  }
}

/**
 * Opens, checks and migrates the store. The check is PRAGMA quick_check (every page and
 * record well-formed; unlike integrity_check it does not match indexes to their tables):
 * about 0.75 s on a year of data (145 MB; integrity_check took 4.3 s), see
 * bench/integrity.bench.mjs. A database with corrupted pages once started and went on
 * acknowledging writes; now fragd refuses to start on it and says how to recover.
 */
export function openDatabase(path: string): Db {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Memory that does not grow with the database: better-sqlite3 builds SQLite with a 16 MB
    // page cache for each schema (main and the temp one that sorts a big GROUP BY), which a
    // large history fills. The hot pages of a write (the right edges of the activity indexes)
    // and of a report's range fit in 4 MB; the rest is in the OS page cache anyway.
    db.pragma('cache_size = -4000');
    db.pragma('temp.cache_size = -1000');
    const rows = db.pragma('quick_check(5)') as { quick_check: string }[];
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
    if (problems.length) throw new CorruptDatabase(problems);
    migrate(db);
    checkStoredNames(db, path);
  } catch (err) {
    db.close();
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
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
