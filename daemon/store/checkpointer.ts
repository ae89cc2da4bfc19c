// Checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit that
// crosses its threshold: it copies the log into the database and syncs both, tens of ms
// on the daemon's one thread while every other call waits (issue 22). The daemon turns it
// off on its connection, and a worker thread with a connection of its own runs a PASSIVE
// checkpoint (which never blocks the writer) when the log has been quiet for a second, or
// every ten seconds while writes go on, so the log stays bounded in a long burst.
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
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { fstatSync, openSync, closeSync } = require('node:fs');
const Database = require(workerData.sqlite);
const db = new Database(workerData.db, { fileMustExist: true });
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
const timer = setInterval(() => {
  const now = Date.now();
  const m = mtime();
  if (m !== lastMtime) { lastMtime = m; changedAt = now; dirty = true; }
  if (!dirty) return;
  if (now - changedAt >= workerData.quietMs || now - lastCheckpoint >= workerData.busyMs) checkpoint();
}, workerData.pollMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  if (fd !== null) closeSync(fd);
  db.close();
  parentPort.postMessage({ stopped: true });
});
`;

export interface CheckpointReport {
  checkpointed?: number;
  log?: number;
  busy?: number;
  error?: string;
  stopped?: boolean;
}

export class Checkpointer {
  private readonly worker: Worker;
  /** Checkpoints run and the last one's figures (for daemon.status and the tests). */
  readonly stats = { checkpoints: 0, last: null as CheckpointReport | null, errors: 0 };

  constructor(
    dbPath: string,
    private readonly onError: (message: string) => void,
    opts: CheckpointerOptions = {},
  ) {
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: {
        sqlite,
        db: dbPath,
        wal: `${dbPath}-wal`,
        pollMs: opts.pollMs ?? 250,
        quietMs: opts.quietMs ?? 1000,
        busyMs: opts.busyMs ?? 10_000,
      },
    });
    // The daemon's exit is not held by the worker (stop() ends it cleanly).
    this.worker.unref();
    this.worker.on('message', (m: CheckpointReport) => {
      if (m.stopped) return;
      if (m.error) {
        this.stats.errors++;
        this.onError(m.error);
        return;
      }
      this.stats.checkpoints++;
      this.stats.last = m;
    });
    this.worker.on('error', (err) => this.onError(err.message));
  }

  /** Closes the worker's connection before the daemon's own (the last one checkpoints all). */
  async stop(): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      this.worker.on('message', (m: CheckpointReport) => m.stopped && resolve());
      this.worker.once('exit', () => resolve());
      this.worker.once('error', () => resolve());
    });
    this.worker.postMessage('stop');
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.worker.terminate();
  }
}
