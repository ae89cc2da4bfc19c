// `fragctl status --short` straight from the status file the daemon keeps for shell prompts
// (daemon/status-file.ts, docs/terminal.md): a prompt or status bar that calls fragctl pays
// Node's start and one small read, not the CLI's modules and a round trip (issue 27). The
// file holds the very line the daemon would answer (shared/status-line.ts), and it is
// trusted only while the daemon that wrote it holds its lock; anything else — another
// option, a named session, no file, no live daemon — goes the usual way, which owns every
// message and exit code.
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { resolvePaths } from '../../shared/paths.js';
import { lockHolderAlive, readLock } from '../../shared/daemon-lock.js';
import { formatDuration } from '../../shared/format.js';
import { STATUS_FILE_MAGIC, STATUS_FILE_VERSION, statusFileName } from '../../shared/status-line.js';
import { checkOwnedPrivateDir } from '../../shared/safety/owned-dir.js';
import { myUid, readSafely } from '../../shared/safety/safe-file.js';
import { terminalSafe } from '../../shared/terminal.js';

/** A status file is one short line; anything longer is not one the daemon wrote. */
const MAX_STATUS_FILE_BYTES = 4096;

/**
 * The status file's text, only from a private directory of ours (the shared tmpdir fallback
 * could be another user's) and only a regular file of ours, not a symlink, of a line's size.
 */
function readOwnStatusFile(dir: string, name: string): string | null {
  if (!checkOwnedPrivateDir(dir).ok) return null;
  const r = readSafely(join(dir, name), { max: MAX_STATUS_FILE_BYTES, owners: [myUid()] });
  return r.ok ? r.data.toString('utf8') : null;
}

/** The actor named by `--short` alone, `--actor A` or `--actor=A` (and `--no-autostart`), else null. */
function actorOf(args: readonly string[], env: NodeJS.ProcessEnv): string | null {
  let actor: string | undefined;
  let short = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--short') short = true;
    else if (a === '--no-autostart') continue;
    else if (a === '--actor' && i + 1 < args.length && !args[i + 1].startsWith('-')) actor = args[++i];
    else if (a.startsWith('--actor=')) actor = a.slice('--actor='.length);
    else return null;
  }
  if (!short) return null;
  actor ??= env.FRAGMENTS_ACTOR || 'human';
  // A name that could leave the directory is the daemon's to refuse, with its message.
  return /^[A-Za-z0-9._-]+$/.test(actor) && !actor.startsWith('.') ? actor : null;
}

/** The line `status --short` prints, from the status file, or null when the file cannot answer. */
export function shortLineFromFile(args: readonly string[], env: NodeJS.ProcessEnv, nowMs: number): string | null {
  const actor = actorOf(args, env);
  if (actor === null || env.FRAGMENTS_SESSION) return null;
  const paths = resolvePaths(env);
  const text = readOwnStatusFile(paths.runtimeDir, statusFileName(actor));
  if (text === null) return null;
  const lock = readLock(paths.lock);
  if (!lock || !lockHolderAlive(lock)) return null;
  // fragd-status 1 run|stop N TEXT…
  const m = /^(\S+) (\d+) (run|stop) (-?\d+) ([^\n]*)\n?$/.exec(text);
  if (!m || m[1] !== STATUS_FILE_MAGIC || Number(m[2]) !== STATUS_FILE_VERSION) return null;
  const n = Number(m[4]);
  const seconds = m[3] === 'run' ? Math.floor(nowMs / 1000) - n : n;
  // Neutralised again, as the daemon's answer is when printed: the file is only text.
  return `${terminalSafe(m[5])} · ${formatDuration(Math.max(0, seconds))}`;
}

/** Prints the line and returns true, or returns false for the usual path. */
export function statusFromFile(args: readonly string[]): boolean {
  const line = shortLineFromFile(args, process.env, Date.now());
  if (line === null) return false;
  // One write to fd 1, without building process.stdout (a stream, and for a pipe a socket).
  try {
    writeSync(1, `${line}\n`);
  } catch (err) {
    // A prompt that stopped reading is not an error; anything else is.
    if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
  }
  return true;
}
