// Property: for any sequence of session operations, clock moves, ticks, suspends and
// crash recoveries, (1) per-task time sums to session active time (and to the by-day
// report), (2) no two intervals of one actor overlap, (3) no suspended span is counted.
// Runs the real domain code on an in-memory SQLite and a ManualClock.
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../daemon/clock.js';
import { defaultConfig } from '../../daemon/config.js';
import { openDatabase } from '../../daemon/store/database.js';
import { Sql } from '../../daemon/store/sql.js';
import { newCall, type App, type Call } from '../../daemon/app/app.js';
import * as sessions from '../../daemon/app/sessions/sessions.js';
import * as context from '../../daemon/app/context/context.js';
import { createTask } from '../../daemon/app/work/items.js';
import { heartbeat } from '../../daemon/app/sessions/heartbeat.js';
import { report } from '../../daemon/app/time/reports.js';
import { Ticker } from '../../daemon/app/sessions/tick.js';
import { recoverOpenIntervals } from '../../daemon/app/sessions/recovery.js';
import { FragError } from '../../shared/errors.js';
import type { IntervalRow } from '../../daemon/app/rows.js';
import { daysBetween, dayStart, splitByDay } from '../../daemon/app/time/timeline.js';
import { assembleApp } from '../../daemon/assemble-app.js';
import { scale } from '../reliability/scale.js';

/** Random histories (fast-check's default 100) and DST interval sets in `npm test`; 300 and 200 with RELIABILITY=full. */
const PROPERTY_RUNS = scale(100, 300);
const DST_RUNS = scale(80, 200);

const ACTORS = ['human', 'claude'] as const;
const TASKS = ['A', 'B', 'C'] as const;
const T0 = Date.parse('2026-06-01T07:00:00Z');

const op = fc.oneof(
  fc.record({ t: fc.constant('start' as const), actor: fc.constantFrom(...ACTORS) }),
  fc.record({
    t: fc.constant('activate' as const),
    actor: fc.constantFrom(...ACTORS),
    task: fc.constantFrom(...TASKS),
  }),
  fc.record({ t: fc.constant('deactivate' as const), actor: fc.constantFrom(...ACTORS) }),
  fc.record({ t: fc.constant('pause' as const), actor: fc.constantFrom(...ACTORS) }),
  fc.record({ t: fc.constant('resume' as const), actor: fc.constantFrom(...ACTORS) }),
  fc.record({ t: fc.constant('end' as const), actor: fc.constantFrom(...ACTORS) }),
  fc.record({ t: fc.constant('beat' as const), actor: fc.constantFrom(...ACTORS) }),
  fc.record({ t: fc.constant('advance' as const), ms: fc.integer({ min: 1_000, max: 40 * 60_000 }) }),
  fc.record({ t: fc.constant('suspend' as const), ms: fc.integer({ min: 5 * 60_000, max: 3 * 3_600_000 }) }),
  fc.record({ t: fc.constant('crash' as const) }),
  // An NTP step backwards: the wall clock goes back, the monotonic clock does not.
  fc.record({ t: fc.constant('clockBack' as const), ms: fc.integer({ min: 1_000, max: 30 * 60_000 }) }),
);

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function world() {
  const clock = new ManualClock(T0);
  const sql = new Sql(openDatabase(':memory:'));
  const app: App = assembleApp({ sql, clock, config: defaultConfig() });
  const log = pino({ level: 'silent' });
  let ticker = new Ticker(app, { submit: async (r) => r(), publish: () => undefined, log });
  const call = (): Call => newCall(app, 'cli');
  const tx = <T>(f: () => T): T | undefined => {
    try {
      return sql.db.transaction(f)();
    } catch (err) {
      if (err instanceof FragError) return undefined; // an operation the state refuses is fine
      throw err;
    }
  };
  for (const code of TASKS) tx(() => createTask(call(), { code, title: `task ${code}` }));
  /** Time passes with the daemon awake: ticks every period. */
  const advance = (ms: number) => {
    for (let left = ms; left > 0; left -= 30_000) {
      clock.advance(Math.min(30_000, left));
      tx(() => ticker.runIn(call()));
    }
  };
  const gaps: { from: number; to: number; open: number[] }[] = [];
  return {
    app,
    clock,
    sql,
    run(o: Op) {
      const target = { actor: 'actor' in o ? o.actor : undefined };
      switch (o.t) {
        case 'start':
          return tx(() => sessions.startSession(call(), { actor: o.actor }));
        case 'activate':
          return tx(() => context.activateTask(call(), { ...target, code: o.task }));
        case 'deactivate':
          return tx(() => context.deactivateTask(call(), target));
        case 'pause':
          return tx(() => sessions.pauseSession(call(), target));
        case 'resume':
          return tx(() => sessions.resumeSession(call(), target));
        case 'end':
          return tx(() => sessions.endSession(call(), target));
        case 'beat':
          return tx(() => heartbeat(call(), { ...target, file: 'x.ts' }));
        case 'advance':
          return advance(o.ms);
        case 'suspend': {
          const from = clock.now();
          const open = sql.all<{ id: number }>('SELECT id FROM intervals WHERE ended_at IS NULL').map((r) => r.id);
          clock.jumpWall(o.ms);
          gaps.push({ from, to: clock.now(), open });
          return tx(() => ticker.runIn(call()));
        }
        case 'clockBack':
          clock.jumpWall(-o.ms);
          return;
        case 'crash':
          // The process dies between ticks; a new daemon recovers from the last checkpoint.
          clock.advance(10_000);
          recoverOpenIntervals(app);
          ticker = new Ticker(app, { submit: async (r) => r(), publish: () => undefined, log });
          return;
      }
    },
    gaps,
  };
}

