// What a shell prompt pays for the session status (issue 14, docs/terminal.md), in one run:
//   1. as a process, in a paired loop (one of each per round, so load hits them alike):
//      `cat` of the status file (the baseline), the POSIX sh snippet (what tmux and starship
//      run), `fragctl status --short` (a whole Node start and a call), and Timewarrior's
//      `timew` (when installed) on a private database;
//   2. inside the shell, where the bash and zsh snippets run as functions: the snippet
//      against `$(cat file)`, the least a prompt that calls a program pays.
// Target: the snippet within 2 ms of cat. Usage: node bench/prompt.mjs [--no-build] [--quick].
// Prints figures; asserts nothing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchDaemon, FRAGCTL, RawClient, ensureBuilt, fmt, median, percentile, row, seedWork } from './lib.mjs';

if (!process.argv.includes('--no-build')) ensureBuilt();
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 40 : 150;
const IN_SHELL = quick ? 500 : 2000;

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

const d = new BenchDaemon();
await d.start();
const c = await RawClient.open(d.socket);
await seedWork(c, 'bench');
c.close();
const env = { ...d.env, FRAGMENTS_ACTOR: 'bench', LC_ALL: 'C.UTF-8' };
const statusFile = join(d.home, 'status.bench');
for (let i = 0; i < 200 && spawnSync('test', ['-s', statusFile]).status !== 0; i++)
  await new Promise((r) => setTimeout(r, 20));

const snippet = (shell) => {
  const r = spawnSync(process.execPath, [FRAGCTL, 'prompt', shell], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fragctl prompt ${shell}: ${r.stderr}`);
  const path = join(d.home, `snippet.${shell}`);
  writeFileSync(path, r.stdout);
  return path;
};
const sh = snippet('sh');

const timewDb = join(d.home, 'timew');
const contenders = [
  { label: 'cat of the status file (baseline)', argv: ['cat', statusFile] },
  { label: 'sh snippet (tmux, starship)', argv: ['sh', sh] },
  { label: 'fragctl status --short', argv: [process.execPath, FRAGCTL, 'status', '--short'] },
  // The same line asked of the daemon (a named session skips the status file): the path before issue 27.
  {
    label: 'fragctl status --short --session (a call)',
    argv: [process.execPath, FRAGCTL, 'status', '--short', '--session', 'SESSION-001'],
  },
  { label: 'node -e 0 (what fragctl is held to)', argv: [process.execPath, '-e', '0'] },
];
let timewNote = null;
if (has('timew')) {
  mkdirSync(join(timewDb, 'data'), { recursive: true });
  writeFileSync(join(timewDb, 'timewarrior.cfg'), '');
  spawnSync('timew', ['start', 'bench'], { env: { ...env, TIMEWARRIORDB: timewDb } });
  contenders.push({ label: 'timew (Timewarrior, tracking)', argv: ['timew'], env: { TIMEWARRIORDB: timewDb } });
} else timewNote = 'timew: not installed (Debian package timewarrior), so not measured';

// Every contender prints the same thing each time: check once, then time.
for (const k of contenders) {
  const r = spawnSync(k.argv[0], k.argv.slice(1), { env: { ...env, ...k.env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${k.label} failed: ${r.stderr}`);
  k.out = r.stdout.trim().split('\n')[0];
  k.times = [];
}
for (let i = 0; i < ROUNDS; i++) {
  for (const k of contenders) {
    const t = performance.now();
    spawnSync(k.argv[0], k.argv.slice(1), { env: { ...env, ...k.env }, stdio: 'ignore' });
    k.times.push(performance.now() - t);
  }
}

/** Microseconds per call of `body` inside one shell, timed with the shell's own clock. */
function inShell(shell, setup, body) {
  // $EPOCHREALTIME has 6 decimals in bash (µs) and 9 in zsh (ns).
  const unit = shell === 'zsh' ? 1000 : 1;
  const script = `${setup}
t0=$EPOCHREALTIME; i=0; while ((i < ${IN_SHELL})); do ${body}; ((i++)); done; t1=$EPOCHREALTIME
echo $(( (\${t1/./} - \${t0/./}) / ${IN_SHELL} ))`;
  const args = shell === 'zsh' ? ['-f', '-c', `zmodload zsh/datetime; ${script}`] : ['--norc', '-c', script];
  const r = spawnSync(shell, args, { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${shell}: ${r.stderr}`);
  return Number(r.stdout.trim()) / unit;
}
const shellRows = [];
for (const shell of ['bash', 'zsh']) {
  if (!has(shell)) {
    shellRows.push([`${shell}: not installed, so not measured`]);
    continue;
  }
  const path = snippet(shell);
  const setup = `source ${path}`;
  const fn = inShell(shell, setup, '__fragd_status');
  const cat = inShell(shell, setup, `x=$(cat ${statusFile})`);
  shellRows.push([shell, fn, cat]);
}
await d.dispose();

console.log(`\n# prompt status line (${ROUNDS} rounds as processes, ${IN_SHELL} calls in each shell)`);
const base = median(contenders[0].times);
for (const k of contenders) {
  const m = median(k.times);
  const isSnippet = k.argv[0] === 'sh';
  row(
    `${k.label}, median / p95`,
    `${fmt(m)} / ${fmt(
      percentile(
        [...k.times].sort((a, b) => a - b),
        95,
      ),
    )} ms`,
    k === contenders[0]
      ? ''
      : `${m - base >= 0 ? '+' : ''}${fmt(m - base)} ms vs cat${isSnippet ? ' (target ≤ +2 ms)' : ''}`,
    isSnippet ? m - base <= 2 : undefined,
  );
}
// Issue 27: a client that starts like a native tool, `status --short` ≤ 1.2× a bare Node start.
const node = median(contenders.find((k) => k.argv[1] === '-e').times);
for (const k of contenders.filter((x) => x.argv[1] === FRAGCTL)) {
  const ratio = median(k.times) / node;
  const held = k.argv.length === 4;
  row(`${k.label} against node -e 0`, `${fmt(ratio)}×`, held ? 'target ≤ 1.2×' : '', held ? ratio <= 1.2 : undefined);
}
if (timewNote) console.log(timewNote);
console.log(
  `  printed: ${contenders
    .filter((k) => k.argv[1] !== '-e')
    .map((k) => JSON.stringify(k.out))
    .join(' | ')}`,
);
for (const [shell, fn, cat] of shellRows) {
  if (fn === undefined) {
    console.log(shell);
    continue;
  }
  row(
    `${shell} prompt function (in the shell), per prompt`,
    `${fmt(fn / 1000, 3)} ms`,
    `$(cat file) costs ${fmt(cat / 1000, 3)} ms (target ≤ +2 ms)`,
    fn / 1000 - cat / 1000 <= 2,
  );
}
rmSync(join(d.home, 'timew'), { recursive: true, force: true });
