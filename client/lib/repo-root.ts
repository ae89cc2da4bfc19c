// The repository a command runs in (the nearest directory holding `.git`), and a
// path given on the command line made relative to its root (file reservations: the daemon
// keeps paths relative to the root, docs/claims.md#file-reservations).
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * The root of the git repository holding `cwd` (the nearest directory with a `.git`, a
 * directory or a worktree's file), or null outside one. Read from the file system, not by
 * running git: `task activate` and `next --activate` ask it on every call. GIT_DIR and
 * GIT_WORK_TREE settings are not followed (git rev-parse --show-toplevel would).
 */
export function repoRoot(cwd = process.cwd()): string | null {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * A path or glob typed in `cwd`, relative to `root` ("src/*.ts" typed in root/lib becomes
 * "lib/src/*.ts"). Throws when it points outside the repository.
 */
export function relativeToRoot(root: string, cwd: string, path: string): string {
  const abs = isAbsolute(path) ? path : resolve(cwd, path);
  const rel = relative(root, abs);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw new Error(`${path} is not inside the repository ${root}`);
  return rel.split(sep).join('/');
}

/** `{repo}` for an activation run inside a git repository, else nothing. */
export function repoParam(): { repo?: string } {
  const root = repoRoot();
  return root ? { repo: root } : {};
}
