// Scaling (issue 10): the same reads at 10k, 100k and 1M intervals (and 100k, 1M, 10M
// activities), side by side with the ratio between sizes, so a cost that grows with history
// shows at a glance. History grows into the past at a constant density (1,000 intervals a
// day over 10 actors, 10 activities each), so the last 7 days always hold the same work and
// a flat 7-day report means the range, not the history, sets its cost; the year report
// holds 10k, 100k and 365k intervals and grows with what is in its range.
// One database grows from size to size, seeded straight into SQLite in bulk (recursive
// CTEs; the interval triggers keep the running totals as they would for any write).
// Usage: node bench/scale.bench.mjs [--quick]  (--quick: 10k and 100k only, fewer calls).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BenchDaemon, ROOT, RawClient, fmt, latencies, percentile, throughput } from './lib.mjs';

const QUICK = process.argv.includes('--quick');
const SIZES = QUICK ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const CALLS = QUICK ? 300 : 1000;
const DAY = 86_400_000;
const PER_DAY = 1000;
const ACTORS = 10;
const SLOT = DAY / PER_DAY; // one interval per slot, round-robin over the actors
const ACTS = 10; // activities per interval

// A private build, as in time.bench.mjs: dist/ may be rebuilt by others during the run.
mkdirSync(join(ROOT, '.test-dist'), { recursive: true });
const OUT = mkdtempSync(join(ROOT, '.test-dist', 'bench-scale-'));
const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--outdir', OUT], { stdio: 'inherit' });
if (built.status !== 0) throw new Error('build failed');
const FRAGD = join(OUT, 'fragd.js');
let daemon;
process.on('exit', () => {
  daemon?.proc?.kill('SIGKILL');
  rmSync(OUT, { recursive: true, force: true });
});

class ScaleDaemon extends BenchDaemon {
  constructor(now) {
    super(undefined, { fragd: FRAGD, waitTries: 1500 });
    this.env.FRAGD_TEST_CLOCK = String(now);
  }
}

// "Now" for the daemon (a test clock, so the tick can be run on demand): a fixed moment,
// the seeded history ends an hour before it.
const NOW = Date.parse('2026-11-02T12:00:00Z');
const END = NOW - 3_600_000;

/** Intervals k in [from, to) counted backwards from END; their sessions and activities. */
function grow(db, from, to) {
  const t = performance.now();
  // A bulk load with the daemon stopped: no journal, no fsync, a large cache, and the
  // activity indexes built once afterwards instead of row by row.
  db.pragma('journal_mode = DELETE');
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -500000');
  const indexes = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'activities' AND sql IS NOT NULL")
    .all();
  for (const i of indexes) db.exec(`DROP INDEX ${i.name}`);
  db.transaction(() => {
    const days = (k) => Math.floor(k / PER_DAY);
    // One session per actor and day.
    db.prepare(
      `WITH RECURSIVE d(day) AS (SELECT CAST(?1 AS INTEGER) UNION ALL SELECT day + 1 FROM d WHERE day + 1 <= ?2),
         a(actor) AS (SELECT 0 UNION ALL SELECT actor + 1 FROM a WHERE actor + 1 < ${ACTORS})
       INSERT INTO sessions (id, key, actor, os_user, source, type, status, started_at, ended_at, last_activity_at, stack)
       SELECT -1 - (day * ${ACTORS} + actor), 'SEED-' || day || '-' || actor, 'agent-' || actor, 'bench', 'cli', 'work', 'completed',
              ${END} - (day + 1) * ${DAY}, ${END} - day * ${DAY}, ${END} - day * ${DAY}, '[]'
         FROM d, a`,
    ).run({ 1: days(from), 2: days(to - 1) });
    // Half the intervals are on the live task (id 1): its history is what a sum would walk.
    const interval = `${END} - (k + 1) * ${SLOT}`;
    // Seeded sessions have negative ids, so the live ones (rowid max + 1) never collide with them.
    const session = `-1 - ((k / ${PER_DAY}) * ${ACTORS} + (k % ${ACTORS}))`;
    const task = `CASE WHEN k % 2 = 0 THEN 1 ELSE 2 + (k / 2) % 200 END`;
    db.prepare(
      `WITH RECURSIVE n(k) AS (SELECT CAST(?1 AS INTEGER) UNION ALL SELECT k + 1 FROM n WHERE k + 1 < ?2)
       INSERT INTO intervals (session_id, actor, project_id, sprint_id, task_id, started_at, checkpoint_at, ended_at, end_reason)
       SELECT ${session}, 'agent-' || (k % ${ACTORS}), 1, 1 + (k % 8), ${task},
              ${interval}, ${interval} + ${SLOT * ACTORS * 0.8}, ${interval} + ${SLOT * ACTORS * 0.8}, 'switch' FROM n`,
    ).run({ 1: from, 2: to });
    db.prepare(
      `WITH RECURSIVE n(k) AS (SELECT CAST(?1 AS INTEGER) UNION ALL SELECT k + 1 FROM n WHERE k + 1 < ?2),
         a(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM a WHERE j + 1 < ${ACTS})
       INSERT INTO activities (session_id, kind, message, data, source, project_id, sprint_id, task_id, at)
       SELECT ${session}, CASE WHEN j % 3 = 0 THEN 'update' ELSE 'heartbeat' END, 'seeded work', 
              CASE WHEN j % 3 = 0 THEN NULL ELSE '{"file":"x.ts","count":3}' END, 'cli', 1, 1 + (k % 8), ${task},
              ${interval} + j * 1000 FROM n, a`,
    ).run({ 1: from, 2: to });
  })();
  for (const i of indexes) db.exec(i.sql);
  db.pragma('journal_mode = WAL');
  return (performance.now() - t) / 1000;
}

