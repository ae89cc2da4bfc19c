// Time benchmarks (issue 3), against the real daemon bundle:
//   1. the tick's cost with 1,000 open sessions (debug.tick on a FRAGD_TEST_CLOCK daemon,
//      so a tick runs on demand; baseline: daemon.hello round trips in the same run);
//   2. `fragctl report` over a year of data (100k intervals, 1M activities) seeded
//      straight into SQLite; baseline: `fragctl status` processes in the same run.
// Usage: node bench/time.bench.mjs (npm run bench:time; npm run bench picks it up). Prints figures; asserts nothing.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  BenchDaemon,
  FRAGD_NODE_FLAGS,
  ROOT,
  RawClient,
  fmt,
  latencies,
  median,
  row,
  seedYear,
  sleep,
} from './lib.mjs';

// A private build: dist/ is rebuilt by others at any moment, and a half-written bundle
// would fail a run (or time the wrong code).
mkdirSync(join(ROOT, '.test-dist'), { recursive: true }); // ignored by git, next to node_modules
const OUT = mkdtempSync(join(ROOT, '.test-dist', 'bench-time-'));
const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--outdir', OUT], { stdio: 'inherit' });
if (built.status !== 0) throw new Error('build failed');
const FRAGD = join(OUT, 'fragd.js');
const FRAGCTL = join(OUT, 'fragctl.js');
const daemons = new Set();
process.on('exit', () => {
  for (const d of daemons) d.proc?.kill('SIGKILL');
  rmSync(OUT, { recursive: true, force: true });
});

class TimeBenchDaemon extends BenchDaemon {
  constructor() {
    super();
    this.env.FRAGD_BIN = FRAGD;
    daemons.add(this);
  }
  async start() {
    this.proc = spawn(process.execPath, [...FRAGD_NODE_FLAGS, FRAGD, '--foreground'], {
      env: this.env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (let i = 0; i < 500; i++) {
      try {
        (await RawClient.open(this.socket)).close();
        return this;
      } catch {
        await sleep(20);
      }
    }
    throw new Error('fragd did not start');
  }
}

const DAY = 86_400_000;
// --quick (npm run bench -- --quick): the same data, fewer repetitions.
const QUICK = process.argv.includes('--quick');

/** Starts a daemon once so it creates and migrates its database, then stops it. */
async function migratedHome(env = {}) {
  const d = new TimeBenchDaemon();
  Object.assign(d.env, env);
  await d.start();
  await d.stop();
  return d;
}

async function tickBench() {
  const now = Date.now();
  const d = await migratedHome();
  const db = new Database(d.db);
  const insS = db.prepare(
    `INSERT INTO sessions (key, actor, os_user, source, type, status, started_at, last_activity_at, stack) VALUES (?, ?, 'bench', 'cli', 'work', 'active', ?, ?, '[]')`,
  );
  const insI = db.prepare('INSERT INTO intervals (session_id, actor, started_at, checkpoint_at) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= 1000; i++) {
      const { lastInsertRowid } = insS.run(`SESSION-${String(i).padStart(4, '0')}`, `agent-${i}`, now - 3_600_000, now);
      insI.run(lastInsertRowid, `agent-${i}`, now - 3_600_000, now);
    }
  })();
  db.close();
  d.env.FRAGD_TEST_CLOCK = String(now);
  await d.start();
  const c = await RawClient.open(d.socket);
  const hello = await latencies(() => c.call('daemon.hello', { protocol: 1 }), 200);
  const tickOnly = [];
  for (let i = 0; i < 20; i++) {
    await c.call('debug.clock', { advance_ms: 30_000 });
    const t = performance.now();
    const r = await c.call('debug.tick', {});
    tickOnly.push(performance.now() - t);
    if (r.checkpointed !== 1000) throw new Error(`expected 1000 checkpointed intervals, got ${r.checkpointed}`);
  }
  // A tick that idle-pauses all 1,000 sessions at once (the heaviest one).
  await c.call('debug.clock', { advance_ms: 20 * 60_000 });
  let t = performance.now();
  const sweep = await c.call('debug.tick', {});
  const sweepMs = performance.now() - t;
  c.close();
  await d.dispose();
  const h = median(hello);
  const k = median(tickOnly);
  console.log('\n# tick with 1,000 active sessions (RPC round trip of debug.tick; the tick runs in one transaction)');
  row('daemon.hello round trip (baseline), median of 200', `${fmt(h, 3)} ms`);
  row(
    'debug.tick: checkpoint 1,000 open intervals, median of 20',
    `${fmt(k, 2)} ms`,
    `≈ ${fmt(k - h, 2)} ms over baseline, ${fmt(k / h, 1)}×`,
  );
  row('debug.tick: idle-pause 1,000 sessions at once', `${fmt(sweepMs, 1)} ms`, `${sweep.idle_paused.length} paused`);
}

