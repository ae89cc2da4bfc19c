// Reports through the real fragctl against a real daemon on the fake clock: DST days,
// parallel human and agent timelines, CSV and the table; heartbeats and their coalescing;
// the debug methods refused on a daemon that runs on the system clock.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FragClient } from '../../client/lib/client.js';
import { startDaemon, type TestDaemon } from '../support/daemon.js';

const MIN = 60_000;
// 00:30 in Berlin on the night clocks go forward (02:00 → 03:00).
const T0 = Date.parse('2026-03-28T23:30:00Z');

let d: TestDaemon;
let c: FragClient;
beforeAll(async () => {
  d = await startDaemon({ FRAGD_TEST_CLOCK: String(T0) });
  c = await d.client();
  await c.call('task.create', { code: 'NIGHT', title: 'Night shift', estimate_minutes: 120 });
  await c.call('task.create', { code: 'BOT', title: 'Agent work' });
  await c.call('session.start', { actor: 'human' });
  await c.call('session.start', { actor: 'claude', idle_timeout_seconds: 3600 });
  await c.call('task.activate', { actor: 'human', code: 'NIGHT' });
  await c.call('task.activate', { actor: 'claude', code: 'BOT' });
  // 00:30 → 04:30 Berlin wall time, which is 3 hours of real time; both keep working.
  for (let i = 0; i < 36; i++) {
    await c.call('debug.clock', { advance_ms: 5 * MIN, ticking: true });
    await c.call('heartbeat', { actor: 'human', file: 'night.ts' });
    await c.call('heartbeat', { actor: 'claude', file: 'bot.ts', editor: 'claude-code' });
  }
  await c.call('session.end', { actor: 'human' });
  await c.call('session.end', { actor: 'claude' });
});
afterAll(async () => {
  c?.close();
  await d?.dispose();
});

describe('fragctl report', () => {
  it('puts 00:30→04:30 Berlin on the DST night as 3 hours on one local day', async () => {
    const r = await d.json(
      ['report', '--by', 'day', '--since', '2026-03-28', '--until', '2026-03-29', '--actor', 'human'],
      { env: { TZ: 'Europe/Berlin' } },
    );
    expect(r.code).toBe(0);
    expect(r.body.tz).toBe('Europe/Berlin');
    expect(r.body.rows).toEqual([
      expect.objectContaining({ key: '2026-03-29', label: '23h day', actor: null, seconds: 3 * 3600, intervals: 1 }),
    ]);
    expect(r.body.range).toEqual({ from: '2026-03-27T23:00:00.000Z', to: '2026-03-29T22:00:00.000Z' });
  });

  it('shows the same work on the previous local day in New York', async () => {
    const r = await d.json(
      ['report', '--by', 'day', '--since', '2026-03-28', '--until', '2026-03-29', '--actor', 'human'],
      { env: { TZ: 'America/New_York' } },
    );
    expect(r.body.rows.map((x: any) => [x.key, x.seconds])).toEqual([['2026-03-28', 3 * 3600]]);
  });

  it('separates or merges the human and agent timelines without double counting', async () => {
    const range = ['--since', '2026-03-28', '--until', '2026-03-29', '--tz', 'Europe/Berlin'];
    const byActor = await d.json(['report', '--by', 'actor', ...range]);
    expect(byActor.body.rows.map((x: any) => [x.key, x.seconds])).toEqual([
      ['claude', 10800],
      ['human', 10800],
    ]);
    expect(byActor.body.total_seconds).toBe(21600);
    const merged = await d.json(['report', '--by', 'day', ...range]);
    expect(merged.body.rows.map((x: any) => [x.key, x.seconds])).toEqual([['2026-03-29', 21600]]);
    const split = await d.json(['report', '--by', 'day', '--per-actor', ...range]);
    expect(split.body.rows.map((x: any) => [x.key, x.actor, x.seconds])).toEqual([
      ['2026-03-29', 'claude', 10800],
      ['2026-03-29', 'human', 10800],
    ]);
    expect(merged.body.counts).toEqual({ intervals: 2, sessions: 2, actors: 2 });
    const one = await d.json(['report', '--by', 'task', '--session', 'SESSION-002', ...range]);
    expect(one.body.rows.map((x: any) => [x.key, x.seconds])).toEqual([['BOT', 10800]]);
    expect(one.body.counts).toEqual({ intervals: 1, sessions: 1, actors: 1 });
    const none = await d.json(['report', '--session', 'SESSION-999', ...range]);
    expect(none.body.error.message).toMatch(/no session SESSION-999/);
  });

  it('prints a table with totals and estimate vs actual, and CSV', async () => {
    const range = ['--since', '2026-03-29', '--until', '2026-03-29'];
    const text = await d.fragctl(['report', '--by', 'task', ...range], { env: { TZ: 'Europe/Berlin' } });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/time by task · 2026-03-29 → 2026-03-29 \(Europe\/Berlin\)/);
    expect(text.stdout).toMatch(/NIGHT\s*│\s*Night shift\s*│\s*3h00m\s*│\s*3h00m\s*│\s*2h00m\s*│\s*\+50%/);
    expect(text.stdout).toMatch(/Total\s*│.*6h00m/);
    const csv = await d.fragctl(['report', '--by', 'task', '--csv', ...range], { env: { TZ: 'Europe/Berlin' } });
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'by,key,label,actor,seconds,hours,intervals,estimate_minutes,total_seconds,variance_percent,input_tokens,output_tokens,cache_creation_tokens,cache_read_tokens,cost_usd,cost_exact_usd,unpriced_tokens',
    );
    expect(lines).toContain('task,NIGHT,Night shift,,10800,3.00,1,120,10800,50,0,0,0,0,0.00,0,0');
    expect(lines.at(-1)).toBe('total,,,,21600,6.00,2,,,,0,0,0,0,0.00,0,0');
  });

  it('refuses bad dates and zones with an actionable error, and the daemon stays up', async () => {
    const bad = await d.json(['report', '--since', '2026-02-30']);
    expect(bad.code).not.toBe(0);
    expect(bad.body.error.message).toMatch(/YYYY-MM-DD|not a day of the calendar/);
    const zone = await d.json(['report', '--tz', 'Mars/Olympus']);
    expect(zone.body.error.message).toMatch(/unknown time zone Mars\/Olympus/);
    const order = await d.json(['report', '--since', '2026-03-29', '--until', '2026-03-01']);
    expect(order.body.error.message).toMatch(/after --until/);
    expect((await d.json(['daemon', 'status'])).code).toBe(0);
  });
});

