// The daemon under attack (docs/limits.md): for each attack of bench/attacks-lib.mjs, the
// daemon's peak resident memory and open descriptors, and the p50/p99 of a well-behaved
// client calling throughout, beside a baseline (the same client, no attack) measured in
// the same run. test/reliability/memory-bounds.test.ts asserts the bounds; this prints them.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchDaemon, RawClient, ensureBuilt, fmt, row } from './lib.mjs';
import { fdCount, percentile, rssMb, seedHeavyHistory, sleep, underAttack } from './attacks-lib.mjs';

const QUICK = process.argv.includes('--quick');
const DURATION_MS = QUICK ? 3000 : 10_000;
const BOUND_MB = 250;

ensureBuilt();
console.log(
  `\n== Under attack: peak memory and a well-behaved client's latency (${QUICK ? 'quick' : 'full'} run, ${DURATION_MS / 1000} s each, node ${process.version}) ==`,
);

/** A fresh daemon with the HTTP API on, a session with heavy history, and a client that probes. */
async function setUp() {
  const d = new BenchDaemon();
  writeFileSync(join(d.home, 'config.json'), JSON.stringify({ http: { enabled: true, port: 0 } }));
  await d.start();
  const port = Number(readFileSync(join(d.home, 'http-port'), 'utf8'));
  const c = await RawClient.open(d.socket);
  const { session } = await c.call('session.start', { actor: 'probe' });
  await seedHeavyHistory((m, p) => c.call(m, p), session.key);
  let n = 0;
  // What an editor or agent does: reads and writes, one after another.
  const probe = () =>
    n++ % 2
      ? c.call('session.status', { session: session.key })
      : c.call('activity.update', { session: session.key, message: `probe ${n}` });
  return { d, c, port, session: session.key, probe };
}

const runs = [
  ['baseline (no attack)', null, {}],
  ['(a) pipelines heavy reads, never reads answers', 'pipeline', {}],
  ['(b) batches of 300 and 100 heavy calls', 'bigBatch', {}],
  ['(c) 100 subscribers that never read + a writer', 'silentSubscribers', { subscribers: 100 }],
  ['(d) 300 connections × unfinished ~1 MiB frame', 'halfFrames', { connections: 300 }],
  ['(e) HTTP flood without token (500 connections)', 'httpFlood', { connections: 500 }],
];

row('attack', 'peak RSS / peak fds', 'client p50 / p99 (calls, failures)');
let failed = false;
for (const [label, attack, options] of runs) {
  const { d, c, port, session, probe } = await setUp();
  try {
    let outcome;
    if (attack === null) {
      // The same probe for the same time, nothing else running.
      const latencies = [];
      let peak = rssMb(d.proc.pid);
      let peakFds = fdCount(d.proc.pid);
      const end = Date.now() + DURATION_MS;
      while (Date.now() < end) {
        const t = performance.now();
        await probe();
        latencies.push(performance.now() - t);
        peak = Math.max(peak, rssMb(d.proc.pid));
        peakFds = Math.max(peakFds, fdCount(d.proc.pid));
      }
      latencies.sort((a, b) => a - b);
      outcome = { peakRssMb: peak, peakFds, latencies, failures: [], overBound: false };
    } else {
      outcome = await underAttack({
        pid: d.proc.pid,
        path: d.socket,
        attack,
        options: { session, port, ...options },
        probe,
        durationMs: DURATION_MS,
        boundMb: BOUND_MB,
      });
    }
    const { latencies, failures } = outcome;
    const ok = !outcome.overBound && failures.length === 0 && latencies.length > 0;
    failed ||= !ok;
    row(
      label,
      `${fmt(outcome.peakRssMb, 0)} MB / ${outcome.peakFds}`,
      `${fmt(percentile(latencies, 50))} / ${fmt(percentile(latencies, 99))} ms (${latencies.length}, ${failures.length})  bound ${BOUND_MB} MB`,
      ok,
    );
  } finally {
    c.close();
    await sleep(50);
    await d.dispose();
  }
}
process.exit(failed ? 1 : 0);
