// Each storage failure gets its own hint (issue 9, item 6), checked with real SQLite
// errors: a database at its page limit (SQLITE_FULL), a read-only connection
// (SQLITE_READONLY), another connection holding the write lock (SQLITE_BUSY).
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toRpcError } from '../../daemon/rpc/dispatcher.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-'));
const db = join(dir, 'fragments.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const setup = new Database(db);
setup.pragma('journal_mode = WAL');
setup.exec('CREATE TABLE t (x TEXT)');
setup.close();

function sqliteError(run: () => void): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error('expected SQLite to refuse');
}

const where = { db, dir };

describe('storage errors', () => {
  it('disk full (SQLITE_FULL): free disk space', () => {
    const c = new Database(db);
    const count = c.pragma('page_count', { simple: true }) as number;
    c.pragma(`max_page_count = ${count}`);
    const err = sqliteError(() => c.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(100_000)));
    c.close();
    const rpc = toRpcError(err, 'project.create', where);
    expect(rpc.code).toBe(-32008);
    expect(rpc.data).toMatchObject({ storage_problem: 'disk_full', sqlite_code: 'SQLITE_FULL' });
    expect(rpc.data?.hint).toMatch(/full; free disk space/);
  });

  it('read-only (SQLITE_READONLY): make it writable, not "free disk space"', () => {
    const c = new Database(db, { readonly: true });
    const err = sqliteError(() => c.prepare('INSERT INTO t VALUES (1)').run());
    c.close();
    const rpc = toRpcError(err, 'project.create', where);
    expect(rpc.data).toMatchObject({ storage_problem: 'read_only', sqlite_code: 'SQLITE_READONLY' });
    expect(rpc.message).toMatch(/read-only/);
    expect(rpc.message).not.toMatch(/disk space/);
  });

  it('locked by another connection (SQLITE_BUSY): close the other writer, not "free disk space"', () => {
    const holder = new Database(db);
    holder.exec('BEGIN EXCLUSIVE');
    const c = new Database(db, { timeout: 0 });
    const err = sqliteError(() => c.prepare('INSERT INTO t VALUES (1)').run());
    holder.exec('COMMIT');
    holder.close();
    c.close();
    const rpc = toRpcError(err, 'project.create', where);
    expect(rpc.data).toMatchObject({ storage_problem: 'locked', sqlite_code: 'SQLITE_BUSY' });
    expect(rpc.message).toContain(`another process holds a write lock on ${db}`);
    expect(rpc.message).not.toMatch(/disk space/);
  });

  it('an errno from the file system (ENOSPC) is storage too, not an internal error', () => {
    const err = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    expect(toRpcError(err, 'spool.ingest', where).data).toMatchObject({ storage_problem: 'disk_full' });
  });
});
