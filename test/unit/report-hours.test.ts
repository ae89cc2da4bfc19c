// The report by day from the per-hour totals (interval_hours, kept by triggers on
// `intervals`) against a sum over the intervals themselves: after random intervals and
// corrections made with plain SQL (inserts, closes, reopens, moves, resizes, splits,
// deletes, actor changes, an undo's delete-and-restore, a bulk import with the trigger
// muted), in zones whose days are whole UTC hours (the fast path) and zones whose days are
// not (the exact path), over DST switches, with open intervals, intervals over midnight
// and intervals longer than a day, per actor or not, for one actor or all.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../daemon/clock.js';
import { defaultConfig } from '../../daemon/config.js';
import { migrate, openDatabase, type Db } from '../../daemon/store/database.js';
import { migrations } from '../../daemon/store/migrations.js';
import { Sql } from '../../daemon/store/sql.js';
import type { App, Call } from '../../daemon/app/app.js';
import { assembleApp } from '../../daemon/assemble-app.js';
import { report } from '../../daemon/app/time/reports.js';
import { insertWithTotalsOnce } from '../../daemon/app/time/totals.js';
import { daysBetween, dayStart, localDayKey, nextDayKey, prevDayKey } from '../../daemon/app/time/timeline.js';

const H = 3_600_000;
const DAY = 24 * H;
const ACTORS = ['a', 'b'] as const;
// Windows of ten days around DST switches (Berlin, New York, Santiago's skipped midnight,
// Lord Howe's half-hour switch) and a quiet one.
const WINDOWS = ['2026-03-05', '2026-03-26', '2026-06-10', '2026-09-03', '2026-10-22', '2026-10-29'].map((d) =>
  Date.parse(`${d}T00:00:00Z`),
);
// Whole-hour zones take the per-hour path; Kolkata, Chatham and Lord Howe (half-hour DST) the exact one.
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/Santiago',
  'Pacific/Auckland',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'Australia/Lord_Howe',
];

function seed(db: Db): void {
  ACTORS.forEach((actor, i) =>
    db
      .prepare(
        `INSERT INTO sessions (id, key, actor, os_user, source, type, status, started_at, last_activity_at)
         VALUES (?, ?, ?, 'u', 'cli', 'work', 'active', 0, 0)`,
      )
      .run(i + 1, `S-${i + 1}`, actor),
  );
}

