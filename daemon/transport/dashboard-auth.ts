// The dashboard's login (docs/dashboard.md). `fragctl open` asks the daemon, over the
// private socket, for a one-time code; the browser trades it once, within a minute, for a
// session secret kept in an HttpOnly cookie. The API token never goes into a URL, and the
// code in the URL is worthless once used or expired (browser history, a shared screen).
// Cookies are scoped to the host, not the port: a page another local user serves on
// 127.0.0.1:8080 receives this cookie when the user opens it. So the cookie alone opens
// nothing but the page's static files: every call and the event stream also need the
// session's page key, which the login hands the page in the URL fragment (never sent to any
// server) and the page keeps in its origin's localStorage (port-scoped) and echoes in its
// custom header. A cookie leaked to another port is useless without it.
// Expiry is measured on the monotonic clock: a test clock must not stretch a login.
import { randomBytes } from 'node:crypto';
import { tokenMatches } from './http-token.js';

export const LOGIN_CODE_SECONDS = 60;
export const DASHBOARD_SESSION_HOURS = 12;
/** Codes nobody used, and sessions, are bounded (oldest first out): a loop of `fragctl open` cannot grow memory. */
const MAX_CODES = 16;
const MAX_SESSIONS = 32;
export const COOKIE_NAME = 'fragd_dashboard';
/** Per port, so two daemons on one host (two users, two ports) never overwrite each other's cookie. */
export const cookieName = (port: number): string => `${COOKIE_NAME}_${port}`;

const secret = () => randomBytes(32).toString('base64url');

export class DashboardAuth {
  private readonly codes = new Map<string, number>();
  private readonly sessions = new Map<string, { expires: number; key: string }>();

  constructor(private readonly monotonic: () => number = () => performance.now()) {}

  /** A fresh one-time code and the seconds it lives. */
  issueCode(): { code: string; seconds: number } {
    this.prune();
    const code = secret();
    this.codes.set(code, this.monotonic() + LOGIN_CODE_SECONDS * 1000);
    while (this.codes.size > MAX_CODES) this.codes.delete(this.codes.keys().next().value!);
    return { code, seconds: LOGIN_CODE_SECONDS };
  }

  /** Trades a code for a session secret (the cookie) and its page key; a used, unknown or expired code gets null. */
  redeem(code: string): { session: string; key: string } | null {
    this.prune();
    const expires = this.codes.get(code);
    // Single use: deleted before anything else, whatever comes next.
    this.codes.delete(code);
    if (expires === undefined || expires <= this.monotonic()) return null;
    const session = secret();
    const key = secret();
    this.sessions.set(session, { expires: this.monotonic() + DASHBOARD_SESSION_HOURS * 3_600_000, key });
    while (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    return { session, key };
  }

  /**
   * Whether a cookie value is a live session (compared in constant time); with `key`, also
   * whether the page key presented is that session's.
   */
  valid(presented: string | undefined, key?: string): boolean {
    if (!presented) return false;
    const now = this.monotonic();
    for (const [s, v] of this.sessions)
      if (v.expires > now && tokenMatches(s, presented))
        return key === undefined || (!!key && tokenMatches(v.key, key));
    return false;
  }

  private prune(): void {
    const now = this.monotonic();
    for (const [c, e] of this.codes) if (e <= now) this.codes.delete(c);
    for (const [s, v] of this.sessions) if (v.expires <= now) this.sessions.delete(s);
  }
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
