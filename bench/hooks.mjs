// What fragd's git hooks add to a commit. Paired benchmark: two repositories with the
// same history and config, one with `fragctl hooks install`, one without; each round
// commits once in each (order alternating), so drift and noise hit both sides alike.
// Run with the daemon down (records only spooled) and up (ingesting as commits arrive).
// Then the agents' hook before a tool (Claude Code's PreToolUse): the same script with and
// without fragd's reservations file, alternating, so the cost of the reservation check is
// the paired difference (target ≤ 3 ms median; docs/claims.md#file-reservations).
//
//   npm run bench:hooks            (builds first)   ·   node bench/hooks.mjs [ROUNDS]
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FRAGD_NODE_FLAGS } from './lib.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const FRAGCTL = join(ROOT, 'dist/fragctl.js');
const FRAGD = join(ROOT, 'dist/fragd.js');
// `node bench/hooks.mjs [ROUNDS]`, or `--quick` (as npm run bench -- --quick passes) for 30.
const roundsArg = process.argv.slice(2).find((a) => /^\d+$/.test(a));
const ROUNDS = Number(roundsArg ?? process.env.ROUNDS ?? (process.argv.includes('--quick') ? 30 : 150));
const WARMUP = 10;

const base = realpathSync(mkdtempSync(join(tmpdir(), 'fr-bench-')));
chmodSync(base, 0o700);
const home = join(base, 'home');
const gitconfig = join(base, 'gitconfig');
writeFileSync(
  gitconfig,
  '[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n',
);
const { FRAGMENTS_SESSION: _s, ...rest } = process.env;
const env = {
  ...rest,
  FRAGMENTS_HOME: home,
  GIT_CONFIG_GLOBAL: gitconfig,
  GIT_CONFIG_NOSYSTEM: '1',
  FRAGMENTS_NO_AUTOSTART: '1',
  FRAGD_BIN: FRAGD,
};

