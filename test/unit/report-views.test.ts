// Report views that cut intervals: by file, language and editor from heartbeats (WakaTime-
// like: a beat speaks for its file until the next beat, at most 15 minutes past its last),
// by branch from git records, by week and month at local boundaries, and the intervals
// under each row. Every view divides the same intervals, so its rows sum to the total.
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../daemon/clock.js';
import { defaultConfig } from '../../daemon/config.js';
import { openDatabase } from '../../daemon/store/database.js';
import { Sql } from '../../daemon/store/sql.js';
import { newCall, type App } from '../../daemon/app/app.js';
import * as sessions from '../../daemon/app/sessions/sessions.js';
import { resolveSession } from '../../daemon/app/sessions/lookup.js';
import * as context from '../../daemon/app/context/context.js';
import { createTask } from '../../daemon/app/work/items.js';
import { heartbeat } from '../../daemon/app/sessions/heartbeat.js';
import { recordActivity } from '../../daemon/app/activities.js';
import { report } from '../../daemon/app/time/reports.js';
import { isoWeek, languageOf, loadLanguages } from '../../daemon/app/time/report-views.js';
import type { ReportBy } from '../../shared/protocol/time.js';
import { assembleApp } from '../../daemon/assemble-app.js';

const MIN = 60_000;
const T0 = Date.parse('2026-06-01T09:00:00Z'); // a Monday
let app: App;
let clock: ManualClock;

beforeAll(async () => {
  await loadLanguages();
  clock = new ManualClock(T0);
  app = assembleApp({ sql: new Sql(openDatabase(':memory:')), clock, config: defaultConfig() });
  const call = () => newCall(app);
  const tx = <T>(f: () => T) => app.sql.db.transaction(f)();
  tx(() => createTask(call(), { code: 'A', title: 'task A' }));
  tx(() => sessions.startSession(call(), { actor: 'human' }));
  tx(() => context.activateTask(call(), { code: 'A' }));
  tx(() => heartbeat(call(), { file: 'src/a.ts', editor: 'vim' }));
  clock.advance(5 * MIN);
  tx(() => heartbeat(call(), { file: 'src/a.ts', editor: 'vim' })); // coalesced: last_at = +5m
  clock.advance(5 * MIN);
  tx(() => heartbeat(call(), { file: 'tools/b.py', editor: 'code' }));
  clock.advance(2 * MIN);
  tx(() => {
    const s = resolveSession(call(), {});
    recordActivity(call(), s, { kind: 'git.checkout', data: { repo: '/r', branch: 'feature', from: 'a', to: 'b' } });
  });
  clock.advance(8 * MIN);
  tx(() => heartbeat(call(), { file: 'tools/b.py', editor: 'code' }));
  clock.advance(10 * MIN);
  // A coding agent's hook event names the repository and branch it ran in.
  tx(() => {
    const s = resolveSession(call(), {});
    recordActivity(call(), s, { kind: 'agent.tool', data: { repo: '/r', branch: 'fix-1', tool: 'Edit' } });
  });
  clock.advance(30 * MIN);
  tx(() => sessions.endSession(call(), {}));
});

const rowsBy = (by: ReportBy, intervals = false) => {
  const r = report(newCall(app), { by, since: '2026-06-01', until: '2026-06-01', tz: 'UTC', intervals });
  expect(r.rows.reduce((a, x) => a + x.seconds, 0)).toBe(r.total_seconds);
  expect(r.total_seconds).toBe(3600);
  return r.rows.map((x) => [x.key, x.seconds]);
};

