// The pid lock (issue 9, item 3): a lock whose pid now belongs to an unrelated live
// process is stale, not a running fragd; a start on a full disk says why and leaves no
// lock behind. The full disk is a small real tmpfs, so that part needs mount rights (root, as in CI).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FRAGD, TestDaemon, runNode, tempHome } from '../support/daemon.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** An unrelated long-lived process: its pid is what a reused pid in the lock looks like. */
function bystander(): ChildProcess {
  const p = spawn('sleep', ['300'], { stdio: 'ignore' });
  cleanup.push(() => p.kill('SIGKILL'));
  return p;
}

/** Field 22 of /proc/PID/stat: the process's start time in clock ticks since boot. */
function startTimeOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function daemonIn(home: string, env: NodeJS.ProcessEnv = {}): TestDaemon {
  const d = new TestDaemon(home, env);
  cleanup.push(() => d.dispose());
  return d;
}

describe('a lock whose pid was reused by another process', () => {
  it('is stale: fragd starts (a bare pid as older fragd wrote it, or pid and start time of a non-fragd)', async () => {
    const other = bystander();
    for (const record of [`${other.pid}\n`, `${other.pid}\n${startTimeOf(other.pid!)}\n`]) {
      const d = daemonIn(tempHome());
      writeFileSync(d.paths.lock, record);
      await d.start();
      const c = await d.client();
      expect((await c.call('daemon.status')).pid).toBe(d.proc!.pid);
      c.close();
      // The lock now names the new fragd, with its start time.
      expect(readFileSync(d.paths.lock, 'utf8')).toBe(`${d.proc!.pid}\n${startTimeOf(d.proc!.pid!)}\n`);
      await d.stop();
    }
  });

  it('fragctl daemon start starts one (auto-start), where it once said "already running" for good', async () => {
    const other = bystander();
    const d = daemonIn(tempHome(), { FRAGMENTS_NO_AUTOSTART: '0' });
    writeFileSync(d.paths.lock, `${other.pid}\n`);
    const r = await d.json(['daemon', 'start']);
    expect(r.code).toBe(0);
    expect(r.body.started).toBe(true);
    const stop = await d.json(['daemon', 'stop']);
    expect(stop.body).toMatchObject({ stopped: true, pid: r.body.pid });
  });

  it('a live fragd holding the lock still keeps a second one out', async () => {
    const d = daemonIn(tempHome());
    await d.start();
    const second = await runNode(FRAGD, ['--foreground'], d.env);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/already running \(pid \d+\)/);
  });
});

const mnt = mkdtempSync(join(tmpdir(), 'fl-'));
const canMount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mnt]).status === 0;
afterAll(() => {
  if (canMount) spawnSync('umount', ['-l', mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

describe.skipIf(!canMount)('a start on a full disk (a 1 MiB tmpfs, needs root)', () => {
  it('fails with the reason (exit 6) and leaves no lock file behind', async () => {
    const home = join(mnt, 'home');
    mkdirSync(home, { mode: 0o700 });
    chmodSync(home, 0o700);
    // Fill every block: files can still be created (inodes), but nothing written into them.
    spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
    const d = new TestDaemon(home, { FRAGMENTS_NO_AUTOSTART: '0' });
    const fg = await runNode(FRAGD, ['--foreground'], d.env);
    expect(fg.code).toBe(6);
    expect(fg.stderr).toMatch(/^fragd: cannot write the lock .*ENOSPC.*the disk holding .* is full; free disk space/m);
    expect(readdirSync(home).filter((f) => f.startsWith('fragd.lock'))).toEqual([]);
    // Twice: no litter from the first start trips the second.
    const again = await runNode(FRAGD, ['--foreground'], d.env);
    expect(again.code).toBe(6);
    // Auto-started in the background, where even the start log cannot be written.
    const ctl = await d.fragctl(['daemon', 'start']);
    expect(ctl.code).toBe(3);
    expect(ctl.stderr).toMatch(/fragd did not start \(exit code 6\)/);
    expect(ctl.stderr).toMatch(/disk full/);
    expect(readdirSync(home).filter((f) => f.startsWith('fragd.lock'))).toEqual([]);
  });
});