describe('time invariants under random operations', () => {
  it('task time sums to session time, intervals of an actor never overlap, sleep is never counted', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const w = world();
        for (const o of ops) w.run(o);
        const now = w.clock.now();
        const ivs = w.sql.all<IntervalRow>('SELECT * FROM intervals ORDER BY actor, started_at, id');
        const end = (i: IntervalRow) => i.ended_at ?? Math.max(now, i.started_at);

        // (2) per actor, each interval ends before the next starts, and none runs backwards
        for (let k = 0; k < ivs.length; k++) {
          expect(end(ivs[k])).toBeGreaterThanOrEqual(ivs[k].started_at);
          if (k > 0 && ivs[k - 1].actor === ivs[k].actor)
            expect(end(ivs[k - 1])).toBeLessThanOrEqual(ivs[k].started_at);
        }
        // (3) sleep is never counted: an actor's counted time never exceeds the time the
        // machine was awake (the monotonic clock, which neither suspends nor NTP steps move)…
        const perActor = new Map<string, number>();
        for (const i of ivs) perActor.set(i.actor, (perActor.get(i.actor) ?? 0) + end(i) - i.started_at);
        for (const ms of perActor.values()) expect(ms).toBeLessThanOrEqual(w.clock.monotonic());
        // …and, while the wall clock only moved forwards, an interval running when the
        // machine went to sleep ends before the sleep.
        if (!ops.some((o) => o.t === 'clockBack')) {
          for (const g of w.gaps)
            for (const i of ivs) if (g.open.includes(i.id)) expect(end(i)).toBeLessThanOrEqual(g.from);
        }
        // (1) task buckets (including "no task") == sessions' active time == the day report
        const c = newCall(w.app);
        const sessionMs = w.sql
          .all<{ id: number }>('SELECT id FROM sessions')
          .reduce(
            (sum, s) =>
              sum +
              (w.sql.value<number>(
                'SELECT coalesce(sum(coalesce(ended_at, max(?2, started_at)) - started_at), 0) FROM intervals WHERE session_id = ?1',
                s.id,
                now,
              ) ?? 0),
            0,
          );
        const range = { since: '2026-05-31', until: '2026-06-30', tz: 'Europe/Berlin' };
        const byTask = report(c, { by: 'task', ...range });
        const byDay = report(c, { by: 'day', ...range });
        const byActor = report(c, { by: 'actor', ...range });
        const sum = (rows: { seconds: number }[]) => rows.reduce((a, r) => a + r.seconds, 0);
        expect(byTask.total_seconds).toBe(Math.round(sessionMs / 1000));
        expect(byDay.total_seconds).toBe(byTask.total_seconds);
        // Rows are rounded to the second each; their sum stays within a second per row.
        expect(Math.abs(sum(byTask.rows) - byTask.total_seconds)).toBeLessThanOrEqual(byTask.rows.length);
        expect(Math.abs(sum(byDay.rows) - byDay.total_seconds)).toBeLessThanOrEqual(byDay.rows.length);
        expect(Math.abs(sum(byActor.rows) - byActor.total_seconds)).toBeLessThanOrEqual(byActor.rows.length);
        // total_active_seconds of finished sessions agrees with their intervals
        for (const s of w.sql.all<{ id: number; total_active_seconds: number }>(
          "SELECT id, total_active_seconds FROM sessions WHERE status IN ('completed','paused')",
        )) {
          const ms =
            w.sql.value<number>(
              'SELECT coalesce(sum(ended_at - started_at), 0) FROM intervals WHERE session_id = ?',
              s.id,
            ) ?? 0;
          expect(s.total_active_seconds).toBe(Math.floor(ms / 1000));
        }
      }),
      { numRuns: PROPERTY_RUNS },
    );
  }, 120_000);
});

