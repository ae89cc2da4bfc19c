// Upgrades keep every database's schema whole. The first release ran five migrations, the
// fifth "idempotency per writer"; the next put three before it. A first-release database
// must get the three it missed, and must not rebuild activities a second time.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../daemon/store/database.js';
import { migrations } from '../../daemon/store/migrations.js';

const tables = (db: Database.Database) =>
  db
    .prepare("SELECT name FROM sqlite_master WHERE type IN ('table','index','trigger') ORDER BY name")
    .pluck()
    .all() as string[];

describe('migrations', () => {
  it('bring a first-release database (version 5) to the schema a new database has', () => {
    const idempotency = migrations.findIndex((m) => m.includes('CREATE TABLE activities_new'));
    expect(idempotency).toBeGreaterThan(4);
    const old = new Database(':memory:');
    for (const v of [0, 1, 2, 3, idempotency]) old.exec(migrations[v]);
    old.pragma('user_version = 5');
    old.exec(
      "INSERT INTO sessions (id, key, actor, os_user, source, type, status, stack, started_at, last_activity_at) VALUES (1, 'SESSION-001', 'human', 'u', 'cli', 'work', 'active', '[]', 1, 1)",
    );
    old.exec(
      "INSERT INTO activities (session_id, kind, source, at, event_id, event_scope) VALUES (1, 'note', 'cli', 1, 'e1', 'x')",
    );
    migrate(old);
    expect(old.pragma('user_version', { simple: true })).toBe(migrations.length);
    const fresh = openDatabase(':memory:');
    expect(tables(old)).toEqual(tables(fresh));
    expect(old.prepare('SELECT event_id, event_scope FROM activities').all()).toEqual([
      { event_id: 'e1', event_scope: 'x' },
    ]);
  });

  it('leave a database of the later releases alone at version 5 (it ran the agents migration fifth)', () => {
    const later = new Database(':memory:');
    for (let v = 0; v < 5; v++) later.exec(migrations[v]);
    later.pragma('user_version = 5');
    migrate(later);
    expect(tables(later)).toEqual(tables(openDatabase(':memory:')));
  });
});
