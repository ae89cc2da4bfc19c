// Reservations and messages across machines (issue 25 item 6, docs/team-sync.md): two real
// daemons on one real PostgreSQL (test/support/pg.ts), one repository. One cluster and one
// pair of daemons for the whole file; every wait is a poll with a deadline.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgBinDir, teamMachine, TestPg } from '../support/pg.js';
import { TestDaemon, tempHome, until, type RunResult } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';
import { Conversation } from '../support/agents.js';

const bin = pgBinDir();

describe.skipIf(!bin)('reservations and messages across machines', { timeout: 120_000 }, () => {
  let pg: TestPg;
  let url: string;
  let alpha: TestDaemon;
  let beta: TestDaemon;
  let repo: TestRepo;
  let ann: string; // a person on alpha
  let bob: string; // a person on beta
  let claude: Conversation; // an agent on beta
  const betaHome = tempHome();
  let clock = Date.now();
  const tick = () => (clock += 1000);

  const ctl = (d: TestDaemon, session: string, args: string[]): Promise<RunResult> =>
    d.fragctl([...args, '--json'], { env: { FRAGMENTS_SESSION: session } });
  const inRepo = (d: TestDaemon, session: string, args: string[]) =>
    d.fragctl(['-C', repo.dir, ...args, '--json'], { env: { FRAGMENTS_SESSION: session } });
  const body = (r: RunResult) => JSON.parse(r.stdout || r.stderr);
  const rows = <T>(d: TestDaemon, sql: string, ...args: unknown[]): T[] => {
    const db = new Database(d.paths.db, { readonly: true });
    try {
      return db.prepare(sql).all(...args) as T[];
    } finally {
      db.close();
    }
  };
  const hookFile = (d: TestDaemon) => {
    const f = join(d.home, 'reservations');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  };
  const contextOf = (stdout: string): string =>
    stdout
      ? ((JSON.parse(stdout) as { hookSpecificOutput: { additionalContext?: string } }).hookSpecificOutput
          .additionalContext ?? '')
      : '';

  beforeAll(async () => {
    pg = await TestPg.start();
    url = await pg.database('coord');
    alpha = await teamMachine(url, 'alpha').start();
    beta = await teamMachine(url, 'beta', { home: betaHome }).start();
    repo = TestRepo.create(alpha.env);
    repo.commit('README.md', '# app\n', 'first');
    mkdirSync(join(repo.dir, 'src'));
    writeFileSync(join(repo.dir, 'src', 'auth.ts'), 'export const token = "old";\n');
    ann = (await alpha.json(['session', 'start', '--actor', 'ann'])).body.session.key;
    bob = (await beta.json(['session', 'start', '--actor', 'bob'])).body.session.key;
    const transcript = join(beta.home, 'c0nv-beta.jsonl');
    writeFileSync(transcript, '');
    claude = new Conversation(beta, 'claude', { session_id: 'c0nv-beta', cwd: repo.dir, transcript_path: transcript });
    await claude.send('SessionStart', tick());
    await claude.send('UserPromptSubmit', tick());
  }, 90_000);

  afterAll(async () => {
    await alpha?.dispose();
    await beta?.dispose();
    pg?.stop();
  });

  it("a reservation on alpha refuses beta's reservation and beta's agent's edit; its release frees them", async () => {
    const made = await inRepo(alpha, ann, ['reserve', 'src/auth.ts']);
    expect(made.code, made.stderr).toBe(0);

    // beta's hooks' file lists it, named with its machine.
    await until("alpha's reservation in beta's hooks file", () => hookFile(beta).includes('\tsrc/auth.ts\t'));
    expect(hookFile(beta)).toContain(`${ann}\tann@alpha\t`);

    const refused = await inRepo(beta, bob, ['reserve', 'src/*']);
    expect(refused.code).toBe(5);
    const err = body(refused).error;
    expect(err.data.conflicts[0]).toMatchObject({
      reserved: 'src/auth.ts',
      holder: { actor: 'ann', session: ann, machine: 'alpha' },
    });
    expect(err.message).toContain(`reserved exclusively by ann (${ann} on machine alpha)`);

    // beta's agent's edit is refused by its own pre-tool hook (Claude Code's form).
    const edit = await claude.send('PreToolUse', tick(), {
      hook_event_name: 'PreToolUse',
      tool_name: 'Edit',
      tool_input: { file_path: join(repo.dir, 'src/auth.ts'), old_string: 'old', new_string: 'new' },
    });
    const out = JSON.parse(edit.stdout).hookSpecificOutput;
    expect(out.permissionDecision).toBe('deny');
    expect(out.permissionDecisionReason).toContain(`src/auth.ts is reserved exclusively by ann@alpha (${ann})`);

    // The list on beta shows it with its machine.
    const list = body(await inRepo(beta, bob, ['reservations']));
    expect(list.reservations).toContainEqual(expect.objectContaining({ path: 'src/auth.ts', machine: 'alpha' }));

    // Released on alpha: gone on beta, and beta may reserve it.
    expect((await inRepo(alpha, ann, ['release', 'src/auth.ts'])).code).toBe(0);
    await until('the release to reach beta', () => !hookFile(beta).includes('src/auth.ts'));
    const mine = await inRepo(beta, bob, ['reserve', 'src/auth.ts']);
    expect(mine.code, mine.stderr).toBe(0);
  });

  it('a take-over (--force) on alpha ends the holder on beta, recorded on its session', async () => {
    await until("bob's reservation on alpha", () => hookFile(alpha).includes('\tbob@beta\t'));
    expect((await inRepo(alpha, ann, ['reserve', 'src/auth.ts'])).code).toBe(5);
    const forced = await inRepo(alpha, ann, ['reserve', 'src/auth.ts', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(body(forced).conflicts[0].holder).toMatchObject({ actor: 'bob', machine: 'beta' });
    const ended = await until(
      "beta to end bob's reservation",
      () =>
        rows<{ release_reason: string }>(
          beta,
          "SELECT release_reason FROM reservations WHERE actor = 'bob' AND pattern = 'src/auth.ts' AND released_at IS NOT NULL",
        )[0],
    );
    expect(ended.release_reason).toBe(`taken over by ann (${ann}) on machine alpha`);
    expect(
      rows(
        beta,
        "SELECT 1 FROM activities a JOIN sessions s ON s.id = a.session_id WHERE s.key = ? AND a.kind = 'reservation.release' AND a.message LIKE '%taken over by ann%'",
        bob,
      ),
    ).toHaveLength(1);
    // Only alpha's holds now, on both machines.
    await until("beta to enforce alpha's", () => hookFile(beta).includes('\tann@alpha\t'));
    expect(hookFile(alpha)).not.toContain('@beta');
    expect((await inRepo(alpha, ann, ['release', '--all'])).code).toBe(0);
    await until('the release to reach beta', () => !hookFile(beta).includes('src/auth.ts'));
  });

  it("a message sent on alpha to beta's agent reaches its next prompt once; the ack goes back; no copy after a restart", async () => {
    const sent = await ctl(alpha, ann, ['send', 'claude', 'I changed the token format in src/auth.ts']);
    expect(sent.code, sent.stderr).toBe(0);
    const id = body(sent).message.id as number;
    // Pulled by beta and queued for the conversation's next prompt.
    await until('the message to be queued on beta', () =>
      existsSync(join(beta.paths.spoolDir, 'context', 'c0nv-beta')),
    );
    const context = contextOf((await claude.send('UserPromptSubmit', tick())).stdout);
    expect(context).toMatch(
      new RegExp(
        `fragd message #\\d+ from ann \\(${ann} on machine alpha\\): “I changed the token format in src/auth.ts”`,
      ),
    );
    const local = Number(/fragd message #(\d+)/.exec(context)![1]);
    expect(contextOf((await claude.send('UserPromptSubmit', tick())).stdout)).not.toContain('fragd message');

    // The agent acknowledges it on beta: the sender's machine sees it.
    const key = rows<{ key: string }>(beta, "SELECT key FROM sessions WHERE chat_session_id = 'c0nv-beta'")[0].key;
    expect((await ctl(beta, key, ['inbox', 'ack', String(local)])).code).toBe(0);
    const acked = await until(
      'the ack to reach alpha',
      () =>
        rows<{ acked_at: number | null; read_via: string }>(
          alpha,
          "SELECT acked_at, read_via FROM message_recipients WHERE message_id = ? AND actor = 'claude' AND acked_at IS NOT NULL",
          id,
        )[0],
    );
    expect(acked.read_via).toBe('context');

    // A restart of beta (and its pulls after it) brings no second copy.
    await beta.stop();
    await beta.start();
    await ctl(beta, bob, ['sync', 'now']);
    expect(contextOf((await claude.send('UserPromptSubmit', tick())).stdout)).not.toContain('fragd message');
    expect(rows(beta, "SELECT 1 FROM messages WHERE text LIKE 'I changed the token format%'")).toHaveLength(1);
  });

  it('offline: reserving is refused as claiming is; what a machine reserved without the store loses to the earlier one when it is back', async () => {
    pg.down();
    try {
      const refused = await inRepo(alpha, ann, ['reserve', 'docs/guide.md']);
      expect(refused.code).toBe(7);
      expect(refused.stdout + refused.stderr).toMatch(/cannot reserve: the team store \(PostgreSQL\) does not answer/);
    } finally {
      pg.up();
    }
    // alpha reserves first, online; beta, with sync off, reserves over it, then syncs.
    await until(
      'alpha to reserve',
      async () => (await inRepo(alpha, ann, ['reserve', 'docs/guide.md'])).code === 0,
      30_000,
    );
    await beta.stop();
    teamMachine(url, 'beta', { home: betaHome, enabled: false });
    await beta.start();
    expect((await inRepo(beta, bob, ['reserve', 'docs'])).code).toBe(0);
    await beta.stop();
    teamMachine(url, 'beta', { home: betaHome });
    await beta.start();
    const lost = await until(
      'beta to end its later reservation',
      () =>
        rows<{ release_reason: string }>(
          beta,
          "SELECT release_reason FROM reservations WHERE actor = 'bob' AND pattern = 'docs' AND released_at IS NOT NULL",
        )[0],
      // A restarted machine's first pulls, on a loaded machine (the whole suite), can take seconds.
      30_000,
    );
    expect(lost.release_reason).toBe(
      `ann (${ann}) on machine alpha reserved it first (a conflict found after the fact)`,
    );
    await until("beta to enforce alpha's", () => hookFile(beta).includes('\tdocs/guide.md\t'));
    // alpha never enforced beta's losing one.
    expect(hookFile(alpha)).not.toContain('@beta');
  });
});
