// One daemon per user: an exclusive pid lock, taken before listening. A lock left by a
// dead process is replaced atomically (rename), and every taker re-probes after a pause,
// so of two daemons racing for a stale lock exactly one keeps it (Nx start-lock style).
//
// A pid alone does not identify a holder: after a crash and a reboot (or enough forks) the
// pid in the lock may belong to an unrelated live process, which must not block fragd for
// good. The lock therefore records the holder's start time too (/proc/PID/stat, field 22),
// and a holder counts only while a process with that pid, that start time and a fragd
// command line is alive. Without /proc (not Linux), a live pid is all that can be known.
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { lockHolderAlive, procInfo, readLock } from '../../shared/daemon-lock.js';

export type LockVerdict = { ok: true; release: () => void } | { ok: false; holderPid: number };

/** Writing the lock failed (disk full, read-only): nothing of it is left behind. */
export class LockWriteError extends Error {
  constructor(
    readonly path: string,
    readonly errno: NodeJS.ErrnoException,
  ) {
    super(`cannot write the lock ${path} (${errno.code}): ${errno.message}`);
  }
  get code(): string | undefined {
    return this.errno.code;
  }
}

const REPROBE_MS = 60;

const ownRecord = (): string => `${process.pid}\n${procInfo('self')?.startTime ?? ''}\n`;

/** Writes our record to `path` (exclusively or not); on failure removes what it created and throws LockWriteError. */
function writeRecord(path: string, exclusive: boolean): boolean {
  let fd: number;
  try {
    fd = openSync(path, exclusive ? 'wx' : 'w', 0o600);
  } catch (err) {
    if (exclusive && (err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new LockWriteError(path, err as NodeJS.ErrnoException);
  }
  try {
    writeSync(fd, ownRecord());
  } catch (err) {
    // Disk full: an empty lock file left here would be litter every later start trips on.
    closeSync(fd);
    unlinkQuietly(path);
    throw new LockWriteError(path, err as NodeJS.ErrnoException);
  }
  closeSync(fd);
  return true;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone already */
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function acquirePidLock(path: string): Promise<LockVerdict> {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (!writeRecord(path, true)) {
      const holder = readLock(path);
      if (holder !== null && holder.pid !== process.pid && lockHolderAlive(holder))
        return { ok: false, holderPid: holder.pid };
      // Stale (dead holder, reused pid, or half-written): replace it in one atomic step.
      const tmp = `${path}.${process.pid}`;
      writeRecord(tmp, false);
      try {
        renameSync(tmp, path);
      } catch (err) {
        unlinkQuietly(tmp);
        throw new LockWriteError(path, err as NodeJS.ErrnoException);
      }
    }
    await sleep(REPROBE_MS);
    const now = readLock(path);
    if (now?.pid === process.pid) {
      return {
        ok: true,
        release: () => {
          if (readLock(path)?.pid === process.pid) unlinkQuietly(path);
        },
      };
    }
    if (now !== null && lockHolderAlive(now)) return { ok: false, holderPid: now.pid };
  }
  throw new Error(`could not take the lock ${path} after several attempts; remove it if no fragd is running`);
}
