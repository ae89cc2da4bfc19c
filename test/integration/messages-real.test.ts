// A message reaches the real Claude Code (test/agents-cli, pinned) at its next prompt: the
// hooks `fragctl agent install` wrote, the real program run headless against the tests' own
// model server, a real fragd. The message is sent while no conversation runs; the next
// `claude -p` has it in the request the model server receives, the one after does not.
// Skipped, saying how to install it, when Claude Code is not installed for the tests.
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, tempHome, until, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';
import { agentEnv, agentProgram, installedHome, notInstalled, runAgent } from '../support/agents-cli.js';
import { startModelServer, type ModelServer } from '../agents-cli/model-server.mjs';

const claude = agentProgram('claude');
if (!claude) console.warn(`messages-real: skipped: ${notInstalled('claude')}`);

const query = <T>(d: TestDaemon, sql: string, ...args: unknown[]): T[] => {
  const db = new Database(d.paths.db, { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
};
const pending = (d: TestDaemon) => {
  try {
    return readdirSync(d.paths.spoolDir).filter((n) => n.endsWith('.rec')).length;
  } catch {
    return 0;
  }
};
/** fragd took in every record of the runs so far and no claude conversation is running. */
const settled = (d: TestDaemon) =>
  until(
    'fragd to ingest the claude conversations',
    () =>
      pending(d) === 0 &&
      query<{ status: string }>(d, "SELECT status FROM sessions WHERE actor LIKE 'claude%'").every(
        (s) => s.status !== 'active',
      ),
    15_000,
  );

describe.skipIf(!claude)(`messages into Claude Code's context (real program${claude ? '' : ': not installed'})`, () => {
  let d: TestDaemon;
  let repo: TestRepo;
  let home: string;
  let server: ModelServer;
  const run = (prompt: string) =>
    runAgent(claude!, ['-p', prompt, '--output-format', 'json'], {
      cwd: repo.dir,
      env: agentEnv(d, home, { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'sk-test' }),
    });

  beforeAll(async () => {
    d = await startDaemon();
    repo = TestRepo.create(d.env);
    repo.commit('README.md', '# app\n', 'first');
    writeFileSync(join(repo.dir, '.fragd.json'), JSON.stringify({ project: 'APP' }));
    await d.json(['project', 'create', 'APP', 'The app']);
    home = mkdtempSync(join(tempHome(), 'claude-'));
    await installedHome(d, 'claude', home);
    server = await startModelServer({ script: [{ text: 'Noted.', usage: { input: 10, output: 3 } }] });
  });
  afterAll(async () => {
    await server?.close();
    await d?.dispose();
  });

  it('the model sees the message in the request of the next conversation, and only there', async () => {
    const first = await run('Look around');
    expect(first.code, first.stderr).toBe(0);
    await settled(d);
    const seen = server.requests.length;

    expect((await d.json(['session', 'start'])).code).toBe(0);
    const text = 'T-2 touches src/auth.ts as well: leave that file to me until I say';
    const sent = await d.json(['send', 'claude', text]);
    expect(sent.code, sent.stderr).toBe(0);
    const id = sent.body.message.id as number;

    const second = await run('Carry on');
    expect(second.code, second.stderr).toBe(0);
    const bodies = server.requests.slice(seen).filter((r) => r.main);
    expect(bodies.length).toBeGreaterThan(0);
    expect(bodies[0].body).toContain(`fragd message #${id} from human`);
    expect(bodies[0].body).toContain(text);
    expect(server.requests.slice(0, seen).some((r) => r.body.includes(text))).toBe(false);
    await settled(d);
    expect(
      query<{ read_via: string }>(
        d,
        "SELECT read_via FROM message_recipients WHERE message_id = ? AND actor = 'claude'",
        id,
      ),
    ).toEqual([{ read_via: 'context' }]);

    const after = server.requests.length;
    const third = await run('And now?');
    expect(third.code, third.stderr).toBe(0);
    const later = server.requests.slice(after).filter((r) => r.main);
    expect(later.length).toBeGreaterThan(0);
    expect(later.some((r) => r.body.includes(text))).toBe(false);
  }, 180_000);
});
