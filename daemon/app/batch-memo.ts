// Answers computed once per group commit. Many clients logging into one session in the same
// turn (git hooks, agent hooks, editors) get the same instructions: each call would otherwise
// re-read the task, its gates, its time and budget, which cost most of a log's CPU (issue 20).
// The commit queue says when a memo may be used: only while a call runs whose writes change
// nothing a memoized value reads, and the memo is dropped before and after any other call and
// at each batch's start and end, so a value never outlives the state it was computed from.

export class BatchMemo {
  private readonly values = new Map<string, unknown>();
  private open = false;

  /** A call that leaves memoized values valid starts (the queue calls it). */
  enter(): void {
    this.open = true;
  }

  /** That call ended. */
  leave(): void {
    this.open = false;
  }

  /** State may have changed: nothing computed before is reused. */
  clear(): void {
    if (this.values.size) this.values.clear();
  }

  /** The value computed for `key` earlier in this stretch of calls, else `compute()` (kept while open). */
  get<T>(key: string, compute: () => T): T {
    if (!this.open) return compute();
    if (this.values.has(key)) return this.values.get(key) as T;
    const value = compute();
    this.values.set(key, value);
    return value;
  }
}
