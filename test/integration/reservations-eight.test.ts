// Eight agents, one plan whose tasks share files, one real git repository (issue 25). Each
// agent is a sequence of real `fragctl` and `git` processes in the repository, with its own
// FRAGMENTS_SESSION: `next --activate` (a task's declared paths are reserved with its claim),
// write its task's files, check nobody else wrote them meanwhile, commit them through the
// pre-commit guard, two updates, `done` (which releases the paths). From the database and the
// repository: every task completed; never two exclusive holders of overlapping paths at once;
// no commit touched a path another held (the guard refused none, fragd saw no override); no
// agent found its files changed under it.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAGCTL, sleep, startDaemon, type RunResult, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';
import { overlaps } from '../../daemon/app/reservations/globs.js';

const AGENTS = 8;
const FILES = ['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/d.ts', 'src/e.ts', 'src/f.ts'];
/**
 * Task i touches two files, neighbours on a ring, so each file is shared by two tasks (and each
 * pair of files by two tasks); every third also a glob. At most three tasks can run at once:
 * twelve (there were eighteen) still keep most of the eight agents waiting for a file.
 */
const TASKS = Array.from({ length: 12 }, (_, i) => ({
  code: `SH-${i + 1}`,
  title: `shared work ${i + 1}`,
  paths: [FILES[i % FILES.length], FILES[(i + 1) % FILES.length], ...(i % 3 === 2 ? ['docs/*'] : [])],
}));

