// The Unix-socket transport: framing, connection bookkeeping and event fan-out. It knows
// nothing of methods; every frame goes to the frame answerer (daemon/rpc/frames.ts).
//
// Memory stays bounded whatever a peer does (docs/limits.md):
// - backpressure: a connection is not read while its unsent answers exceed
//   CONNECTION_BACKLOG_BYTES or MAX_CALLS_IN_FLIGHT of its calls are under way; frames
//   already read wait in its queue (at most one socket read's worth), and a frame that only
//   reads is answered before the next one starts, so its answer is counted before the next;
// - unfinished frames: each connection holds PARTIAL_FRAME_ALLOWANCE_BYTES for free, more
//   draws on one shared budget, and a frame left unfinished for half_frame_seconds closes
//   the connection;
// - slow subscribers: all their unsent events together stay under SUBSCRIBER_BUDGET_BYTES,
//   the slowest is dropped (a final `subscription.dropped` event, then the connection closes);
// - connections: at most max_connections, the next ones get an error and are closed; one
//   that sends no whole frame within silent_connection_seconds of connecting is closed (the
//   socket's directory is 0700, so these are the user's own: docs/security.md).
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { ErrorCode } from '../../shared/errors.js';
import { encodeFrame, LineDecoder, MAX_FRAME_BYTES } from '../../shared/framing.js';
import {
  CONNECTION_BACKLOG_BYTES,
  HALF_FRAME_SECONDS,
  MAX_CALLS_IN_FLIGHT,
  MAX_SOCKET_CONNECTIONS,
  SILENT_CONNECTION_SECONDS,
  PARTIAL_FRAME_ALLOWANCE_BYTES,
  PARTIAL_FRAME_BUDGET_BYTES,
  SUBSCRIBER_BUDGET_BYTES,
} from '../../shared/limits.js';
import type { DaemonEvent } from '../../shared/protocol/events.js';
import { errorText, type FrameAnswerer } from '../rpc/frames.js';
import type { Connection } from '../rpc/handler-types.js';

export interface SocketLimits {
  halfFrameSeconds: number;
  maxConnections: number;
  silentConnectionSeconds: number;
  subscriberBudgetBytes: number;
}

export const defaultSocketLimits: SocketLimits = {
  halfFrameSeconds: HALF_FRAME_SECONDS,
  maxConnections: MAX_SOCKET_CONNECTIONS,
  silentConnectionSeconds: SILENT_CONNECTION_SECONDS,
  subscriberBudgetBytes: SUBSCRIBER_BUDGET_BYTES,
};

interface Peer {
  conn: Connection;
  socket: Socket;
  decoder: LineDecoder;
  /** Frames read but not started (backpressure holds them). */
  queue: string[];
  /** Calls started and not yet answered. */
  inFlight: number;
  pumping: boolean;
  /** Bytes of this peer's unfinished frame drawn on the shared budget. */
  drawn: number;
  halfFrameTimer: NodeJS.Timeout | null;
  /** Until the first whole frame: a connection that never speaks is closed. */
  silentTimer: NodeJS.Timeout | null;
  closing: boolean;
}

export class SocketServer {
  readonly server: Server;
  private peers = new Map<number, Peer>();
  private nextId = 1;
  private partialDrawn = 0;

  constructor(
    private readonly frames: FrameAnswerer,
    private readonly log: Logger,
    private readonly limits: SocketLimits = defaultSocketLimits,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  get connections(): number {
    return this.peers.size;
  }

  private accept(socket: Socket): void {
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'connection error'));
    if (this.peers.size >= this.limits.maxConnections) {
      this.log.warn({ limit: this.limits.maxConnections }, 'connection refused: too many connections');
      socket.end(
        errorText(
          'null',
          ErrorCode.InvalidState,
          `fragd serves at most ${this.limits.maxConnections} connections at once; this one is closed. Close idle clients and retry`,
          { reason: 'too_many_connections', limit: this.limits.maxConnections },
        ) + '\n',
      );
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    const conn: Connection = { id: this.nextId++, subscribed: false, sessionFilter: null };
    const peer: Peer = {
      conn,
      socket,
      decoder: new LineDecoder(MAX_FRAME_BYTES),
      queue: [],
      inFlight: 0,
      pumping: false,
      drawn: 0,
      halfFrameTimer: null,
      silentTimer: null,
      closing: false,
    };
    const silent = this.limits.silentConnectionSeconds;
    peer.silentTimer = setTimeout(
      () =>
        this.refuse(
          peer,
          ErrorCode.InvalidRequest,
          `no request within ${silent}s of connecting; the connection is closed. Send a request (daemon.hello) right after connecting`,
          { reason: 'silent_connection', limit_seconds: silent },
        ),
      silent * 1000,
    );
    peer.silentTimer.unref();
    this.peers.set(conn.id, peer);
    socket.on('data', (chunk: Buffer) => this.onData(peer, chunk));
    socket.on('drain', () => this.pump(peer));
    socket.on('close', () => {
      this.peers.delete(conn.id);
      this.frames.connectionClosed(conn);
      this.release(peer);
      if (peer.decoder.buffered)
        this.log.debug({ conn: conn.id, bytes: peer.decoder.buffered }, 'peer hung up mid-frame');
    });
  }

