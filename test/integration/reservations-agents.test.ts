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
import {
  agentEnv,
  agentProgram,
  installedHome,
  notInstalled,
  runAgent,
  type RealAgent,
} from '../support/agents-cli.js';
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
  `${process.execPath} ${FRAGCTL} reserve src/auth.ts && timeout 180 sh -c 'until [ -f ${flag} ]; do sleep 0.2; done'; echo released`;

/** The refusal the second conversation's model saw, in some request after its edit. */
const refusalSeen = (server: ModelServer, holder: string) =>
  server.requests.some(
    (r) =>
      r.main &&
      r.body.includes(`src/auth.ts is reserved exclusively by ${holder}`) &&
      r.body.includes(`or ask ${holder} with fragctl send ${holder} <message>`) &&
      r.body.includes('a person can take it over with --force') &&
      !r.body.includes('fragctl reserve src/auth.ts --force'),
  );

/** The first conversation's reservation, or its run's output if it ended without one. */
async function reservedBy(
  d: TestDaemon,
  actor: string,
  first: Promise<{ code: number; stdout: string; stderr: string }>,
) {
  const ended = first.then((r) => {
    throw new Error(
      `the first conversation ended (${r.code}) without reserving: ${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`,
    );
  });
  return Promise.race([ended, waitReserved(d, actor)]);
}

async function waitReserved(d: TestDaemon, actor: string) {
  return until(
    `${actor}'s reservation`,
    () =>
      query<{ key: string }>(
        d,
        'SELECT s.key FROM reservations r JOIN sessions s ON s.id = r.session_id WHERE r.actor = ? AND r.released_at IS NULL',
        actor,
      )[0]?.key ?? false,
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
            {
              tool: {
                name: 'Bash',
                input: { command: reserveAndWait(env.flag), description: 'Reserve the auth file', timeout: 600000 },
              },
              usage,
            },
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
    const first = runAgent(
      claude!,
      ['-p', 'FIRST-reserve the auth file', '--allowedTools', 'Bash', '--output-format', 'json'],
      {
        cwd: env.repo.dir,
        env: agentEnvs,
        timeoutMs: 240_000,
      },
    );
    const holder = await reservedBy(env.d, 'claude', first);
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
    await until(
      'the exit to release it',
      () =>
        query<{ release_reason: string }>(env.d, "SELECT release_reason FROM reservations WHERE actor = 'claude'")[0]
          ?.release_reason === 'exited',
    );
  }, 400_000);
});

