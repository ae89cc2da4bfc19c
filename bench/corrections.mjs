// Corrections on a year of data (issue 13), against the real daemon bundle and, in the same
// run, the real `timew` on the same intervals:
//   1. a year of one person's time (100k intervals) seeded straight into SQLite, and the
//      same intervals written as Timewarrior's data files;
//   2. `timew summary` over the year beside `fragctl report --by day` (totals compared);
//   3. a correction (interval edit, split, undo) over the socket and as a fragctl process,
//      then `fragctl report --by day` after it; baseline: `fragctl daemon status`.
// Usage: node bench/corrections.mjs [--quick]. Prints figures; asserts only that the totals agree.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BenchDaemon, ROOT, RawClient, fmt, latencies, median, row } from './lib.mjs';

const QUICK = process.argv.includes('--quick');
mkdirSync(join(ROOT, '.test-dist'), { recursive: true });
const OUT = mkdtempSync(join(ROOT, '.test-dist', 'bench-corr-'));
const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--outdir', OUT], { stdio: 'inherit' });
if (built.status !== 0) throw new Error('build failed');
const FRAGD = join(OUT, 'fragd.js');
const FRAGCTL = join(OUT, 'fragctl.js');
let daemon = null;
process.on('exit', () => {
  daemon?.proc?.kill('SIGKILL');
  rmSync(OUT, { recursive: true, force: true });
});

class Daemon extends BenchDaemon {
  constructor() {
    super(undefined, { fragd: FRAGD });
    this.env.TZ = 'Europe/Berlin';
  }
}

const DAY = 86_400_000;
const N = 100_000;
const end = Date.parse('2026-11-01T00:00:00Z');
const start = end - 365 * DAY;
// Whole seconds, as Timewarrior stores them: ~5.3 minutes a slot, 80% of it tracked.
const slot = Math.floor((365 * DAY) / N / 1000) * 1000;
const timewTime = (ms) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

daemon = new Daemon();
await daemon.start();
await daemon.stop();

// 1. Seed: the same intervals into fragd's database and Timewarrior's data files.
const t0 = performance.now();
const db = new Database(daemon.db);
const twDir = join(daemon.home, 'timew');
mkdirSync(join(twDir, 'data'), { recursive: true });
writeFileSync(join(twDir, 'timewarrior.cfg'), '');
const months = new Map();
const tagCount = {};
db.transaction(() => {
  const insT = db.prepare('INSERT INTO tasks (code, title, created_at, updated_at) VALUES (?, ?, ?, ?)');
  for (let n = 1; n <= 200; n++) insT.run(`T-${n}`, `Task ${n}`, start, start);
  const insS = db.prepare(
    `INSERT INTO sessions (key, actor, os_user, source, type, status, started_at, ended_at, last_activity_at, stack) VALUES (?, 'human', 'bench', 'cli', 'work', 'completed', ?, ?, ?, '[]')`,
  );
  const insI = db.prepare(
    `INSERT INTO intervals (session_id, actor, task_id, started_at, checkpoint_at, ended_at, end_reason) VALUES (?, 'human', ?, ?, ?, ?, 'switch')`,
  );
  let session = 0;
  let day = -1;
  for (let i = 0; i < N; i++) {
    const from = start + i * slot + (i % 7) * 1000;
    const to = from + Math.floor((slot * 0.8) / 1000) * 1000;
    const d0 = Math.floor((from - start) / DAY);
    if (d0 !== day) {
      day = d0;
      session = Number(
        insS.run(
          `SESSION-${String(d0 + 1).padStart(4, '0')}`,
          start + d0 * DAY,
          start + (d0 + 1) * DAY - 1,
          start + (d0 + 1) * DAY - 1,
        ).lastInsertRowid,
      );
    }
    const task = 1 + ((i >> 4) % 200);
    insI.run(session, task, from, to, to);
    const m = new Date(from).toISOString().slice(0, 7);
    if (!months.has(m)) months.set(m, []);
    months.get(m).push(`inc ${timewTime(from)} - ${timewTime(to)} # T-${task}`);
    tagCount[`T-${task}`] = { count: (tagCount[`T-${task}`]?.count ?? 0) + 1 };
  }
  db.prepare("UPDATE meta SET value = '365' WHERE key = 'session_seq'").run();
})();
db.close();
for (const [m, lines] of months) writeFileSync(join(twDir, 'data', `${m}.data`), lines.join('\n') + '\n');
writeFileSync(join(twDir, 'data', 'tags.data'), JSON.stringify(tagCount));
const seedS = (performance.now() - t0) / 1000;
await daemon.start();

