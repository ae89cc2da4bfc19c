// Recovery advice that is tested (issue 22, finding 9): for a corrupt database fragd
// suggested `sqlite3 db .recover | sqlite3 recovered.db`; Debian 12's sqlite3 3.40.1 fails
// `.recover` ("SQL logic error") even on an intact database, the pipe hid it, recovered.db
// came out empty and fragd started on it without a word. Here the hint fragd prints is run
// as printed with the system's sqlite3 on a copy whose activity pages are damaged, and the
// data comes back; a recovery that comes out empty is refused at start.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { FRAGD, TestDaemon, runNode, tempHome } from '../support/daemon.js';

const hasSqlite3 = spawnSync('sqlite3', ['-version']).status === 0;
const work = mkdtempSync(join(tmpdir(), 'fr-recover-'));
let d: TestDaemon | null = null;
afterAll(async () => {
  await d?.dispose();
  rmSync(work, { recursive: true, force: true });
});

const sqlite = (db: string, sql: string) => {
  const r = spawnSync('sqlite3', [db, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  return r.stdout.trim();
};

it.skipIf(!hasSqlite3)(
  "the corrupt-database hint, run as printed with the system's sqlite3, recovers the readable data; an empty recovery is refused",
  async () => {
    d = new TestDaemon(tempHome());
    await d.start();
    const c = await d.client();
    await c.call('project.create', { code: 'P', title: 'p' });
    const { session } = await c.call('session.start', { actor: 'me' });
    for (let i = 0; i < 400; i++)
      await c.call('activity.log', { session: session.key, message: `line ${i} ${'x'.repeat(200)}` });
    c.close();
    await d.stop();
    // Damage one leaf page of the activities table (dbstat says which), as a bad sector would.
    const page = Number(
      sqlite(d.paths.db, "SELECT pageno FROM dbstat WHERE name = 'activities' AND pagetype = 'leaf' LIMIT 1 OFFSET 3"),
    );
    expect(page).toBeGreaterThan(1);
    const fd = openSync(d.paths.db, 'r+');
    const garbage = Buffer.alloc(4096, 0xa5);
    writeSync(fd, garbage, 0, garbage.length, (page - 1) * 4096);
    closeSync(fd);

    const refused = await runNode(FRAGD, ['--foreground'], d.env);
    expect(refused.code).toBe(6);
    const hint = /in a directory of your own\): (.*), then put recovered\.db in its place/.exec(refused.stderr)?.[1];
    expect(hint, refused.stderr).toBeDefined();
    expect(hint).not.toContain('.recover');
    const sh = spawnSync('sh', ['-c', hint!], { cwd: work, encoding: 'utf8' });
    expect(sh.status, sh.stderr).toBe(0);
    // Put in place as the hint says; fragd starts on it with the readable history.
    renameSync(join(work, 'recovered.db'), d.paths.db);
    for (const f of [`${d.paths.db}-wal`, `${d.paths.db}-shm`]) rmSync(f, { force: true });
    await d.start();
    const back = await d.client();
    expect((await back.call('project.list', {})).projects.map((p: { code: string }) => p.code)).toEqual(['P']);
    const history = await back.call('session.history', { session: session.key, limit: 1000 });
    const lines = history.activities.filter((a: { message: string | null }) => a.message?.startsWith('line '));
    expect(lines.length).toBeGreaterThan(350);
    expect(lines.length).toBeLessThan(400);
    back.close();
    await d.stop();

    // A recovery that came out empty (a file with no table, as the failed .recover left) is refused.
    for (const f of [d.paths.db, `${d.paths.db}-wal`, `${d.paths.db}-shm`]) rmSync(f, { force: true });
    sqlite(d.paths.db, 'CREATE TABLE x(a); DROP TABLE x;');
    const empty = await runNode(FRAGD, ['--foreground'], d.env);
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain('holds no tables (a recovery that came out empty?)');
  },
  120_000,
);

it.skipIf(!hasSqlite3)(
  "damage to the schema page leaves nothing to dump: fragd's own backup, restored as its message says, brings the history back",
  async () => {
    const home = tempHome();
    const b = new TestDaemon(home);
    await b.start();
    const c = await b.client();
    await c.call('project.create', { code: 'KEEP', title: 'kept' });
    const { session } = await c.call('session.start', { actor: 'me' });
    await c.call('activity.log', { session: session.key, message: 'before the backup' });
    const taken = await c.call('daemon.backup', {});
    expect(taken.backup.path).toContain(join(b.paths.stateDir, 'backups'));
    expect(taken.backups.map((x: { path: string }) => x.path)).toEqual([taken.backup.path]);
    await c.call('activity.log', { session: session.key, message: 'after the backup (lost)' });
    c.close();
    await b.stop();
    // Scribble over the schema page (page 1 after the 100-byte header): no table can be found.
    const fd = openSync(b.paths.db, 'r+');
    const garbage = Buffer.alloc(4000, 0x5a);
    writeSync(fd, garbage, 0, garbage.length, 100);
    closeSync(fd);
    expect(spawnSync('sqlite3', [b.paths.db, '.dump'], { encoding: 'utf8' }).stdout).not.toContain('INSERT INTO');

    const refused = await runNode(FRAGD, ['--foreground'], b.env);
    expect(refused.code).not.toBe(0);
    const restore = /restore fragd's own backup of [^ ]+ \(what came after it is lost\): (.*?); or salvage/.exec(
      refused.stderr,
    )?.[1];
    expect(restore, refused.stderr).toBeDefined();
    const sh = spawnSync('sh', ['-c', restore!], { cwd: work, encoding: 'utf8' });
    expect(sh.status, sh.stderr).toBe(0);
    await b.start();
    const back = await b.client();
    expect((await back.call('project.list', {})).projects.map((p: { code: string }) => p.code)).toEqual(['KEEP']);
    const history = await back.call('session.history', { session: session.key, limit: 100 });
    const messages = history.activities.map((a: { message: string | null }) => a.message);
    expect(messages).toContain('before the backup');
    expect(messages).not.toContain('after the backup (lost)');
    back.close();
    await b.dispose();
  },
  120_000,
);
