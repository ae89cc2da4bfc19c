// The running totals of tracked time (time_totals, kept by triggers on `intervals`) against
// the sums over the intervals themselves, after random mutations made with plain SQL — the
// way a correction, an undo or any future code path changes intervals — and after the
// migration backfills a database that already holds intervals.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Db } from '../../daemon/store/database.js';
import { migrations } from '../../daemon/store/migrations.js';
import { Sql } from '../../daemon/store/sql.js';
import { insertWithTotalsOnce, sessionMs, sessionTaskMs, taskMs, maxSpanBefore } from '../../daemon/app/time/totals.js';
import { scale } from '../reliability/scale.js';

/** 80 random mutation sequences in `npm test`; 200 with RELIABILITY=full. */
const PROPERTY_RUNS = scale(80, 200);

const T0 = Date.parse('2026-06-01T07:00:00Z');
const SESSIONS = [1, 2, 3];
const TASKS = [1, 2, 3, 4]; // 3 and 4 are subtasks of 1

function seed(db: Db): void {
  db.exec(`INSERT INTO projects (id, code, title, created_at, updated_at) VALUES (1, 'P', 'p', 0, 0), (2, 'Q', 'q', 0, 0);
    INSERT INTO sprints (id, code, title, created_at, updated_at) VALUES (1, 'S1', 's', 0, 0), (2, 'S2', 's', 0, 0);
    INSERT INTO tasks (id, code, title, created_at, updated_at) VALUES (1, 'T1', 't', 0, 0), (2, 'T2', 't', 0, 0);
    INSERT INTO tasks (id, code, title, parent_id, created_at, updated_at) VALUES (3, 'T3', 't', 1, 0, 0), (4, 'T4', 't', 1, 0, 0);`);
  for (const id of SESSIONS)
    db.prepare(
      `INSERT INTO sessions (id, key, actor, os_user, source, type, status, started_at, last_activity_at)
       VALUES (?, ?, ?, 'u', 'cli', 'work', 'completed', 0, 0)`,
    ).run(id, `S-${id}`, `actor-${id}`);
}

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
const when = fc.integer({ min: 0, max: 10 * 3_600_000 });
const mutation = fc.oneof(
  fc.record({
    t: fc.constant('insert' as const),
    session: fc.constantFrom(...SESSIONS),
    task: maybe(fc.constantFrom(...TASKS)),
    sprint: maybe(fc.constantFrom(1, 2)),
    project: maybe(fc.constantFrom(1, 2)),
    start: when,
    len: maybe(fc.integer({ min: 0, max: 3 * 3_600_000 })),
  }),
  fc.record({ t: fc.constant('close' as const), pick: fc.nat(), len: fc.integer({ min: 0, max: 3_600_000 }) }),
  fc.record({ t: fc.constant('reopen' as const), pick: fc.nat() }),
  fc.record({ t: fc.constant('move' as const), pick: fc.nat(), by: fc.integer({ min: -3_600_000, max: 3_600_000 }) }),
  fc.record({ t: fc.constant('resize' as const), pick: fc.nat(), end: when }),
  fc.record({
    t: fc.constant('reattribute' as const),
    pick: fc.nat(),
    session: fc.constantFrom(...SESSIONS),
    task: maybe(fc.constantFrom(...TASKS)),
    sprint: maybe(fc.constantFrom(1, 2)),
  }),
  fc.record({ t: fc.constant('split' as const), pick: fc.nat(), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ t: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ t: fc.constant('checkpoint' as const), at: when }),
  fc.record({ t: fc.constant('undo' as const) }),
  // Many intervals in one statement, their totals added once (as the Timewarrior import does).
  fc.record({
    t: fc.constant('bulk' as const),
    rows: fc.array(
      fc.record({
        session: fc.constantFrom(...SESSIONS),
        task: maybe(fc.constantFrom(...TASKS)),
        sprint: maybe(fc.constantFrom(1, 2)),
        project: maybe(fc.constantFrom(1, 2)),
        start: when,
        len: maybe(fc.integer({ min: 0, max: 3 * 3_600_000 })),
      }),
      { maxLength: 8 },
    ),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

interface Row {
  id: number;
  session_id: number;
  project_id: number | null;
  sprint_id: number | null;
  task_id: number | null;
  started_at: number;
  ended_at: number | null;
}

function apply(db: Db, m: Mutation): void {
  const ids = (db.prepare('SELECT id FROM intervals ORDER BY id').pluck().all() as number[]) ?? [];
  const pick = (n: number) => (ids.length ? ids[n % ids.length] : null);
  const row = (id: number) => db.prepare('SELECT * FROM intervals WHERE id = ?').get(id) as Row;
  switch (m.t) {
    case 'insert':
      db.prepare(
        `INSERT INTO intervals (session_id, actor, project_id, sprint_id, task_id, started_at, checkpoint_at, ended_at)
         VALUES (?, 'a', ?, ?, ?, ?, ?, ?)`,
      ).run(
        m.session,
        m.project,
        m.sprint,
        m.task,
        T0 + m.start,
        T0 + m.start,
        m.len == null ? null : T0 + m.start + m.len,
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
        db.prepare('UPDATE intervals SET ended_at = max(started_at, ?) WHERE id = ? AND ended_at IS NOT NULL').run(
          T0 + m.end,
          id,
        );
      return;
    }
    case 'reattribute': {
      const id = pick(m.pick);
      if (id != null)
        db.prepare('UPDATE intervals SET session_id = ?, task_id = ?, sprint_id = ? WHERE id = ?').run(
          m.session,
          m.task,
          m.sprint,
          id,
        );
      return;
    }
    case 'split': {
      const id = pick(m.pick);
      if (id == null) return;
      const r = row(id);
      if (r.ended_at == null) return;
      const cut = r.started_at + Math.floor((r.ended_at - r.started_at) * m.at);
      db.prepare('UPDATE intervals SET ended_at = ? WHERE id = ?').run(cut, id);
      db.prepare(
        `INSERT INTO intervals (session_id, actor, project_id, sprint_id, task_id, started_at, checkpoint_at, ended_at)
         VALUES (?, 'a', ?, ?, ?, ?, ?, ?)`,
      ).run(r.session_id, r.project_id, r.sprint_id, r.task_id, cut, cut, r.ended_at);
      return;
    }
    case 'delete': {
      const id = pick(m.pick);
      if (id != null) db.prepare('DELETE FROM intervals WHERE id = ?').run(id);
      return;
    }
    case 'checkpoint':
      db.prepare('UPDATE intervals SET checkpoint_at = ? WHERE ended_at IS NULL').run(T0 + m.at);
      return;
    case 'bulk':
      insertWithTotalsOnce(new Sql(db), () =>
        db
          .prepare(
            `INSERT INTO intervals (session_id, actor, project_id, sprint_id, task_id, started_at, checkpoint_at, ended_at)
             SELECT value->>0, 'a', value->>1, value->>2, value->>3, value->>4, value->>4, value->>5 FROM json_each(?)`,
          )
          .run(
            JSON.stringify(
              m.rows.map((r) => [
                r.session,
                r.project,
                r.sprint,
                r.task,
                T0 + r.start,
                r.len == null ? null : T0 + r.start + r.len,
              ]),
            ),
          ),
      );
      return;
    case 'undo':
      // Restores rows as an undo would: delete everything, put back a copy of what was there.
      db.exec(`CREATE TEMP TABLE IF NOT EXISTS saved AS SELECT * FROM intervals WHERE 0;
        DELETE FROM saved; INSERT INTO saved SELECT * FROM intervals;
        DELETE FROM intervals; INSERT INTO intervals SELECT * FROM saved;`);
      return;
  }
}

/** Every total, recomputed from the intervals, against the stored one (missing rows count as 0). */
function expectTotalsMatch(db: Db): void {
  const sums = (group: string, where = 'ended_at IS NOT NULL') =>
    db
      .prepare(
        `SELECT ${group} AS id, sum(ended_at - started_at) AS ms, count(*) AS n FROM intervals WHERE ${where} GROUP BY ${group}`,
      )
      .all() as { id: number | string; ms: number; n: number }[];
  const stored = (scope: string) =>
    new Map(
      (
        db.prepare('SELECT id, sub, ms, n FROM time_totals WHERE scope = ?').all(scope) as {
          id: number;
          sub: number;
          ms: number;
          n: number;
        }[]
      )
        .filter((r) => r.n !== 0 || r.ms !== 0)
        .map((r) => [scope === 'session_task' ? `${r.id}/${r.sub}` : String(r.id), { ms: r.ms, n: r.n }]),
    );
  const expected = (rows: { id: number | string; ms: number; n: number }[]) =>
    new Map(rows.map((r) => [String(r.id), { ms: r.ms, n: r.n }]));
  expect(stored('session')).toEqual(expected(sums('session_id')));
  expect(stored('task')).toEqual(expected(sums('task_id', 'ended_at IS NOT NULL AND task_id IS NOT NULL')));
  expect(stored('sprint')).toEqual(expected(sums('sprint_id', 'ended_at IS NOT NULL AND sprint_id IS NOT NULL')));
  expect(stored('project')).toEqual(expected(sums('project_id', 'ended_at IS NOT NULL AND project_id IS NOT NULL')));
  expect(stored('session_task')).toEqual(
    expected(sums("session_id || '/' || task_id", 'ended_at IS NOT NULL AND task_id IS NOT NULL')),
  );
  for (const s of db.prepare('SELECT id, total_active_seconds FROM sessions').all() as {
    id: number;
    total_active_seconds: number;
  }[]) {
    const ms = (db
      .prepare(
        'SELECT coalesce(sum(ended_at - started_at), 0) FROM intervals WHERE session_id = ? AND ended_at IS NOT NULL',
      )
      .pluck()
      .get(s.id) ?? 0) as number;
    expect(s.total_active_seconds).toBe(Math.floor(ms / 1000));
  }
}

/** The readers (totals plus open intervals up to now) against a direct sum over the intervals. */
function expectReadersMatch(db: Db, now: number): void {
  const sql = new Sql(db);
  const direct = (where: string, ...args: unknown[]) =>
    (db
      .prepare(
        `SELECT coalesce(sum(coalesce(ended_at, max(?, started_at)) - started_at), 0) FROM intervals WHERE ${where}`,
      )
      .pluck()
      .get(now, ...args) ?? 0) as number;
  const family = (t: number) => (t === 1 ? [1, 3, 4] : [t]);
  for (const s of SESSIONS) {
    expect(sessionMs(sql, s, now)).toBe(direct('session_id = ?', s));
    for (const t of TASKS) {
      expect(sessionTaskMs(sql, s, t, now, false)).toBe(direct('session_id = ? AND task_id = ?', s, t));
      expect(sessionTaskMs(sql, s, t, now, true)).toBe(
        direct(`session_id = ? AND task_id IN (${family(t).join(',')})`, s),
      );
    }
  }
  for (const t of TASKS) expect(taskMs(sql, t, now)).toBe(direct(`task_id IN (${family(t).join(',')})`));
  // The report's lower bound: no interval lasts longer than the span it allows.
  const span = maxSpanBefore(sql, now);
  const longest = (db
    .prepare('SELECT coalesce(max(coalesce(ended_at, ?) - started_at), 0) FROM intervals')
    .pluck()
    .get(now) ?? 0) as number;
  expect(span).toBeGreaterThanOrEqual(longest);
}

describe('running totals of tracked time', () => {
  it('equal the sums over the intervals after any mutation made with plain SQL', () => {
    fc.assert(
      fc.property(fc.array(mutation, { maxLength: 40 }), (ms) => {
        const db = openDatabase(':memory:');
        seed(db);
        for (const m of ms) {
          db.transaction(() => apply(db, m))();
        }
        expectTotalsMatch(db);
        expectReadersMatch(db, T0 + 12 * 3_600_000);
        // The insert trigger is muted only inside insertWithTotalsOnce.
        expect(db.prepare('SELECT count(*) FROM time_totals_deferred').pluck().get()).toBe(0);
        db.close();
      }),
      { numRuns: PROPERTY_RUNS },
    );
    // Hundreds of databases: seconds on a quiet machine, more on a loaded one.
  }, 120_000);

  it('roll back with the transaction that changed the intervals', () => {
    const db = openDatabase(':memory:');
    seed(db);
    apply(db, { t: 'insert', session: 1, task: 1, sprint: 1, project: 1, start: 0, len: 60_000 });
    expect(() =>
      db.transaction(() => {
        apply(db, { t: 'insert', session: 1, task: 1, sprint: 1, project: 1, start: 100_000, len: 60_000 });
        throw new Error('abort');
      })(),
    ).toThrow('abort');
    expectTotalsMatch(db);
    expect(db.prepare("SELECT ms FROM time_totals WHERE scope = 'task' AND id = 1").pluck().get()).toBe(60_000);
  });

  it('stay exact when a statement inserting many intervals fails, and the trigger is muted only during it', () => {
    const db = openDatabase(':memory:');
    seed(db);
    const sql = new Sql(db);
    apply(db, {
      t: 'bulk',
      rows: [
        { session: 1, task: 1, sprint: 1, project: 1, start: 0, len: 60_000 },
        { session: 2, task: 3, sprint: null, project: 2, start: 0, len: 30_000 },
        { session: 2, task: null, sprint: null, project: null, start: 100_000, len: null },
      ],
    });
    expectTotalsMatch(db);
    expect(db.prepare("SELECT ms FROM time_totals WHERE scope = 'task' AND id = 3").pluck().get()).toBe(30_000);
    expect(() =>
      db.transaction(() =>
        insertWithTotalsOnce(sql, () => {
          apply(db, { t: 'insert', session: 1, task: 2, sprint: null, project: null, start: 0, len: 1000 });
          throw new Error('abort');
        }),
      )(),
    ).toThrow('abort');
    expect(db.prepare('SELECT count(*) FROM time_totals_deferred').pluck().get()).toBe(0);
    expectTotalsMatch(db);
    // A plain insert afterwards is counted by the trigger again.
    apply(db, { t: 'insert', session: 3, task: 2, sprint: 2, project: null, start: 0, len: 5000 });
    expectTotalsMatch(db);
    expect(db.prepare("SELECT ms FROM time_totals WHERE scope = 'task' AND id = 2").pluck().get()).toBe(5000);
    db.close();
  });

  it('are backfilled by the migration from intervals recorded before it', () => {
    const at = migrations.findIndex((m) => m.includes('CREATE TABLE time_totals'));
    expect(at).toBeGreaterThan(0);
    const db = new Database(':memory:');
    for (let v = 0; v < at; v++) {
      db.exec(migrations[v]);
      db.pragma(`user_version = ${v + 1}`);
    }
    seed(db);
    const ins = db.prepare(
      `INSERT INTO intervals (session_id, actor, project_id, sprint_id, task_id, started_at, checkpoint_at, ended_at)
       VALUES (?, 'a', ?, ?, ?, ?, ?, ?)`,
    );
    for (let i = 0; i < 50; i++) {
      const start = T0 + i * 600_000;
      ins.run(
        1 + (i % 3),
        i % 5 ? 1 : null,
        i % 4 ? 1 + (i % 2) : null,
        i % 6 ? 1 + (i % 4) : null,
        start,
        start,
        i === 49 ? null : start + 60_000 + i * 1000,
      );
    }
    migrate(db);
    expectTotalsMatch(db);
    expectReadersMatch(db, T0 + 40 * 3_600_000);
    db.close();
  });
});