function runIn(cwd: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let d: TestDaemon;
let repo: TestRepo;
beforeAll(async () => {
  d = await startDaemon();
  repo = TestRepo.create(d.env);
  mkdirSync(join(repo.dir, 'src'));
  mkdirSync(join(repo.dir, 'docs'));
  for (const f of FILES) repo.write(f, 'start\n');
  repo.write('docs/notes.md', 'start\n');
  repo.git(['add', '.']);
  repo.git(['commit', '-q', '-m', 'start']);
  expect((await d.json(['hooks', 'install', '--repo', repo.dir])).code).toBe(0);
  const plan = join(d.home, 'plan.json');
  writeFileSync(
    plan,
    JSON.stringify({
      project: { code: 'SH', title: 'shared files', sprints: [{ code: 1, title: 'all', tasks: TASKS }] },
    }),
  );
  const imported = await d.json(['import', plan]);
  expect(imported.code, imported.stderr).toBe(0);
});
afterAll(() => d?.dispose());

interface Trouble {
  agent: string;
  what: string;
}

describe('eight fragctl agents on a plan whose tasks share files', () => {
  it('never two exclusive holders of a path at once, and no commit touches another’s reservation', async () => {
    const trouble: Trouble[] = [];
    const commits: { agent: string; task: string; files: string[] }[] = [];
    let raced = 0;

    async function agent(n: number) {
      const actor = `agent${n}`;
      const started = await runIn(
        repo.dir,
        process.execPath,
        [FRAGCTL, 'session', 'start', '--actor', actor, '--json'],
        d.env,
      );
      const session = JSON.parse(started.stdout).session.key as string;
      const env = { ...repo.env, ...d.env, FRAGMENTS_SESSION: session };
      const ctl = (...args: string[]) => runIn(repo.dir, process.execPath, [FRAGCTL, ...args], env);
      for (let round = 0; round < 400; round++) {
        const next = await ctl('next', '--activate', '--json');
        if (next.code === 9) break;
        if (next.code === 8) {
          // Nothing free: ask again in a while. Five agents asking every 200 ms kept both
          // cores busy starting fragctl, which slowed the three agents at work.
          await sleep(400 + Math.floor(Math.random() * 400));
          continue;
        }
        if (next.code !== 0) {
          trouble.push({ agent: actor, what: `next exited ${next.code}: ${next.stdout}${next.stderr}` });
          break;
        }
        const answer = JSON.parse(next.stdout);
        const task = answer.task.code as string;
        const r = answer.reservations;
        if (!r || r.conflicts.length || r.reserved.length !== TASKS.find((t) => t.code === task)!.paths.length)
          trouble.push({ agent: actor, what: `${task}: not all its paths were reserved: ${JSON.stringify(r)}` });
        const files = TASKS.find((t) => t.code === task)!.paths.map((p) => (p === 'docs/*' ? 'docs/notes.md' : p));
        const mark = `${actor} ${task}\n`;
        for (const f of files) writeFileSync(join(repo.dir, f), mark);
        await ctl('update', `${actor} rewrote ${files.join(' and ')} for ${task}`);
        await sleep(1100); // the work takes a while: others run meanwhile
        for (const f of files)
          if (readFileSync(join(repo.dir, f), 'utf8') !== mark)
            trouble.push({
              agent: actor,
              what: `${f} changed under ${task}: ${readFileSync(join(repo.dir, f), 'utf8')}`,
            });
        // Commit only its own files (git's index is shared: retry while another commit holds its lock).
        for (let i = 0; ; i++) {
          const c = await runIn(repo.dir, 'git', ['commit', '-q', '-m', `${actor} ${task}`, '--', ...files], env);
          if (c.code === 0) {
            commits.push({ agent: actor, task, files });
            break;
          }
          if (/index\.lock|could not lock|cannot lock ref/i.test(c.stderr) && i < 100) {
            await sleep(50 + Math.random() * 100);
            continue;
          }
          // Another agent's commit moved HEAD after this one read it: git's partial commit
          // would carry the older versions of that agent's files, and the guard says so
          // (naming its files, not ours). git itself would refuse it at the ref update; retry.
          const named = [...c.stderr.matchAll(/^fragd: (\S+) is reserved/gm)].map((m) => m[1]);
          if (named.length && !named.some((f) => files.includes(f)) && i < 100) {
            raced++;
            await sleep(50 + Math.random() * 100);
            continue;
          }
          trouble.push({ agent: actor, what: `commit of ${task} failed (${c.code}): ${c.stderr}` });
          break;
        }
        await ctl('update', `${actor} committed the change of ${task} and checked the files`);
        const done = await ctl('done', `${actor} finished ${task}: its shared files now say so.`, '--json');
        if (done.code !== 0) trouble.push({ agent: actor, what: `done ${task} exited ${done.code}: ${done.stdout}` });
      }
      await ctl('session', 'end');
    }

    await Promise.all(Array.from({ length: AGENTS }, (_, i) => agent(i + 1)));
    console.log(
      `reservations-eight: ${commits.length} commits, ${raced} partial commits refused after another moved HEAD`,
    );
    expect(trouble).toEqual([]);

    const db = new Database(d.paths.db, { readonly: true });
    try {
      const open = db.prepare("SELECT code FROM tasks WHERE code LIKE 'SH-%' AND status != 'completed'").all();
      expect(open).toEqual([]);
      const rows = db
        .prepare(
          `SELECT r.pattern, r.exclusive, r.session_id, r.created_at, r.released_at, t.code AS task FROM reservations r
             LEFT JOIN tasks t ON t.id = r.task_id ORDER BY r.id`,
        )
        .all() as {
        pattern: string;
        exclusive: number;
        session_id: number;
        created_at: number;
        released_at: number | null;
        task: string;
      }[];
      expect(rows.length).toBeGreaterThanOrEqual(TASKS.reduce((n, t) => n + t.paths.length, 0));
      expect(rows.filter((r) => r.released_at === null)).toEqual([]);
      // No two sessions held overlapping paths exclusively at the same time.
      const clashes: string[] = [];
      for (const a of rows)
        for (const b of rows)
          if (
            a !== b &&
            a.session_id !== b.session_id &&
            (a.exclusive || b.exclusive) &&
            overlaps(a.pattern, b.pattern) &&
            a.created_at < b.released_at! &&
            b.created_at < a.released_at!
          )
            clashes.push(`${a.task}:${a.pattern} and ${b.task}:${b.pattern}`);
      expect(clashes).toEqual([]);
      // Every task's commit holds only its own files; fragd saw no commit past the guard.
      expect(commits).toHaveLength(TASKS.length);
      const log = repo.git(['log', '--format=%s', '--name-only', '-n', String(TASKS.length)]);
      for (const c of commits) expect(log).toContain(`${c.agent} ${c.task}`);
      const overrides = db.prepare("SELECT message FROM activities WHERE kind LIKE 'reservation.overrid%'").all();
      expect(overrides).toEqual([]);
      // Several agents really worked at once.
      const actors = new Set(
        db
          .prepare('SELECT actor FROM reservations')
          .all()
          .map((r) => (r as { actor: string }).actor),
      );
      expect(actors.size).toBeGreaterThan(2);
    } finally {
      db.close();
    }
  }, 900_000);
});
