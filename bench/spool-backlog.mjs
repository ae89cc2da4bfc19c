// A backlog in the spool must not stall other calls (issue 22): an agent's hooks wrote
// records while fragd was down (here 100k), fragd starts and drains them, and meanwhile a
// client calls every 20 ms. Baseline: the same probe against the same daemon with the
// spool empty, in the same run. Prints each side's p50/p99/max and the ratio.
//
//   node bench/spool-backlog.mjs [RECORDS]      (default 100000; needs npm run build)
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchDaemon, ensureBuilt, fmt, percentile, RawClient, row, sleep } from './lib.mjs';

ensureBuilt();
const RECORDS = Number(
  process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? (process.argv.includes('--quick') ? 20_000 : 100_000),
);
const PROBE_EVERY_MS = 20;

/** Probes `session.list` every 20 ms until `until()` says stop; latencies in ms, sorted. */
async function probe(socket, until) {
  const c = await RawClient.open(socket);
  const out = [];
  while (!until()) {
    const t = performance.now();
    await c.call('session.list', { limit: 1 });
    out.push(performance.now() - t);
    await sleep(PROBE_EVERY_MS);
  }
  c.close();
  return out.sort((a, b) => a - b);
}

const spoolLeft = (dir) => readdirSync(dir).filter((n) => n.endsWith('.rec')).length;

const d = new BenchDaemon();
const spool = join(d.home, 'spool');
try {
  // Baseline: the daemon with an empty spool, probed for 3 s.
  await d.start();
  const stopAt = performance.now() + 3000;
  const base = await probe(d.socket, () => performance.now() > stopAt);
  await d.stop();

  // The backlog: one agent conversation's tool calls, as fragd-agent-hook.sh writes them.
  mkdirSync(spool, { recursive: true, mode: 0o700 });
  const t0 = Date.now() - RECORDS;
  for (let i = 0; i < RECORDS; i++) {
    const payload = JSON.stringify({
      session_id: 'bench-conversation',
      cwd: d.home,
      hook_event_name: 'PostToolUse',
      tool_name: 'Bash',
      tool_input: { command: `echo ${i}` },
    });
    writeFileSync(
      join(spool, `agent-${i}.rec`),
      `fragd-agent 1\nagent claude\nevent PostToolUse\ntime ${t0 + i}\npayload\n${payload}\nend\n`,
    );
  }

  await d.start();
  const started = performance.now();
  let left = RECORDS;
  const watch = setInterval(() => (left = spoolLeft(spool)), 250);
  const during = await probe(d.socket, () => left === 0 || performance.now() - started > 600_000);
  clearInterval(watch);
  const drainS = (performance.now() - started) / 1000;

  console.log(`spool backlog: ${RECORDS} agent records drained in ${fmt(drainS, 1)} s (${fmt(RECORDS / drainS, 0)}/s)`);
  const line = (xs) =>
    `p50 ${fmt(percentile(xs, 50))} · p99 ${fmt(percentile(xs, 99))} · max ${fmt(xs[xs.length - 1])} ms (n=${xs.length})`;
  row('probe latency, empty spool (baseline)', line(base));
  row('probe latency while draining', line(during));
  const p99 = percentile(during, 99);
  row(
    'added p99 latency while draining',
    `${fmt(p99 - percentile(base, 99))} ms (×${fmt(p99 / percentile(base, 99))})`,
    '≤ 5 ms added',
    p99 - percentile(base, 99) <= 5,
  );
  if (left > 0) console.log(`(stopped after 10 min with ${left} records left)`);
} finally {
  await d.dispose();
}