function sh(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function makeRepo(name) {
  const dir = join(base, name);
  sh('git', ['init', '-q', dir]);
  writeFileSync(join(dir, 'f.txt'), '0\n');
  sh('git', ['add', 'f.txt'], dir);
  sh('git', ['commit', '-q', '-m', 'start'], dir);
  return dir;
}

let counter = 0;
/** Time of one `git commit` (the file is changed and staged outside the timing). */
function timedCommit(dir) {
  writeFileSync(join(dir, 'f.txt'), `${++counter}\n`);
  sh('git', ['add', 'f.txt'], dir);
  const t0 = process.hrtime.bigint();
  const r = spawnSync('git', ['commit', '-q', '-m', `change ${counter}`], { cwd: dir, env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`git commit failed: ${r.stderr}`);
  return ms;
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const f = (ms) => ms.toFixed(2).padStart(7);

function paired(label, plain, hooked) {
  const rounds = [];
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    // Alternate who goes first so neither side always gets the warmer caches.
    const [a, b] =
      i % 2
        ? [timedCommit(plain), timedCommit(hooked)]
        : (() => {
            const h = timedCommit(hooked);
            return [timedCommit(plain), h];
          })();
    if (i >= WARMUP) rounds.push({ plain: a, hooked: b });
  }
  const p = rounds.map((r) => r.plain);
  const h = rounds.map((r) => r.hooked);
  const diff = rounds.map((r) => r.hooked - r.plain);
  console.log(`\n${label} (${ROUNDS} paired commits, ${WARMUP} warm-up rounds not counted)`);
  console.log(`                       median      p90   (ms)`);
  console.log(`  without hooks       ${f(quantile(p, 0.5))}  ${f(quantile(p, 0.9))}`);
  console.log(`  with fragd hooks    ${f(quantile(h, 0.5))}  ${f(quantile(h, 0.9))}`);
  console.log(
    `  paired overhead     ${f(quantile(diff, 0.5))}  ${f(quantile(diff, 0.9))}   (median of per-round differences; target ≤ 10 ms)`,
  );
  return quantile(diff, 0.5);
}

function hookAlone(dir) {
  // The post-commit hook by itself, as git runs it (cwd = the work tree).
  const xs = [];
  for (let i = 0; i < 50; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(join(dir, '.git/hooks/post-commit'), [], { cwd: dir, env });
    xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  console.log(
    `\npost-commit hook run alone: median ${quantile(xs, 0.5).toFixed(2)} ms, p90 ${quantile(xs, 0.9).toFixed(2)} ms (50 runs, includes process spawn)`,
  );
}

const canConnect = (path) =>
  new Promise((r) => {
    const s = connect(path);
    s.once('connect', () => (s.destroy(), r(true)));
    s.once('error', () => r(false));
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const spooled = () => {
  try {
    return readdirSync(join(home, 'spool')).filter((n) => n.endsWith('.rec')).length;
  } catch {
    return 0;
  }
};

const plain = makeRepo('plain');
const hooked = makeRepo('hooked');
sh(process.execPath, [FRAGCTL, 'hooks', 'install', '--repo', hooked]);
console.log(
  `fragd hooks benchmark · git ${sh('git', ['--version']).trim().replace('git version ', '')} · node ${process.version} · /bin/sh → ${realpathSync('/bin/sh')}`,
);

const downOverhead = paired('daemon DOWN (records are only spooled)', plain, hooked);
const backlog = spooled();
console.log(`  records spooled while down: ${backlog}`);

// The backlog is held aside while fragd starts, then dropped into the spool at once, so a
// client already connected can measure how long its calls wait while fragd ingests it.
const spoolDir = join(home, 'spool');
const held = join(home, 'held');
renameSync(spoolDir, held);
const daemon = spawn(process.execPath, [...FRAGD_NODE_FLAGS, FRAGD, '--foreground'], { env, stdio: 'ignore' });
const socket = join(home, 'fragd.sock');
while (!(await canConnect(socket))) await sleep(20);
const { FragClient } = await import(join(ROOT, 'dist/client.js'));
const pinger = await FragClient.connect({ env, autoStart: false, clientName: 'bench' });
const waits = [];
let pinging = true;
const pings = (async () => {
  while (pinging) {
    const p0 = performance.now();
    await pinger.call('daemon.status');
    waits.push(performance.now() - p0);
  }
})();
await sleep(50);
const quiet = waits.length;
const t0 = Date.now();
for (const f of readdirSync(held)) renameSync(join(held, f), join(spoolDir, f));
while (spooled() > 0 && Date.now() - t0 < 60_000) await sleep(5);
const ingestMs = Date.now() - t0;
pinging = false;
await pings;
pinger.close();
const during = waits.slice(quiet);
console.log(`  that backlog, dropped into the spool of a running fragd, was ingested in ${ingestMs} ms`);
console.log(
  `  meanwhile another client calling daemon.status: ${during.length} calls, median ${quantile(during, 0.5).toFixed(2)} ms, max ${Math.max(...during).toFixed(2)} ms (idle before: median ${quantile(waits.slice(0, quiet), 0.5).toFixed(2)} ms)`,
);
sh(process.execPath, [FRAGCTL, 'session', 'start']);

const upOverhead = paired('daemon UP (ingesting as commits arrive)', plain, hooked);
const t1 = Date.now();
while (spooled() > 0 && Date.now() - t1 < 60_000) await sleep(20);
const status = JSON.parse(sh(process.execPath, [FRAGCTL, 'daemon', 'status', '--json']));
const commits = JSON.parse(sh(process.execPath, [FRAGCTL, 'commits', '--limit', '1000', '--json'])).commits.length;
console.log(
  `  spool empty ${Date.now() - t1} ms after the last commit; ${commits} commits recorded in total (expected ${2 * (WARMUP + ROUNDS)}), ${status.counts.activities} activities`,
);

hookAlone(hooked);

daemon.kill('SIGTERM');
await new Promise((r) => daemon.once('exit', r));

/**
 * The agents' hook (dist/fragd-agent-hook.sh) on a Claude Code PreToolUse Edit payload, in a
 * FRAGMENTS_HOME of its own: without a reservations file (the check is one test of a file)
 * and with one of 20 reservations of the same repository (the edit matches none, so every
 * line is compared: the check's whole cost), alternating; then a refused edit.
 */
function agentHookCheck() {
  const hookHome = join(base, 'agent-home');
  const hook = join(ROOT, 'dist/fragd-agent-hook.sh');
  const res = join(hookHome, 'reservations');
  sh('mkdir', ['-p', join(hookHome, 'spool')]);
  chmodSync(hookHome, 0o700);
  const repoRoot = join(base, 'hooked');
  const lines = Array.from(
    { length: 20 },
    (_, i) =>
      `${repoRoot}\tsrc/module${i}/*\tSESSION-${String(i + 2).padStart(3, '0')}\tagent${i}\tT-${i}\t2026-01-01T10:00:00Z\tconv-${i}\tfragctl reserve 'src/module${i}/*' --force`,
  );
  const text = `# fragd-reservations 1\n${lines.join('\n')}\n`;
  const payload = (file) =>
    JSON.stringify({
      session_id: 'conv-bench',
      transcript_path: join(base, 't.jsonl'),
      cwd: repoRoot,
      permission_mode: 'default',
      hook_event_name: 'PreToolUse',
      tool_name: 'Edit',
      tool_input: { file_path: join(repoRoot, file), old_string: 'a'.repeat(2000), new_string: 'b'.repeat(2000) },
    });
  const henv = { ...env, FRAGMENTS_HOME: hookHome };
  const run = (input) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(hook, ['claude', 'PreToolUse'], { env: henv, input, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    return { ms, out: r.stdout };
  };
  const free = payload('lib/free.ts');
  const rounds = [];
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    const withFile = () => {
      writeFileSync(res, text, { mode: 0o600 });
      return run(free);
    };
    const without = () => {
      rmSync(res, { force: true });
      return run(free);
    };
    const [a, b] =
      i % 2
        ? [without(), withFile()]
        : (() => {
            const w = withFile();
            return [without(), w];
          })();
    if (b.out !== '' || a.out !== '') throw new Error(`the hook answered for a free file: ${a.out}${b.out}`);
    if (i >= WARMUP) rounds.push({ without: a.ms, with: b.ms });
  }
  writeFileSync(res, text, { mode: 0o600 });
  const denied = [];
  for (let i = 0; i < 30; i++) {
    const r = run(payload('src/module19/x.ts'));
    if (!r.out.includes('"permissionDecision":"deny"')) throw new Error(`not refused: ${r.out}`);
    denied.push(r.ms);
  }
  const w = rounds.map((r) => r.without);
  const c = rounds.map((r) => r.with);
  const diff = rounds.map((r) => r.with - r.without);
  console.log(
    `\nagents' hook before a tool (Claude Code PreToolUse Edit, ${ROUNDS} paired runs, process spawn included)`,
  );
  console.log(`                                  median      p90   (ms)`);
  console.log(`  no reservations file            ${f(quantile(w, 0.5))}  ${f(quantile(w, 0.9))}`);
  console.log(`  20 reservations, none matching  ${f(quantile(c, 0.5))}  ${f(quantile(c, 0.9))}`);
  console.log(
    `  paired cost of the check        ${f(quantile(diff, 0.5))}  ${f(quantile(diff, 0.9))}   (target ≤ 3 ms median)`,
  );
  console.log(`  a refused edit (the last line)  ${f(quantile(denied, 0.5))}  ${f(quantile(denied, 0.9))}`);
  return quantile(diff, 0.5);
}
const checkCost = agentHookCheck();
rmSync(base, { recursive: true, force: true });
console.log(
  `\nsummary: median paired overhead ${downOverhead.toFixed(2)} ms (daemon down), ${upOverhead.toFixed(2)} ms (daemon up); the agents' reservation check ${checkCost.toFixed(2)} ms`,
);
