// A rewrite record larger than fragd's read-ahead cache (a long rebase), against a real fragd:
// it is ingested, the spool empties, and the daemon answers meanwhile and after.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sleep, startDaemon, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
  await d.json(['session', 'start']);
});
afterAll(() => d.dispose());

it('a post-rewrite record with more pairs than the read-ahead cache holds is ingested, the spool empties and fragd keeps answering', async () => {
  const repo = TestRepo.create(d.env);
  const head = repo.commit('a.txt', 'a\n', 'rebased tip');
  const sha = (p: string, n: number) => p + n.toString(16).padStart(40 - p.length, '0');
  // Rewritten commits that do not exist: every read fails fast, and the details are unavailable.
  const pairs = Array.from({ length: 2050 }, (_, i) => `pair ${sha('f', i)} ${sha('e', i)}\n`).join('');
  mkdirSync(d.paths.spoolDir, { recursive: true });
  const rec = `fragd-spool 1\nhook post-rewrite\nrepo ${repo.dir}\nhead ${head}\nref refs/heads/main\norig \nargs rebase\nsession \nactor \nnonce 1\n${pairs}end\n`;
  writeFileSync(join(d.paths.spoolDir, `post-rewrite-${head}-1.rec`), rec);

  const deadline = Date.now() + 60_000;
  let rewrite: any;
  while (!rewrite) {
    if (Date.now() > deadline) throw new Error('the rewrite record was never ingested');
    const h = await d.json(['session', 'history']);
    expect(h.code).toBe(0);
    rewrite = h.body.activities.find((a: any) => a.kind === 'git.rewrite');
    if (!rewrite) await sleep(100);
  }
  expect(rewrite.message).toBe('rebase: 2050 commits rewritten');
  for (
    let i = 0;
    i < 100 && existsSync(d.paths.spoolDir) && readdirSync(d.paths.spoolDir).some((n) => n.endsWith('.rec'));
    i++
  )
    await sleep(30);
  expect(readdirSync(d.paths.spoolDir).filter((n) => n.endsWith('.rec'))).toEqual([]);
  expect((await d.json(['daemon', 'status'])).code).toBe(0);
}, 90_000);
