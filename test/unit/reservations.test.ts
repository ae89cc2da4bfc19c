// File reservations (issue 25): the glob rules the sh hook shares with the daemon, conflicts
// between holders, and a reservation's life (time to live renewed by signs of life, stale like
// a claim, ended with its session or task), on an injected clock.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../daemon/clock.js';
import { defaultConfig } from '../../daemon/config.js';
import { openDatabase } from '../../daemon/store/database.js';
import { Sql } from '../../daemon/store/sql.js';
import { newCall, type App } from '../../daemon/app/app.js';
import { assembleApp } from '../../daemon/assemble-app.js';
import { openSession } from '../../daemon/app/sessions/sessions.js';
import { recordActivity } from '../../daemon/app/activities.js';
import { covers, normalizePattern, overlaps } from '../../daemon/app/reservations/globs.js';
import {
  enforced,
  hookFileText,
  openReservations,
  release,
  reserve,
  settleRemoteReservations,
  type ReserveOptions,
} from '../../daemon/app/reservations/reservations.js';
import type { Syncer } from '../../daemon/sync/syncer.js';
import type { SessionRow } from '../../daemon/app/rows.js';
import { FragError } from '../../shared/errors.js';

const T0 = Date.parse('2026-06-01T09:00:00Z');
const REPO = '/work/app';

function fresh() {
  const clock = new ManualClock(T0);
  const config = defaultConfig();
  const app: App = assembleApp({ sql: new Sql(openDatabase(':memory:')), clock, config });
  const call = () => newCall(app);
  const session = (actor: string): SessionRow => openSession(call(), { actor });
  const res = (s: SessionRow, paths: string[], o: Partial<ReserveOptions> = {}) =>
    reserve(call(), s, { repo: REPO, paths, exclusive: true, ttlSeconds: 3600, how: 'reserve', ...o });
  return { app, clock, call, session, res, config };
}

/** What the POSIX shell's `case` says: the hook's own matcher. */
const shCovers = (pattern: string, path: string): boolean =>
  execFileSync('sh', ['-c', 'case $2 in $1 | $1/*) echo y ;; *) echo n ;; esac', 'sh', pattern, path], {
    encoding: 'utf8',
  }).trim() === 'y';

describe('reserved paths and globs', () => {
  it('normalises paths relative to the root and refuses what the hook cannot match', () => {
    expect(normalizePattern('./src//auth.ts/')).toBe('src/auth.ts');
    expect(normalizePattern('/work/app/src/a.ts', REPO)).toBe('src/a.ts');
    expect(normalizePattern('src/**/x.ts')).toBe('src/*/x.ts');
    for (const bad of ['', '../etc/passwd', 'src/../../x', 'a[bc]', 'a\\b', 'a\nb', 'say"hi"', '/elsewhere/x'])
      expect(() => normalizePattern(bad, REPO), bad).toThrow(FragError);
  });

  it('matches as sh case patterns do (the hook and the daemon agree), and a path covers what is below it', () => {
    const cases: [string, string, boolean][] = [
      ['src/auth.ts', 'src/auth.ts', true],
      ['src/auth.ts', 'src/auth.tsx', false],
      ['src', 'src/auth.ts', true],
      ['src', 'srcs/auth.ts', false],
      ['src/*.ts', 'src/a/b.ts', true],
      ['src/*.ts', 'src/a.js', false],
      ['src/?.ts', 'src/a.ts', true],
      ['src/?.ts', 'src/ab.ts', false],
      ['*', 'anything/at/all', true],
      ['docs/*', 'docs', false],
      ['a b/c', 'a b/c/d', true],
    ];
    for (const [p, path, want] of cases) {
      expect(covers(p, path), `${p} ~ ${path}`).toBe(want);
      expect(shCovers(p, path), `sh: ${p} ~ ${path}`).toBe(want);
    }
  });

  it('tells when two patterns share a path', () => {
    expect(overlaps('src/auth.ts', 'src/*')).toBe(true);
    expect(overlaps('src/*.ts', 'lib/*.md')).toBe(false);
    expect(overlaps('src/a.ts', 'src/b*')).toBe(false);
    // `*` crosses directories and a path covers what is below it: src/a.ts/b.md is in both.
    expect(overlaps('src/*.ts', 'src/*.md')).toBe(true);
    expect(overlaps('src/*', '*/auth.ts')).toBe(true);
    expect(overlaps('src', 'src/x/y')).toBe(true);
    expect(overlaps('src/a', 'src/b')).toBe(false);
    expect(overlaps('a?c', 'ab*')).toBe(true);
    expect(overlaps('a?c', 'abd*')).toBe(false);
    // A pattern that makes a backtracking matcher take exponential time is a table here.
    const long = `${'a*'.repeat(200)}b`;
    expect(covers(long, `${'a'.repeat(300)}c`)).toBe(false);
    expect(covers(long, `${'a'.repeat(300)}b`)).toBe(true);
  });
});

