// The bearer token of the HTTP API: a file only this user can read, created on first use.
import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, lstatSync, readFileSync, statSync, writeFileSync } from 'node:fs';

const TOKEN_BYTES = 32;

export interface TokenFile {
  token: string;
  /** true when the file was written now. */
  created: boolean;
  /** Set when an existing file was readable by others and had its mode tightened. */
  tightened: boolean;
}

/** Reads the token, or writes a fresh random one (0600) when the file is missing or empty. */
export function loadOrCreateToken(path: string): TokenFile {
  // The state directory has passed the owned-private check; a token that is a symlink or
  // someone else's file there is still refused rather than trusted or followed.
  try {
    const st = lstatSync(path);
    if (!st.isFile() || st.uid !== (process.getuid?.() ?? st.uid))
      throw new Error(`${path} is not a regular file of yours; remove it and restart fragd to get a new token`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let existing = '';
  try {
    existing = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existing) {
    // A token others could read is no secret; tighten it rather than refuse, and say so.
    const tightened = (statSync(path).mode & 0o077) !== 0;
    if (tightened) chmodSync(path, 0o600);
    return { token: existing, created: false, tightened };
  }
  const token = randomBytes(TOKEN_BYTES).toString('hex');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { token, created: true, tightened: false };
}

/** Constant-time comparison: hashing first makes both sides the same length. */
export function tokenMatches(expected: string, presented: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}
