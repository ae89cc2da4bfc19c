// Copies of the database fragd takes itself, once a day and on `fragctl daemon backup`:
// a damaged page can be salvaged with `.dump`, but damage to the schema page leaves nothing
// to dump (docs/operations.md). SQLite's online backup copies a consistent snapshot in small
// steps, so calls keep being answered while it runs.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';

export interface BackupInfo {
  path: string;
  bytes: number;
  taken_at: string;
}

const NAME = /^fragments-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)\.db$/;

/** Backups in `dir`, newest first. */
export function listBackups(dir: string): BackupInfo[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => NAME.test(n))
    .sort()
    .reverse()
    .map((n) => {
      const path = join(dir, n);
      const stamp = NAME.exec(n)![1].replace(/T(\d{2})-(\d{2})-(\d{2})Z/, 'T$1:$2:$3Z');
      let bytes = 0;
      try {
        bytes = statSync(path).size;
      } catch {
        /* removed meanwhile */
      }
      return { path, bytes, taken_at: stamp };
    });
}

/** True when the newest backup is older than `everyMs` (or there is none). */
export function backupDue(dir: string, nowMs: number, everyMs: number): boolean {
  const newest = listBackups(dir)[0];
  return !newest || nowMs - Date.parse(newest.taken_at) >= everyMs;
}

/** Takes a backup into `dir` (through a `.part` file and a rename) and keeps the newest `keep`. */
export async function takeBackup(db: Database, dir: string, now: Date, keep: number): Promise<BackupInfo> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const takenAt = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const stamp = takenAt.replace(/:/g, '-');
  const path = join(dir, `fragments-${stamp}.db`);
  const part = `${path}.part`;
  rmSync(part, { force: true });
  try {
    await db.backup(part);
    renameSync(part, path);
  } catch (err) {
    rmSync(part, { force: true });
    throw err;
  }
  for (const old of listBackups(dir).slice(Math.max(1, keep))) rmSync(old.path, { force: true });
  return { path, bytes: existsSync(path) ? statSync(path).size : 0, taken_at: takenAt };
}
