// The clean-stop marker (daemon/store/clean-stop.ts): only the start right after a clean
// stop, on a file nobody touched since, may skip the full quick_check.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { markerPath, takeCleanStop, writeCleanStop } from '../../daemon/store/clean-stop.js';
import { openDatabase, type StartCheck } from '../../daemon/store/database.js';
import { migrations } from '../../daemon/store/migrations.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function cleanlyClosed(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clean-stop-'));
  dirs.push(dir);
  const path = join(dir, 'fragments.db');
  const db = openDatabase(path);
  db.prepare("INSERT INTO projects (code, title, created_at, updated_at) VALUES ('P', 'p', 0, 0)").run();
  db.close();
  expect(writeCleanStop(path, migrations.length)).toBe(true);
  return path;
}

const open = (path: string): StartCheck => {
  let check: StartCheck | null = null;
  openDatabase(path, { trustCleanStop: true, onCheck: (c) => (check = c) }).close();
  return check!;
};

describe('the clean-stop marker', () => {
  it('lets the next start skip the full check, once', () => {
    const path = cleanlyClosed();
    expect(open(path).check).toBe('clean_stop');
    expect(existsSync(markerPath(path))).toBe(false);
    // The start consumed it: without a new clean stop the next start checks everything.
    expect(open(path)).toMatchObject({ check: 'quick_check', why: expect.stringMatching(/no clean-stop marker/) });
  });

  it('is not trusted when the file changed after the stop, even with its times put back', () => {
    const path = cleanlyClosed();
    const st = statSync(path);
    // The same bytes written over the header: the content is as it was, the file was still written.
    writeFileSync(path, Buffer.from('SQLite format 3\0'), { flag: 'r+' });
    utimesSync(path, st.atime, st.mtime); // like touch -r: the change time still moves
    const r = takeCleanStop(path);
    expect(r.clean).toBe(false);
    expect(r.why).toMatch(/changed since the clean stop \(.*ctime_ns/);
  });

  it('is not trusted when a WAL is left beside the file', () => {
    const path = cleanlyClosed();
    writeFileSync(`${path}-wal`, 'x');
    expect(takeCleanStop(path)).toMatchObject({ clean: false, why: 'a WAL or journal is left' });
  });

  it('is not trusted across a schema change', () => {
    const path = cleanlyClosed();
    const marker = markerPath(path);
    const saved = JSON.parse(readFileSync(marker, 'utf8'));
    writeFileSync(marker, JSON.stringify({ ...saved, user_version: migrations.length - 1 }));
    expect(open(path)).toMatchObject({ check: 'quick_check', why: 'the schema version changed' });
  });

  it('refuses a file that is not a database even after a clean stop', () => {
    const path = cleanlyClosed();
    const marker = markerPath(path);
    writeFileSync(path, Buffer.alloc(8192, 0x41));
    // A marker forged to match the garbage: the cheap check still reads the header.
    const stamp = JSON.parse(readFileSync(marker, 'utf8'));
    const st = statSync(path, { bigint: true });
    writeFileSync(
      marker,
      JSON.stringify({ ...stamp, size: String(st.size), mtime_ns: String(st.mtimeNs), ctime_ns: String(st.ctimeNs) }),
    );
    expect(() => open(path)).toThrow(/not a database/);
  });
});
