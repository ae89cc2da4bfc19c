// The dashboard's HTTP side (docs/dashboard.md): the one-time login, the page's files, its
// one RPC endpoint and its event stream. Only transport lives here; the page's data comes
// from the protocol methods through the same dispatcher as every other client.
//
// Who may do what: a browser that holds the session cookie (HttpOnly, SameSite=Strict),
// from this very origin. Other origins — another page on another loopback port included —
// are refused by Origin and Sec-Fetch-Site; a call that changes state must also carry a
// custom header, which no form or plain cross-site request can send without a CORS
// preflight, and this server answers no preflight. That header holds the session's page
// key (dashboard-auth.ts): a cookie replayed by another local server, which received it
// because cookies ignore ports, opens no call and no stream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ErrorCode, FragError } from '../../shared/errors.js';
import { methods, type MethodName } from '../../shared/protocol/methods.js';
import type { DaemonEvent } from '../../shared/protocol/events.js';
import { FrameAnswerer } from '../rpc/frames.js';
import type { Dispatcher } from '../rpc/dispatcher.js';
import type { Connection } from '../rpc/handler-types.js';
import { httpStatusFor } from './http-status.js';
import { cookieName, cookieValue, DASHBOARD_SESSION_HOURS, DashboardAuth } from './dashboard-auth.js';

/** The header every call of the page carries, with its page key (forms cannot set it; other ports do not know the key). */
export const DASHBOARD_HEADER = 'x-fragd-dashboard';
/** Event streams open at once (each holds a connection of the capped pool). */
const MAX_STREAMS = 8;
/** A stream whose reader has fallen this far behind is closed; the page reconnects and reloads. */
const STREAM_BUDGET_BYTES = 1 << 20;
const STREAM_KEEPALIVE_MS = 15_000;

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // The login URL carries a code: no page of ours sends its address anywhere.
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
}

/**
 * The work the page does for its person (issue 26): start or resume a session, activate a
 * task, post an update, complete a task. The same methods and gates as fragctl's; always
 * as the person, in their own current session, and never past a gate (DESIGN.md §9).
 */
export const PAGE_ACTIONS = new Set<MethodName>([
  'session.start',
  'session.resume',
  'task.activate',
  'activity.update',
  'task.complete',
]);

/** Methods the page may call: every read, the interval corrections (as `fragctl interval …`) and its actions. */
export function pageMayCall(name: MethodName): boolean {
  if (name === 'events.subscribe' || name === 'daemon.shutdown' || name === 'dashboard.login') return false;
  if (name.startsWith('debug.')) return false;
  if (!methods[name].mutates) return true;
  if (PAGE_ACTIONS.has(name)) return true;
  // Compared as text: the correction methods may arrive with another branch (issue 13).
  const n: string = name;
  return (n.startsWith('interval.') && n !== 'interval.import') || n === 'undo';
}

/**
 * Why an action's params are refused, or null: the page acts as the person (no other actor,
 * no session picked by key) and through the gates (no force, no takeover of another's claim).
 */
