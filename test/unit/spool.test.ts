// The spool record format, and the rule that a record leaves the spool only once its
// activity is committed (a rolled-back ingest keeps it for the next pass).
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newCall, type App } from '../../daemon/app/app.js';
import type { Logger } from 'pino';
import {
  ingestSpool,
  parseRecord,
  prefetchSpool,
  registerSpool,
  sweptSpool,
  SpoolWatcher,
} from '../../daemon/app/git/spool.js';
import { listCommits } from '../../daemon/app/git/git.js';
import { ManualClock } from '../../daemon/clock.js';
import { defaultConfig } from '../../daemon/config.js';
import { openDatabase } from '../../daemon/store/database.js';
import { Sql } from '../../daemon/store/sql.js';
import { TestRepo } from '../support/git.js';
import { assembleApp } from '../../daemon/assemble-app.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const record = (hook: string, extra = '', repo = '/nonexistent/repo', args = 'amend  ', orig = '') =>
  `fragd-spool 1\nhook ${hook}\nrepo ${repo}\nhead ${A}\nref refs/heads/main\norig ${orig}\nargs ${args}\nsession 7\nactor claude\n${extra}end\n`;
/** A distinct commit id per number. */
const sha = (prefix: string, n: number) => prefix + n.toString(16).padStart(40 - prefix.length, '0');

describe('parseRecord', () => {
  it('reads the fields the hook writes', () => {
    const p = parseRecord('post-rewrite-x-1', record('post-rewrite', `pair ${A} ${B}\npair bad ${B}\n`), 1000);
    expect(p).toEqual({
      ok: true,
      record: expect.objectContaining({
        hook: 'post-rewrite',
        head: A,
        ref: 'refs/heads/main',
        session: '7',
        actor: 'claude',
        pairs: [[A, B]],
        at: 1000,
        args: ['amend', '', ''],
      }),
    });
  });

  it('tells a record still being written from a broken one', () => {
    expect(parseRecord('x', 'fragd-sp', 0)).toMatchObject({ ok: false, incomplete: true });
    expect(parseRecord('x', record('post-commit').replace('end\n', ''), 0)).toMatchObject({
      ok: false,
      incomplete: true,
    });
    expect(parseRecord('x', 'hello\n', 0)).toMatchObject({ ok: false, incomplete: false });
    expect(parseRecord('x', record('pre-commit'), 0)).toMatchObject({
      ok: false,
      incomplete: false,
      reason: expect.stringMatching(/unknown hook/),
    });
    expect(parseRecord('x', record('post-commit').replace(A, 'HEAD'), 0)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a commit id/),
    });
    expect(parseRecord('x', record('post-commit').replace('/nonexistent/repo', 'relative'), 0)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not absolute/),
    });
  });
});

