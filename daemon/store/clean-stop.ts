// The clean-stop marker (issue 20, item 3): the full PRAGMA quick_check reads every page
// of the database, seconds at a year of history, so fragd runs it where SQLite's own
// advice puts it — after an unclean stop — and on `fragctl doctor`, not on every start.
//
// A clean stop closes the database (the last connection checkpoints the WAL into the file
// and removes it), then writes `<db>.clean` beside it: the file's device, inode, size, and
// its modification and change times in nanoseconds, with the schema version. The next
// start trusts the file only when all of them still match and no WAL or journal is left;
// the marker is removed before the database is opened, so a daemon that dies after that
// leaves no marker and the start after it runs the full check.
//
// What a corrupt file with a matching marker means: nothing has written it since fragd
// closed it cleanly (any write, `touch -r`, chmod or copy moves its ctime or inode), so
// its corruption can only come from the storage itself rotting bits underneath the file
// system. That is left to `fragctl doctor` (docs/reliability.md); the start still reads the
// header and the schema, which refuses a file that is not a database at all.
import { existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';

export interface FileStamp {
  dev: string;
  ino: string;
  size: string;
  mtime_ns: string;
  ctime_ns: string;
  user_version: number;
}

export const markerPath = (db: string): string => `${db}.clean`;

function stampOf(db: string, userVersion: number): FileStamp | null {
  try {
    const st = statSync(db, { bigint: true });
    return {
      dev: String(st.dev),
      ino: String(st.ino),
      size: String(st.size),
      mtime_ns: String(st.mtimeNs),
      ctime_ns: String(st.ctimeNs),
      user_version: userVersion,
    };
  } catch {
    return null;
  }
}

const nonEmpty = (path: string): boolean => {
  try {
    return statSync(path).size > 0;
  } catch {
    return false;
  }
};

/** After the database was closed cleanly: says the file is as fragd left it. Best effort. */
export function writeCleanStop(db: string, userVersion: number): boolean {
  if (db === ':memory:' || nonEmpty(`${db}-wal`) || existsSync(`${db}-journal`)) return false;
  const stamp = stampOf(db, userVersion);
  if (!stamp) return false;
  const marker = markerPath(db);
  try {
    writeFileSync(`${marker}.tmp`, JSON.stringify(stamp), { mode: 0o600 });
    renameSync(`${marker}.tmp`, marker);
    return true;
  } catch {
    return false;
  }
}

/**
 * Before opening: whether the last stop was clean and nothing touched the file since.
 * Consumes the marker either way, so only the start right after a clean stop can trust it.
 */
export function takeCleanStop(db: string): { clean: boolean; why: string; user_version?: number } {
  if (db === ':memory:') return { clean: false, why: 'in memory' };
  const marker = markerPath(db);
  let saved: FileStamp;
  try {
    saved = JSON.parse(readFileSync(marker, 'utf8')) as FileStamp;
  } catch {
    return { clean: false, why: 'no clean-stop marker (first start, or the last stop was not clean)' };
  }
  try {
    unlinkSync(marker);
  } catch {
    return { clean: false, why: 'the clean-stop marker could not be removed' };
  }
  if (nonEmpty(`${db}-wal`) || existsSync(`${db}-journal`)) return { clean: false, why: 'a WAL or journal is left' };
  const now = stampOf(db, saved.user_version);
  const fields = ['dev', 'ino', 'size', 'mtime_ns', 'ctime_ns'] as const;
  const moved = now ? fields.filter((f) => now[f] !== saved[f]) : ['the file'];
  if (moved.length) return { clean: false, why: `the file changed since the clean stop (${moved.join(', ')})` };
  return { clean: true, why: 'unchanged since a clean stop', user_version: saved.user_version };
}
