// The Unix-socket transport: framing, connection bookkeeping and event fan-out. It knows
// nothing of methods; every frame goes to the dispatcher's JSON-RPC server.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { ErrorCode } from '../../shared/errors.js';
import { encodeFrame, LineDecoder, MAX_FRAME_BYTES } from '../../shared/framing.js';
import type { DaemonEvent } from '../../shared/protocol/views.js';
import type { Dispatcher } from '../rpc/dispatcher.js';
import type { Connection } from '../rpc/handlers.js';

/** A subscriber that stops reading is dropped before its backlog grows past this. */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;

interface Peer {
  conn: Connection;
  socket: Socket;
}

export class SocketServer {
  readonly server: Server;
  private peers = new Map<number, Peer>();
  private nextId = 1;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly log: Logger,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  get connections(): number {
    return this.peers.size;
  }

  private accept(socket: Socket): void {
    const conn: Connection = { id: this.nextId++, subscribed: false, sessionFilter: null };
    const peer = { conn, socket };
    this.peers.set(conn.id, peer);
    const decoder = new LineDecoder(MAX_FRAME_BYTES);
    socket.on('data', (chunk: Buffer) => {
      for (const ev of decoder.push(chunk)) {
        if (ev.kind === 'oversize') {
          this.send(peer, {
            jsonrpc: '2.0',
            id: null,
            error: {
              code: ErrorCode.FrameTooLarge,
              message: `frame of more than ${MAX_FRAME_BYTES} bytes refused; the connection is closed. Send smaller requests (one JSON text per line)`,
              data: { error: 'frame_too_large', limit_bytes: MAX_FRAME_BYTES },
            },
          });
          socket.end();
          return;
        }
        this.handleFrame(peer, ev.text);
      }
    });
    socket.on('error', (err) => this.log.debug({ conn: conn.id, err: err.message }, 'connection error'));
    socket.on('close', () => {
      this.peers.delete(conn.id);
      this.dispatcher.connectionClosed(conn);
      if (decoder.buffered) this.log.debug({ conn: conn.id, bytes: decoder.buffered }, 'peer hung up mid-frame');
    });
  }

  private handleFrame(peer: Peer, text: string): void {
    this.dispatcher.receiveText(text, peer.conn).then(
      (response) => {
        if (response !== null && !(Array.isArray(response) && response.length === 0)) this.send(peer, response);
      },
      (err) => this.log.error({ err }, 'unexpected failure answering a frame'),
    );
  }

  private send(peer: Peer, message: unknown): void {
    const { socket } = peer;
    if (!socket.writable) return;
    // Answers that become ready together (a group commit settles many calls at once) leave
    // in one write instead of one syscall each.
    if (socket.writableCorked === 0) {
      socket.cork();
      process.nextTick(() => socket.uncork());
    }
    socket.write(encodeFrame(message));
  }

  publish(events: DaemonEvent[]): void {
    for (const peer of this.peers.values()) {
      const { conn, socket } = peer;
      if (!conn.subscribed) continue;
      if (socket.writableLength > MAX_BACKLOG_BYTES) {
        this.log.warn({ conn: conn.id }, 'subscriber is not reading; dropping it');
        socket.destroy();
        continue;
      }
      for (const event of events) {
        if (conn.sessionFilter && event.session !== conn.sessionFilter) continue;
        this.send(peer, { jsonrpc: '2.0', method: 'event', params: event });
      }
    }
  }

  closeAll(): void {
    for (const { socket } of this.peers.values()) socket.end();
  }
}
