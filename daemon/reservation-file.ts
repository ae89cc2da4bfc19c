// The reservations file the agents' pre-tool hooks and the git pre-commit guard read without
// starting Node (docs/claims.md#file-reservations): stateDir/reservations, beside the spool
// the same scripts write to. It lists the exclusive reservations enforced now
// (app/reservations/reservations.ts, hookFileText) and is replaced atomically (temp file +
// rename, 0600), after every committed batch that published events and on a timer (a
// reservation lapses or goes stale with no event). It is absent when nothing is reserved and
// removed when fragd stops: reservations are then not enforced (docs say so).
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { newCall, type App } from './app/app.js';
import { HOOK_FILE, hookFileText } from './app/reservations/reservations.js';
import { coalesced } from './coalesced.js';

export class ReservationFile {
  private written: string | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  readonly path: string;

  constructor(
    private readonly app: App,
    dir: string,
    private readonly log: Logger,
  ) {
    this.path = join(dir, HOOK_FILE);
  }

  /** Refreshes every `ms` (lapses and staleness happen with no event). */
  start(ms: number): void {
    this.timer = setInterval(() => this.refresh(), ms);
    this.timer.unref();
  }

  /** Something was committed and published: refresh once, after every call of this turn. */
  readonly changed = coalesced(() => this.refresh());

  refresh(): void {
    if (this.stopped) return;
    try {
      const text = hookFileText(newCall(this.app));
      if (text === this.written) return;
      if (text === '') this.remove();
      else {
        const tmp = `${this.path}.${process.pid}.tmp`;
        // A name planted at tmp is replaced, not written through (unlink first; 'wx' creates it new).
        try {
          unlinkSync(tmp);
        } catch {
          // none there
        }
        writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
        renameSync(tmp, this.path);
      }
      this.written = text;
    } catch (err) {
      this.log.warn({ err }, 'could not refresh the reservations file');
    }
  }

  removeAll(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    try {
      this.remove();
    } catch (err) {
      this.log.warn({ err }, 'could not remove the reservations file');
    }
  }

  private remove(): void {
    try {
      unlinkSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
