// Git hooks against a real fragd and real git repositories: commit, amend, rebase, merge,
// checkout, with the daemon up and down, hooks that were there before, core.hooksPath.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startDaemon, until, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';
import { HOOK_SCRIPT } from '../../client/hooks/script.js';
import { resolvePaths } from '../../shared/paths.js';

let d: TestDaemon;
let repo: TestRepo;

const spooled = () =>
  existsSync(d.paths.spoolDir) ? readdirSync(d.paths.spoolDir).filter((n) => n.endsWith('.rec')) : [];

/** Activities of a kind in a session, once the spool has been ingested and swept. */
async function gitActivities(session: string, kind: string, count: number): Promise<any[]> {
  return until(`${count} ${kind} in ${session}`, async () => {
    const h = await d.json(['session', 'history', '--session', session]);
    const found = h.body.activities.filter((a: any) => a.kind === kind);
    return found.length >= count && spooled().length === 0 ? found : undefined;
  });
}

beforeAll(async () => {
  d = await startDaemon();
  repo = TestRepo.create(d.env);
  await d.json(['project', 'create', 'FRAG', 'Fragments']);
  await d.json(['sprint', 'create', '1', 'First', '--project', 'FRAG']);
  for (const t of ['T-01', 'T-02', 'T-03']) await d.json(['task', 'create', t, `Task ${t}`, '--sprint', '1']);
  await d.json(['session', 'start']);
});
afterAll(() => d.dispose());

describe('the hook script', () => {
  it('is the generated copy of client/hooks/fragd-hook.sh and is valid POSIX sh', () => {
    expect(HOOK_SCRIPT).toBe(readFileSync(join(ROOT, 'client/hooks/fragd-hook.sh'), 'utf8'));
    execFileSync('sh', ['-n', join(ROOT, 'client/hooks/fragd-hook.sh')]);
  });
});

describe('fragctl hooks install', () => {
  it('installs the five hooks and chains a hook that was already there', async () => {
    const hooks = join(repo.dir, '.git/hooks');
    const log = join(repo.dir, '..', 'old-hook.log');
    writeFileSync(join(hooks, 'post-commit'), `#!/bin/sh\necho "old post-commit $*" >> ${log}\n`);
    chmodSync(join(hooks, 'post-commit'), 0o755);
    writeFileSync(join(hooks, 'post-checkout'), `#!/bin/sh\necho "old post-checkout $*" >> ${log}\nexit 3\n`);
    chmodSync(join(hooks, 'post-checkout'), 0o755);
    writeFileSync(
      join(hooks, 'post-rewrite'),
      `#!/bin/sh\nwhile read -r o n; do echo "old post-rewrite $1 $o $n" >> ${log}; done\n`,
    );
    chmodSync(join(hooks, 'post-rewrite'), 0o755);

    const r = await d.json(['hooks', 'install', '--repo', repo.dir]);
    expect(r.code).toBe(0);
    expect(Object.fromEntries(r.body.hooks.map((h: any) => [h.hook, h.action]))).toEqual({
      'post-commit': 'chained',
      'post-checkout': 'chained',
      'post-merge': 'installed',
      'post-rewrite': 'chained',
      // The reservations guard (docs/claims.md#file-reservations).
      'pre-commit': 'installed',
    });
    expect(readFileSync(join(hooks, 'post-commit.fragd-chained'), 'utf8')).toContain('old post-commit');

    const again = await d.json(['hooks', 'install', '--repo', repo.dir]);
    expect(again.body.hooks.every((h: any) => h.action === 'updated')).toBe(true);
    expect(readFileSync(join(hooks, 'post-commit.fragd-chained'), 'utf8')).toContain('old post-commit');

    // The chained hook runs, with its arguments, and its exit status is kept (post-checkout's is git's).
    repo.commit('a.txt', 'a\n', 'initial commit');
    const co = repo.run(['checkout', '-q', '-b', 'scratch']);
    // Restore a well-behaved post-checkout for the rest of the file.
    writeFileSync(join(hooks, 'post-checkout.fragd-chained'), '#!/bin/sh\nexit 0\n');
    expect(co.code).toBe(1); // git turns any failing post-checkout into its own exit 1
    repo.git(['checkout', '-q', 'main']);
    repo.git(['branch', '-q', '-D', 'scratch']);
    const ran = readFileSync(log, 'utf8');
    expect(ran).toMatch(/^old post-commit $/m);
    expect(ran).toMatch(/^old post-checkout [0-9a-f]{40} [0-9a-f]{40} 1$/m);
  });

  it('refuses a repository that is not one, with an actionable message', async () => {
    const r = await d.json(['hooks', 'install', '--repo', d.home]);
    expect(r.code).toBe(2);
    expect(r.body.error.message).toMatch(/is not a git repository.*--repo DIR/);
  });
});

