// Each machine writes only its own rows (issue 23 item 5): `fragctl sync setup` gives each
// machine its own PostgreSQL role and turns row-level security on; then real daemons work
// as before, and a machine's role is refused when it tries to change another's rows or
// claims, to forge a date into the future, or to create anything. Rename and removal of a
// machine go through the store's functions. A real PostgreSQL 15 of the test's own.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FragClient } from '../../client/lib/client.js';
import { drained, pgBinDir, teamMachine, TestPg, type TeamMachineOptions } from '../support/pg.js';
import { startDaemon, TestDaemon, until } from '../support/daemon.js';

const bin = pgBinDir();
if (!bin)
  console.log('team security tests skipped: PostgreSQL binaries are not installed (apt-get install postgresql)');

const T0 = Date.parse('2026-03-10T09:00:00Z');

describe.skipIf(!bin)('team store: each machine its own role, row-level security', () => {
  let pg_: TestPg;
  const daemons: TestDaemon[] = [];
  const clients: FragClient[] = [];

  beforeAll(async () => {
    pg_ = await TestPg.start();
  }, 60_000);
  afterAll(() => pg_?.stop());
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const d of daemons.splice(0)) await d.dispose();
  });

  async function client(d: TestDaemon): Promise<FragClient> {
    const c = await d.client();
    clients.push(c);
    return c;
  }

  /** A machine whose connection is the file setup wrote for it (FRAGD_PG_URL emptied). */
  async function machine(file: string, name: string, opts: TeamMachineOptions = {}): Promise<TestDaemon> {
    const d = teamMachine('', name, { ...opts, env: { FRAGD_PG_URL: '', ...opts.env }, sync: { url_file: file } });
    daemons.push(d);
    return d.start();
  }

  /** A connection as a role, straight to PostgreSQL: what a member could do with its credentials. */
  async function as<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  }

  const refused = (p: Promise<unknown>) =>
    p.then(
      () => 'allowed',
      (e: Error) => e.message,
    );

  /** The administrator's set-up through fragctl, on a daemon with sync off; returns the machines' files. */
  async function setup(database: string, machines: string[]) {
    const admin = await startDaemon();
    daemons.push(admin);
    const adminFile = join(admin.home, 'admin-url');
    writeFileSync(adminFile, `${await pg_.database(database)}\n`, { mode: 0o600 });
    const out = join(admin.home, 'team-files');
    const args = ['sync', 'setup', '--team', 'acme', '--admin-url-file', adminFile, '--out', out];
    for (const m of machines) args.push('--machine', m);
    const r = await admin.json(args);
    expect(r.code, r.stderr).toBe(0);
    const files = Object.fromEntries(
      (r.body.machines as { machine: string; url_file: string }[]).map((m) => [m.machine, m.url_file]),
    );
    return { admin, adminFile, out, files, result: r.body };
  }

  it('a machine logs in with the password setup gave it: with password authentication required, its file connects and syncs, a wrong password is refused', async () => {
    const { files } = await setup('pw', ['alpha']);
    const url = new URL(readFileSync(files.alpha, 'utf8').trim());
    const role = decodeURIComponent(url.username);
    expect(url.password.length).toBeGreaterThanOrEqual(32);
    // The test cluster trusts local logins; for this role, require the password (SCRAM)
    // ahead of that rule, as a real server would, and reload.
    const hba = join(pg_.dir, 'data', 'pg_hba.conf');
    const before = readFileSync(hba, 'utf8');
    writeFileSync(hba, `host all ${role} 127.0.0.1/32 scram-sha-256\n${before}`);
    await pg_.sql('SELECT pg_reload_conf()');
    try {
      const wrong = new URL(url);
      wrong.password = 'not-the-password';
      expect(await refused(as(wrong.toString(), (c) => c.query('SELECT 1')))).toMatch(
        /password authentication failed for user/,
      );
      expect(await as(url.toString(), async (c) => (await c.query('SELECT current_user AS u')).rows[0].u)).toBe(role);
      // A real daemon on that file pushes through password authentication.
      const a = await machine(files.alpha, 'alpha');
      const ca = await client(a);
      await ca.call('task.create', { code: 'PW-1', title: 'pushed with a password' });
      await until(
        'the push',
        async () => {
          const st = await ca.call('sync.status', {});
          return st.connected === true && st.queue === 0 && !st.last_error;
        },
        30_000,
      );
      const stored = await pg_.sql<{ machine: string }>(
        "SELECT machine FROM fragd_rows WHERE tbl = 'tasks' AND data->>'code' = 'PW-1'",
        [],
        'pw',
      );
      expect(stored.map((r) => r.machine)).toEqual(['alpha']);
    } finally {
      writeFileSync(hba, before);
      await pg_.sql('SELECT pg_reload_conf()');
    }
  });

  it('sync setup gives each machine a role and files; a role cannot change another machine’s rows or claims, nor forge a date', async () => {
    // The SQL alone first: nothing connected to, no password shown.
    const printer = await startDaemon();
    daemons.push(printer);
    const printed = await printer.fragctl(['sync', 'setup', '--team', 'acme', '--machine', 'alpha', '--print']);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toMatch(/ENABLE ROW LEVEL SECURITY/);
    expect(printed.stdout).toMatch(/PASSWORD '<password>'/);

    const { admin, adminFile, out, files, result } = await setup('sec', ['alpha', 'beta']);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    // Run again for one more machine, as a person reads it: what to do on that machine.
    const text = await admin.fragctl([
      'sync',
      'setup',
      '--team',
      'acme',
      '--machine',
      'gamma',
      '--admin-url-file',
      adminFile,
      '--out',
      out,
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^team acme: 1 machine role created or renewed, row-level security on/);
    expect(text.stdout).toMatch(
      /machine gamma \(role fragd_acme_gamma_[0-9a-f]{8}\):\n {2}1\. copy .*gamma\.pg-url to that machine's config directory as pg-url, mode 0600/,
    );
    expect(text.stdout).toContain('"machine":"gamma","url_file":"pg-url"');
    expect(text.stdout).not.toMatch(/postgres:\/\//);
    // A folder open to others is refused before any password changes.
    const open = join(admin.home, 'open');
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    const refusedDir = await admin.fragctl([
      'sync',
      'setup',
      '--team',
      'acme',
      '--machine',
      'gamma',
      '--admin-url-file',
      adminFile,
      '--out',
      open,
    ]);
    expect(refusedDir.code).toBe(2);
    expect(refusedDir.stderr).toMatch(/is open to others \(mode 755\)/);
    for (const f of Object.values(files)) expect(statSync(f).mode & 0o777).toBe(0o600);
    const roles = Object.fromEntries(
      (result.machines as { machine: string; role: string }[]).map((m) => [m.machine, m.role]),
    );
    expect(readFileSync(files.alpha, 'utf8')).toContain(`${roles.alpha}:`);
    expect(JSON.stringify(result)).not.toMatch(/:[A-Za-z0-9_-]{32}@/); // no password in the answer

    // Real daemons on their own roles work as before: plan, claims, time, take-over, report.
    const o = { env: { FRAGD_TEST_CLOCK: String(T0) }, config: { idle_timeout_seconds: 86_400 } };
    const [a, b] = [await machine(files.alpha, 'alpha', o), await machine(files.beta, 'beta', o)];
    const [ca, cb] = [await client(a), await client(b)];
    await ca.call('task.create', { code: 'T-1', title: 'one' });
    await ca.call('task.create', { code: 'T-2', title: 'two' });
    await until('beta to see the plan', async () => (await cb.call('task.list', {})).tasks.length === 2, 30_000);
    await ca.call('session.start', { os_user: 'ann' });
    await ca.call('task.activate', { code: 'T-1' });
    await cb.call('session.start', { os_user: 'bob' });
    await expect(cb.call('task.activate', { code: 'T-1' })).rejects.toThrow(/held by human on machine alpha/);
    await cb.call('task.activate', { code: 'T-2' });
    await ca.call('debug.clock', { advance_ms: 1_800_000, ticking: true });
    await cb.call('debug.clock', { advance_ms: 900_000, ticking: true });
    await Promise.all([drained(ca), drained(cb)]);
    const report = await a.json([
      'report',
      '--team',
      '--by',
      'machine',
      '--since',
      '2026-03-10',
      '--until',
      '2026-03-10',
      '--tz',
      'UTC',
    ]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.body.rows.map((r: { key: string; seconds: number }) => [r.key, r.seconds])).toEqual([
      ['alpha', 1800],
      ['beta', 900],
    ]);
    const db = 'sec';
    const rowsBy = await pg_.sql<{ machine: string; changed_by: string }>(
      'SELECT DISTINCT machine, changed_by FROM fragd_rows ORDER BY 1',
      [],
      db,
    );
    // Who wrote each row is the store's word, not the machine's.
    expect(rowsBy).toEqual([
      { machine: 'alpha', changed_by: roles.alpha },
      { machine: 'beta', changed_by: roles.beta },
    ]);

    // Reservations cross machines on the machines' own roles too: beta's refuses alpha's.
    await cb.call('reservation.create', { paths: ['src/auth.ts'], repo: '/srv/app' });
    await drained(cb);
    await expect(ca.call('reservation.create', { paths: ['src/*'], repo: '/srv/app' })).rejects.toThrow(
      /reserved exclusively by human \(SESSION-\d+ on machine beta\)/,
    );

    // Now alpha's credentials against beta's rows, straight to PostgreSQL.
    const alphaUrl = readFileSync(files.alpha, 'utf8').trim();
    const betaInterval = (
      await pg_.sql<{ row_id: string; version: string }>(
        "SELECT row_id, version FROM fragd_rows WHERE machine = 'beta' AND tbl = 'intervals'",
        [],
        db,
      )
    )[0];
    await as(alphaUrl, async (c) => {
      // Add an hour to beta's interval: no row of beta's is visible to change.
      const up = await c.query(
        `UPDATE fragd_rows SET data = jsonb_set(data, '{started_at}', to_jsonb((data->>'started_at')::bigint - 3600000)),
                version = version + 1000000 WHERE machine = 'beta' AND tbl = 'intervals'`,
      );
      expect(up.rowCount).toBe(0);
      // Write a row in beta's name, or a forged version of one of beta's rows.
      expect(
        await refused(
          c.query(
            `INSERT INTO fragd_rows (team, machine, tbl, row_id, version, data) VALUES ('acme', 'beta', 'intervals', $1, 9e15, '{}')
             ON CONFLICT (team, machine, tbl, row_id) DO UPDATE SET version = EXCLUDED.version, data = EXCLUDED.data`,
            [betaInterval.row_id],
          ),
        ),
      ).toMatch(/row-level security/);
      // Beta's reservation and its messages' read state are beta's rows: alpha cannot end or forge them.
      const release = await c.query(
        `UPDATE fragd_rows SET data = jsonb_set(data, '{released_at}', '1') WHERE machine = 'beta' AND tbl = 'reservations'`,
      );
      expect(release.rowCount).toBe(0);
      expect(
        await refused(
          c.query(
            `INSERT INTO fragd_rows (team, machine, tbl, row_id, version, data)
             VALUES ('acme', 'beta', 'message_recipients', 999, 1, '{"actor":"human","message_id":1,"acked_at":1}')`,
          ),
        ),
      ).toMatch(/row-level security/);
      // The team's time per task is the store's to keep.
      expect(await refused(c.query("UPDATE fragd_task_time SET ms = ms + 3600000 WHERE machine = 'beta'"))).toMatch(
        /permission denied/,
      );
      // Claims: not in beta's name, and beta's own only ended as a take-over (recorded as alpha's).
      expect(
        await refused(
          c.query("INSERT INTO fragd_claims (team, task_code, machine, actor) VALUES ('acme', 'T-9', 'beta', 'human')"),
        ),
      ).toMatch(/row-level security/);
      expect(
        await refused(c.query("UPDATE fragd_claims SET actor = 'mallory' WHERE machine = 'beta' AND active")),
      ).toMatch(/machine alpha may not change the claim of T-2 held by machine beta/);
      // A task edit dated a day ahead of the store's clock would win every later edit: refused.
      expect(
        await refused(
          c.query(
            `INSERT INTO fragd_rows (team, machine, tbl, row_id, version, data)
             VALUES ('acme', 'alpha', 'tasks', 424242, 1, jsonb_build_object('code', 'T-1', 'title', 'forged',
                     'updated_at', (extract(epoch FROM now()) * 1000)::bigint + 86400000))`,
          ),
        ),
      ).toMatch(/task T-1 of machine alpha is dated .* refused/);
      // Least privilege: nothing to create, nothing to delete, no one else's membership.
      expect(await refused(c.query('CREATE TABLE mine (x int)'))).toMatch(/permission denied/);
      expect(await refused(c.query("DELETE FROM fragd_rows WHERE machine = 'alpha'"))).toMatch(/permission denied/);
      expect((await c.query('SELECT machine FROM fragd_members')).rows).toEqual([{ machine: 'alpha' }]);
      // A temporary table of its own named fragd_members does not fool the store's checks.
      await c.query('CREATE TEMP TABLE fragd_members (team text, machine text, role_name text)');
      expect(
        await refused(c.query("UPDATE fragd_claims SET actor = 'mallory' WHERE machine = 'beta' AND active")),
      ).toMatch(/machine alpha may not change the claim of T-2/);
      expect(await refused(c.query("SELECT fragd_rename_machine('acme', 'beta', 'gone')"))).toMatch(
        /the role of machine alpha may not rename or remove machine beta/,
      );
    });
    const after = await pg_.sql<{ version: string }>(
      "SELECT version FROM fragd_rows WHERE machine = 'beta' AND tbl = 'intervals'",
      [],
      db,
    );
    expect(after[0].version).toBe(betaInterval.version);

    // The way that is allowed: an explicit take-over, which the store records as alpha's.
    await expect(ca.call('task.activate', { code: 'T-2', take_over: true })).resolves.toBeTruthy();
    const ended = await pg_.sql(
      "SELECT taken_by_machine, changed_by FROM fragd_claims WHERE task_code = 'T-2' AND machine = 'beta' AND NOT active",
      [],
      db,
    );
    expect(ended).toEqual([{ taken_by_machine: 'alpha', changed_by: roles.alpha }]);

    // And for a reservation: alpha's own take-over row, which beta's pull obeys by ending its own.
    await ca.call('reservation.create', { paths: ['src/auth.ts'], repo: '/srv/app', force: true });
    await until(
      'beta to end its reservation',
      async () =>
        (await cb.call('reservation.list', { repo: '/srv/app' })).reservations.every((v) => v.machine === 'alpha'),
      30_000,
    );
  }, 180_000);

  it('renames and removes machines: time moves to the new name without counting twice; the old name is refused', async () => {
    const { adminFile, files } = await setup('names', ['alpha', 'beta']);
    const o = { env: { FRAGD_TEST_CLOCK: String(T0) }, config: { idle_timeout_seconds: 86_400 } };
    const a = await machine(files.alpha, 'alpha', o);
    const b = await machine(files.beta, 'beta', o);
    const [ca, cb] = [await client(a), await client(b)];
    await ca.call('task.create', { code: 'T-1', title: 'one' });
    await until('beta to see T-1', async () => (await cb.call('task.list', {})).tasks.length === 1, 30_000);
    await ca.call('session.start', {});
    await ca.call('task.activate', { code: 'T-1' });
    await ca.call('debug.clock', { advance_ms: 600_000, ticking: true });
    await drained(ca);
    const byMachine = async () =>
      (
        await b.json([
          'report',
          '--team',
          '--by',
          'machine',
          '--since',
          '2026-03-10',
          '--until',
          '2026-03-10',
          '--tz',
          'UTC',
        ])
      ).body.rows.map((r: { key: string; seconds: number }) => [r.key, r.seconds]);
    expect(await byMachine()).toEqual([['alpha', 600]]);

    // Beta's role may not rename alpha.
    const wrong = await b.fragctl(['sync', 'machine', 'rename', 'alpha', 'ann-laptop']);
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/the role of machine beta may not rename or remove machine alpha/);

    // Alpha renames itself: its rows, claim and time move; the old name is refused from then on.
    const renamed = await a.json(['sync', 'machine', 'rename', 'alpha', 'ann-laptop']);
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(renamed.body.next).toMatch(/set sync\.machine to ann-laptop/);
    await ca.call('debug.clock', { advance_ms: 60_000 }); // a checkpoint alpha will try to push under its old name
    const st = await until(
      'alpha’s push under the old name to be refused',
      async () => {
        const s = await ca.call('sync.status', {});
        return s.last_error && /renamed to ann-laptop.*set sync\.machine to ann-laptop/.test(s.last_error.message)
          ? s
          : false;
      },
      30_000,
    );
    expect(st.last_error?.message).toMatch(/restart fragd/);
    expect(await byMachine()).toEqual([['ann-laptop', 600]]);
    // Beta's copy of alpha's time per task follows (the old name's total goes to 0, not doubled).
    await cb.call('sync.now', {});
    expect((await cb.call('task.show', { code: 'T-1' })).time_elsewhere).toEqual([
      { machine: 'ann-laptop', seconds: 600 },
    ]);
    expect((await pg_.sql('SELECT machine FROM fragd_claims WHERE active', [], 'names')).map((r) => r.machine)).toEqual(
      ['ann-laptop'],
    );

    // Restarted under the new name, the same database pushes what waited: 660 s, once.
    ca.close();
    clients.splice(clients.indexOf(ca), 1);
    await a.stop();
    a.writeConfig({
      idle_timeout_seconds: 86_400,
      sync: { enabled: true, team: 'acme', machine: 'ann-laptop', url_file: files.alpha, push_interval_ms: 50 },
    });
    await a.start();
    const ca2 = await client(a);
    await drained(ca2);
    expect(await byMachine()).toEqual([['ann-laptop', 660]]);

    // The administrator removes beta: its claims end; its pushes are refused; its history stays.
    await cb.call('session.start', {});
    await cb.call('task.create', { code: 'T-2', title: 'two' });
    await cb.call('task.activate', { code: 'T-2' });
    await drained(cb);
    const removed = await a.json(['sync', 'machine', 'remove', 'beta', '--admin-url-file', adminFile]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.body.changed).toBe(1);
    expect(await pg_.sql("SELECT 1 FROM fragd_claims WHERE machine = 'beta' AND active", [], 'names')).toEqual([]);
    await cb.call('activity.note', { message: 'still here?' });
    await until('beta’s push to be refused', async () => {
      const s = await cb.call('sync.status', {});
      return s.last_error && /removed|row-level security/.test(s.last_error.message);
    });
    expect(existsSync(files.beta)).toBe(true);
  }, 180_000);
});
