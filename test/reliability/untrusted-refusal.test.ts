// fragctl prints the daemon's reason when refused (issue 22, finding 7): with fragd's
// connections all held (by another user's idle sockets), fragctl said only "connection to
// fragd closed". fragd sends one error line saying why before it closes; fragctl prints it.
// (Budgets per peer uid, so another user cannot take them all, are not done yet:
// docs/security.md.)
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RawPeer, startDaemon, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
const peers: RawPeer[] = [];
beforeAll(async () => {
  d = await startDaemon({}, { limits: { max_connections: 4 } });
});
afterAll(async () => {
  for (const p of peers) p.socket.destroy();
  await d?.dispose();
});

it("fragctl prints fragd's reason when the connection is refused", async () => {
  for (let i = 0; i < 4; i++) peers.push(await RawPeer.open(d.paths.socket));
  const r = await d.fragctl(['status']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('fragd serves at most 4 connections at once');
  expect(r.stderr).not.toContain('connection to fragd closed');
});
