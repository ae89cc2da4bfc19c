// What the local claim check reads of the other machines' claims (pulled into sync_claims).
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../daemon/store/database.js';
import { Sql } from '../../daemon/store/sql.js';
import { localHolds, remoteHolder, remotelyHeldTaskIds } from '../../daemon/sync/claims.js';

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

  it('reads what this machine holds from the open sessions’ stacks', () => {
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
      { task: 'T-1a', actor: 'human', session: 'SESSION-001' },
      { task: 'T-3', actor: 'codex', session: 'SESSION-003' },
    ]);
  });
});