describe('report views', () => {
  it('attributes time to files, languages and editors from heartbeats', () => {
    expect(rowsBy('file')).toEqual([
      ['(no heartbeat)', 1500],
      ['tools/b.py', 1500],
      ['src/a.ts', 600],
    ]);
    expect(rowsBy('language')).toEqual([
      ['(no heartbeat)', 1500],
      ['Python', 1500],
      ['TypeScript', 600],
    ]);
    expect(rowsBy('editor')).toEqual([
      ['(no heartbeat)', 1500],
      ['code', 1500],
      ['vim', 600],
    ]);
  });

  it('attributes time to the branch of the last git or agent record', () => {
    expect(rowsBy('branch')).toEqual([
      ['fix-1', 1800],
      ['feature', 1080],
      ['(no git record)', 720],
    ]);
  });

  it("puts each message's tokens and cost on the branch its actor was on at its time; not on files", () => {
    // Sonnet 4.5 output: 1000 tokens cost $0.015.
    const message = (minute: number, output: number) =>
      app.sql.run(
        `INSERT INTO agent_tokens (session_id, actor, message_id, model, output_tokens, at)
         VALUES (1, 'human', ?, 'claude-sonnet-4-5', ?, ?)`,
        `rv-${minute}`,
        output,
        T0 + minute * MIN,
      );
    message(5, 1000);
    message(20, 2000);
    message(40, 3000);
    message(45, 4000);
    const by = (view: ReportBy) =>
      report(newCall(app), { by: view, since: '2026-06-01', until: '2026-06-01', tz: 'UTC' });
    const branch = by('branch');
    expect(branch.rows.map((x) => [x.key, x.seconds, x.tokens?.output, x.cost?.exact_usd])).toEqual([
      ['fix-1', 1800, 7000, '0.105'],
      ['feature', 1080, 2000, '0.03'],
      ['(no git record)', 720, 1000, '0.015'],
    ]);
    expect(branch.cost.exact_usd).toBe('0.15');
    // A message is spent on its whole context, not on the files it touched: no row of a file carries tokens.
    const file = by('file');
    expect(file.rows.some((x) => (x.tokens?.output ?? 0) > 0)).toBe(false);
    expect(file.cost.exact_usd).toBe('0.15');
    app.sql.run("DELETE FROM agent_tokens WHERE message_id LIKE 'rv-%'");
  });

  it('groups by ISO week and month, and lists the intervals under each row', () => {
    expect(rowsBy('week')).toEqual([['2026-W23', 3600]]);
    expect(rowsBy('month')).toEqual([['2026-06', 3600]]);
    const r = report(newCall(app), {
      by: 'file',
      since: '2026-06-01',
      until: '2026-06-01',
      tz: 'UTC',
      intervals: true,
    });
    const b = r.rows.find((x) => x.key === 'tools/b.py')!;
    expect(b.detail).toEqual([
      {
        id: expect.any(Number),
        actor: 'human',
        task: 'A',
        start: '2026-06-01T09:10:00.000Z',
        end: '2026-06-01T09:35:00.000Z',
        seconds: 1500,
      },
    ]);
    const t = report(newCall(app), {
      by: 'task',
      since: '2026-06-01',
      until: '2026-06-01',
      tz: 'UTC',
      intervals: true,
    });
    expect(t.rows[0]).toMatchObject({
      key: 'A',
      seconds: 3600,
      total_seconds: 3600,
      detail: [{ seconds: 3600 }],
    });
  });

  it("names languages by Linguist's data, popular ones first where extensions are shared", () => {
    expect(languageOf('src/main.rs')).toBe('Rust');
    expect(languageOf('include/x.h')).toBe('C');
    expect(languageOf('a/b.ts')).toBe('TypeScript');
    expect(languageOf('Makefile')).toBe('Makefile');
    expect(languageOf('notes')).toBeNull();
  });

  it('numbers weeks as ISO 8601 does, across year ends', () => {
    expect(isoWeek('2026-01-01')).toBe('2026-W01');
    expect(isoWeek('2027-01-01')).toBe('2026-W53');
    expect(isoWeek('2024-12-30')).toBe('2025-W01');
    expect(isoWeek('2026-03-29')).toBe('2026-W13');
  });
});
