// File reservations against the real coding agents (issue 25): Claude Code, Codex and Gemini
// CLI from test/agents-cli, offline against the tests' model server, with the hooks the real
// `fragctl agent install` wrote, against a real fragd. Two conversations in one repository:
// the first reserves src/auth.ts (through fragctl in its own shell, as an agent does) and
// stays in its turn; the second's edit of that file is refused by the agent's own permission
// flow (its pre-tool hook's answer), the file stays as it was, and the model sees the
// refusal's reason (holder, task, the way out).
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAGCTL, startDaemon, tempHome, until, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';
import { agentEnv, agentProgram, installedHome, notInstalled, runAgent, type RealAgent } from '../support/agents-cli.js';
import { startModelServer, type ModelServer, type Step } from '../agents-cli/model-server.mjs';

const claude = agentProgram('claude');
const codex = agentProgram('codex');
const gemini = agentProgram('gemini');

const ORIGINAL = 'export const token = "old";\n';
const usage = { input: 10, output: 10 };

function query<T>(d: TestDaemon, sql: string, ...args: unknown[]): T[] {
  const db = new Database(d.paths.db, { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

async function setup(agent: RealAgent, prepare?: (home: string) => void) {
  const d = await startDaemon({}, {});
  const repo = TestRepo.create(d.env);
  mkdirSync(join(repo.dir, 'src'));
  repo.commit('src/auth.ts', ORIGINAL, 'first');
  const home = mkdtempSync(join(tempHome(), `${agent}-`));
  prepare?.(home);
  await installedHome(d, agent, home);
  const flag = join(home, 'first-may-stop');
  return { d, repo, home, flag };
}

/**
 * The first conversation's shell command: reserve the file through fragctl (its session comes
 * from the agent's own environment), then hold the turn until the test lets it go.
 */
const reserveAndWait = (flag: string) =>
  `${process.execPath} ${FRAGCTL} reserve src/auth.ts && i=0; while [ ! -f ${flag} ] && [ $i -lt 900 ]; do sleep 0.2; i=$((i+1)); done; echo released`;

/** The refusal the second conversation's model saw, in some request after its edit. */
const refusalSeen = (server: ModelServer, holder: string) =>
  server.requests.some(
    (r) => r.main && r.body.includes(`src/auth.ts is reserved exclusively by ${holder}`) && r.body.includes('fragctl reserve src/auth.ts --force'),
  );

async function reservedBy(d: TestDaemon, actor: string) {
  return until(
    `${actor}'s reservation`,
    () => query<{ key: string }>(d, "SELECT s.key FROM reservations r JOIN sessions s ON s.id = r.session_id WHERE r.actor = ? AND r.released_at IS NULL", actor)[0]?.key ?? false,
    60_000,
  );
}

describe.skipIf(!claude)(`Claude Code (real program${claude ? '' : `: ${notInstalled('claude')}`})`, () => {
  let env: ReturnType<typeof setup> extends Promise<infer T> ? T : never;
  let server: ModelServer;
  beforeAll(async () => {
    env = await setup('claude');
    const file = join(env.repo.dir, 'src/auth.ts');
    server = await startModelServer({
      script: [{ text: 'unused', usage }],
      conversations: [
        {
          match: 'FIRST-reserve',
          steps: [
            { tool: { name: 'Bash', input: { command: reserveAndWait(env.flag), description: 'Reserve the auth file', timeout: 600000 } }, usage },
            { text: 'Reserved and done.', usage },
          ],
        },
        {
          match: 'SECOND-edit',
          steps: [
            { tool: { name: 'Read', input: { file_path: file } }, usage },
            { tool: { name: 'Edit', input: { file_path: file, old_string: '"old"', new_string: '"new"' } }, usage },
            { text: 'The file is reserved by another agent; I left it.', usage },
          ],
        },
      ],
    });
  });
  afterAll(async () => {
    await server?.close();
    await env?.d.dispose();
  });

  it("the second conversation's Edit of the file the first reserved is refused through Claude Code's permission flow", async () => {
    const agentEnvs = agentEnv(env.d, env.home, { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'sk-test' });
    const first = runAgent(claude!, ['-p', 'FIRST-reserve the auth file', '--allowedTools', 'Bash', '--output-format', 'json'], {
      cwd: env.repo.dir,
      env: agentEnvs,
      timeoutMs: 240_000,
    });
    const holder = await reservedBy(env.d, 'claude');
    const second = await runAgent(
      claude!,
      ['-p', 'SECOND-edit the auth file', '--allowedTools', 'Read,Edit', '--output-format', 'json'],
      { cwd: env.repo.dir, env: agentEnvs, timeoutMs: 180_000 },
    );
    writeFileSync(env.flag, '');
    const firstRun = await first;
    expect(firstRun.code, firstRun.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).result).toBe('The file is reserved by another agent; I left it.');
    // Refused: the file is as it was, and the model was told why, by whom and the way out.
    expect(readFileSync(join(env.repo.dir, 'src/auth.ts'), 'utf8')).toBe(ORIGINAL);
    expect(refusalSeen(server, 'claude')).toBe(true);
    expect(server.requests.some((r) => r.body.includes(`(${holder})`))).toBe(true);
    // The first conversation's exit released its reservation.
    await until('the exit to release it', () =>
      query<{ release_reason: string }>(env.d, "SELECT release_reason FROM reservations WHERE actor = 'claude'")[0]?.release_reason === 'exited',
    );
  }, 400_000);
});
