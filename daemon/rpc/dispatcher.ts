// The one envelope every call goes through: params validated against the protocol table,
// the handler run (writes through the group-commit queue), events published after commit,
// timing logged, and every failure turned into an actionable JSON-RPC error.
import { JSONRPCErrorException, JSONRPCServer } from 'json-rpc-2.0';
import type { Logger } from 'pino';
import { ErrorCode, FragError } from '../../shared/errors.js';
import { methods, type MethodName } from '../../shared/protocol/methods.js';
import type { Source } from '../../shared/protocol/views.js';
import type { DaemonEvent } from '../../shared/protocol/events.js';
import { newCall, type App } from '../app/app.js';
import { CommitQueue } from './commit-queue.js';
import { withIdleResume } from '../app/sessions/heartbeat.js';
import { inStep } from '../app/undo/undo.js';
import { hintForMcp } from '../app/instructions/mcp-hints.js';
import { closeMcpTime } from '../app/agents/mcp.js';
import { storageAdvice, storageProblemOf } from '../safety/storage-problem.js';
import { handlers, preparers } from './handlers.js';
import type { Connection, DaemonFacts, Handler, Prepared } from './handler-types.js';
import { fragctl } from '../../shared/command.js';

/** Where the storage is, for hints that name the file or directory to act on. */
export interface StorageWhere {
  db?: string;
  dir?: string;
}

export function toRpcError(err: unknown, method: string, where: StorageWhere = {}): JSONRPCErrorException {
  if (err instanceof JSONRPCErrorException) return err;
  if (err instanceof FragError) return new JSONRPCErrorException(err.message, err.code, err.data);
  const code = (err as { code?: unknown })?.code;
  const problem = storageProblemOf(code);
  if (problem) {
    const advice = storageAdvice(problem, where);
    const failed = problem === 'corrupt' ? 'cannot be read or written' : 'cannot be written';
    return new JSONRPCErrorException(
      `the database ${failed} (${String(code)}): ${(err as Error).message}. Nothing of this call was stored; ${advice}`,
      ErrorCode.StorageUnavailable,
      { error: 'storage_unavailable', storage_problem: problem, sqlite_code: code, hint: advice },
    );
  }
  return new JSONRPCErrorException(
    `internal error in ${method}: ${(err as Error)?.message ?? String(err)}`,
    ErrorCode.InternalError,
    {
      error: 'internal_error',
      hint: `this is a bug in fragd; the daemon log (${fragctl('daemon', 'logs')}) has the details`,
    },
  );
}

export interface DispatcherDeps {
  app: App;
  facts: DaemonFacts;
  log: Logger;
  /** The database and state directory, named in storage hints. */
  storage?: StorageWhere;
  publish: (events: DaemonEvent[]) => void;
  /** Runs before a write is queued (the daemon queues a due tick first). */
  beforeWrite?: () => void;
}

export class Dispatcher {
  // The envelope maps and logs every error itself; the library would print each refusal to stderr.
  readonly server = new JSONRPCServer<Connection>({ errorListener: () => {} });
  readonly queue: CommitQueue;
  private inflight = 0;

  constructor(private readonly deps: DispatcherDeps) {
    this.queue = new CommitQueue(deps.app.sql.db, deps.app.memo, deps.app.sql.durable);
    for (const name of Object.keys(methods) as MethodName[]) {
      this.server.addMethod(name, (params, conn) => this.invoke(name, params, conn));
    }
  }

  /**
   * A connection closed. An MCP client that hung up (its agent exited or was killed) is
   * not working any more: its session's open interval closes at its last call, unless
   * someone else worked in that session since.
   */
  connectionClosed(conn: Connection): void {
    const calls = conn.mcpCalls;
    if (!calls?.size) return;
    conn.mcpCalls = undefined;
    void this.queue
      .submit(() => {
        const call = newCall(this.deps.app, 'mcp');
        closeMcpTime(call, calls);
        return call.events;
      })
      .then(
        (events) => events.length && this.deps.publish(events),
        (err: unknown) => this.deps.log.warn({ err }, 'cannot close the time of a closed MCP connection'),
      );
  }

  get inFlight(): number {
    return this.inflight;
  }