export function actionRefusal(name: MethodName, params: Record<string, unknown>): string | null {
  if (!PAGE_ACTIONS.has(name)) return null;
  if (params.actor !== undefined && params.actor !== 'human')
    return `the dashboard acts as the person only, not as ${JSON.stringify(params.actor)}`;
  if (params.session !== undefined) return "the dashboard acts in the person's current session only";
  for (const k of ['force', 'take_over', 'join'])
    if (params[k] !== undefined && params[k] !== false) return `the dashboard does not pass ${k}: use fragctl for that`;
  return null;
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
  `<meta name="viewport" content="width=device-width,initial-scale=1"></head>` +
  `<body style="font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em">` +
  `<h1>${title}</h1>${body}</body></html>`;

const LOGIN_NEEDED = page(
  'fragd: log in first',
  '<p>This page needs a login. In a terminal, run</p><pre><code>fragctl open</code></pre>' +
    '<p>and open the link it prints (it works once, within a minute).</p>',
);
const CODE_REFUSED = page(
  'fragd: this login link is used up',
  '<p>A login link works once, within a minute of <code>fragctl open</code>. Run it again for a new one:</p>' +
    '<pre><code>fragctl open</code></pre>',
);

export class DashboardHttp {
  readonly auth = new DashboardAuth();
  private readonly streams = new Set<ServerResponse>();
  private assets: Map<string, Asset> | null = null;
  private nextConn = 1;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly origins: () => string[],
    private readonly port: () => number,
    private readonly dir = fileURLToPath(new URL('./dashboard/', import.meta.url)),
  ) {}

  static handles(path: string): boolean {
    return path === '/login' || path === '/dashboard' || path.startsWith('/dashboard/');
  }

  /** Refusals a request meets before anything else: another origin, another site. */
  private crossOrigin(req: IncomingMessage): string | null {
    const origin = req.headers.origin;
    if (origin !== undefined && !this.origins().includes(origin)) return `Origin ${JSON.stringify(origin)} refused`;
    const site = req.headers['sec-fetch-site'];
    // `none`: the user typed or pasted the URL (or `fragctl open` opened it).
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return `a ${String(site)} request refused`;
    return null;
  }

  private cookie(req: IncomingMessage): string | undefined {
    return cookieValue(req.headers.cookie, cookieName(this.port()));
  }

  private loggedIn(req: IncomingMessage): boolean {
    return this.auth.valid(this.cookie(req));
  }

  /** The page key a call (header) or the event stream (query, EventSource sends no header) presents. */
  private keyMatches(req: IncomingMessage, url: URL): boolean {
    const header = req.headers[DASHBOARD_HEADER];
    const key = typeof header === 'string' ? header : (url.searchParams.get('key') ?? '');
    return this.auth.valid(this.cookie(req), key);
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const refused = this.crossOrigin(req);
    if (refused) return this.text(res, 403, `${refused}: the dashboard answers only its own pages`, true);
    const path = url.pathname;
    if (path === '/login') return this.login(req, res, url);
    if (!this.loggedIn(req)) {
      if (req.method === 'GET' && (path === '/dashboard' || path === '/dashboard/'))
        return this.html(res, 401, LOGIN_NEEDED);
      return this.text(res, 401, 'not logged in: run fragctl open and follow the link it prints', true);
    }
    if ((path === '/dashboard/rpc' || path === '/dashboard/events') && !this.keyMatches(req, url))
      return this.text(
        res,
        403,
        `a call needs this page's key in the ${DASHBOARD_HEADER} header: open the dashboard with fragctl open`,
        true,
      );
    if (path === '/dashboard/rpc') return this.rpc(req, res);
    if (path === '/dashboard/events') return this.events(req, res);
    if (req.method !== 'GET') return this.text(res, 405, 'use GET', false, { Allow: 'GET' });
    if (path === '/dashboard') return this.redirect(res, '/dashboard/');
    const name = path === '/dashboard/' ? 'index.html' : path.slice('/dashboard/'.length);
    const asset = this.asset(name);
    if (!asset) return this.text(res, 404, `no file ${path}`);
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? asset.gzip : asset.body;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': asset.type,
      'Content-Length': body.length,
      Vary: 'Accept-Encoding',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
    res.end(body);
  }

  /** The one-time code for a session cookie, then a redirect to a URL without the code. */
  private login(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== 'GET') return this.text(res, 405, 'use GET', false, { Allow: 'GET' });
    const login = this.auth.redeem(url.searchParams.get('code') ?? '');
    if (!login) return this.html(res, 403, CODE_REFUSED);
    res.writeHead(303, {
      ...SECURITY_HEADERS,
      // The key in the fragment: a browser never sends it to a server, this one included.
      Location: `/dashboard/#key=${login.key}`,
      'Set-Cookie': `${cookieName(this.port())}=${login.session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${DASHBOARD_SESSION_HOURS * 3600}`,
      'Content-Length': 0,
    });
    res.end();
  }

  /** One JSON-RPC request of the page, through the dispatcher, as source `gui`. */
  private async rpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return this.text(res, 405, 'use POST', false, { Allow: 'POST' });
    // Same origin is proven, not assumed: a POST must name its origin and carry our header.
    if (req.headers.origin === undefined || req.headers[DASHBOARD_HEADER] === undefined)
      return this.text(res, 403, `a call needs the page's Origin and the ${DASHBOARD_HEADER} header`, true);
    if ((req.headers['content-type'] ?? '').split(';')[0].trim() !== 'application/json')
      return this.text(res, 415, 'send application/json');
    const text = await readLimited(req);
    if (text === null) return this.text(res, 413, 'body too large', true);
    const frames = new FrameAnswerer(this.dispatcher, (method, params) => {
      if (!pageMayCall(method))
        throw new FragError(ErrorCode.Unauthorized, `the dashboard may not call ${method}`, {
          error: 'unauthorized',
          hint: 'use fragctl for this',
        });
      if (params === undefined || (typeof params === 'object' && params !== null && !Array.isArray(params))) {
        const p = { ...(params as Record<string, unknown>) };
        const refusal = actionRefusal(method, p);
        if (refusal)
          throw new FragError(ErrorCode.Unauthorized, refusal, { error: 'unauthorized', hint: 'use fragctl for this' });
        if (p.source === undefined && acceptsSource(method)) p.source = 'gui';
        return p;
      }
      if (PAGE_ACTIONS.has(method))
        throw new FragError(ErrorCode.InvalidParams, `${method} takes its params by name`, { error: 'invalid_params' });
      return params;
    });
    const conn: Connection = { id: -1_000_000 - this.nextConn++, subscribed: false, sessionFilter: null };
    const answer = await frames.start(text, conn).answer;
    let status = 200;
    if (answer?.startsWith('{')) {
      const code = (JSON.parse(answer) as { error?: { code: number } }).error?.code;
      if (code !== undefined) status = httpStatusFor(code);
    }
    const body = answer ?? '';
    res.writeHead(answer === null ? 204 : status, {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  /** Server-sent events: every daemon event, as published after its commit. */
  private events(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET') return this.text(res, 405, 'use GET', false, { Allow: 'GET' });
    if (this.streams.size >= MAX_STREAMS)
      return this.text(res, 503, `at most ${MAX_STREAMS} dashboard pages at once; close one`, true);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
    });
    res.write('retry: 1000\n: connected\n\n');
    this.streams.add(res);
    const keepalive = setInterval(() => this.write(res, ': keepalive\n\n'), STREAM_KEEPALIVE_MS);
    keepalive.unref();
    res.on('close', () => {
      clearInterval(keepalive);
      this.streams.delete(res);
    });
  }

  publish(events: DaemonEvent[]): void {
    if (!this.streams.size) return;
    const text = events.map((e) => `event: fragd\ndata: ${JSON.stringify(e)}\n\n`).join('');
    for (const res of this.streams) this.write(res, text);
  }

  private write(res: ServerResponse, text: string): void {
    if (res.writableLength > STREAM_BUDGET_BYTES) {
      this.streams.delete(res);
      res.destroy();
      return;
    }
    res.write(text);
  }

  close(): void {
    for (const res of this.streams) res.end();
    this.streams.clear();
  }

  private asset(name: string): Asset | undefined {
    if (!this.assets) {
      this.assets = new Map();
      let files: string[] = [];
      try {
        files = readdirSync(this.dir);
      } catch {
        /* not built: every file is a 404 */
      }
      for (const f of files) {
        const type = TYPES[extname(f)];
        if (!type) continue;
        const body = readFileSync(join(this.dir, f));
        this.assets.set(f, { type, body, gzip: gzipSync(body, { level: 9 }) });
      }
    }
    // Names come from the directory listing only: no path of the request reaches the file system.
    return this.assets.get(name);
  }

  private html(res: ServerResponse, status: number, html: string): void {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      // The two small pages carry their style inline; they have no script at all.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(html),
    });
    res.end(html);
  }

  private text(res: ServerResponse, status: number, text: string, close = false, headers = {}): void {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      ...(close ? { Connection: 'close' } : {}),
      ...headers,
    });
    res.end(text);
  }

  private redirect(res: ServerResponse, to: string): void {
    res.writeHead(303, { ...SECURITY_HEADERS, Location: to, 'Content-Length': 0 });
    res.end();
  }
}

function acceptsSource(method: MethodName): boolean {
  const shape = (methods[method].params as { shape?: Record<string, unknown>; unwrap?: () => { shape?: unknown } })
    .shape;
  if (shape) return 'source' in shape;
  const inner = (methods[method].params as { unwrap?: () => { shape?: Record<string, unknown> } }).unwrap?.();
  return !!inner?.shape && 'source' in inner.shape;
}

const MAX_PAGE_BODY = 256 * 1024;

function readLimited(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_PAGE_BODY) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
