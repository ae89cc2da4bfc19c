// Opens the SQLite store: WAL, synchronous FULL (an acknowledged write survives a crash
// of the daemon and of the machine), foreign keys, versioned migrations.
import Database from 'better-sqlite3';
import { migrations } from './migrations.js';

export type Db = Database.Database;

export function openDatabase(path: string): Db {
  const db = new Database(path);
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
  migrate(db);
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
