// The loopback HTTP API (issue 5 part 5). Every endpoint is one protocol method run through
// the same dispatcher as the Unix socket; this file only does HTTP: the guards (Host,
// Origin, bearer token, body size), the session-aware middleware (X-Session-Key, X-Source,
// X-Actor become the call's target), routing and error → status mapping.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { unlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ErrorCode, FragError } from '../../shared/errors.js';
import {
  HTTP_HEADERS_TIMEOUT_MS,
  HTTP_REQUEST_TIMEOUT_MS,
  MAX_FRAME_BYTES,
  HTTP_OTHER_UID_IDLE_MS,
  MAX_HTTP_CONNECTIONS,
  MAX_HTTP_CONNECTIONS_ALL_OTHERS,
  MAX_HTTP_CONNECTIONS_PER_OTHER_UID,
} from '../../shared/limits.js';
import { errorText, FrameAnswerer } from '../rpc/frames.js';
import { methods, type MethodName } from '../../shared/protocol/methods.js';
import type { Dispatcher } from '../rpc/dispatcher.js';
import type { Connection } from '../rpc/handler-types.js';
import { httpStatusFor } from './http-status.js';
import { tokenMatches } from './http-token.js';
import { DashboardHttp } from './dashboard-http.js';
import { PeerBudget } from './peer-budget.js';
import { uidOfTcpPeer } from './peer-uid.js';

export const MAX_BODY_BYTES = MAX_FRAME_BYTES;
const CLOSE = { Connection: 'close' };
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface HttpOptions {
  port: number;
  token: string;
  /** Where the bound port is written, so `port: 0` is discoverable. */
  portFile: string;
  /** Where the token is (reported by daemon.status to its own user, never to an unauthenticated caller). */
  tokenFile: string;
}

export interface HttpInfo {
  url: string;
  port: number;
  port_file: string;
}

interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: RpcErrorObject,
    readonly headers: Record<string, string> = {},
  ) {
    super(error.message);
  }
}

const fail = (
  status: number,
  code: number,
  message: string,
  data: Record<string, unknown>,
  headers?: Record<string, string>,
) => new HttpFailure(status, { code, message, data }, headers);

/** Does the method's params object declare this key? Only then is a header value supplied. */
function acceptsKey(method: MethodName, key: string): boolean {
  let schema: z.ZodType = methods[method].params;
  if (schema instanceof z.ZodOptional) schema = schema.unwrap() as z.ZodType;
  return schema instanceof z.ZodObject && key in schema.shape;
}

interface Middleware {
  session?: string;
  actor?: string;
  source: string;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.trim() ? s.trim() : undefined;
}

function middlewareOf(req: IncomingMessage): Middleware {
  return {
    session: headerValue(req, 'x-session-key'),
    actor: headerValue(req, 'x-actor'),
    source: headerValue(req, 'x-source') ?? 'api',
  };
}

/** Fills target/source the caller left out, for methods that take them. Explicit params win. */
function withTarget(method: MethodName, params: Record<string, unknown>, mw: Middleware): Record<string, unknown> {
  const out = { ...params };
  if (mw.session && out.session === undefined && out.actor === undefined && acceptsKey(method, 'session'))
    out.session = mw.session;
  if (mw.actor && out.actor === undefined && acceptsKey(method, 'actor')) out.actor = mw.actor;
  if (out.source === undefined && acceptsKey(method, 'source')) out.source = mw.source;
  return out;
}

interface Route {
  verb: 'GET' | 'POST';
  /** The path, with `{key}` standing for a session key. */
  path: string;
  method: MethodName;
  created?: boolean;
}

const routes: Route[] = [
  { verb: 'POST', path: '/api/sessions/start', method: 'session.start', created: true },
  { verb: 'POST', path: '/api/sessions/end', method: 'session.end' },
  { verb: 'GET', path: '/api/sessions/{key}', method: 'session.status' },
  { verb: 'POST', path: '/api/sessions/{key}/pause', method: 'session.pause' },
  { verb: 'POST', path: '/api/sessions/{key}/resume', method: 'session.resume' },
  { verb: 'POST', path: '/api/tasks/update', method: 'activity.update' },
];

// `start` and `end` are actions, not keys, so GET /api/sessions/start is a 405, not a bad key.
const patternOf = (path: string) => new RegExp(`^${path.replace('{key}', '(?!start$|end$)([^/]+)')}$`);
const patterns = new Map(routes.map((r) => [r, patternOf(r.path)]));