  private onData(peer: Peer, chunk: Buffer): void {
    if (peer.closing) return;
    let finished = false;
    for (const ev of peer.decoder.push(chunk)) {
      if (ev.kind === 'oversize') {
        return this.refuse(
          peer,
          ErrorCode.FrameTooLarge,
          `frame of more than ${MAX_FRAME_BYTES} bytes refused; the connection is closed. Send smaller requests (one JSON text per line)`,
          { error: 'frame_too_large', limit_bytes: MAX_FRAME_BYTES },
        );
      }
      peer.queue.push(ev.text);
      finished = true;
    }
    if (finished) {
      this.stopDeadline(peer);
      this.stopSilentTimer(peer);
    }
    if (!this.accountPartial(peer)) return;
    this.pump(peer);
  }

  /**
   * The unfinished frame's bytes against the shared budget, and its deadline (which runs
   * only while the daemon reads: a peer held back by backpressure is not blamed for it).
   * False when the peer was closed.
   */
  private accountPartial(peer: Peer): boolean {
    const buffered = peer.decoder.buffered;
    const drawn = Math.max(0, buffered - PARTIAL_FRAME_ALLOWANCE_BYTES);
    this.partialDrawn += drawn - peer.drawn;
    peer.drawn = drawn;
    if (drawn > 0 && this.partialDrawn > PARTIAL_FRAME_BUDGET_BYTES) {
      this.refuse(
        peer,
        ErrorCode.InvalidState,
        `fragd is receiving too many large frames at once (more than ${PARTIAL_FRAME_BUDGET_BYTES} bytes unfinished); this connection is closed. Retry shortly`,
        { reason: 'partial_frame_budget', limit_bytes: PARTIAL_FRAME_BUDGET_BYTES },
      );
      return false;
    }
    if (buffered === 0) this.stopDeadline(peer);
    else if (!peer.halfFrameTimer && !peer.socket.isPaused()) {
      const seconds = this.limits.halfFrameSeconds;
      peer.halfFrameTimer = setTimeout(
        () =>
          this.refuse(
            peer,
            ErrorCode.InvalidRequest,
            `a frame was left unfinished for ${seconds}s (no newline); the connection is closed. End every request with \\n`,
            { reason: 'half_frame_timeout', limit_seconds: seconds },
          ),
        seconds * 1000,
      );
      peer.halfFrameTimer.unref();
    }
    return true;
  }

  private stopSilentTimer(peer: Peer): void {
    if (peer.silentTimer) clearTimeout(peer.silentTimer);
    peer.silentTimer = null;
  }

  private stopDeadline(peer: Peer): void {
    if (peer.halfFrameTimer) clearTimeout(peer.halfFrameTimer);
    peer.halfFrameTimer = null;
  }

  /** Sends a last error, stops reading and closes; the peer's memory goes at once. */
  private refuse(peer: Peer, code: number, message: string, data: Record<string, unknown>): void {
    if (peer.closing) return;
    this.log.warn({ conn: peer.conn.id, reason: data.reason ?? data.error }, 'closing a connection');
    peer.closing = true;
    peer.queue = [];
    this.release(peer);
    peer.decoder = new LineDecoder(MAX_FRAME_BYTES);
    peer.socket.pause();
    peer.socket.end(errorText('null', code, message, data) + '\n');
    setTimeout(() => peer.socket.destroy(), 2000).unref();
  }

