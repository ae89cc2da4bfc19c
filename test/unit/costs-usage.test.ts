// Usage windows on the injected clock: where a 5-hour block opens and closes, its burn
// rate and projection to the reset, the weekly window from its anchor, and the warning a
// configured limit gives before it is reached.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../daemon/clock.js';
import { configSchema } from '../../daemon/config.js';
import { openDatabase } from '../../daemon/store/database.js';
import { Sql } from '../../daemon/store/sql.js';
import { newCall } from '../../daemon/app/app.js';
import { assembleApp } from '../../daemon/assemble-app.js';
import { currentBlock, usage } from '../../daemon/app/costs/usage.js';

const H = 3_600_000;
const T0 = Date.parse('2026-05-04T09:20:00Z');
let n = 0;

function world(usageConfig: Record<string, unknown> = {}) {
  const clock = new ManualClock(T0);
  const sql = new Sql(openDatabase(':memory:'));
  const app = assembleApp({ sql, clock, config: configSchema.parse({ usage: usageConfig }) });
  sql.run(
    `INSERT INTO sessions (id, key, actor, os_user, source, type, status, started_at, last_activity_at)
     VALUES (1, 'SESSION-001', 'claude', 'u', 'hook', 'work', 'active', 0, 0)`,
  );
  /** One Sonnet 4.5 message: 1M output tokens cost $15. */
  const message = (at: number, output: number) =>
    sql.run(
      `INSERT INTO agent_tokens (session_id, actor, message_id, model, output_tokens, at) VALUES (1, 'claude', ?, 'claude-sonnet-4-5', ?, ?)`,
      `m${++n}`,
      output,
      at,
    );
  return { clock, app, message, at: (ms: number) => usage({ ...newCall(app), now: ms }) };
}

describe('usage windows', () => {
  it('a block opens at the hour of its first message and closes 5 hours later or after a 5-hour gap', () => {
    const h = (x: number) => T0 + x * H;
    expect(currentBlock([h(0), h(1)], h(2), 5)).toEqual({ start: Date.parse('2026-05-04T09:00:00Z'), first: h(0) });
    // Past the block's end with no message: none open.
    expect(currentBlock([h(0), h(1)], h(5), 5)).toBeNull();
    // A message 4h40m after the start still falls in it; one at 5h opens the next block.
    expect(currentBlock([h(0), h(4.6)], h(4.65), 5)?.start).toBe(Date.parse('2026-05-04T09:00:00Z'));
    expect(currentBlock([h(0), h(4.7), h(5.5)], h(6), 5)?.start).toBe(Date.parse('2026-05-04T14:00:00Z'));
    // A chain of messages keeps opening blocks at the hour of the first message after the last block's end.
    expect(currentBlock([h(0), h(3), h(6), h(9)], h(9.5), 5)).toEqual({
      start: Date.parse('2026-05-04T15:00:00Z'),
      first: h(6),
    });
  });

  it('shows the block, its burn rate and the projection to its reset', () => {
    const w = world();
    // 200k output tokens ($3) at 09:20, 200k more ($3) at 10:20: $6 in 1 hour.
    w.message(T0, 200_000);
    w.message(T0 + H, 200_000);
    const r = w.at(T0 + H);
    expect(r.agents).toHaveLength(1);
    const block = r.agents[0].windows[0];
    expect(block).toMatchObject({
      kind: 'block',
      start: '2026-05-04T09:00:00.000Z',
      end: '2026-05-04T14:00:00.000Z',
      active: true,
      remaining_seconds: (3 * 60 + 40) * 60,
      total_tokens: 400_000,
      burn: { tokens_per_hour: 400_000, usd_per_hour: '6.00' },
      limit: null,
      warning: null,
    });
    expect(block.cost.exact_usd).toBe('6');
    // 3h40m more at $6/h: $6 + $22 = $28.
    expect(block.projected).toEqual({ tokens: 400_000 + 1_466_667, usd: '28' });
    // After 14:00 and no message: the block is closed.
    expect(w.at(T0 + 5 * H).agents[0].windows[0].active).toBe(false);
  });

  it('a configured limit warns before it is reached, and when it is passed', () => {
    const w = world({
      claude: { block_limit_usd: '20', week_limit_tokens: 10_000_000, week_starts: '2026-05-04T00:00:00Z' },
    });
    w.message(T0, 200_000); // $3
    // $3 of $20 used (15%) an hour after the first message: $3/h for 3h40m more projects $14 (70%).
    let block = w.at(T0 + H).agents[0].windows[0];
    expect(block.limit).toEqual({ usd: '20', tokens: null, used_percent: 15, projected_percent: 70 });
    expect(block.warning).toBeNull();
    // $12 by 10:20 ($3 + 600k × $15): 60% used; $12/h for 3h40m projects $56, 280%: $20 reached 40 minutes on.
    w.message(T0 + H, 600_000);
    block = w.at(T0 + H).agents[0].windows[0];
    expect(block.limit).toMatchObject({ used_percent: 60, projected_percent: 280 });
    expect(block.warning).toBe(
      "claude's 5-hour window is at 60% of $20.00; at this rate it reaches the limit around 2026-05-04T11:00:00.000Z, before it resets at 2026-05-04T14:00:00.000Z",
    );
    // $16.50: 82.5% ≥ warn_percent 80.
    w.message(T0 + H + 60_000, 300_000);
    expect(w.at(T0 + H + 60_000).agents[0].windows[0].warning).toBe(
      "claude's 5-hour window has used 82.5% of its limit of $20.00; it resets at 2026-05-04T14:00:00.000Z",
    );
    w.message(T0 + 2 * H, 400_000);
    expect(w.at(T0 + 2 * H).agents[0].windows[0].warning).toMatch(/is past its limit of \$20\.00 \(112\.5%\)/);
    // The week runs from its anchor: Monday 00:00 to the next Monday, 1.5M of 10M tokens.
    const week = w.at(T0 + 2 * H).agents[0].windows[1];
    expect(week).toMatchObject({
      kind: 'week',
      start: '2026-05-04T00:00:00.000Z',
      end: '2026-05-11T00:00:00.000Z',
      total_tokens: 1_500_000,
      limit: { usd: null, tokens: 10_000_000, used_percent: 15 },
    });
  });
});
