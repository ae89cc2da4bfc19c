// Newline-delimited JSON framing shared by the daemon and every socket client.
// One JSON text per line, UTF-8; a frame over the limit is refused rather than buffered
// without bound.

export const MAX_FRAME_BYTES = 1024 * 1024;

export type FrameEvent = { kind: 'frame'; text: string } | { kind: 'oversize'; bytes: number };

export class LineDecoder {
  private chunks: Buffer[] = [];
  private pending = 0;
  private discarding = false;

  constructor(private readonly maxBytes = MAX_FRAME_BYTES) {}

  /** Feeds bytes and returns the complete frames they finish. */
  push(data: Buffer): FrameEvent[] {
    const out: FrameEvent[] = [];
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start);
      if (nl === -1) break;
      const piece = data.subarray(start, nl);
      if (this.discarding) {
        this.discarding = false;
      } else if (this.pending + piece.length > this.maxBytes) {
        out.push({ kind: 'oversize', bytes: this.pending + piece.length });
      } else {
        const text = (this.pending ? Buffer.concat([...this.chunks, piece]) : piece).toString('utf8');
        if (text.trim() !== '') out.push({ kind: 'frame', text: text.endsWith('\r') ? text.slice(0, -1) : text });
      }
      this.chunks = [];
      this.pending = 0;
      start = nl + 1;
    }
    const rest = data.subarray(start);
    if (rest.length && !this.discarding) {
      if (this.pending + rest.length > this.maxBytes) {
        out.push({ kind: 'oversize', bytes: this.pending + rest.length });
        this.chunks = [];
        this.pending = 0;
        this.discarding = true;
      } else {
        this.chunks.push(Buffer.from(rest));
        this.pending += rest.length;
      }
    }
    return out;
  }

  /** Bytes of an unfinished frame, e.g. when a peer hangs up mid-frame. */
  get buffered(): number {
    return this.pending;
  }
}

export function encodeFrame(message: unknown): string {
  return JSON.stringify(message) + '\n';
}
