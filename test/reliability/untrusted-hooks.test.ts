// The hook scripts and another user's spool directory, and a repository path with a
// newline (issue 22, findings 6 and 10). The hook scripts wrote into a spool directory
// another user had created first (the victim's full prompt went there), where fragctl
// refuses it; a repository path with a newline ended the record's "repo" line early.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { TestRepo } from '../support/git.js';
import { AGENT_HOOK } from '../support/agents.js';
import { HOOK_SCRIPT } from '../../client/hooks/script.js';
import { parseRecord } from '../../daemon/app/git/spool.js';

const OTHER = 'fragd-neighbour';
const isRoot = process.getuid?.() === 0;
const base = mkdtempSync(join(tmpdir(), 'fr-untrusted-hooks-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function otherUser(): void {
  const id = () => spawnSync('id', ['-u', OTHER], { encoding: 'utf8' });
  if (id().status !== 0) {
    const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', OTHER], {
      encoding: 'utf8',
    });
    if (r.status !== 0 && id().status !== 0) throw new Error(`useradd ${OTHER} failed: ${r.stderr}`);
  }
}

const asOther = (cmd: string) => {
  const r = spawnSync('runuser', ['-u', OTHER, '--', 'sh', '-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`runuser failed: ${r.stderr}`);
};

function repoWithHook(env: NodeJS.ProcessEnv): TestRepo {
  const repo = TestRepo.create(env);
  writeFileSync(join(repo.dir, '.git/hooks/post-commit'), HOOK_SCRIPT);
  chmodSync(join(repo.dir, '.git/hooks/post-commit'), 0o755);
  return repo;
}

it('a repository path with a newline is recorded whole', () => {
  const home = join(base, 'home-newline');
  const repo = repoWithHook({ ...process.env, FRAGMENTS_HOME: home });
  const dir = join(repo.dir, 'odd\nname');
  mkdirSync(dir);
  spawnSync('git', ['init', '-q', dir], { env: repo.env });
  writeFileSync(join(dir, '.git/hooks/post-commit'), HOOK_SCRIPT);
  chmodSync(join(dir, '.git/hooks/post-commit'), 0o755);
  const r = spawnSync('git', ['commit', '-q', '--allow-empty', '-m', 'subject line'], { cwd: dir, env: repo.env });
  expect(r.status).toBe(0);
  const files = readdirSync(join(home, 'spool'));
  expect(files).toHaveLength(1);
  const parsed = parseRecord('x', readFileSync(join(home, 'spool', files[0]), 'utf8'), 0);
  expect(parsed.ok && parsed.record.repo).toBe(dir);
  // An ordinary path is written as before.
  repo.git(['commit', '-q', '--allow-empty', '-m', 'plain']);
  const plain = readdirSync(join(home, 'spool')).find((f) => f !== files[0])!;
  expect(readFileSync(join(home, 'spool', plain), 'utf8')).toContain(`\nrepo ${repo.dir}\n`);
});

it.skipIf(!isRoot)(
  'the git and agent hooks write nothing into a spool directory another user created (real OS user; needs root)',
  () => {
    otherUser();
    // A shared place, where the other user created the victim's FRAGMENTS_HOME and spool first.
    const shared = join(base, 'shared');
    mkdirSync(shared);
    chmodSync(base, 0o755);
    chmodSync(shared, 0o1777);
    const home = join(shared, 'victim-home');
    asOther(`umask 000 && mkdir -p '${home}/spool'`);
    const repo = repoWithHook({ ...process.env, FRAGMENTS_HOME: home });
    const commit = repo.run(['commit', '-q', '--allow-empty', '-m', 'secret plans']);
    expect(commit).toMatchObject({ code: 0, stderr: '' });
    const agent = spawnSync(AGENT_HOOK, ['claude', 'UserPromptSubmit'], {
      input: JSON.stringify({ session_id: 's', prompt: 'my secret prompt' }),
      env: { ...process.env, FRAGMENTS_HOME: home },
    });
    expect([agent.status, agent.stdout.length]).toEqual([0, 0]);
    expect(readdirSync(join(home, 'spool'))).toEqual([]);
    // The victim's own private spool still gets both.
    const own = join(base, 'own-home');
    repo.run(['commit', '-q', '--allow-empty', '-m', 'mine'], { FRAGMENTS_HOME: own });
    spawnSync(AGENT_HOOK, ['claude', 'UserPromptSubmit'], {
      input: '{"session_id":"s"}',
      env: { ...process.env, FRAGMENTS_HOME: own },
    });
    expect(existsSync(join(own, 'spool')) && readdirSync(join(own, 'spool'))).toHaveLength(2);
  },
);
