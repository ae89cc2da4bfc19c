// What the local claim check reads of the other machines' claims (pulled into sync_claims).
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../daemon/store/database.js';
import { Sql } from '../../daemon/store/sql.js';
import { localHolds } from '../../daemon/app/team/claims.js';
import { remoteHolder, remotelyHeldTaskIds } from '../../daemon/sync/mirror.js';
import type { Syncer } from '../../daemon/sync/syncer.js';
import { ManualClock } from '../../daemon/clock.js';
import { defaultConfig } from '../../daemon/config.js';
import { newCall, type App } from '../../daemon/app/app.js';
import { startSession } from '../../daemon/app/sessions/sessions.js';
import { activateTask } from '../../daemon/app/context/context.js';
import { createTask } from '../../daemon/app/work/items.js';
import { ErrorCode, FragError } from '../../shared/errors.js';
import { assembleApp } from '../../daemon/assemble-app.js';

const T0 = Date.parse('2026-03-10T10:00:00Z');

describe('claims across machines, local reads', () => {
  it('names the holder on another machine by task code (any case) and the ids to avoid', () => {
    const sql = new Sql(openDatabase(':memory:'));
    sql.run("INSERT INTO tasks (code, title, created_at, updated_at) VALUES ('T-1', 'a', 1, 1), ('T-2', 'b', 1, 1)");
    expect(remoteHolder(sql, 'T-1')).toBeNull();
    sql.run(
      "INSERT INTO sync_claims (task_code, machine, actor, session_key, claimed_at) VALUES ('T-2', 'beta', 'claude', 'SESSION-004', '2026-03-10T09:00:00.000Z')",
    );
    expect(remoteHolder(sql, 't-2')).toEqual({
      task: 'T-2',
      machine: 'beta',
      actor: 'claude',
      session: 'SESSION-004',
      since: '2026-03-10T09:00:00.000Z',
    });
    expect([...remotelyHeldTaskIds(sql)]).toEqual([2]);
  });

  it('reads what this machine holds from the open sessions’ stacks: their top-level tasks, not subtasks', () => {
    const sql = new Sql(openDatabase(':memory:'));
    const frame = (type: string, code: string) => ({ type, id: 1, code, title: code, pushed_at: 1 });
    const session = (key: string, actor: string, status: string, stack: object[]) =>
      sql.run(
        `INSERT INTO sessions (key, actor, os_user, source, type, status, stack, started_at, last_activity_at)
         VALUES (?, ?, 'ann', 'cli', 'work', ?, ?, 1, 1)`,
        key,
        actor,
        status,
        JSON.stringify(stack),
      );
    session('SESSION-001', 'human', 'active', [frame('project', 'P'), frame('task', 'T-1'), frame('subtask', 'T-1a')]);
    session('SESSION-002', 'claude', 'completed', [frame('task', 'T-2')]);
    session('SESSION-003', 'codex', 'paused', [frame('task', 'T-3')]);
    expect(localHolds(sql)).toEqual([
      { task: 'T-1', actor: 'human', session: 'SESSION-001' },
      { task: 'T-3', actor: 'codex', session: 'SESSION-003' },
    ]);
  });
});

describe('the claim function with team sync on', () => {
  // A stand-in for the syncer's one answer the claim function reads: which grants are in hand.
  // Everything that asks PostgreSQL is tested against a real one (test/integration/team-sync.test.ts).
  function appWithGrants(granted: Set<string>): App {
    const app: App = assembleApp({
      sql: new Sql(openDatabase(':memory:')),
      clock: new ManualClock(T0),
      config: defaultConfig(),
    });
    app.syncer = { granted: (code: string) => granted.has(code.toLowerCase()) } as unknown as Syncer;
    const tx = <T>(f: () => T) => app.sql.db.transaction(f)();
    tx(() => createTask(newCall(app), { code: 'T-1', title: 'one' }));
    tx(() => createTask(newCall(app), { code: 'T-1a', title: 'its subtask', parent: 'T-1' }));
    tx(() => startSession(newCall(app), { actor: 'human' }));
    return app;
  }

  it('refuses an activation the team store has not granted, and changes nothing', () => {
    const app = appWithGrants(new Set());
    const err = catchError(() => app.sql.db.transaction(() => activateTask(newCall(app), { code: 'T-1' }))());
    expect(err).toBeInstanceOf(FragError);
    expect((err as FragError).code).toBe(ErrorCode.StorageUnavailable);
    expect((err as FragError).data).toMatchObject({ store: 'team', task: 'T-1' });
    expect(app.sql.value('SELECT count(*) FROM claims')).toBe(0);
    expect(app.sql.value('SELECT stack FROM sessions')).toBe('[]');
  });

  it('lets a granted one through, and a subtask through its task’s grant', () => {
    const app = appWithGrants(new Set(['t-1']));
    app.sql.db.transaction(() => activateTask(newCall(app), { code: 'T-1a' }))();
    expect(app.sql.value("SELECT t.code FROM claims c JOIN tasks t ON t.id = c.task_id WHERE c.role = 'holder'")).toBe(
      'T-1',
    );
  });

  it('refuses a task the last pull says another machine holds with task_claimed naming the machine', () => {
    const app = appWithGrants(new Set(['t-1']));
    app.sql.run(
      "INSERT INTO sync_claims (task_code, machine, actor, session_key, claimed_at) VALUES ('T-1', 'beta', 'codex', 'SESSION-009', '2026-03-10T09:00:00.000Z')",
    );
    const err = catchError(() => app.sql.db.transaction(() => activateTask(newCall(app), { code: 'T-1' }))());
    expect((err as FragError).code).toBe(ErrorCode.TaskClaimed);
    expect((err as FragError).message).toBe('T-1 is held by codex on machine beta since 2026-03-10T09:00:00.000Z');
    expect((err as FragError).data).toMatchObject({
      holder: { machine: 'beta', actor: 'codex', session: 'SESSION-009' },
      ways_out: ['next', 'take_over'],
    });
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