describe('commits with the daemon up', () => {
  it('records commit id, branch, message and files into the session, linked to the active task', async () => {
    await d.json(['task', 'activate', 'T-01']);
    repo.write('b.txt', 'b\n');
    repo.write('c.txt', 'c\n');
    repo.git(['add', 'b.txt', 'c.txt']);
    repo.git(['commit', '-q', '-m', 'Add b and c\n\nWith a body.']);
    const sha = repo.head();
    const [a] = (await gitActivities('SESSION-001', 'git.commit', 2)).filter((x: any) => x.data.commit === sha);
    expect(a.message).toBe(`${sha.slice(0, 7)} Add b and c`);
    expect(a.source).toBe('hook');
    expect(a.context.task).toBe('T-01');
    expect(a.data).toMatchObject({
      commit: sha,
      branch: 'main',
      subject: 'Add b and c',
      message: 'Add b and c\n\nWith a body.',
      repo: repo.dir,
    });
    expect(a.data.files.sort()).toEqual(['b.txt', 'c.txt']);

    const links = await d.json(['commits', '--task', 'T-01']);
    expect(links.body.commits.map((c: any) => c.commit)).toEqual([sha]);
    expect(links.body.commits[0]).toMatchObject({ branch: 'main', session: 'SESSION-001', subject: 'Add b and c' });
  });

  it('moves the task link on commit --amend', async () => {
    const before = repo.head();
    await d.json(['task', 'activate', 'T-02']); // the amend happens while another task is active
    repo.write('c.txt', 'c2\n');
    repo.git(['commit', '-q', '-a', '--amend', '-m', 'Add b and c (amended)']);
    const after = repo.head();
    expect(after).not.toBe(before);
    const [rw] = await gitActivities('SESSION-001', 'git.rewrite', 1);
    expect(rw.data.how).toBe('amend');
    expect(rw.data.pairs).toEqual([{ from: before, to: after }]);
    expect(rw.data.moved).toEqual([{ from: before, to: after, task: 'T-01' }]);
    // The chained post-rewrite got the same stdin.
    expect(readFileSync(join(repo.dir, '..', 'old-hook.log'), 'utf8')).toContain(
      `old post-rewrite amend ${before} ${after}\n`,
    );

    const t1 = await d.json(['commits', '--task', 'T-01']);
    expect(t1.body.commits.map((c: any) => [c.commit, c.rewritten_from, c.subject])).toEqual([
      [after, before, 'Add b and c (amended)'],
    ]);
    const all = await d.json(['commits', '--task', 'T-01', '--all']);
    expect(all.body.commits.find((c: any) => c.commit === before).rewritten_to).toBe(after);
  });

  it('moves the task links of rebased commits (git rebase main of a branch)', async () => {
    await d.json(['task', 'activate', 'T-02']);
    repo.git(['checkout', '-q', '-b', 'feature']);
    const f1 = repo.commit('f1.txt', 'f1\n', 'feature one');
    const f2 = repo.commit('f2.txt', 'f2\n', 'feature two');
    repo.git(['checkout', '-q', 'main']);
    await d.json(['task', 'activate', 'T-03']);
    repo.commit('m.txt', 'm\n', 'main moves on');
    repo.git(['checkout', '-q', 'feature']);
    repo.git(['rebase', '-q', 'main']);
    const n2 = repo.head();
    const n1 = repo.git(['rev-parse', 'HEAD~1']);
    expect([n1, n2]).not.toContain(f1);

    const [rw] = (await gitActivities('SESSION-001', 'git.rewrite', 2)).filter((a: any) => a.data.how === 'rebase');
    expect(rw.data.pairs).toEqual([
      { from: f1, to: n1 },
      { from: f2, to: n2 },
    ]);
    // During the rebase T-03 was active; the rebased commits still belong to T-02.
    const t2 = await d.json(['commits', '--task', 'T-02']);
    expect(t2.body.commits.map((c: any) => c.commit).sort()).toEqual([n1, n2].sort());
    expect(t2.body.commits.map((c: any) => c.subject).sort()).toEqual(['feature one', 'feature two']);
    const t3 = await d.json(['commits', '--task', 'T-03']);
    expect(t3.body.commits.map((c: any) => c.subject)).toEqual(['main moves on']);
  });

  it('records checkouts (branch moves only) and merges', async () => {
    const checkouts = (await d.json(['session', 'history', '--session', 'SESSION-001'])).body.activities.filter(
      (a: any) => a.kind === 'git.checkout',
    ).length;
    repo.git(['checkout', '-q', 'main']);
    repo.git(['checkout', '-q', '--', 'a.txt']); // a file checkout: not a branch move
    const [co] = (await gitActivities('SESSION-001', 'git.checkout', checkouts + 1)).slice(-1);
    expect(co.data).toMatchObject({ branch: 'main', to: repo.head() });
    expect(co.message).toMatch(/^checkout main \([0-9a-f]{7} → [0-9a-f]{7}\)$/);

    repo.git(['checkout', '-q', '-b', 'topic', 'HEAD~1']);
    repo.commit('t.txt', 't\n', 'topic work');
    repo.git(['checkout', '-q', 'main']);
    repo.git(['merge', '-q', '--no-ff', '-m', 'Merge topic', 'topic']);
    const [m] = await gitActivities('SESSION-001', 'git.merge', 1);
    expect(m.data).toMatchObject({ branch: 'main', commit: repo.head(), subject: 'Merge topic', fast_forward: false });
    expect(m.data.files).toEqual(['t.txt']);
    const t3 = await d.json(['commits', '--task', 'T-03']);
    expect(t3.body.commits.map((c: any) => c.subject)).toContain('Merge topic');
  });

  it('records into the session of the terminal (FRAGMENTS_SESSION), not the current one', async () => {
    const agent = await d.json(['session', 'start', '--actor', 'claude']);
    const key = agent.body.session.key;
    const sha = repo.commit('agent.txt', 'x\n', 'agent commit', { FRAGMENTS_SESSION: key });
    const [a] = await gitActivities(key, 'git.commit', 1);
    expect(a.data.commit).toBe(sha);
    const human = await d.json(['session', 'history', '--session', 'SESSION-001']);
    expect(human.body.activities.some((x: any) => x.data?.commit === sha)).toBe(false);
    // FRAGMENTS_ACTOR alone picks that actor's current session.
    const sha2 = repo.commit('agent2.txt', 'y\n', 'agent commit 2', { FRAGMENTS_ACTOR: 'claude' });
    const list = await gitActivities(key, 'git.commit', 2);
    expect(list.map((x: any) => x.data.commit)).toContain(sha2);
  });
});

