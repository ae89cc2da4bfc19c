// What fragd's agent hook costs a coding agent per tool call (PreToolUse/PostToolUse run it
// on every tool use). Paired benchmark: each round runs, in alternating order, the agent's
// hook invocation of dist/fragd-agent-hook.sh and the same invocation of a hook that does
// nothing (`true`: what having any hook at all costs), both with a PostToolUse payload of a
// few kilobytes on stdin, as the agent pipes it. The median of the per-round differences is
// what fragd adds; the hook's own time, spawn included, is printed too. Daemon down (records
// only spooled) and up (ingesting as they arrive).
//
//   node scripts/build.mjs && node bench/agent-hooks.mjs [ROUNDS]   (npm run bench runs it)
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRAGD, FRAGD_NODE_FLAGS, ROOT, sleep } from './lib.mjs';

const HOOK = join(ROOT, 'dist/fragd-agent-hook.sh');
const roundsArg = process.argv.slice(2).find((a) => /^\d+$/.test(a));
const ROUNDS = Number(roundsArg ?? process.env.ROUNDS ?? (process.argv.includes('--quick') ? 50 : 300));
const WARMUP = 10;

const home = realpathSync(mkdtempSync(join(tmpdir(), 'fr-bench-agent-')));
chmodSync(home, 0o700);
const { FRAGMENTS_SESSION: _s, ...rest } = process.env;
const env = { ...rest, FRAGMENTS_HOME: home, FRAGMENTS_NO_AUTOSTART: '1', FRAGD_BIN: FRAGD, FRAGD_LOG_LEVEL: 'warn' };

const payload = JSON.stringify({
  session_id: 'bench-1',
  transcript_path: join(home, 'none.jsonl'),
  cwd: home,
  permission_mode: 'default',
  hook_event_name: 'PostToolUse',
  tool_name: 'Read',
  tool_input: { file_path: '/src/app.ts' },
  tool_response: { type: 'text', file: { filePath: '/src/app.ts', content: 'export const x = 1;\n'.repeat(200) } },
  tool_use_id: 'toolu_bench',
});

/** One hook run as the agent runs it: spawn, the payload on stdin, wait for exit. */
function timed(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { input: payload, env, stdio: ['pipe', 'ignore', 'ignore'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}`);
  return ms;
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const f = (ms) => ms.toFixed(2).padStart(7);
const spooled = () => {
  try {
    return readdirSync(join(home, 'spool')).filter((n) => n.endsWith('.rec')).length;
  } catch {
    return 0;
  }
};

function paired(label) {
  const rounds = [];
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    let none, hook;
    if (i % 2) {
      none = timed('true', []);
      hook = timed(HOOK, ['claude', 'PostToolUse']);
    } else {
      hook = timed(HOOK, ['claude', 'PostToolUse']);
      none = timed('true', []);
    }
    if (i >= WARMUP) rounds.push({ none, hook });
  }
  const n = rounds.map((r) => r.none);
  const h = rounds.map((r) => r.hook);
  const diff = rounds.map((r) => r.hook - r.none);
  console.log(`\n${label} (${ROUNDS} paired runs, ${WARMUP} warm-up rounds not counted)`);
  console.log(`                          median      p90   (ms)`);
  console.log(`  a hook doing nothing   ${f(quantile(n, 0.5))}  ${f(quantile(n, 0.9))}`);
  console.log(`  fragd-agent-hook.sh    ${f(quantile(h, 0.5))}  ${f(quantile(h, 0.9))}`);
  console.log(
    `  paired overhead        ${f(quantile(diff, 0.5))}  ${f(quantile(diff, 0.9))}   (median of per-round differences; target ≤ 10 ms)`,
  );
  return { overhead: quantile(diff, 0.5), alone: quantile(h, 0.5) };
}

console.log(
  `fragd agent hook benchmark · node ${process.version} · /bin/sh → ${realpathSync('/bin/sh')} · payload ${payload.length} bytes`,
);
const down = paired('daemon DOWN (records are only spooled)');
console.log(`  records spooled while down: ${spooled()}`);

const daemon = spawn(process.execPath, [...FRAGD_NODE_FLAGS, FRAGD, '--foreground'], { env, stdio: 'ignore' });
const t0 = Date.now();
while (spooled() > 0 && Date.now() - t0 < 120_000) await sleep(10);
console.log(`  that backlog was ingested ${Date.now() - t0} ms after fragd was started`);
const up = paired('daemon UP (ingesting as records arrive)');
const t1 = Date.now();
while (spooled() > 0 && Date.now() - t1 < 60_000) await sleep(10);
console.log(`  spool empty ${Date.now() - t1} ms after the last hook`);
daemon.kill('SIGTERM');
await new Promise((r) => daemon.once('exit', r));
rmSync(home, { recursive: true, force: true });
console.log(
  `\nsummary: fragd adds a median ${down.overhead.toFixed(2)} ms (daemon down), ${up.overhead.toFixed(2)} ms (daemon up) to a tool call over an empty hook; the hook alone takes ${down.alone.toFixed(2)} / ${up.alone.toFixed(2)} ms`,
);
