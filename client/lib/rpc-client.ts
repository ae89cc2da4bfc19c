// A typed JSON-RPC client over the daemon's Unix socket: calls, batches of pipelined
// calls, and `event` notifications. Imports only types from the protocol table, so it
// carries no schema code.
import { connect, type Socket } from 'node:net';
import { createJSONRPCErrorResponse, JSONRPCClient, type JSONRPCResponse } from 'json-rpc-2.0';
import { encodeFrame, LineDecoder, MAX_FRAME_BYTES } from '../../shared/framing.js';
import { ErrorCode, errorNameByCode, type ErrorData } from '../../shared/errors.js';
import { DEFAULT_CALL_TIMEOUT_MS } from '../../shared/limits.js';
import { checkSocketPlace } from '../../shared/safety/owned-dir.js';
import type { MethodName, ParamsOf, ResultOf } from '../../shared/protocol/methods.js';
import type { DaemonEvent } from '../../shared/protocol/events.js';
import { fragctl } from '../../shared/command.js';

/** An error answer from the daemon (or a transport failure, with a code of our own). */
export class RpcError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly data: ErrorData,
  ) {
    super(message);
  }
}

export const DISCONNECTED = -32099;
/** No answer came within the call timeout (a code of the client's own, like DISCONNECTED). */
export const CALL_TIMEOUT = -32098;

/**
 * How long a call waits for its answer: the option, else FRAGMENTS_CALL_TIMEOUT_MS, else 30 s;
 * 0 waits for ever. Waiting for events is not a call and has no timeout.
 */
export function callTimeoutMs(option?: number, env: NodeJS.ProcessEnv = process.env): number {
  if (option !== undefined) return option;
  const fromEnv = Number(env.FRAGMENTS_CALL_TIMEOUT_MS);
  return env.FRAGMENTS_CALL_TIMEOUT_MS !== undefined && Number.isFinite(fromEnv) && fromEnv >= 0
    ? fromEnv
    : DEFAULT_CALL_TIMEOUT_MS;
}

/**
 * The socket (or its directory) is not this user's own: whoever listens there could be
 * another user impersonating fragd, so nothing is sent and no daemon is started there.
 */
export class UnsafeSocket extends Error {
  readonly code = 'unsafe_socket';
  constructor(reason: string, refusal = 'refusing to talk to fragd') {
    super(`${refusal}: ${reason}`);
  }
}

