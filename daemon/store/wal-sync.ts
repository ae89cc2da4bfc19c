// The disk wait of a commit, off the event loop. SQLite runs with synchronous = NORMAL: in
// WAL mode a commit writes its frames to the log without fsync (a checkpoint still syncs
// both files, so the database stays consistent whatever happens). fragd then fdatasyncs the
// log itself on libuv's thread pool and acknowledges what the commit held only once that
// returned: an acknowledged write is as durable as with synchronous = FULL, and while the
// disk works the event loop serves other calls (issue 22: a backlog's commits no longer
// hold every reader behind an fsync).
//
// Barriers coalesce: every barrier asked for while one fdatasync runs is answered by the
// next one, which starts when the running one returns (group commit across batches).
import { closeSync, fdatasync, fstat, openSync } from 'node:fs';
import { promisify } from 'node:util';

const fdatasyncAsync = promisify(fdatasync);
const fstatAsync = promisify(fstat);

interface Waiters {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function waiters(): Waiters {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class WalSync {
  private fd: number | null = null;
  private running: Waiters | null = null;
  private next: Waiters | null = null;
  /** fdatasyncs run since start, and barriers answered (barriers / syncs is the sharing). */
  readonly stats = { syncs: 0, barriers: 0 };

  constructor(private readonly walPath: string) {}

  /**
   * Resolves once everything committed before this call is on the disk. Call it after the
   * commit: a barrier asked for inside a transaction does not cover that transaction.
   */
  barrier(): Promise<void> {
    this.stats.barriers++;
    if (!this.running) {
      this.running = waiters();
      this.start(this.running);
      return this.running.promise;
    }
    // The running fdatasync may have started before this commit's frames were written.
    this.next ??= waiters();
    return this.next.promise;
  }

  private start(w: Waiters): void {
    this.sync().then(
      () => this.done(w, null),
      (err: unknown) => this.done(w, err),
    );
  }

  private done(w: Waiters, err: unknown): void {
    if (err) w.reject(err);
    else w.resolve();
    this.running = this.next;
    this.next = null;
    if (this.running) this.start(this.running);
  }

  private async sync(): Promise<void> {
    const fd = await this.walFd();
    if (fd === null) return; // no log yet: nothing was committed through it
    await fdatasyncAsync(fd);
    this.stats.syncs++;
  }

  /**
   * The log's descriptor, opened again if the file was removed (SQLite deletes it when the
   * last connection closes) or replaced: an fdatasync of a removed file would sync nothing
   * anyone reads.
   */
  private async walFd(): Promise<number | null> {
    if (this.fd !== null) {
      const st = await fstatAsync(this.fd);
      if (st.nlink > 0) return this.fd;
      this.close();
    }
    try {
      this.fd = openSync(this.walPath, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return this.fd;
  }

  close(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    this.fd = null;
  }
}
