// A scripted working day on the daemon's fake clock (FRAGD_TEST_CLOCK): two tasks,
// switches, a pause, 20 minutes idle, an hour of suspend, a crash and restart in the
// middle of an interval. Totals per task, sprint and session must equal the seconds
// the script says, exactly.
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { FragClient } from '../../client/lib/client.js';
import { TestDaemon, tempHome } from '../support/daemon.js';
import { work as workFor } from '../support/clock.js';

const T0 = Date.parse('2026-03-10T08:00:00Z');
const MIN = 60_000;

let d: TestDaemon;
let c: FragClient;
afterAll(async () => {
  c?.close();
  await d?.dispose();
});

const work = (ms: number) => workFor(c, ms, { file: 'src/app.ts', editor: 'vim' });

const seconds = (rows: { key: string; seconds: number }[]) => Object.fromEntries(rows.map((r) => [r.key, r.seconds]));

describe('a scripted day on the fake clock', () => {
  it('counts exactly the worked seconds through pause, idle, suspend and a crash', async () => {
    const home = tempHome();
    d = await new TestDaemon(home, { FRAGD_TEST_CLOCK: String(T0) }).start();
    c = await d.client();
    await c.call('sprint.create', { code: 'S-1', title: 'Sprint' });
    await c.call('task.create', { code: 'A', title: 'Task A', sprint: 'S-1', estimate_minutes: 60 });
    await c.call('task.create', { code: 'B', title: 'Task B', sprint: 'S-1', estimate_minutes: 30 });
    const { session } = await c.call('session.start', {});

    await c.call('task.activate', { code: 'A' });
    await work(30 * MIN); // A 1800
    await c.call('task.activate', { code: 'B' }); // switch
    await work(20 * MIN); // B 1200

    await c.call('session.pause', { reason: 'coffee' });
    await c.call('debug.clock', { advance_ms: 10 * MIN, ticking: true });
    await c.call('session.resume', {});
    await work(10 * MIN); // B 1800

    // 20 minutes without activity: paused at the last activity + 30 s grace, not at the tick.
    const idle = await c.call('debug.clock', { advance_ms: 20 * MIN, ticking: true });
    expect(idle.ticks.flatMap((t) => t.idle_paused)).toEqual([session.key]);
    const paused = await c.call('session.status', {});
    expect(paused.session.status).toBe('paused');
    expect(paused.session.pause_reason).toMatch(/^idle/);
    const back = await c.call('heartbeat', { file: 'src/app.ts' });
    expect(back.resumed).toEqual({ interrupted_seconds: 20 * 60 - 30 }); // B 1830
    await work(10 * MIN); // B 2430

    // An hour of suspend: the wall clock jumps, the monotonic clock does not.
    await c.call('debug.clock', { jump_wall_ms: 60 * MIN });
    // The heartbeat's write first runs the tick that is due (the clock jumped): asleep for
    // an hour, the session was also idle, so it is paused at its last checkpoint, and the
    // heartbeat resumes it. The hour is not counted.
    const wake = await c.call('heartbeat', { file: 'src/app.ts' });
    expect(wake.resumed).toEqual({ interrupted_seconds: 60 * 60 });
    expect((await c.call('debug.tick')).gap.suspended).toBe(false);
    await work(10 * MIN); // B 3030

    // Leaving B: it ran over its 30 min estimate, so the answer asks for a new one.
    const leave = await c.call('task.deactivate', {});
    expect(leave.estimate_check).toMatchObject({
      task: 'B',
      estimate_minutes: 30,
      actual_minutes: 50.5,
      needs_new_estimate: true,
    });
    expect(leave.instructions.suggested_commands[0]).toMatch(/^fragctl task edit B --estimate \d+$/);

    await c.call('task.activate', { code: 'A' });
    await work(10 * MIN); // A 2400, checkpointed by the last tick
    await c.call('debug.clock', { advance_ms: 20_000 }); // 20 s past the checkpoint: lost in the crash
    await d.crash();

    const restartAt = T0 + 24 * 60 * MIN; // much later: the gap is not counted either
    d = await new TestDaemon(home, { FRAGD_TEST_CLOCK: String(restartAt) }).start();
    c.close();
    c = await d.client();
    const after = await c.call('session.status', {});
    expect(after.session.active_seconds).toBe(1800 + 3030 + 600);
    expect(after.recent.some((a) => a.kind === 'daemon.recovered')).toBe(true);
    await c.call('heartbeat', { file: 'src/app.ts' }); // the person is back at the keyboard
    await work(10 * MIN); // A 3000
    const st = await c.call('session.status', {});
    expect(st.active_task).toEqual({ code: 'A', session_seconds: 3000, total_seconds: 3000, estimate_minutes: 60 });
    await c.call('session.end', { summary: 'a full scripted day' });

    const range = { since: '2026-03-10', until: '2026-03-11', tz: 'UTC' };
    const byTask = await c.call('report', { by: 'task', ...range });
    expect(seconds(byTask.rows)).toEqual({ A: 3000, B: 3030 });
    const bySprint = await c.call('report', { by: 'sprint', ...range });
    expect(seconds(bySprint.rows)).toEqual({ 'S-1': 6030 });
    const byDay = await c.call('report', { by: 'day', ...range });
    expect(byDay.total_seconds).toBe(6030);
    expect(seconds(byDay.rows)).toEqual({ '2026-03-10': 6030 - 600, '2026-03-11': 600 });
    const ended = await c.call('session.list', {});
    expect(ended.sessions[0].active_seconds).toBe(6030);

    // The new estimate is recorded with old and new values.
    await c.call('task.edit', { code: 'B', estimate_minutes: 75 });
    const db = new Database(d.paths.db, { readonly: true });
    const rows = db.prepare("SELECT data, task_id FROM activities WHERE kind = 'estimate.change'").all() as {
      data: string;
      task_id: number;
    }[];
    db.close();
    expect(rows.map((r) => JSON.parse(r.data))).toEqual([{ code: 'B', old: 30, new: 75, tracked_minutes: 51 }]);
    expect(rows[0].task_id).not.toBeNull();
  });
});

describe('a restart nobody notices', () => {
  it('does not count idle time after a crash when nobody comes back: the restart pauses the session as the tick would have', async () => {
    const home = tempHome();
    let dd = await new TestDaemon(home, { FRAGD_TEST_CLOCK: String(T0) }).start();
    let cc = await dd.client();
    await cc.call('session.start', {});
    await cc.call('debug.clock', { advance_ms: 10 * MIN, ticking: true });
    await dd.crash();
    cc.close();
    dd = await new TestDaemon(home, { FRAGD_TEST_CLOCK: String(T0 + 8 * 60 * MIN) }).start();
    cc = await dd.client();
    // Nobody did anything after starting: had the daemon lived, the tick at 15 min would
    // have paused the session at its last activity + 30 s grace. The restart does the same.
    const st = await cc.call('session.status', {});
    expect(st.session.status).toBe('paused');
    expect(st.session.pause_reason).toMatch(/^idle/);
    expect(st.session.active_seconds).toBe(30);
    const tick = await cc.call('debug.clock', { advance_ms: 60_000, ticking: true });
    expect(tick.ticks.flatMap((t) => t.idle_paused)).toHaveLength(0);
    cc.close();
    await dd.dispose();
  });
});
