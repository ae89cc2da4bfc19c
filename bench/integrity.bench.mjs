// The corruption check fragd runs at start (issue 9, item 6): what PRAGMA quick_check and
// PRAGMA integrity_check cost on a year of data (100k intervals, 1M activities, seeded as
// in time.bench.mjs), beside a baseline measured in the same run: opening the database and
// reading its schema version, which every start does anyway; and fragd's own start to
// first answer on that database.
// Usage: node bench/integrity.bench.mjs [--quick]. Prints figures; asserts nothing.
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { BenchDaemon, ensureBuilt, fmt, median, row, seedYear } from './lib.mjs';

ensureBuilt();
const QUICK = process.argv.includes('--quick');
const runs = QUICK ? 3 : 5;
const d = new BenchDaemon();
await d.start();
await d.stop();
const seedDb = new Database(d.db);
const { intervals, activities } = seedYear(seedDb, Date.parse('2025-11-01T00:00:00Z'));
seedDb.pragma('wal_checkpoint(TRUNCATE)');
seedDb.close();

function timed(fn) {
  return median(
    Array.from({ length: runs }, () => {
      const t = performance.now();
      fn();
      return performance.now() - t;
    }),
  );
}
const withDb = (fn) => () => {
  const db = new Database(d.db, { readonly: true });
  try {
    fn(db);
  } finally {
    db.close();
  }
};
const open = timed(withDb((db) => db.pragma('user_version', { simple: true })));
const quick = timed(withDb((db) => db.pragma('quick_check', { simple: true })));
const full = timed(withDb((db) => db.pragma('integrity_check', { simple: true })));
const start = median(
  await (async () => {
    const out = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await d.start();
      out.push(performance.now() - t);
      await d.stop();
    }
    return out;
  })(),
);
const mb = statSync(d.db).size / 1048576;
console.log(
  `\n# corruption check at start: ${intervals.toLocaleString('en')} intervals, ${activities.toLocaleString('en')} activities, ${fmt(mb, 0)} MB database (median of ${runs}, page cache warm)`,
);
row('open + PRAGMA user_version (baseline)', `${fmt(open, 2)} ms`);
row('PRAGMA quick_check', `${fmt(quick, 0)} ms`, `${fmt(quick / open, 0)}× baseline`);
row('PRAGMA integrity_check', `${fmt(full, 0)} ms`, `${fmt(full / quick, 1)}× quick_check`);
row('fragd start to first answer (runs its check)', `${fmt(start, 0)} ms`);
await d.dispose();
