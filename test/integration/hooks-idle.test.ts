// A commit is activity: like a heartbeat it ends an idle pause (the daemon's clock is driven
// by the test; the hook's record carries the real time of the commit).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sleep, startDaemon, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';

let d: TestDaemon;
let repo: TestRepo;
const HOUR = 3_600_000;

beforeAll(async () => {
  // The daemon's clock starts an hour behind the wall clock, so the commit made "now" is
  // after the idle pause that the test produces by moving that clock 20 minutes on.
  d = await startDaemon({ FRAGD_TEST_CLOCK: String(Date.now() - HOUR) });
  repo = TestRepo.create(d.env);
  await d.json(['hooks', 'install', '--repo', repo.dir]);
});
afterAll(() => d.dispose());

it('a commit after an idle pause resumes the session; a deliberate pause stays', async () => {
  await d.json(['session', 'start']);
  const c = await d.client();
  await c.call('debug.clock', { advance_ms: 20 * 60_000, ticking: true });
  const paused = await d.json(['status']);
  expect(paused.body.session.status).toBe('paused');
  expect(paused.body.session.pause_reason).toMatch(/^idle/);

  const sha = repo.commit('a.txt', 'a\n', 'back at work');
  const deadline = Date.now() + 8000;
  let status: any;
  do {
    await sleep(30);
    status = (await d.json(['status'])).body;
  } while (!status.recent.some((a: any) => a.kind === 'git.commit') && Date.now() < deadline);
  expect(status.session.status).toBe('active');
  const kinds = status.recent.map((a: any) => a.kind);
  expect(kinds).toContain('session.resume');
  expect(status.recent.find((a: any) => a.kind === 'git.commit').data.commit).toBe(sha);

  await d.json(['session', 'pause', '--reason', 'meeting']);
  repo.commit('b.txt', 'b\n', 'committed during a meeting');
  const end = Date.now() + 8000;
  do {
    await sleep(30);
    status = (await d.json(['status'])).body;
  } while (status.recent.filter((a: any) => a.kind === 'git.commit').length < 2 && Date.now() < end);
  expect(status.recent.filter((a: any) => a.kind === 'git.commit')).toHaveLength(2);
  expect(status.session).toMatchObject({ status: 'paused', pause_reason: 'meeting' });
  c.close();
});
