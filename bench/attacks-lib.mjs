// The attacks of docs/limits.md against a real fragd, shared by the reliability test
// (test/reliability/memory-bounds.test.ts asserts the bounds) and the benchmark
// (bench/attacks.mjs prints the figures). Each attack runs until told to stop; meanwhile
// the daemon's resident memory is sampled from /proc and a well-behaved client keeps
// calling, its latencies recorded. An attack is cut short as soon as the daemon's memory
// passes the stated bound, so that a daemon without the bounds fails the test without
// taking the machine's memory with it.
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resident memory of a process, in MB (VmRSS of /proc/PID/status). */
export function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

/** Open file descriptors of a process. */
export function fdCount(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** A raw socket; errors (the daemon closing it) are expected and ignored. */
export function rawSocket(path) {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once('connect', () => {
      s.on('error', () => {});
      resolve(s);
    });
    s.once('error', reject);
  });
}

const frame = (method, params, id) => JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n';

/** Writes, waiting for drain (or the stop) when the daemon reads no more. */
async function writeOrWait(socket, text, stopped) {
  if (socket.destroyed) return false;
  if (socket.write(text)) return true;
  while (!stopped() && !socket.destroyed) {
    const drained = await new Promise((resolve) => {
      const done = (v) => {
        clearTimeout(timer);
        socket.off('drain', onDrain);
        resolve(v);
      };
      const onDrain = () => done(true);
      const timer = setTimeout(() => done(false), 100);
      socket.on('drain', onDrain);
    });
    if (drained) return true;
  }
  return false;
}

/** Activities with large `data` (60 kB each, under the 64 KiB limit), so that history pages are heavy. */
export async function seedHeavyHistory(call, session, count = 20) {
  const blob = 'x'.repeat(60_000);
  for (let i = 0; i < count; i++) await call('activity.log', { session, message: `heavy ${i}`, data: { blob, i } });
}

/**
 * The attacks. Each takes the socket path, the session seeded by seedHeavyHistory and a
 * `stopped()` probe, and returns when stopped (closing what it opened) with a few facts.
 */
export const attacks = {
  /** (a) One connection pipelines heavy reads and never reads its answers. */
  async pipeline(path, { session, stopped }) {
    const s = await rawSocket(path);
    s.pause();
    const chunk = Array.from({ length: 50 }, (_, i) => frame('session.history', { session, limit: 50 }, i)).join('');
    let sent = 0;
    while (!stopped() && (await writeOrWait(s, chunk, stopped))) sent += 50;
    s.destroy();
    return { requests_sent: sent };
  },

  /** (b) One connection sends batches of 300 heavy calls (and of 100), four at a time, reading the answers. */
  async bigBatch(path, { session, stopped }) {
    const s = await rawSocket(path);
    let buffered = '';
    const answers = [];
    s.on('data', (d) => {
      buffered += d;
      let nl;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        answers.push(nl);
        buffered = buffered.slice(nl + 1);
      }
    });
    const batch = (n) =>
      JSON.stringify(
        Array.from({ length: n }, (_, i) => ({
          jsonrpc: '2.0',
          id: i,
          method: 'session.history',
          params: { session, limit: 50 },
        })),
      ) + '\n';
    const b300 = batch(300);
    const b100 = batch(100);
    let sent = 0;
    while (!stopped() && !s.destroyed) {
      if (sent - answers.length >= 4) {
        await sleep(10);
        continue;
      }
      if (!(await writeOrWait(s, sent % 2 ? b100 : b300, stopped))) break;
      sent++;
    }
    s.destroy();
    return { batches_sent: sent, answers: answers.length, largest_answer_bytes: Math.max(0, ...answers) };
  },

  /** (c) 100 subscribers that never read while another client writes large activities. */
  async silentSubscribers(path, { session, stopped, subscribers = 100 }) {
    const subs = [];
    for (let i = 0; i < subscribers; i++) {
      const s = await rawSocket(path);
      s.pause();
      s.write(frame('events.subscribe', {}, 1));
      subs.push(s);
    }
    const writer = await rawSocket(path);
    let pending = 0;
    let written = 0;
    writer.on('data', (d) => (pending -= d.toString().split('\n').length - 1));
    const message = 'w'.repeat(10_000);
    while (!stopped() && !writer.destroyed) {
      if (pending >= 32) {
        await sleep(5);
        continue;
      }
      pending++;
      written++;
      writer.write(frame('activity.log', { session, message }, written));
    }
    writer.destroy();
    for (const s of subs) s.destroy();
    return { subscribers, writes: written };
  },

  /** (d) Hundreds of connections, each holding an unfinished frame of nearly 1 MiB. */
  async halfFrames(path, { stopped, connections = 300 }) {
    const open = [];
    const almost = '{"jsonrpc":"2.0","id":1,"method":"daemon.hello","params":{"pad":"' + 'p'.repeat(1_000_000);
    let refused = 0;
    for (let i = 0; i < connections && !stopped(); i++) {
      let s;
      try {
        s = await rawSocket(path);
      } catch {
        refused++;
        continue;
      }
      s.resume();
      open.push(s);
      s.write(almost);
      if (i % 20 === 19) await sleep(20);
    }
    // Until the daemon has closed every one (the deadline for unfinished frames), or the time is up.
    const closed = () => open.filter((s) => s.destroyed || s.readableEnded).length;
    while (!stopped() && closed() < open.length) await sleep(50);
    const closedByDaemon = closed();
    for (const s of open) s.destroy();
    return { connections: open.length, refused_at_connect: refused, closed_by_daemon: closedByDaemon };
  },
};

