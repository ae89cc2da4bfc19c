// The daemon's one connection to the team store. Everything the syncer asks (pushes, pulls,
// grants, reports) goes through it one unit at a time, so a daemon costs PostgreSQL one
// connection whatever it does; the same connection LISTENs when announcements are on.
// Every unit has a deadline: past it the connection is destroyed (a network that drops
// packets answers nothing, ever), the unit fails, and the next use connects afresh.
import pg from 'pg';
import { connect as netConnect } from 'node:net';

export interface LinkOptions {
  url: string;
  applicationName: string;
  /** LISTEN on this channel after connecting (null: polling, e.g. behind PgBouncer). */
  listenChannel: string | null;
  /**
   * Behind a pooler in transaction mode: no session settings in the startup packet (PgBouncer
   * refuses unknown startup parameters); the role's own settings (`fragctl sync setup`) apply.
   */
  pooler: boolean;
  onNotification: (payload: string | undefined) => void;
  onLost: (message: string) => void;
}

/** Server-side limits every fragd connection carries (docs/team-sync.md, "No machine can stall another"). */
export const SESSION_LIMITS = {
  /** A lock another session holds is waited for this long, then the statement fails. */
  lock_timeout: 2_000,
  /** No statement of fragd runs longer. */
  statement_timeout: 15_000,
  /** A transaction whose client went silent is ended by the server, and its locks with it. */
  idle_in_transaction_session_timeout: 10_000,
} as const;
/** The server notices a vanished client within about idle + interval × count seconds. */
const SERVER_KEEPALIVES = '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3';

export class DeadlineError extends Error {}

export class Link {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Statements sent since start (what the scale bench counts). */
  statements = 0;
  /** Counts the connections made: a new one LISTENs afresh, so what was announced meanwhile is pulled. */
  generation = 0;

  constructor(private readonly opts: LinkOptions) {}

  get connected(): boolean {
    return this.client !== null;
  }

  private async open(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.opts.url,
      connectionTimeoutMillis: 5000,
      application_name: this.opts.applicationName,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      ...(this.opts.pooler ? {} : { ...SESSION_LIMITS, options: SERVER_KEEPALIVES }),
    });
    client.on('error', (err) => this.drop(client, err.message));
    client.on('end', () => this.drop(client, 'connection closed'));
    client.on('notification', (m) => this.opts.onNotification(m.payload));
    await client.connect();
    try {
      if (this.opts.listenChannel) await client.query(`LISTEN ${this.opts.listenChannel}`);
    } catch (err) {
      void client.end().catch(() => {});
      throw err;
    }
    return client;
  }

  private drop(client: pg.Client, why: string): void {
    if (this.client !== client) return;
    this.client = null;
    this.opts.onLost(why);
    destroy(client);
  }

  private async get(): Promise<pg.Client> {
    if (this.client) return this.client;
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    const c = await this.connecting;
    if (this.closed) {
      destroy(c);
      throw new Error('sync stopped');
    }
    this.client = c;
    this.generation++;
    return c;
  }

  /**
   * Runs `fn` alone on the connection (a transaction of several statements is not
   * interleaved with another unit), within `deadlineMs` counted from this call, the wait
   * for the units before it included. Past the deadline the connection is cut: whatever
   * holds it is not answering.
   */
  run<T>(fn: (c: pg.Client) => Promise<T>, deadlineMs: number, what = 'the team store'): Promise<T> {
    const message = `${what} gave no answer within ${Math.round(deadlineMs / 100) / 10} s`;
    const deadlineAt = Date.now() + deadlineMs;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (this.client) this.drop(this.client, 'no answer in time');
        reject(new DeadlineError(message));
      }, deadlineMs);
    });
    const unit = async (): Promise<T> => {
      if (Date.now() >= deadlineAt) throw new DeadlineError(message);
      const c = await this.get();
      return fn(countingClient(c, () => this.statements++));
    };
    const bounded = Promise.race([this.queue.then(unit, unit), expired]);
    this.queue = bounded.catch(() => {});
    return bounded.finally(() => clearTimeout(timer));
  }

  /** One statement as a unit. */
  query<R extends pg.QueryResultRow>(text: string, values: unknown[], deadlineMs: number, what?: string) {
    return this.run((c) => c.query<R>(text, values), deadlineMs, what);
  }

  /** Whether the store's host accepts a TCP (or Unix socket) connection now: the cheap probe while backing off. */
  probe(timeoutMs = 1000): Promise<boolean> {
    const where = endpoint(this.opts.url);
    if (!where) return Promise.resolve(false);
    return new Promise((resolve) => {
      const s = 'path' in where ? netConnect(where.path) : netConnect(where.port, where.host);
      const done = (ok: boolean) => {
        s.destroy();
        resolve(ok);
      };
      s.setTimeout(timeoutMs, () => done(false));
      s.once('connect', () => done(true));
      s.once('error', () => done(false));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    if (!c) return;
    await Promise.race([c.end().catch(() => {}), new Promise((r) => setTimeout(r, 500))]);
    destroy(c);
  }
}

function destroy(c: pg.Client): void {
  (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** The client as `fn` sees it: every query counted. */
function countingClient(c: pg.Client, count: () => void): pg.Client {
  return new Proxy(c, {
    get(target, prop, receiver) {
      if (prop === 'query')
        return (...args: unknown[]) => {
          count();
          return (target.query as (...a: unknown[]) => unknown).apply(target, args);
        };
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

/** Where the connection string points: a host and port, or a Unix socket (?host=/dir). */
export function endpoint(url: string): { host: string; port: number } | { path: string } | null {
  try {
    const u = new URL(url);
    const port = Number(u.port || 5432);
    const hostParam = u.searchParams.get('host');
    if (hostParam?.startsWith('/')) return { path: `${hostParam}/.s.PGSQL.${port}` };
    const host = decodeURIComponent(u.hostname).replace(/^\[|\]$/g, '');
    if (host.startsWith('/')) return { path: `${host}/.s.PGSQL.${port}` };
    return { host: host || 'localhost', port };
  } catch {
    return null;
  }
}
