// File reservations through a real daemon (issue 25, docs/claims.md#file-reservations):
// fragctl reserve / release / reservations from inside a real git repository, the file the
// hooks read (atomic, 0600), the agents' hook refusing another session's reserved file in each
// agent's own form, the git pre-commit guard (and --no-verify, recorded when fragd sees the
// commit), a task's declared paths reserved on activation and released by done, `next`
// passing over a task whose paths another actor holds.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, FRAGCTL, startDaemon, until, type RunResult, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';

const HOOK = join(DIST, 'fragd-agent-hook.sh');

function runIn(cwd: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

let d: TestDaemon;
let repo: TestRepo;
let alice: string;
let bob: string;

const ctl = (session: string, args: string[], cwd = repo.dir) =>
  runIn(cwd, process.execPath, [FRAGCTL, ...args, '--json'], { ...d.env, FRAGMENTS_SESSION: session });
const body = (r: RunResult) => JSON.parse(r.stdout);
const resFile = () => join(d.home, 'reservations');
const query = <T>(sql: string, ...args: unknown[]): T[] => {
  const db = new Database(d.paths.db, { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
};
/** The agents' hook as an agent runs it: the payload on stdin, with fragd's FRAGMENTS_HOME. */
const hook = (agent: string, event: string, payload: object) =>
  runIn(repo.dir, HOOK, [agent, event], d.env, JSON.stringify(payload));

beforeAll(async () => {
  d = await startDaemon();
  repo = TestRepo.create(d.env);
  repo.commit('README.md', '# app\n', 'first');
  mkdirSync(join(repo.dir, 'src'));
  mkdirSync(join(repo.dir, 'lib'));
  alice = (await d.json(['session', 'start', '--actor', 'alice'])).body.session.key;
  bob = (await d.json(['session', 'start', '--actor', 'bob'])).body.session.key;
});
afterAll(async () => d?.dispose());

describe('fragctl reserve, release, reservations', { timeout: 120_000 }, () => {
  it("reserves paths relative to the repository root; another actor's overlapping reservation is refused with who, what and the ways out", async () => {
    const r = await ctl(alice, ['reserve', 'auth.ts', 'login/*'], join(repo.dir, 'src'));
    expect(r.code, r.stderr).toBe(0);
    const made = body(r);
    expect(made.reservations.map((v: { path: string }) => v.path)).toEqual(['src/auth.ts', 'src/login/*']);
    expect(made.reservations[0]).toMatchObject({
      repo: repo.dir,
      exclusive: true,
      actor: 'alice',
      session: alice,
      live: true,
    });

    const refused = await ctl(bob, ['reserve', 'src/*']);
    expect(refused.code).toBe(5);
    const err = body(refused).error;
    expect(err.data.reason).toBe('reserved');
    expect(err.data.conflicts[0]).toMatchObject({
      path: 'src/*',
      reserved: 'src/auth.ts',
      holder: { actor: 'alice', session: alice },
    });
    // The ways out name no runnable take-over: an agent runs what it is shown.
    expect(err.data.commands).toEqual({ list: 'fragctl reservations --all' });
    expect(err.data.templates).toEqual([
      expect.objectContaining({ template: ['fragctl', 'send', 'alice', '{message}'] }),
    ]);
    expect(err.data.hint).toContain('a person can take it over with --force (recorded on both sessions)');
    expect(JSON.stringify(err)).not.toMatch(/fragctl reserve[^"]*--force/);
    // Nothing of the refused call stayed.
    expect(query('SELECT 1 FROM reservations WHERE actor = ?', 'bob')).toHaveLength(0);

    const ok = await ctl(bob, ['reserve', 'lib/util.ts', '--shared', '--ttl', '30m']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(body(ok).reservations[0]).toMatchObject({ path: 'lib/util.ts', exclusive: false });

    const list = body(await ctl(bob, ['reservations']));
    expect(list.reservations.map((v: { path: string; actor: string }) => `${v.actor}:${v.path}`).sort()).toEqual([
      'alice:src/auth.ts',
      'alice:src/login/*',
      'bob:lib/util.ts',
    ]);
    const status = body(await ctl(alice, ['status']));
    expect(status.reservations.map((v: { path: string }) => v.path)).toEqual(['src/auth.ts', 'src/login/*']);

    // The release it suggests names the root's paths with -C ROOT: it runs as written from
    // any directory, here outside the repository.
    const tmp = body(await ctl(bob, ['reserve', 'tmp.ts'], join(repo.dir, 'lib')));
    const suggested = tmp.instructions.suggested_commands[0];
    expect(suggested).toBe(`fragctl -C ${repo.dir} release lib/tmp.ts`);
    const ran = await runIn(
      d.home,
      '/bin/sh',
      ['-c', suggested.replace(/^fragctl/, `${process.execPath} ${FRAGCTL}`)],
      {
        ...d.env,
        FRAGMENTS_SESSION: bob,
      },
    );
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain('released lib/tmp.ts');
  });

  it("keeps the hooks' file: this user's, 0600, only exclusive reservations", async () => {
    const file = await until('the reservations file', () => existsSync(resFile()) && readFileSync(resFile(), 'utf8'));
    expect(statSync(resFile()).mode & 0o777).toBe(0o600);
    const lines = file.trim().split('\n');
    expect(lines[0]).toBe('# fragd-reservations 1');
    expect(lines.slice(1).map((l) => l.split('\t').slice(0, 4).join(' '))).toEqual([
      `${repo.dir} src/auth.ts ${alice} alice`,
      `${repo.dir} src/login/* ${alice} alice`,
    ]);
  });

  it("the agents' hook refuses an edit of another session's reserved file in each agent's own form; other files, shell commands and a planted file pass", async () => {
    const claude = await hook('claude', 'PreToolUse', {
      session_id: 'conv-b',
      cwd: repo.dir,
      hook_event_name: 'PreToolUse',
      tool_name: 'Edit',
      tool_input: { file_path: join(repo.dir, 'src/auth.ts'), old_string: 'a', new_string: 'b' },
    });
    const out = JSON.parse(claude.stdout).hookSpecificOutput;
    expect(out).toMatchObject({ hookEventName: 'PreToolUse', permissionDecision: 'deny' });
    expect(out.permissionDecisionReason).toContain(`src/auth.ts is reserved exclusively by alice (${alice})`);
    expect(out.permissionDecisionReason).toContain(
      'or ask alice with fragctl send alice <message> (who holds what: fragctl reservations --all); a person can take it over with --force',
    );
    expect(out.permissionDecisionReason).not.toContain('fragctl reserve');

    const gemini = await hook('gemini', 'BeforeTool', {
      session_id: 'g-1',
      cwd: join(repo.dir, 'src'),
      tool_name: 'write_file',
      tool_input: { file_path: 'login/form.ts', content: 'x' },
    });
    expect(JSON.parse(gemini.stdout)).toMatchObject({ decision: 'deny' });
    expect(JSON.parse(gemini.stdout).reason).toContain('src/login/form.ts is reserved exclusively by alice');

    const codex = await hook('codex', 'PreToolUse', {
      session_id: 'x-1',
      cwd: repo.dir,
      tool_name: 'apply_patch',
      tool_input: {
        command:
          '*** Begin Patch\n*** Add File: lib/new.ts\n+a\n*** Update File: src/auth.ts\n@@\n-a\n+b\n*** End Patch\n',
      },
    });
    expect(JSON.parse(codex.stdout).hookSpecificOutput.permissionDecision).toBe('deny');

    // A path that walks out and back in ("..", ".", "//") names the same file: refused too.
    for (const file_path of ['../src/auth.ts', './login/../auth.ts', join(repo.dir, 'lib/..//src/./auth.ts')]) {
      const around = await hook('claude', 'PreToolUse', {
        session_id: 'conv-b',
        cwd: join(repo.dir, 'src'),
        tool_name: 'Edit',
        tool_input: { file_path },
      });
      expect(JSON.parse(around.stdout).hookSpecificOutput.permissionDecision, file_path).toBe('deny');
    }

    for (const [agent, event, payload] of [
      [
        'claude',
        'PreToolUse',
        {
          session_id: 'conv-b',
          cwd: repo.dir,
          tool_name: 'Write',
          tool_input: { file_path: join(repo.dir, 'README.md') },
        },
      ],
      [
        'claude',
        'PreToolUse',
        { session_id: 'conv-b', cwd: repo.dir, tool_name: 'Bash', tool_input: { command: 'echo x > src/auth.ts' } },
      ],
      [
        'codex',
        'PreToolUse',
        {
          session_id: 'x-1',
          cwd: repo.dir,
          tool_name: 'apply_patch',
          tool_input: { command: '*** Begin Patch\n*** Add File: lib/new.ts\n+a\n*** End Patch\n' },
        },
      ],
    ] as const) {
      const r = await hook(agent, event, payload);
      expect(r.code).toBe(0);
      expect(r.stdout, JSON.stringify(payload)).toBe('');
    }

    // A reservations file that is a symlink (planted) is not read.
    const text = readFileSync(resFile(), 'utf8');
    const elsewhere = join(d.home, 'elsewhere');
    writeFileSync(elsewhere, text);
    unlinkSync(resFile());
    symlinkSync(elsewhere, resFile());
    const planted = await hook('claude', 'PreToolUse', {
      session_id: 'conv-b',
      cwd: repo.dir,
      tool_name: 'Edit',
      tool_input: { file_path: join(repo.dir, 'src/auth.ts') },
    });
    expect(planted.stdout).toBe('');
    unlinkSync(resFile());
    // The daemon writes it again at its next change.
    await ctl(alice, ['reserve', 'src/auth.ts']);
    await until('the file back', () => existsSync(resFile()) && !statSync(resFile()).isSymbolicLink());
  });

  it('the pre-commit guard refuses a commit touching another actor’s reservation; --no-verify passes and fragd records the override', async () => {
    expect((await d.json(['hooks', 'install', '--repo', repo.dir])).code).toBe(0);
    const asBob = { FRAGMENTS_SESSION: bob };
    repo.write('src/auth.ts', 'export const x = 1;\n');
    repo.git(['add', 'src/auth.ts']);
    const refused = repo.run(['commit', '-q', '-m', 'bob edits auth'], asBob);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`src/auth.ts is reserved exclusively by alice (${alice})`);
    expect(refused.stderr).toContain('git commit --no-verify');
    // The holder commits.
    expect(repo.run(['commit', '-q', '-m', 'alice edits auth'], { FRAGMENTS_SESSION: alice }).code).toBe(0);
    // Bob overrides.
    repo.write('src/auth.ts', 'export const x = 2;\n');
    repo.git(['add', 'src/auth.ts']);
    expect(repo.run(['commit', '-q', '--no-verify', '-m', 'bob overrides'], asBob).code).toBe(0);
    const overrides = await until('the override recorded', () => {
      const rows = query<{ kind: string; key: string; message: string }>(
        `SELECT a.kind, s.key, a.message FROM activities a JOIN sessions s ON s.id = a.session_id
          WHERE a.kind IN ('reservation.override', 'reservation.overridden') ORDER BY a.id`,
      );
      return rows.length >= 2 && rows;
    });
    expect(overrides.map((o) => [o.kind, o.key])).toEqual([
      ['reservation.override', bob],
      ['reservation.overridden', alice],
    ]);
    expect(overrides[0].message).toContain('src/auth.ts');
  });

  it('release ends them, and the hooks stop refusing', async () => {
    const r = body(await ctl(alice, ['release', '--all']));
    expect(r.released.map((v: { path: string }) => v.path).sort()).toEqual(['src/auth.ts', 'src/login/*']);
    await until('the file gone (only a shared reservation is left)', () => !existsSync(resFile()));
    const edit = await hook('claude', 'PreToolUse', {
      session_id: 'conv-b',
      cwd: repo.dir,
      tool_name: 'Edit',
      tool_input: { file_path: join(repo.dir, 'src/auth.ts') },
    });
    expect(edit.stdout).toBe('');
  });
});

describe("a task's declared paths", () => {
  it('activation reserves them, says who holds the rest, next passes over them, and done releases them', async () => {
    await d.json(['task', 'create', 'P-1', 'Auth rework', '--paths', 'src/auth.ts,src/session/*']);
    await d.json(['task', 'create', 'P-2', 'Session store', '--paths', 'src/session/store.ts']);
    await d.json(['task', 'create', 'P-3', 'Docs']);
    const shown = await d.json(['task', 'show', 'P-1']);
    expect(shown.body.task.paths).toEqual(['src/auth.ts', 'src/session/*']);

    const a = await ctl(alice, ['task', 'activate', 'P-1']);
    expect(a.code, a.stderr).toBe(0);
    const act = body(a);
    expect(act.reservations.reserved.map((v: { path: string; task: string }) => `${v.path}@${v.task}`)).toEqual([
      'src/auth.ts@P-1',
      'src/session/*@P-1',
    ]);
    expect(act.instructions.next_actions[0]).toContain('Reserved for P-1: src/auth.ts, src/session/*');

    // Bob's next: P-2 touches what alice reserves, so it waits; P-3 is offered.
    const next = body(await ctl(bob, ['next']));
    expect(next.task.code).toBe('P-3');
    expect(next.waiting).toContainEqual({
      code: 'P-2',
      reason: `src/session/store.ts is reserved by alice (${alice}) for P-1`,
    });
    // Activating it anyway: the claim is taken, the reservation is not, and the answer says who holds it.
    const forced = body(await ctl(bob, ['task', 'activate', 'P-2']));
    expect(forced.reservations.reserved).toEqual([]);
    expect(forced.reservations.conflicts[0]).toMatchObject({
      path: 'src/session/store.ts',
      holder: { actor: 'alice' },
      task: 'P-1',
    });
    expect(forced.instructions.next_actions[0]).toMatch(
      /^Not reserved: src\/session\/store\.ts \(reserved as src\/session\/\*\) is reserved exclusively by alice/,
    );
    expect(forced.instructions.next_actions[0]).toContain('a person can take it over with --force');
    expect(JSON.stringify(forced.instructions)).not.toMatch(/fragctl reserve[^"]*--force/);

    // done releases P-1's reservations.
    await ctl(alice, ['update', 'reworked the token check in src/auth.ts']);
    await ctl(alice, ['update', 'moved the session cookies under src/session']);
    const done = await ctl(alice, ['done', 'The auth rework is finished and its session code moved.']);
    expect(done.code, done.stdout + done.stderr).toBe(0);
    const rows = query<{ pattern: string; release_reason: string }>(
      "SELECT pattern, release_reason FROM reservations WHERE actor = 'alice' AND how = 'task'",
    );
    expect(rows).toEqual([
      { pattern: 'src/auth.ts', release_reason: 'task completed' },
      { pattern: 'src/session/*', release_reason: 'task completed' },
    ]);
    // Ending a session ends its reservations (bob's shared lib/util.ts from the start).
    const ended = await ctl(bob, ['session', 'end']);
    expect(ended.code, ended.stdout + ended.stderr).toBe(0);
    expect(
      query("SELECT pattern, release_reason FROM reservations WHERE actor = 'bob' AND how = 'reserve' ORDER BY id"),
    ).toEqual([
      { pattern: 'lib/util.ts', release_reason: 'session ended' },
      { pattern: 'lib/tmp.ts', release_reason: 'released' },
    ]);
  }, 120_000);

  it('a handoff hands the task’s reservations over: they end, and the receiver’s activation takes them', async () => {
    await d.json(['task', 'create', 'H-1', 'Billing export', '--paths', 'src/billing.ts']);
    const carol = (await d.json(['session', 'start', '--actor', 'carol'])).body.session.key as string;
    const dave = (await d.json(['session', 'start', '--actor', 'dave'])).body.session.key as string;
    expect(body(await ctl(carol, ['task', 'activate', 'H-1'])).reservations.reserved).toHaveLength(1);
    const handed = await ctl(carol, [
      'handoff',
      'H-1',
      '--to',
      'dave',
      '--note',
      'the CSV header is done; rows are left',
    ]);
    expect(handed.code, handed.stdout + handed.stderr).toBe(0);
    expect(
      query("SELECT release_reason FROM reservations WHERE actor = 'carol' AND pattern = 'src/billing.ts'"),
    ).toEqual([{ release_reason: 'handed over to dave' }]);
    const taken = body(await ctl(dave, ['task', 'activate', 'H-1']));
    expect(taken.reservations.reserved.map((v: { path: string }) => v.path)).toEqual(['src/billing.ts']);
    expect(taken.reservations.conflicts).toEqual([]);
  }, 60_000);
});
