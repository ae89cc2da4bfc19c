// Reading a file whose path came from someone else: a hook payload (transcript_path), a
// cloned repository (.git, HEAD, .fragd.json) or a spool record. A plain readFileSync
// blocks forever on a FIFO, reads /dev/zero until memory runs out and follows a symlink
// anywhere; so every such path is opened non-blocking, checked with fstat on the open
// descriptor (no swap between check and read), and read with a size cap. Only a regular
// file owned by this user (or root) is read.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import { relative, isAbsolute } from 'node:path';

export interface SafeReadOptions {
  /** At most this many bytes are read. */
  max: number;
  /** Where to start reading (transcripts are read incrementally). */
  from?: number;
  /** A file larger than `max` (from `from`): refused (default) or read up to `max`. */
  oversize?: 'refuse' | 'truncate';
  /**
   * Symlinks: 'never' refuses any (O_NOFOLLOW), 'follow' follows them (the target must
   * still be a regular file of an accepted owner), or a directory: followed only while the
   * target stays inside it (a repository's own files).
   */
  symlinks?: 'never' | 'follow' | { within: string };
  /** Owners accepted; this user and root by default. */
  owners?: number[];
}

export type SafeRead =
  | { ok: true; data: Buffer; size: number; from: number }
  | {
      ok: false;
      /**
       * missing: nothing there; kind: not a regular file (FIFO, device, directory, socket,
       * symlink where none may be); owner: another user's; size: over the cap.
       */
      why: 'missing' | 'kind' | 'owner' | 'size' | 'error';
      reason: string;
    };

export const myUid = (): number => process.getuid?.() ?? 0;
export const trustedOwners = (): number[] => [myUid(), 0];

export function kindOf(st: Stats): string {
  if (st.isFile()) return 'regular file';
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'FIFO';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isSocket()) return 'socket';
  if (st.isSymbolicLink()) return 'symlink';
  return 'special file';
}

const inside = (dir: string, path: string): boolean => {
  const r = relative(dir, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

const refuse = (why: Exclude<SafeRead, { ok: true }>['why'], reason: string): SafeRead => ({ ok: false, why, reason });

/** Reads `path` only if it is a regular file of an accepted owner, without ever blocking. */
export function readSafely(path: string, opts: SafeReadOptions): SafeRead {
  const symlinks = opts.symlinks ?? 'never';
  let target = path;
  if (typeof symlinks === 'object') {
    try {
      if (lstatSync(path).isSymbolicLink()) {
        target = realpathSync(path);
        const root = realpathSync(symlinks.within);
        if (!inside(root, target))
          return refuse('kind', `${path} is a symlink to ${target}, outside ${symlinks.within}; not followed`);
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return refuse('missing', `${path} does not exist`);
      return refuse('error', `${path}: ${(err as Error).message}`);
    }
  }
  // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
  const flags =
    constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (symlinks === 'follow' ? 0 : constants.O_NOFOLLOW);
  let fd: number;
  try {
    fd = openSync(target, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return refuse('missing', `${path} does not exist`);
    if (code === 'ELOOP') return refuse('kind', `${path} is a symlink; not followed`);
    return refuse('error', `${path}: ${(err as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return refuse('kind', `${path} is a ${kindOf(st)}, not a regular file`);
    const owners = opts.owners ?? trustedOwners();
    if (!owners.includes(st.uid))
      return refuse('owner', `${path} is owned by uid ${st.uid}, not by you (uid ${myUid()})`);
    const size = st.size;
    const from = Math.max(0, Math.min(opts.from ?? 0, size));
    if (size - from > opts.max && (opts.oversize ?? 'refuse') === 'refuse')
      return refuse('size', `${path} holds ${size - from} bytes; at most ${opts.max} are read`);
    const length = Math.min(size - from, opts.max);
    const data = Buffer.alloc(length);
    let n = 0;
    // A file that shrinks while read ends early; one that grows is read to the length fstat gave.
    while (n < length) {
      const got = readSync(fd, data, n, length - n, from + n);
      if (got === 0) break;
      n += got;
    }
    return { ok: true, data: n === length ? data : data.subarray(0, n), size, from };
  } catch (err) {
    return refuse('error', `${path}: ${(err as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/** The owner of a path itself (not followed), or null when it cannot be seen. */
export function ownerOf(path: string): number | null {
  try {
    return lstatSync(path).uid;
  } catch {
    return null;
  }
}
