// Corrections, undo and Timewarrior through the real fragctl against a real fragd (on the
// system clock: fragctl reads "yesterday 14:00" against the real now, as a person's would).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../support/daemon.js';

const BERLIN = { TZ: 'Europe/Berlin' };
let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
  for (const [code, title] of [
    ['T1', 'First'],
    ['T2', 'Second'],
  ])
    expect((await d.fragctl(['task', 'create', code, title])).code).toBe(0);
});
afterAll(() => d?.dispose());

const fx = (args: string[], actor = 'human') => d.json([...args, '--actor', actor], { env: BERLIN });
const list = async (actor = 'human', extra: string[] = []) => (await fx(['intervals', ...extra], actor)).body;

describe('intervals and corrections', () => {
  it('tracks past time, lists it with short ids, and the task total follows at once', async () => {
    const t = await fx(
      ['track', '2026-03-29', '01:00', '-', '2026-03-29', '04:00', 'T1', '--annotate', 'DST night'],
      'ann',
    );
    expect(t.code).toBe(0);
    // 01:00 CET → 04:00 CEST is two real hours.
    expect(t.body.after).toMatchObject([{ ref: '@1', task: 'T1', seconds: 7200, annotation: 'DST night' }]);
    expect(t.body.activity.kind).toBe('interval.correction');
    const r = await fx(['report', '--by', 'task', '--since', '2026-03-29', '--until', '2026-03-29'], 'ann');
    expect(r.body.rows.map((x: any) => [x.key, x.seconds])).toEqual([['T1', 7200]]);
    const shown = await d.fragctl(['intervals', '--actor', 'ann'], { env: BERLIN });
    expect(shown.stdout).toMatch(/@1 .*T1.*2026-03-29 01:00.*2026-03-29 04:00.*2h00m.*DST night/);
  });

  it('refuses an overlap naming the interval it hits, and --adjust trims the neighbour', async () => {
    const a = 'bob';
    expect((await fx(['track', 'yesterday', '09:00', '-', 'yesterday', '11:00', 'T1'], a)).code).toBe(0);
    const first = (await list(a)).intervals[0].ref as string;
    const clash = await fx(['track', 'yesterday', '10:00', '-', 'yesterday', '12:00', 'T2'], a);
    expect(clash.code).not.toBe(0);
    // Said in the reader's local time (Berlin here), with the range that was asked for.
    expect(clash.body.error.message).toMatch(
      new RegExp(
        `^${first} \\(T1, \\d{4}-\\d\\d-\\d\\d 09:00 → 11:00\\) overlaps \\d{4}-\\d\\d-\\d\\d 10:00 → \\d{4}-\\d\\d-\\d\\d 12:00;`,
      ),
    );
    expect(clash.body.error.data.interval).toMatchObject({ ref: first, task: 'T1' });
    expect(clash.body.error.data.hint).toMatch(/--adjust/);
    const adj = await fx(['track', 'yesterday', '10:00', '-', 'yesterday', '12:00', 'T2', '--adjust'], a);
    expect(adj.code).toBe(0);
    expect(adj.body.adjusted).toBe(1);
    const l = await list(a);
    // The trimmed neighbour keeps its number; the new interval gets one of its own.
    expect(l.intervals.map((v: any) => [v.ref, v.task, v.seconds])).toEqual([
      [expect.stringMatching(/^@\d+$/), 'T2', 7200],
      [first, 'T1', 3600],
    ]);
    expect(l.intervals[0].ref).not.toBe(first);
  });

  it('keeps the future and the running interval out of nonsense', async () => {
    const a = 'cleo';
    expect((await d.fragctl(['session', 'start', '--actor', a])).code).toBe(0);
    // Options go before "--", after which a time may start with "-".
    const ahead = await d.fragctl(['track', '--actor', a, '--json', '--', '-10m', '-', '+1h'], { env: BERLIN });
    expect(ahead.code).toBe(5);
    expect(JSON.parse(ahead.stdout).error.message).toMatch(/would end in the future/);
    const run = (await list(a)).intervals[0].ref as string;
    const end = await fx(['interval', 'edit', run, '--end=-1m'], a);
    expect(end.body.error.message).toContain(`${run} is running`);
    const del = await fx(['interval', 'delete', run], a);
    expect(del.body.error.message).toContain(`${run} is running`);
    const later = await fx(['interval', 'edit', run, '--start', '+1h'], a);
    expect(later.body.error.message).toMatch(/start in the future/);
    // The running interval may start earlier: the session forgot to start on time.
    const earlier = await fx(['interval', 'edit', run, '--start', '30m ago'], a);
    expect(earlier.code).toBe(0);
    expect(earlier.body.after[0]).toMatchObject({ open: true, end: null });
    expect(earlier.body.after[0].seconds).toBeGreaterThanOrEqual(1800);
    // The undo it suggests reverts cleo's change, not the person's.
    const text = await d.fragctl(['interval', 'annotate', run, 'started late', '--actor', a], { env: BERLIN });
    expect(text.stdout).toMatch(/^undo with: fragctl undo --actor cleo$/m);
  });

  it('splits, joins, moves, annotates and deletes, and undo takes each back exactly', async () => {
    const a = 'dora';
    await fx(['track', '2026-03-02', '09:00', '-', '2026-03-02', '12:00', 'T1'], a);
    const before = await list(a);
    // Each step names intervals by the numbers the listing before it showed (@N never shifts).
    const newest = (l: any, k = 0) => l.intervals[k].ref as string;
    const steps: [(l: any) => string[], (l: any) => void][] = [
      [(l) => ['interval', 'split', newest(l), '2026-03-02', '10:00'], (l) => expect(l.matched).toBe(2)],
      [(l) => ['interval', 'move', newest(l), 'T2'], (l) => expect(l.intervals[0].task).toBe('T2')],
      [
        (l) => ['interval', 'join', newest(l), newest(l, 1)],
        (l) => expect(l.intervals.map((v: any) => v.seconds)).toEqual([10800]),
      ],
      [
        (l) => ['interval', 'annotate', newest(l), 'on', 'the', 'train'],
        (l) => expect(l.intervals[0].annotation).toBe('on the train'),
      ],
      [(l) => ['interval', 'delete', newest(l)], (l) => expect(l.matched).toBe(0)],
    ];
    const states = [before];
    for (const [argsOf, check] of steps) {
      const args = argsOf(states[states.length - 1]);
      const r = await fx(args, a);
      expect(r.code, JSON.stringify(r.body)).toBe(0);
      const l = await list(a);
      check(l);
      states.push(l);
    }
    const pending = await fx(['undo', '--list'], a);
    expect(pending.body.steps.map((s: any) => s.method)).toEqual([
      'interval.delete',
      'interval.annotate',
      'interval.join',
      'interval.move',
      'interval.split',
      'interval.track',
    ]);
    for (let k = states.length - 2; k >= 0; k--) {
      const u = await fx(['undo'], a);
      expect(u.code).toBe(0);
      expect(await list(a)).toEqual({ ...states[k], now: expect.any(String) });
    }
  }, 120_000);

  it('a report by day follows each correction at once, cut at the real midnight of a DST night', async () => {
    const a = 'erin';
    const days = async () =>
      (
        await fx(
          ['report', '--by', 'day', '--since', '2026-03-28', '--until', '2026-03-29', '--tz', 'Europe/Berlin'],
          a,
        )
      ).body.rows.map((r: any) => [r.key, r.seconds, r.intervals]);
    // 22:00 to 04:00 local over the switch to summer time: 2 h on the 28th, 3 h on the 29th (a 23 h day).
    expect((await fx(['track', '2026-03-28', '22:00', '-', '2026-03-29', '04:00', 'T1'], a)).code).toBe(0);
    expect(await days()).toEqual([
      ['2026-03-28', 7200, 1],
      ['2026-03-29', 10800, 1],
    ]);
    const ref = (await list(a)).intervals[0].ref as string;
    expect((await fx(['interval', 'edit', ref, '--end', '2026-03-29T03:00'], a)).code).toBe(0);
    expect(await days()).toEqual([
      ['2026-03-28', 7200, 1],
      ['2026-03-29', 7200, 1],
    ]);
    expect((await fx(['undo'], a)).code).toBe(0);
    expect((await days())[1]).toEqual(['2026-03-29', 10800, 1]);
    expect((await fx(['interval', 'delete', ref], a)).code).toBe(0);
    expect(await days()).toEqual([]);
  });

  it('undoes a context change, and refuses an undo over a later change by someone else', async () => {
    expect((await d.fragctl(['session', 'start'])).code).toBe(0);
    expect((await d.fragctl(['task', 'activate', 'T1'])).code).toBe(0);
    expect((await d.fragctl(['task', 'activate', 'T2'])).code).toBe(0);
    let s = await d.json(['status']);
    expect(s.body.session.active.task).toBe('T2');
    const u = await d.json(['undo']);
    expect(u.body.undone.method).toBe('task.activate');
    s = await d.json(['status']);
    expect(s.body.session.active.task).toBe('T1');

    // claude completes T1, which takes it off every stack, the human's too: the human's
    // activation of T1 can no longer be undone blindly.
    expect((await d.fragctl(['session', 'start', '--actor', 'claude'])).code).toBe(0);
    const done = await d.json([
      'task',
      'complete',
      'T1',
      '--force',
      '--summary',
      'finished by the agent today',
      '--actor',
      'claude',
    ]);
    expect(done.code, JSON.stringify(done.body)).toBe(0);
    expect((await d.json(['status'])).body.session.active.task).toBeNull();
    const refused = await d.json(['undo']);
    expect(refused.code).not.toBe(0);
    // The completion took T1 off the human's stack, which also ended the human's claim on it.
    expect(refused.body.error.message).toMatch(
      /(session|claim) #\d+ was changed after it by claude's "task.complete code=T1"/,
    );
    expect(refused.body.error.data.hint).toMatch(/ask claude to undo theirs first/);
    // Once claude undoes the completion, the human's undo goes through.
    expect((await d.fragctl(['undo', '--actor', 'claude'])).code).toBe(0);
    expect((await d.json(['task', 'show', 'T1'])).body.task.status).toBe('in_progress');
    expect((await d.json(['status'])).body.session.active.task).toBe('T1');
    expect((await d.fragctl(['undo'])).code).toBe(0);
    expect((await d.json(['status'])).body.session.active.task).toBeNull();
    // Twenty fragctl processes one after another: past 30 s on a loaded machine.
  }, 60_000);

  it('undo reaches at least 20 steps back', async () => {
    const a = 'eve';
    const c = await d.client();
    try {
      for (let i = 0; i < 22; i++) {
        const day = `2026-01-${String(i + 1).padStart(2, '0')}`;
        await c.call('interval.track', { actor: a, start: `${day}T09:00:00Z`, end: `${day}T10:00:00Z` });
      }
      expect((await fx(['undo', '--list'], a)).body.steps).toHaveLength(20);
      for (let i = 0; i < 21; i++) await c.call('undo', { actor: a });
    } finally {
      c.close();
    }
    expect((await fx(['undo'], a)).code).toBe(0);
    expect((await list(a)).matched).toBe(0);
    const none = await fx(['undo'], a);
    expect(none.code).toBe(4);
    expect(none.body.error.message).toMatch(/eve has nothing to undo/);
  });
});