describe('reservations between holders', () => {
  it("refuses another holder's exclusive path with who holds it and the ways out; shared paths are shared", () => {
    const { session, res } = fresh();
    const alice = session('alice');
    const bob = session('bob');
    res(alice, ['src/auth.ts']);
    let err: FragError | undefined;
    try {
      res(bob, ['src/*']);
    } catch (e) {
      err = e as FragError;
    }
    expect(err?.data.error).toBe('conflict');
    expect(err?.data.reason).toBe('reserved');
    const c = (err!.data.conflicts as { holder: { actor: string; session: string }; reserved: string }[])[0];
    expect(c.holder).toEqual({ actor: 'alice', session: alice.key });
    expect(c.reserved).toBe('src/auth.ts');
    expect(String(err!.data.hint)).toBe(
      'wait until alice releases it, work on other files, or ask alice with fragctl send alice <message> (who holds what: fragctl reservations --all); a person can take it over with --force (recorded on both sessions)',
    );
    expect(err!.data.commands).toEqual({ list: 'fragctl reservations --all' });
    // Shared with shared is fine; shared over an exclusive is not.
    res(alice, ['docs/*'], { exclusive: false });
    res(bob, ['docs/*'], { exclusive: false });
    expect(() => res(bob, ['src/auth.ts'], { exclusive: false })).toThrow(/reserved exclusively by alice/);
    // Exclusive over someone's shared is refused too.
    expect(() => res(bob, ['docs/readme.md'])).toThrow(/reserved shared by alice/);
  });

  it('force takes the path over: the holder loses it, recorded on both sessions', () => {
    const { app, call, session, res } = fresh();
    const alice = session('alice');
    const bob = session('bob');
    res(alice, ['src/auth.ts']);
    const out = res(bob, ['src/auth.ts'], { force: true });
    expect(out.taken_from[0].holder.actor).toBe('alice');
    const live = enforced(call(), REPO);
    expect(live.map((h) => [h.s.actor, h.r.pattern])).toEqual([['bob', 'src/auth.ts']]);
    const kinds = app.sql.all<{ kind: string; session_id: number }>(
      "SELECT kind, session_id FROM activities WHERE kind LIKE 'reservation.%' ORDER BY id",
    );
    expect(kinds).toContainEqual({ kind: 'reservation.release', session_id: alice.id });
    expect(kinds).toContainEqual({ kind: 'reservation.force', session_id: bob.id });
  });

  it("one's own reservation renews; the same actor passes its own", () => {
    const { call, session, res } = fresh();
    const alice = session('alice');
    res(alice, ['src/auth.ts']);
    res(alice, ['src/auth.ts'], { exclusive: false });
    const open = openReservations(call(), REPO).filter((h) => !h.ended);
    expect(open).toHaveLength(1);
    expect(open[0].r.exclusive).toBe(0);
  });
});

