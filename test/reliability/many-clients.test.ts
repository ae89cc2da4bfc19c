// 50 concurrent clients on one session: the stack and the history stay consistent.
import { followPages, joinOlderHistory } from '../../client/lib/pages.js';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../support/daemon.js';
import type { FragClient } from '../../client/lib/client.js';
import { isEmptyStackRefusal, replayContextHistory } from '../support/context-history.js';
import { scale } from './scale.js';

const CLIENTS = 50;
const ROUNDS = scale(3, 20);
let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
  const c = await d.client();
  await c.call('project.create', { code: 'M', title: 'many' });
  await c.call('sprint.create', { code: 'M1', title: 'many', project: 'M' });
  for (let i = 0; i < 10; i++) await c.call('task.create', { code: `M-${i}`, title: `t${i}`, sprint: 'M1' });
  c.close();
});
afterAll(() => d.dispose());

describe(`${CLIENTS} clients on one session, ${ROUNDS} rounds each`, () => {
  it('keeps the stack a valid lineage, the history replayable and every write counted', async () => {
    const clients: FragClient[] = await Promise.all(Array.from({ length: CLIENTS }, () => d.client()));
    const { session } = await clients[0].call('session.start', { actor: 'swarm' });
    const key = session.key;
    await Promise.all(
      clients.map(async (c, i) => {
        for (let r = 0; r < ROUNDS; r++) {
          await c.call('task.activate', { session: key, code: `M-${(i + r) % 10}` });
          await c.call('activity.update', { session: key, message: `u ${i}.${r}` });
          // Other clients may have popped everything already; any other refusal is a failure.
          if ((i + r) % 3 === 0) {
            await c.call('context.pop', { session: key }).catch((err) => {
              if (!isEmptyStackRefusal(err)) throw err;
            });
          }
        }
      }),
    );
    const status = await clients[0].call('session.status', { session: key });
    const history = await followPages(
      (cursor) => clients[0].call('session.history', { session: key, limit: 10_000, cursor }),
      joinOlderHistory,
    );
    expect(status.session.counters.updates).toBe(CLIENTS * ROUNDS);
    expect(history.activities.filter((a) => a.kind === 'update')).toHaveLength(CLIENTS * ROUNDS);
    expect(history.context.length).toBeLessThan(10_000);
    expect(replayContextHistory(history.context)).toEqual(
      status.session.stack.map(({ type, code }) => ({ type, code })),
    );
    const types = status.session.stack.map((f) => f.type);
    expect(types).toEqual(
      [...types].sort(
        (a, b) =>
          ['project', 'sprint', 'task', 'subtask'].indexOf(a) - ['project', 'sprint', 'task', 'subtask'].indexOf(b),
      ),
    );
    const db = new Database(d.paths.db, { readonly: true });
    const open = db
      .prepare(
        'SELECT count(*) AS n FROM intervals i JOIN sessions s ON s.id = i.session_id WHERE s.key = ? AND i.ended_at IS NULL',
      )
      .get(key) as { n: number };
    db.close();
    expect(open.n).toBe(1);
    for (const c of clients) c.close();
  }, 120_000);
});