  private release(peer: Peer): void {
    this.partialDrawn -= peer.drawn;
    peer.drawn = 0;
    this.stopDeadline(peer);
    this.stopSilentTimer(peer);
  }

  private busy(peer: Peer): boolean {
    return peer.socket.writableLength > CONNECTION_BACKLOG_BYTES || peer.inFlight >= MAX_CALLS_IN_FLIGHT;
  }

  /**
   * Starts queued frames while the peer is within its bounds. A frame that only reads is
   * answered before the next starts (within this turn of the event loop), so its answer is
   * counted in the backlog before more work is taken; writes are started without waiting,
   * so pipelined writes still share one group commit.
   */
  private pump(peer: Peer): void {
    if (peer.pumping || peer.closing) return;
    peer.pumping = true;
    void (async () => {
      try {
        while (peer.queue.length && !this.busy(peer) && !peer.closing) {
          const work = this.frames.start(peer.queue.shift()!, peer.conn);
          peer.inFlight++;
          const done = work.answer.then(
            (text) => {
              peer.inFlight--;
              if (text !== null) this.send(peer, text);
              if (!peer.pumping) this.pump(peer);
            },
            (err) => {
              peer.inFlight--;
              this.log.error({ err }, 'unexpected failure answering a frame');
            },
          );
          if (!work.writes) await done;
        }
      } finally {
        peer.pumping = false;
      }
      if (peer.closing) return;
      // Reading resumes only when every frame read so far has been started.
      if (peer.queue.length || this.busy(peer)) {
        peer.socket.pause();
        this.stopDeadline(peer);
      } else if (peer.socket.isPaused()) {
        peer.socket.resume();
        this.accountPartial(peer);
      }
    })();
  }

  private send(peer: Peer, text: string): void {
    const { socket } = peer;
    if (!socket.writable) return;
    // Answers that become ready together (a group commit settles many calls at once) leave
    // in one write instead of one syscall each.
    if (socket.writableCorked === 0) {
      socket.cork();
      process.nextTick(() => socket.uncork());
    }
    socket.write(text);
    socket.write('\n');
  }

  publish(events: DaemonEvent[]): void {
    let backlog = 0;
    const subscribers: Peer[] = [];
    // Serialized once: every subscriber's buffer holds the same string, not a copy of its own.
    let texts: string[] | null = null;
    for (const peer of this.peers.values()) {
      if (!peer.conn.subscribed || peer.closing) continue;
      subscribers.push(peer);
      texts ??= events.map((event) => JSON.stringify({ jsonrpc: '2.0', method: 'event', params: event }));
      events.forEach((event, i) => {
        if (peer.conn.sessionFilter && event.session !== peer.conn.sessionFilter) return;
        this.send(peer, texts![i]);
      });
      backlog += peer.socket.writableLength;
    }
    // One budget for all subscribers that do not read: the slowest goes first.
    if (backlog <= this.limits.subscriberBudgetBytes) return;
    subscribers.sort((a, b) => b.socket.writableLength - a.socket.writableLength);
    for (const peer of subscribers) {
      if (backlog <= this.limits.subscriberBudgetBytes) break;
      backlog -= peer.socket.writableLength;
      this.dropSubscriber(peer);
    }
  }

  /** A final notice after its backlog, then the connection closes; destroyed if it never drains. */
  private dropSubscriber(peer: Peer): void {
    const { conn, socket } = peer;
    this.log.warn({ conn: conn.id, unsent_bytes: socket.writableLength }, 'subscriber is not reading; dropping it');
    conn.subscribed = false;
    const notice: DaemonEvent = {
      type: 'subscription.dropped',
      session: conn.sessionFilter,
      at: new Date().toISOString(),
      data: {
        reason: 'slow_subscriber',
        unsent_bytes: socket.writableLength,
        budget_bytes: this.limits.subscriberBudgetBytes,
        hint: 'read events as they come; reconnect and subscribe again (the client library reconnect() does)',
      },
    };
    peer.closing = true;
    peer.queue = [];
    this.release(peer);
    socket.pause();
    socket.end(encodeFrame({ jsonrpc: '2.0', method: 'event', params: notice }));
    // Its backlog is memory the daemon holds for it: a peer that reads gets its last events
    // and the notice within the grace, one that does not is cut off and the memory released.
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  closeAll(): void {
    for (const { socket } of this.peers.values()) socket.end();
  }
}
