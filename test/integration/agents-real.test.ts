// The real coding agents, not payloads copied from their docs: Claude Code, Codex and Gemini
// CLI as installed from npm (test/agents-cli, pinned), run headless and offline against the
// tests' own model server on 127.0.0.1 (test/agents-cli/model-server.mjs), in a private HOME
// with the hooks the real `fragctl agent install` wrote, against a real fragd. Each run: a
// prompt, a shell command, a file written, an answer. Checked: the session and its
// conversation id, the task from the branch, the turn's active time, the tools in the log,
// the SessionStart context reaching the model, tokens equal to the server's usage.
// An agent that is not installed is skipped with the command that installs it.
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, tempHome, until, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';
import {
  agentEnv,
  agentProgram,
  installedHome,
  notInstalled,
  runAgent,
  type AgentRun,
  type RealAgent,
} from '../support/agents-cli.js';
import { startModelServer, type ModelServer, type Step } from '../agents-cli/model-server.mjs';

const claude = agentProgram('claude');
const codex = agentProgram('codex');
const gemini = agentProgram('gemini');
for (const [agent, program] of [
  ['claude', claude],
  ['codex', codex],
  ['gemini', gemini],
] as const)
  if (!program) console.warn(`agents-real: skipped: ${notInstalled(agent)}`);

interface SessionRowLite {
  id: number;
  key: string;
  actor: string;
  status: string;
  chat_session_id: string;
}