async function reportBench() {
  const d = await migratedHome();
  const db = new Database(d.db);
  const end = Date.parse('2026-11-01T00:00:00Z');
  const start = end - 365 * DAY;
  const t0 = performance.now();
  const { intervals, activities } = seedYear(db, start);
  db.close();
  const seedS = (performance.now() - t0) / 1000;
  await d.start();

  const fragctl = (args) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, [FRAGCTL, ...args], {
      env: { ...d.env, TZ: 'Europe/Berlin' },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`fragctl ${args.join(' ')} failed: ${r.stderr}`);
    return { ms: performance.now() - t, out: r.stdout };
  };
  const range = ['--since', '2025-11-01', '--until', '2026-10-31'];
  fragctl(['daemon', 'status']); // warm the page cache and statement cache
  const runs = QUICK ? 3 : 5;
  const med = (args) => median(Array.from({ length: runs }, () => fragctl(args).ms));
  const baseline = med(['daemon', 'status', '--json']);
  const results = {};
  for (const by of ['day', 'task', 'sprint', 'project', 'actor'])
    results[by] = med(['report', '--by', by, ...range, '--json']);
  const sample = JSON.parse(fragctl(['report', '--by', 'day', ...range, '--json']).out);
  // The daemon's share: the same report over a raw socket (no process start).
  const c = await RawClient.open(d.socket);
  const rpcDay = median(
    await latencies(
      () => c.call('report', { by: 'day', since: '2025-11-01', until: '2026-10-31', tz: 'Europe/Berlin' }),
      10,
    ),
  );
  const rpcTask = median(
    await latencies(
      () => c.call('report', { by: 'task', since: '2025-11-01', until: '2026-10-31', tz: 'Europe/Berlin' }),
      10,
    ),
  );
  const rpcHello = median(await latencies(() => c.call('daemon.hello', { protocol: 1 }), 50));
  c.close();
  await d.dispose();

  console.log(
    `\n# fragctl report over a year: ${intervals.toLocaleString('en')} intervals, ${activities.toLocaleString('en')} activities, 2 actors`,
  );
  console.log(
    `  data ${new Date(start).toISOString().slice(0, 10)} → ${new Date(end).toISOString().slice(0, 10)}; report range ${sample.since} → ${sample.until} (${sample.tz}), ${sample.counts.intervals.toLocaleString('en')} intervals in range, ${sample.rows.length} day rows; seeded in ${fmt(seedS, 1)} s`,
  );
  row(`fragctl daemon status (baseline process), median of ${runs}`, `${fmt(baseline, 1)} ms`);
  for (const [by, ms] of Object.entries(results)) {
    row(
      `fragctl report --by ${by} (whole process), median of ${runs}`,
      `${fmt(ms, 1)} ms`,
      `${fmt(ms / baseline, 2)}× baseline, target < 500 ms`,
      ms < 500,
    );
  }
  row(
    'report by day over the socket (daemon share), median of 10',
    `${fmt(rpcDay, 1)} ms`,
    `hello ${fmt(rpcHello, 3)} ms`,
  );
  row('report by task over the socket (daemon share), median of 10', `${fmt(rpcTask, 1)} ms`);
}

try {
  await tickBench();
  await reportBench();
} finally {
  for (const d of daemons) await d.dispose();
}
