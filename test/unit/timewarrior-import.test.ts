// Timewarrior import in runs (issue 20, item 6): accepted intervals are inserted by one
// statement per run, and each interval is still checked as if every earlier one of the
// batch were already stored — an overlap inside the batch, a repeated id, one out of order.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../daemon/clock.js';
import { defaultConfig } from '../../daemon/config.js';
import { openDatabase } from '../../daemon/store/database.js';
import { Sql } from '../../daemon/store/sql.js';
import { newCall, type App } from '../../daemon/app/app.js';
import { importIntervals } from '../../daemon/app/corrections/timewarrior.js';
import { assembleApp } from '../../daemon/assemble-app.js';
import { handlers } from '../../daemon/rpc/handlers.js';
import type { Connection, DaemonFacts } from '../../daemon/rpc/handler-types.js';
import { inStep } from '../../daemon/app/undo/undo.js';
import { methods, type MethodName } from '../../shared/protocol/methods.js';

const H = 3_600_000;
const DAY0 = Date.parse('2026-05-04T00:00:00Z');
const at = (h: number) => DAY0 + h * H;

describe('interval.import', () => {
  it('checks each interval against the earlier ones of its batch, and records one activity', () => {
    const app: App = assembleApp({
      sql: new Sql(openDatabase(':memory:')),
      clock: new ManualClock(at(48)),
      config: defaultConfig(),
    });
    app.sql.run("INSERT INTO tasks (code, title, created_at, updated_at) VALUES ('T-1', 't', 0, 0)");
    const iv = (id: string, s: number, e: number | null, tags: string[] = ['T-1']) => ({
      id,
      start: at(s),
      end: e === null ? null : at(e),
      tags,
      annotation: null,
    });
    const run = () =>
      app.sql.db.transaction(() =>
        importIntervals(newCall(app), {
          format: 'timewarrior',
          intervals: [
            iv('a', 10, 11),
            iv('b', 10.5, 11.5), // overlaps a, which is in the same batch
            iv('c', 12, 13, ['other']),
            iv('a', 10, 11), // the same id again
            iv('d', 9, 9.5), // before the run: a new run
            iv('e', 13, null),
            iv('f', 47, 49), // ends in the future
            iv('g', 9.25, 9.75), // overlaps d, written out in the run before
          ],
        }),
      )();
    const r = run();
    expect(r).toMatchObject({ added: 3, unchanged: 1, received: 8 });
    expect(r.skipped.map((x) => x.reason)).toEqual([
      expect.stringMatching(/^overlaps .*\(#1\) already tracked$/),
      expect.stringMatching(/still running/),
      'ends in the future',
      expect.stringMatching(/^overlaps .*\(#3\) already tracked$/),
    ]);
    const rows = app.sql.all<{ id: number; external_id: string; task_id: number | null; tags: string }>(
      'SELECT id, external_id, task_id, tags FROM intervals ORDER BY id',
    );
    expect(rows).toEqual([
      { id: 1, external_id: 'a', task_id: 1, tags: '["T-1"]' },
      { id: 2, external_id: 'c', task_id: null, tags: '["other"]' },
      { id: 3, external_id: 'd', task_id: 1, tags: '["T-1"]' },
    ]);
    const s = app.sql.get<{ id: number; started_at: number; ended_at: number }>(
      'SELECT id, started_at, ended_at FROM sessions',
    )!;
    expect([s.started_at, s.ended_at]).toEqual([at(9), at(13)]);
    // The running totals (triggers) count every inserted interval: 1 h + 1 h + 0.5 h.
    expect(app.sql.value("SELECT ms FROM time_totals WHERE scope = 'session' AND id = ?", s.id)).toBe(2.5 * H);
    expect(app.sql.value("SELECT ms FROM time_totals WHERE scope = 'task' AND id = 1")).toBe(1.5 * H);
    expect(app.sql.value("SELECT count(*) FROM activities WHERE kind = 'interval.import'")).toBe(1);
    // A second import of the same batch adds nothing.
    expect(run()).toMatchObject({ added: 0, unchanged: 4 }); // a (twice), c, d
    // A later batch is checked against what is stored, read once across its span.
    const later = app.sql.db.transaction(() =>
      importIntervals(newCall(app), {
        format: 'timewarrior',
        intervals: [iv('h', 10.25, 10.75), iv('i', 14, 15), iv('j', 12.5, 14.5)],
      }),
    )();
    expect(later).toMatchObject({ added: 1 });
    expect(later.skipped.map((x) => x.reason)).toEqual([
      expect.stringMatching(/^overlaps .*\(#1\) already tracked$/),
      expect.stringMatching(/^overlaps .*\(#2\) already tracked$/),
    ]);
  });
});

// The compact form (issue 20, item 6): rows of [id, start ms, end ms, tag set, annotation?],
// each batch's runs added to the running totals once; totals stay exact through a second
// import, corrections of imported intervals and their undo.
describe('interval.import in rows', () => {
  const world = () => {
    const app: App = assembleApp({
      sql: new Sql(openDatabase(':memory:')),
      clock: new ManualClock(at(48)),
      config: defaultConfig(),
    });
    const { sql } = app;
    sql.db.exec(`INSERT INTO projects (id, code, title, created_at, updated_at) VALUES (1, 'P', 'p', 0, 0);
      INSERT INTO sprints (id, code, project_id, title, created_at, updated_at) VALUES (1, 'S1', 1, 's', 0, 0);
      INSERT INTO tasks (id, code, sprint_id, title, created_at, updated_at) VALUES (1, 'T-1', 1, 't', 0, 0);
      INSERT INTO tasks (id, code, title, created_at, updated_at) VALUES (2, 'T-2', 't', 0, 0);`);
    const conn: Connection = { id: 0, subscribed: false, sessionFilter: null };
    const facts = {} as DaemonFacts;
    /** One call as the dispatcher makes it: params checked, one transaction, one undo step. */
    const invoke = (name: MethodName, raw: Record<string, unknown>) => {
      const parsed = methods[name].params.safeParse(raw);
      if (!parsed.success)
        throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const call = newCall(app, 'cli');
      return sql.db.transaction(() =>
        inStep(call, name, parsed.data, () =>
          (handlers[name] as (...a: unknown[]) => unknown)(call, parsed.data, conn, facts),
        ),
      )();
    };
    return { app, sql, invoke };
  };

  /** Every running total against the sums over the intervals themselves. */
  function expectExactTotals(sql: Sql): void {
    const sums = sql.all<{ scope: string; id: number; sub: number; ms: number; n: number }>(
      `SELECT 'session' AS scope, session_id AS id, 0 AS sub, sum(ended_at - started_at) AS ms, count(*) AS n
         FROM intervals WHERE ended_at IS NOT NULL GROUP BY session_id
       UNION ALL SELECT 'task', task_id, 0, sum(ended_at - started_at), count(*)
         FROM intervals WHERE ended_at IS NOT NULL AND task_id IS NOT NULL GROUP BY task_id
       UNION ALL SELECT 'sprint', sprint_id, 0, sum(ended_at - started_at), count(*)
         FROM intervals WHERE ended_at IS NOT NULL AND sprint_id IS NOT NULL GROUP BY sprint_id
       UNION ALL SELECT 'project', project_id, 0, sum(ended_at - started_at), count(*)
         FROM intervals WHERE ended_at IS NOT NULL AND project_id IS NOT NULL GROUP BY project_id
       UNION ALL SELECT 'session_task', session_id, task_id, sum(ended_at - started_at), count(*)
         FROM intervals WHERE ended_at IS NOT NULL AND task_id IS NOT NULL GROUP BY session_id, task_id
       ORDER BY 1, 2, 3`,
    );
    const stored = sql.all<{ scope: string; id: number; sub: number; ms: number; n: number }>(
      'SELECT scope, id, sub, ms, n FROM time_totals WHERE n != 0 OR ms != 0 ORDER BY 1, 2, 3',
    );
    expect(stored).toEqual(sums);
    expect(
      sql.all(
        `SELECT id, total_active_seconds AS s FROM sessions WHERE total_active_seconds !=
           coalesce((SELECT sum(ended_at - started_at) FROM intervals i WHERE i.session_id = sessions.id AND ended_at IS NOT NULL), 0) / 1000`,
      ),
    ).toEqual([]);
    const longest = sql.value<number>('SELECT coalesce(max(ended_at - started_at), 0) FROM intervals') ?? 0;
    expect(sql.value<number>('SELECT max_closed_ms FROM interval_bounds')).toBeGreaterThanOrEqual(longest);
    expect(sql.value('SELECT count(*) FROM time_totals_deferred')).toBe(0);
  }

  const dump = (sql: Sql) =>
    JSON.stringify([
      sql.all('SELECT * FROM intervals ORDER BY id'),
      sql.all('SELECT * FROM time_totals WHERE n != 0 OR ms != 0 ORDER BY scope, id, sub'),
      sql.all('SELECT id, total_active_seconds FROM sessions ORDER BY id'),
    ]);

  /** Seconds since the epoch, as rows count them. */
  const H_ = (h: number) => at(h) / 1000;
  const tagSets = [['T-1', 'client'], ['other'], ['S1'], []];
  const rows = [
    ['a', H_(1), H_(2), 0],
    ['b', H_(1.5), H_(2.5), 1], // overlaps a: skipped
    ['c', H_(3), H_(3.25), 1, 'a note'],
    ['d', H_(0), H_(0.5), 2], // starts before the run: a run of its own
    ['e', H_(4), null, 0], // still running
    ['f', H_(5), H_(6), 3, null],
    ['g', H_(6), H_(7.5), 0],
  ];

  it('imports as the object form does, with totals added once per run and exact', () => {
    const { sql, invoke } = world();
    const r = invoke('interval.import', { actor: 'rows', format: 'timewarrior', rows, tag_sets: tagSets }) as {
      added: number;
      unchanged: number;
      skipped: { reason: string }[];
    };
    expect(r).toMatchObject({ added: 5, unchanged: 0 });
    expect(r.skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/^overlaps @1 /),
      expect.stringMatching(/still running/),
    ]);
    expectExactTotals(sql);
    // T-1's intervals are on its sprint and project; "S1" names the sprint (and so its project).
    expect(sql.value("SELECT ms FROM time_totals WHERE scope = 'task' AND id = 1")).toBe(2.5 * H);
    expect(sql.value("SELECT ms FROM time_totals WHERE scope = 'sprint' AND id = 1")).toBe(3 * H);
    expect(sql.value("SELECT ms FROM time_totals WHERE scope = 'project' AND id = 1")).toBe(3 * H);
    expect(sql.value('SELECT max_closed_ms FROM interval_bounds')).toBe(1.5 * H);
    // The same intervals as objects, for another actor: the same rows but for actor and session.
    invoke('interval.import', {
      actor: 'objects',
      format: 'timewarrior',
      intervals: rows.map(([id, start, end, set, annotation]) => ({
        id,
        start: new Date((start as number) * 1000).toISOString(),
        end: end === null ? null : new Date((end as number) * 1000).toISOString(),
        tags: tagSets[set as number],
        ...(annotation !== undefined ? { annotation } : {}),
      })),
    });
    const of = (actor: string) =>
      sql.all(
        `SELECT project_id, sprint_id, task_id, started_at, checkpoint_at, ended_at, end_reason, annotation, tags, external_id
           FROM intervals WHERE actor = ? ORDER BY id`,
        actor,
      );
    expect(of('objects')).toEqual(of('rows'));
    expectExactTotals(sql);
    // A second import adds nothing and changes no total.
    const before = dump(sql);
    expect(invoke('interval.import', { actor: 'rows', format: 'timewarrior', rows, tag_sets: tagSets })).toMatchObject({
      added: 0,
      unchanged: 5,
    });
    expect(dump(sql).replace(/"total_active_seconds":\d+/g, '')).toBe(
      before.replace(/"total_active_seconds":\d+/g, ''),
    );
    expectExactTotals(sql);
  });

  it('keeps totals exact through corrections of imported intervals and their undo', () => {
    const { sql, invoke } = world();
    invoke('interval.import', { actor: 'rows', format: 'timewarrior', rows, tag_sets: tagSets });
    const before = dump(sql);
    for (const [name, params] of [
      ['interval.delete', { ref: '@1' }],
      ['interval.edit', { ref: '@2', end: new Date(at(3.5)).toISOString() }],
      ['interval.move', { ref: '@5', task: 'T-2' }],
      ['interval.split', { ref: '@4', at: new Date(at(5.5)).toISOString() }],
    ] as const) {
      invoke(name, { actor: 'rows', ...params });
      expectExactTotals(sql);
      invoke('undo', { actor: 'rows' });
      expectExactTotals(sql);
      expect(dump(sql)).toBe(before);
    }
  });

  it('refuses a row that is not [id, start ms, end ms or null, tag set, annotation?], naming it', () => {
    const check = (params: Record<string, unknown>) => {
      const r = methods['interval.import'].params.safeParse({ format: 'timewarrior', ...params });
      return r.success ? 'ok' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(check({ rows, tag_sets: tagSets })).toBe('ok');
    expect(check({ rows: [['a', 1, 2, 4]], tag_sets: tagSets })).toMatch(
      /^rows\.0\.3: expected an index into tag_sets/,
    );
    expect(check({ rows: [['a', 1.5, 2, 0]], tag_sets: tagSets })).toMatch(/^rows\.0\.1: /);
    expect(check({ rows: [['a', '2026-01-01T00:00:00Z', 2, 0]], tag_sets: tagSets })).toMatch(/^rows\.0\.1: /);
    expect(check({ rows: [['', 1, 2, 0]], tag_sets: tagSets })).toMatch(/^rows\.0\.0: /);
    expect(check({ rows: [['a', 1, 2, 0, 7]], tag_sets: tagSets })).toMatch(/^rows\.0\.4: /);
    expect(check({ rows: [{ id: 'a' }], tag_sets: tagSets })).toMatch(/^rows\.0: /);
    expect(check({ rows: [['a', 1, 2, 0]] })).toMatch(/^rows\.0\.3: /);
    expect(check({ rows: 'a' })).toMatch(/^rows: /);
    expect(check({ rows: Array.from({ length: 5001 }, (_, i) => [`${i}`, 1, 2, 0]), tag_sets: [[]] })).toMatch(
      /^rows: /,
    );
    expect(check({ rows, tag_sets: tagSets, intervals: [] })).toMatch(/either intervals or rows/);
    expect(check({})).toMatch(/either intervals or rows/);
  });
});