/**
 * (e) Another local user without the token opens connections to the HTTP port: some send
 * half their headers and wait, some send a wrong token and a large body slowly.
 */
attacks.httpFlood = async function httpFlood(_path, { stopped, port, connections = 500 }) {
  const open = [];
  let failed = 0;
  for (let i = 0; i < connections && !stopped(); i++) {
    try {
      const s = await new Promise((resolve, reject) => {
        const sock = connect({ host: '127.0.0.1', port });
        sock.once('connect', () => resolve(sock));
        sock.once('error', reject);
      });
      s.on('error', () => {});
      s.resume();
      if (i % 2) s.write(`POST /rpc HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n`);
      else
        s.write(
          `POST /rpc HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer wrong\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"x":"`,
        );
      open.push(s);
    } catch {
      failed++;
    }
  }
  while (!stopped()) {
    for (const s of open) if (!s.destroyed) s.write('a');
    await sleep(200);
  }
  const closedByDaemon = open.filter((s) => s.destroyed || s.readableEnded).length;
  for (const s of open) s.destroy();
  return { connections: open.length, failed_to_connect: failed, closed_by_daemon: closedByDaemon };
};

/**
 * Runs one attack for `durationMs` against the daemon `pid` while `probe()` (a
 * well-behaved client's call) runs in a loop. Returns the peak RSS, the probe's
 * latencies and failures, and whether the attack was cut short by the memory bound.
 */
export async function underAttack({ pid, path, attack, options, probe, durationMs, boundMb = Infinity }) {
  let stop = false;
  let peak = rssMb(pid);
  let peakFds = fdCount(pid);
  let overBound = false;
  const started = Date.now();
  const stopped = () => stop || Date.now() - started > durationMs;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid));
      peakFds = Math.max(peakFds, fdCount(pid));
    } catch {
      stop = true; // the daemon is gone
    }
    if (peak > boundMb) {
      overBound = true;
      stop = true;
    }
  }, 25);
  const latencies = [];
  const failures = [];
  const client = (async () => {
    while (!stopped()) {
      const t = performance.now();
      try {
        await probe();
        latencies.push(performance.now() - t);
      } catch (err) {
        failures.push(err?.message ?? String(err));
        await sleep(20);
      }
    }
  })();
  const facts = await attacks[attack](path, { ...options, stopped });
  stop = true;
  await client;
  clearInterval(sampler);
  latencies.sort((a, b) => a - b);
  return { attack, peakRssMb: peak, peakFds, overBound, latencies, failures, facts };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
