// The local half of sync on a real SQLite database: triggers fill the outbox in the
// change's transaction, batches carry one latest version per row with codes for ids, and
// pulled work items apply by code without being queued again.
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../daemon/store/database.js';
import {
  applyWorkItems,
  dropTriggers,
  installTriggers,
  markPushed,
  queueStats,
  readBatch,
} from '../../daemon/sync/outbox.js';

function db() {
  const d = openDatabase(':memory:');
  d.prepare("INSERT INTO projects (code, title, created_at, updated_at) VALUES ('P', 'plan', 1, 1)").run();
  return d;
}

describe('sync outbox', () => {
  it('queues the rows already there when sync comes on, then every change in its own transaction', () => {
    const d = db();
    expect(installTriggers(d).backfilled).toBe(1);
    expect(installTriggers(d).backfilled).toBe(0); // already installed: nothing queued twice
    d.prepare("INSERT INTO tasks (code, title, project_id, created_at, updated_at) VALUES ('T-1', 'a', 1, 2, 2)").run();
    d.prepare("UPDATE tasks SET title = 'b', updated_at = 3 WHERE code = 'T-1'").run();
    // A rolled-back change leaves no outbox row.
    expect(() =>
      d.transaction(() => {
        d.prepare("INSERT INTO tasks (code, title, created_at, updated_at) VALUES ('T-2', 'x', 1, 1)").run();
        throw new Error('rollback');
      })(),
    ).toThrow('rollback');
    expect(queueStats(d).length).toBe(3);

    const batch = readBatch(d, 100)!;
    expect(batch.rows).toHaveLength(2); // the task's two changes are one row, at its latest version
    const task = batch.rows.find((r) => r.tbl === 'tasks')!;
    expect(task.version).toBe(3);
    expect(task.data).toMatchObject({ code: 'T-1', title: 'b', project_id: 1, project_id_code: 'P' });
    markPushed(d, batch.through);
    expect(queueStats(d).length).toBe(0);

    d.prepare("DELETE FROM tasks WHERE code = 'T-1'").run();
    const gone = readBatch(d, 100)!.rows[0];
    expect(gone).toMatchObject({ tbl: 'tasks', deleted: true, data: null });
    expect(gone.version).toBeGreaterThan(3); // AUTOINCREMENT: versions never go back

    expect(dropTriggers(d)).toBeGreaterThan(0);
    d.prepare("INSERT INTO tasks (code, title, created_at, updated_at) VALUES ('T-3', 'x', 1, 1)").run();
    expect(queueStats(d).length).toBe(1); // off: nothing new is queued
  });

  it('applies pulled work items by code, parents first, newer wins, without queueing them', () => {
    const d = db();
    installTriggers(d);
    markPushed(d, readBatch(d, 100)!.through);
    const task = (code: string, updated_at: number, extra: Record<string, unknown> = {}) => ({
      tbl: 'tasks' as const,
      data: { code, title: code, status: 'todo', created_at: 1, updated_at, project_id_code: 'P', ...extra },
      machine: 'beta',
      version: updated_at,
    });
    const r = applyWorkItems(
      d,
      [
        task('T-2', 5, { parent_id_code: 'T-1' }), // its parent comes after it in the same pull
        task('T-1', 5),
        task('T-9', 5, { parent_id_code: 'T-MISSING' }),
      ],
      'alpha',
    );
    expect(r.applied).toBe(2);
    expect(r.waiting.map((w) => w.data.code)).toEqual(['T-9']);
    const parent = d.prepare("SELECT id FROM tasks WHERE code = 'T-1'").pluck().get();
    expect(d.prepare("SELECT parent_id FROM tasks WHERE code = 'T-2'").pluck().get()).toBe(parent);
    expect(queueStats(d).length).toBe(0);

    expect(applyWorkItems(d, [task('T-1', 4, { title: 'older' })], 'alpha').applied).toBe(0);
    expect(applyWorkItems(d, [task('T-1', 6, { title: 'newer' })], 'alpha').applied).toBe(1);
    expect(d.prepare("SELECT title FROM tasks WHERE code = 'T-1'").pluck().get()).toBe('newer');
    expect(queueStats(d).length).toBe(0);
  });

  it("carries a task's dependencies as codes and applies them once the tasks they name are here", () => {
    const d = db();
    // The claims issue keeps dependencies in task_deps (its migration); they travel on the task as codes.
    installTriggers(d);
    d.prepare("INSERT INTO tasks (code, title, created_at, updated_at) VALUES ('T-1', 'a', 1, 1)").run();
    d.prepare("INSERT INTO tasks (code, title, created_at, updated_at) VALUES ('T-2', 'b', 1, 1)").run();
    d.prepare('INSERT INTO task_deps (task_id, depends_on_id) VALUES (2, 1)').run();
    const t2 = readBatch(d, 100)!.rows.find((r) => r.data?.code === 'T-2')!;
    expect(t2.data!.depends_on_codes).toEqual(['T-1']);
    markPushed(d, readBatch(d, 100)!.through);
    d.prepare('DELETE FROM task_deps').run(); // a dependency dropped: the task goes again
    expect(readBatch(d, 100)!.rows.map((r) => [r.tbl, r.data?.code, r.data?.depends_on_codes])).toEqual([
      ['tasks', 'T-2', []],
    ]);

    const other = db();
    const task = (code: string, deps: string[]) => ({
      tbl: 'tasks' as const,
      data: { code, title: code, status: 'todo', created_at: 1, updated_at: 5, depends_on_codes: deps },
      machine: 'beta',
      version: 1,
    });
    expect(applyWorkItems(other, [task('T-2', ['T-1']), task('T-1', [])], 'alpha').applied).toBe(2);
    expect(
      other
        .prepare(
          "SELECT a.code || '>' || b.code FROM task_deps JOIN tasks a ON a.id = task_id JOIN tasks b ON b.id = depends_on_id",
        )
        .pluck()
        .all(),
    ).toEqual(['T-2>T-1']);
  });

  it('settles updated_at ties: the same machine’s next version applies, two machines’ edits end as one row everywhere', () => {
    const item = (machine: string, version: number, title: string, updated_at = 5) => ({
      tbl: 'tasks' as const,
      data: { code: 'T-1', title, status: 'todo', created_at: 1, updated_at },
      machine,
      version,
    });
    const title = (d: ReturnType<typeof db>) => d.prepare("SELECT title FROM tasks WHERE code = 'T-1'").pluck().get();
    // Beta created T-1 and changed it within the same millisecond (a plan import, then `next --activate`).
    const alpha = db();
    expect(applyWorkItems(alpha, [item('beta', 1, 'created')], 'alpha').applied).toBe(1);
    expect(applyWorkItems(alpha, [item('beta', 2, 'activated')], 'alpha').applied).toBe(1);
    expect(title(alpha)).toBe('activated');
    expect(applyWorkItems(alpha, [item('beta', 2, 'activated')], 'alpha').applied).toBe(0); // a repeated pull

    // Alpha and gamma edit T-1 in the same millisecond: gamma's name sorts last, so gamma's row wins on both.
    alpha.prepare("UPDATE tasks SET title = 'alpha edit', updated_at = 9 WHERE code = 'T-1'").run();
    const gamma = db();
    applyWorkItems(gamma, [item('beta', 2, 'activated')], 'gamma');
    gamma.prepare("UPDATE tasks SET title = 'gamma edit', updated_at = 9 WHERE code = 'T-1'").run();
    expect(applyWorkItems(alpha, [item('gamma', 7, 'gamma edit', 9)], 'alpha').applied).toBe(1);
    expect(applyWorkItems(gamma, [item('alpha', 4, 'alpha edit', 9)], 'gamma').applied).toBe(0);
    expect([title(alpha), title(gamma)]).toEqual(['gamma edit', 'gamma edit']);
    // A third machine that got alpha's edit first ends the same way.
    const delta = db();
    applyWorkItems(delta, [item('alpha', 4, 'alpha edit', 9)], 'delta');
    expect(applyWorkItems(delta, [item('gamma', 7, 'gamma edit', 9)], 'delta').applied).toBe(1);
    expect(title(delta)).toBe('gamma edit');
  });
});
