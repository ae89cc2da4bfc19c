// Resume suggestions (`session start`) rank in-progress tasks by when they were last worked
// on. That read must not grow with a task's history (issue 10): it takes the latest interval
// of the task and of each subtask from the (task_id, started_at) index, one step each.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../daemon/clock.js';
import { defaultConfig } from '../../daemon/config.js';
import { openDatabase } from '../../daemon/store/database.js';
import { Sql } from '../../daemon/store/sql.js';
import { newCall, type App } from '../../daemon/app/app.js';
import * as sessions from '../../daemon/app/sessions/sessions.js';
import * as context from '../../daemon/app/context/context.js';
import { createTask } from '../../daemon/app/work/items.js';
import { RESUME_TASKS_SQL, resumeSuggestions } from '../../daemon/app/sessions/session-report.js';
import { assembleApp } from '../../daemon/assemble-app.js';

const MIN = 60_000;
const T0 = Date.parse('2026-06-01T09:00:00Z');

describe('resume suggestions', () => {
  it('rank in-progress tasks by the end of their latest interval', () => {
    const clock = new ManualClock(T0);
    const app: App = assembleApp({ sql: new Sql(openDatabase(':memory:')), clock, config: defaultConfig() });
    const tx = <T>(f: () => T) => app.sql.db.transaction(f)();
    const call = () => newCall(app);
    for (const code of ['A', 'B', 'C']) tx(() => createTask(call(), { code, title: `task ${code}` }));
    tx(() => createTask(call(), { code: 'B1', title: 'subtask of B', parent: 'B' }));
    tx(() => sessions.startSession(call(), { actor: 'human' }));
    tx(() => context.activateTask(call(), { code: 'A' }));
    clock.advance(10 * MIN);
    tx(() => context.activateTask(call(), { code: 'B1' }));
    clock.advance(10 * MIN);
    tx(() => context.activateTask(call(), { code: 'C' }));
    clock.advance(5 * MIN);
    tx(() => context.deactivateTask(call(), {}));
    clock.advance(60 * MIN);
    const s = resumeSuggestions(call());
    expect(s.tasks.map((t) => [t.code, t.last_worked])).toEqual([
      ['C', 'last worked 1 hour ago'],
      ['B1', 'last worked 1 hour ago'],
      ['A', 'last worked 1 hour ago'],
    ]);
    expect(s.tasks.map((t) => t.last_worked_at)).toEqual([
      new Date(T0 + 25 * MIN).toISOString(),
      new Date(T0 + 20 * MIN).toISOString(),
      new Date(T0 + 10 * MIN).toISOString(),
    ]);
  });

  it('read one index entry per task, not the task’s activities or all its intervals', () => {
    const db = openDatabase(':memory:');
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${RESUME_TASKS_SQL}`).all(5) as { detail: string }[];
    const text = plan.map((r) => r.detail).join('\n');
    expect(text).toMatch(/SEARCH i USING INDEX intervals_task_started \(task_id=\?\)/);
    // Nothing reads activities or walks a task's intervals; the one sort is of the in-progress tasks.
    expect(text).not.toMatch(/activities|SCAN i\b/);
    expect(text.match(/TEMP B-TREE/g) ?? []).toHaveLength(1);
  });
});
