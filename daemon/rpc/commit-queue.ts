// Group commit: every write that arrives in one turn of the event loop runs in one
// SQLite transaction, each inside its own savepoint so a failing call rolls back alone.
// A call is acknowledged only after the transaction that holds it has committed and is on
// the disk (`durable`, store/wal-sync.ts), so an acknowledged write survives a crash, and
// fsyncs are shared between concurrent clients. The disk wait is not on the event loop:
// while one batch waits for it, reads are answered and the next batch gathers.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database.js';
import { BatchMemo } from '../app/batch-memo.js';

interface Job<T> {
  run: () => T;
  /** Its writes change nothing a memoized answer reads (see app/batch-memo.ts). */
  keepsMemo: boolean;
  /** Settled at the commit, before the disk confirms it: for fragd's own passes, never for a client's answer. */
  atCommit: boolean;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

export class CommitQueue {
  private jobs: Job<unknown>[] = [];
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  /** Batches committed and waiting for the disk before their calls are answered. */
  private syncing = 0;
  /** Committed transactions and the calls they held since start: calls / batches is the group size. */
  readonly stats = { batches: 0, calls: 0 };

  /** One savepoint per call, with statements prepared once (db.transaction() per call costs ~10% of a write). */
  private readonly savepoint: { begin: Statement; release: Statement; rollback: Statement };

  constructor(
    private readonly db: Db,
    private readonly memo: BatchMemo = new BatchMemo(),
    private readonly durable: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.savepoint = {
      begin: db.prepare('SAVEPOINT fragd_call'),
      release: db.prepare('RELEASE fragd_call'),
      rollback: db.prepare('ROLLBACK TO fragd_call'),
    };
  }

  /** Runs one call inside its own savepoint: a failure rolls back that call alone. */
  private runIsolated(job: Job<unknown>): { ok: true; value: unknown } | { ok: false; error: unknown } {
    const sp = this.savepoint;
    // A job that may change what a memoized answer reads sees no earlier value, and leaves none.
    if (job.keepsMemo) this.memo.enter();
    else this.memo.clear();
    sp.begin.run();
    try {
      const value = job.run();
      sp.release.run();
      return { ok: true, value };
    } catch (error) {
      sp.rollback.run();
      sp.release.run();
      return { ok: false, error };
    } finally {
      if (job.keepsMemo) this.memo.leave();
      else this.memo.clear();
    }
  }

  /**
   * `keepsMemo`: the job's writes change nothing memoized answers read (app/batch-memo.ts).
   * `atCommit`: settle when the batch commits, not when the disk confirms it (a pass of
   * fragd's own that acknowledges nothing to anyone, e.g. the spool watcher's).
   */
  submit<T>(
    run: () => T,
    { keepsMemo = false, atCommit = false }: { keepsMemo?: boolean; atCommit?: boolean } = {},
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ run, keepsMemo, atCommit, resolve, reject } as Job<unknown>);
      this.schedule();
    });
  }

  /**
   * The next batch commits at the next turn, or, while a batch waits for the disk, once it
   * is confirmed: the calls that arrive meanwhile then share one commit and one fdatasync
   * (committing each small batch at once wrote the same hot pages again and again: 50 %
   * more CPU per activity.log, measured), and the event loop stays free meanwhile.
   */
  private schedule(): void {
    if (this.scheduled || this.syncing > 0) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Calls not answered yet: queued, or committed and waiting for the disk. */
  get pending(): number {
    return this.jobs.length + this.syncing;
  }

  /** Resolves once everything submitted so far has been answered (committed and on the disk) or rejected. */
  drained(): Promise<void> {
    if (!this.scheduled && this.jobs.length === 0 && this.syncing === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  flush(): void {
    this.scheduled = false;
    const jobs = this.jobs;
    this.jobs = [];
    if (jobs.length === 0) return this.notifyIdle();
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    // A memo lives within one batch: between batches the clock moves and other writers run.
    this.memo.clear();
    try {
      this.db.transaction(() => {
        for (const job of jobs) outcomes.push(this.runIsolated(job));
      })();
    } catch (error) {
      this.memo.clear();
      // The commit itself failed (disk full, read-only, I/O): nothing of this batch is stored.
      for (const job of jobs) job.reject(error);
      return this.notifyIdle();
    }
    this.memo.clear();
    this.stats.batches++;
    this.stats.calls += jobs.length;
    const settle = (job: Job<unknown>, i: number) => {
      const o = outcomes[i];
      if (o.ok) job.resolve(o.value);
      else job.reject(o.error);
    };
    // A batch whose every call rolled back wrote nothing to wait for.
    const waits = outcomes.some((o) => o.ok);
    jobs.forEach((job, i) => (!waits || job.atCommit) && settle(job, i));
    const later = waits ? jobs.filter((job) => !job.atCommit) : [];
    if (!later.length) return this.notifyIdle();
    this.syncing += later.length;
    this.durable()
      .then(
        () => jobs.forEach((job, i) => !job.atCommit && settle(job, i)),
        (error: unknown) => {
          // Committed but not confirmed on the disk (an I/O error): say so rather than acknowledge.
          for (const job of later) job.reject(unconfirmed(error));
        },
      )
      .finally(() => {
        this.syncing -= later.length;
        if (this.jobs.length) this.schedule();
        this.notifyIdle();
      });
  }

  private notifyIdle(): void {
    if (this.jobs.length > 0 || this.scheduled || this.syncing > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/**
 * The disk refused to confirm a committed batch. Its calls may or may not survive a power
 * cut: the error keeps the system's code (EIO, ENOSPC…) so the answer is a storage error.
 */
function unconfirmed(error: unknown): Error {
  const e = error as NodeJS.ErrnoException;
  return Object.assign(new Error(`the write could not be confirmed on the disk: ${e?.message ?? String(error)}`), {
    code: e?.code ?? 'EIO',
  });
}