describe("a reservation's life on the clock", () => {
  it('lasts its time to live after the last sign of life, renewed by each', () => {
    const { app, clock, call, session, res, config } = fresh();
    config.claim_stale_seconds = 24 * 3600; // staleness apart: the ttl alone
    const alice = session('alice');
    res(alice, ['a.ts'], { ttlSeconds: 600 });
    clock.advance(9 * 60_000);
    recordActivity(call(), alice, { kind: 'note', message: 'still here' });
    clock.advance(9 * 60_000);
    expect(enforced(call(), REPO)).toHaveLength(1);
    clock.advance(2 * 60_000);
    const [h] = openReservations(call(), REPO);
    expect(h.ended).toBe('expired');
    // Someone else may take it now; the lapsed row is marked released.
    const bob = session('bob');
    res(bob, ['a.ts']);
    expect(app.sql.value('SELECT release_reason FROM reservations WHERE id = ?', h.r.id)).toBe('expired');
  });

  it('stops counting while its holder is stale, as a claim does, and holds again when it comes back', () => {
    const { clock, call, session, res, config } = fresh();
    config.claim_stale_seconds = 600;
    const alice = session('alice');
    res(alice, ['a.ts']);
    clock.advance(11 * 60_000);
    expect(enforced(call(), REPO)).toHaveLength(0);
    expect(openReservations(call(), REPO)[0].stale).toBe(true);
    expect(hookFileText(call())).toBe('');
    recordActivity(call(), alice, { kind: 'note', message: 'back' });
    expect(enforced(call(), REPO)).toHaveLength(1);
  });

  it('ends with its session, and the hook file lists only what is enforced', () => {
    const { app, call, session, res } = fresh();
    const alice = session('alice');
    res(alice, ['src/auth.ts', 'lib/*']);
    res(alice, ['docs'], { exclusive: false });
    const text = hookFileText(call());
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('# fragd-reservations 1');
    expect(lines.slice(1).map((l) => l.split('\t').slice(0, 4))).toEqual([
      [REPO, 'src/auth.ts', alice.key, 'alice'],
      [REPO, 'lib/*', alice.key, 'alice'],
    ]);
    expect(lines[2].split('\t')[7]).toBe('fragctl send alice <message>');
    app.sql.run("UPDATE sessions SET status = 'completed' WHERE id = ?", alice.id);
    expect(hookFileText(call())).toBe('');
    expect(openReservations(call(), REPO)[0].ended).toBe('session completed');
  });

  it('release takes paths as reserved (or below them), or all', () => {
    const { call, session, res } = fresh();
    const alice = session('alice');
    res(alice, ['src/a.ts', 'src/b.ts', 'lib/*']);
    expect(release(call(), alice, { paths: ['src'], repo: REPO }).map((h) => h.r.pattern)).toEqual([
      'src/a.ts',
      'src/b.ts',
    ]);
    expect(release(call(), alice, { all: true }).map((h) => h.r.pattern)).toEqual(['lib/*']);
    expect(enforced(call())).toHaveLength(0);
  });

  it("another machine's mirrored reservations: enforced, named with their machine, lapse on the clock; the earlier wins; unsafe text is not taken", () => {
    const { app, clock, call, session, res } = fresh();
    app.syncer = { target: { machine: 'beta' } } as unknown as Syncer;
    const bob = session('bob');
    const mirror = (row_id: number, pattern: string, at: number, how = 'reserve') =>
      app.sql.run(
        `INSERT INTO sync_reservations (machine, row_id, repo, pattern, exclusive, actor, session_key, task_id, task_code, ttl_seconds, created_at, how, session)
         VALUES ('alpha', ?, ?, ?, 1, 'ann', 'SESSION-009', NULL, NULL, 600, ?, ?, ?)`,
        row_id,
        REPO,
        pattern,
        at,
        how,
        JSON.stringify({ status: 'active', last_activity_at: at, stack: '[]', metadata: '{}' }),
      );
    mirror(1, 'src/auth.ts', T0);
    mirror(2, 'bad\tpattern', T0);
    mirror(3, 'say"hi"', T0);
    expect(enforced(call(), REPO).map((h) => [h.machine, h.r.pattern])).toEqual([['alpha', 'src/auth.ts']]);
    expect(hookFileText(call())).toContain(`${REPO}\tsrc/auth.ts\tSESSION-009\tann@alpha\t-`);
    // The same actor name on this machine is another holder.
    expect(() => res(session('ann'), ['src/*'])).toThrow(
      /reserved exclusively by ann \(SESSION-009 on machine alpha\)/,
    );
    // A later one of this machine (made while it could not see alpha's) loses and ends here.
    clock.advance(1000);
    app.sql.run(
      "INSERT INTO reservations (repo, pattern, exclusive, session_id, actor, ttl_seconds, created_at) VALUES (?, 'src', 1, ?, 'bob', 600, ?)",
      REPO,
      bob.id,
      T0 + 1000,
    );
    expect(settleRemoteReservations(call())).toBe(1);
    expect(openReservations(call(), REPO).filter((h) => !h.ended)).toHaveLength(0);
    expect(app.sql.value('SELECT release_reason FROM reservations WHERE pattern = ?', 'src')).toBe(
      'ann (SESSION-009) on machine alpha reserved it first (a conflict found after the fact)',
    );
    // Its time to live runs from its holder's last sign of life, as on its own machine.
    clock.advance(600_000);
    expect(enforced(call(), REPO)).toHaveLength(0);
  });
});
