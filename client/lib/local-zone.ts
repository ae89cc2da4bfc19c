// The reader's time zone, as Intl resolves it: what `fragctl report` sends the daemon when
// no --tz is given. Asking Intl costs a short-lived fragctl more than anything else it does
// for a report (the first DateTimeFormat loads ICU's formats: ~15 ms on a quiet machine,
// more than reading, compiling and running all of fragctl's report modules), so the answer
// is remembered in fragd's private runtime directory, keyed by everything the answer
// depends on: the TZ and TZDIR variables, what /etc/localtime and /etc/timezone are (link,
// inode, size, change time) and the versions of Node, ICU and its zone data. Any change to
// one of them is another key, and Intl is asked again. The file is trusted only as the
// status file is (status-from-file.ts): in a private directory of ours, a regular file of
// ours, small; whatever else is found there is ignored and Intl answers.
import { readlinkSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkOwnedPrivateDir } from '../../shared/safety/owned-dir.js';
import { myUid, readSafely } from '../../shared/safety/safe-file.js';

export const ZONE_FILE = 'local-zone';
const MAX_BYTES = 2048;
/** An IANA name (or Intl's UTC / offset forms): nothing that could carry anything else. */
const ZONE = /^[A-Za-z0-9_+\-/:]{1,64}$/;

function fileId(path: string): string {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}.${st.size}.${st.mtimeNs}.${st.ctimeNs}`;
  } catch {
    return '-';
  }
}

function linkOf(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '-';
  }
}

/** Everything Intl's answer depends on, as one line. */
export function zoneKey(env: NodeJS.ProcessEnv): string {
  return JSON.stringify([
    process.version,
    process.versions.icu ?? '',
    process.versions.tz ?? '',
    env.TZ ?? null,
    env.TZDIR ?? null,
    linkOf('/etc/localtime'),
    fileId('/etc/localtime'),
    fileId('/etc/timezone'),
  ]);
}

/** Ours only: a regular file this user owns, not a symlink, at most MAX_BYTES. */
function readOwn(path: string): string | null {
  const r = readSafely(path, { max: MAX_BYTES, owners: [myUid()] });
  return r.ok ? r.data.toString('utf8') : null;
}

/**
 * Intl.DateTimeFormat().resolvedOptions().timeZone, from the remembered answer when its key
 * is the current one. `dir` is fragd's runtime directory; when it is not a private directory
 * of ours (no daemon ran yet, or it is unsafe), Intl answers and nothing is written.
 */
export function localZone(dir: string, env: NodeJS.ProcessEnv = process.env): string {
  const own = checkOwnedPrivateDir(dir).ok;
  const key = zoneKey(env);
  const path = join(dir, ZONE_FILE);
  if (own) {
    const text = readOwn(path);
    const nl = text?.indexOf('\n') ?? -1;
    if (text && nl > 0 && text.slice(0, nl) === key) {
      const zone = text.slice(nl + 1).trimEnd();
      if (ZONE.test(zone)) return zone;
    }
  }
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (own && ZONE.test(zone)) {
    // Written whole under another name and renamed, so a reader never sees half of it.
    const tmp = `${path}.${process.pid}`;
    try {
      writeFileSync(tmp, `${key}\n${zone}\n`, { mode: 0o600, flag: 'wx' });
      renameSync(tmp, path);
    } catch {
      // Remembering is an optimisation: a full disk or a race costs the next call Intl again.
      try {
        unlinkSync(tmp);
      } catch {
        // not there
      }
    }
  }
  return zone;
}