export class RpcConnection {
  private readonly rpc: JSONRPCClient;
  private readonly listeners = new Set<(e: DaemonEvent) => void>();
  private closedListeners = new Set<(err?: Error) => void>();
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    this.rpc = new JSONRPCClient((request) => {
      if (this.closed)
        throw (
          this.failure ?? new RpcError('the connection to fragd is closed', DISCONNECTED, { error: 'internal_error' })
        );
      let text: string;
      try {
        text = encodeFrame(request);
      } catch (err) {
        // JSON.stringify recurses: params nested some thousands of levels deep overflow the stack.
        // (The library turns a throw here into an error answer of code 0; call() finds this one.)
        const id = (request as { id?: number }).id;
        const failure = new RpcError(
          `cannot send ${(request as { method?: string }).method}: its params cannot be serialized (${(err as Error).message}); free-form data may nest at most 32 levels`,
          ErrorCode.InvalidParams,
          { error: 'invalid_params' },
        );
        if (typeof id === 'number') this.unsendable.set(id, failure);
        throw failure;
      }
      socket.write(text);
    });
    const decoder = new LineDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const ev of decoder.push(chunk)) {
        if (ev.kind === 'oversize') {
          this.failAll(
            new RpcError(
              `fragd sent an answer larger than ${MAX_FRAME_BYTES} bytes, more than this client reads; the connection is closed. Ask for less (a smaller limit, or page with cursor)`,
              ErrorCode.FrameTooLarge,
              { error: 'frame_too_large', limit_bytes: MAX_FRAME_BYTES, answer_bytes_at_least: ev.bytes },
            ),
          );
          return;
        }
        let msg: unknown;
        try {
          msg = JSON.parse(ev.text);
        } catch {
          continue;
        }
        for (const m of (Array.isArray(msg) ? msg : [msg]) as unknown[])
          this.dispatch(m as Parameters<typeof this.dispatch>[0]);
      }
    });
    socket.on('close', () => this.onClose());
    socket.on('error', () => this.onClose());
  }

  /** Connects after checking that the socket and its directory are this user's own (else UnsafeSocket). */
  static open(path: string, timeoutMs = 2000, callTimeout = callTimeoutMs()): Promise<RpcConnection> {
    return new Promise((resolve, reject) => {
      const place = checkSocketPlace(path);
      if (!place.ok) return reject(new UnsafeSocket(place.reason));
      const socket = connect(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`timed out connecting to ${path}`), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RpcConnection(socket, callTimeout));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  private dispatch(m: { method?: string; params?: unknown; id?: unknown; error?: unknown }): void {
    // An error answering no request (id null) is fragd refusing the connection itself (too
    // many connections, a frame it could not read): its reason, not "the connection closed",
    // is what every pending and later call reports.
    if (m && m.id === null && m.error && typeof m.error === 'object') {
      const e = m.error as { code?: unknown; message?: unknown; data?: unknown };
      const code = typeof e.code === 'number' ? e.code : DISCONNECTED;
      this.failAll(
        new RpcError(
          typeof e.message === 'string' ? e.message : 'fragd refused the connection',
          code,
          (e.data as ErrorData | undefined) ?? { error: errorNameByCode[code] ?? 'internal_error' },
        ),
      );
      return;
    }
    if (m && m.method === 'event') {
      for (const l of this.listeners) l(m.params as DaemonEvent);
    } else if (m && 'id' in m) {
      this.rpc.receive(m as JSONRPCResponse);
    }
  }

  /** Fails every pending call with this error and closes the connection. */
  private failAll(err: RpcError): void {
    this.failure = err;
    this.socket.destroy();
    this.onClose();
  }

  private failure: RpcError | null = null;
  /** Requests that could not be serialized, by id. */
  private readonly unsendable = new Map<number, RpcError>();

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.rpc.rejectAllPendingRequests('the connection to fragd closed');
    for (const l of this.closedListeners) l();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async call<M extends MethodName>(
    method: M,
    ...params: undefined extends ParamsOf<M> ? [ParamsOf<M>?] : [ParamsOf<M>]
  ): Promise<ResultOf<M>> {
    let response: JSONRPCResponse;
    const requester =
      this.timeoutMs > 0
        ? this.rpc.timeout(this.timeoutMs, (id) =>
            createJSONRPCErrorResponse(
              id,
              CALL_TIMEOUT,
              `no answer from fragd to ${method} within ${this.timeoutMs / 1000}s; the daemon may be overloaded or stuck (fragctl daemon status, fragctl daemon logs); FRAGMENTS_CALL_TIMEOUT_MS sets the wait`,
              { error: 'timeout', timeout_ms: this.timeoutMs, method },
            ),
          )
        : this.rpc;
    try {
      response = await requester.requestAdvanced({ jsonrpc: '2.0', id: nextId(), method, params: params[0] });
    } catch (err) {
      if (err instanceof RpcError) throw err;
      if (this.failure) throw this.failure;
      throw new RpcError(`lost the connection to fragd during ${method}: ${(err as Error).message}`, DISCONNECTED, {
        error: 'internal_error',
        hint: `retry; ${fragctl('daemon', 'status')} tells whether the daemon runs`,
      });
    }
    if (response.error) {
      const unsendable = this.unsendable.get(response.id as number);
      if (unsendable) {
        this.unsendable.delete(response.id as number);
        throw unsendable;
      }
      if (this.failure) throw this.failure;
      const { code, message } = response.error;
      const data = response.error.data as ErrorData | undefined;
      throw new RpcError(message, code, data ?? { error: errorNameByCode[code] ?? 'internal_error' });
    }
    return response.result as ResultOf<M>;
  }

  onEvent(listener: (e: DaemonEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onClosed(listener: () => void): void {
    this.closedListeners.add(listener);
  }

  close(): void {
    this.socket.end();
    this.onClose();
  }
}

let counter = 0;
const nextId = () => ++counter;