const env = { ...daemon.env, TZ: 'Europe/Berlin' };
const proc = (cmd, args, extra = {}) => {
  const t = performance.now();
  const r = spawnSync(cmd, args, { env: { ...env, ...extra }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { ms: performance.now() - t, out: r.stdout };
};
const fragctl = (args) => proc(process.execPath, [FRAGCTL, ...args]);
const runs = QUICK ? 3 : 5;
const med = (f) => median(Array.from({ length: runs }, f));
const since = '2025-11-01';
const until = '2026-10-31';

console.log(
  `\n# corrections on a year of data: ${N.toLocaleString('en')} intervals, seeded in ${fmt(seedS, 1)} s (Europe/Berlin)`,
);
fragctl(['daemon', 'status']); // warm caches
const baseline = med(() => fragctl(['daemon', 'status', '--json']).ms);
row(`fragctl daemon status (baseline process), median of ${runs}`, `${fmt(baseline, 1)} ms`);

// 2. timew summary beside fragctl report, same data, same range, totals compared.
const ours = JSON.parse(fragctl(['report', '--by', 'day', '--since', since, '--until', until, '--json']).out);
const reportBefore = med(() => fragctl(['report', '--by', 'day', '--since', since, '--until', until, '--json']).ms);
row(`fragctl report --by day over the year, median of ${runs}`, `${fmt(reportBefore, 1)} ms`);
const hasTimew = spawnSync('timew', ['--version']).status === 0;
if (hasTimew) {
  const tw = (args) => proc('timew', args, { TIMEWARRIORDB: twDir });
  const summary = tw(['summary', since, '-', '2026-11-01']);
  const [h, m, s] = summary.out.trim().split('\n').pop().trim().split(':').map(Number);
  const theirs = h * 3600 + m * 60 + s;
  const twMs = median(Array.from({ length: QUICK ? 1 : 3 }, () => tw(['summary', since, '-', '2026-11-01']).ms));
  row(
    `timew summary over the same year, median of ${QUICK ? 1 : 3}`,
    `${fmt(twMs, 1)} ms`,
    `totals: timew ${theirs} s, fragd ${ours.total_seconds} s${theirs === ours.total_seconds ? ' (equal)' : ' (DIFFER)'}`,
    theirs === ours.total_seconds,
  );
  if (theirs !== ours.total_seconds) process.exitCode = 1;
} else console.log('  (timew is not installed: apt-get install timewarrior to compare with it)');

// 3. Corrections over the socket (the daemon's share) and as processes, then the report.
const c = await RawClient.open(daemon.socket);
const hello = median(await latencies(() => c.call('daemon.hello', { protocol: 1 }), 50));
const list = await c.call('interval.list', { limit: 1 });
/** Times `call` alone, n times, each after `prepare` picked its target (not timed). */
async function timed(n, prepare, call) {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const arg = await prepare(i);
    const t = performance.now();
    await call(arg);
    ms.push(performance.now() - t);
  }
  return ms;
}
const n = QUICK ? 10 : 30;
const nth = async (k) => (await c.call('interval.list', { limit: 1, offset: k - 1 })).intervals[0];
const edits = await timed(
  n,
  (i) => nth(1000 + i * 97),
  (iv) => c.call('interval.edit', { ref: iv.ref, end: new Date(Date.parse(iv.end) - 1000).toISOString() }),
);
const splits = await timed(
  n,
  (i) => nth(5000 + i * 89),
  (iv) => c.call('interval.split', { ref: iv.ref, at: new Date(Date.parse(iv.start) + 60_000).toISOString() }),
);
const undos = await timed(
  n,
  () => null,
  () => c.call('undo', {}),
);
// Baseline write: a one-row item edit, also committed (and fsynced) in its own transaction.
const writes = await timed(
  n,
  (i) => i,
  (i) => c.call('task.edit', { code: 'T-1', estimate_minutes: 60 + i }),
);
// A correction far back in the year: @40000 is found by position (an index walk of 40,000 rows).
const farBack = await timed(
  n,
  (i) => i,
  (i) => c.call('interval.annotate', { ref: '@40000', text: `bench ${i}` }),
);
const ours2 = await c.call('report', { by: 'day', since, until, tz: 'Europe/Berlin' });
c.close();
row(
  'daemon.hello round trip (baseline), median of 50',
  `${fmt(hello, 3)} ms`,
  `newest interval ${list.intervals[0]?.ref}`,
);
row(`task.edit (baseline write, one row) over the socket, median of ${n}`, `${fmt(median(writes), 2)} ms`);
row(`interval.edit (shorten by 1 s) over the socket, median of ${n}`, `${fmt(median(edits), 2)} ms`);
row(`interval.annotate @40000 over the socket, median of ${n}`, `${fmt(median(farBack), 2)} ms`);
row(`interval.split over the socket, median of ${n}`, `${fmt(median(splits), 2)} ms`);
row(
  `undo over the socket, median of ${n}`,
  `${fmt(median(undos), 2)} ms`,
  `total after ${n} edits, ${n} splits, ${n} undos: ${ours2.total_seconds} s (${ours2.total_seconds - ours.total_seconds} s)`,
);
const editProc = med(() => fragctl(['interval', 'annotate', '@40000', 'bench']).ms);
row(
  `fragctl interval annotate @40000 (whole process), median of ${runs}`,
  `${fmt(editProc, 1)} ms`,
  `${fmt(editProc / baseline, 2)}× baseline`,
);
const undoProc = med(() => fragctl(['undo']).ms);
row(`fragctl undo (whole process), median of ${runs}`, `${fmt(undoProc, 1)} ms`);
const reportAfter = med(() => fragctl(['report', '--by', 'day', '--since', since, '--until', until, '--json']).ms);
row(
  `fragctl report --by day after the corrections, median of ${runs}`,
  `${fmt(reportAfter, 1)} ms`,
  `${fmt(reportAfter / baseline, 2)}× baseline`,
);
await daemon.dispose();
daemon = null;
