// Time benchmarks (issue 3), against the real daemon bundle:
//   1. the tick's cost with 1,000 open sessions (debug.tick on a FRAGD_TEST_CLOCK daemon,
//      so a tick runs on demand; baseline: daemon.hello round trips in the same run);
//   2. `fragctl report` over a year of data (100k intervals, 1M activities) seeded
//      straight into SQLite; baselines: `node -e 0` and `fragctl daemon status` processes in the same run; the
//      table against --json (the cost of drawing it), and `timew summary` over the same
//      intervals (skipped, saying why, when timew is not installed).
// Usage: node bench/time.bench.mjs (npm run bench:time; npm run bench picks it up). Prints figures; asserts nothing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildSync } from 'esbuild';
import { BenchDaemon, ROOT, RawClient, fmt, latencies, median, row, seedYear } from './lib.mjs';

// A private build: dist/ is rebuilt by others at any moment, and a half-written bundle
// would fail a run (or time the wrong code).
mkdirSync(join(ROOT, '.test-dist'), { recursive: true }); // ignored by git, next to node_modules
const OUT = mkdtempSync(join(ROOT, '.test-dist', 'bench-time-'));
const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--outdir', OUT], { stdio: 'inherit' });
if (built.status !== 0) throw new Error('build failed');
const FRAGD = join(OUT, 'fragd.js');
const FRAGCTL = join(OUT, 'fragctl.js');
// The report's renderer on its own, to time the drawing apart from the process around it.
const RENDER = join(OUT, 'report-render.mjs');
buildSync({
  entryPoints: [join(ROOT, 'client/fragctl/commands/report.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'error',
  outfile: RENDER,
});
const daemons = new Set();
process.on('exit', () => {
  for (const d of daemons) d.proc?.kill('SIGKILL');
  rmSync(OUT, { recursive: true, force: true });
});

class TimeBenchDaemon extends BenchDaemon {
  constructor() {
    super(undefined, { fragd: FRAGD });
    daemons.add(this);
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
  const { intervals, activities, spans } = seedYear(db, start);
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
  // Drawing the table: the same report as a table and as JSON, alternated, whole process.
  // Node's own start alternated with them, for the client's share of a report's process
  // (on a shared machine, figures taken minutes apart are not comparable).
  const tableT = [];
  const jsonT = [];
  const nodeT = [];
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    nodeT.push(performance.now() - t);
    tableT.push(fragctl(['report', '--by', 'day', ...range]).ms);
    jsonT.push(fragctl(['report', '--by', 'day', ...range, '--json']).ms);
  }
  const table = median(tableT);
  const json = median(jsonT);
  const nodeAlone = median(nodeT);
  // The drawing alone, as one fragctl process pays it: reportTable on this answer, its first
  // (cold) call in a fresh process, timed inside that process.
  const samplePath = join(OUT, 'report-sample.json');
  writeFileSync(samplePath, JSON.stringify(sample));
  const drawT = Array.from({ length: runs + 2 }, () => {
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { reportTable } from ${JSON.stringify(RENDER)};
         import { readFileSync } from 'node:fs';
         const r = JSON.parse(readFileSync(${JSON.stringify(samplePath)}, 'utf8'));
         const t = performance.now(); const lines = reportTable(r); const ms = performance.now() - t;
         if (lines.join('').length < 1000) throw new Error('no table');
         console.log(ms);`,
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`reportTable failed: ${r.stderr}`);
    return Number(r.stdout);
  });
  const draw = median(drawT);
  const timew = timewSummary(spans, range, runs);
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
  row(`node -e 0 (Node's own start, alternated with the next two), median of ${runs + 2}`, `${fmt(nodeAlone, 1)} ms`);
  row(`fragctl report --by day as JSON (whole process), median of ${runs + 2}`, `${fmt(json, 1)} ms`);
  row(
    `fragctl report --by day as a table (whole process), median of ${runs + 2}`,
    `${fmt(table, 1)} ms`,
    `${fmt(table - json, 1)} ms more than JSON (noise included)`,
  );
  row(
    'the client: table process − node -e 0 − daemon share',
    `${fmt(table - nodeAlone - rpcDay, 1)} ms`,
    `${fmt(table / nodeAlone, 2)}× node -e 0`,
  );
  row(
    `drawing the ${sample.rows.length}-row table (reportTable, first call in a process), median of ${runs + 2}`,
    `${fmt(draw, 1)} ms`,
    `${fmt((100 * draw) / table, 1)}% of the report (target ≤ 10%)`,
    draw <= 0.1 * table,
  );
  if (timew.skipped) {
    console.log(`  timew comparison skipped: ${timew.skipped}`);
  } else {
    row(
      `timew summary over the same ${spans.length.toLocaleString('en')} intervals, median of ${timew.runs}`,
      `${fmt(timew.ms, 0)} ms`,
    );
    row(
      'timew summary / fragctl report --by day (table)',
      `${fmt(timew.ms / table, 1)}×`,
      'target ≥ 10× (issue 27)',
      timew.ms / table >= 10,
    );
    const agree = timew.totalSeconds === sample.total_seconds;
    row(
      'year totals: timew summary vs fragctl report',
      `${timew.totalSeconds.toLocaleString('en')} s vs ${sample.total_seconds.toLocaleString('en')} s`,
      'must agree',
      agree,
    );
  }
}

/**
 * Timewarrior over the same intervals: its data files (one per month, `inc START - END #
 * tag`) written straight into a temporary TIMEWARRIORDB; `timew summary` over the same
 * local days, timed as a whole process like fragctl, its total parsed for comparison.
 */
function timewSummary(spans, range, runs) {
  const which = spawnSync('sh', ['-c', 'command -v timew'], { encoding: 'utf8' });
  if (which.status !== 0) return { skipped: 'timew is not installed (apt-get install timewarrior)' };
  const db = mkdtempSync(join(tmpdir(), 'fb-timew-'));
  try {
    mkdirSync(join(db, 'data'));
    writeFileSync(join(db, 'timewarrior.cfg'), '');
    const stamp = (ms) =>
      new Date(ms)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
    const months = new Map();
    for (const [from, to, actor] of [...spans].sort((a, b) => a[0] - b[0])) {
      const month = new Date(from).toISOString().slice(0, 7);
      let lines = months.get(month);
      if (!lines) months.set(month, (lines = []));
      lines.push(`inc ${stamp(from)} - ${stamp(to)} # ${actor}`);
    }
    for (const [month, lines] of months) writeFileSync(join(db, 'data', `${month}.data`), lines.join('\n') + '\n');
    const [since, until] = [range[1], range[3]];
    const end = new Date(Date.parse(until) + DAY).toISOString().slice(0, 10);
    const env = { ...process.env, TIMEWARRIORDB: db, TZ: 'Europe/Berlin' };
    const timew = () => {
      const t = performance.now();
      const r = spawnSync('timew', ['summary', since, '-', end], {
        env,
        encoding: 'utf8',
        input: '',
        maxBuffer: 1 << 28,
      });
      if (r.status !== 0)
        throw new Error(`timew summary failed (${r.status ?? r.error?.message}): ${r.stderr}${r.stdout.slice(0, 500)}`);
      return { ms: performance.now() - t, out: r.stdout };
    };
    timew(); // builds its tag database once
    const n = Math.max(1, runs - 2);
    const times = [];
    let out = '';
    for (let i = 0; i < n; i++) ({ ms: times[i], out } = timew());
    const last = out.trim().split('\n').at(-1).trim();
    const [h, m, sec] = last.split(':').map(Number);
    return { ms: median(times), runs: n, totalSeconds: h * 3600 + m * 60 + sec };
  } finally {
    rmSync(db, { recursive: true, force: true });
  }
}

try {
  await tickBench();
  await reportBench();
} finally {
  for (const d of daemons) await d.dispose();
}
