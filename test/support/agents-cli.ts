// The real coding agents (Claude Code, Codex, Gemini CLI), installed for the tests only by
// scripts/agents-cli.sh into test/agents-cli/node_modules, run offline against the tests'
// own model server (test/agents-cli/model-server.mjs) in a private HOME holding the hooks
// `fragctl agent install` wrote.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, type RunResult, type TestDaemon } from './daemon.js';

export const AGENTS_CLI_DIR = join(ROOT, 'test/agents-cli');
const BIN = join(AGENTS_CLI_DIR, 'node_modules/.bin');
const PROGRAMS = { claude: 'claude', codex: 'codex', gemini: 'gemini' } as const;
export type RealAgent = keyof typeof PROGRAMS;

/** The installed program of an agent, or null (then its tests are skipped, saying how to install). */
export function agentProgram(agent: RealAgent): string | null {
  const path = join(BIN, PROGRAMS[agent]);
  return existsSync(path) ? path : null;
}

/** The version pinned in test/agents-cli/package.json. */
export function pinnedVersion(agent: RealAgent): string {
  const pkg = JSON.parse(readFileSync(join(AGENTS_CLI_DIR, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const name = { claude: '@anthropic-ai/claude-code', codex: '@openai/codex', gemini: '@google/gemini-cli' }[agent];
  return pkg.dependencies[name];
}

export const notInstalled = (agent: RealAgent) =>
  `${PROGRAMS[agent]} ${pinnedVersion(agent)} is not installed for the tests: run bash scripts/agents-cli.sh (.ci/run does)`;

/**
 * The environment an agent runs in: a private HOME, the test daemon's FRAGMENTS_HOME (the
 * hooks name it too), nothing of the developer's own agent settings or session.
 */
export function agentEnv(d: TestDaemon, home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'LANG', 'TZ', 'TMPDIR', 'SHELL', 'USER', 'LOGNAME'];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_STATE_HOME: join(home, '.local/state'),
    FRAGMENTS_HOME: d.home,
    FRAGMENTS_NO_AUTOSTART: '1',
    // No update checks, telemetry or error reports: the run is offline.
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    ...extra,
  };
}

/** A private HOME with fragd's hooks for the agent installed by the real `fragctl agent install`. */
export async function installedHome(d: TestDaemon, agent: RealAgent, home: string): Promise<void> {
  mkdirSync(home, { recursive: true });
  const r = await d.fragctl(['agent', 'install', agent, '--json'], { env: agentEnv(d, home) });
  if (r.code !== 0) throw new Error(`fragctl agent install ${agent} exited ${r.code}: ${r.stderr}`);
}

export interface AgentRun extends RunResult {
  startedAt: number;
  endedAt: number;
}

/** Runs the agent to its end (stdin closed, as a script runs it), bounded in time. */
export function runAgent(
  program: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<AgentRun> {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const child = spawn(program, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, startedAt, endedAt: Date.now() });
    });
  });
}
