// A typed JSON-RPC client over the daemon's Unix socket: calls, batches of pipelined
// calls, and `event` notifications. Imports only types from the protocol table, so it
// carries no schema code.
import { connect, type Socket } from 'node:net';
import { JSONRPCClient, type JSONRPCResponse } from 'json-rpc-2.0';
import { encodeFrame, LineDecoder } from '../../shared/framing.js';
import { errorNameByCode, type ErrorData } from '../../shared/errors.js';
import { checkSocketPlace } from '../../shared/safety/owned-dir.js';
import type { MethodName, ParamsOf, ResultOf } from '../../shared/protocol/methods.js';
import type { DaemonEvent } from '../../shared/protocol/views.js';

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

  private constructor(private readonly socket: Socket) {
    this.rpc = new JSONRPCClient((request) => {
      if (this.closed)
        throw new RpcError('the connection to fragd is closed', DISCONNECTED, { error: 'internal_error' });
      socket.write(encodeFrame(request));
    });
    const decoder = new LineDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const ev of decoder.push(chunk)) {
        if (ev.kind !== 'frame') continue;
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
  static open(path: string, timeoutMs = 2000): Promise<RpcConnection> {
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
        resolve(new RpcConnection(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  private dispatch(m: { method?: string; params?: unknown; id?: unknown }): void {
    if (m && m.method === 'event') {
      for (const l of this.listeners) l(m.params as DaemonEvent);
    } else if (m && 'id' in m) {
      this.rpc.receive(m as JSONRPCResponse);
    }
  }

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
    try {
      response = await this.rpc.requestAdvanced({ jsonrpc: '2.0', id: nextId(), method, params: params[0] });
    } catch (err) {
      if (err instanceof RpcError) throw err;
      throw new RpcError(`lost the connection to fragd during ${method}: ${(err as Error).message}`, DISCONNECTED, {
        error: 'internal_error',
        hint: 'retry; fragctl daemon status tells whether the daemon runs',
      });
    }
    if (response.error) {
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
