// What kind of storage failure an error is, and what the user can do about it. Disk full,
// read-only, locked by another process and corrupt need different fixes; one hint for all
// ("free disk space") sends the user the wrong way for three of them.
import { quoteArg as q } from '../../shared/command.js';

export type StorageProblem = 'disk_full' | 'read_only' | 'locked' | 'corrupt' | 'io';

/** Classifies a Node errno or a SQLite (extended) result code; null when it is no storage failure. */
export function storageProblemOf(code: unknown): StorageProblem | null {
  if (typeof code !== 'string') return null;
  if (/^(ENOSPC|EDQUOT|SQLITE_FULL)/.test(code)) return 'disk_full';
  if (/^(EROFS|EACCES|EPERM|SQLITE_READONLY|SQLITE_PERM|SQLITE_AUTH)/.test(code)) return 'read_only';
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return 'locked';
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) return 'corrupt';
  if (/^(EIO|SQLITE_IOERR|SQLITE_CANTOPEN)/.test(code)) return 'io';
  return null;
}

/** How to get a corrupt database back (with fragd stopped). */
export const corruptRecovery = (db: string): string =>
  `restore it from a backup, or salvage it with: sqlite3 ${q(db)} .recover | sqlite3 recovered.db, then put recovered.db in its place (with fragd stopped)`;

/** One line each: what is wrong, and what to do; `db` is the database file, `dir` the directory written to. */
export function storageAdvice(problem: StorageProblem, where: { db?: string; dir?: string }): string {
  const dir = where.dir ?? 'the state directory';
  const db = where.db ?? 'the database';
  switch (problem) {
    case 'disk_full':
      return `the disk holding ${dir} is full; free disk space there (df -h ${q(dir)} shows it), then retry`;
    case 'read_only':
      return `${dir} is read-only or not writable by you; remount it read-write or fix its permissions, or set FRAGMENTS_HOME to a writable directory`;
    case 'locked':
      return `another process holds a write lock on ${db} (a sqlite3 shell in a transaction, a backup tool); finish or close it (fuser ${q(db)} names it), then retry`;
    case 'corrupt':
      return `${db} is corrupt; ${corruptRecovery(db)}`;
    case 'io':
      return `an I/O error on ${dir}; check the disk (dmesg) and its free space, then retry`;
  }
}
