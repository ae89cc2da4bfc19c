// "What next" stops at the first ready tasks (issue 20): a suggestion in every answer and
// `task.next` must cost the same at 16k open tasks as at 10. The bounded walk must choose
// what the full walk chooses, list the same waiting tasks in the same order, and read the
// open tasks in rank order from the partial indexes, never sorting all of them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../daemon/clock.js';
import { defaultConfig } from '../../daemon/config.js';
import { openDatabase } from '../../daemon/store/database.js';
import { Sql } from '../../daemon/store/sql.js';
import { newCall, type App } from '../../daemon/app/app.js';
import { assembleApp } from '../../daemon/assemble-app.js';
import type { SessionRow } from '../../daemon/app/rows.js';
import { chooseNext, RANKED } from '../../daemon/app/work/next.js';
import { OPEN_ACTORS_SQL } from '../../daemon/status-file.js';

const T0 = Date.parse('2026-06-01T09:00:00Z');
const fresh = (): App =>
  assembleApp({
    sql: new Sql(openDatabase(':memory:')),
    clock: new ManualClock(T0),
    config: defaultConfig(),
  });
const plan = (app: App, sql: string, ...args: unknown[]) =>
  (app.sql.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[])
    .map((r) => r.detail)
    .join('\n');

describe('the bounded "what next" walk', () => {
  it('reads open tasks in rank order from the partial indexes, and open sessions from theirs', () => {
    const app = fresh();
    const all = plan(app, RANKED.all);
    expect(all).toMatch(/USING INDEX tasks_open_order/);
    expect(all).not.toMatch(/TEMP B-TREE/);
    const sprint = plan(app, RANKED.sprint, 1);
    expect(sprint).toMatch(/USING INDEX tasks_open_sprint/);
    expect(sprint).not.toMatch(/TEMP B-TREE/);
    const others = plan(app, RANKED.others, 1);
    expect(others).toMatch(/USING INDEX tasks_open_order/);
    expect(others).not.toMatch(/TEMP B-TREE/);
    // The status files' list of actors with an open session (daemon/status-file.ts).
    expect(plan(app, OPEN_ACTORS_SQL)).toMatch(/USING (COVERING )?INDEX sessions_open/);
  });

  it('chooses what the full walk chooses, with the same waiting tasks in the same order', () => {
    const status = fc.constantFrom('todo', 'todo', 'in_progress', 'completed', 'cancelled');
    const task = fc.record({
      status,
      priority: fc.integer({ min: 1, max: 4 }),
      sprint: fc.integer({ min: 0, max: 3 }), // 0: no sprint
      parent: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(task, { minLength: 0, maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(39), fc.nat(39)), { maxLength: 30 }),
        fc.array(fc.constantFrom('planned', 'active', 'completed'), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.nat(39), { maxLength: 3 }),
        fc.integer({ min: 1, max: 12 }),
        (tasks, deps, sprints, preferred, own, enough) => {
          const app = fresh();
          const { db } = app.sql;
          sprints.forEach((st, i) =>
            db
              .prepare(
                'INSERT INTO sprints (id, code, title, status, created_at, updated_at) VALUES (?, ?, ?, ?, 0, 0)',
              )
              .run(i + 1, `S${i + 1}`, 's', st),
          );
          tasks.forEach((t, i) =>
            db
              .prepare(
                'INSERT INTO tasks (id, code, title, status, priority, sprint_id, parent_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)',
              )
              .run(i + 1, `T${i + 1}`, 't', t.status, t.priority, t.sprint || null, t.parent && i > 0 ? 1 : null),
          );
          for (const [a, b] of deps)
            if (a < tasks.length && b < tasks.length && a !== b)
              db.prepare('INSERT OR IGNORE INTO task_deps (task_id, depends_on_id) VALUES (?, ?)').run(a + 1, b + 1);
          const frames = [
            ...(preferred ? [{ type: 'sprint', id: preferred, code: `S${preferred}`, title: 's' }] : []),
            ...own
              .filter((o) => o < tasks.length)
              .map((o) => ({ type: 'task', id: o + 1, code: `T${o + 1}`, title: 't' })),
          ];
          const s = { id: 1, actor: 'human', stack: JSON.stringify(frames) } as SessionRow;
          const full = chooseNext(newCall(app), s, undefined);
          const bounded = chooseNext(newCall(app), s, undefined, enough);
          expect(bounded.task?.code).toEqual(full.task?.code);
          expect(bounded.ready.map((t) => t.code)).toEqual(full.ready.slice(0, enough).map((t) => t.code));
          expect(bounded.more_ready).toBe(full.ready.length > enough);
          expect(bounded.waiting).toEqual(full.waiting);
          expect(full.more_ready).toBe(false);
          if (!bounded.more_ready) expect(bounded.why).toBe(full.why);
          else expect(bounded.why).toMatch(new RegExp(`of more than ${enough} ready tasks`));
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);
});
