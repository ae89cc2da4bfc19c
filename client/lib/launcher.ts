// Finds and starts the daemon for a client that found none answering.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FragPaths } from '../../shared/paths.js';
import { FRAGD_NODE_FLAGS } from '../../shared/daemon-flags.js';
import { ensureOwnedPrivateDir } from '../../shared/safety/owned-dir.js';
import { UnsafeSocket } from './rpc-client.js';

/** The fragd bundle: FRAGD_BIN, else beside this bundle (dist/), else dist/ of the checkout. */
export function fragdPath(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    env.FRAGD_BIN,
    fileURLToPath(new URL('./fragd.js', import.meta.url)),
    fileURLToPath(new URL('../../dist/fragd.js', import.meta.url)),
  ].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new Error(`cannot find fragd (looked in ${candidates.join(', ')}); run npm run build or set FRAGD_BIN`);
  return found;
}

/** The start log holds the stderr of the last fragd that fragctl spawned. */
export const startLogPath = (paths: FragPaths): string => `${paths.log}.start`;

/**
 * Spawns fragd detached; its stderr goes to the start log beside the database, emptied
 * first so that what it holds is this start's, never an old failure's. The caller watches
 * the returned child's 'exit' to stop waiting for a daemon that died while starting.
 */
export function spawnDaemon(paths: FragPaths, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  // The start log goes into the state directory: only into one that is ours and private.
  const verdict = ensureOwnedPrivateDir(paths.stateDir);
  if (!verdict.ok) throw new UnsafeSocket(verdict.reason, 'refusing to start fragd');
  const err = openSync(startLogPath(paths), 'w', 0o600);
  try {
    const child = spawn(process.execPath, [...FRAGD_NODE_FLAGS, fragdPath(env)], {
      detached: true,
      stdio: ['ignore', 'ignore', err],
      env,
    });
    child.unref();
    return child;
  } finally {
    closeSync(err);
  }
}
