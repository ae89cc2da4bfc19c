// A fast-forward merge of several commits is recorded with the commit it started from and
// every file it brought; FRAGMENTS_HOOKS=off writes nothing.
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, until, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';

let d: TestDaemon;
let repo: TestRepo;
const spooled = () =>
  existsSync(d.paths.spoolDir) ? readdirSync(d.paths.spoolDir).filter((n) => n.endsWith('.rec')) : [];

beforeAll(async () => {
  d = await startDaemon();
  repo = TestRepo.create(d.env);
  await d.json(['session', 'start']);
  repo.commit('base.txt', 'base\n', 'base');
  expect((await d.fragctl(['hooks', 'install', '--repo', repo.dir])).code).toBe(0);
});
afterAll(() => d.dispose());

async function activities(kind: string): Promise<any[]> {
  const h = await d.json(['session', 'history']);
  return h.body.activities.filter((a: any) => a.kind === kind);
}

describe('post-merge', () => {
  it('records a fast-forward with the commit it started from and all files it brought', async () => {
    const base = repo.head();
    repo.git(['checkout', '-q', '-b', 'topic']);
    repo.commit('a.txt', 'a\n', 'add a');
    repo.commit('b.txt', 'b\n', 'add b');
    repo.git(['checkout', '-q', 'main']);
    repo.git(['merge', '-q', 'topic']);
    const merges = await until('the merge to be ingested', async () => {
      const found = await activities('git.merge');
      return found.length > 0 && spooled().length === 0 ? found : undefined;
    });
    expect(merges[0].data).toMatchObject({ from: base, commit: repo.head(), fast_forward: true });
    expect([...merges[0].data.files].sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('FRAGMENTS_HOOKS=off records nothing, and git still succeeds', async () => {
    const before = (await activities('git.commit')).length;
    const r = repo.run(['commit', '-q', '--allow-empty', '-m', 'silenced'], { FRAGMENTS_HOOKS: 'off' });
    expect(r.code).toBe(0);
    expect(spooled()).toEqual([]);
    repo.commit('c.txt', 'c\n', 'recorded'); // a later commit is recorded, so ingestion runs
    const commits = await until('the next commit', async () => {
      const found = await activities('git.commit');
      return found.length > before && spooled().length === 0 ? found : undefined;
    });
    expect(commits.map((a) => a.data.subject)).not.toContain('silenced');
    expect(commits.map((a) => a.data.subject)).toContain('recorded');
  });
});
