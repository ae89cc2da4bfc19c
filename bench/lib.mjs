// Shared by the benchmarks: a real daemon on a temporary home, a minimal raw client (so
// the figures are the daemon's, not a client library's), statistics and printing.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const FRAGD = join(ROOT, 'dist/fragd.js');
export const FRAGCTL = join(ROOT, 'dist/fragctl.js');
/** The daemon's V8 flags, read from shared/daemon-flags.ts so benchmarks run fragd as users do. */
export const FRAGD_NODE_FLAGS = JSON.parse(
  /FRAGD_NODE_FLAGS[^=]*=\s*(\[[^\]]*\])/
    .exec(readFileSync(join(ROOT, 'shared/daemon-flags.ts'), 'utf8'))[1]
    .replace(/'/g, '"'),
);

export function ensureBuilt() {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Extra node flags for the benchmarked daemons, to profile one where it runs:
 * FRAGD_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/spool-backlog.mjs
 */
const benchNodeFlags = () => (process.env.FRAGD_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

export class BenchDaemon {
  /**
   * `fragd`: the bundle to run (a bench that builds its own private copy passes it, so a
   * rebuild of dist/ never changes what it times); `waitTries`: 20 ms probes before giving up.
   */
  constructor(home = mkdtempSync(join(tmpdir(), 'fb-')), { fragd = FRAGD, waitTries = 500 } = {}) {
    chmodSync(home, 0o700);
    this.home = home;
    this.fragd = fragd;
    this.waitTries = waitTries;
    this.socket = join(home, 'fragd.sock');
    this.db = join(home, 'fragments.db');
    this.env = {
      ...process.env,
      FRAGMENTS_HOME: home,
      FRAGMENTS_NO_AUTOSTART: '1',
      FRAGD_BIN: fragd,
      FRAGD_LOG_LEVEL: 'warn',
    };
  }
  async start() {
    this.proc = spawn(process.execPath, [...FRAGD_NODE_FLAGS, ...benchNodeFlags(), this.fragd, '--foreground'], {
      env: this.env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (let i = 0; i < this.waitTries; i++) {
      try {
        const c = await RawClient.open(this.socket);
        c.close();
        return this;
      } catch {
        await sleep(20);
      }
    }
    throw new Error('fragd did not start');
  }
  rssMb() {
    const status = readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
  }
  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    const done = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await done;
  }
  async dispose() {
    await this.stop();
    rmSync(this.home, { recursive: true, force: true });
  }
}

export class RawClient {
  static open(path) {
    return new Promise((res, rej) => {
      const s = connect(path);
      s.once('connect', () => res(new RawClient(s)));
      s.once('error', rej);
    });
  }
  constructor(socket) {
    this.socket = socket;
    this.pending = new Map();
    this.id = 0;
    let buf = '';
    socket.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        const p = this.pending.get(msg.id);
        if (p) {
          this.pending.delete(msg.id);
          msg.error ? p.reject(Object.assign(new Error(msg.error.message), msg.error)) : p.resolve(msg.result);
        }
      }
    });
  }
  call(method, params) {
    const id = ++this.id;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  }
  close() {
    this.socket.destroy();
  }
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
export const median = (xs) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

/** Latencies (ms) of `n` sequential calls. */
export async function latencies(fn, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

/** Calls per second with `window` calls kept in flight, over `total` calls. */
export async function throughput(fn, total, window) {
  let next = 0;
  const t = performance.now();
  const worker = async () => {
    while (next < total) await fn(next++);
  };
  await Promise.all(Array.from({ length: window }, worker));
  return total / ((performance.now() - t) / 1000);
}

export const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

export function row(label, value, target, ok) {
  const verdict = ok === undefined ? '' : ok ? '  ✓' : '  ✗ MISSED';
  console.log(`${label.padEnd(58)} ${String(value).padEnd(34)} ${target ?? ''}${verdict}`);
}

/** A project, sprint, task and an active session on that task, for benchmarks to write into. */
export async function seedWork(c, actor = 'bench') {
  await c.call('project.create', { code: 'B', title: 'bench' });
  await c.call('sprint.create', { code: '1', title: 'bench', project: 'B' });
  await c.call('task.create', { code: 'B-1', title: 'bench task', sprint: '1' });
  const { session } = await c.call('session.start', { actor });
  await c.call('task.activate', { session: session.key, code: 'B-1' });
  return session;
}

const DAY_MS = 86_400_000;

/**
 * A year of work straight into SQLite (a migrated fragd database): 2 actors × 50k
 * intervals of ~10 minutes (100k), 10 activities each (1M), 200 tasks in 8 sprints.
 */
export function seedYear(db, start) {
  const DAY = DAY_MS;
  const actors = ['human', 'claude'];
  const perActor = 50_000;
  // Whole seconds (10.5 min slots, 8.4 min intervals), so Timewarrior, which stores seconds, holds the same times.
  const slot = Math.floor((365 * DAY) / perActor / 1000) * 1000;
  let intervals = 0;
  let activities = 0;
  const spans = [];
  db.transaction(() => {
    db.prepare("INSERT INTO projects (code, title, created_at, updated_at) VALUES ('P', 'Project', ?, ?)").run(
      start,
      start,
    );
    for (let s = 1; s <= 8; s++)
      db.prepare(
        "INSERT INTO sprints (code, project_id, title, status, created_at, updated_at) VALUES (?, 1, ?, 'completed', ?, ?)",
      ).run(`SPRINT-${s}`, `Sprint ${s}`, start, start);
    const insT = db.prepare(
      'INSERT INTO tasks (code, project_id, sprint_id, title, estimate_minutes, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?)',
    );
    for (let n = 1; n <= 200; n++) insT.run(`T-${n}`, 1 + (n % 8), `Task ${n}`, 60 + (n % 10) * 30, start, start);
    const insS = db.prepare(
      `INSERT INTO sessions (key, actor, os_user, source, type, status, started_at, ended_at, last_activity_at, stack) VALUES (?, ?, 'bench', 'cli', 'work', 'completed', ?, ?, ?, '[]')`,
    );
    const insI = db.prepare(
      'INSERT INTO intervals (session_id, actor, project_id, sprint_id, task_id, started_at, checkpoint_at, ended_at, end_reason) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?)',
    );
    const insA = db.prepare(
      'INSERT INTO activities (session_id, kind, message, data, source, project_id, sprint_id, task_id, at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)',
    );
    let key = 0;
    for (const actor of actors) {
      let session = 0;
      let day = -1;
      for (let i = 0; i < perActor; i++) {
        const from = start + i * slot + (i % 7) * 1000;
        const to = from + Math.floor((slot * 0.8) / 1000) * 1000;
        spans.push([from, to, actor]);
        const d0 = Math.floor((from - start) / DAY);
        if (d0 !== day) {
          day = d0;
          session = Number(
            insS.run(
              `SESSION-${String(++key).padStart(5, '0')}`,
              actor,
              start + d0 * DAY,
              start + (d0 + 1) * DAY - 1,
              start + (d0 + 1) * DAY - 1,
            ).lastInsertRowid,
          );
        }
        const task = 1 + ((i >> 4) % 200);
        const sprint = 1 + (task % 8);
        insI.run(session, actor, sprint, task, from, to, to, 'switch');
        intervals++;
        for (let a = 0; a < 10; a++) {
          insA.run(
            session,
            a % 3 ? 'heartbeat' : 'update',
            'bench',
            a % 3 ? '{"file":"x.ts","count":3}' : null,
            'cli',
            sprint,
            task,
            from + a * 1000,
          );
          activities++;
        }
      }
    }
  })();
  return { intervals, activities, spans };
}
