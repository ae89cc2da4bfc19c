// The spool's queue: listed once, taken from the front pass after pass, listed again only
// when used up or short and old (a backlog of 100k was listed, a stat per file, at every
// pass of 100: issue 22).
import { mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listSpoolAsync, listSpool, SpoolQueue } from '../../daemon/app/git/spool-queue.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function spool(n: number, from = 0): string[] {
  const paths: string[] = [];
  for (let i = from; i < from + n; i++) {
    const p = join(dir, `r-${String(i).padStart(5, '0')}.rec`);
    writeFileSync(p, 'x');
    // Written in order, a second apart (the order the hooks wrote them).
    utimesSync(p, 1_700_000_000 + i, 1_700_000_000 + i);
    paths.push(p);
  }
  return paths;
}

describe('SpoolQueue', () => {
  it('lists a backlog once and hands it out pass after pass, in write order', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fr-queue-'));
    const paths = spool(1000);
    writeFileSync(join(dir, 'not-a-record.txt'), 'x');
    let now = 0;
    const q = new SpoolQueue(dir, () => now);
    for (let pass = 0; pass < 10; pass++) {
      await q.refresh(); // as the watcher does before each pass
      const head = q.head(100);
      expect(head.map((f) => f.path)).toEqual(paths.slice(pass * 100, pass * 100 + 100));
      q.taken(new Set(head.map((f) => f.path)));
      for (const f of head) unlinkSync(f.path); // as the pass's sweep does once stored
      now += 100;
    }
    expect(q.length).toBe(0);
    // Ten passes, one listing; the empty queue lists again at the next refresh.
    expect(q.listings).toBe(1);
    await q.refresh();
    expect(q.listings).toBe(2);
  });

  it('keeps a record a pass left (still being written) at the front, and drops taken ones anywhere', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fr-queue-'));
    const paths = spool(5);
    const q = new SpoolQueue(dir, () => 0);
    expect(q.head(10)).toHaveLength(5);
    q.taken(new Set([paths[1], paths[3]]));
    expect(q.head(10).map((f) => f.path)).toEqual([paths[0], paths[2], paths[4]]);
  });

  it('lists a short listing again once it is old, so new records are seen', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fr-queue-'));
    spool(3);
    let now = 0;
    const q = new SpoolQueue(dir, () => now);
    await q.refresh();
    const later = spool(2, 3);
    await q.refresh(); // fresh: not listed again
    expect(q.length).toBe(3);
    now += 2500;
    await q.refresh();
    expect(q.listings).toBe(2);
    expect(
      q
        .head(10)
        .slice(-2)
        .map((f) => f.path),
    ).toEqual(later);
  });

  it('lists the same records in the same order synchronously and asynchronously', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fr-queue-'));
    spool(300);
    expect((await listSpoolAsync(dir)).map((f) => f.name)).toEqual(listSpool(dir).map((f) => f.name));
    expect(await listSpoolAsync(join(dir, 'missing'))).toEqual([]);
  });
});
