// Errors stay true under failure (issue 9, item 6): on a full disk every refusal is still
// storage_unavailable (fragctl exit 7) even though the log cannot be written either; the
// log rotates at its cap; a write lock held by another process, a corrupt database and a
// read-only filesystem each get their own hint. Disk full and read-only use a small real
// tmpfs (mount rights: root, as in CI).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FRAGCTL, FRAGD, ROOT, TestDaemon, canConnect, runNode, tempHome, until } from '../support/daemon.js';
import { FRAGD_NODE_FLAGS } from '../../shared/daemon-flags.js';
import { RpcError, type FragClient } from '../../client/lib/client.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** fragd as fragctl starts it: in the background, logging to its rotating log file. */
async function backgroundDaemon(d: TestDaemon): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [...FRAGD_NODE_FLAGS, FRAGD], { env: d.env, stdio: 'ignore' });
  cleanup.push(() => proc.exitCode === null && proc.kill('SIGKILL'));
  await until('fragd answering', async () => proc.exitCode !== null || (await canConnect(d.paths.socket)));
  if (proc.exitCode !== null) throw new Error(`fragd exited with ${proc.exitCode}`);
  return proc;
}

describe('the log file', () => {
  it('rotates at log.max_bytes and keeps log.files older ones, whatever the failure storm', async () => {
    const d = new TestDaemon(tempHome(), { FRAGD_LOG_LEVEL: 'debug' });
    cleanup.push(() => d.dispose());
    d.writeConfig({ log: { max_bytes: 16384, files: 2 } });
    await backgroundDaemon(d);
    const c = await d.client();
    cleanup.push(() => c.close());
    for (let i = 0; i < 400; i++)
      await expect(c.call('project.show', { code: `NOPE-${i}` })).rejects.toBeInstanceOf(RpcError);
    const logs = readdirSync(d.home)
      .filter((f) => f.startsWith('fragd.log'))
      .sort();
    expect(logs).toEqual(['fragd.log', 'fragd.log.1', 'fragd.log.2']);
    for (const f of logs) expect(statSync(join(d.home, f)).size).toBeLessThanOrEqual(16384);
    const st = await c.call('daemon.status');
    expect(st.log).toMatchObject({ path: d.paths.log, max_bytes: 16384, files: 2, dropped_lines: 0 });
  });

  it('fragctl daemon logs -f follows the log across a rotation', async () => {
    const d = new TestDaemon(tempHome(), { FRAGD_LOG_LEVEL: 'debug' });
    cleanup.push(() => d.dispose());
    d.writeConfig({ log: { max_bytes: 8192, files: 1 } });
    await backgroundDaemon(d);
    const c = await d.client();
    cleanup.push(() => c.close());
    await c.call('project.list');
    const follow = spawn(process.execPath, [FRAGCTL, 'daemon', 'logs', '-f', '-n', '1'], {
      env: d.env,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    cleanup.push(() => follow.kill('SIGKILL'));
    let out = '';
    follow.stdout.on('data', (b) => (out += b));
    await until('logs -f printing', () => out.length > 0);
    // Enough failing calls to rotate the file more than once, then one to look for.
    for (let i = 0; i < 120; i++) await c.call('project.show', { code: `BEFORE-${i}` }).catch(() => undefined);
    expect(existsSync(`${d.paths.log}.1`)).toBe(true);
    await c.call('project.show', { code: 'AFTER-ROTATION' }).catch(() => undefined);
    await until('the line written after the rotation', () => out.includes('AFTER-ROTATION'));
  });
});

describe('a write lock held by another process (a sqlite3 shell in BEGIN EXCLUSIVE)', () => {
  it('is "locked by another process", not "free disk space"; writes work again once it is released', async () => {
    const d = new TestDaemon(tempHome());
    cleanup.push(() => d.dispose());
    await d.start();
    // A second process holds the database's write lock, as `sqlite3 fragments.db` + `BEGIN EXCLUSIVE;` would.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]); db.exec('BEGIN EXCLUSIVE');
         process.stdout.write('locked\\n'); process.stdin.resume(); process.stdin.on('end', () => { db.exec('COMMIT'); db.close(); });`,
        d.paths.db,
      ],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    cleanup.push(() => holder.exitCode === null && holder.kill('SIGKILL'));
    let out = '';
    holder.stdout.on('data', (b) => (out += b));
    await until('the lock holder', () => out.includes('locked'));

    const r = await d.fragctl(['project', 'create', 'LOCKED', 'a title']);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/SQLITE_BUSY/);
    expect(r.stderr).toMatch(/another process holds a write lock on .*fragments\.db/);
    expect(r.stderr).not.toMatch(/free disk space/);
    // Reads go on meanwhile.
    expect((await d.json(['project', 'list'])).code).toBe(0);

    holder.stdin.end();
    await new Promise((res) => holder.once('exit', res));
    expect((await d.fragctl(['project', 'create', 'LOCKED', 'a title'])).code).toBe(0);
  }, 30_000);
});

describe('a database with corrupted pages', () => {
  it('makes fragd refuse to start, saying where the file is and how to recover', async () => {
    const d = new TestDaemon(tempHome(), { FRAGMENTS_NO_AUTOSTART: '0' });
    cleanup.push(() => d.dispose());
    await d.start();
    const c = await d.client();
    await c.call('project.create', { code: 'P', title: 'p' });
    const { session } = await c.call('session.start', { actor: 'me' });
    for (let i = 0; i < 400; i++)
      await c.call('activity.log', { session: session.key, message: `line ${i} ${'x'.repeat(200)}` });
    c.close();
    await d.stop(); // a clean stop checkpoints the WAL into the database file
    const pages = statSync(d.paths.db).size / 4096;
    expect(pages).toBeGreaterThan(20);
    // Scribble over a run of b-tree pages in the middle of the file (page 1, the header, stays intact).
    const fd = openSync(d.paths.db, 'r+');
    const garbage = Buffer.alloc(4096 * 4, 0xa5);
    writeSync(fd, garbage, 0, garbage.length, Math.floor(pages / 2) * 4096);
    closeSync(fd);

    const r = await runNode(FRAGD, ['--foreground'], d.env);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(`fragd: the database ${d.paths.db} is corrupt`);
    expect(r.stderr).toMatch(
      /restore it from a backup, or salvage what can be read .*: sqlite3 .*fragments\.db \.dump/,
    );
    // Auto-start reports the same reason; nothing was acknowledged meanwhile.
    const ctl = await d.fragctl(['note', 'is anybody there']);
    expect(ctl.code).toBe(3);
    expect(ctl.stderr).toMatch(/is corrupt/);
  });
});

describe('the check at start (issue 20: full after an unclean stop, cheap after a clean one)', () => {
  it('skips quick_check only right after a clean stop, and refuses a file corrupted after a crash', async () => {
    const d = new TestDaemon(tempHome());
    cleanup.push(() => d.dispose());
    const startCheck = async () => {
      const c = await d.client();
      const { start_check } = await c.call('daemon.status', {});
      c.close();
      return start_check;
    };
    await d.start();
    expect(await startCheck()).toMatchObject({
      check: 'quick_check',
      why: expect.stringMatching(/no clean-stop marker/),
    });
    const c = await d.client();
    const { session } = await c.call('session.start', { actor: 'me' });
    for (let i = 0; i < 400; i++)
      await c.call('activity.log', { session: session.key, message: `line ${i} ${'x'.repeat(200)}` });
    c.close();
    expect(await d.stop()).toBe(0);
    await d.start();
    expect(await startCheck()).toMatchObject({ check: 'clean_stop', why: 'unchanged since a clean stop' });
    // A crash leaves no marker: the next start reads every page.
    await d.crash();
    await d.start();
    expect(await startCheck()).toMatchObject({
      check: 'quick_check',
      why: expect.stringMatching(/no clean-stop marker/),
    });
    await d.crash();
    const pages = statSync(d.paths.db).size / 4096;
    expect(pages).toBeGreaterThan(20);
    const fd = openSync(d.paths.db, 'r+');
    const garbage = Buffer.alloc(4096 * 4, 0xa5);
    writeSync(fd, garbage, 0, garbage.length, Math.floor(pages / 2) * 4096);
    closeSync(fd);
    const r = await runNode(FRAGD, ['--foreground'], d.env);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(`fragd: the database ${d.paths.db} is corrupt`);
  });
});

const mnt = mkdtempSync(join(tmpdir(), 'fe-'));
const canMount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', mnt]).status === 0;
afterAll(() => {
  if (canMount) spawnSync('umount', ['-l', mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

describe.skipIf(!canMount)('a full disk under the log and the database (4 MiB tmpfs, needs root)', () => {
  it('every refusal stays storage_unavailable/disk_full (exit 7), never an internal error', async () => {
    const home = join(mnt, 'full');
    mkdirSync(home, { mode: 0o700 });
    chmodSync(home, 0o700);
    const d = new TestDaemon(home);
    await backgroundDaemon(d);
    const c: FragClient = await d.client();
    cleanup.push(() => c.close());
    spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
    // Whatever room is left goes to the database; then every write is refused.
    let refused: RpcError | null = null;
    for (let i = 0; i < 100_000 && !refused; i++) {
      try {
        await c.call('project.create', { code: `F${i}`, title: 'x'.repeat(2000) });
      } catch (err) {
        refused = err as RpcError;
      }
    }
    // A storm of failing calls: each one's error line cannot be logged either.
    for (let i = 0; i < 50; i++) {
      const err = await c.call('project.create', { code: `G${i}`, title: 'g' }).catch((e: RpcError) => e);
      expect(err).toBeInstanceOf(RpcError);
      expect((err as RpcError).code).toBe(-32008);
      expect((err as RpcError).data).toMatchObject({ error: 'storage_unavailable', storage_problem: 'disk_full' });
    }
    const r = await d.fragctl(['project', 'create', 'CLI', 'from the command line']);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/hint: the disk holding .* is full; free disk space there/);
    const st = await c.call('daemon.status');
    expect(st.log.dropped_lines).toBeGreaterThan(0);
    expect(st.log.last_error).toBe('ENOSPC');
    // Room again: writes and logging resume.
    unlinkSync(join(mnt, 'filler'));
    expect((await d.fragctl(['project', 'create', 'AFTER', 'room again'])).code).toBe(0);
  }, 60_000);

  it('a read-only filesystem is "read-only", not "disk full"', async () => {
    const home = join(mnt, 'ro');
    mkdirSync(home, { mode: 0o700 });
    chmodSync(home, 0o700);
    const d = new TestDaemon(home);
    await d.start();
    await d.stop();
    if (existsSync(join(mnt, 'filler'))) unlinkSync(join(mnt, 'filler'));
    spawnSync('mount', ['-o', 'remount,ro', mnt]);
    try {
      const run = tempHome();
      cleanup.push(() => rmSync(run, { recursive: true, force: true }));
      const r = await runNode(FRAGD, ['--foreground'], { ...d.env, FRAGMENTS_SOCKET: join(run, 's.sock') });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/^fragd: .*read-only/m);
      expect(r.stderr).not.toMatch(/free disk space/);
    } finally {
      spawnSync('mount', ['-o', 'remount,rw', mnt]);
    }
  });
});
