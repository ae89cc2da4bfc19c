// Calls that close an interval between a wake-up (or an idle deadline) and the next tick,
// and crashes while a session was already idle: none of them counts the sleep or the
// idle stretch. The daemon runs on its test clock.
import { afterEach, describe, expect, it } from 'vitest';
import { TestDaemon, tempHome } from '../support/daemon.js';
import type { FragClient } from '../../client/lib/client.js';

const T0 = Date.parse('2026-03-10T08:00:00Z');
const MIN = 60_000;
const open: { d: TestDaemon; c?: FragClient }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    o.c?.close();
    await o.d.dispose();
  }
});

async function daemon(): Promise<{ d: TestDaemon; c: FragClient }> {
  const d = await new TestDaemon(tempHome(), { FRAGD_TEST_CLOCK: String(T0) }).start();
  const c = await d.client();
  open.push({ d, c });
  return { d, c };
}

describe('closing calls right after a wake-up or an idle deadline', () => {
  it('a session ended right after a suspend does not count the sleep', async () => {
    const { c } = await daemon();
    await c.call('session.start', { actor: 'a1' });
    await c.call('debug.clock', { advance_ms: 2 * MIN, ticking: true });
    await c.call('heartbeat', { actor: 'a1' });
    await c.call('debug.clock', { jump_wall_ms: 60 * MIN }); // asleep: no tick ran since
    const end = await c.call('session.end', { actor: 'a1' });
    expect(end.session.active_seconds).toBe(120);
  });

  it('a task switch landing after the idle deadline but before the tick counts no idle time', async () => {
    const { c } = await daemon();
    await c.call('task.create', { code: 'A', title: 'a' });
    await c.call('task.create', { code: 'B', title: 'b' });
    await c.call('session.start', {});
    await c.call('task.activate', { code: 'A' });
    // 14m50s with ticks; then 40 s more without a tick: the 15-minute idle deadline passed.
    await c.call('debug.clock', { advance_ms: 14 * MIN + 50_000, ticking: true });
    await c.call('debug.clock', { advance_ms: 40_000 });
    const sw = await c.call('task.activate', { code: 'B' });
    // The catch-up tick paused the session at the last activity + 30 s grace, then the activation resumed it.
    expect(
      (sw as { resumed_after_idle?: { interrupted_seconds: number } }).resumed_after_idle?.interrupted_seconds,
    ).toBe(15 * 60 + 30 - 30);
    const st = await c.call('session.status', {});
    expect(st.session.active_seconds).toBe(30);
  });

  it('a crash while the session was already idle counts what the tick would have counted', async () => {
    const { d, c } = await daemon();
    await c.call('session.start', {});
    await c.call('debug.clock', { advance_ms: 14 * MIN, ticking: true });
    c.close();
    open[0].c = undefined;
    await d.crash();
    // Restarted after the idle deadline: nobody came back.
    d.extraEnv.FRAGD_TEST_CLOCK = String(T0 + 20 * MIN);
    await d.start();
    const c2 = await d.client();
    open[0].c = c2;
    const st = await c2.call('session.status', {});
    expect(st.session.status).toBe('paused');
    expect(st.session.pause_reason).toMatch(/^idle/);
    expect(st.session.active_seconds).toBe(30);
  });

  it('a crash before the idle deadline keeps the time up to the last checkpoint', async () => {
    const { d, c } = await daemon();
    await c.call('session.start', {});
    await c.call('debug.clock', { advance_ms: 10 * MIN, ticking: true });
    c.close();
    open[0].c = undefined;
    await d.crash();
    d.extraEnv.FRAGD_TEST_CLOCK = String(T0 + 12 * MIN);
    await d.start();
    const c2 = await d.client();
    open[0].c = c2;
    const st = await c2.call('session.status', {});
    expect(st.session.status).toBe('active');
    expect(st.session.active_seconds).toBe(10 * 60); // 10 min before the crash, 0 since the restart (clock not moved)
  });
});
