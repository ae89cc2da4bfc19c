// What plugging fragd into a coding agent costs at its start (issue 21, item 7), each
// beside a bare `node -e 0` measured in the same run, in alternating order:
//   - SessionStart: the agent's hook (dist/fragd-agent-hook.sh → fragctl agent hook), one
//     round trip to a running fragd, answering with the context. Target ≤ 1.5× node -e 0.
//   - fragd's MCP server (`fragctl mcp`): from spawn to the answer of tools/list (after
//     initialize), as an agent starts it. Target ≤ 2× node -e 0.
//   - The whole real `claude -p` run (test/agents-cli, when installed) against the tests'
//     model server, with fragd's hooks and MCP server installed and without.
//
//   node scripts/build.mjs && node bench/agent-plugin.mjs [ROUNDS] [--quick] [--no-claude]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchDaemon, FRAGCTL, ROOT } from './lib.mjs';

const roundsArg = process.argv.slice(2).find((a) => /^\d+$/.test(a));
const ROUNDS = Number(roundsArg ?? (process.argv.includes('--quick') ? 8 : 30));
const WARMUP = 3;
const HOOK = join(ROOT, 'dist/fragd-agent-hook.sh');
const CLAUDE = join(ROOT, 'test/agents-cli/node_modules/.bin/claude');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (ms) => ms.toFixed(1).padStart(8);
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

function timedSync(cmd, args, env, input = '') {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, input, stdio: ['pipe', 'pipe', 'ignore'] });
  const t = ms(t0);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return { t, stdout: r.stdout.toString() };
}

/** Spawn to the answer of tools/list, over the MCP stdio transport (one JSON message a line). */
function mcpReady(env) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [FRAGCTL, 'mcp', '--actor', 'claude'], {
      env,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let buf = '';
    let tools = 0;
    child.stdout.on('data', (c) => {
      buf += c;
      for (let i = buf.indexOf('\n'); i !== -1; i = buf.indexOf('\n')) {
        const msg = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        if (msg.id === 1) {
          child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
          child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} })}\n`);
        } else if (msg.id === 2) {
          const t = ms(t0);
          tools = msg.result?.tools?.length ?? 0;
          child.once('exit', () => resolve({ t, tools }));
          child.stdin.end();
          child.kill('SIGTERM');
        }
      }
    });
    child.on('error', reject);
    child.stdin.write(
      `${JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
      })}\n`,
    );
  });
}

const daemon = await new BenchDaemon().start();
const env = daemon.env;
const work = mkdtempSync(join(tmpdir(), 'fb-agent-plugin-'));
const payload = JSON.stringify({
  session_id: 'bench-plugin-1',
  transcript_path: join(work, 'none.jsonl'),
  cwd: work,
  hook_event_name: 'SessionStart',
  source: 'startup',
});

console.log(`fragd agent plug-in benchmark · node ${process.version} · ${ROUNDS} paired rounds (${WARMUP} warm-up)`);
const rows = { node: [], start: [], nodeM: [], mcp: [] };
let answered = 0;
let toolCount = 0;
for (let i = 0; i < WARMUP + ROUNDS; i++) {
  const pair = [
    () => timedSync(process.execPath, ['-e', '0'], env).t,
    () => {
      const r = timedSync(HOOK, ['claude', 'SessionStart'], env, payload);
      if (r.stdout.includes('fragd session')) answered++;
      return r.t;
    },
  ];
  const [a, b] = i % 2 ? [pair[0](), pair[1]()] : [pair[1](), pair[0]()].reverse();
  const nodeM = timedSync(process.execPath, ['-e', '0'], env).t;
  const m = await mcpReady(env);
  toolCount = m.tools;
  if (i < WARMUP) continue;
  rows.node.push(a);
  rows.start.push(b);
  rows.nodeM.push(nodeM);
  rows.mcp.push(m.t);
}
const base = median(rows.node);
const startRatio = median(rows.start) / base;
const baseM = median(rows.nodeM);
const mcpRatio = median(rows.mcp) / baseM;
console.log(`                                         median (ms)   × node -e 0   target`);
console.log(`  node -e 0                              ${f(base)}`);
console.log(
  `  SessionStart hook, context answered    ${f(median(rows.start))}      ${startRatio.toFixed(2)}×        ≤ 1.5×  ${startRatio <= 1.5 ? '✓' : '✗'}`,
);
console.log(
  `  fragctl mcp: spawn → tools/list (${toolCount})  ${f(median(rows.mcp))}      ${mcpRatio.toFixed(2)}×        ≤ 2×    ${mcpRatio <= 2 ? '✓' : '✗'}`,
);
if (answered < ROUNDS)
  console.log(`  ✗ SessionStart answered with context in only ${answered} of ${WARMUP + ROUNDS} runs`);

// The whole real `claude -p` run, with and without fragd.
if (process.argv.includes('--no-claude')) {
  console.log('\n  whole claude -p run: not measured (--no-claude)');
} else if (existsSync(CLAUDE) && spawnSync(CLAUDE, ['--version']).status === 0) {
  const { startModelServer } = await import('../test/agents-cli/model-server.mjs');
  const server = await startModelServer({ script: [{ text: 'ok', usage: { input: 10, output: 2 } }] });
  const homes = { bare: join(work, 'bare'), fragd: join(work, 'fragd') };
  for (const h of Object.values(homes)) mkdirSync(join(h, 'w'), { recursive: true });
  const claudeEnv = (home) => ({
    PATH: process.env.PATH,
    HOME: home,
    FRAGMENTS_HOME: daemon.home,
    FRAGMENTS_NO_AUTOSTART: '1',
    ANTHROPIC_BASE_URL: server.url,
    ANTHROPIC_API_KEY: 'sk-bench',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
  });
  spawnSync(process.execPath, [FRAGCTL, 'agent', 'install', 'claude'], { env: claudeEnv(homes.fragd) });
  const runClaude = (home) =>
    new Promise((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const c = spawn(CLAUDE, ['-p', 'say ok'], { cwd: join(home, 'w'), env: claudeEnv(home), stdio: 'ignore' });
      c.on('error', reject);
      c.on('exit', (code) => (code === 0 ? resolve(ms(t0)) : reject(new Error(`claude -p exited ${code}`))));
    });
  const CLAUDE_ROUNDS = Math.max(3, Math.min(8, Math.floor(ROUNDS / 4)));
  const bare = [];
  const withFragd = [];
  await runClaude(homes.bare);
  await runClaude(homes.fragd);
  for (let i = 0; i < CLAUDE_ROUNDS; i++) {
    if (i % 2) {
      bare.push(await runClaude(homes.bare));
      withFragd.push(await runClaude(homes.fragd));
    } else {
      withFragd.push(await runClaude(homes.fragd));
      bare.push(await runClaude(homes.bare));
    }
  }
  await server.close();
  const version = spawnSync(CLAUDE, ['--version']).stdout.toString().trim();
  console.log(`\n  whole claude -p run (${version}, ${CLAUDE_ROUNDS} paired runs, model server on loopback)`);
  console.log(`  without fragd                          ${f(median(bare))}`);
  console.log(
    `  with fragd's hooks and MCP server      ${f(median(withFragd))}      +${(median(withFragd) - median(bare)).toFixed(0)} ms`,
  );
} else {
  console.log('\n  whole claude -p run: skipped (Claude Code is not installed: bash scripts/agents-cli.sh)');
}

await daemon.dispose();
rmSync(work, { recursive: true, force: true });
