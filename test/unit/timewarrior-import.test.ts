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