const length = fc.oneof(
  fc.integer({ min: 0, max: 3 * H }),
  fc.integer({ min: 0, max: 26 * H }),
  fc.integer({ min: DAY - 2, max: DAY + 2 }),
  fc.integer({ min: 0, max: 3 * DAY }),
);
const maybeLength = fc.option(length, { nil: null });
const when = fc.integer({ min: 0, max: 10 * DAY });
const actor = fc.constantFrom(...ACTORS);
const mutation = fc.oneof(
  fc.record({ t: fc.constant('insert' as const), actor, start: when, len: maybeLength }),
  fc.record({ t: fc.constant('close' as const), pick: fc.nat(), len: length }),
  fc.record({ t: fc.constant('reopen' as const), pick: fc.nat() }),
  fc.record({ t: fc.constant('move' as const), pick: fc.nat(), by: fc.integer({ min: -DAY, max: DAY }) }),
  fc.record({ t: fc.constant('resize' as const), pick: fc.nat(), len: length }),
  fc.record({ t: fc.constant('reattribute' as const), pick: fc.nat(), actor }),
  fc.record({ t: fc.constant('split' as const), pick: fc.nat(), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ t: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ t: fc.constant('undo' as const) }),
  fc.record({
    t: fc.constant('bulk' as const),
    rows: fc.array(fc.record({ actor, start: when, len: maybeLength }), { maxLength: 8 }),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

interface Row {
  id: number;
  actor: string;
  started_at: number;
  ended_at: number | null;
}

function apply(db: Db, base: number, m: Mutation): void {
  const ids = db.prepare('SELECT id FROM intervals ORDER BY id').pluck().all() as number[];
  const pick = (n: number) => (ids.length ? ids[n % ids.length] : null);
  const row = (id: number) => db.prepare('SELECT * FROM intervals WHERE id = ?').get(id) as Row;
  const insert = db.prepare(
    `INSERT INTO intervals (session_id, actor, started_at, checkpoint_at, ended_at) VALUES (?, ?, ?, ?, ?)`,
  );
  const sessionOf = (a: string) => ACTORS.indexOf(a as (typeof ACTORS)[number]) + 1;
  switch (m.t) {
    case 'insert':
      insert.run(
        sessionOf(m.actor),
        m.actor,
        base + m.start,
        base + m.start,
        m.len == null ? null : base + m.start + m.len,
      );
      return;
    case 'close': {
      const id = pick(m.pick);
      if (id != null)
        db.prepare('UPDATE intervals SET ended_at = started_at + ? WHERE id = ? AND ended_at IS NULL').run(m.len, id);
      return;
    }
    case 'reopen': {
      const id = pick(m.pick);
      if (id != null) db.prepare('UPDATE intervals SET ended_at = NULL WHERE id = ?').run(id);
      return;
    }
    case 'move': {
      const id = pick(m.pick);
      if (id != null)
        db.prepare('UPDATE intervals SET started_at = started_at + ?1, ended_at = ended_at + ?1 WHERE id = ?2').run({
          1: m.by,
          2: id,
        });
      return;
    }
    case 'resize': {
      const id = pick(m.pick);
      if (id != null)
        db.prepare('UPDATE intervals SET ended_at = started_at + ? WHERE id = ? AND ended_at IS NOT NULL').run(
          m.len,
          id,
        );
      return;
    }
    case 'reattribute': {
      const id = pick(m.pick);
      if (id != null)
        db.prepare('UPDATE intervals SET actor = ?, session_id = ? WHERE id = ?').run(m.actor, sessionOf(m.actor), id);
      return;
    }
    case 'split': {
      const id = pick(m.pick);
      if (id == null) return;
      const r = row(id);
      if (r.ended_at == null) return;
      const cut = r.started_at + Math.floor((r.ended_at - r.started_at) * m.at);
      db.prepare('UPDATE intervals SET ended_at = ? WHERE id = ?').run(cut, id);
      insert.run(sessionOf(r.actor), r.actor, cut, cut, r.ended_at);
      return;
    }
    case 'delete': {
      const id = pick(m.pick);
      if (id != null) db.prepare('DELETE FROM intervals WHERE id = ?').run(id);
      return;
    }
    case 'undo':
      // Restores rows as an undo would: delete everything, put back a copy of what was there.
      db.exec(`CREATE TEMP TABLE IF NOT EXISTS saved AS SELECT * FROM intervals WHERE 0;
        DELETE FROM saved; INSERT INTO saved SELECT * FROM intervals;
        DELETE FROM intervals; INSERT INTO intervals SELECT * FROM saved;`);
      return;
    case 'bulk':
      // Many intervals in one statement, their totals added once (as the Timewarrior import does).
      insertWithTotalsOnce(new Sql(db), () =>
        db
          .prepare(
            `INSERT INTO intervals (session_id, actor, started_at, checkpoint_at, ended_at)
             SELECT value->>0, value->>1, value->>2, value->>2, value->>3 FROM json_each(?)`,
          )
          .run(
            JSON.stringify(
              m.rows.map((r) => [
                sessionOf(r.actor),
                r.actor,
                base + r.start,
                r.len == null ? null : base + r.start + r.len,
              ]),
            ),
          ),
      );
      return;
  }
}

/** interval_hours recomputed from the intervals, against the stored rows (zero rows left out). */
function expectHoursMatch(db: Db): void {
  const want = new Map<string, [number, number, number]>();
  for (const r of db.prepare('SELECT actor, started_at, ended_at FROM intervals').all() as Row[]) {
    const { started_at: s, ended_at: e } = r;
    if (e === null || e <= s || e - s > DAY) continue;
    for (let h = Math.floor(s / H); h * H < e; h++) {
      const k = `${h} ${r.actor}`;
      const cur = want.get(k) ?? [0, 0, 0];
      cur[0] += Math.min(e, (h + 1) * H) - Math.max(s, h * H);
      cur[1] += h * H <= s ? 1 : 0;
      cur[2] += h * H > s ? 1 : 0;
      want.set(k, cur);
    }
  }
  const stored = new Map(
    (
      db
        .prepare(
          'SELECT hour, actor, ms, starts, crosses FROM interval_hours WHERE ms != 0 OR starts != 0 OR crosses != 0',
        )
        .all() as { hour: number; actor: string; ms: number; starts: number; crosses: number }[]
    ).map((r) => [`${r.hour} ${r.actor}`, [r.ms, r.starts, r.crosses]]),
  );
  expect(stored).toEqual(want);
}

/** The report by day computed the plain way: every interval cut at every day's real bounds. */
function expected(
  db: Db,
  p: { since: string; until: string; tz: string; per_actor: boolean; actor: string | null },
  now: number,
) {
  const from = dayStart(p.since, p.tz);
  const to = dayStart(nextDayKey(p.until), p.tz);
  const days = daysBetween(from, to, p.tz);
  const sums = new Map<string, { key: string; actor: string; label: string; ms: number; n: number }>();
  let intervals = 0;
  let totalMs = 0;
  for (const r of db.prepare('SELECT actor, started_at, ended_at FROM intervals').all() as Row[]) {
    if (p.actor !== null && r.actor !== p.actor) continue;
    const s = r.started_at;
    const e = r.ended_at ?? Math.max(now, s);
    if (e <= s || e <= from || s >= to) continue;
    intervals++;
    for (const d of days) {
      const ms = Math.min(e, d.end) - Math.max(s, d.start);
      if (ms <= 0) continue;
      totalMs += ms;
      const a = p.per_actor ? r.actor : '';
      const k = `${d.key} ${a}`;
      const cur = sums.get(k) ?? {
        key: d.key,
        actor: a,
        label: `${Math.round((d.end - d.start) / H)}h day`,
        ms: 0,
        n: 0,
      };
      cur.ms += ms;
      cur.n++;
      sums.set(k, cur);
    }
  }
  const rows = [...sums.values()]
    .sort((x, y) => x.key.localeCompare(y.key) || x.actor.localeCompare(y.actor))
    .map((g) => ({
      key: g.key,
      label: g.label,
      actor: p.per_actor ? g.actor : null,
      seconds: Math.round(g.ms / 1000),
      intervals: g.n,
    }));
  return { rows, total_seconds: Math.round(totalMs / 1000), intervals };
}

function world(now: number) {
  const db = openDatabase(':memory:');
  seed(db);
  const app: App = assembleApp({ sql: new Sql(db), clock: new ManualClock(now), config: defaultConfig() });
  const call: Call = { app, now, source: 'cli', events: [] };
  return { db, app, call };
}

const query = fc.record({
  zone: fc.constantFrom(...ZONES),
  sinceDays: fc.integer({ min: -1, max: 10 }),
  days: fc.integer({ min: 0, max: 11 }),
  perActor: fc.boolean(),
  actor: fc.option(actor, { nil: null }),
  // The actor named by its session instead (sessions are one per actor here): a filter the
  // per-hour totals do not carry, so the same report by the exact path.
  bySession: fc.boolean(),
});

describe('the report by day from per-hour totals', () => {
  it('equals the intervals cut at every local day, after any mutation, in any zone', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...WINDOWS),
        fc.array(mutation, { maxLength: 30 }),
        fc.integer({ min: 0, max: 11 * DAY }),
        fc.array(query, { minLength: 1, maxLength: 4 }),
        (base, ms, nowAfter, queries) => {
          const now = base + nowAfter;
          const { db, call } = world(now);
          for (const m of ms) db.transaction(() => apply(db, base, m))();
          expectHoursMatch(db);
          expect(db.prepare('SELECT count(*) FROM time_totals_deferred').pluck().get()).toBe(0);
          for (const q of queries) {
            const since =
              q.sinceDays < 0 ? prevDayKey(localDayKey(base, q.zone)) : localDayKey(base + q.sinceDays * DAY, q.zone);
            let until = since;
            for (let i = 0; i < q.days; i++) until = nextDayKey(until);
            const p = { since, until, tz: q.zone, per_actor: q.perActor, actor: q.actor };
            const named = q.actor
              ? q.bySession
                ? { session: `S-${ACTORS.indexOf(q.actor) + 1}` }
                : { actor: q.actor }
              : {};
            const r = report(call, { by: 'day', ...p, actor: undefined, ...named });
            const want = expected(db, p, now);
            expect(
              r.rows.map(({ key, label, actor: a, seconds, intervals }) => ({
                key,
                label,
                actor: a,
                seconds,
                intervals,
              })),
            ).toEqual(want.rows);
            expect(r.total_seconds).toBe(want.total_seconds);
            expect(r.counts.intervals).toBe(want.intervals);
          }
          db.close();
        },
      ),
      { numRuns: 300 },
    );
    // Hundreds of databases: seconds on a quiet machine, more on a loaded one.
  }, 180_000);

  it('are read for whole-hour zones without filters, and not otherwise', () => {
    // A planted hour that no interval explains shows which path a report took.
    const now = Date.parse('2026-06-12T12:00:00Z');
    const { db, call } = world(now);
    db.prepare(
      `INSERT INTO intervals (session_id, actor, started_at, checkpoint_at, ended_at) VALUES (1, 'a', ?, ?, ?)`,
    ).run(Date.parse('2026-06-10T08:00:00Z'), 0, Date.parse('2026-06-10T09:00:00Z'));
    db.prepare("UPDATE interval_hours SET ms = ms + 1000 WHERE actor = 'a'").run();
    const seconds = (tz: string, extra: Record<string, unknown> = {}) =>
      report(call, { by: 'day', since: '2026-06-10', until: '2026-06-10', tz, ...extra }).total_seconds;
    expect(seconds('Europe/Berlin')).toBe(3601);
    expect(seconds('Europe/Berlin', { actor: 'a' })).toBe(3601);
    expect(seconds('Europe/Berlin', { per_actor: true })).toBe(3601);
    // Kolkata's days start on the half hour; a session filter is not in the per-hour totals.
    expect(seconds('Asia/Kolkata')).toBe(3600);
    expect(seconds('Europe/Berlin', { session: 'S-1' })).toBe(3600);
    db.close();
  });

  it('are backfilled by the migration from intervals recorded before it', () => {
    const at = migrations.findIndex((m) => m.includes('CREATE TABLE interval_hours'));
    expect(at).toBeGreaterThan(0);
    const db = new Database(':memory:');
    for (let v = 0; v < at; v++) {
      db.exec(migrations[v]);
      db.pragma(`user_version = ${v + 1}`);
    }
    seed(db);
    const base = Date.parse('2026-03-28T20:00:00Z');
    const ins = db.prepare(
      `INSERT INTO intervals (session_id, actor, started_at, checkpoint_at, ended_at) VALUES (?, ?, ?, ?, ?)`,
    );
    for (let i = 0; i < 60; i++) {
      const start = base + i * 1_234_567;
      const len = [0, 60_000, 5 * H + 17, DAY, DAY + 1, 2 * DAY][i % 6];
      ins.run(1 + (i % 2), ACTORS[i % 2], start, start, i === 59 ? null : start + len);
    }
    migrate(db);
    expectHoursMatch(db);
    db.close();
  });
});
