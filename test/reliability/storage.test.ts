// The disk fills up or turns read-only under the daemon: a clear error, no crash, and
// nothing acknowledged is lost. Uses a small tmpfs, so it needs mount rights (root, as in CI).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAGD, TestDaemon } from '../support/daemon.js';
import { RpcError, type FragClient } from '../../client/lib/client.js';

const mnt = mkdtempSync(join(tmpdir(), 'fm-'));
const canMount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', mnt]).status === 0;
let d: TestDaemon;
let c: FragClient;

beforeAll(async () => {
  if (!canMount) return;
  chmodSync(mnt, 0o700);
  d = new TestDaemon(mnt);
  await d.start();
  c = await d.client();
});
afterAll(async () => {
  c?.close();
  await d?.crash();
  if (canMount) spawnSync('umount', ['-l', mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

async function writeUntilRefused(prefix: string, acked: string[]): Promise<RpcError> {
  for (let i = 0; i < 100_000; i++) {
    try {
      const r = await c.call('project.create', { code: `${prefix}${i}`, title: 'x'.repeat(2000) });
      acked.push(r.project.code);
    } catch (err) {
      return err as RpcError;
    }
  }
  throw new Error('the disk never filled');
}

describe.skipIf(!canMount)('storage failures', () => {
  it('disk full: storage_unavailable with a hint, daemon up, acknowledged writes kept', async () => {
    const acked: string[] = [];
    // Fill most of the disk with a file we can remove, then write until refused.
    spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=64k', 'count=40'], { stdio: 'ignore' });
    const err = await writeUntilRefused('F', acked);
    expect(err).toBeInstanceOf(RpcError);
    expect(err.code).toBe(-32008);
    expect(err.message).toMatch(/cannot be written \(SQLITE_FULL|free disk space/);
    expect(err.data.hint).toMatch(/disk space/);
    // Reads still work, and so does the daemon.
    const listed = await c.call('project.list');
    expect(listed.projects.map((p) => p.code)).toEqual(expect.arrayContaining(acked));
    unlinkSync(join(mnt, 'filler'));
    const after = await c.call('project.create', { code: 'AFTER-FULL', title: 'space again' });
    expect(after.project.code).toBe('AFTER-FULL');
    // Every acknowledged write survives a restart.
    await d.stop();
    await d.start();
    c.close();
    c = await d.client();
    const again = (await c.call('project.list')).projects.map((p) => p.code);
    expect(again).toEqual(expect.arrayContaining([...acked, 'AFTER-FULL']));
  }, 60_000);

  it('read-only state directory: fragd refuses to start with a clear message, and data is untouched', async () => {
    // Stop the daemon, turn its filesystem read-only, and start one with the socket elsewhere.
    c.close();
    await d.stop();
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    const run = mkdtempSync(join(tmpdir(), 'fr-'));
    chmodSync(run, 0o700);
    try {
      const ro = new TestDaemon(mnt, { FRAGMENTS_SOCKET: join(run, 's.sock') });
      const r = spawnSync(process.execPath, [FRAGD, '--foreground'], { env: ro.env, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/^fragd: .*(read-only|readonly|EROFS)/m);
      expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mnt]);
      rmSync(run, { recursive: true, force: true });
    }
    await d.start();
    c = await d.client();
    expect((await c.call('project.show', { code: 'AFTER-FULL' })).project.title).toBe('space again');
  }, 60_000);
});
