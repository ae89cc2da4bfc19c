// A private directory check that returns a verdict: the socket directory must be a real
// directory, owned by us, and closed to everyone else (as tmux checks its socket dir).
import { accessSync, constants, lstatSync, mkdirSync } from 'node:fs';

export type DirVerdict = { ok: true } | { ok: false; reason: string };

export function ensureOwnedPrivateDir(dir: string): DirVerdict {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return {
      ok: false,
      reason: `cannot create ${dir} (${e.code}): ${e.message}; check permissions of its parent or set FRAGMENTS_HOME`,
    };
  }
  const st = lstatSync(dir);
  if (st.isSymbolicLink() || !st.isDirectory()) {
    return {
      ok: false,
      reason: `${dir} is not a directory (a symlink or a file is there); remove it or set FRAGMENTS_HOME`,
    };
  }
  const uid = process.getuid?.() ?? st.uid;
  if (st.uid !== uid) {
    return {
      ok: false,
      reason: `${dir} is owned by uid ${st.uid}, not by you (uid ${uid}); another user may be able to hijack the socket. Remove it or set FRAGMENTS_HOME`,
    };
  }
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
    return { ok: false, reason: `${dir} has mode ${mode}, open to other users; fix it with: chmod 700 ${dir}` };
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EROFS' ? 'is on a read-only filesystem' : `is not writable (${e.code})`;
    return { ok: false, reason: `${dir} ${why}; make it writable or set FRAGMENTS_HOME to a writable directory` };
  }
  return { ok: true };
}