describe('heartbeats', () => {
  it('coalesce beats on one file within a minute into one activity row', async () => {
    await c.call('session.start', { actor: 'ed' });
    const first = await d.json([
      'heartbeat',
      '--actor',
      'ed',
      '--file',
      'a.ts',
      '--editor',
      'vim',
      '--language',
      'typescript',
    ]);
    expect(first.body).toMatchObject({ recorded: true, coalesced: false, count: 1 });
    for (let i = 0; i < 9; i++) {
      await c.call('debug.clock', { advance_ms: 5_000 });
      await c.call('heartbeat', { actor: 'ed', file: 'a.ts' });
    }
    const other = await c.call('heartbeat', { actor: 'ed', file: 'b.ts' });
    expect(other.coalesced).toBe(false);
    await c.call('debug.clock', { advance_ms: 30_000 });
    const late = await c.call('heartbeat', { actor: 'ed', file: 'a.ts' }); // 75 s after the first: a new row
    expect(late.coalesced).toBe(false);

    const db = new Database(d.paths.db, { readonly: true });
    const rows = db
      .prepare(
        "SELECT id, data FROM activities WHERE kind = 'heartbeat' AND session_id = (SELECT id FROM sessions WHERE actor = 'ed') ORDER BY id",
      )
      .all() as { id: number; data: string }[];
    const status = db.prepare("SELECT last_activity_at FROM sessions WHERE actor = 'ed'").get() as {
      last_activity_at: number;
    };
    db.close();
    expect(rows.map((r) => [JSON.parse(r.data).file, JSON.parse(r.data).count])).toEqual([
      ['a.ts', 10],
      ['b.ts', 1],
      ['a.ts', 1],
    ]);
    expect(JSON.parse(rows[0].data)).toMatchObject({ editor: 'vim', language: 'typescript' });
    expect(status.last_activity_at).toBe(JSON.parse(rows[2].data).last_at);
  });

  it('resume an idle-paused session (reporting the gap) but not a deliberate pause', async () => {
    await c.call('session.pause', { actor: 'ed', reason: 'meeting' });
    const ignored = await c.call('heartbeat', { actor: 'ed', file: 'a.ts' });
    expect(ignored).toMatchObject({ recorded: false, status: 'paused' });
    await c.call('session.resume', { actor: 'ed' });
    const idle = await c.call('debug.clock', { advance_ms: 16 * MIN, ticking: true });
    expect(idle.ticks.flatMap((t) => t.idle_paused)).toHaveLength(1);
    await c.call('debug.clock', { advance_ms: 4 * MIN, ticking: true });
    const back = await d.json(['heartbeat', '--actor', 'ed', '--file', 'a.ts']);
    expect(back.body.resumed).toEqual({ interrupted_seconds: 20 * 60 - 30 });
    expect(back.body.status).toBe('active');

    // Any other call that brings the session back says how long it was away, too.
    await c.call('debug.clock', { advance_ms: 25 * MIN, ticking: true });
    const upd = await d.json(['update', 'back from a long think', '--actor', 'ed']);
    expect(upd.code).toBe(0);
    expect(upd.body.resumed_after_idle).toMatchObject({ interrupted_seconds: 25 * 60 - 30 });
    const plain = await d.json(['update', 'and going on', '--actor', 'ed']);
    expect(plain.body.resumed_after_idle).toBeUndefined();
  });
});

