// Who holds the daemon's pid lock (daemon/safety/pid-lock.ts takes it): read by the daemon
// before it takes the lock, and by fragctl, which trusts the files a live daemon keeps
// (the status file) only while that daemon is alive.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ProcInfo {
  startTime: string;
  argv: string[];
}

/** Start time (clock ticks since boot) and command line of a process, or null without /proc. */
export function procInfo(pid: number | 'self'): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: count fields after its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTime = fields[22 - 3];
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return startTime ? { startTime, argv } : null;
  } catch {
    return null;
  }
}

/** fragd runs as `node [flags] …/fragd.js` (or the `fragd` bin). */
const FRAGD_SCRIPT = /^fragd(\.[cm]?js)?$/;
const looksLikeFragd = (argv: string[]) => argv.some((a) => FRAGD_SCRIPT.test(basename(a)));

export interface LockRecord {
  pid: number;
  startTime?: string;
}

export function readLock(path: string): LockRecord | null {
  try {
    const [pidLine, startLine] = readFileSync(path, 'utf8').split('\n');
    const pid = Number.parseInt(pidLine.trim(), 10);
    if (!Number.isFinite(pid)) return null;
    return { pid, ...(startLine?.trim() ? { startTime: startLine.trim() } : {}) };
  } catch {
    return null;
  }
}

/** Is the process named in the lock a live fragd, the very one that wrote it? */
export function lockHolderAlive(lock: LockRecord): boolean {
  if (!processAlive(lock.pid)) return false;
  const proc = procInfo(lock.pid);
  if (!proc) return true; // no /proc: a live pid is all we can know
  if (lock.startTime !== undefined && proc.startTime !== lock.startTime) return false; // the pid was reused
  return looksLikeFragd(proc.argv);
}
