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

  describe('answers only once the commit is on the disk (the durable barrier)', () => {
    /** A barrier the test opens by hand, counting when it was asked for. */
    const gate = () => {
      const asked: { open: () => void; fail: (e: unknown) => void; after: string[] }[] = [];
      let db: Database.Database;
      const durable = () => new Promise<void>((open, fail) => asked.push({ open, fail, after: values(db) }));
      return { asked, durable, use: (d: Database.Database) => (db = d) };
    };
    const settled = async (p: Promise<unknown>) => {
      let done = false;
      void p.then(
        () => (done = true),
        () => (done = true),
      );
      await new Promise((r) => setImmediate(r));
      return done;
    };

    it('asks for the barrier after the commit and answers when it opens; the next calls gather meanwhile', async () => {
      const db = fresh();
      const g = gate();
      g.use(db);
      const q = new CommitQueue(db, undefined, g.durable);
      const first = q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run('a').changes);
      await new Promise((r) => setImmediate(r));
      // Committed (visible, outside any transaction) before the barrier was asked for.
      expect(g.asked).toHaveLength(1);
      expect(g.asked[0].after).toEqual(['a']);
      expect(db.inTransaction).toBe(false);
      expect(await settled(first)).toBe(false);
      expect(q.pending).toBe(1);
      // The next calls gather while the first batch waits for the disk, and commit together once it is confirmed.
      const second = q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run('b').changes);
      const third = q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run('c').changes);
      await new Promise((r) => setImmediate(r));
      expect(values(db)).toEqual(['a']);
      expect(g.asked).toHaveLength(1);
      let drained = false;
      void q.drained().then(() => (drained = true));
      g.asked[0].open();
      expect(await first).toBe(1);
      await new Promise((r) => setImmediate(() => setImmediate(r)));
      expect(values(db)).toEqual(['a', 'b', 'c']);
      expect(g.asked).toHaveLength(2);
      expect(q.stats.batches).toBe(2);
      expect(await settled(second)).toBe(false);
      expect(drained).toBe(false);
      g.asked[1].open();
      expect(await second).toBe(1);
      expect(await third).toBe(1);
      await new Promise((r) => setImmediate(r));
      expect(drained).toBe(true);
      expect(q.pending).toBe(0);
    });

    it('rejects the batch with a storage error when the disk does not confirm it', async () => {
      const db = fresh();
      const g = gate();
      g.use(db);
      const q = new CommitQueue(db, undefined, g.durable);
      const a = q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run('a'));
      await new Promise((r) => setImmediate(r));
      g.asked[0].fail(Object.assign(new Error('I/O error'), { code: 'EIO' }));
      await expect(a).rejects.toMatchObject({ code: 'EIO', message: /could not be confirmed on the disk: I\/O error/ });
      await q.drained();
    });

    it("settles a pass of fragd's own (atCommit) at the commit, and the client in the same batch at the barrier", async () => {
      const db = fresh();
      const g = gate();
      g.use(db);
      const q = new CommitQueue(db, undefined, g.durable);
      const own = q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run('own').changes, { atCommit: true });
      const client = q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run('client').changes);
      expect(await own).toBe(1);
      expect(g.asked).toHaveLength(1);
      expect(await settled(client)).toBe(false);
      g.asked[0].open();
      expect(await client).toBe(1);
    });

    it("does not hold the next batch behind a batch of fragd's own passes alone", async () => {
      const db = fresh();
      const g = gate();
      g.use(db);
      const q = new CommitQueue(db, undefined, g.durable);
      expect(
        await q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run('pass 1').changes, { atCommit: true }),
      ).toBe(1);
      expect(
        await q.submit(() => db.prepare('INSERT INTO t VALUES (?)').run('pass 2').changes, { atCommit: true }),
      ).toBe(1);
      expect(g.asked).toHaveLength(0);
      expect(q.stats.batches).toBe(2);
    });

    it('does not wait for the disk when every call of the batch rolled back', async () => {
      const db = fresh();
      const g = gate();
      g.use(db);
      const q = new CommitQueue(db, undefined, g.durable);
      const bad = q.submit(() => {
        throw new Error('refused');
      });
      await expect(bad).rejects.toThrow('refused');
      expect(g.asked).toHaveLength(0);
    });
  });
});
