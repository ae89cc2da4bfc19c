// Team sync at scale: as many real daemons as this machine holds (default 30) on one
// PostgreSQL, their measured per-machine figures (connections, idle transactions/s,
// transactions per announced change, lag), and a load model from them at 100 and 1,000
// machines beside PostgreSQL's limits. `node bench/sync-scale.mjs [--machines N]`.
import { pgBin, startPg } from './pg-lib.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { BenchDaemon, RawClient, ensureBuilt, fmt, percentile, row, sleep } from './lib.mjs';

const arg = process.argv.indexOf('--machines');
const N = arg > 0 ? Number(process.argv[arg + 1]) : 30;
const IDLE_SECONDS = 30;
const CHANGES = 20;

const bin = pgBin();
console.log(`\n== Team sync at scale: ${N} daemons on one PostgreSQL (node ${process.version}) ==`);
if (!bin) {
  console.log('skipped: PostgreSQL binaries are not installed (apt-get install postgresql)');
  process.exit(0);
}
ensureBuilt();
const store = await startPg(bin);
const admin = new pg.Client({ connectionString: store.url });
await admin.connect();
const xacts = async () =>
  Number(
    (await admin.query("SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = 'postgres'"))
      .rows[0].n,
  );
const started = [];
try {
  const clients = [];
  for (let i = 0; i < N; i++) {
    const d = new BenchDaemon();
    d.env.FRAGD_PG_URL = store.url;
    writeFileSync(
      join(d.home, 'config.json'),
      JSON.stringify({ sync: { enabled: true, team: 'scale', machine: `m${i}` } }),
    );
    started.push(d);
    await d.start();
    clients.push(await RawClient.open(d.socket));
  }
  await clients[0].call('task.create', { code: 'S-0', title: 'scale' });
  await sleep(3000);
  const conns = Number(
    (await admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE 'fragd %'")).rows[0].n,
  );
  // Idle: no sessions, nothing to push; what the loops cost on their own.
  await sleep(11_000); // past the stats flush of idle backends
  const i0 = await xacts();
  await sleep(IDLE_SECONDS * 1000);
  const idle = ((await xacts()) - i0 - IDLE_SECONDS * 0) / IDLE_SECONDS;
  // Announced changes: task edits on machine 0, one a second; the others pull each.
  const c0 = await xacts();
  const lags = [];
  for (let k = 0; k < CHANGES; k++) {
    const title = `edit ${k}`;
    const t = performance.now();
    await clients[0].call('task.edit', { code: 'S-0', title });
    for (;;) {
      const r = await clients[N - 1].call('task.show', { code: 'S-0' });
      if (r.task.title === title) break;
      await sleep(5);
    }
    lags.push(performance.now() - t);
    await sleep(1000 - Math.min(999, performance.now() - t));
  }
  await sleep(11_000);
  const changeWindow = CHANGES + 11 + lags.reduce((a, b) => a + b, 0) / 1000;
  const perChange = ((await xacts()) - c0 - idle * changeWindow - 11) / CHANGES;
  lags.sort((a, b) => a - b);
  const maxConn = Number((await admin.query('SHOW max_connections')).rows[0].max_connections);
  row(`daemons on one PostgreSQL`, `${N}`);
  row(`connections per daemon`, `${fmt(conns / N, 2)} (${conns} in all)`);
  row(`idle transactions/s per daemon (target ≤ 0.2)`, `${fmt(idle / N, 3)}`, undefined, idle / N <= 0.2);
  row(`transactions per announced change, whole team / per machine`, `${fmt(perChange, 1)} / ${fmt(perChange / N, 2)}`);
  row(
    `lag edit on m0 → sight on m${N - 1}, p50 / p99`,
    `${fmt(percentile(lags, 50), 0)} / ${fmt(percentile(lags, 99), 0)} ms (n=${CHANGES})`,
  );
  console.log('\nModel from these figures (linear in machines), at 10 announced changes/s:');
  for (const m of [100, 1000]) {
    const c = (conns / N) * m;
    const idleTx = (idle / N) * m;
    const changeTx = 10 * (perChange / N) * m;
    row(
      `${m} machines`,
      `${fmt(c, 0)} connections (max_connections here ${maxConn}); ${fmt(idleTx, 1)} idle tx/s; ${fmt(idleTx + changeTx, 0)} tx/s at 10 changes/s; lag ≈ ${fmt(percentile(lags, 50), 0)} ms + NOTIFY fan-out`,
    );
  }
  for (const c of clients) c.close();
} finally {
  await admin.end();
  for (const d of started) await d.dispose();
  store.stop();
}
