// The open-files limit, raised from its soft value to the hard one at start, so that many
// clients cannot run fragd out of descriptors below what the system allows it. Node itself
// already does this when it starts (node.cc raises RLIMIT_NOFILE's soft limit to the hard
// one); Node has no setrlimit to call, so where the soft limit is still below the hard one
// (another runtime, a build without it) util-linux's prlimit is asked to raise it for our
// pid. No prlimit, or a refusal, leaves the limit as it was: fragd still starts, and says so.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface FdLimit {
  soft: number | null;
  hard: number | null;
  /** How the soft limit came to equal the hard one, or why it does not. */
  how: 'already' | 'prlimit' | 'unchanged';
  problem?: string;
}

/** Soft and hard open-files limits of a process, from /proc (null: unlimited or unreadable). */
export function readFdLimit(pid: number | 'self' = 'self'): { soft: number | null; hard: number | null } {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line ?? '').split(/\s{2,}/).slice(1, 3);
    const num = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : null);
    return { soft: num(soft), hard: num(hard) };
  } catch {
    return { soft: null, hard: null };
  }
}

export function raiseFdLimit(): FdLimit {
  const before = readFdLimit();
  if (before.soft === null || before.hard === null || before.soft >= before.hard) return { ...before, how: 'already' };
  const r = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${before.hard}:${before.hard}`], {
    encoding: 'utf8',
    timeout: 5000,
  });
  const after = readFdLimit();
  if (after.soft !== null && after.hard !== null && after.soft >= after.hard) return { ...after, how: 'prlimit' };
  const problem = r.error
    ? `prlimit could not run (${r.error.message}); install util-linux or raise the limit with ulimit -n before starting fragd`
    : `prlimit refused: ${(r.stderr || '').trim() || `exit ${r.status}`}`;
  return { ...after, how: 'unchanged', problem };
}
