// Two machines, one team store: real fragd daemons with separate homes and a real
// PostgreSQL cluster of the test's own (test/support/pg.ts).
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FragClient, RpcError } from '../../client/lib/client.js';
import { drained, PG_PASSWORD, pgBinDir, teamMachine, TestPg, type TeamMachineOptions } from '../support/pg.js';
import { TestDaemon, tempHome, until, sleep } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';
import { appendLines, claudeAssistantLine, Conversation, fixture, runHook } from '../support/agents.js';

const bin = pgBinDir();
if (!bin) console.log('team sync tests skipped: PostgreSQL binaries are not installed (apt-get install postgresql)');

const T0 = Date.parse('2026-03-10T09:00:00Z');

describe.skipIf(!bin)('team sync on PostgreSQL', () => {
  let pg: TestPg;
  const daemons: TestDaemon[] = [];
  const clients: FragClient[] = [];

  beforeAll(async () => {
    pg = await TestPg.start();
  }, 60_000);
  afterAll(() => pg?.stop());
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const d of daemons.splice(0)) await d.dispose();
  });

  async function machine(url: string, name: string, opts: TeamMachineOptions = {}): Promise<TestDaemon> {
    const d = teamMachine(url, name, opts);
    daemons.push(d);
    return d.start();
  }

  async function client(d: TestDaemon): Promise<FragClient> {
    const c = await d.client();
    clients.push(c);
    return c;
  }

  /** Rows of each synced table, as the machine has them locally. */
  function localRows(d: TestDaemon): Map<string, number> {
    const db = new Database(d.paths.db, { readonly: true });
    try {
      const tables = db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'sync_%' AND name NOT IN ('meta', 'agent_transcripts', 'time_totals', 'interval_bounds', 'interval_hours', 'task_update_counts', 'undo_steps', 'undo_log', 'undo_active')",
        )
        .pluck()
        .all() as string[];
      return new Map(tables.map((t) => [t, db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number]));
    } finally {
      db.close();
    }
  }

  function outboxLength(d: TestDaemon): number {
    const db = new Database(d.paths.db, { readonly: true });
    try {
      return db.prepare('SELECT count(*) FROM sync_outbox').pluck().get() as number;
    } finally {
      db.close();
    }
  }

  async function pgRows(database: string, name: string): Promise<Map<string, number>> {
    const rows = await pg.sql<{ tbl: string; n: string }>(
      'SELECT tbl, count(*) AS n FROM fragd_rows WHERE machine = $1 AND NOT deleted GROUP BY tbl',
      [name],
      database,
    );
    return new Map(rows.map((r) => [r.tbl, Number(r.n)]));
  }

  /** Every local row is in PostgreSQL exactly once (the key makes a second copy impossible; counts prove none is missing). */
  async function expectMirrored(d: TestDaemon, database: string, name: string) {
    const local = localRows(d);
    const remote = await pgRows(database, name);
    for (const [t, n] of local) expect({ table: t, rows: remote.get(t) ?? 0 }).toEqual({ table: t, rows: n });
    const dup = await pg.sql(
      'SELECT tbl, row_id FROM fragd_rows WHERE machine = $1 GROUP BY tbl, row_id HAVING count(*) > 1',
      [name],
      database,
    );
    expect(dup).toEqual([]);
  }

  /**
   * Alpha and beta on one database: a plan of `tasks` tasks made on alpha reaches beta
   * through the team store, and each machine opens `sessions` sessions (actors a0…, b0…).
   */
  async function twoMachinesOnePlan(database: string, tasks: number, sessions: number) {
    const url = await pg.database(database);
    const [a, b] = await Promise.all([machine(url, 'alpha'), machine(url, 'beta')]);
    const [ca, cb] = await Promise.all([client(a), client(b)]);
    await ca.call('project.create', { code: 'P', title: 'Plan' });
    for (let i = 0; i < tasks; i++) await ca.call('task.create', { code: `T-${i}`, title: `task ${i}`, project: 'P' });
    await until('beta to see the plan', async () => (await cb.call('task.list', {})).tasks.length === tasks, 30_000);
    for (let i = 0; i < sessions; i++) {
      await ca.call('session.start', { actor: `a${i}` });
      await cb.call('session.start', { actor: `b${i}` });
    }
    return { a, b, ca, cb };
  }

  it('two machines share one plan, and each of 50 tasks raced for by both is held by exactly one', async () => {
    const { ca, cb } = await twoMachinesOnePlan('race', 50, 50);
    const tries = Array.from({ length: 50 }, (_, i) => [
      ca.call('task.activate', { code: `T-${i}`, actor: `a${i}` }).then(
        () => 'alpha',
        (e: RpcError) => e,
      ),
      cb.call('task.activate', { code: `T-${i}`, actor: `b${i}` }).then(
        () => 'beta',
        (e: RpcError) => e,
      ),
    ]);
    const outcomes = await Promise.all(tries.map((pair) => Promise.all(pair)));
    for (const [i, pair] of outcomes.entries()) {
      const won = pair.filter((o) => typeof o === 'string');
      expect({ task: i, winners: won.length }).toEqual({ task: i, winners: 1 });
      const lost = pair.find((o) => typeof o !== 'string') as RpcError;
      // The same refusal as a local holder's (task_claimed), naming the machine.
      expect(lost.data?.error).toBe('task_claimed');
      expect(lost.message).toMatch(new RegExp(`T-${i} is held by [ab]${i} on machine ${won[0]} since `));
    }
    // Several reconciliation rounds later (every 50 ms here), every claim is still there.
    await sleep(500);
    const claims = await pg.sql<{ task_code: string; machine: string }>(
      'SELECT task_code, machine FROM fragd_claims WHERE active ORDER BY task_code',
      [],
      'race',
    );
    expect(claims).toHaveLength(50);
    expect(new Set(claims.map((c) => c.task_code)).size).toBe(50);

    // Each machine sees the other's claims.
    const winnersOfA = outcomes.filter((p) => p.includes('alpha')).length;
    await until(
      'beta to pull alpha’s claims',
      async () => (await cb.call('sync.status', {})).remote_claims === winnersOfA,
    );

    // A claim given back on one machine can be taken on the other.
    const i = outcomes.findIndex((p) => p.includes('alpha'));
    await ca.call('task.deactivate', { actor: `a${i}` });
    await until('beta to take the released task', async () =>
      cb.call('task.activate', { code: `T-${i}`, actor: `b${i}` }).then(
        () => true,
        () => false,
      ),
    );
    const holder = await pg.sql(
      'SELECT machine, actor FROM fragd_claims WHERE active AND task_code = $1',
      [`T-${i}`],
      'race',
    );
    expect(holder).toEqual([{ machine: 'beta', actor: `b${i}` }]);
  }, 120_000);

  it('a machine that works offline catches up with nothing lost or doubled, and claims are refused meanwhile', async () => {
    const url = await pg.database('offline');
    const [a, b] = await Promise.all([machine(url, 'alpha'), machine(url, 'beta')]);
    const [ca, cb] = await Promise.all([client(a), client(b)]);
    await ca.call('project.create', { code: 'P', title: 'Plan' });
    await ca.call('task.create', { code: 'T-1', title: 'online task', project: 'P' });
    await ca.call('session.start', {});
    await drained(ca);

    pg.down();
    try {
      for (let i = 0; i < 40; i++) await ca.call('activity.note', { message: `offline note ${i}` });
      await ca.call('task.create', { code: 'T-2', title: 'made offline', project: 'P' });
      await ca.call('task.edit', { code: 'T-1', title: 'renamed offline' });
      // Claiming needs the team store: refused with a clear error, nothing activated.
      const refused = await a.fragctl(['task', 'activate', 'T-2']);
      expect(refused.code).toBe(7);
      expect(refused.stderr).toMatch(/cannot claim T-2: the team store \(PostgreSQL\) does not answer/);
      expect(refused.stderr).not.toContain(PG_PASSWORD);
      expect((await ca.call('context.show', {})).stack).toEqual([]);
      // next --activate follows the same rule: it names the task it chose and why it was not started.
      const next = await a.fragctl(['next', '--activate']);
      expect(next.code).toBe(7);
      expect(next.stderr).toMatch(/cannot claim T-\d: the team store \(PostgreSQL\) does not answer/);
      expect((await ca.call('context.show', {})).stack).toEqual([]);
      const s = await until('the failure to show', async () => {
        const st = await ca.call('sync.status', {});
        return st.last_error && st.queue > 0 ? st : false;
      });
      expect(s.queue).toBeGreaterThanOrEqual(42);
      expect(s.oldest_unpushed_age_seconds).toBeGreaterThanOrEqual(0);
      expect(JSON.stringify(s)).not.toContain(PG_PASSWORD);
      const shown = await a.fragctl(['sync', 'status']);
      expect(shown.stdout).toMatch(/queue: \d+ changes/);
      expect(shown.stdout).toMatch(/last error/);
      expect(shown.stdout + shown.stderr + a.output).not.toContain(PG_PASSWORD);
      await sleep(1500); // a few failed rounds with backoff
    } finally {
      pg.up();
    }
    // Backoff caps at a minute; the second failure waits ~2 s, so this catches up well within the wait.
    await drained(ca);
    await expectMirrored(a, 'offline', 'alpha');
    const notes = await pg.sql<{ n: string }>(
      "SELECT count(*) AS n FROM fragd_rows WHERE machine = 'alpha' AND tbl = 'activities' AND data->>'message' LIKE 'offline note %'",
      [],
      'offline',
    );
    expect(Number(notes[0].n)).toBe(40);
    // The other machine gets what was planned offline.
    await until(
      'beta to see T-2 and the new title of T-1',
      async () => {
        const tasks = (await cb.call('task.list', {})).tasks;
        return tasks.some((t) => t.code === 'T-2') && tasks.find((t) => t.code === 'T-1')?.title === 'renamed offline';
      },
      30_000,
    );
    // Pulled rows are not pushed back by the machine that applied them.
    const betaTasks = await pg.sql("SELECT 1 FROM fragd_rows WHERE machine = 'beta' AND tbl = 'tasks'", [], 'offline');
    expect(betaTasks).toEqual([]);
    expect((await ca.call('task.activate', { code: 'T-2' })).task.code).toBe('T-2');
  }, 120_000);

  it('kill -9 between the PostgreSQL commit and the outbox delete leaves exactly one copy of every change', async () => {
    const url = await pg.database('crash');
    // History made before sync was on: it is queued when sync is turned on.
    const home = tempHome();
    const plain = new TestDaemon(home, {});
    daemons.push(plain);
    await plain.start();
    const cp = await client(plain);
    await cp.call('session.start', {});
    for (let i = 0; i < 600; i++) await cp.call('activity.note', { message: `note ${i}` });
    cp.close();
    await plain.stop();

    const dying = await machine(url, 'alpha', {
      home,
      env: { FRAGD_SYNC_CRASH_AFTER_COMMIT: '1' },
      sync: { batch_size: 200 },
    });
    await until(
      'the crash after the first commit',
      () => dying.proc!.exitCode !== null || dying.proc!.signalCode,
      20_000,
    );
    expect(dying.proc!.signalCode).toBe('SIGKILL');
    const first = await pg.sql<{ n: string }>(
      "SELECT count(*) AS n FROM fragd_rows WHERE machine = 'alpha'",
      [],
      'crash',
    );
    expect(Number(first[0].n)).toBe(200);
    expect(outboxLength(dying)).toBeGreaterThan(600); // nothing was marked pushed

    // And a kill -9 at a random moment of the pushes that follow.
    const again = await machine(url, 'alpha', { home, sync: { batch_size: 20, push_interval_ms: 20 } });
    await until(
      'some but not all pushed',
      async () => {
        const n = await pg.sql<{ n: string }>(
          "SELECT count(*) AS n FROM fragd_rows WHERE machine = 'alpha'",
          [],
          'crash',
        );
        return Number(n[0].n) > 220;
      },
      20_000,
    );
    await again.crash();
    const resumed = await machine(url, 'alpha', { home });
    await drained(await client(resumed));
    await expectMirrored(resumed, 'crash', 'alpha');
  }, 120_000);

  it('reports the team by person, machine, actor and task from the team store', async () => {
    const url = await pg.database('report');
    // No idle pause in the hour the clocks move: the time is work.
    const o = { env: { FRAGD_TEST_CLOCK: String(T0) }, config: { idle_timeout_seconds: 86_400 } };
    const [a, b] = await Promise.all([machine(url, 'alpha', o), machine(url, 'beta', o)]);
    const [ca, cb] = await Promise.all([client(a), client(b)]);
    await ca.call('project.create', { code: 'P', title: 'Plan' });
    await ca.call('task.create', { code: 'T-1', title: 'one', project: 'P' });
    await ca.call('task.create', { code: 'T-2', title: 'two', project: 'P' });
    await until('beta to see the plan', async () => (await cb.call('task.list', {})).tasks.length === 2, 30_000);
    await ca.call('session.start', { os_user: 'ann' });
    await ca.call('task.activate', { code: 'T-1' });
    await cb.call('session.start', { actor: 'claude', os_user: 'bob' });
    await cb.call('task.activate', { code: 'T-2', actor: 'claude' });
    await ca.call('activity.update', { message: 'halfway through the parser' });
    await ca.call('activity.note', { message: 'the lexer needs a look too' });
    await ca.call('debug.clock', { advance_ms: 3_600_000, ticking: true });
    await cb.call('debug.clock', { advance_ms: 1_800_000, ticking: true });
    await Promise.all([drained(ca), drained(cb)]);

    const report = async (by: string) => {
      const r = await a.json([
        'report',
        '--team',
        '--by',
        by,
        '--since',
        '2026-03-10',
        '--until',
        '2026-03-10',
        '--tz',
        'UTC',
      ]);
      expect(r.code).toBe(0);
      return Object.fromEntries((r.body.rows as { key: string; seconds: number }[]).map((x) => [x.key, x.seconds]));
    };
    expect(await report('machine')).toEqual({ alpha: 3600, beta: 1800 });
    expect(await report('person')).toEqual({ ann: 3600, bob: 1800 });
    expect(await report('actor')).toEqual({ human: 3600, claude: 1800 });
    expect(await report('task')).toEqual({ 'T-1': 3600, 'T-2': 1800 });
    const table = await a.fragctl([
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
    expect(table.stdout).toMatch(/team acme · time by machine/);
    expect(table.stdout).toMatch(/alpha\s*│\s*1h/);
    const wrong = await a.fragctl(['report', '--team', '--by', 'sprint']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--team reports by person, machine, actor, task/);

    // Each machine sees the other's hold and time on a task: totals are not split by machine.
    // Alpha's hour is in the team store (drained above); beta's task show reads it from there
    // for its answer, not as of its last pull (up to a 10 s heartbeat behind: beta's mirror
    // still said 0 s, the interval as pushed at activation, which the test used to race).
    const shown = await cb.call('task.show', { code: 'T-1' });
    expect(shown.team_fresh).toBe(true);
    expect(shown.updates_elsewhere.map((u) => [u.machine, u.kind, u.message, u.person])).toEqual([
      ['alpha', 'update', 'halfway through the parser', 'ann'],
      ['alpha', 'note', 'the lexer needs a look too', 'ann'],
    ]);
    expect(shown.time_elsewhere).toEqual([{ machine: 'alpha', seconds: 3600 }]);
    expect(shown.task.held_elsewhere).toMatchObject({ machine: 'alpha', actor: 'human' });
    // Created and activated on alpha in the same (test clock) millisecond: the activation still arrives.
    expect(shown.task.status).toBe('in_progress');
    const text = await b.fragctl(['task', 'show', 'T-1']);
    expect(text.stdout).toMatch(/held by human on machine alpha since/);
    expect(text.stdout).toMatch(/time on other machines: alpha 1h00m/);
    expect(text.stdout).toMatch(/updates on other machines:\n.*update\s+halfway through the parser\s+\[alpha, ann\]/);
    // An estimate set on beta is checked against the team's time on the task.
    await cb.call('task.edit', { code: 'T-1', estimate_minutes: 30 });
    const db = new Database(b.paths.db, { readonly: true });
    const change = db.prepare("SELECT data FROM activities WHERE kind = 'estimate.change'").pluck().get() as string;
    db.close();
    expect(JSON.parse(change)).toMatchObject({ code: 'T-1', new: 30, tracked_minutes: 60 });
    // And beta's `next` says where T-1 is held.
    await cb.call('session.start', { actor: 'codex' });
    const next = await cb.call('task.next', { actor: 'codex' });
    expect(next.waiting).toContainEqual({ code: 'T-1', reason: 'held by human on machine alpha' });
  }, 120_000);

  it('the team report sums exactly (before rounding) and carries the agents’ tokens with their cost', async () => {
    const url = await pg.database('exact');
    const o = { env: { FRAGD_TEST_CLOCK: String(T0) } };
    const [a, b] = await Promise.all([machine(url, 'alpha', o), machine(url, 'beta', o)]);
    const [ca, cb] = await Promise.all([client(a), client(b)]);
    await ca.call('session.start', { os_user: 'ann' });
    // Three intervals of 1.4 s on three tasks: each row shows 1 s, the total is 4.2 s → 4 s, not 3.
    for (const t of ['T-1', 'T-2', 'T-3']) {
      await ca.call('task.create', { code: t, title: t });
      const i = ['T-1', 'T-2', 'T-3'].indexOf(t);
      await ca.call('interval.track', {
        start: new Date(T0 - 3_600_000 + i * 10_000).toISOString(),
        end: new Date(T0 - 3_600_000 + i * 10_000 + 1400).toISOString(),
        task: t,
      });
    }
    // Beta: a Claude Code conversation whose transcript holds two priced requests (hand-priced):
    // Sonnet 4.5, $3 × 1000 + $15 × 500 + $3.75 × 2000 + $0.30 × 10000 per million = $0.021, twice.
    const dir = join(b.home, 'work');
    mkdirSync(dir, { recursive: true });
    const transcript = join(b.home, 't.jsonl');
    writeFileSync(transcript, '');
    const claude = new Conversation(b, 'claude', { session_id: 'team-cost-1', cwd: dir, transcript_path: transcript });
    const usage = { input: 1000, output: 500, cache_creation: 2000, cache_read: 10_000 };
    await claude.send('SessionStart', T0 - 1_800_000);
    await claude.send('UserPromptSubmit', T0 - 1_799_000);
    appendLines(transcript, [
      claudeAssistantLine('msg_t1', T0 - 1_798_000, usage),
      claudeAssistantLine('msg_t2', T0 - 1_797_000, usage),
    ]);
    await claude.send('Stop', T0 - 1_796_000);
    await Promise.all([drained(ca), drained(cb)]);

    const team = async (by: string) => {
      const r = await a.json([
        'report',
        '--team',
        '--by',
        by,
        '--since',
        '2026-03-10',
        '--until',
        '2026-03-10',
        '--tz',
        'UTC',
      ]);
      expect(r.code, r.stderr).toBe(0);
      return r.body;
    };
    const byTask = await team('task');
    const tasks = Object.fromEntries(
      byTask.rows.map((r: { key: string; seconds: number; milliseconds: number }) => [
        r.key,
        [r.seconds, r.milliseconds],
      ]),
    );
    expect(tasks).toMatchObject({ 'T-1': [1, 1400], 'T-2': [1, 1400], 'T-3': [1, 1400] });
    const taskMs = 1400 + 1400 + 1400;
    const beta = byTask.rows.find((r: { key: string }) => r.key === '(none)');
    // Beta's session time (no task) is the rest of the total.
    expect(byTask.total_milliseconds).toBe(taskMs + (beta?.milliseconds ?? 0));
    expect(byTask.total_seconds).toBe(Math.round(byTask.total_milliseconds / 1000));

    const byMachine = await team('machine');
    const rows = Object.fromEntries(byMachine.rows.map((r: { key: string }) => [r.key, r]));
    expect(rows.alpha.tokens).toEqual({ input: 0, output: 0, cache_creation: 0, cache_read: 0 });
    expect(rows.beta.tokens).toEqual({ input: 2000, output: 1000, cache_creation: 4000, cache_read: 20_000 });
    expect(rows.beta.cost).toMatchObject({ usd: '0.04', exact_usd: '0.042', unpriced_tokens: 0 });
    expect(byMachine.cost).toMatchObject({ usd: '0.04', exact_usd: '0.042' });
    const byActor = await team('actor');
    expect(byActor.rows.find((r: { key: string }) => r.key === 'claude').cost.exact_usd).toBe('0.042');
    const table = await a.fragctl([
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
    expect(table.stdout).toMatch(/beta\s*│.*│\s*27000\s*│\s*\$0\.04/);
    expect(table.stdout).toMatch(/cost \$0\.04 \(exactly \$0\.042\)/);
    const csv = await a.fragctl([
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
      '--csv',
    ]);
    expect(csv.stdout).toMatch(/^by,key,seconds,hours,intervals,machines,actors,input_tokens,.*cost_usd/);
    expect(csv.stdout).toMatch(/\nmachine,beta,\d+,[\d.]+,\d+,1,1,2000,1000,4000,20000,0\.042,0/);
  }, 120_000);

  it('refuses a connection file others can read, with the fix, and never shows the password', async () => {
    const d = new TestDaemon(tempHome(), {});
    daemons.push(d);
    const file = join(d.home, 'pg-url');
    writeFileSync(file, `${pg.url()}\n`);
    chmodSync(file, 0o644);
    d.writeConfig({ sync: { enabled: true, team: 'acme', machine: 'm', url_file: file } });
    const err = await d.start().then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/is readable by others \(mode 644\).*Fix: chmod 600 /);
    expect(err?.message).not.toContain(PG_PASSWORD);

    chmodSync(file, 0o600);
    await d.start();
    const c = await client(d);
    await c.call('session.start', {});
    const s = await drained(c);
    expect(s.store).toBe(`url_file ${file}`);
    expect(JSON.stringify(s) + d.output).not.toContain(PG_PASSWORD);
  }, 60_000);

  it('gives a claim back when the activation it was granted for fails here', async () => {
    const url = await pg.database('giveback');
    const a = await machine(url, 'alpha');
    const c = await client(a);
    // Blocked by an open dependency: the team store grants T-1, the local write refuses it.
    await c.call('task.create', { code: 'T-0', title: 'first' });
    await c.call('task.create', { code: 'T-1', title: 'blocked', depends_on: ['T-0'] });
    await c.call('session.start', {});
    await expect(c.call('task.activate', { code: 'T-1' })).rejects.toThrow(/blocked|depends/);
    // Well before the 30 s that a granted-but-unsettled claim is kept for.
    await until('the claim to be given back', async () => {
      const rows = await pg.sql('SELECT 1 FROM fragd_claims WHERE active', [], 'giveback');
      const all = await pg.sql('SELECT 1 FROM fragd_claims', [], 'giveback');
      return rows.length === 0 && all.length === 1;
    });
  }, 60_000);

  it('names a task held on two machines (one took it before sync was on) instead of keeping it quiet', async () => {
    const url = await pg.database('clash');
    const home = tempHome();
    const a0 = await machine(url, 'alpha', { home, enabled: false });
    const b = await machine(url, 'beta');
    const [ca0, cb] = await Promise.all([client(a0), client(b)]);
    for (const c of [ca0, cb]) {
      await c.call('task.create', { code: 'T-1', title: 'both' });
      await c.call('session.start', {});
    }
    await cb.call('task.activate', { code: 'T-1' }); // granted by the team store
    await ca0.call('task.activate', { code: 'T-1' }); // sync off: nobody to ask
    ca0.close();
    await a0.stop();
    const a = await machine(url, 'alpha', { home });
    const ca = await client(a);
    const s = await until('the conflict to show', async () => {
      const st = await ca.call('sync.status', {});
      return st.claim_conflicts?.length ? st : false;
    });
    expect(s.claim_conflicts).toEqual([
      {
        task: 'T-1',
        holder_machine: 'beta',
        holder_actor: 'human',
        taken_over: false,
        session: expect.stringMatching(/^SESSION-\d+$/),
      },
    ]);
    expect((await a.fragctl(['sync', 'status'])).stdout).toMatch(
      /conflict: T-1 is held here and by human on beta; one of them must let go/,
    );
  }, 60_000);

  it('next --activate on two machines at once: the team store grants each task to one of them', async () => {
    const { ca, cb } = await twoMachinesOnePlan('nextrace', 12, 8);
    // Sixteen sessions ask for the next task at once: both machines would pick T-0 first.
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => [
        ca.call('task.next', { activate: true, actor: `a${i}` }),
        cb.call('task.next', { activate: true, actor: `b${i}` }),
      ]).flat(),
    );
    const taken = answers.filter((r) => r.activated).map((r) => r.task!.code);
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `T-${i}`).sort());
    for (const r of answers.filter((x) => !x.activated)) expect(r.task).toBeNull();
    // What each machine's sessions hold is what the team store granted it.
    const claims = await pg.sql<{ task_code: string; machine: string }>(
      'SELECT task_code, machine FROM fragd_claims WHERE active ORDER BY task_code',
      [],
      'nextrace',
    );
    const held = async (c: FragClient, prefix: string, name: string) => {
      const out: string[] = [];
      for (let i = 0; i < 8; i++) {
        const top = (await c.call('context.show', { actor: `${prefix}${i}` })).stack.find((f) => f.type === 'task');
        if (top) out.push(`${top.code}@${name}`);
      }
      return out;
    };
    const stacks = [...(await held(ca, 'a', 'alpha')), ...(await held(cb, 'b', 'beta'))].sort();
    expect(claims.map((c) => `${c.task_code}@${c.machine}`).sort()).toEqual(stacks);
  }, 120_000);

  it('an agent’s branch never takes a task another machine holds, even before this machine has pulled it', async () => {
    const url = await pg.database('agentbranch');
    const a = await machine(url, 'alpha');
    // Beta pulls once at start and then not for ten minutes: only the team store can tell it who holds what.
    const b = await machine(url, 'beta', { sync: { pull_interval_ms: 600_000 } });
    const [ca, cb] = await Promise.all([client(a), client(b)]);
    await cb.call('project.create', { code: 'APP', title: 'The app' });
    await cb.call('task.create', { code: 'T-1', title: 'Login page', project: 'APP' });
    await until('alpha to see T-1', async () => (await ca.call('task.list', {})).tasks.length === 1, 30_000);
    await ca.call('session.start', {});
    await ca.call('task.activate', { code: 'T-1' });

    const repo = TestRepo.create(b.env);
    repo.commit('README.md', '# app\n', 'first');
    repo.git(['checkout', '-q', '-b', 'feature/T-1-login']);
    writeFileSync(join(repo.dir, '.fragd.json'), JSON.stringify({ project: 'APP' }));
    const ids = { session_id: 'conv-1', cwd: repo.dir, transcript_path: join(b.home, 'none.jsonl') };
    const started = await cb.call('agent.hook', {
      agent: 'claude',
      event: 'SessionStart',
      payload: { ...fixture('claude', 'SessionStart'), ...ids },
    });
    const key = started.session!;
    const stackOf = async () => (await cb.call('context.show', { session: key })).stack.map((f) => f.code);
    expect(await stackOf()).toEqual([]); // refused: the stack stays as it was
    const refusals = async () =>
      (await cb.call('session.history', { session: key })).activities.filter((x) => x.kind === 'claim.refused');
    expect((await refusals()).map((x) => x.message)).toEqual([
      expect.stringMatching(/^T-1 is held by human on machine alpha since /),
    ]);
    expect(started.context).toContain('T-1');

    // Alpha lets go; the agent's next prompt (spooled by the hook, ingested by fragd) takes it.
    await ca.call('task.deactivate', {});
    await until('alpha’s claim to end in the team store', async () => {
      const rows = await pg.sql("SELECT 1 FROM fragd_claims WHERE active AND task_code = 'T-1'", [], 'agentbranch');
      return rows.length === 0;
    });
    const r = await runHook(
      b,
      'claude',
      'UserPromptSubmit',
      { ...fixture('claude', 'UserPromptSubmit'), ...ids },
      Date.now(),
    );
    expect(r.code).toBe(0);
    await until('the prompt to put T-1 on the agent’s stack', async () => (await stackOf()).includes('T-1'));
    // Granted before the ingest knew the session; the holder's session is filled in after.
    await until('the claim to name the agent’s session', async () => {
      const rows = await pg.sql(
        "SELECT machine, actor, session_key FROM fragd_claims WHERE active AND task_code = 'T-1'",
        [],
        'agentbranch',
      );
      return JSON.stringify(rows) === JSON.stringify([{ machine: 'beta', actor: 'claude', session_key: key }]);
    });
  }, 120_000);

  it('takes a task over from another machine only when asked, records it on both sides, and says so on the machine that lost it', async () => {
    const url = await pg.database('takeover');
    const [a, b] = await Promise.all([machine(url, 'alpha'), machine(url, 'beta')]);
    const [ca, cb] = await Promise.all([client(a), client(b)]);
    await ca.call('task.create', { code: 'T-2', title: 'contested' });
    await until('beta to see T-2', async () => (await cb.call('task.list', {})).tasks.length === 1, 30_000);
    await ca.call('session.start', { actor: 'ann' });
    await ca.call('task.activate', { code: 'T-2', actor: 'ann' });
    await cb.call('session.start', { actor: 'bob' });

    const refused = await b.fragctl(['task', 'activate', 'T-2', '--actor', 'bob']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/T-2 is held by ann on machine alpha since/);
    expect(refused.stderr).toMatch(/--take-over/);

    const took = await b.fragctl(['task', 'activate', 'T-2', '--actor', 'bob', '--take-over']);
    expect(took.code).toBe(0);
    const rows = await pg.sql<{ machine: string; active: boolean; how: string; taken_by_machine: string | null }>(
      "SELECT machine, active, how, taken_by_machine FROM fragd_claims WHERE task_code = 'T-2' ORDER BY id",
      [],
      'takeover',
    );
    expect(rows).toEqual([
      { machine: 'alpha', active: false, how: 'activate', taken_by_machine: 'beta' },
      { machine: 'beta', active: true, how: 'take_over', taken_by_machine: null },
    ]);
    const history = await cb.call('session.history', { actor: 'bob' });
    expect(history.activities.find((x) => x.kind === 'claim.take_over')).toMatchObject({
      message: 'bob took T-2 from ann on machine alpha',
      data: { from_machine: 'alpha', from_actor: 'ann' },
    });
    // Alpha's session still has T-2 on its stack: its sync status says it was taken, and by whom.
    const s = await until('alpha to see the take-over', async () => {
      const st = await ca.call('sync.status', {});
      return st.claim_conflicts?.length ? st : false;
    });
    expect(s.claim_conflicts).toEqual([
      {
        task: 'T-2',
        holder_machine: 'beta',
        holder_actor: 'bob',
        taken_over: true,
        session: expect.stringMatching(/^SESSION-\d+$/),
      },
    ]);
    expect((await a.fragctl(['sync', 'status'])).stdout).toMatch(
      /taken over: T-2 was taken by bob on beta; .*\(fragctl task deactivate --session SESSION-\d+\)/,
    );
    // Alpha's session records who took it, once, and its local claim ends (its stack is its user's to change).
    const taken = await until('alpha’s session to record the take-over', async () => {
      const acts = (await ca.call('session.history', { actor: 'ann' })).activities;
      const found = acts.filter((x) => x.kind === 'claim.taken');
      return found.length ? found : false;
    });
    expect(taken).toHaveLength(1);
    expect(taken[0]).toMatchObject({
      message: 'bob on machine beta took T-2 over',
      data: { by_machine: 'beta', actor: 'bob' },
    });
    expect((await ca.call('task.show', { code: 'T-2' })).task.claim).toBeNull();
    expect((await ca.call('context.show', { actor: 'ann' })).stack.map((f) => f.code)).toEqual(['T-2']);
    // Its time stops: the session is paused as of the take-over, its interval on T-2 closed.
    const paused = await ca.call('session.status', { actor: 'ann' });
    expect(paused.session.status).toBe('paused');
    expect(paused.session.pause_reason).toBe('T-2 was taken over by bob on machine beta');
    // (Ann's own time: the task's spend counts beta's time on it too, which goes on.)
    const before = paused.session.active_seconds;
    await sleep(1500);
    expect((await ca.call('session.status', { actor: 'ann' })).session.active_seconds).toBe(before);
    // And the team store keeps it with beta: alpha's reconciliation does not grab it back,
    // and the take-over is recorded on alpha once however many rounds see it.
    await sleep(500);
    expect(
      (await ca.call('session.history', { actor: 'ann' })).activities.filter((x) => x.kind === 'claim.taken'),
    ).toHaveLength(1);
    expect(await pg.sql("SELECT machine FROM fragd_claims WHERE active AND task_code = 'T-2'", [], 'takeover')).toEqual(
      [{ machine: 'beta' }],
    );
  }, 120_000);

  it('a change reaches the other machine at once, not at the next interval: pushed after its commit, pulled when announced', async () => {
    const url = await pg.database('wake');
    // Intervals of ten minutes: only the push after a commit and LISTEN/NOTIFY can carry the change.
    const slow = { push_interval_ms: 600_000, pull_interval_ms: 600_000 };
    const [a, b] = await Promise.all([machine(url, 'alpha', { sync: slow }), machine(url, 'beta', { sync: slow })]);
    const [ca, cb] = await Promise.all([client(a), client(b)]);
    await until('both to have made their first turn', async () =>
      (await Promise.all([ca.call('sync.status', {}), cb.call('sync.status', {})])).every((st) => st.last_pull_at),
    );
    // Beta's subscribers (the dashboard, editors) hear of it as an event, not by polling.
    const heard: unknown[] = [];
    const watcher = await client(b);
    await watcher.subscribe((e) => {
      if (e.type === 'sync.pulled') heard.push(e.data);
    });
    await ca.call('task.create', { code: 'W-1', title: 'announced' });
    await until('beta to see W-1', async () => (await cb.call('task.list', {})).tasks.some((t) => t.code === 'W-1'));
    await until('beta to publish the pull', () => heard.length > 0);
    expect(heard[0]).toEqual({ items: 1, claims_changed: false });
    // A claim announces itself too: beta's view of who holds what follows without a pull interval.
    await ca.call('session.start', {});
    await ca.call('task.activate', { code: 'W-1' });
    await until('beta to see alpha’s claim', async () => (await cb.call('sync.status', {})).remote_claims === 1);
    await until('beta to publish the changed claims', () =>
      heard.some((d) => (d as { claims_changed: boolean }).claims_changed),
    );
  }, 60_000);

  it('pushes corrections and their undo like any other change', async () => {
    const url = await pg.database('corrections');
    const a = await machine(url, 'alpha');
    const c = await client(a);
    await c.call('session.start', {});
    const made = await c.call('interval.track', { start: '2026-03-09T09:00:00Z', end: '2026-03-09T10:00:00Z' });
    await drained(c);
    const tracked = () =>
      pg.sql<{ deleted: boolean }>(
        "SELECT deleted FROM fragd_rows WHERE tbl = 'intervals' AND data->>'started_at' = $1 OR (deleted AND tbl = 'intervals')",
        [String(Date.parse('2026-03-09T09:00:00Z'))],
        'corrections',
      );
    expect(await tracked()).toEqual([{ deleted: false }]);
    await c.call('interval.delete', { ref: made.after[0].ref });
    await until('the deletion to reach the team store', async () => (await tracked()).some((r) => r.deleted));
    await c.call('undo', {});
    await until('the undo to reach the team store', async () => {
      const rows = await tracked();
      return rows.length > 0 && rows.every((r) => !r.deleted);
    });
    await drained(c);
    await expectMirrored(a, 'corrections', 'alpha');
  }, 60_000);

  it('queues nothing while sync is off, and pushes the earlier history when it is turned on', async () => {
    const url = await pg.database('later');
    const home = tempHome();
    const off = await machine(url, 'alpha', { home, enabled: false });
    const c = await client(off);
    await c.call('session.start', {});
    await c.call('activity.note', { message: 'before sync' });
    expect(await c.call('sync.status', {})).toEqual({ enabled: false, queue: 0 });
    c.close();
    await off.stop();
    const on = await machine(url, 'alpha', { home });
    await drained(await client(on));
    await expectMirrored(on, 'later', 'alpha');
  }, 60_000);
});
