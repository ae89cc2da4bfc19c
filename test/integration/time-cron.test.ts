// The real tick: node-cron on the system clock checkpoints open intervals, so a crash
// loses at most one tick of active time.
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sleep, startDaemon, TestDaemon } from '../support/daemon.js';

let d: TestDaemon | undefined;
afterAll(() => d?.dispose());

const openInterval = (path: string) => {
  const db = new Database(path, { readonly: true });
  const row = db
    .prepare('SELECT started_at, checkpoint_at, ended_at, end_reason FROM intervals ORDER BY id DESC LIMIT 1')
    .get() as {
    started_at: number;
    checkpoint_at: number;
    ended_at: number | null;
    end_reason: string | null;
  };
  db.close();
  return row;
};

describe('the cron tick', () => {
  it('checkpoints the open interval every tick_seconds, and a crash keeps time up to the last checkpoint', async () => {
    d = await startDaemon({}, { tick_seconds: 1 });
    expect((await d.json(['session', 'start'])).code).toBe(0);
    const start = openInterval(d.paths.db);
    let iv = start;
    for (let i = 0; i < 40 && iv.checkpoint_at < start.started_at + 1500; i++) {
      await sleep(100);
      iv = openInterval(d.paths.db);
    }
    expect(iv.ended_at).toBeNull();
    expect(iv.checkpoint_at).toBeGreaterThanOrEqual(start.started_at + 1500);
    const lastCheckpoint = iv.checkpoint_at;
    await d.crash();
    // Restart: the interval left open is closed at a checkpoint no earlier than the one seen.
    d = await new TestDaemon(d.home).start();
    const db = new Database(d.paths.db, { readonly: true });
    const closed = db.prepare("SELECT ended_at, end_reason FROM intervals WHERE end_reason = 'crash'").get() as {
      ended_at: number;
      end_reason: string;
    };
    db.close();
    expect(closed.ended_at).toBeGreaterThanOrEqual(lastCheckpoint);
    expect(closed.ended_at).toBeLessThanOrEqual(Date.now());
  });
});
