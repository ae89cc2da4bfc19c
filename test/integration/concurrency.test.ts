// Many terminals on one session: the stack and the history stay consistent.
import { followPages, joinOlderHistory } from '../../client/lib/pages.js';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../support/daemon.js';
import type { FragClient } from '../../client/lib/client.js';
import { isEmptyStackRefusal, replayContextHistory } from '../support/context-history.js';

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
  const c = await d.client();
  await c.call('project.create', { code: 'P', title: 'project' });
  await c.call('sprint.create', { code: '1', title: 'sprint', project: 'P' });
  for (let i = 1; i <= 8; i++) await c.call('task.create', { code: `T-${i}`, title: `task ${i}`, sprint: '1' });
  c.close();
});
afterAll(() => d.dispose());

describe('two terminals, one session', () => {
  it('shares the session through FRAGMENTS_SESSION and through the actor default', async () => {
    const start = await d.json(['session', 'start']);
    const key = start.body.session.key;
    const env = { FRAGMENTS_SESSION: key };
    await d.json(['task', 'activate', 'T-1'], { env });
    const other = await d.json(['update', 'from the second terminal'], { env });
    expect(other.body.activity.session).toBe(key);
    expect(other.body.activity.context.task).toBe('T-1');
    // A third terminal with nothing set lands in the same (current) session.
    const third = await d.json(['status']);
    expect(third.body.session.key).toBe(key);
    expect(third.body.session.active.task).toBe('T-1');
    // --session wins over the environment.
    const wrong = await d.json(['status', '--session', 'SESSION-999'], { env });
    expect(wrong.code).toBe(4);
    await d.json(['session', 'end'], { env });
  });
});

describe('8 clients at once', () => {
  it('pushing, popping and logging leave a consistent stack and history', async () => {
    const clients: FragClient[] = await Promise.all(Array.from({ length: 8 }, () => d.client()));
    const { session } = await clients[0].call('session.start', { actor: 'crowd' });
    const key = session.key;
    const rounds = 15;
    let pops = 0;
    let refusedPops = 0;
    await Promise.all(
      clients.map(async (c, i) => {
        for (let r = 0; r < rounds; r++) {
          await c.call('task.activate', { session: key, code: `T-${((i + r) % 8) + 1}` });
          await c.call('activity.log', { session: key, message: `client ${i} round ${r}`, event_id: `c${i}-r${r}` });
          // Other clients may have popped everything already; any other refusal is a failure.
          await c.call('context.pop', { session: key }).then(
            () => pops++,
            (err) => {
              if (!isEmptyStackRefusal(err)) throw err;
              refusedPops++;
            },
          );
        }
      }),
    );
    expect(pops + refusedPops).toBe(8 * rounds);

    const status = await clients[0].call('session.status', { session: key });
    const stack = status.session.stack;
    // Whatever the interleaving, the stack is a valid lineage: ordered types, no duplicates.
    const rank = { project: 0, sprint: 1, task: 2, subtask: 3 } as const;
    for (let i = 1; i < stack.length; i++) expect(rank[stack[i].type]).toBeGreaterThan(rank[stack[i - 1].type]);

    const history = await followPages(
      (cursor) => clients[0].call('session.history', { session: key, limit: 10_000, cursor }),
      joinOlderHistory,
    );
    const logs = history.activities.filter((a) => a.kind === 'log');
    expect(logs).toHaveLength(8 * rounds);
    expect(new Set(logs.map((a) => a.message)).size).toBe(8 * rounds);
    expect(status.session.counters.logs).toBe(8 * rounds);
    // Replaying the same event ids records nothing new.
    const replay = await clients[1].call('activity.log', {
      session: key,
      message: 'client 0 round 0',
      event_id: 'c0-r0',
    });
    expect(replay.duplicate).toBe(true);
    expect((await clients[0].call('session.status', { session: key })).session.counters.logs).toBe(8 * rounds);

    // Replaying the context history from empty reproduces every recorded stack and the final one.
    expect(history.context.length).toBeLessThan(10_000);
    expect(replayContextHistory(history.context)).toEqual(stack.map(({ type, code }) => ({ type, code })));
    // All tasks share one sprint, so only a successful context.pop removes a frame: one pop row each.
    expect(history.context.filter((h) => h.action === 'pop')).toHaveLength(pops);
    // Time intervals never overlap, and each matches the task that was on top then.
    const db = new Database(d.paths.db, { readonly: true });
    const ivs = db
      .prepare(
        'SELECT i.started_at, coalesce(i.ended_at, 9e15) AS ended_at FROM intervals i JOIN sessions s ON s.id = i.session_id WHERE s.key = ? ORDER BY i.started_at, i.id',
      )
      .all(key) as { started_at: number; ended_at: number }[];
    db.close();
    expect(ivs.length).toBeGreaterThan(8 * rounds);
    for (let i = 1; i < ivs.length; i++) expect(ivs[i].started_at).toBeGreaterThanOrEqual(ivs[i - 1].ended_at);
    for (const c of clients) c.close();
  });
});