/** CPU time (user + system) of a process so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

const median = (xs) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

async function measure(d, session) {
  const c = await RawClient.open(d.socket);
  const key = session.key;
  const time = async (fn, n = CALLS) => {
    for (let i = 0; i < Math.min(100, n); i++) await fn(i); // warm-up
    return median(await latencies(fn, n));
  };
  const r = {};
  r.hello = await time(() => c.call('daemon.hello', { protocol: 1 }));
  r.status = await time(() => c.call('session.status', { session: key }));
  r.context = await time(() => c.call('context.show', { session: key }));
  // The live task holds a third of all activities as updates: task show reads its latest only.
  r.taskShow = await time(() => c.call('task.show', { code: 'B-1' }), QUICK ? 100 : 300);
  // Writes wait for their fsync, whose latency on a shared disk would hide the daemon's
  // own cost: they are measured as the daemon's CPU time per call (utime + stime from
  // /proc), over many calls with 16 in flight.
  const cpu = async (fn, n) => {
    await throughput(fn, 200, 16); // warm-up
    const before = cpuMs(d.proc.pid);
    await throughput(fn, n, 16);
    return ((cpuMs(d.proc.pid) - before) * 1000) / n;
  };
  const W = QUICK ? 2000 : 5000;
  r.heartbeat = await cpu(() => c.call('heartbeat', { session: key, file: 'live.ts' }), W);
  // Each update its own text: the gate refuses one that repeats an earlier update of the task.
  let step = 0;
  r.update = await cpu(() => c.call('activity.update', { session: key, message: `step ${++step}` }), W);
  // Many more calls for the baseline: at ~10 µs each, W calls are one or two 10 ms clock ticks.
  r.helloCpu = await cpu(() => c.call('daemon.hello', { protocol: 1 }), W * 10);
  const week = { since: '2026-10-27', until: '2026-11-02', tz: 'UTC' };
  const year = { since: '2025-11-03', until: '2026-11-02', tz: 'UTC' };
  r.week = await time(() => c.call('report', { by: 'day', ...week }), QUICK ? 10 : 30);
  r.weekTask = await time(() => c.call('report', { by: 'task', ...week }), QUICK ? 10 : 30);
  r.year = await time(() => c.call('report', { by: 'day', ...year }), QUICK ? 3 : 7);
  r.yearIntervals = (await c.call('report', { by: 'day', ...year })).counts.intervals;
  // session.start answers with resume suggestions: the in-progress tasks by when they were
  // last worked on (the live task holds half of all intervals and activities). The daemon's
  // CPU per start and end, so the fsyncs of the two writes do not hide it.
  let starter = 0;
  r.start = await cpu(
    async () => {
      const actor = `starter-${starter++}`;
      await c.call('session.start', { actor });
      await c.call('session.end', { actor });
    },
    QUICK ? 100 : 300,
  );
  // The same one at a time (issue 20): each pair's status-file refresh runs alone, where
  // 16 in flight share one per turn of the event loop.
  const one = async (fn, n) => {
    for (let i = 0; i < 20; i++) await fn(); // warm-up
    const before = cpuMs(d.proc.pid);
    for (let i = 0; i < n; i++) await fn();
    return ((cpuMs(d.proc.pid) - before) * 1000) / n;
  };
  r.startOne = await one(
    async () => {
      const actor = `starter-${starter++}`;
      await c.call('session.start', { actor });
      await c.call('session.end', { actor });
    },
    QUICK ? 100 : 300,
  );
  // The tick: 20 rounds 30 s apart (the session stays active: a heartbeat between them).
  let tickCpu = 0;
  for (let i = 0; i < 20; i++) {
    await c.call('debug.clock', { advance_ms: 30_000 });
    await c.call('heartbeat', { session: key, file: 'live.ts' });
    const before = cpuMs(d.proc.pid);
    // 50 ticks a round: the CPU clock counts 10 ms steps, so fewer calls measure the step.
    for (let j = 0; j < 50; j++) await c.call('debug.tick', {});
    tickCpu += cpuMs(d.proc.pid) - before;
  }
  r.tick = (tickCpu * 1000) / 1000;
  // The write load of rpc.mjs (8 clients, activity.log) so memory is read after real work.
  const clients = await Promise.all(Array.from({ length: 8 }, () => RawClient.open(d.socket)));
  let next = 0;
  const total = QUICK ? 5000 : 20000;
  const worker = async (cl) => {
    while (next < total) await cl.call('activity.log', { session: key, message: `load ${next++}` });
  };
  await Promise.all(clients.flatMap((cl) => Array.from({ length: 8 }, () => worker(cl))));
  for (const cl of clients) cl.close();
  r.rss = d.rssMb();
  c.close();
  return r;
}

console.log(`\n== Scaling with history (${QUICK ? 'quick' : 'full'} run, node ${process.version}) ==`);
const d = new ScaleDaemon(NOW - 2 * 3_600_000);
daemon = d;
// A live project, sprint, task and session, created through the daemon.
await d.start();
let session;
{
  const c = await RawClient.open(d.socket);
  await c.call('project.create', { code: 'B', title: 'bench' });
  await c.call('sprint.create', { code: '1', title: 'bench', project: 'B' });
  await c.call('task.create', { code: 'B-1', title: 'the live task', sprint: '1', estimate_minutes: 600 });
  for (let n = 2; n <= 201; n++) await c.call('task.create', { code: `T-${n}`, title: `task ${n}`, sprint: '1' });
  for (let s = 2; s <= 8; s++) await c.call('sprint.create', { code: String(s), title: `sprint ${s}`, project: 'B' });
  c.close();
}
await d.stop();
d.env.FRAGD_TEST_CLOCK = String(NOW);
const results = [];
let have = 0;
for (const size of SIZES) {
  const db = new Database(d.db);
  const seedS = grow(db, have, size);
  have = size;
  const counts = db
    .prepare('SELECT (SELECT count(*) FROM intervals) AS i, (SELECT count(*) FROM activities) AS a')
    .get();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  await d.start();
  // The next start continues the test clock after this run's ticks (20 × 30 s).
  d.env.FRAGD_TEST_CLOCK = String(Number(d.env.FRAGD_TEST_CLOCK) + 11 * 60_000);
  if (!session) {
    const c = await RawClient.open(d.socket);
    ({ session } = await c.call('session.start', { actor: 'bench' }));
    await c.call('task.activate', { session: session.key, code: 'B-1' });
    c.close();
  }
  const r = await measure(d, session);
  await d.stop();
  r.size = size;
  r.counts = counts;
  r.seedS = seedS;
  r.dbMb = statSync(d.db).size / 1e6;
  results.push(r);
  console.log(
    `  ${size.toLocaleString('en')} intervals: ${counts.i.toLocaleString('en')} intervals, ${counts.a.toLocaleString('en')} activities, ${fmt(r.dbMb, 0)} MB, seeded in ${fmt(seedS, 1)} s`,
  );
}
if (process.env.BENCH_KEEP) console.log(`  kept ${d.db}`);
else await d.dispose();

const sizes = results.map((r) => `${(r.size / 1000).toLocaleString('en')}k int.`);
const head = [
  'median (daemon round trip)',
  ...sizes,
  ...results.slice(1).map((r, i) => `×${sizes[i + 1]}/${sizes[0]}`),
];
const line = (label, pick, unit, digits = 3) => [
  label,
  ...results.map((r) => `${fmt(pick(r), digits)} ${unit}`),
  ...results.slice(1).map((r) => `${fmt(pick(r) / pick(results[0]), 2)}×`),
];
const table = [
  head,
  line('daemon.hello round trip (baseline)', (r) => r.hello, 'ms'),
  line('session.status (= status --short) round trip', (r) => r.status, 'ms'),
  line('context.show round trip', (r) => r.context, 'ms'),
  line('task.show of the live task (its latest 50 updates)', (r) => r.taskShow, 'ms'),
  line('report by day, last 7 days (7,000 intervals)', (r) => r.week, 'ms', 2),
  line('report by task, last 7 days', (r) => r.weekTask, 'ms', 2),
  line('report by day, last year', (r) => r.year, 'ms', 1),
  [
    '  intervals in the year report',
    ...results.map((r) => r.yearIntervals.toLocaleString('en')),
    ...results.slice(1).map(() => ''),
  ],
  line('daemon CPU per daemon.hello (baseline)', (r) => r.helloCpu, 'µs', 0),
  line('daemon CPU per heartbeat (coalesced)', (r) => r.heartbeat, 'µs', 0),
  line('daemon CPU per activity.update (with instructions)', (r) => r.update, 'µs', 0),
  line('daemon CPU per debug.tick (checkpoint)', (r) => r.tick, 'µs', 0),
  line('daemon CPU per session.start + end (resume suggestions)', (r) => r.start, 'µs', 0),
  line('  the same, one at a time (status files refreshed per call)', (r) => r.startOne, 'µs', 0),
  line('daemon resident memory after the load', (r) => r.rss, 'MB', 1),
];
const widths = head.map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
for (const row of table)
  console.log(
    '  ' + row.map((v, i) => (i === 0 ? String(v).padEnd(widths[i]) : String(v).padStart(widths[i]))).join('  '),
  );
const largest = results[results.length - 1];
// Flat: each read's round trip relative to hello's, each write's CPU relative to hello's CPU, largest size against smallest.
const rel = (r, k) =>
  ['status', 'context', 'taskShow', 'week', 'weekTask'].includes(k) ? r[k] / r.hello : r[k] / r.helloCpu;
const flat = ['status', 'context', 'taskShow', 'week', 'weekTask', 'heartbeat', 'update', 'tick', 'start', 'startOne'];
const growth = flat.map((k) => [k, rel(largest, k) / rel(results[0], k)]);
const worst = growth.reduce((a, b) => (b[1] > a[1] ? b : a));
console.log(
  `  reads and writes of item 1, ${sizes.at(-1)} vs ${sizes[0]} (each against hello in its run): ${growth.map(([k, g]) => `${k} ${fmt(g, 2)}×`).join(', ')}; worst ${worst[0]} ${fmt(worst[1], 2)}× (target: flat, ≤ 1.5×) ${worst[1] <= 1.5 ? '✓' : '✗ MISSED'}`,
);
console.log(
  `  memory at ${largest.size.toLocaleString('en')} intervals, ${largest.counts.a.toLocaleString('en')} activities: ${fmt(largest.rss, 1)} MB (target < 100 MB) ${largest.rss < 100 ? '✓' : '✗ MISSED'}`,
);
