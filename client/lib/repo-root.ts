// The repository a command runs in, as git says (`git rev-parse --show-toplevel`), and a
// path given on the command line made relative to its root (file reservations: the daemon
// keeps paths relative to the root, docs/claims.md#file-reservations).
import { execFileSync } from 'node:child_process';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** The root of the git repository holding `cwd`, or null outside one (or without git). */
export function repoRoot(cwd = process.cwd()): string | null {
  try {
    const out = execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
    return out && isAbsolute(out) ? out : null;
  } catch {
    return null;
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
