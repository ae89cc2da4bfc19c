// The shapes every handler table shares: a handler's signature, what it may ask of the
// transport, and what a preparer hands back. Apart from the table so that areas' tables
// and the team store can name them without importing the table itself.
import type { MethodName, ParsedParamsOf, ResultOf } from '../../shared/protocol/methods.js';
import type { App, Call, Prepared } from '../app/app.js';

export type { Prepared, Settle } from '../app/app.js';

/** What a handler may need beyond the store: the transport's view of the daemon. */
export interface DaemonFacts {
  status(call: Call): ResultOf<'daemon.status'>;
  hello(params: ParsedParamsOf<'daemon.hello'>): ResultOf<'daemon.hello'>;
  shutdown(): void;
  /** A copy of the database now (daemon/store/backups.ts). */
  backup(): Promise<ResultOf<'daemon.backup'>>;
  /** A one-time dashboard login URL (docs/dashboard.md); refused when the HTTP server is off. */
  dashboardLogin(now: number): ResultOf<'dashboard.login'>;
}

export interface Connection {
  id: number;
  subscribed: boolean;
  /** Only events of this session, when set. */
  sessionFilter: string | null;
  /** An MCP client's sessions (key, or actor:NAME) and its last call on each, to close its time when it hangs up. */
  mcpCalls?: Map<string, number>;
}

export type Handler<M extends MethodName> = (
  call: Call,
  params: ParsedParamsOf<M>,
  conn: Connection,
  daemon: DaemonFacts,
) => ResultOf<M>;
export type HandlerTable = { [M in MethodName]: Handler<M> };
/**
 * Asynchronous work a write needs done before it is queued (handlers run synchronously
 * inside the group commit, so anything slow — git, the file system — happens here).
 */
export type Preparers<K extends MethodName> = {
  [M in K]?: (app: App, params: ParsedParamsOf<M>) => Promise<Prepared<ParsedParamsOf<M>> | void>;
};

/** The handlers of some methods; each area exports one, all are merged below. */
export type HandlersFor<K extends MethodName> = { [M in K]: Handler<M> };
