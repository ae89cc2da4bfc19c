// A task's update count (every task view shows it) is kept by triggers on activities, so
// reading it does not grow with the task's history. Whatever plain SQL does to activities
// (insert, re-file under another task or subtask, change the kind, delete), the kept count
// equals counting the updates.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../daemon/store/database.js';
import { migrations } from '../../daemon/store/migrations.js';
import { Sql } from '../../daemon/store/sql.js';
import { countUpdates } from '../../daemon/app/work/views.js';
import { scale } from '../reliability/scale.js';

/** fast-check's default 100 random histories in `npm test`; 300 with RELIABILITY=full. */
const PROPERTY_RUNS = scale(100, 300);

const TASKS = [1, 2, 3, 4];
const taskRef = fc.option(fc.constantFrom(...TASKS), { nil: null });
const kind = fc.constantFrom('update', 'note', 'heartbeat');
const op = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), kind, task: taskRef, subtask: taskRef }),
  fc.record({ op: fc.constant('refile' as const), pick: fc.nat(), task: taskRef, subtask: taskRef }),
  fc.record({ op: fc.constant('rekind' as const), pick: fc.nat(), kind }),
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
);

const counted = (sql: Sql, id: number) =>
  sql.value<number>(
    "SELECT count(*) FROM activities WHERE kind = 'update' AND (task_id = ?1 OR subtask_id = ?1)",
    id,
  ) ?? 0;

describe('task update counts', () => {
  it('equal counting the updates after any inserts, re-filings, kind changes and deletes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const sql = new Sql(openDatabase(':memory:'));
        for (const id of TASKS)
          sql.run(
            "INSERT INTO tasks (id, code, title, created_at, updated_at) VALUES (?, ?, 't', 1, 1)",
            id,
            `T-${id}`,
          );
        sql.run(
          "INSERT INTO sessions (id, key, actor, os_user, source, type, status, stack, started_at, last_activity_at) VALUES (1, 'SESSION-001', 'human', 'u', 'cli', 'work', 'active', '[]', 1, 1)",
        );
        const ids = () => sql.all<{ id: number }>('SELECT id FROM activities ORDER BY id').map((r) => r.id);
        for (const o of ops) {
          const all = ids();
          const target = 'pick' in o && all.length ? all[o.pick % all.length] : null;
          if (o.op === 'insert')
            sql.run(
              "INSERT INTO activities (session_id, kind, source, task_id, subtask_id, at) VALUES (1, ?, 'cli', ?, ?, 1)",
              o.kind,
              o.task,
              o.subtask,
            );
          else if (target === null) continue;
          else if (o.op === 'refile')
            sql.run('UPDATE activities SET task_id = ?, subtask_id = ? WHERE id = ?', o.task, o.subtask, target);
          else if (o.op === 'rekind') sql.run('UPDATE activities SET kind = ? WHERE id = ?', o.kind, target);
          else sql.run('DELETE FROM activities WHERE id = ?', target);
        }
        for (const id of TASKS) expect({ id, n: countUpdates(sql, id) }).toEqual({ id, n: counted(sql, id) });
      }),
      { numRuns: PROPERTY_RUNS },
    );
    // Hundreds of databases: seconds on a quiet machine, more on a loaded one.
  }, 120_000);

  it('are backfilled by their migration from the updates recorded before it', () => {
    const at = migrations.findIndex((m) => m.includes('CREATE TABLE task_update_counts'));
    expect(at).toBeGreaterThan(0);
    const db = new Database(':memory:');
    for (let v = 0; v < at; v++) {
      db.exec(migrations[v]);
      db.pragma(`user_version = ${v + 1}`);
    }
    for (const id of TASKS)
      db.prepare("INSERT INTO tasks (id, code, title, created_at, updated_at) VALUES (?, ?, 't', 1, 1)").run(
        id,
        `T-${id}`,
      );
    db.exec(
      "INSERT INTO sessions (id, key, actor, os_user, source, type, status, stack, started_at, last_activity_at) VALUES (1, 'SESSION-001', 'human', 'u', 'cli', 'work', 'active', '[]', 1, 1)",
    );
    const ins = db.prepare(
      "INSERT INTO activities (session_id, kind, source, task_id, subtask_id, at) VALUES (1, ?, 'cli', ?, ?, 1)",
    );
    for (let i = 0; i < 40; i++)
      ins.run(i % 3 ? 'update' : 'note', i % 5 ? 1 + (i % 4) : null, i % 2 ? 1 + ((i + 1) % 4) : null);
    ins.run('update', 2, 2); // filed under the same task twice: counts once
    migrate(db);
    const sql = new Sql(db);
    for (const id of TASKS) expect({ id, n: countUpdates(sql, id) }).toEqual({ id, n: counted(sql, id) });
    expect(countUpdates(sql, 2)).toBeGreaterThan(0);
    db.close();
  });
});
