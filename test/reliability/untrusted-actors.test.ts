// Between actors (issue 22, finding 8): `session switch` acted on the target session's
// owner, not the caller: as one actor, another actor's active session was paused and her
// other session resumed, and fragctl printed "switched", exit 0. An actor acts on its own
// sessions; acting as another is said with --actor.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
});
afterAll(() => d?.dispose());

it("refuses to switch to another actor's session, with the way out, and changes nothing", async () => {
  const older = (await d.json(['session', 'start', '--actor', 'alice'])).body.session.key as string;
  expect((await d.json(['session', 'pause', '--session', older])).code).toBe(0);
  const running = (await d.json(['session', 'start', '--new', '--actor', 'alice'])).body.session.key as string;
  await d.json(['session', 'start', '--actor', 'bob']);
  const status = async (key: string) => (await d.json(['status', '--session', key])).body.session.status as string;
  expect([await status(older), await status(running)]).toEqual(['paused', 'active']);

  const r = await d.fragctl(['session', 'switch', older, '--actor', 'bob']);
  expect(r.code).not.toBe(0);
  expect(r.stdout).not.toContain('switched');
  expect(r.stderr).toContain(`${older} belongs to alice, not to bob; nothing was switched`);
  expect(r.stderr).toContain(`fragctl session switch ${older} --actor alice`);
  // Without --actor the caller is the default actor: refused as well.
  expect((await d.fragctl(['session', 'switch', older])).code).not.toBe(0);
  expect([await status(older), await status(running)]).toEqual(['paused', 'active']);

  // Said explicitly, as alice: done.
  const ok = await d.json(['session', 'switch', older, '--actor', 'alice']);
  expect(ok.code).toBe(0);
  expect(ok.body.paused).toBe(running);
});
