// The status files a shell prompt reads without starting Node (docs/terminal.md): one per
// actor with an open session, `status.<actor>` in the private runtime directory, holding
// the line of shared/status-line.ts. Each is replaced atomically (temp file + rename), so a
// prompt never reads half a line; it is rewritten once per committed batch that published
// events, and only when its line changed meaning: a running clock alone never rewrites it,
// except for the minutes left of a time budget (shared/status-line.ts), which it rewrites
// when they change, once a minute at most.
import { readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { shortStatus, statusFileLine, statusFileName } from '../shared/status-line.js';
import { newCall, type App } from './app/app.js';
import { budgetLeft, budgetTextChangesInMs } from './app/costs/budgets.js';
import { currentSessionOf } from './app/sessions/lookup.js';
import { sessionView } from './app/sessions/session-view.js';
import { coalesced } from './coalesced.js';

const PREFIX = statusFileName('');

/** The actors with an open session, from the index of open sessions only (not every session ever made). */
export const OPEN_ACTORS_SQL =
  "SELECT DISTINCT actor FROM sessions INDEXED BY sessions_open WHERE status IN ('active','paused')";

export class StatusFiles {
  /** What each file holds now, by actor, with its `run` origin normalised (see `same`). */
  private written = new Map<string, string>();
  private stopped = false;
  /** The next rewrite for a time budget's minutes, when a clock runs on a budgeted task. */
  private minuteTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly app: App,
    private readonly dir: string,
    private readonly log: Logger,
  ) {}

  /** Something was committed and published: refresh once, after every call of this turn. */
  readonly changed = coalesced(() => this.refresh());

  /** Writes the file of every actor with an open session and removes the others' (also stale ones from a crash). */
  refresh(): void {
    if (this.stopped) return;
    try {
      const call = newCall(this.app);
      const { sql } = this.app;
      const actors = sql.all<{ actor: string }>(OPEN_ACTORS_SQL);
      const keep = new Set<string>();
      let nextMs = Infinity;
      for (const { actor } of actors) {
        const s = currentSessionOf(call, actor);
        if (!s) continue;
        keep.add(actor);
        const running =
          s.status === 'active' &&
          sql.value<number>('SELECT 1 FROM intervals WHERE session_id = ? AND ended_at IS NULL LIMIT 1', s.id) === 1;
        const budget = budgetLeft(call, s);
        if (running && budget?.time_left_seconds != null)
          nextMs = Math.min(nextMs, budgetTextChangesInMs(budget.time_left_seconds));
        const line = statusFileLine(shortStatus(sessionView(sql, s, call.now), budget), running, call.now);
        if (!same(this.written.get(actor), line)) this.write(actor, line);
      }
      for (const actor of this.present()) if (!keep.has(actor)) this.remove(actor);
      this.scheduleMinute(nextMs);
    } catch (err) {
      // A prompt showing an old line is better than a daemon that stops over it.
      this.log.warn({ err }, 'could not refresh the status files');
    }
  }

  /** A refresh when a time budget's minutes change (a little after, so the new minute has begun). */
  private scheduleMinute(ms: number): void {
    if (this.minuteTimer) clearTimeout(this.minuteTimer);
    this.minuteTimer = null;
    if (!Number.isFinite(ms) || this.stopped) return;
    const at = this.app.clock.now();
    this.minuteTimer = setTimeout(() => {
      this.minuteTimer = null;
      // A clock that stood still (a test's) changed no minute: nothing to rewrite, nothing to wait for.
      if (this.app.clock.now() !== at) this.refresh();
    }, ms + 50);
    this.minuteTimer.unref();
  }

  /** The daemon stops: no file may keep counting time that is no longer tracked. */
  removeAll(): void {
    this.stopped = true;
    this.scheduleMinute(Infinity);
    try {
      for (const actor of this.present()) this.remove(actor);
    } catch (err) {
      this.log.warn({ err }, 'could not remove the status files');
    }
  }

  private present(): string[] {
    return readdirSync(this.dir)
      .filter((f) => f.startsWith(PREFIX) && f.length > PREFIX.length && !f.endsWith('.tmp'))
      .map((f) => f.slice(PREFIX.length));
  }

  private write(actor: string, line: string): void {
    const file = join(this.dir, statusFileName(actor));
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, line, { mode: 0o600 });
    renameSync(tmp, file);
    this.written.set(actor, line);
  }

  private remove(actor: string): void {
    try {
      unlinkSync(join(this.dir, statusFileName(actor)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.written.delete(actor);
  }
}

/**
 * Two lines mean the same when they differ only by a second in a `run` origin: the
 * origin is derived from milliseconds rounded down at two different moments.
 */
function same(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  if (a === b) return true;
  const pa = a.split(' ');
  const pb = b.split(' ');
  return (
    pa[2] === 'run' &&
    pb[2] === 'run' &&
    Math.abs(Number(pa[3]) - Number(pb[3])) <= 1 &&
    pa.slice(4).join(' ') === pb.slice(4).join(' ')
  );
}
