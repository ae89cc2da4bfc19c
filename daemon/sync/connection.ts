// Where the team store's connection string comes from, and how it is kept out of logs and
// errors. The string carries a password: it is read from FRAGD_PG_URL or from a file only
// its owner can read, and every text fragd shows about the connection goes through redact().
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join, dirname } from 'node:path';
import { commandLine } from '../../shared/command.js';
import type { FragConfig } from '../config.js';

export interface SyncTarget {
  team: string;
  machine: string;
  url: string;
  /** Where the url came from, for status and errors: never the url itself. */
  from: string;
}

/** A configuration problem the user fixes before fragd starts (the daemon exits with it). */
export class SyncConfigError extends Error {}

/**
 * The sync target of this configuration, or null when sync is off. A url file readable
 * by group or others is refused with the fix, as ssh refuses a private key.
 */
export function resolveSyncTarget(config: FragConfig, configPath: string, env: NodeJS.ProcessEnv): SyncTarget | null {
  const s = config.sync;
  if (!s.enabled) return null;
  if (!s.team) throw new SyncConfigError('sync.enabled is true but sync.team is not set; name the team in config.json');
  const machine = s.machine ?? hostname().split('.')[0];
  if (!/^[\w.@-]{1,64}$/.test(machine)) {
    throw new SyncConfigError(`the host name ${machine} is not a usable machine name; set sync.machine in config.json`);
  }
  const fromEnv = env.FRAGD_PG_URL?.trim();
  if (fromEnv) return { team: s.team, machine, url: fromEnv, from: 'FRAGD_PG_URL' };
  if (!s.url_file) {
    throw new SyncConfigError(
      'sync.enabled is true but there is no connection string: set FRAGD_PG_URL, or sync.url_file to a file (mode 0600) holding it',
    );
  }
  const file = isAbsolute(s.url_file) ? s.url_file : join(dirname(configPath), s.url_file);
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw new SyncConfigError(`sync.url_file ${file} cannot be read: ${(err as Error).message}`);
  }
  if (mode & 0o077) {
    throw new SyncConfigError(
      `sync.url_file ${file} is readable by others (mode ${(mode & 0o777).toString(8)}); it holds a password, so fragd refuses it. Fix: ${commandLine(['chmod', '600', file])}`,
    );
  }
  const url = readFileSync(file, 'utf8').trim();
  if (!url) throw new SyncConfigError(`sync.url_file ${file} is empty; put the connection string in it`);
  return { team: s.team, machine, url, from: file };
}

/**
 * Removes credentials from a text that may quote the connection string: the password of
 * any postgres URL, a password=… keyword, and the secret itself wherever it appears.
 */
export function redact(text: string, url?: string): string {
  let out = text;
  if (url) {
    const secret = passwordOf(url);
    if (secret) out = out.split(secret).join('***');
    out = out.split(url).join(redactUrl(url));
  }
  return out
    .replace(/(postgres(?:ql)?:\/\/[^:@/\s]*:)[^@\s]*@/gi, '$1***@')
    .replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1***');
}

export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/\s]*:)[^@\s]*@/i, '$1***@').replace(/(password=)[^&\s]*/gi, '$1***');
}

function passwordOf(url: string): string | null {
  try {
    const u = new URL(url);
    const p = u.password ? decodeURIComponent(u.password) : (u.searchParams.get('password') ?? '');
    // Too short a secret would blank out ordinary words of a message.
    return p.length >= 4 ? p : null;
  } catch {
    return null;
  }
}
