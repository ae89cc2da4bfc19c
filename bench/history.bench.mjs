// Flat with history (issue 20, items 3, 4 and 6), each figure beside its baseline from the
// same run:
//   - daemon start (spawn → first answer) after a clean stop at 10k vs 1M intervals (and
//     1M sessions, 10M activities); after an unclean stop, where the full check runs;
//   - session.start + session.end started one at a time (each call's status-file refresh
//     alone) at 10k vs 1M sessions of history, as the daemon's CPU per pair;
//   - activity.note and task.next with no active task at 10 vs 16,000 open tasks;
//   - fragctl import --from timewarrior of 100k intervals against `timew export` of them.
// Usage: node bench/history.bench.mjs [--quick] [--dist DIR]
//   --quick: 100k instead of 1M intervals and sessions, fewer calls;
//   --dist DIR: time the bundles in DIR (another build, e.g. the commit before) instead of
//   a private build of this tree.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BenchDaemon, FRAGD_NODE_FLAGS, ROOT, RawClient, fmt, median, row, sleep } from './lib.mjs';

const QUICK = process.argv.includes('--quick');
const distArg = process.argv.indexOf('--dist');
const SMALL = 10_000;
const LARGE = QUICK ? 100_000 : 1_000_000;
const ACTS = 10; // activities per interval
const STARTS = QUICK ? 3 : 5;
const PAIRS = QUICK ? 100 : 300;
const OPEN_SMALL = 10;
const OPEN_LARGE = 16_000;
const TIMEW_N = 100_000;

let OUT = null;
let DIST;
if (distArg > 0) DIST = process.argv[distArg + 1];
else {
  mkdirSync(join(ROOT, '.test-dist'), { recursive: true });
  OUT = mkdtempSync(join(ROOT, '.test-dist', 'bench-history-'));
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--outdir', OUT], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('build failed');
  DIST = OUT;
}
const FRAGD = join(DIST, 'fragd.js');
const FRAGCTL = join(DIST, 'fragctl.js');
const daemons = [];
process.on('exit', () => {
  for (const d of daemons) d.proc?.kill('SIGKILL');
  if (OUT) rmSync(OUT, { recursive: true, force: true });
});
const daemon = () => {
  const d = new BenchDaemon(undefined, { fragd: FRAGD, waitTries: 3000 });
  daemons.push(d);
  return d;
};

/** CPU time (user + system) of a process so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/**
 * Daemon CPU per call (µs) of up to `n` calls made one at a time, stopping after 20 s (a
 * slow call is measured over fewer calls; its CPU total is then far above the 10 ms tick).
 */
async function cpuPer(d, fn, n) {
  for (let i = 0; i < Math.min(20, n); i++) await fn(i); // warm-up
  const before = cpuMs(d.proc.pid);
  const until = performance.now() + 20_000;
  let done = 0;
  while (done < n && (done < 20 || performance.now() < until)) await fn(done++);
  return ((cpuMs(d.proc.pid) - before) * 1000) / done;
}

/** Spawn → the socket answers daemon.hello, in ms. */
async function timedStart(d) {
  const t = performance.now();
  await d.start();
  const c = await RawClient.open(d.socket);
  await c.call('daemon.hello', { protocol: 1 });
  const ms = performance.now() - t;
  const status = await c.call('daemon.status', {});
  c.close();
  return { ms, check: status.start_check?.check ?? 'quick_check (always)' };
}

/** Sessions, intervals and activities k in [from, to): one session per interval, all completed. */
function grow(path, from, to) {
  const db = new Database(path);
  const t = performance.now();
  db.pragma('journal_mode = DELETE');
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -400000');
  const indexes = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'activities' AND sql IS NOT NULL")
    .all();
  for (const i of indexes) db.exec(`DROP INDEX ${i.name}`);
  const END = Date.parse('2026-11-01T00:00:00Z');
  const SLOT = 60_000;
  db.transaction(() => {
    const range = `WITH RECURSIVE n(k) AS (SELECT CAST(?1 AS INTEGER) UNION ALL SELECT k + 1 FROM n WHERE k + 1 < ?2)`;
    db.prepare(
      `${range} INSERT INTO sessions (id, key, actor, os_user, source, type, status, started_at, ended_at, last_activity_at, stack)
       SELECT -1 - k, 'SEED-' || k, 'agent-' || (k % 10), 'bench', 'cli', 'work', 'completed',
              ${END} - (k + 1) * ${SLOT}, ${END} - k * ${SLOT} - 10000, ${END} - k * ${SLOT} - 10000, '[]' FROM n`,
    ).run({ 1: from, 2: to });
    db.prepare(
      `${range} INSERT INTO intervals (session_id, actor, started_at, checkpoint_at, ended_at, end_reason)
       SELECT -1 - k, 'agent-' || (k % 10), ${END} - (k + 1) * ${SLOT}, ${END} - k * ${SLOT} - 10000,
              ${END} - k * ${SLOT} - 10000, 'switch' FROM n`,
    ).run({ 1: from, 2: to });
    db.prepare(
      `${range}, a(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM a WHERE j + 1 < ${ACTS})
       INSERT INTO activities (session_id, kind, message, source, at)
       SELECT -1 - k, 'note', 'seeded work', 'cli', ${END} - (k + 1) * ${SLOT} + j * 1000 FROM n, a`,
    ).run({ 1: from, 2: to });
  })();
  for (const i of indexes) db.exec(i.sql);
  db.pragma('journal_mode = WAL');
  db.close();
  return (performance.now() - t) / 1000;
}

