// Who may talk to fragd (DESIGN.md §9): the socket's directory must be a real directory,
// owned by us and closed to everyone else (as tmux checks its socket directory), and the
// socket in it must be ours. Both ends use these verdicts: the daemon before it listens
// or writes a file there, every client (fragctl, the client library, the MCP server,
// editors) before it connects. Only the owner can change a 0700 directory, so once the
// directory passes, nobody else can swap the socket inside it between check and connect.
import { accessSync, constants, lstatSync, mkdirSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { commandLine } from '../command.js';

/** A refusal: what is wrong, what fixes it, and both as one line (`reason`) for an error message. */
export interface Refusal {
  ok: false;
  problem: string;
  fix: string;
  reason: string;
}
export type DirVerdict = { ok: true } | Refusal;
/** A client's verdict: `absent` when there is nothing there yet (no daemon ran). */
export type PlaceVerdict = { ok: true; absent: boolean } | Refusal;

/** `fix` is a phrase ("remove it") or, with `command`, a command line to run as is. */
const refuse = (problem: string, fix: string, command = false): Refusal => ({
  ok: false,
  problem,
  fix,
  reason: `${problem}; ${command ? 'fix it with: ' : ''}${fix}`,
});

const myUid = (fallback: number) => process.getuid?.() ?? fallback;
const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, '0');

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The checks on an existing directory (lstat: a symlink is refused, never followed). */
function judgeDir(dir: string, st: Stats): DirVerdict {
  if (st.isSymbolicLink() || !st.isDirectory())
    return refuse(`${dir} is not a directory (a symlink or a file is there)`, 'remove it or set FRAGMENTS_HOME');
  const uid = myUid(st.uid);
  if (st.uid !== uid)
    return refuse(
      `${dir} is owned by uid ${st.uid}, not by you (uid ${uid}); another user may be impersonating fragd`,
      'remove it (as its owner or root) or set FRAGMENTS_HOME to a private directory',
    );
  if ((st.mode & 0o077) !== 0)
    return refuse(`${dir} has mode ${octal(st.mode)}, open to other users`, commandLine(['chmod', '700', dir]), true);
  return { ok: true };
}

/** Daemon side: creates the directory (0700) when missing, then judges it and checks it is writable. */
export function ensureOwnedPrivateDir(dir: string): DirVerdict {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return refuse(
      `cannot create ${dir} (${e.code}): ${e.message}`,
      'check permissions of its parent or set FRAGMENTS_HOME',
    );
  }
  const verdict = judgeDir(dir, lstatSync(dir));
  if (!verdict.ok) return verdict;
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EROFS' ? 'is on a read-only filesystem' : `is not writable (${e.code})`;
    return refuse(`${dir} ${why}`, 'make it writable or set FRAGMENTS_HOME to a writable directory');
  }
  return { ok: true };
}

/** Client side: an existing directory is ours, private and not a symlink (nothing is created). */
export function checkOwnedPrivateDir(dir: string): DirVerdict {
  try {
    const st = lstatOrNull(dir);
    return st ? judgeDir(dir, st) : refuse(`${dir} does not exist`, 'start fragd');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return refuse(`cannot inspect ${dir} (${e.code ?? e.message})`, 'check the permissions of its directory');
  }
}

/**
 * Client side, before connecting: the socket's directory first (only its owner can change
 * what is inside), then the socket itself (lstat: ours, and a socket). Nothing is created.
 */
export function checkSocketPlace(socket: string): PlaceVerdict {
  try {
    return judgeSocketPlace(socket);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return refuse(`cannot inspect ${socket} (${e.code ?? e.message})`, 'check the permissions of its directory');
  }
}

function judgeSocketPlace(socket: string): PlaceVerdict {
  const dir = dirname(socket);
  const dst = lstatOrNull(dir);
  if (!dst) return { ok: true, absent: true };
  const verdict = judgeDir(dir, dst);
  if (!verdict.ok) return verdict;
  const st = lstatOrNull(socket);
  if (!st) return { ok: true, absent: true };
  const uid = myUid(st.uid);
  if (!st.isSocket())
    return refuse(`${socket} is not a socket (${st.isSymbolicLink() ? 'a symlink' : 'a file'})`, 'remove it');
  if (st.uid !== uid)
    return refuse(
      `${socket} is owned by uid ${st.uid}, not by you (uid ${uid}); another user may be impersonating fragd`,
      'remove it and start fragd again',
    );
  return { ok: true, absent: false };
}
