// Opens the SQLite store: WAL, synchronous FULL (an acknowledged write survives a crash
// of the daemon and of the machine), foreign keys, versioned migrations.
import Database from 'better-sqlite3';
import { migrations } from './migrations.js';
import { checkStoredNames } from './stored-names.js';

export type Db = Database.Database;

export function openDatabase(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  try {
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