/**
 * Two databases, 10k and 1M (or 100k) of history. Their clean starts alternate, so both
 * sizes see the same machine load; then one start of each after a kill -9 (the full check);
 * then session starts one at a time on each.
 */
async function startAndSessions() {
  const sized = [];
  for (const size of [SMALL, LARGE]) {
    const d = daemon();
    await d.start();
    await d.stop();
    const seedS = grow(d.db, 0, size);
    // The first start after seeding checks the whole file (it changed since the clean stop).
    await timedStart(d);
    await d.stop();
    sized.push({ d, size, seedS, mb: statSync(d.db).size / 1e6, starts: [], check: '' });
  }
  for (let i = 0; i < STARTS; i++)
    for (const r of sized) {
      const s = await timedStart(r.d);
      r.starts.push(s.ms);
      r.check = s.check;
      await r.d.stop();
    }
  for (const r of sized) {
    const { d } = r;
    await timedStart(d);
    d.proc.kill('SIGKILL');
    await new Promise((res) => d.proc.once('exit', res));
    const unclean = await timedStart(d);
    r.unclean = unclean.ms;
    r.uncleanCheck = unclean.check;
    const c = await RawClient.open(d.socket);
    let n = 0;
    // One at a time: each pair's status-file refresh runs alone (a crowd shares one per turn).
    r.pair = await cpuPer(
      d,
      async () => {
        const actor = `starter-${n++}`;
        await c.call('session.start', { actor });
        await c.call('session.end', { actor });
      },
      PAIRS,
    );
    c.close();
    r.start = median(r.starts);
    await d.dispose();
  }
  return sized;
}

/** activity.note and task.next with a session but no active task, at `open` open tasks. */
async function openTasks() {
  const d = daemon();
  await d.start();
  {
    const c = await RawClient.open(d.socket);
    await c.call('project.create', { code: 'P', title: 'p' });
    await c.call('sprint.create', { code: '1', title: 's', project: 'P' });
    await c.call('session.start', { actor: 'bench' });
    c.close();
  }
  await d.stop();
  const out = [];
  let have = 0;
  for (const open of [OPEN_SMALL, OPEN_LARGE]) {
    const db = new Database(d.db);
    db.transaction(() => {
      const ins = db.prepare(
        "INSERT INTO tasks (code, project_id, sprint_id, title, status, priority, created_at, updated_at) VALUES (?, 1, ?, ?, 'todo', ?, 0, 0)",
      );
      for (let i = have; i < open; i++) ins.run(`T-${i}`, i % 3 === 0 ? 1 : null, `task ${i}`, 1 + (i % 4));
    })();
    db.close();
    have = open;
    await d.start();
    const c = await RawClient.open(d.socket);
    const N = QUICK ? 300 : 1000;
    const note = await cpuPer(d, (i) => c.call('activity.note', { actor: 'bench', message: `note ${i}` }), N);
    const next = await cpuPer(d, () => c.call('task.next', { actor: 'bench' }), N);
    const t = performance.now();
    for (let i = 0; i < 20; i++) await c.call('task.next', { actor: 'bench' });
    const nextMs = (performance.now() - t) / 20;
    c.close();
    await d.stop();
    out.push({ open, note, next, nextMs });
  }
  await d.dispose();
  return out;
}

