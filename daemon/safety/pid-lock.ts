// One daemon per user: an exclusive pid lock, taken before listening. A lock left by a
// dead process is replaced atomically (rename), and every taker re-probes after a pause,
// so of two daemons racing for a stale lock exactly one keeps it (Nx start-lock style).
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';

export type LockVerdict = { ok: true; release: () => void } | { ok: false; holderPid: number };

const REPROBE_MS = 60;

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(path: string): number | null {
  try {
    const n = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

function writeExclusive(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function acquirePidLock(path: string): Promise<LockVerdict> {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (!writeExclusive(path)) {
      const holder = readPid(path);
      if (holder !== null && holder !== process.pid && processAlive(holder)) return { ok: false, holderPid: holder };
      // Stale (or half-written): replace it in one atomic step.
      const tmp = `${path}.${process.pid}`;
      const fd = openSync(tmp, 'w', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      renameSync(tmp, path);
    }
    await sleep(REPROBE_MS);
    const now = readPid(path);
    if (now === process.pid) {
      return {
        ok: true,
        release: () => {
          if (readPid(path) === process.pid) {
            try {
              unlinkSync(path);
            } catch {
              /* already gone */
            }
          }
        },
      };
    }
    if (now !== null && processAlive(now)) return { ok: false, holderPid: now };
  }
  throw new Error(`could not take the lock ${path} after several attempts; remove it if no fragd is running`);
}