describe.skipIf(!gemini)(`Gemini CLI (real program${gemini ? '' : `: ${notInstalled('gemini')}`})`, () => {
  let env: ReturnType<typeof setup> extends Promise<infer T> ? T : never;
  let server: ModelServer;
  beforeAll(async () => {
    env = await setup('gemini', (h) => {
      mkdirSync(join(h, '.gemini'), { recursive: true });
      writeFileSync(
        join(h, '.gemini', 'settings.json'),
        JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }),
      );
    });
    writeFileSync(join(env.home, '.gemini', 'trustedFolders.json'), JSON.stringify({ [env.repo.dir]: 'TRUST_FOLDER' }));
    const file = join(env.repo.dir, 'src/auth.ts');
    server = await startModelServer({
      script: [{ text: 'unused', usage }],
      conversations: [
        {
          match: 'FIRST-reserve',
          // Gemini CLI sets no session variable for its shell: the actor names the conversation's session.
          steps: [
            {
              tool: {
                name: 'run_shell_command',
                input: { command: reserveAndWait(env.flag).replace(' reserve ', ' reserve --actor gemini ') },
              },
              usage,
            },
            { text: 'Reserved and done.', usage },
          ],
        },
        {
          match: 'SECOND-edit',
          steps: [
            {
              tool: {
                name: 'replace',
                input: { file_path: file, old_string: '"old"', new_string: '"new"', instruction: 'use the new token' },
              },
              usage,
            },
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

  it("the second conversation's replace of the file the first reserved is refused by Gemini CLI's BeforeTool hook", async () => {
    const e = agentEnv(env.d, env.home, {
      GEMINI_API_KEY: 'sk-test',
      GOOGLE_GEMINI_BASE_URL: server.url,
      TMPDIR: env.home,
    });
    const first = runAgent(gemini!, ['-p', 'FIRST-reserve the auth file', '--yolo', '--output-format', 'json'], {
      cwd: env.repo.dir,
      env: e,
      timeoutMs: 300_000,
    });
    await reservedBy(env.d, 'gemini', first);
    const second = await runAgent(gemini!, ['-p', 'SECOND-edit the auth file', '--yolo', '--output-format', 'json'], {
      cwd: env.repo.dir,
      env: e,
      timeoutMs: 240_000,
    });
    writeFileSync(env.flag, '');
    const firstRun = await first;
    expect(firstRun.code, firstRun.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(readFileSync(join(env.repo.dir, 'src/auth.ts'), 'utf8')).toBe(ORIGINAL);
    expect(refusalSeen(server, 'gemini')).toBe(true);
  }, 600_000);
});

describe.skipIf(!codex)(`Codex (real program${codex ? '' : `: ${notInstalled('codex')}`})`, () => {
  let env: ReturnType<typeof setup> extends Promise<infer T> ? T : never;
  // Codex's first input item is not the prompt: each conversation gets a model server of its own.
  let firstServer: ModelServer;
  let secondServer: ModelServer;
  // Its command names a file in the agent's home, known once the home is made (below).
  const reserveStep: Step = { tool: { name: 'exec_command', input: { cmd: '' } }, usage };
  beforeAll(async () => {
    firstServer = await startModelServer({ script: [reserveStep, { text: 'Reserved and done.', usage }] });
    secondServer = await startModelServer({
      script: [
        {
          // Codex takes an apply_patch call in a shell command as its apply_patch tool.
          tool: {
            name: 'exec_command',
            input: {
              cmd: 'apply_patch <<\'PATCH\'\n*** Begin Patch\n*** Update File: src/auth.ts\n@@\n-export const token = "old";\n+export const token = "new";\n*** End Patch\nPATCH',
            },
          },
          usage,
        },
        { text: 'The file is reserved by another agent; I left it.', usage },
      ],
    });
    env = await setup('codex', (h) => {
      mkdirSync(join(h, '.codex'), { recursive: true });
      writeFileSync(
        join(h, '.codex', 'config.toml'),
        [
          'model = "gpt-test"',
          'model_provider = "fragdtest"',
          '[model_providers.fragdtest]',
          'name = "fragd test model server"',
          `base_url = "${firstServer.url}/v1"`,
          'env_key = "FRAGD_TEST_MODEL_KEY"',
          'wire_api = "responses"',
          '',
        ].join('\n'),
      );
    });
    reserveStep.tool!.input.cmd = reserveAndWait(env.flag).replace(' reserve ', ' reserve --actor codex ');
  });
  afterAll(async () => {
    await firstServer?.close();
    await secondServer?.close();
    await env?.d.dispose();
  });

  it("the second conversation's apply_patch of the file the first reserved is refused by Codex's PreToolUse hook", async () => {
    const e = agentEnv(env.d, env.home, { CODEX_HOME: join(env.home, '.codex'), FRAGD_TEST_MODEL_KEY: 'sk-test' });
    const args = (prompt: string, ...more: string[]) => [
      'exec',
      '--json',
      '--dangerously-bypass-approvals-and-sandbox',
      '--dangerously-bypass-hook-trust',
      ...more,
      prompt,
    ];
    const first = runAgent(codex!, args('Reserve the auth file'), { cwd: env.repo.dir, env: e, timeoutMs: 240_000 });
    await reservedBy(env.d, 'codex', first);
    const second = await runAgent(
      codex!,
      args('Edit the auth file', '-c', `model_providers.fragdtest.base_url="${secondServer.url}/v1"`),
      { cwd: env.repo.dir, env: e, timeoutMs: 180_000 },
    );
    writeFileSync(env.flag, '');
    const firstRun = await first;
    expect(firstRun.code, firstRun.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(readFileSync(join(env.repo.dir, 'src/auth.ts'), 'utf8'), second.stdout).toBe(ORIGINAL);
    expect(refusalSeen(secondServer, 'codex')).toBe(true);
  }, 400_000);
});