describe('report views through fragctl', () => {
  it('shows time by language and editor from heartbeats, with the intervals under each row', async () => {
    const a = 'hb';
    expect((await d.fragctl(['session', 'start', '--actor', a])).code).toBe(0);
    expect((await d.fragctl(['heartbeat', '--actor', a, '--file', 'src/main.rs', '--editor', 'helix'])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    const lang = await d.json(['report', '--by', 'language', '--actor', a, '--intervals']);
    expect(lang.code).toBe(0);
    expect(lang.body.rows.map((x: any) => x.key)).toContain('Rust');
    const rust = lang.body.rows.find((x: any) => x.key === 'Rust');
    expect(rust.detail[0]).toMatchObject({ actor: a, task: null });
    const text = await d.fragctl(['report', '--by', 'editor', '--actor', a, '--intervals']);
    expect(text.stdout).toMatch(/helix/);
    expect(text.stdout).toMatch(/#\d+ /);
  });
});

const timewAvailable = spawnSync('timew', ['--version']).status === 0;
if (!timewAvailable) console.log('skipping the Timewarrior round trip: timew is not installed (CI installs it)');

/** A private Timewarrior database. */
function timewDb(): string {
  const dir = join(d.home, `timew-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'timewarrior.cfg'), '');
  return dir;
}
const timew = (db: string, args: string[]) =>
  execFileSync('timew', args, { env: { ...process.env, ...BERLIN, TIMEWARRIORDB: db }, encoding: 'utf8' });
/** The grand total `timew summary` prints last (H:MM:SS), in seconds. */
function timewTotal(db: string, from: string, to: string): number {
  const out = timew(db, ['summary', from, '-', to]);
  if (/No filtered data/.test(out)) return 0;
  const last = out.trim().split('\n').pop()!.trim();
  const [h, m, s] = last.split(':').map(Number);
  return h * 3600 + m * 60 + s;
}

describe.skipIf(!timewAvailable)('Timewarrior round trip against the real timew', () => {
  const days = ['2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30', '2026-03-31'];

  it('fragd export → timew → timew summary equals fragd report, day by day and in total', async () => {
    const a = 'tw1';
    for (const [from, to, task] of [
      ['2026-03-27 22:30', '2026-03-28 01:15', 'T1'], // across midnight
      ['2026-03-28 23:00', '2026-03-29 05:00', 'T2'], // across midnight and the DST change
      ['2026-03-30 09:00', '2026-03-30 12:34', ''],
      ['2026-03-31 14:00', '2026-03-31 14:45', 'T1'],
    ]) {
      const r = await fx(['track', ...from.split(' '), '-', ...to.split(' '), ...(task ? [task] : [])], a);
      expect(r.code, JSON.stringify(r.body)).toBe(0);
    }
    const out = await d.fragctl(['export', '--format', 'timewarrior', '--since', '2026-03-27', '--actor', a], {
      env: BERLIN,
    });
    expect(out.code).toBe(0);
    const exported = JSON.parse(out.stdout) as { start: string; end: string; tags: string[] }[];
    expect(exported).toHaveLength(4);
    // iCalendar is written exactly: CRLF line ends (RFC 5545), not escaped for a terminal.
    const ics = await d.fragctl(['export', '--format', 'ical', '--since', '2026-03-27', '--actor', a], { env: BERLIN });
    expect(ics.stdout.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toBe(true);
    expect(ics.stdout.match(/BEGIN:VEVENT\r\n/g)).toHaveLength(4);
    // timew 1.4 has no `import`: each exported interval is replayed with `timew track`.
    const db = timewDb();
    for (const i of exported) timew(db, ['track', i.start, '-', i.end, ...i.tags, ':yes']);
    // The day reports are reads: their fragctl processes run at once.
    const [all, ...ours] = await Promise.all(
      [[days[0], days[4]], ...days.map((day) => [day, day])].map(([since, until]) =>
        fx(['report', '--since', since, '--until', until], a),
      ),
    );
    for (const [k, day] of days.entries()) {
      const next = days[k + 1] ?? '2026-04-01';
      expect([day, ours[k].body.total_seconds]).toEqual([day, timewTotal(db, day, next)]);
    }
    expect(all.body.total_seconds).toBe(timewTotal(db, days[0], '2026-04-01'));
    expect(all.body.total_seconds).toBe(9900 + 5 * 3600 + 12840 + 2700);
  });

  it('timew export → fragd import → the same totals; a second import adds nothing', async () => {
    const db = timewDb();
    timew(db, ['track', '2026-03-28T21:00:00Z', '-', '2026-03-29T02:00:00Z', 'T1', 'client', ':yes']);
    timew(db, ['track', '2026-03-30T07:00:00Z', '-', '2026-03-30T09:10:00Z', 'meeting', ':yes']);
    timew(db, ['track', '2026-03-31T12:00:00Z', '-', '2026-03-31T12:20:00Z', 'Some Tag', ':yes']);
    timew(db, ['annotate', '@1', 'lunch call']);
    const file = join(d.home, 'timew.json');
    writeFileSync(file, timew(db, ['export']));
    const imp = await fx(['import', '--from', 'timewarrior', file, '--map', 'meeting=T2'], 'tw2');
    expect(imp.code, JSON.stringify(imp.body)).toBe(0);
    expect(imp.body).toMatchObject({ received: 3, added: 3, unchanged: 0, skipped: [] });
    const again = await fx(['import', '--from', 'timewarrior', file, '--map', 'meeting=T2'], 'tw2');
    expect(again.body).toMatchObject({ received: 3, added: 0, unchanged: 3 });
    const [byTask, ...ours] = await Promise.all([
      fx(['report', '--by', 'task', '--since', days[0], '--until', days[4]], 'tw2'),
      ...days.map((day) => fx(['report', '--since', day, '--until', day], 'tw2')),
    ]);
    for (const [k, day] of days.entries()) {
      const next = days[k + 1] ?? '2026-04-01';
      expect([day, ours[k].body.total_seconds]).toEqual([day, timewTotal(db, day, next)]);
    }
    expect(byTask.body.rows.map((x: any) => [x.key, x.seconds])).toEqual([
      ['T1', 5 * 3600],
      ['T2', 7800],
      ['(none)', 1200],
    ]);
    const l = await list('tw2');
    expect(l.intervals[0]).toMatchObject({ tags: ['Some Tag'], task: null, annotation: 'lunch call' });
    // And back: fragd's export carries the original tags for Timewarrior.
    const back = await d.fragctl(['export', '--format', 'timewarrior', '--actor', 'tw2'], { env: BERLIN });
    expect(JSON.parse(back.stdout).map((i: any) => i.tags)).toEqual([['T1', 'client'], ['meeting'], ['Some Tag']]);
  });
});
