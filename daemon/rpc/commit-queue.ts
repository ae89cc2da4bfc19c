// Group commit: every write that arrives in one turn of the event loop runs in one
// SQLite transaction, each inside its own savepoint so a failing call rolls back alone.
// A call is acknowledged only after the transaction that holds it has committed, so an
// acknowledged write survives a crash, and fsyncs are shared between concurrent clients.
import type { Db } from '../store/database.js';

interface Job<T> {
  run: () => T;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

export class CommitQueue {
  private jobs: Job<unknown>[] = [];
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly db: Db) {}

  submit<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ run, resolve, reject } as Job<unknown>);
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
    try {
      this.db.transaction(() => {
        for (const job of jobs) {
          try {
            outcomes.push({ ok: true, value: this.db.transaction(job.run)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      // The commit itself failed (disk full, read-only, I/O): nothing of this batch is stored.
      for (const job of jobs) job.reject(error);
      return this.notifyIdle();
    }
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
