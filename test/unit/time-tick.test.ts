// The tick's decision, as a pure function of the previous tick, the clocks and the rows.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../daemon/clock.js';
import { cronFor, decideTick, detectGap, type TickPolicy, type TickSession } from '../../daemon/app/sessions/tick.js';

const policy: TickPolicy = { tickMs: 30_000, graceMs: 30_000, idleTimeoutMs: 15 * 60_000, agentIdleTimeoutMs: 150_000 };
const T0 = Date.parse('2026-05-04T09:00:00Z');
const sample = (c: ManualClock) => ({ wall: c.now(), mono: c.monotonic() });
const session = (over: Partial<TickSession> = {}): TickSession => ({
  id: 1,
  key: 'SESSION-001',
  last_activity_at: T0,
  idle_timeout_ms: null,
  agent: 0,
  started_at: T0,
  checkpoint_at: T0,
  ...over,
});

describe('decideTick', () => {
  it('only checkpoints a busy session on a normal tick', () => {
    const c = new ManualClock(T0);
    const prev = sample(c);
    c.advance(30_000);
    const d = decideTick(prev, sample(c), [session({ last_activity_at: T0 + 10_000 })], policy);
    expect(d.gap.suspended).toBe(false);
    expect(d.actions).toEqual([]);
    expect(d.checkpoint_at).toBe(T0 + 30_000);
  });

  it('pauses an idle session at its last activity plus the grace, not at the tick', () => {
    const c = new ManualClock(T0 + 15 * 60_000 + 7_000);
    const prev = sample(c);
    c.advance(30_000);
    const d = decideTick(prev, sample(c), [session({ checkpoint_at: prev.wall })], policy);
    expect(d.actions).toEqual([
      {
        type: 'idle',
        session: 1,
        key: 'SESSION-001',
        pause_at: T0 + 30_000,
        last_activity_at: T0,
        idle_ms: 15 * 60_000 + 37_000,
      },
    ]);
  });

  it('honours a per-session idle timeout', () => {
    const c = new ManualClock(T0 + 5 * 60_000);
    const prev = sample(c);
    c.advance(30_000);
    const now = sample(c);
    const ticked = { checkpoint_at: prev.wall };
    expect(decideTick(prev, now, [session({ ...ticked, idle_timeout_ms: 5 * 60_000 })], policy).actions[0]?.type).toBe(
      'idle',
    );
    expect(decideTick(prev, now, [session({ ...ticked, idle_timeout_ms: 60 * 60_000 })], policy).actions).toEqual([]);
  });

  it('ends the interval at the last checkpoint when the wall clock jumps (suspend)', () => {
    const c = new ManualClock(T0 + 60_000);
    const prev = sample(c);
    c.jumpWall(3_600_000);
    c.advance(2_000);
    const d = decideTick(
      prev,
      sample(c),
      [session({ checkpoint_at: prev.wall, last_activity_at: c.now() - 1_000 })],
      policy,
    );
    expect(d.gap).toMatchObject({ suspended: true, why: 'wall_gap' });
    expect(d.actions).toEqual([
      { type: 'suspend', session: 1, key: 'SESSION-001', end_at: prev.wall, reopen_at: c.now(), why: 'wall_gap' },
    ]);
  });

  it('sees wall and monotonic clocks disagreeing even when the gap looks short', () => {
    const c = new ManualClock(T0);
    const prev = sample(c);
    c.jumpWall(50_000); // an NTP step: 50 s on the wall clock, none on the monotonic one
    const g = detectGap(prev, sample(c), policy);
    expect(g).toMatchObject({ suspended: true, why: 'clocks_disagree' });
  });

  it('does not take a late tick (event loop busy) for a suspend', () => {
    const c = new ManualClock(T0);
    const prev = sample(c);
    c.advance(55_000);
    expect(detectGap(prev, sample(c), policy).suspended).toBe(false);
  });

  it('after a long sleep with no activity, idle-pauses no later than the last checkpoint', () => {
    const c = new ManualClock(T0 + 60_000);
    const prev = sample(c);
    c.jumpWall(8 * 3_600_000);
    const d = decideTick(
      prev,
      sample(c),
      [session({ checkpoint_at: prev.wall, last_activity_at: T0 + 50_000 })],
      policy,
    );
    expect(d.actions[0]).toMatchObject({ type: 'idle', pause_at: T0 + 60_000 });
  });

  it('never dates a pause before the interval started', () => {
    const c = new ManualClock(T0 + 20 * 60_000);
    const prev = sample(c);
    c.advance(30_000);
    const d = decideTick(
      prev,
      sample(c),
      [session({ started_at: T0 + 19 * 60_000, checkpoint_at: prev.wall })],
      policy,
    );
    expect(d.actions[0]).toMatchObject({ type: 'idle', pause_at: T0 + 19 * 60_000 });
  });
});

describe('cronFor', () => {
  it('maps tick periods to cron patterns, rounding down where cron cannot express them', () => {
    expect(cronFor(30)).toEqual({ pattern: '*/30 * * * * *', seconds: 30 });
    expect(cronFor(45)).toEqual({ pattern: '*/30 * * * * *', seconds: 30 });
    expect(cronFor(120)).toEqual({ pattern: '0 */2 * * * *', seconds: 120 });
    expect(cronFor(420)).toEqual({ pattern: '0 */6 * * * *', seconds: 360 });
    expect(cronFor(3600)).toEqual({ pattern: '0 0 * * * *', seconds: 3600 });
  });
});

describe('decideTick for coding agents', () => {
  it("pauses an agent that fell silent at its very last sign of life, after the agents' own timeout", () => {
    // The tick after the agent timeout: the agent had been silent 150 s; a person's session, just as silent, runs on.
    const c = new ManualClock(T0 + 150_000);
    const prev = sample(c);
    c.advance(30_000);
    const agent = session({ id: 2, key: 'SESSION-002', agent: 1, checkpoint_at: prev.wall });
    const person = session({ checkpoint_at: prev.wall });
    const d = decideTick(prev, sample(c), [person, agent], policy);
    expect(d.actions).toEqual([
      {
        type: 'idle',
        session: 2,
        key: 'SESSION-002',
        pause_at: T0,
        last_activity_at: T0,
        idle_ms: 180_000,
      },
    ]);
  });

  it('lets an agent that is still reporting run on', () => {
    const c = new ManualClock(T0 + 149_000);
    const prev = sample(c);
    c.advance(1_000);
    const d = decideTick(
      prev,
      sample(c),
      [session({ agent: 1, last_activity_at: T0 + 10_000, checkpoint_at: prev.wall })],
      policy,
    );
    expect(d.actions).toEqual([]);
  });

  it("an agent session's own idle timeout wins over the agents' default", () => {
    const c = new ManualClock(T0 + 300_000);
    const prev = sample(c);
    c.advance(30_000);
    const d = decideTick(
      prev,
      sample(c),
      [session({ agent: 1, idle_timeout_ms: 600_000, checkpoint_at: prev.wall })],
      policy,
    );
    expect(d.actions).toEqual([]);
  });
});
