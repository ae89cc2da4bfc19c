// kill -9 at random moments during an 8-client write load: after every restart each
// acknowledged write is there, the database is intact, and an open interval lost at most
// one tick.
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { TestDaemon, tempHome, sleep } from '../support/daemon.js';
import type { FragClient } from '../../client/lib/client.js';
import { scale } from './scale.js';

const ROUNDS = scale(3, 20);
const TICK_SECONDS = 1;
const d = new TestDaemon(tempHome());
afterAll(() => d.dispose());

describe(`kill -9 during writes (${ROUNDS} rounds)`, () => {
  it('loses nothing acknowledged and at most one tick of active time', async () => {
    d.writeConfig({ tick_seconds: TICK_SECONDS });
    await d.start();
    const setup = await d.client();
    await setup.call('project.create', { code: 'K', title: 'kill' });
    await setup.call('task.create', { code: 'K-1', title: 'crash target', project: 'K' });
    const { session } = await setup.call('session.start', { actor: 'writer' });
    await setup.call('task.activate', { session: session.key, code: 'K-1' });
    setup.close();

    const acked = new Set<string>();
    let seq = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const clients: FragClient[] = await Promise.all(Array.from({ length: 8 }, () => d.client()));
      let stop = false;
      const writers = clients.map(async (c, i) => {
        while (!stop) {
          const id = `r${round}-c${i}-${seq++}`;
          try {
            await c.call('activity.log', { session: session.key, message: id, event_id: id });
            acked.add(id);
          } catch {
            return; // the daemon died under us: unacknowledged, may or may not be stored
          }
        }
      });
      // Let a tick or two pass so intervals have checkpoints, then kill at a random moment.
      await sleep(1200 + Math.floor(Math.random() * 800));
      const killedAt = Date.now();
      await d.crash();
      stop = true;
      await Promise.all(writers);
      for (const c of clients) c.close();

      const db = new Database(d.paths.db, { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
      await d.start();

      const db2 = new Database(d.paths.db, { readonly: true });
      const stored = new Set(
        (db2.prepare("SELECT event_id FROM activities WHERE event_id LIKE 'r%'").all() as { event_id: string }[]).map(
          (r) => r.event_id,
        ),
      );
      const recovered = db2
        .prepare("SELECT ended_at FROM intervals WHERE end_reason = 'crash' ORDER BY id DESC LIMIT 1")
        .get() as { ended_at: number } | undefined;
      db2.close();
      const missing = [...acked].filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
      expect(recovered).toBeDefined();
      // The open interval was closed at its last checkpoint: at most one tick (plus scheduling slack) before the kill.
      expect(killedAt - recovered!.ended_at).toBeLessThanOrEqual(TICK_SECONDS * 1000 + 1500);
      expect(killedAt - recovered!.ended_at).toBeGreaterThanOrEqual(-100);
    }
    expect(acked.size).toBeGreaterThan(ROUNDS * 8);
  }, 120_000);
});
