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

/**
 * How to get a corrupt database back (with fragd stopped). Tested as printed, with the
 * sqlite3 shell Debian 12 ships (test/reliability/failure-errors.test.ts). Not `.recover`:
 * 3.40.1's fails ("SQL logic error") even on an intact database, and the pipe hid it. `.dump`
 * writes every row it can read but ends with "ROLLBACK; -- due to errors" when it met a bad
 * page, which would throw the rest away: sed makes that a COMMIT. The dump carries no schema
 * version, so it is set to the one the damaged file had. A recovery that comes out empty is
 * refused at start (daemon/store/database.ts), never silently started on.
 */
export const corruptRecovery = (
  db: string,
  userVersion?: number,
  backup?: { path: string; taken_at: string },
): string => {
  const version = userVersion ? ` && sqlite3 recovered.db ${q(`PRAGMA user_version = ${userVersion}`)}` : '';
  // fragd's own copy comes first: it holds everything up to when it was taken, even when
  // the damage hit the schema page and nothing can be dumped.
  const restore = backup
    ? `restore fragd's own backup of ${backup.taken_at} (what came after it is lost): ` +
      `mv ${q(db)} ${q(`${db}.damaged`)} && rm -f ${q(`${db}-wal`)} ${q(`${db}-shm`)} && cp ${q(backup.path)} ${q(db)}; or `
    : 'restore it from a backup, or ';
  return (
    `${restore}salvage what can be read (with fragd stopped, in a directory of your own): ` +
    `sqlite3 ${q(db)} .dump | sed ${q('s/^ROLLBACK; -- due to errors$/COMMIT;/')} | sqlite3 recovered.db${version}, ` +
    `then put recovered.db in its place (mv recovered.db ${q(db)}, and remove ${q(`${db}-wal`)} and ${q(`${db}-shm`)})`
  );
};

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
