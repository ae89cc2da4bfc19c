// Group commit: every write that arrives in one turn of the event loop runs in one
// SQLite transaction, each inside its own savepoint so a failing call rolls back alone.
// A call is acknowledged only after the transaction that holds it has committed, so an
// acknowledged write survives a crash, and fsyncs are shared between concurrent clients.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database.js';
import { BatchMemo } from '../app/batch-memo.js';

interface Job<T> {
  run: () => T;
  /** Its writes change nothing a memoized answer reads (see app/batch-memo.ts). */
  keepsMemo: boolean;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

export class CommitQueue {
  private jobs: Job<unknown>[] = [];
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  /** Committed transactions and the calls they held since start: calls / batches is the group size. */
  readonly stats = { batches: 0, calls: 0 };

  /** One savepoint per call, with statements prepared once (db.transaction() per call costs ~10% of a write). */
  private readonly savepoint: { begin: Statement; release: Statement; rollback: Statement };

  constructor(
    private readonly db: Db,
    private readonly memo: BatchMemo = new BatchMemo(),
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

  /** `keepsMemo`: the job's writes change nothing memoized answers read (app/batch-memo.ts). */
  submit<T>(run: () => T, { keepsMemo = false }: { keepsMemo?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ run, keepsMemo, resolve, reject } as Job<unknown>);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  get pending(): number {
    return this.jobs.length;
  }

  /** Resolves once everything submitted so far has been committed or rejected. */
  drained(): Promise<void> {
    if (!this.scheduled && this.jobs.length === 0) return Promise.resolve();
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
    jobs.forEach((job, i) => {
      const o = outcomes[i];
      if (o.ok) job.resolve(o.value);
      else job.reject(o.error);
    });
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.jobs.length > 0 || this.scheduled) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