describe('ingestSpool', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function setup() {
    dir = mkdtempSync(join(tmpdir(), 'fr-spool-'));
    const spool = join(dir, 'spool');
    const db = openDatabase(join(dir, 'db.sqlite'));
    const app: App = assembleApp({ sql: new Sql(db), clock: new ManualClock(Date.now()), config: defaultConfig() });
    registerSpool(app, spool);
    mkdirSync(spool);
    writeFileSync(join(spool, `post-commit-${A}-1.rec`), record('post-commit'));
    return { app, db, spool };
  }
  /** After the pass's commit: its deletions run once the commit is durable, on libuv's threads. */
  const afterSweep = async (app: App) => {
    await new Promise((r) => setImmediate(r));
    await sweptSpool(app);
  };

  /** A git on a PATH directory of its own that notes each run, then runs the real git. */
  function gitSpy() {
    const bin = join(dir, 'bin');
    const runs = join(dir, 'git-runs.log');
    mkdirSync(bin);
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${runs}'\nexec '${realGit}' "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    const gitRuns = () => (existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').filter(Boolean) : []);
    return { bin, gitRuns };
  }

  it('keeps the record when the transaction that ingested it rolls back', async () => {
    const { app, db, spool } = setup();
    expect(() =>
      db.transaction(() => {
        expect(ingestSpool(newCall(app), {}).ingested).toBe(1);
        throw new Error('commit failed');
      })(),
    ).toThrow('commit failed');
    await afterSweep(app);
    expect(readdirSync(spool)).toHaveLength(1);

    // The next pass ingests it for good, and only then it goes; a second pass finds nothing.
    expect(db.transaction(() => ingestSpool(newCall(app), {}))()).toMatchObject({ ingested: 1, duplicates: 0 });
    await afterSweep(app);
    expect(readdirSync(spool)).toHaveLength(0);
    expect(app.sql.value('SELECT count(*) FROM activities WHERE kind = ?', 'git.commit')).toBe(1);
    const a = app.sql.get<any>("SELECT * FROM activities WHERE kind = 'git.commit'");
    expect(a.source).toBe('hook');
    expect(a.message).toMatch(/commit details unavailable/);
    db.close();
  });

  it('a rewrite that gives the same id back (an empty amend within a second) leaves the commit listed', async () => {
    const { app, db, spool } = setup();
    writeFileSync(join(spool, `post-rewrite-${A}-1.rec`), record('post-rewrite', `pair ${A} ${A}\n`));
    expect(db.transaction(() => ingestSpool(newCall(app), {}))()).toMatchObject({ ingested: 2 });
    expect(listCommits(newCall(app), {}).commits.map((c) => [c.commit, c.rewritten_from, c.rewritten_to])).toEqual([
      [A, null, null],
    ]);
    db.close();
  });

  it("fragd's own passes stop at a record whose commit was not read ahead, and take it once it was", async () => {
    const { app, db, spool } = setup();
    expect(db.transaction(() => ingestSpool(newCall(app), { prefetched_only: true }))()).toMatchObject({
      ingested: 0,
      remaining: 1,
    });
    await prefetchSpool(spool);
    expect(db.transaction(() => ingestSpool(newCall(app), { prefetched_only: true }))()).toMatchObject({
      ingested: 1,
      remaining: 0,
    });
    db.close();
  });

  it('a replayed record is a duplicate and writes nothing', async () => {
    const { app, db, spool } = setup();
    db.transaction(() => ingestSpool(newCall(app), {}))();
    await afterSweep(app);
    writeFileSync(join(spool, `post-commit-${A}-2.rec`), record('post-commit'));
    expect(db.transaction(() => ingestSpool(newCall(app), {}))()).toMatchObject({ ingested: 0, duplicates: 1 });
    await afterSweep(app);
    expect(readdirSync(spool)).toHaveLength(0);
    expect(app.sql.value('SELECT count(*) FROM activities')).toBe(1);
    db.close();
  });

  it('a rewrite with more pairs than the read-ahead cache holds (a long rebase) is read ahead as a unit and ingested; the passes end', async () => {
    const { app, db, spool } = setup();
    const pairs = Array.from({ length: 2050 }, (_, i) => `pair ${sha('f', i)} ${sha('e', i)}\n`).join('');
    writeFileSync(
      join(spool, `post-rewrite-${A}-2.rec`),
      record('post-rewrite', pairs, '/nonexistent/long-rebase', 'rebase  '),
    );
    const results: unknown[] = [];
    const ingest = async () => {
      const r = db.transaction(() => ingestSpool(newCall(app), { prefetched_only: true, budget_ms: 4 }))();
      results.push(r);
      return r;
    };
    const log = { info: () => {}, warn: () => {} } as unknown as Logger;
    const w = new SpoolWatcher(spool, ingest, log, 60_000);
    try {
      w.start();
      for (let i = 0; i < 2500 && !app.sql.value("SELECT 1 FROM activities WHERE kind = 'git.rewrite'"); i++)
        await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 100));
      // The passes took both records (the rewrite read ahead whole; a pass of 4 ms may stop
      // between them), and the watcher stopped.
      const passes = results as { ingested: number; remaining: number }[];
      expect(passes.reduce((n, r) => n + r.ingested, 0)).toBe(2);
      expect(passes.length).toBeLessThanOrEqual(4); // a few passes, not one per retry forever
      expect(passes.at(-1)).toMatchObject({ remaining: 0 });
    } finally {
      w.stop();
    }
    expect(app.sql.value("SELECT message FROM activities WHERE kind = 'git.rewrite'")).toBe(
      'rebase: 2050 commits rewritten',
    );
    db.close();
  }, 30_000);

  it("a repository whose git fails: fragd's own pass records the details as unavailable and runs no git itself", async () => {
    const { app, db, spool } = setup();
    // A git that notes each run, then is the real git (which fails: the repository is gone).
    const { bin, gitRuns } = gitSpy();
    const repo = '/nonexistent/failing-repo';
    rmSync(join(spool, `post-commit-${A}-1.rec`));
    writeFileSync(join(spool, `post-commit-${A}-3.rec`), record('post-commit', '', repo));
    writeFileSync(join(spool, `post-merge-${A}-3.rec`), record('post-merge', '', repo, '0', B));
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      await prefetchSpool(spool);
      const readAhead = gitRuns();
      expect(readAhead).toHaveLength(2); // the commit (both records name it), and the merge's diff
      expect(db.transaction(() => ingestSpool(newCall(app), { prefetched_only: true }))()).toMatchObject({
        ingested: 2,
        remaining: 0,
      });
      expect(gitRuns()).toEqual(readAhead);
    } finally {
      process.env.PATH = path;
    }
    expect(app.sql.value("SELECT message FROM activities WHERE kind = 'git.commit'")).toMatch(
      /commit details unavailable/,
    );
    expect(JSON.parse(app.sql.value<string>("SELECT data FROM activities WHERE kind = 'git.merge'")!)).toMatchObject({
      from: B,
      files: [],
    });
    db.close();
  });

  it('reads the commits of a repository with one git run; a commit git does not have is unavailable alone', async () => {
    const { app, db, spool } = setup();
    const repo = TestRepo.create(process.env);
    const first = repo.commit('a.txt', 'a\n', 'first');
    const second = repo.commit('b.txt', 'b\n', 'second\n\nwith a body');
    const unknown = sha('e', 1);
    rmSync(join(spool, `post-commit-${A}-1.rec`));
    [first, unknown, second].forEach((c, i) =>
      writeFileSync(join(spool, `post-commit-${c}-${i}.rec`), record('post-commit', '', repo.dir).replace(A, c)),
    );
    const { bin, gitRuns } = gitSpy();
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      await prefetchSpool(spool);
      expect(gitRuns()).toHaveLength(1);
      expect(db.transaction(() => ingestSpool(newCall(app), { prefetched_only: true }))()).toMatchObject({
        ingested: 3,
        remaining: 0,
      });
      expect(gitRuns()).toHaveLength(1);
    } finally {
      process.env.PATH = path;
    }
    const data = (c: string) =>
      JSON.parse(
        app.sql.value<string>(
          "SELECT data FROM activities WHERE kind = 'git.commit' AND json_extract(data, '$.commit') = ?",
          c,
        )!,
      );
    expect(data(first)).toMatchObject({ subject: 'first', message: 'first', files: ['a.txt'], parents: [] });
    expect(data(second)).toMatchObject({
      subject: 'second',
      message: 'second\n\nwith a body',
      files: ['b.txt'],
      parents: [first],
    });
    expect(data(unknown)).toMatchObject({ subject: null, message: null, files: [], parents: [] });
    db.close();
  });

  it('a record whose ingestion fails publishes no event; the others in the pass do', async () => {
    const { app, db, spool } = setup();
    // The commit's link cannot be written: its activity (already recorded) rolls back with it.
    db.exec(
      `CREATE TRIGGER no_link BEFORE INSERT ON git_commits WHEN NEW.sha = '${A}' BEGIN SELECT RAISE(ABORT, 'link refused'); END`,
    );
    writeFileSync(
      join(spool, `post-checkout-${A}-4.rec`),
      record('post-checkout', 'nonce 4\n', '/nonexistent/repo', `${B} ${A} 1`),
    );
    const call = newCall(app);
    expect(db.transaction(() => ingestSpool(call, {}))()).toMatchObject({ ingested: 1 });
    expect(app.sql.all<{ kind: string }>('SELECT kind FROM activities').map((a) => a.kind)).toEqual(['git.checkout']);
    expect(call.events.map((e) => [e.type, (e.data as { kind?: string }).kind])).toEqual([
      ['activity.logged', 'git.checkout'],
    ]);
    await afterSweep(app);
    expect(readdirSync(spool)).toEqual([`post-commit-${A}-1.rec`]);
    db.close();
  });
});

describe('SpoolWatcher', () => {
  it('stops going round when a pass makes no progress, says so once, and leaves the rest to the timer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fr-spool-'));
    writeFileSync(
      join(dir, `post-checkout-${A}-1.rec`),
      record('post-checkout', '', '/nonexistent/repo', `${B} ${A} 1`),
    );
    const warnings: string[] = [];
    const log = { info: () => {}, warn: (_: unknown, msg: string) => warnings.push(msg) } as unknown as Logger;
    let passes = 0;
    const stuck = { ingested: 0, duplicates: 0, incomplete: 0, rejected: 0, remaining: 3 };
    const w = new SpoolWatcher(dir, async () => (passes++, stuck), log, 60_000);
    try {
      w.start();
      for (let i = 0; i < 200 && warnings.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(warnings).toEqual(['spool pass made no progress; retrying on the timer']);
      await new Promise((r) => setTimeout(r, 50));
      // The first pass had nothing to compare with; the second repeated it and ended the loop.
      expect(passes).toBe(2);
      w.kick(); // what the timer does
      await new Promise((r) => setTimeout(r, 50));
      expect(passes).toBe(4);
      expect(warnings).toHaveLength(1);
    } finally {
      w.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
