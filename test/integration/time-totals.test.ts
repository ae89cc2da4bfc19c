// The running totals on a real daemon: after two actors work on tasks and subtasks with
// switches, pauses and idle pauses, every stored total equals the sum over the
// intervals, and what the answers show (session.status, task show, the report) agrees.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FragClient } from '../../client/lib/client.js';
import { startDaemon, type TestDaemon } from '../support/daemon.js';

const MIN = 60_000;
const T0 = Date.parse('2026-05-04T07:00:00Z');

let d: TestDaemon;
let c: FragClient;
const advance = (ms: number) => c.call('debug.clock', { advance_ms: ms, ticking: true });

beforeAll(async () => {
  d = await startDaemon({ FRAGD_TEST_CLOCK: String(T0) });
  c = await d.client();
  await c.call('sprint.create', { code: 'S', title: 'sprint' });
  await c.call('task.create', { code: 'A', title: 'task A', sprint: 'S', estimate_minutes: 30 });
  await c.call('task.create', { code: 'A.1', title: 'subtask of A', parent: 'A' });
  await c.call('task.create', { code: 'B', title: 'task B', sprint: 'S' });
  await c.call('session.start', { actor: 'human' });
  await c.call('session.start', { actor: 'claude', idle_timeout_seconds: 3600 });
  await c.call('task.activate', { actor: 'human', code: 'A' });
  await c.call('task.activate', { actor: 'claude', code: 'B' });
  await advance(10 * MIN);
  await c.call('task.activate', { actor: 'human', code: 'A.1' });
  await advance(7 * MIN);
  await c.call('session.pause', { actor: 'human' });
  await advance(5 * MIN);
  await c.call('session.resume', { actor: 'human' });
  await advance(3 * MIN);
  await c.call('task.deactivate', { actor: 'human' });
  await c.call('task.activate', { actor: 'human', code: 'B' });
  // The person goes quiet: the tick idle-pauses the session at the last activity.
  await advance(20 * MIN);
  await c.call('heartbeat', { actor: 'claude', file: 'b.ts' });
});
afterAll(async () => {
  c?.close();
  await d?.dispose();
});

function storedVsSummed(db: Database.Database) {
  const mismatches = db
    .prepare(
      `WITH sums AS (
         SELECT 'session' AS scope, session_id AS id, 0 AS sub, sum(ended_at - started_at) AS ms, count(*) AS n FROM intervals WHERE ended_at IS NOT NULL GROUP BY session_id
         UNION ALL SELECT 'task', task_id, 0, sum(ended_at - started_at), count(*) FROM intervals WHERE ended_at IS NOT NULL AND task_id IS NOT NULL GROUP BY task_id
         UNION ALL SELECT 'sprint', sprint_id, 0, sum(ended_at - started_at), count(*) FROM intervals WHERE ended_at IS NOT NULL AND sprint_id IS NOT NULL GROUP BY sprint_id
         UNION ALL SELECT 'session_task', session_id, task_id, sum(ended_at - started_at), count(*) FROM intervals WHERE ended_at IS NOT NULL AND task_id IS NOT NULL GROUP BY session_id, task_id)
       SELECT s.scope, s.id, s.sub, s.ms AS summed, t.ms AS stored FROM sums s
         LEFT JOIN time_totals t ON t.scope = s.scope AND t.id = s.id AND t.sub = s.sub
        WHERE t.ms IS NOT s.ms OR t.n IS NOT s.n`,
    )
    .all();
  const totals = db.prepare('SELECT count(*) FROM time_totals').pluck().get() as number;
  const closed = db.prepare('SELECT count(*) FROM intervals WHERE ended_at IS NOT NULL').pluck().get() as number;
  return { mismatches, totals, closed };
}

describe('running totals on a real daemon', () => {
  it('equal the sums over the intervals, and the answers show them', async () => {
    const db = new Database(d.paths.db, { readonly: true });
    try {
      const r = storedVsSummed(db);
      expect(r.closed).toBeGreaterThan(4);
      expect(r.totals).toBeGreaterThan(4);
      expect(r.mismatches).toEqual([]);
    } finally {
      db.close();
    }
    // The human: 10 min on A, 7 + 3 on A.1 (the pause not counted), then B until the idle pause.
    const claude = await c.call('session.status', { actor: 'claude' });
    // claude worked on B from T0 without a break: 45 minutes so far.
    expect(claude.session.active_seconds).toBe(45 * 60);
    expect(claude.active_task).toMatchObject({ code: 'B', session_seconds: 45 * 60 });
    const human = await c.call('session.status', { actor: 'human' });
    expect(human.session.status).toBe('paused');
    const report = await c.call('report', { by: 'task', since: '2026-05-04', until: '2026-05-04', tz: 'UTC' });
    const humanSecs = human.session.active_seconds;
    expect(report.total_seconds).toBe(humanSecs + claude.session.active_seconds);
    // A's total holds its subtask's time too; the rows hold each task's own.
    expect(report.rows.find((row) => row.key === 'A')).toMatchObject({ seconds: 10 * 60, total_seconds: 20 * 60 });
    expect(report.rows.find((row) => row.key === 'A.1')).toMatchObject({ seconds: 10 * 60, total_seconds: 10 * 60 });
  });
});
