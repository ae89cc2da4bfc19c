// A commit's disk wait is off the event loop (daemon/store/wal-sync.ts, checkpointer.ts):
// fragd answers a write once an fdatasync of the log that began after its commit has
// returned, shares one fdatasync among the batches that committed while another ran, and
// checkpoints on a worker thread. What the answers acknowledged is all there after a crash.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDaemon, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
let key: string;
beforeAll(async () => {
  d = await startDaemon();
  const c = await d.client();
  key = ((await c.call('session.start', { actor: 'writer' })) as { session: { key: string } }).session.key;
  c.close();
});
afterAll(() => d.dispose());

type Commits = { batches: number; calls: number; syncs: number; checkpoints: number };
const commits = async (): Promise<Commits> => {
  const c = await d.client();
  try {
    return ((await c.call('daemon.status', {})) as { commits: Commits }).commits;
  } finally {
    c.close();
  }
};

describe('durable commits', () => {
  it('confirms every acknowledged batch with an fdatasync, shared among batches, and checkpoints on its worker', async () => {
    const before = await commits();
    const clients = await Promise.all(Array.from({ length: 4 }, () => d.client()));
    // Four clients, 25 logs each, one at a time per client: batches overlap the syncs.
    await Promise.all(
      clients.map(async (c, n) => {
        for (let i = 0; i < 25; i++) await c.call('activity.log', { session: key, message: `client ${n} log ${i}` });
      }),
    );
    for (const c of clients) c.close();
    const after = await commits();
    const batches = after.batches - before.batches;
    const syncs = after.syncs - before.syncs;
    expect(after.calls - before.calls).toBe(100);
    expect(syncs).toBeGreaterThan(0);
    expect(syncs).toBeLessThanOrEqual(batches);
    // Once the log has been quiet for a second, the worker copies it into the database.
    await vi.waitFor(async () => expect((await commits()).checkpoints).toBeGreaterThan(before.checkpoints), {
      timeout: 15_000,
      interval: 250,
    });
  });

  it('keeps every acknowledged write through a kill -9', async () => {
    const c = await d.client();
    const acked: string[] = [];
    for (let i = 0; i < 30; i++) {
      const message = `before the crash ${i}`;
      await c.call('activity.log', { session: key, message });
      acked.push(message);
    }
    c.close();
    await d.crash();
    const db = new Database(d.paths.db, { readonly: true });
    const stored = new Set(
      db.prepare("SELECT message FROM activities WHERE message LIKE 'before the crash %'").pluck().all() as string[],
    );
    db.close();
    expect(acked.filter((m) => !stored.has(m))).toEqual([]);
    await d.start();
  });
});
