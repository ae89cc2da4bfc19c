import { describe, expect, it } from 'vitest';
import { decideTick, type TickSession } from '../../daemon/app/sessions/tick.js';

const policy = { tickMs: 30_000, graceMs: 30_000, idleTimeoutMs: 15 * 60_000, agentIdleTimeoutMs: 150_000 };
const session = (over: Partial<TickSession>): TickSession => ({
  id: 1,
  key: 'SESSION-001',
  last_activity_at: 0,
  idle_timeout_ms: null,
  agent: 0,
  started_at: 0,
  checkpoint_at: 0,
  ...over,
});

describe('decideTick after a suspend', () => {
  it('ends an interval that spans the gap at its last checkpoint', () => {
    const prev = { wall: 60_000, mono: 60_000 };
    const now = { wall: 3_660_000, mono: 90_000 };
    const d = decideTick(
      prev,
      now,
      [session({ started_at: 0, checkpoint_at: 60_000, last_activity_at: 3_000_000 })],
      policy,
    );
    expect(d.actions).toEqual([
      { type: 'suspend', session: 1, key: 'SESSION-001', end_at: 60_000, reopen_at: 3_660_000, why: 'wall_gap' },
    ]);
  });

  it('leaves alone an interval that started after the wake-up', () => {
    const prev = { wall: 60_000, mono: 60_000 };
    const now = { wall: 3_660_000, mono: 90_000 };
    const fresh = session({ started_at: 3_650_000, checkpoint_at: 3_650_000, last_activity_at: 3_650_000 });
    expect(decideTick(prev, now, [fresh], policy).actions).toEqual([]);
  });
});