  /**
   * `atCommit`: for fragd's own calls that acknowledge nothing to anyone (the spool
   * watcher's passes): settled at the commit, not when the disk confirms it.
   */
  async invoke(name: MethodName, raw: unknown, conn: Connection, { atCommit = false } = {}): Promise<unknown> {
    const started = performance.now();
    this.inflight++;
    try {
      const spec = methods[name];
      if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
        throw new FragError(
          ErrorCode.InvalidParams,
          `${name} takes named params (a JSON object), not ${Array.isArray(raw) ? 'an array' : typeof raw}`,
          {
            method: name,
          },
        );
      }
      const parsed = spec.params.safeParse(raw ?? {});
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
        throw new FragError(
          ErrorCode.InvalidParams,
          `invalid params for ${name}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
          { method: name, issues, hint: `see the ${name} entry in docs/protocol.md` },
        );
      }
      const source = (parsed.data as { source?: Source } | undefined)?.source ?? 'cli';
      const handler = handlers[name] as Handler<MethodName>;
      const prepare = preparers[name] as ((app: App, params: unknown) => Promise<Prepared<unknown> | void>) | undefined;
      const prepared = prepare ? await prepare(this.deps.app, parsed.data) : undefined;
      const settle = typeof prepared === 'function' ? prepared : prepared?.settle;
      const params = prepared && typeof prepared === 'object' ? prepared.params : parsed.data;
      const run = () => {
        const call = newCall(this.deps.app, source);
        return {
          // An undoable call is one undo step: its changes are logged in its own savepoint.
          value: withIdleResume(
            inStep(call, name, params, () => handler(call, params as never, conn, this.deps.facts)),
            call.events,
          ),
          events: call.events,
        };
      };
      if (spec.mutates && !name.startsWith('debug.')) this.deps.beforeWrite?.();
      let outcome: { value: unknown; events: DaemonEvent[] };
      try {
        outcome = spec.mutates ? await this.queue.submit(run, { keepsMemo: KEEPS_MEMO.has(name), atCommit }) : run();
      } catch (err) {
        settle?.(false);
        throw err;
      }
      settle?.(true);
      const { value, events } = outcome;
      if (events.length) this.deps.publish(events);
      if (source === 'mcp') noteMcpCall(conn, parsed.data, this.deps.app.clock.now());
      // Checked first: the log record would otherwise be built for every call at any level.
      if (this.deps.log.isLevelEnabled('debug'))
        this.deps.log.debug({ method: name, ms: +(performance.now() - started).toFixed(2), conn: conn.id }, 'call');
      return value;
    } catch (err) {
      const rpc = toRpcError(err, name, this.deps.storage);
      // An agent over MCP has no shell: the hint names its tools (as its instructions do).
      if ((raw as { source?: unknown } | undefined)?.source === 'mcp') forMcp(rpc);
      const level =
        rpc.code === ErrorCode.InternalError || rpc.code === ErrorCode.StorageUnavailable ? 'error' : 'debug';
      // The error path never throws: a log line that cannot be written must not replace
      // the answer (on a full disk it once turned every refusal into an internal error).
      try {
        this.deps.log[level](
          { method: name, code: rpc.code, err: level === 'error' ? err : undefined, msg: rpc.message, conn: conn.id },
          'call failed',
        );
      } catch {
        /* the log destination counts what it drops */
      }
      throw rpc;
    } finally {
      this.inflight--;
    }
  }
}

/** Gives an error's hint for an MCP caller (see mcp-hints.ts); a copy, the error's data may be shared. */
function forMcp(rpc: JSONRPCErrorException): void {
  const data = rpc.data as Record<string, unknown> | undefined;
  if (data && typeof data.hint === 'string') rpc.data = { ...data, hint: hintForMcp(data.hint) };
}

/** Remembers, per MCP connection, the session it works in and when it last called. */
function noteMcpCall(conn: Connection, params: unknown, at: number): void {
  const p = (params ?? {}) as { session?: unknown; actor?: unknown };
  const key = typeof p.session === 'string' ? p.session : typeof p.actor === 'string' ? `actor:${p.actor}` : null;
  if (!key) return;
  const calls = (conn.mcpCalls ??= new Map());
  // Bounded whatever a client sends: an MCP server works in one session, so the oldest of
  // many keys is not one it is still using.
  calls.delete(key);
  calls.set(key, at);
  if (calls.size > MAX_MCP_SESSIONS) calls.delete(calls.keys().next().value);
}

/**
 * Writes that change nothing a memoized answer reads (app/batch-memo.ts): a logged activity
 * adds its row and the session's counters, never the stack, the task's gates, its time, its
 * budget or anyone's messages. A new method joins only when that holds for it too.
 */
const KEEPS_MEMO: ReadonlySet<MethodName> = new Set(['activity.log']);

/** Sessions remembered per MCP connection (its own, plus what a confused client named). */
const MAX_MCP_SESSIONS = 16;
