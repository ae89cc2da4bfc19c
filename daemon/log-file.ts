// The daemon's log file: synchronous writes (the line before a crash is on disk), a size
// cap with a few rotated files (fragd.log → fragd.log.1 → …), and writes that never throw.
//
// Why not pino.destination or pino-roll: pino.destination({ sync: true }) throws ENOSPC out
// of the logging call, which turned every error answer on a full disk into an internal
// error (the error path's own log line threw). pino-roll rotates, but it is asynchronous
// (SonicBoom): lines still buffered at a crash are lost, and a write error is an 'error'
// event that stops the stream. What fragd needs is small: append synchronously, rotate by
// size, and when the disk refuses a line, drop it and count it, and write again once there
// is room.
import { closeSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export interface LogLimits {
  /** Rotate when the current file would grow past this many bytes. */
  max_bytes: number;
  /** Rotated files kept beside the current one (fragd.log.1 … fragd.log.N). */
  files: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { max_bytes: 10 * 1024 * 1024, files: 3 };

export interface LogFileStats {
  path: string;
  max_bytes: number;
  files: number;
  /** Lines that could not be written (disk full, read-only) since fragd started. */
  dropped_lines: number;
  last_error?: string;
}

export class LogFile {
  private fd: number | null = null;
  private size = 0;
  private dropped = 0;
  private lastError: string | undefined;

  constructor(
    readonly path: string,
    private limits: LogLimits = DEFAULT_LOG_LIMITS,
  ) {}

  /** Opens the file now, so that a log fragd can never write is reported at start. */
  open(): void {
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  setLimits(limits: LogLimits): void {
    this.limits = limits;
  }

  /** pino's destination interface. Never throws. */
  write(line: string): void {
    try {
      if (this.fd === null) this.open();
      const bytes = Buffer.from(line, 'utf8');
      if (this.size > 0 && this.size + bytes.length > this.limits.max_bytes) this.rotate();
      let off = 0;
      while (off < bytes.length) off += writeSync(this.fd!, bytes, off);
      this.size += bytes.length;
    } catch (err) {
      this.dropped++;
      this.lastError = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    }
  }

  private rotate(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    const { files } = this.limits;
    if (files < 1) rmSync(this.path, { force: true });
    for (let i = files; i >= 1; i--) {
      const from = i === 1 ? this.path : `${this.path}.${i - 1}`;
      try {
        renameSync(from, `${this.path}.${i}`);
      } catch {
        /* not there yet */
      }
    }
    this.open();
  }

  stats(): LogFileStats {
    return {
      path: this.path,
      max_bytes: this.limits.max_bytes,
      files: this.limits.files,
      dropped_lines: this.dropped,
      ...(this.lastError ? { last_error: this.lastError } : {}),
    };
  }
}