describe('estimates at completion', () => {
  it('ask to record the real effort when a finished task was far over or far under its estimate', async () => {
    const over = await c.call('task.edit', { code: 'NIGHT', status: 'completed', force: true });
    expect(over.estimate_check).toMatchObject({
      estimate_minutes: 120,
      actual_minutes: 180,
      variance_percent: 50,
      needs_new_estimate: true,
    });
    // The planned estimate is never replaced with the time spent.
    expect(over.instructions.suggested_commands.filter((c: string) => c.includes('--estimate'))).toEqual([]);
    expect(over.instructions.next_actions[0]).toMatch(/the planned estimate stays on record beside the actual/);
    await c.call('task.create', { code: 'BIG', title: 'Overestimated', estimate_minutes: 600 });
    const under = await c.call('task.edit', { code: 'BIG', status: 'completed', force: true });
    expect(under.estimate_check).toMatchObject({ actual_minutes: 0, variance_percent: -100, needs_new_estimate: true });
    await c.call('task.create', { code: 'FAIR', title: 'No time on it', estimate_minutes: 0 });
    expect((await c.call('task.edit', { code: 'FAIR', status: 'completed', force: true })).estimate_check).toBeNull();
  });
});

describe('idle timeouts', () => {
  it('apply per session: a long-thinking agent is not paused when a person would be', async () => {
    const slow = await d.json(['session', 'start', '--actor', 'slow', '--idle-timeout', '3600']);
    expect(slow.code).toBe(0);
    expect(slow.body.session.metadata).toMatchObject({ idle_timeout_seconds: 3600 });
    await c.call('session.start', { actor: 'quick' });
    const r = await c.call('debug.clock', { advance_ms: 20 * MIN, ticking: true });
    const paused = r.ticks.flatMap((t) => t.idle_paused);
    expect(paused).toContain((await c.call('session.status', { actor: 'quick' })).session.key);
    expect((await c.call('session.status', { actor: 'slow' })).session.status).toBe('active');
    const bad = await d.json(['session', 'start', '--actor', 'tiny', '--idle-timeout', '5']);
    expect(bad.body.error.message).toMatch(/idle_timeout_seconds/);
  });
});

describe('the debug clock', () => {
  it('is refused by a daemon on the system clock', async () => {
    const real = await startDaemon();
    try {
      const rc = await real.client();
      await expect(rc.call('debug.tick')).rejects.toThrow(/tests only: start fragd with FRAGD_TEST_CLOCK/);
      await expect(rc.call('debug.clock', { advance_ms: 1000 })).rejects.toThrow(/FRAGD_TEST_CLOCK/);
      rc.close();
    } finally {
      await real.dispose();
    }
  });

  it('rejects an unreadable FRAGD_TEST_CLOCK at start-up', async () => {
    await expect(startDaemon({ FRAGD_TEST_CLOCK: 'yesterday' })).rejects.toThrow(
      /FRAGD_TEST_CLOCK must be epoch milliseconds/,
    );
  });
});