/** 100k intervals in Timewarrior's data files; `timew export` of them; fragctl import of that. */
async function timewImport() {
  const which = spawnSync('sh', ['-c', 'command -v timew'], { encoding: 'utf8' });
  if (which.status !== 0) return { skipped: 'timew is not installed (apt-get install timewarrior)' };
  const tw = mkdtempSync(join(tmpdir(), 'fb-timew-'));
  const d = daemon();
  try {
    mkdirSync(join(tw, 'data'));
    writeFileSync(join(tw, 'timewarrior.cfg'), '');
    const stamp = (ms) =>
      new Date(ms)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
    const months = new Map();
    const start = Date.parse('2025-11-01T00:00:00Z');
    for (let k = 0; k < TIMEW_N; k++) {
      const from = start + k * 300_000; // every 5 minutes, 4 minutes long
      const month = new Date(from).toISOString().slice(0, 7);
      let lines = months.get(month);
      if (!lines) months.set(month, (lines = []));
      lines.push(`inc ${stamp(from)} - ${stamp(from + 240_000)} # tag-${k % 50} client-${k % 7}`);
    }
    for (const [month, lines] of months) writeFileSync(join(tw, 'data', `${month}.data`), lines.join('\n') + '\n');
    const env = { ...process.env, TIMEWARRIORDB: tw, TZ: 'UTC' };
    const exportOnce = () => {
      const t = performance.now();
      const r = spawnSync('timew', ['export'], { env, encoding: 'utf8', input: '', maxBuffer: 1 << 30 });
      if (r.status !== 0) throw new Error(`timew export failed: ${r.stderr}`);
      return { ms: performance.now() - t, out: r.stdout };
    };
    exportOnce();
    const times = [];
    let json = '';
    for (let i = 0; i < 3; i++) ({ ms: times[i], out: json } = exportOnce());
    const file = join(tw, 'export.json');
    writeFileSync(file, json);
    await d.start();
    const t = performance.now();
    const r = spawnSync(process.execPath, [FRAGCTL, 'import', '--from', 'timewarrior', file, '--json'], {
      env: d.env,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    const importMs = performance.now() - t;
    if (r.status !== 0) throw new Error(`fragctl import failed (${r.status}): ${r.stderr}`);
    const result = JSON.parse(r.stdout);
    // A second import of the same file adds nothing (every id is known).
    const t2 = performance.now();
    const again = spawnSync(process.execPath, [FRAGCTL, 'import', '--from', 'timewarrior', file, '--json'], {
      env: d.env,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    const againMs = performance.now() - t2;
    const second = JSON.parse(again.stdout);
    return { exportMs: median(times), importMs, added: result.added, againMs, unchanged: second.unchanged };
  } finally {
    await d.dispose();
    rmSync(tw, { recursive: true, force: true });
  }
}

console.log(`\n== Flat with history (issue 20; ${QUICK ? 'quick' : 'full'} run, node ${process.version}, ${FRAGD}) ==`);
const parts = (process.env.BENCH_PARTS ?? 'start,tasks,import').split(',');
if (parts.includes('start')) {
  const [s, l] = await startAndSessions();
  const label = (r) => `${(r.size / 1000).toLocaleString('en')}k`;
  console.log(
    `  history: ${label(s)} / ${label(l)} sessions, intervals (and ×${ACTS} activities): ${fmt(s.mb, 0)} / ${fmt(l.mb, 0)} MB, seeded in ${fmt(s.seedS, 1)} / ${fmt(l.seedS, 1)} s`,
  );
  row(
    `daemon start after a clean stop, ${label(s)} → ${label(l)} int.`,
    `${fmt(s.start, 0)} → ${fmt(l.start, 0)} ms`,
    `${fmt(l.start / s.start, 2)}× (target ≤ 1.2×; check: ${l.check})`,
    l.start / s.start <= 1.2,
  );
  row(
    `daemon start after kill -9 (full check), ${label(s)} → ${label(l)}`,
    `${fmt(s.unclean, 0)} → ${fmt(l.unclean, 0)} ms`,
    `${fmt(l.unclean / s.unclean, 2)}× (check: ${l.uncleanCheck})`,
  );
  row(
    `session.start+end one at a time, CPU, ${label(s)} → ${label(l)} sess.`,
    `${fmt(s.pair, 0)} → ${fmt(l.pair, 0)} µs`,
    `${fmt(l.pair / s.pair, 2)}× (target ≤ 1.2×)`,
    l.pair / s.pair <= 1.2,
  );
}
if (parts.includes('tasks')) {
  const [s, l] = await openTasks();
  row(
    `activity.note, no active task, CPU, ${s.open} → ${l.open.toLocaleString('en')} open`,
    `${fmt(s.note, 0)} → ${fmt(l.note, 0)} µs`,
    `${fmt(l.note / s.note, 2)}× (target ≤ 1.2×)`,
    l.note / s.note <= 1.2,
  );
  row(
    `task.next, no active task, CPU, ${s.open} → ${l.open.toLocaleString('en')} open`,
    `${fmt(s.next, 0)} → ${fmt(l.next, 0)} µs`,
    `${fmt(l.next / s.next, 2)}× (target ≤ 1.2×); round trip ${fmt(s.nextMs, 2)} → ${fmt(l.nextMs, 2)} ms`,
    l.next / s.next <= 1.2,
  );
}
if (parts.includes('import')) {
  const r = await timewImport();
  if (r.skipped) console.log(`  timewarrior import skipped: ${r.skipped}`);
  else {
    row(
      `timew export of ${TIMEW_N.toLocaleString('en')} intervals (baseline), median of 3`,
      `${fmt(r.exportMs, 0)} ms`,
    );
    row(
      `fragctl import --from timewarrior (whole process)`,
      `${fmt(r.importMs, 0)} ms, ${r.added.toLocaleString('en')} added`,
      `${fmt(r.importMs / r.exportMs, 1)}× timew export (target ≤ 1500 ms)`,
      r.importMs <= 1500 && r.added === TIMEW_N,
    );
    row(`  the same file again (all known)`, `${fmt(r.againMs, 0)} ms, ${r.unchanged.toLocaleString('en')} unchanged`);
  }
}
await sleep(0);