describe('report by day (SQL, offset segments) against the pure day split', () => {
  // Up to 30 h: mostly intervals over a day (one scan); up to 20 h: one query per day.
  it.each([30, 20])(
    'agrees to the second for random intervals (up to %i h) around DST switches in several zones',
    (hours) => {
      const zones = [
        'Europe/Berlin',
        'America/New_York',
        'America/Santiago',
        'Australia/Lord_Howe',
        'Asia/Kolkata',
        'UTC',
      ];
      const span = fc.record({
        start: fc.integer({ min: Date.parse('2026-03-25T00:00:00Z'), max: Date.parse('2026-04-08T00:00:00Z') }),
        len: fc.integer({ min: 1, max: hours * 3_600_000 }),
      });
      fc.assert(
        fc.property(fc.array(span, { minLength: 1, maxLength: 30 }), fc.constantFrom(...zones), (spans, tz) => {
          const clock = new ManualClock(Date.parse('2026-05-01T00:00:00Z'));
          const sql = new Sql(openDatabase(':memory:'));
          const app: App = assembleApp({ sql, clock, config: defaultConfig() });
          // One actor per span: spans of one actor must not overlap, and here they may.
          spans.forEach((s, k) => {
            const sid = sql.run(
              "INSERT INTO sessions (key, actor, os_user, source, type, status, started_at, last_activity_at) VALUES (?, ?, 'u', 'cli', 'work', 'completed', ?, ?)",
              `SESSION-${String(k + 1).padStart(3, '0')}`,
              `a${k}`,
              s.start,
              s.start,
            ).lastInsertRowid;
            sql.run(
              'INSERT INTO intervals (session_id, actor, started_at, checkpoint_at, ended_at) VALUES (?, ?, ?, ?, ?)',
              sid,
              `a${k}`,
              s.start,
              s.start + s.len,
              s.start + s.len,
            );
          });
          const r = report(newCall(app), { by: 'day', since: '2026-03-27', until: '2026-04-06', tz });
          const days = daysBetween(dayStart('2026-03-27', tz), dayStart('2026-04-07', tz), tz);
          const expected = splitByDay(
            spans.map((s) => ({ start: s.start, end: s.start + s.len })),
            days,
          );
          const want = Object.fromEntries(
            [...expected.ms].filter(([, ms]) => ms > 0).map(([k, ms]) => [k, Math.round(ms / 1000)]),
          );
          expect(Object.fromEntries(r.rows.map((x) => [x.key, x.seconds]))).toEqual(want);
          expect(Object.fromEntries(r.rows.map((x) => [x.key, x.intervals]))).toEqual(
            Object.fromEntries([...expected.spans].filter(([k]) => k in want)),
          );
        }),
        { numRuns: DST_RUNS },
      );
    },
  );
});