function query<T>(d: TestDaemon, sql: string, ...args: unknown[]): T[] {
  const db = new Database(d.paths.db, { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

const pending = (d: TestDaemon) => {
  try {
    return readdirSync(d.paths.spoolDir).filter((n) => n.endsWith('.rec')).length;
  } catch {
    return 0;
  }
};

/** A daemon, a repository on a branch naming T-1, a private HOME with the agent's hooks installed. */
async function setup(agent: RealAgent, prepare?: (home: string) => void) {
  const d = await startDaemon({}, {});
  const repo = TestRepo.create(d.env);
  repo.commit('README.md', '# app\n', 'first');
  repo.git(['checkout', '-q', '-b', 'feature/T-1-login']);
  writeFileSync(join(repo.dir, '.fragd.json'), JSON.stringify({ project: 'APP' }));
  await d.json(['project', 'create', 'APP', 'The app']);
  await d.json(['task', 'create', 'T-1', 'Login page', '--project', 'APP']);
  const home = mkdtempSync(join(tempHome(), `${agent}-`));
  prepare?.(home);
  await installedHome(d, agent, home);
  return { d, repo, home };
}

/** The agent's session, once fragd has taken in every hook record and the turn has stopped. */
async function settled(d: TestDaemon, actor: string): Promise<SessionRowLite> {
  return until(
    `fragd to ingest the ${actor} conversation`,
    () => {
      if (pending(d) > 0) return false;
      const rows = query<SessionRowLite>(d, 'SELECT * FROM sessions WHERE actor = ? ORDER BY id', actor);
      return rows.length > 0 && rows.every((s) => s.status !== 'active') ? rows.at(-1) : false;
    },
    15_000,
  );
}

function intervals(d: TestDaemon, sessionId: number) {
  return query<{ started_at: number; ended_at: number | null; end_reason: string | null; task: string | null }>(
    d,
    `SELECT i.started_at, i.ended_at, i.end_reason, t.code AS task FROM intervals i LEFT JOIN tasks t ON t.id = i.task_id
      WHERE i.session_id = ? ORDER BY i.started_at, i.id`,
    sessionId,
  );
}

function tokens(d: TestDaemon, sessionId: number) {
  return query<{ task: string | null; input: number; output: number; cache_creation: number; cache_read: number }>(
    d,
    `SELECT t.code AS task, sum(input_tokens) AS input, sum(output_tokens) AS output,
            sum(cache_creation_tokens) AS cache_creation, sum(cache_read_tokens) AS cache_read
       FROM agent_tokens a LEFT JOIN tasks t ON t.id = a.task_id WHERE a.session_id = ? GROUP BY a.task_id`,
    sessionId,
  );
}

function activities(d: TestDaemon, sessionId: number) {
  return query<{ kind: string; message: string }>(
    d,
    "SELECT kind, message FROM activities WHERE session_id = ? AND kind LIKE 'agent.%' ORDER BY id",
    sessionId,
  );
}

/** Checks shared by every agent: one session on T-1, its turn timed inside the run, tokens as served. */
function expectRecorded(d: TestDaemon, s: SessionRowLite, run: AgentRun, server: ModelServer) {
  const ivs = intervals(d, s.id);
  // No empty interval with no task at the start (not even of 0 s): all is on the branch's task.
  expect(ivs.map((i) => i.task)).toEqual(['T-1']);
  const [turn] = ivs;
  expect(turn.ended_at).not.toBeNull();
  // The turn, from the prompt to the stop, lies inside the run of the program.
  expect(turn.started_at).toBeGreaterThanOrEqual(run.startedAt - 1000);
  expect(turn.ended_at!).toBeLessThanOrEqual(run.endedAt + 1000);
  expect(turn.ended_at! - turn.started_at).toBeGreaterThan(0);
  const t = server.total();
  expect(tokens(d, s.id)).toEqual([
    { task: 'T-1', input: t.input, output: t.output, cache_creation: t.cache_write, cache_read: t.cache_read },
  ]);
}

const script = (shell: Step['tool'], write: Step['tool']): Step[] => [
  { tool: shell, usage: { input: 1200, output: 85, cache_write: 5000, cache_read: 0 } },
  { tool: write, usage: { input: 40, output: 130, cache_write: 0, cache_read: 6200 } },
  { text: 'The note is written.', usage: { input: 15, output: 22, cache_write: 300, cache_read: 6400 } },
];

describe.skipIf(!claude)(`Claude Code (real program${claude ? '' : `: ${notInstalled('claude')}`})`, () => {
  let d: TestDaemon;
  let repo: TestRepo;
  let home: string;
  let server: ModelServer;
  let chat = '';
  let firstRun: AgentRun;
  beforeAll(async () => {
    ({ d, repo, home } = await setup('claude'));
    server = await startModelServer({
      script: script(
        { name: 'Bash', input: { command: 'echo checked > checked.txt', description: 'Write a check file' } },
        { name: 'Write', input: { file_path: join(repo.dir, 'note.md'), content: '# Note\n' } },
      ),
      compaction: {
        text: '<analysis>A note was asked for.</analysis>\n<summary>The note is written.</summary>',
        usage: { input: 9, output: 410, cache_write: 0, cache_read: 7100 },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await d?.dispose();
  });

  it('claude -p: one session on the branch’s task, its turn timed, its tools logged, tokens as served', async () => {
    const run = await runAgent(
      claude!,
      ['-p', 'Check the login page and write a note', '--allowedTools', 'Bash,Write', '--output-format', 'json'],
      { cwd: repo.dir, env: agentEnv(d, home, { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'sk-test' }) },
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { session_id: string; result: string };
    expect(result.result).toBe('The note is written.');
    expect(readFileSync(join(repo.dir, 'checked.txt'), 'utf8')).toBe('checked\n');
    expect(readFileSync(join(repo.dir, 'note.md'), 'utf8')).toBe('# Note\n');

    const s = await settled(d, 'claude');
    expect(s.chat_session_id).toBe(result.session_id);
    expect(query(d, "SELECT key FROM sessions WHERE actor LIKE 'claude%'")).toHaveLength(1);
    expectRecorded(d, s, run, server);
    const log = activities(d, s.id);
    expect(log.map((a) => a.kind)).toEqual(
      expect.arrayContaining(['agent.start', 'agent.prompt', 'agent.tool_before', 'agent.tool_after', 'agent.stop']),
    );
    expect(log.map((a) => a.message)).toContain('Bash echo checked > checked.txt');
    // SessionStart's context reached the model with the session and the task.
    const first = server.requests.find((r) => r.main)!;
    expect(first.body).toContain(`fragd session ${s.key}`);
    expect(first.body).toContain('task T-1');
    chat = result.session_id;
    firstRun = run;
  });

  it('a /compact between turns is no work: no time billed; the turns’ tokens stay as served', async () => {
    const run = await runAgent(claude!, ['-p', '/compact', '--resume', chat, '--output-format', 'json'], {
      cwd: repo.dir,
      env: agentEnv(d, home, { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'sk-test' }),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(server.served.has('compaction:0')).toBe(true);
    await until('the compaction in fragd’s log', () =>
      pending(d) === 0 && query(d, "SELECT 1 FROM activities WHERE kind = 'agent.compact_before'").length > 0
        ? true
        : false,
    );
    const sessions = query<SessionRowLite>(d, "SELECT * FROM sessions WHERE actor LIKE 'claude%' ORDER BY id");
    await settled(d, 'claude');
    // However the resume is kept (one session or two), the only work is the first turn.
    const work = sessions.flatMap((s) => intervals(d, s.id)).filter((i) => (i.ended_at ?? Date.now()) > i.started_at);
    expect(work).toHaveLength(1);
    expect(work[0].ended_at!).toBeLessThanOrEqual(firstRun.endedAt + 1000);
    // Claude Code writes no usage for the compaction's own model call (neither in the
    // conversation's transcript nor in a subagent's): only the turns' usage can be counted.
    const t = server.total();
    const summary = server.served.get('compaction:0')!;
    expect(summary.output).toBe(410);
    t.input -= summary.input;
    t.output -= summary.output;
    t.cache_read -= summary.cache_read ?? 0;
    const counted = sessions.flatMap((s) => tokens(d, s.id));
    expect({
      input: counted.reduce((a, r) => a + r.input, 0),
      output: counted.reduce((a, r) => a + r.output, 0),
      cache_creation: counted.reduce((a, r) => a + r.cache_creation, 0),
      cache_read: counted.reduce((a, r) => a + r.cache_read, 0),
    }).toEqual({ input: t.input, output: t.output, cache_creation: t.cache_write, cache_read: t.cache_read });
  });
});

describe.skipIf(!codex)(`Codex (real program${codex ? '' : `: ${notInstalled('codex')}`})`, () => {
  let d: TestDaemon;
  let repo: TestRepo;
  let home: string;
  let server: ModelServer;
  beforeAll(async () => {
    server = await startModelServer({
      script: script(
        { name: 'exec_command', input: { cmd: 'echo checked > checked.txt' } },
        { name: 'exec_command', input: { cmd: "printf '# Note\\n' > note.md" } },
      ),
    });
    ({ d, repo, home } = await setup('codex', (h) => {
      // The tests' model server as a custom provider, in Codex's private home (CODEX_HOME).
      mkdirSync(join(h, '.codex'), { recursive: true });
      writeFileSync(
        join(h, '.codex', 'config.toml'),
        [
          'model = "gpt-test"',
          'model_provider = "fragdtest"',
          '[model_providers.fragdtest]',
          'name = "fragd test model server"',
          `base_url = "${server.url}/v1"`,
          'env_key = "FRAGD_TEST_MODEL_KEY"',
          'wire_api = "responses"',
          '',
        ].join('\n'),
      );
    }));
    writeFileSync(
      join(d.home, 'prices.json'),
      JSON.stringify({
        date: '2026-12-06',
        models: { 'gpt-test': { input: '1', output: '2', cache_write: '3', cache_read: '0.50' } },
      }),
    );
  });
  afterAll(async () => {
    await server?.close();
    await d?.dispose();
  });

  it('codex exec: one session on the branch’s task, its turn timed, its tools logged, tokens as served', async () => {
    const run = await runAgent(
      codex!,
      [
        'exec',
        '--json',
        '--dangerously-bypass-approvals-and-sandbox',
        // The hooks fragctl installed are not trusted in this fresh CODEX_HOME; trusting them
        // is `agent install`'s business, not this test's.
        '--dangerously-bypass-hook-trust',
        'Check the login page and write a note',
      ],
      {
        cwd: repo.dir,
        env: agentEnv(d, home, { CODEX_HOME: join(home, '.codex'), FRAGD_TEST_MODEL_KEY: 'sk-test' }),
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const thread = /"thread_id":"([^"]+)"/.exec(run.stdout)?.[1];
    expect(thread, run.stdout).toBeTruthy();
    expect(readFileSync(join(repo.dir, 'checked.txt'), 'utf8')).toBe('checked\n');
    expect(readFileSync(join(repo.dir, 'note.md'), 'utf8')).toBe('# Note\n');

    const s = await settled(d, 'codex');
    expect(s.chat_session_id).toBe(thread);
    expect(query(d, "SELECT key FROM sessions WHERE actor LIKE 'codex%'")).toHaveLength(1);
    expectRecorded(d, s, run, server);
    const log = activities(d, s.id);
    expect(log.map((a) => a.kind)).toEqual(
      expect.arrayContaining(['agent.start', 'agent.prompt', 'agent.tool_before', 'agent.tool_after', 'agent.stop']),
    );
    expect(log.map((a) => a.message).join('\n')).toContain('echo checked > checked.txt');
    // fragd's SessionStart context is in Codex's first model request (an answer with a field
    // outside Codex's schema was dropped whole: the closing note's regression).
    const first = server.requests.find((r) => r.main)!;
    expect(first.body).toContain(`fragd session ${s.key}`);
    expect(first.body).toContain('task T-1');

    // Codex names no model on its token counts: each row carries the model of its turn's
    // turn_context line (the config's `model`), and is priced by it (prices.json names it).
    expect(query(d, 'SELECT DISTINCT model FROM agent_tokens WHERE session_id = ?', s.id)).toEqual([
      { model: 'gpt-test' },
    ]);
    const byModel = (await d.json(['report', '--by', 'model', '--session', s.key])).body;
    // By hand, per million tokens: 1255 × $1 + 237 × $2 + 5300 × $3 + 12600 × $0.50 = $0.023929.
    expect(byModel.rows).toEqual([
      expect.objectContaining({ key: 'gpt-test', cost: expect.objectContaining({ exact_usd: '0.023929' }) }),
    ]);
  });
});

describe.skipIf(!gemini)(`Gemini CLI (real program${gemini ? '' : `: ${notInstalled('gemini')}`})`, () => {
  let d: TestDaemon;
  let repo: TestRepo;
  let home: string;
  let server: ModelServer;
  beforeAll(async () => {
    server = await startModelServer({
      script: script(
        { name: 'run_shell_command', input: { command: 'echo checked > checked.txt' } },
        { name: 'run_shell_command', input: { command: "printf '# Note\\n' > note.md" } },
      ).map((s) => ({ ...s, usage: { ...s.usage, cache_write: 0 } })), // Gemini reports no cache writes
    });
    ({ d, repo, home } = await setup('gemini', (h) => {
      mkdirSync(join(h, '.gemini'), { recursive: true });
      // An API key as the way in (the key and the tests' server come from the environment).
      writeFileSync(
        join(h, '.gemini', 'settings.json'),
        JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }),
      );
    }));
    // A headless run in a folder that is not trusted runs no tool without asking.
    writeFileSync(join(home, '.gemini', 'trustedFolders.json'), JSON.stringify({ [repo.dir]: 'TRUST_FOLDER' }));
  });
  afterAll(async () => {
    await server?.close();
    await d?.dispose();
  });

  it('gemini -p: one session on the branch’s task, its turn timed, its tools logged, tokens as served', async () => {
    const run = await runAgent(
      gemini!,
      ['-p', 'Check the login page and write a note', '--yolo', '--output-format', 'json'],
      {
        cwd: repo.dir,
        env: agentEnv(d, home, { GEMINI_API_KEY: 'sk-test', GOOGLE_GEMINI_BASE_URL: server.url, TMPDIR: home }),
        // Gemini CLI loads one large bundle: tens of seconds on a loaded machine.
        timeoutMs: 240_000,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { session_id: string; response: string };
    expect(result.response).toBe('The note is written.');
    expect(readFileSync(join(repo.dir, 'checked.txt'), 'utf8')).toBe('checked\n');

    const s = await settled(d, 'gemini');
    expect(s.chat_session_id).toBe(result.session_id);
    expect(query(d, "SELECT key FROM sessions WHERE actor LIKE 'gemini%'")).toHaveLength(1);
    expectRecorded(d, s, run, server);
    const log = activities(d, s.id);
    expect(log.map((a) => a.kind)).toEqual(
      expect.arrayContaining(['agent.start', 'agent.prompt', 'agent.tool_before', 'agent.tool_after', 'agent.stop']),
    );
    expect(log.map((a) => a.message).join('\n')).toContain('echo checked > checked.txt');
    const first = server.requests.find((r) => r.main)!;
    expect(first.body).toContain(`fragd session ${s.key}`);
  }, 300_000);
});
