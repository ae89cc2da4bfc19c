// The daemon's own fsync of SQLite's log (store/wal-sync.ts), on a real database in WAL mode
// with synchronous = NORMAL, as the daemon opens it.
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../daemon/store/database.js';
import { WalSync } from '../../daemon/store/wal-sync.js';
import { Checkpointer } from '../../daemon/store/checkpointer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'fragd-walsync-'));
  dirs.push(d);
  return d;
};

describe('WalSync', () => {
  it('the daemon opens its database with synchronous NORMAL, others with FULL', () => {
    const dir = tmp();
    const daemon = openDatabase(join(dir, 'a.db'), { syncsLog: true });
    expect(daemon.pragma('synchronous', { simple: true })).toBe(1);
    expect(daemon.pragma('journal_mode', { simple: true })).toBe('wal');
    daemon.close();
    const other = openDatabase(join(dir, 'b.db'));
    expect(other.pragma('synchronous', { simple: true })).toBe(2);
    other.close();
  });

  it('syncs the log after a commit, and shares one fdatasync among the barriers asked for while one runs', async () => {
    const dir = tmp();
    const path = join(dir, 'a.db');
    const db = openDatabase(path, { syncsLog: true });
    const sync = new WalSync(`${path}-wal`);
    db.exec('CREATE TABLE t (v INTEGER)');
    db.prepare('INSERT INTO t VALUES (1)').run();
    expect(existsSync(`${path}-wal`)).toBe(true);
    await sync.barrier();
    expect(sync.stats.syncs).toBe(1);
    // Ten barriers at once: the first starts a sync, the other nine wait for the next one.
    db.prepare('INSERT INTO t VALUES (2)').run();
    await Promise.all(Array.from({ length: 10 }, () => sync.barrier()));
    expect(sync.stats.barriers).toBe(11);
    expect(sync.stats.syncs).toBe(3);
    sync.close();
    db.close();
  });

  it('resolves with no log yet, and follows the log when SQLite removes and makes it again', async () => {
    const dir = tmp();
    const path = join(dir, 'a.db');
    const sync = new WalSync(`${path}-wal`);
    await sync.barrier(); // no database at all: nothing committed, nothing to sync
    expect(sync.stats.syncs).toBe(0);
    let db = openDatabase(path, { syncsLog: true });
    db.exec('CREATE TABLE t (v INTEGER)');
    await sync.barrier();
    expect(sync.stats.syncs).toBe(1);
    db.close(); // the last connection removes the log
    expect(existsSync(`${path}-wal`)).toBe(false);
    db = openDatabase(path, { syncsLog: true });
    db.prepare('INSERT INTO t VALUES (1)').run();
    await sync.barrier();
    expect(sync.stats.syncs).toBe(2);
    sync.close();
    db.close();
    const check = new Database(path);
    expect(check.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
    check.close();
  });
});

describe('Checkpointer', () => {
  it('checkpoints the log on its worker once writes are quiet, and lets the last close remove the log', async () => {
    const dir = tmp();
    const path = join(dir, 'a.db');
    const db = openDatabase(path, { syncsLog: true });
    db.pragma('wal_autocheckpoint = 0');
    const errors: string[] = [];
    const cp = new Checkpointer(
      path,
      (m) => errors.push(m),
      (m) => errors.push(m),
      { pollMs: 20, quietMs: 60, busyMs: 60_000 },
    );
    expect(cp.running).toBe(false); // no worker before anything is written
    db.exec('CREATE TABLE t (v TEXT)');
    const ins = db.prepare('INSERT INTO t VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) ins.run('x'.repeat(200));
    })();
    cp.noteWrite();
    expect(cp.running).toBe(true);
    const frames = () => (db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0].log;
    await vi.waitFor(() => expect(cp.stats.checkpoints).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
    expect(errors).toEqual([]);
    expect(cp.stats.last?.log).toBeGreaterThan(50);
    expect(cp.stats.last?.checkpointed).toBe(cp.stats.last?.log);
    // Nothing left to copy: the worker's checkpoint did it all.
    expect(frames()).toBe(cp.stats.last?.log);
    await cp.stop();
    db.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const check = new Database(path);
    expect(check.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2000);
    check.close();
  });

  it('ends its worker once the log is checkpointed and quiet, and starts one again at the next write', async () => {
    const dir = tmp();
    const path = join(dir, 'a.db');
    const db = openDatabase(path, { syncsLog: true });
    db.pragma('wal_autocheckpoint = 0');
    const cp = new Checkpointer(
      path,
      () => {},
      () => {},
      { pollMs: 20, quietMs: 40, busyMs: 60_000, idleExitMs: 150 },
    );
    db.exec('CREATE TABLE t (v TEXT)');
    cp.noteWrite();
    await vi.waitFor(() => expect(cp.running).toBe(false), { timeout: 10_000, interval: 20 });
    expect(cp.stats.checkpoints).toBeGreaterThan(0);
    expect(cp.stats.workers).toBe(1);
    const first = cp.stats.checkpoints;
    db.prepare('INSERT INTO t VALUES (?)').run('again');
    cp.noteWrite();
    expect(cp.running).toBe(true);
    expect(cp.stats.workers).toBe(2);
    await vi.waitFor(() => expect(cp.stats.checkpoints).toBeGreaterThan(first), { timeout: 10_000, interval: 20 });
    await cp.stop();
    expect(cp.running).toBe(false);
    cp.noteWrite(); // stopped: no worker again
    expect(cp.running).toBe(false);
    db.close();
  });

  it('says when its worker fails (here: no database to open) and starts no other', async () => {
    const dir = tmp();
    const failed: string[] = [];
    const cp = new Checkpointer(
      join(dir, 'missing.db'),
      () => {},
      (m) => failed.push(m),
      { pollMs: 20 },
    );
    cp.noteWrite();
    await vi.waitFor(() => expect(failed).toHaveLength(1), { timeout: 10_000, interval: 20 });
    expect(failed[0]).toMatch(/unable to open database file|does not exist/);
    await vi.waitFor(() => expect(cp.running).toBe(false), { timeout: 10_000, interval: 20 });
    cp.noteWrite();
    expect(cp.running).toBe(false);
    await cp.stop();
  });

  it('after a burst, the first write once the worker caught up starts the log over, cut to journal_size_limit', async () => {
    const dir = tmp();
    const path = join(dir, 'a.db');
    const db = openDatabase(path, { syncsLog: true });
    db.pragma('wal_autocheckpoint = 0');
    db.pragma(`journal_size_limit = ${64 * 1024}`);
    const cp = new Checkpointer(
      path,
      () => {},
      () => {},
      { pollMs: 20, quietMs: 40, busyMs: 60_000 },
    );
    db.exec('CREATE TABLE t (v TEXT)');
    const ins = db.prepare('INSERT INTO t VALUES (?)');
    for (let b = 0; b < 20; b++)
      db.transaction(() => {
        for (let i = 0; i < 100; i++) ins.run('x'.repeat(1000));
      })();
    cp.noteWrite();
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(1024 * 1024);
    await vi.waitFor(() => expect(cp.stats.checkpoints).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
    ins.run('after the catch-up');
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(64 * 1024);
    await cp.stop();
    db.close();
  });
});
