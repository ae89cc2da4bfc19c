// Checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit that
// crosses its threshold: it copies the log into the database and syncs both, tens of ms
// on the daemon's one thread while every other call waits (issue 22). The daemon turns it
// off on its connection, and a worker thread with a connection of its own runs a PASSIVE
// checkpoint (which never blocks the writer) when the log has been quiet for a second, or
// every ten seconds while writes go on, so the log stays bounded in a long burst.
//
// The worker costs about 10 MB while it lives, so it lives only while there is writing: the
// first write after a quiet spell starts it, and it ends itself once the log has been
// checkpointed and quiet for `idleExitMs` (an idle daemon keeps its usual footprint).
//
// The worker's code is a string (eval) on purpose: it runs the same from the bundle and
// from the TypeScript sources the tests import, with better-sqlite3 resolved here.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  /** How often the worker looks at the log (ms). */
  pollMs?: number;
  /** A log unchanged this long is checkpointed (ms). */
  quietMs?: number;
  /** While writes go on, a checkpoint at least this often (ms). */
  busyMs?: number;
  /** Quiet this long after its last checkpoint, the worker ends (ms). */
  idleExitMs?: number;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { fstatSync, openSync, closeSync } = require('node:fs');
const Database = require(workerData.sqlite);
let db;
try {
  db = new Database(workerData.db, { fileMustExist: true });
} catch (err) {
  parentPort.postMessage({ fatal: String((err && err.message) || err) });
  process.exit(1);
}
db.pragma('busy_timeout = 1000');
// NORMAL: the checkpoint syncs the log before it copies and the database after.
db.pragma('synchronous = NORMAL');
// A checkpoint reads log frames and writes pages: it needs no cache of its own to speak of.
db.pragma('cache_size = -256');
let fd = null, lastMtime = 0, changedAt = 0, dirty = false, lastCheckpoint = Date.now();
const mtime = () => {
  try {
    if (fd === null) fd = openSync(workerData.wal, 'r');
    const st = fstatSync(fd);
    if (st.nlink === 0) { closeSync(fd); fd = null; return lastMtime; }
    return st.mtimeMs;
  } catch { return lastMtime; }
};
const checkpoint = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ checkpointed: r.checkpointed, log: r.log, busy: r.busy });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
  lastCheckpoint = Date.now();
  dirty = false;
};
const end = () => {
  clearInterval(timer);
  if (fd !== null) closeSync(fd);
  db.close();
};
// Started because something was written: the first look checkpoints it once quiet.
dirty = true; changedAt = Date.now();
const timer = setInterval(() => {
  const now = Date.now();
  const m = mtime();
  if (m !== lastMtime) { lastMtime = m; changedAt = now; dirty = true; }
  if (dirty) {
    if (now - changedAt >= workerData.quietMs || now - lastCheckpoint >= workerData.busyMs) checkpoint();
  } else if (now - Math.max(lastCheckpoint, changedAt) >= workerData.idleExitMs) {
    parentPort.postMessage({ exiting: true });
    end();
    parentPort.close();
  }
}, workerData.pollMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  end();
  parentPort.postMessage({ stopped: true });
});
`;

export interface CheckpointReport {
  checkpointed?: number;
  log?: number;
  busy?: number;
  error?: string;
  stopped?: boolean;
  exiting?: boolean;
  /** The worker cannot work at all (its connection did not open). */
  fatal?: string;
}

export class Checkpointer {
  private worker: Worker | null = null;
  /** The worker said it ends: a write noted meanwhile starts the next one when it has. */
  private exiting = false;
  private restart = false;
  private stopped = false;
  private failed = false;
  private readonly data: Record<string, unknown>;
  /** Checkpoints run, the last one's figures, workers started (for daemon.status and the tests). */
  readonly stats = { checkpoints: 0, last: null as CheckpointReport | null, errors: 0, workers: 0 };

  constructor(
    dbPath: string,
    /** A checkpoint failed (the next one retries). */
    private readonly onError: (message: string) => void,
    /**
     * The worker itself failed (it could not start, or died): no more workers; the daemon
     * gives the checkpoints back to SQLite, or the log would grow without end.
     */
    private readonly onWorkerFailed: (message: string) => void,
    opts: CheckpointerOptions = {},
  ) {
    this.data = {
      sqlite: createRequire(import.meta.url).resolve('better-sqlite3'),
      db: dbPath,
      wal: `${dbPath}-wal`,
      pollMs: opts.pollMs ?? 250,
      quietMs: opts.quietMs ?? 1000,
      busyMs: opts.busyMs ?? 10_000,
      idleExitMs: opts.idleExitMs ?? 30_000,
    };
  }

  get running(): boolean {
    return this.worker !== null;
  }

  /** Something was committed: the log will need a checkpoint. Cheap when the worker runs. */
  noteWrite(): void {
    if (this.stopped || this.failed) return;
    if (!this.worker) this.spawn();
    else if (this.exiting) this.restart = true;
  }

  private spawn(): void {
    const worker = new Worker(WORKER, { eval: true, workerData: this.data });
    this.worker = worker;
    this.exiting = false;
    this.restart = false;
    this.stats.workers++;
    // The daemon's exit is not held by the worker (stop() ends it cleanly).
    worker.unref();
    worker.on('message', (m: CheckpointReport) => {
      if (m.stopped) return;
      if (m.fatal !== undefined) {
        this.fail(m.fatal);
        return;
      }
      if (m.exiting) {
        this.exiting = true;
        return;
      }
      if (m.error) {
        this.stats.errors++;
        this.onError(m.error);
        return;
      }
      this.stats.checkpoints++;
      this.stats.last = m;
    });
    // What a worker throws arrives serialised: not always an Error with its message.
    worker.on('error', (err) => this.fail((err as Partial<Error> | undefined)?.message ?? JSON.stringify(err)));
    worker.once('exit', () => {
      if (this.worker !== worker) return;
      this.worker = null;
      if (this.restart && !this.stopped && !this.failed) this.spawn();
    });
  }

  private fail(message: string): void {
    if (this.failed || this.stopped) return;
    this.failed = true;
    this.onWorkerFailed(message);
  }

  /** Closes the worker's connection before the daemon's own (the last one checkpoints all). */
  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (!worker) return;
    const stopped = new Promise<void>((resolve) => {
      worker.on('message', (m: CheckpointReport) => m.stopped && resolve());
      worker.once('exit', () => resolve());
      worker.once('error', () => resolve());
    });
    worker.postMessage('stop');
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 2000).unref())]);
    await worker.terminate();
    this.worker = null;
  }
}