describe('with the daemon down', () => {
  it('spools, never fails git, and ingests everything at the next start; a replay is no duplicate', async () => {
    await d.stop();
    const sha = repo.commit('down.txt', 'down\n', 'committed while fragd is down');
    const r = repo.run(['commit', '-q', '--allow-empty', '-m', 'second while down']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const sha2 = repo.head();
    const files = spooled();
    expect(files.filter((f) => f.startsWith('post-commit-')).length).toBe(2);
    const keep = join(d.home, 'replay.rec');
    copyFileSync(
      join(
        d.paths.spoolDir,
        files.find((f) => f.includes(sha))!,
      ),
      keep,
    );

    await d.start();
    const found = await until('both spooled commits', async () => {
      const h = await d.json(['session', 'history', '--session', 'SESSION-001']);
      const c = h.body.activities.filter((a: any) => a.kind === 'git.commit' && [sha, sha2].includes(a.data.commit));
      return c.length === 2 && spooled().length === 0 ? c : undefined;
    });
    expect(found.map((a: any) => a.data.subject).sort()).toEqual([
      'committed while fragd is down',
      'second while down',
    ]);

    const count = (await d.json(['daemon', 'status'])).body.counts.activities;
    copyFileSync(keep, join(d.paths.spoolDir, 'post-commit-replay.rec'));
    const ingest = await d.json(['hooks', 'ingest']);
    expect(ingest.code).toBe(0);
    expect(ingest.body.ingested).toBe(0);
    await until('the replayed record swept', () => spooled().length === 0);
    expect((await d.json(['daemon', 'status'])).body.counts.activities).toBe(count);
  });

  it('keeps repeated checkouts of one commit apart, and a copied record is still a replay', async () => {
    const history = async () =>
      (await d.json(['session', 'history', '--session', 'SESSION-001'])).body.activities.filter(
        (a: any) => a.kind === 'git.checkout',
      );
    const before = (await history()).length;
    await d.stop();
    repo.git(['branch', '-q', '-f', 'other', 'HEAD~1']);
    for (const b of ['other', 'main', 'other', 'main']) repo.git(['checkout', '-q', b]);
    const records = spooled().filter((f) => f.startsWith('post-checkout-'));
    expect(records).toHaveLength(4);
    copyFileSync(join(d.paths.spoolDir, records[0]), join(d.paths.spoolDir, 'post-checkout-copy.rec'));
    await d.start();
    const after = await until('the checkouts ingested', async () => (spooled().length === 0 ? history() : undefined));
    expect(after.length - before).toBe(4);
    expect(after.slice(-4).map((a: any) => a.data.branch)).toEqual(['other', 'main', 'other', 'main']);
  });

  it('a hook never fails or prints, even when the spool cannot be written', () => {
    const blocker = join(d.home, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const r = repo.run(['commit', '-q', '--allow-empty', '-m', 'spool unwritable'], { FRAGMENTS_HOME: blocker });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const off = repo.run(['commit', '-q', '--allow-empty', '-m', 'hooks off'], { FRAGMENTS_HOOKS: 'off' });
    expect(off.code).toBe(0);
  });

  it('creates a missing spool directory, private', () => {
    const home = join(d.home, 'fresh-home');
    const r = repo.run(['commit', '-q', '--allow-empty', '-m', 'fresh home'], { FRAGMENTS_HOME: home });
    expect(r.code).toBe(0);
    const files = readdirSync(join(home, 'spool'));
    expect(files).toHaveLength(1);
    expect(readFileSync(join(home, 'spool', files[0]), 'utf8')).toMatch(
      /^fragd-spool 1\nhook post-commit\n[\s\S]*\nend\n$/,
    );
  });

  it('finds the spool as fragd does without FRAGMENTS_HOME (XDG_STATE_HOME, else ~/.local/state)', () => {
    const xdg = join(d.home, 'xdg');
    const fakeHome = join(d.home, 'fake-home');
    const { FRAGMENTS_HOME: _h, ...noHome } = repo.env;
    const saved = repo.env;
    try {
      repo.env = noHome;
      expect(repo.run(['commit', '-q', '--allow-empty', '-m', 'xdg'], { XDG_STATE_HOME: xdg }).code).toBe(0);
      expect(readdirSync(resolvePaths({ XDG_STATE_HOME: xdg }).spoolDir)).toHaveLength(1);
      expect(
        repo.run(['commit', '-q', '--allow-empty', '-m', 'home'], { HOME: fakeHome, XDG_STATE_HOME: '' }).code,
      ).toBe(0);
      // fragd started with that HOME (os.homedir()) would use the same directory.
      expect(readdirSync(join(fakeHome, '.local/state/fragments/spool'))).toHaveLength(1);
    } finally {
      repo.env = saved;
    }
  });

  it('moves an unreadable record aside and keeps running', async () => {
    mkdirSync(d.paths.spoolDir, { recursive: true });
    writeFileSync(join(d.paths.spoolDir, 'garbage.rec'), 'hello\n');
    writeFileSync(
      join(d.paths.spoolDir, 'bad-head.rec'),
      'fragd-spool 1\nhook post-commit\nrepo /tmp\nhead nope\nend\n',
    );
    const r = await d.json(['hooks', 'ingest']);
    expect(r.code).toBe(0);
    await until('rejected records moved', () => spooled().length === 0);
    expect(readdirSync(join(d.paths.spoolDir, 'rejected')).sort()).toEqual(['bad-head.rec', 'garbage.rec']);
    expect((await d.json(['daemon', 'status'])).code).toBe(0);
  });
});

describe('uninstall and core.hooksPath', () => {
  it('uninstall puts back the hooks that were there before', async () => {
    const r = await d.json(['hooks', 'uninstall', '--repo', repo.dir]);
    expect(Object.fromEntries(r.body.hooks.map((h: any) => [h.hook, h.action]))).toEqual({
      'post-commit': 'restored',
      'post-checkout': 'restored',
      'post-merge': 'removed',
      'post-rewrite': 'restored',
      'pre-commit': 'removed',
    });
    const hooks = join(repo.dir, '.git/hooks');
    expect(readFileSync(join(hooks, 'post-commit'), 'utf8')).toContain('old post-commit');
    expect(existsSync(join(hooks, 'post-merge'))).toBe(false);
    expect(readdirSync(hooks).some((f) => f.includes('fragd'))).toBe(false);
  });

  it('installs where core.hooksPath points, and hooks run from there', async () => {
    const other = TestRepo.create(d.env);
    const shared = join(other.dir, '..', 'shared-hooks');
    other.git(['config', 'core.hooksPath', shared]);
    const r = await d.json(['hooks', 'install', '--repo', other.dir]);
    expect(r.body.hooks_dir).toBe(shared);
    expect(existsSync(join(shared, 'post-commit'))).toBe(true);
    expect(existsSync(join(other.dir, '.git/hooks/post-commit'))).toBe(false);
    const sha = other.commit('x.txt', 'x\n', 'through hooksPath');
    const list = await until('the hooksPath commit', async () => {
      const c = await d.json(['commits', '--repo', other.dir]);
      return c.body.commits.length ? c.body.commits : undefined;
    });
    expect(list.map((c: any) => c.commit)).toEqual([sha]);
    const status = await d.json(['hooks', 'status', '--repo', other.dir]);
    expect(status.body.hooks.every((h: any) => h.installed)).toBe(true);
  });
});
