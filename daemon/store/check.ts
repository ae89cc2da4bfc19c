// The database check `fragctl doctor` asks for: SQLite's own quick_check (structure and
// pages, without the index cross-check of integrity_check, so it costs one read of the
// file) and the sizes of the file and its write-ahead log.
import { statSync } from 'node:fs';
import type { Sql } from './sql.js';

const size = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

export function checkDatabase(sql: Sql): {
  integrity: 'ok' | 'damaged';
  problems: string[];
  db_bytes: number;
  wal_bytes: number;
} {
  const rows = sql.db.prepare('PRAGMA quick_check(20)').pluck().all() as string[];
  const problems = rows.filter((r) => r !== 'ok');
  const file = sql.db.name;
  return {
    integrity: problems.length ? 'damaged' : 'ok',
    problems,
    db_bytes: size(file),
    wal_bytes: size(`${file}-wal`),
  };
}
