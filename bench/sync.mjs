// Team sync: changes pushed to PostgreSQL per second, the cost of the outbox on local
// writes, and the lag from a write on one machine to its sight on the other (p50/p99).
// Runs its own PostgreSQL cluster in a temporary directory (like the tests); skips with
// the reason when PostgreSQL's binaries are absent.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgBin, startPg } from './pg-lib.mjs';
import { BenchDaemon, RawClient, ensureBuilt, fmt, percentile, row, sleep, throughput } from './lib.mjs';

const QUICK = process.argv.includes('--quick');
const NOTES = QUICK ? 2000 : 20000;
const LAG_SAMPLES = QUICK ? 15 : 60;

function configure(d, sync) {
  writeFileSync(join(d.home, 'config.json'), JSON.stringify({ sync }));
}

const bin = pgBin();
console.log(`\n== Team sync on PostgreSQL (${QUICK ? 'quick' : 'full'} run, node ${process.version}) ==`);
if (!bin) {
  console.log('skipped: PostgreSQL binaries are not installed (apt-get install postgresql)');
  process.exit(0);
}
ensureBuilt();
const pg = await startPg(bin);
const started = [];
const machine = async (name, sync, home) => {
  const d = new BenchDaemon(home);
  d.env.FRAGD_PG_URL = pg.url;
  configure(d, { team: 'bench', machine: name, ...sync });
  started.push(d);
  return d.start();
};
try {
  // 1. Local writes with sync off (baseline) and on (the triggers' outbox rows).
  const off = await machine('a', { enabled: false });
  let c = await RawClient.open(off.socket);
  await c.call('session.start', {});
  const baseline = await throughput((i) => c.call('activity.note', { message: `note ${i}` }), NOTES, 16);
  c.close();
  await off.stop();
  const a = await machine('a', { enabled: true }, off.home); // queues the NOTES rows made while off
  const t0 = performance.now();
  c = await RawClient.open(a.socket);
  for (;;) {
    const s = await c.call('sync.status', {});
    if (s.queue === 0 && s.last_push_at) break;
    await sleep(20);
  }
  const pushSeconds = (performance.now() - t0) / 1000;
  const sharedRate = (NOTES + 2) / pushSeconds;
  const withSync = await throughput((i) => c.call('activity.note', { message: `synced note ${i}` }), NOTES, 16);
  row('activity.note with sync off (baseline)', `${fmt(baseline, 0)} calls/s`);
  row('activity.note with sync on (outbox in the same transaction)', `${fmt(withSync, 0)} calls/s`);
  row(
    `push of a ${NOTES + 2}-change backlog (batches of 500)`,
    `${fmt((NOTES + 2) / pushSeconds, 0)} changes/s (${fmt(pushSeconds, 2)} s)`,
  );
  for (;;) {
    const s = await c.call('sync.status', {});
    if (s.queue === 0) break;
    await sleep(20);
  }

  // 2. Lag: a task created on one machine until the other one shows it.
  // Baseline: polling alone (listen off), as before LISTEN/NOTIFY; a push still follows each commit.
  for (const [label, sync] of [
    ['defaults (push after commit, LISTEN/NOTIFY)', {}],
    ['listen off (pull every 2 s, baseline)', { listen: false }],
    ['listen off, push 100 ms, pull 100 ms', { listen: false, push_interval_ms: 100, pull_interval_ms: 100 }],
  ]) {
    const x = await machine(`x-${started.length}`, { enabled: true, ...sync });
    const y = await machine(`y-${started.length}`, { enabled: true, ...sync });
    const cx = await RawClient.open(x.socket);
    const cy = await RawClient.open(y.socket);
    const n = sync.listen === false && !sync.pull_interval_ms ? Math.ceil(LAG_SAMPLES / 3) : LAG_SAMPLES;
    const lags = [];
    for (let i = 0; i < n; i++) {
      const code = `L-${started.length}-${i}`;
      await cx.call('task.create', { code, title: 'lag probe' });
      const t = performance.now();
      for (;;) {
        const seen = await cy.call('task.show', { code }).then(
          () => true,
          () => false,
        );
        if (seen) break;
        await sleep(5);
      }
      lags.push(performance.now() - t);
      // The next write at a random point of the reader's pull period, not right after its pull.
      await sleep(Math.random() * (sync.pull_interval_ms ?? 2000));
    }
    lags.sort((p, q) => p - q);
    row(
      `lag write → sight on the other machine, ${label}, p50 / p99`,
      `${fmt(percentile(lags, 50), 0)} / ${fmt(percentile(lags, 99), 0)} ms (n=${n})`,
    );
    cx.close();
    cy.close();
  }

  // 3. The same backlog pushed by a machine on its own role (fragctl sync setup: row-level
  // security on, the store's guard triggers on every row); baseline: the shared role's push
  // of section 1, in this run. Last, so the lag figures above ran before row security was on.
  const adminDir = mkdtempSync(join(tmpdir(), 'fragd-bench-admin-'));
  try {
    const adminFile = join(adminDir, 'admin-url');
    writeFileSync(adminFile, `${pg.url}\n`, { mode: 0o600 });
    const made = await c.call('sync.setup', {
      team: 'bench',
      machines: ['r'],
      admin_url_file: adminFile,
      out_dir: join(adminDir, 'machines'),
    });
    const r0 = new BenchDaemon();
    started.push(r0);
    configure(r0, { team: 'bench', machine: 'r', enabled: false });
    await r0.start();
    let cr = await RawClient.open(r0.socket);
    await cr.call('session.start', {});
    await throughput((i) => cr.call('activity.note', { message: `role note ${i}` }), NOTES, 16);
    cr.close();
    await r0.stop();
    delete r0.env.FRAGD_PG_URL;
    configure(r0, { enabled: true, team: 'bench', machine: 'r', url_file: made.machines[0].url_file });
    await r0.start();
    const t1 = performance.now();
    cr = await RawClient.open(r0.socket);
    for (;;) {
      const s = await cr.call('sync.status', {});
      if (s.queue === 0 && s.last_push_at) break;
      if (!s.enabled) throw new Error('the machine on its own role did not turn sync on');
      if (s.last_error) throw new Error(`the machine role's push failed: ${s.last_error.message}`);
      await sleep(20);
    }
    const roleSeconds = (performance.now() - t1) / 1000;
    const roleRate = (NOTES + 2) / roleSeconds;
    row(
      `push of the same backlog on a machine's own role (row-level security), vs the shared role above`,
      `${fmt(roleRate, 0)} changes/s (${fmt(roleSeconds, 2)} s), ${fmt(roleRate / sharedRate, 2)}× the shared role's`,
    );
    cr.close();
  } finally {
    rmSync(adminDir, { recursive: true, force: true });
  }
  c.close();
} finally {
  for (const d of started) await d.dispose();
  pg.stop();
}
