// The spool record format, and the rule that a record leaves the spool only once its
// activity is committed (a rolled-back ingest keeps it for the next pass).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newCall, type App } from '../../daemon/app/app.js';
import { ingestSpool, parseRecord, prefetchSpool, registerSpool } from '../../daemon/app/spool.js';
import { listCommits } from '../../daemon/app/git.js';
import { ManualClock } from '../../daemon/clock.js';
import { defaultConfig } from '../../daemon/config.js';
import { openDatabase } from '../../daemon/store/database.js';
import { Sql } from '../../daemon/store/sql.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const record = (hook: string, extra = '') =>
  `fragd-spool 1\nhook ${hook}\nrepo /nonexistent/repo\nhead ${A}\nref refs/heads/main\norig \nargs amend  \nsession 7\nactor claude\n${extra}end\n`;

describe('parseRecord', () => {
  it('reads the fields the hook writes', () => {
    const p = parseRecord('post-rewrite-x-1', record('post-rewrite', `pair ${A} ${B}\npair bad ${B}\n`), 1000);
    expect(p).toEqual({
      ok: true,
      record: expect.objectContaining({ hook: 'post-rewrite', head: A, ref: 'refs/heads/main', session: '7', actor: 'claude', pairs: [[A, B]], at: 1000, args: ['amend', '', ''] }),
    });
  });

  it('tells a record still being written from a broken one', () => {
    expect(parseRecord('x', 'fragd-sp', 0)).toMatchObject({ ok: false, incomplete: true });
    expect(parseRecord('x', record('post-commit').replace('end\n', ''), 0)).toMatchObject({ ok: false, incomplete: true });
    expect(parseRecord('x', 'hello\n', 0)).toMatchObject({ ok: false, incomplete: false });
    expect(parseRecord('x', record('pre-commit'), 0)).toMatchObject({ ok: false, incomplete: false, reason: expect.stringMatching(/unknown hook/) });
    expect(parseRecord('x', record('post-commit').replace(A, 'HEAD'), 0)).toMatchObject({ ok: false, reason: expect.stringMatching(/not a commit id/) });
    expect(parseRecord('x', record('post-commit').replace('/nonexistent/repo', 'relative'), 0)).toMatchObject({ ok: false, reason: expect.stringMatching(/not absolute/) });
  });
});

describe('ingestSpool', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function setup() {
    dir = mkdtempSync(join(tmpdir(), 'fr-spool-'));
    const spool = join(dir, 'spool');
    const db = openDatabase(join(dir, 'db.sqlite'));
    const app: App = { sql: new Sql(db), clock: new ManualClock(Date.now()), config: defaultConfig() };
    registerSpool(app, spool);
    mkdirSync(spool);
    writeFileSync(join(spool, `post-commit-${A}-1.rec`), record('post-commit'));
    return { app, db, spool };
  }
  const afterSweep = () => new Promise((r) => setImmediate(() => setImmediate(r)));

  it('keeps the record when the transaction that ingested it rolls back', async () => {
    const { app, db, spool } = setup();
    expect(() =>
      db.transaction(() => {
        expect(ingestSpool(newCall(app), {}).ingested).toBe(1);
        throw new Error('commit failed');
      })(),
    ).toThrow('commit failed');
    await afterSweep();
    expect(readdirSync(spool)).toHaveLength(1);

    // The next pass ingests it for good, and only then it goes; a second pass finds nothing.
    expect(db.transaction(() => ingestSpool(newCall(app), {}))()).toMatchObject({ ingested: 1, duplicates: 0 });
    await afterSweep();
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
    expect(listCommits(newCall(app), {}).commits.map((c) => [c.commit, c.rewritten_from, c.rewritten_to])).toEqual([[A, null, null]]);
    db.close();
  });

  it("fragd's own passes stop at a record whose commit was not read ahead, and take it once it was", async () => {
    const { app, db, spool } = setup();
    expect(db.transaction(() => ingestSpool(newCall(app), { prefetched_only: true }))()).toMatchObject({ ingested: 0, remaining: 1 });
    await prefetchSpool(spool);
    expect(db.transaction(() => ingestSpool(newCall(app), { prefetched_only: true }))()).toMatchObject({ ingested: 1, remaining: 0 });
    db.close();
  });

  it('a replayed record is a duplicate and writes nothing', async () => {
    const { app, db, spool } = setup();
    db.transaction(() => ingestSpool(newCall(app), {}))();
    await afterSweep();
    writeFileSync(join(spool, `post-commit-${A}-2.rec`), record('post-commit'));
    expect(db.transaction(() => ingestSpool(newCall(app), {}))()).toMatchObject({ ingested: 0, duplicates: 1 });
    await afterSweep();
    expect(readdirSync(spool)).toHaveLength(0);
    expect(app.sql.value('SELECT count(*) FROM activities')).toBe(1);
    db.close();
  });
});
