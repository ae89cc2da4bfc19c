// Group commit on a real SQLite database: calls of one turn share a transaction, and a
// failing call rolls back alone.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CommitQueue } from '../../daemon/rpc/commit-queue.js';

const fresh = () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (v TEXT NOT NULL UNIQUE)');
  return db;
};
const values = (db: Database.Database) =>
  (db.prepare('SELECT v FROM t ORDER BY rowid').all() as { v: string }[]).map((r) => r.v);

describe('CommitQueue', () => {
  it('commits every call of one turn in one transaction, in order', async () => {
    const db = fresh();
    const q = new CommitQueue(db);
    const results = await Promise.all(
      ['a', 'b', 'c'].map((v) => q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run(v).changes)),
    );
    expect(results).toEqual([1, 1, 1]);
    expect(values(db)).toEqual(['a', 'b', 'c']);
    expect(db.inTransaction).toBe(false);
  });

  it('counts its commits and the calls they held (the group size daemon.status reports)', async () => {
    const db = fresh();
    const q = new CommitQueue(db);
    await Promise.all(['a', 'b', 'c'].map((v) => q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run(v))));
    await q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run('d'));
    expect(q.stats).toEqual({ batches: 2, calls: 4 });
  });

  it('rolls back a failing call alone, including its partial writes', async () => {
    const db = fresh();
    const q = new CommitQueue(db);
    const ok1 = q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run('x'));
    const bad = q.submit(() => {
      db.prepare('INSERT INTO t VALUES (?)').run('partial');
      db.prepare('INSERT INTO t VALUES (?)').run('x'); // UNIQUE violation
    });
    const thrower = q.submit(() => {
      db.prepare('INSERT INTO t VALUES (?)').run('also partial');
      throw new Error('handler refused');
    });
    const ok2 = q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run('y'));
    await expect(ok1).resolves.toBeDefined();
    await expect(bad).rejects.toThrow(/UNIQUE/);
    await expect(thrower).rejects.toThrow('handler refused');
    await expect(ok2).resolves.toBeDefined();
    expect(values(db)).toEqual(['x', 'y']);
  });

  it('allows nested transactions inside a call', async () => {
    const db = fresh();
    const q = new CommitQueue(db);
    await q.submit(() => db.transaction(() => db.prepare('INSERT INTO t VALUES (?)').run('nested'))());
    const failedNested = q.submit(() =>
      db.transaction(() => {
        db.prepare('INSERT INTO t VALUES (?)').run('gone');
        throw new Error('inner');
      })(),
    );
    await expect(failedNested).rejects.toThrow('inner');
    expect(values(db)).toEqual(['nested']);
  });

  it('rejects every call of the batch when the commit itself fails, and stores none', async () => {
    const db = fresh();
    db.exec(
      'CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)',
    );
    db.pragma('foreign_keys = ON');
    const q = new CommitQueue(db);
    const a = q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run('lost'));
    const b = q.submit(() => db.prepare('INSERT INTO child VALUES (42)').run()); // fails only at COMMIT
    await expect(a).rejects.toThrow(/FOREIGN KEY/);
    await expect(b).rejects.toThrow(/FOREIGN KEY/);
    expect(values(db)).toEqual([]);
    await q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run('after'));
    expect(values(db)).toEqual(['after']);
  });

  it('drained() resolves once everything submitted is settled', async () => {
    const db = fresh();
    const q = new CommitQueue(db);
    const p = q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run('d'));
    await q.drained();
    expect(q.pending).toBe(0);
    await p;
    expect(values(db)).toEqual(['d']);
  });
});
