// Where fragd keeps its files (DESIGN.md §3). FRAGMENTS_HOME puts everything in one
// directory, which is what tests and a second, isolated instance use.
import { join } from 'node:path';
import { homedir, tmpdir } from 'node:os';

export interface FragPaths {
  runtimeDir: string;
  socket: string;
  lock: string;
  stateDir: string;
  db: string;
  log: string;
  spoolDir: string;
  /** The copies of the database fragd takes itself (docs/operations.md). */
  backupsDir: string;
  httpToken: string;
  configDir: string;
  config: string;
  /** The user's prices per model, overriding the shipped table (docs/costs.md). */
  prices: string;
}

/** Longest path a Unix socket address can hold on Linux (sun_path is 108 bytes with the NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;

export function resolvePaths(env: NodeJS.ProcessEnv = process.env): FragPaths {
  const home = env.FRAGMENTS_HOME;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const runtimeDir =
    home ??
    join(
      env.XDG_RUNTIME_DIR || join(env.TMPDIR || tmpdir(), `fragments-${uid}`),
      env.XDG_RUNTIME_DIR ? 'fragments' : '',
    );
  const stateDir = home ?? join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'fragments');
  const configDir = home ?? join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'fragments');
  return {
    runtimeDir,
    socket: env.FRAGMENTS_SOCKET || join(runtimeDir, 'fragd.sock'),
    lock: join(runtimeDir, 'fragd.lock'),
    stateDir,
    db: join(stateDir, 'fragments.db'),
    log: join(stateDir, 'fragd.log'),
    spoolDir: join(stateDir, 'spool'),
    backupsDir: join(stateDir, 'backups'),
    httpToken: join(stateDir, 'http-token'),
    configDir,
    config: join(configDir, 'config.json'),
    prices: join(configDir, 'prices.json'),
  };
}

export function socketPathProblem(path: string): string | undefined {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    return `socket path is ${bytes} bytes, longer than the ${MAX_SOCKET_PATH_BYTES} a Unix socket allows: ${path}. Set FRAGMENTS_HOME or XDG_RUNTIME_DIR to a shorter directory.`;
  }
  return undefined;
}