/** The route's path params as method params (the session key). */
function pathParams(route: Route, path: string): Record<string, unknown> {
  const m = patterns.get(route)!.exec(path);
  if (!route.path.includes('{key}') || !m) return {};
  try {
    return { session: decodeURIComponent(m[1]) };
  } catch {
    throw fail(400, ErrorCode.InvalidParams, `the session key in ${path} is not valid percent-encoding`, {
      error: 'invalid_params',
    });
  }
}

export class HttpServer {
  readonly server: Server;
  private port = 0;
  private readonly ownUid = process.getuid?.() ?? -1;
  private readonly budget = new PeerBudget(this.ownUid, {
    own: MAX_HTTP_CONNECTIONS,
    perOther: MAX_HTTP_CONNECTIONS_PER_OTHER_UID,
    allOthers: MAX_HTTP_CONNECTIONS_ALL_OTHERS,
  });
  private nextConn = 1;
  /** The local dashboard (login, page, its calls and event stream): cookie, not token. */
  readonly dashboard: DashboardHttp;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly log: Logger,
    private readonly opts: HttpOptions,
  ) {
    // Another local user can reach this port: a slow or silent client must not hold a
    // connection (a file descriptor) for long, and only so many are served at once (the
    // next ones are closed as they come). Deadlines are checked every second.
    this.server = createServer({ connectionsCheckingInterval: 1000 }, (req, res) => void this.handle(req, res));
    this.server.requestTimeout = HTTP_REQUEST_TIMEOUT_MS;
    this.server.headersTimeout = HTTP_HEADERS_TIMEOUT_MS;
    this.server.keepAliveTimeout = 5000;
    // Per peer uid first (another user cannot take the user's share), this as a backstop.
    this.server.maxConnections = MAX_HTTP_CONNECTIONS + MAX_HTTP_CONNECTIONS_ALL_OTHERS;
    this.server.on('connection', (socket: Socket) => this.admit(socket));
    this.dashboard = new DashboardHttp(
      dispatcher,
      () => this.origins,
      () => this.port,
    );
  }

  /** The origins of this server's own pages. */
  get origins(): string[] {
    return [`http://127.0.0.1:${this.port}`, `http://localhost:${this.port}`];
  }

  /** A one-time dashboard login URL (fragctl open). */
  loginUrl(): { url: string; seconds: number } {
    const { code, seconds } = this.dashboard.auth.issueCode();
    return { url: `${this.info.url}/login?code=${code}`, seconds };
  }

  /** HTTP connections held now, by peer uid. */
  get connectionsByUid(): Record<string, number> {
    return this.budget.snapshot();
  }

  /**
   * Admits a connection within its peer uid's budget; a refused one gets a 503 saying why
   * and is closed. Another user's connection is closed after a few idle seconds: it has no
   * cookie nor token to use, so it has no business waiting.
   */
  private admit(socket: Socket): void {
    const uid = socket.remotePort === undefined ? null : uidOfTcpPeer(socket.remotePort, this.port);
    const admission = this.budget.admit(uid);
    if (!admission.ok) {
      this.log.warn({ uid, reason: admission.reason }, 'http connection refused');
      const body = JSON.stringify({
        error: {
          code: ErrorCode.InvalidState,
          message: `${admission.reason}; this one is closed. Close idle clients and retry`,
          data: { error: 'too_many_connections', uid },
        },
      });
      socket.on('error', () => undefined);
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    socket.once('close', () => this.budget.release(uid));
    if (uid !== this.ownUid) {
      socket.setTimeout(HTTP_OTHER_UID_IDLE_MS, () => socket.destroy());
    }
  }

  async listen(): Promise<HttpInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: '127.0.0.1', port: this.opts.port }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    writeFileSync(this.opts.portFile, `${this.port}\n`, { mode: 0o600 });
    return this.info;
  }

  get info(): HttpInfo {
    return { url: `http://127.0.0.1:${this.port}`, port: this.port, port_file: this.opts.portFile };
  }

  close(): Promise<void> {
    this.dashboard.close();
    try {
      unlinkSync(this.opts.portFile);
    } catch {
      /* already gone */
    }
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
      // A client holding a keep-alive connection open must not delay the daemon's stop.
      setTimeout(() => this.server.closeAllConnections(), 2000).unref();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    try {
      this.hostGuard(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (DashboardHttp.handles(url.pathname)) {
        await this.dashboard.handle(req, res, url);
        return;
      }
      this.guard(req);
      if (url.pathname === '/rpc') {
        if (req.method !== 'POST')
          throw fail(
            405,
            ErrorCode.InvalidRequest,
            'use POST /rpc with a JSON-RPC 2.0 request or batch',
            { error: 'invalid_request' },
            { Allow: 'POST' },
          );
        await this.rpc(req, res);
      } else {
        await this.rest(req, res, url.pathname);
      }
    } catch (err) {
      if (err instanceof HttpFailure) {
        this.send(res, err.status, { error: err.error }, err.headers);
      } else {
        this.log.error({ err }, 'http request failed');
        this.send(res, 500, {
          error: {
            code: ErrorCode.InternalError,
            message: `internal error: ${(err as Error)?.message}`,
            data: { error: 'internal_error' },
          },
        });
      }
    } finally {
      this.log.debug(
        { http: `${req.method} ${req.url}`, status: res.statusCode, ms: +(performance.now() - started).toFixed(2) },
        'http',
      );
    }
  }

  /**
   * DNS rebinding defence, for every request (the dashboard's too), before the body is read
   * or any work is done; a refused caller's connection is closed (it keeps no descriptor).
   */
  private hostGuard(req: IncomingMessage): void {
    const host = (req.headers.host ?? '').toLowerCase();
    const allowedHosts = [`127.0.0.1:${this.port}`, `localhost:${this.port}`];
    if (!allowedHosts.includes(host)) {
      throw fail(
        421,
        ErrorCode.Unauthorized,
        `Host ${JSON.stringify(req.headers.host ?? '')} refused: this API answers only to ${allowedHosts.join(' or ')}`,
        {
          error: 'unauthorized',
          reason: 'foreign_host',
        },
        CLOSE,
      );
    }
  }

  /** CSRF defence, then the token: the API's own guard (the dashboard has its own). */
  private guard(req: IncomingMessage): void {
    const origin = req.headers.origin;
    if (origin !== undefined && !isLoopbackOrigin(origin)) {
      throw fail(
        403,
        ErrorCode.Unauthorized,
        `Origin ${JSON.stringify(origin)} refused: only loopback pages may call this API`,
        {
          error: 'unauthorized',
          reason: 'foreign_origin',
        },
        CLOSE,
      );
    }
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m || !tokenMatches(this.opts.token, m[1])) {
      throw fail(
        401,
        ErrorCode.Unauthorized,
        m ? 'wrong bearer token' : 'missing bearer token: send Authorization: Bearer <token>',
        {
          error: 'unauthorized',
          reason: m ? 'wrong_token' : 'missing_token',
          // Not the token file's path: an unauthenticated caller learns nothing about this user.
          hint: 'the token is in the file that `fragctl daemon status` names (readable only by the user who runs fragd)',
        },
        { 'WWW-Authenticate': 'Bearer realm="fragd"', ...CLOSE },
      );
    }
  }

  private async rest(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const matching = routes.filter((r) => patterns.get(r)!.test(path));
    if (matching.length === 0) {
      throw fail(404, ErrorCode.MethodNotFound, `no endpoint ${path}`, {
        error: 'method_not_found',
        endpoints: [...routes.map((r) => `${r.verb} ${r.path}`), 'POST /rpc'],
      });
    }
    const route = matching.find((r) => r.verb === req.method);
    if (!route) {
      const allow = matching.map((r) => r.verb).join(', ');
      throw fail(
        405,
        ErrorCode.InvalidRequest,
        `${req.method} is not allowed on ${path}; use ${allow}`,
        { error: 'invalid_request' },
        { Allow: allow },
      );
    }
    let body: Record<string, unknown> = {};
    if (route.verb === 'POST') {
      const parsed = await this.readJson(req, true);
      if (parsed !== undefined) {
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw fail(
            400,
            ErrorCode.InvalidParams,
            `the body of ${path} must be a JSON object of the ${route.method} params`,
            { error: 'invalid_params', method: route.method },
          );
        }
        body = parsed as Record<string, unknown>;
      }
    }
    const params = withTarget(route.method, { ...body, ...pathParams(route, path) }, middlewareOf(req));
    const response = await this.dispatcher.server.receive(
      { jsonrpc: '2.0', id: 1, method: route.method, params },
      this.conn(),
    );
    if (!response) throw new Error(`no answer from ${route.method}`);
    if (response.error) {
      this.send(res, httpStatusFor(response.error.code), { error: response.error });
      return;
    }
    this.send(res, route.created ? 201 : 200, response.result);
  }

  /** JSON-RPC over HTTP: a request or a batch, answered as on the socket (daemon/rpc/frames.ts). */
  private async rpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text: string;
    try {
      ({ text } = await this.readBody(req));
    } catch (err) {
      if (err instanceof HttpFailure && err.error.code === ErrorCode.ParseError) {
        const { code, message, data } = err.error;
        this.sendText(res, 400, errorText('null', code, message, (data ?? {}) as Record<string, unknown>));
        return;
      }
      throw err;
    }
    const mw = middlewareOf(req);
    const frames = new FrameAnswerer(this.dispatcher, (method, params) => {
      if (method === 'events.subscribe') throw noPushChannel();
      if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params)))
        return params;
      return withTarget(method, (params ?? {}) as Record<string, unknown>, mw);
    });
    const answer = await frames.start(text, this.conn()).answer;
    if (answer === null) {
      res.writeHead(204).end();
      return;
    }
    // A single failed call gets its status; a batch may mix outcomes, so it is 200.
    let status = 200;
    if (answer.startsWith('{')) {
      const code = (JSON.parse(answer) as { error?: { code: number } }).error?.code;
      if (code !== undefined) status = httpStatusFor(code);
    }
    this.sendText(res, status, answer);
  }

  private conn(): Connection {
    // Negative ids keep HTTP requests apart from socket connections in the log.
    return { id: -this.nextConn++, subscribed: false, sessionFilter: null };
  }

  /** The body as JSON (undefined when empty and allowed), at most MAX_BODY_BYTES. */
  private async readJson(req: IncomingMessage, emptyAllowed: boolean): Promise<unknown> {
    const { text } = await this.readBody(req, emptyAllowed);
    if (!text.trim()) return undefined;
    try {
      return JSON.parse(text);
    } catch (err) {
      throw fail(400, ErrorCode.ParseError, `the body is not valid JSON: ${(err as Error).message}`, {
        error: 'parse_error',
      });
    }
  }

  /** The body's text, at most MAX_BODY_BYTES, sent as application/json (empty only when allowed). */
  private readBody(req: IncomingMessage, emptyAllowed = false): Promise<{ text: string }> {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) return Promise.reject(tooLarge());
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let over = false;
      req.on('data', (chunk: Buffer) => {
        if (over) return;
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          over = true;
          chunks.length = 0;
          reject(tooLarge());
          return;
        }
        chunks.push(chunk);
      });
      req.on('error', reject);
      req.on('end', () => {
        if (over) return;
        const text = Buffer.concat(chunks).toString('utf8');
        if (!text.trim()) {
          if (emptyAllowed) return resolve({ text });
          return reject(
            fail(400, ErrorCode.ParseError, 'empty body: send a JSON-RPC 2.0 request', { error: 'parse_error' }),
          );
        }
        // Requiring JSON keeps plain HTML forms (a CSRF vector) out, as they cannot send it.
        if (type !== 'application/json') {
          return reject(
            fail(
              415,
              ErrorCode.InvalidRequest,
              `send the body as Content-Type: application/json (got ${type || 'none'})`,
              { error: 'invalid_request' },
            ),
          );
        }
        resolve({ text });
      });
    });
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.sendText(res, status, JSON.stringify(body), headers);
  }

  private sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    if (res.headersSent) return;
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...headers,
    });
    res.end(text);
  }
}

/** Subscribing needs a connection the daemon can write to later; an HTTP exchange is not one. */
function noPushChannel(): FragError {
  return new FragError(
    ErrorCode.InvalidRequest,
    'events.subscribe needs a connection that stays open; HTTP has none. Use the Unix socket (the client library, or fragctl watch --json)',
    { hint: 'fragctl watch --json prints one event per line' },
  );
}

function tooLarge(): HttpFailure {
  return fail(
    413,
    ErrorCode.FrameTooLarge,
    `body larger than ${MAX_BODY_BYTES} bytes refused; send smaller requests`,
    { error: 'frame_too_large', limit_bytes: MAX_BODY_BYTES },
    { Connection: 'close' },
  );
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && LOOPBACK_HOSTS.has(u.hostname);
  } catch {
    return false;
  }
}
