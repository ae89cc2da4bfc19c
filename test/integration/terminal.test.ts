// Terminal output through the real fragctl against a real daemon on the fake clock: charts
// whose bars follow the report's own numbers, the bar against the estimate, widths (piped
// with COLUMNS, and a real pseudo-terminal of a given size), --full, and colour on and off.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FragClient } from '../../client/lib/client.js';
import { barLength } from '../../client/fragctl/charts.js';
import { displayWidth } from '../../client/fragctl/layout.js';
import { FRAGCTL, ROOT, TestDaemon, tempHome, type RunResult } from '../support/daemon.js';

const MIN = 60_000;
const T0 = Date.parse('2026-06-01T08:00:00Z');
const LONG = 'PLATFORM-MIGRATION-2026-LONG-CODE-001';
const LONG_TITLE = 'Move every service of the platform to the new cluster, one region after another, without downtime';
const NOTE = `${'a long note '.repeat(832)}THE END`; // 9,991 characters
const RANGE = ['--since', '2026-06-01', '--until', '2026-06-07', '--tz', 'UTC'];
const ESC = '\u001b[';

let d: TestDaemon;
let c: FragClient;
beforeAll(async () => {
  d = new TestDaemon(tempHome(), { FRAGD_TEST_CLOCK: String(T0) });
  // No idle pause while the fake clock jumps.
  d.writeConfig({ idle_timeout_seconds: 10_000_000 });
  await d.start();
  c = await d.client();
  await c.call('task.create', { code: LONG, title: LONG_TITLE, estimate_minutes: 60 });
  await c.call('task.create', { code: 'T-2', title: 'Short one', estimate_minutes: 600 });
  await c.call('task.create', { code: 'T-3', title: 'Third', estimate_minutes: 30 });
  await c.call('session.start', {});
  // Work `minutes` on a task, then pause until the same time the next day.
  const work = async (code: string, minutes: number) => {
    await c.call('task.activate', { code });
    await c.call('debug.clock', { advance_ms: minutes * MIN, ticking: true });
    await c.call('activity.update', { message: `worked on ${code}` });
    await c.call('session.pause', {});
    await c.call('debug.clock', { advance_ms: 24 * 60 * MIN - minutes * MIN });
    await c.call('session.resume', {});
  };
  await work(LONG, 90); // day 1: 1h30m, 50% over its 1h estimate
  await work('T-2', 30); // day 2
  await work('T-3', 15); // day 3
  await c.call('activity.note', { message: NOTE });
  await c.call('task.activate', { code: LONG });
});
afterAll(async () => {
  c?.close();
  await d?.dispose();
});

/** fragctl piped, with no colour variables unless given. */
const fragctl = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> =>
  d.fragctl(args, { env: { NO_COLOR: undefined, FORCE_COLOR: undefined, NODE_DISABLE_COLORS: undefined, ...env } });

const lines = (out: string) => out.replace(/\n$/, '').split('\n');
const widest = (out: string) => Math.max(...lines(stripVTControlCharacters(out)).map(displayWidth));

function inPty(args: string[], cols: number, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'python3',
      [join(ROOT, 'test/support/pty_drive.py'), '[]', '--', process.execPath, FRAGCTL, ...args],
      {
        env: {
          ...d.env,
          NO_COLOR: undefined,
          FORCE_COLOR: undefined,
          // Node takes CI=true (as CI runs) for a terminal without colour: a person's terminal has no CI.
          CI: undefined,
          TERM: 'xterm-256color',
          PTY_COLS: String(cols),
          PTY_RAW: '1',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.on('error', reject);
    // A terminal ends lines with \r\n.
    child.on('close', (code) => resolve({ code: code ?? -1, out: out.replace(/\r\n/g, '\n') }));
  });
}

describe('report --chart', () => {
  it.each([60, 100, 160])('draws bars proportional to the report at %i columns', async (cols) => {
    const { body } = await d.json(['report', '--by', 'task', ...RANGE]);
    const seconds = new Map<string, number>(
      (body as { rows: { key: string; seconds: number }[] }).rows.map((r) => [r.key, r.seconds]),
    );
    expect([...seconds.values()]).toEqual([90 * 60, 30 * 60, 15 * 60]);
    const r = await fragctl(['report', '--chart', '--by', 'task', ...RANGE], { COLUMNS: String(cols) });
    expect(r.code, r.stderr).toBe(0);
    expect(widest(r.stdout)).toBeLessThanOrEqual(cols);
    const bars = new Map<string, number>();
    for (const line of lines(r.stdout).slice(1)) {
      const m = /^(\S+)\s+([█▏▎▍▌▋▊▉]+)\s+(\S+)$/.exec(line.trimEnd());
      if (m) bars.set(m[1].replace(/…$/, ''), barLength(m[2]));
    }
    expect(bars.size).toBe(3);
    const longest = Math.max(...bars.values());
    // The longest bar fills what the line leaves; each other is its share, to an eighth.
    expect(longest).toBeGreaterThan(cols / 3);
    for (const [key, len] of bars) {
      const full = [...seconds.keys()].find((k) => k.startsWith(key))!;
      expect(Math.abs(len - (seconds.get(full)! / (90 * 60)) * longest)).toBeLessThanOrEqual(1 / 8);
    }
  });

  it('adds a sparkline with one mark per day of the range, dots on days without work', async () => {
    const r = await fragctl(['report', '--chart', ...RANGE], { COLUMNS: '100' });
    expect(r.code, r.stderr).toBe(0);
    const spark = /days 2026-06-01 → 2026-06-07\s+(\S+)$/m.exec(r.stdout)![1];
    // Day 1: 1h30m (the most), day 2: 30m, day 3: 15m, then nothing.
    expect([...spark]).toHaveLength(7);
    expect(spark[0]).toBe('█');
    expect(spark.slice(3)).toBe('····');
    expect('▁▂▃▄▅▆▇'.indexOf(spark[1])).toBeGreaterThan('▁▂▃▄▅▆▇'.indexOf(spark[2]));
    // For programs, a chart is the report itself.
    const json = await d.json(['report', '--chart', '--by', 'task', ...RANGE]);
    expect(json.body).toEqual((await d.json(['report', '--by', 'task', ...RANGE])).body);
  });

  it('fits the table of a report to the terminal, cutting titles and keeping codes', async () => {
    const whole = await fragctl(['report', '--by', 'task', ...RANGE]);
    // Piped without COLUMNS: nothing cut.
    expect(whole.stdout).toContain(LONG_TITLE);
    for (const cols of [110, 140]) {
      const r = await fragctl(['report', '--by', 'task', ...RANGE], { COLUMNS: String(cols) });
      expect(widest(r.stdout), r.stdout).toBeLessThanOrEqual(cols);
      expect(r.stdout).toContain(` ${LONG} `);
      expect(r.stdout).toMatch(/│ Move [^│]*… │/);
    }
    // Narrower than the codes and numbers allow: as narrow as they allow, codes whole.
    const narrow = await fragctl(['report', '--by', 'task', ...RANGE], { COLUMNS: '70' });
    expect(narrow.stdout).toContain(` ${LONG} `);
    expect(widest(narrow.stdout)).toBeLessThan(widest(whole.stdout));
    expect(widest(narrow.stdout)).toBeLessThanOrEqual(LONG.length + 70);
  });
});

describe('status', () => {
  it('draws tracked time against the estimate, and an overrun distinctly, with or without colour', async () => {
    const over = await fragctl(['status'], { NO_COLOR: '1', COLUMNS: '100' });
    expect(over.stdout).not.toContain(ESC);
    // 1h30m tracked on a 1h estimate: ▓ marks the part beyond it, and it says so in words.
    expect(over.stdout).toMatch(/\[█+▓+\] 1h30m of 1h00m · 50% over/);
    await c.call('task.activate', { code: 'T-2' });
    const within = await fragctl(['status'], { NO_COLOR: '1', COLUMNS: '100' });
    expect(within.stdout).toMatch(/\[█+░+\] 30m of 10h00m · 5%/);
    expect(within.stdout).not.toContain('▓');
    await c.call('task.activate', { code: LONG });
  });

  it('cuts a 10,000-character note to the width in lists, and prints it whole with --full', async () => {
    for (const cols of [50, 80, 200]) {
      const r = await fragctl(['session', 'history'], { COLUMNS: String(cols) });
      expect(widest(r.stdout)).toBeLessThanOrEqual(cols);
      expect(r.stdout).toMatch(/note\s+a long note.*…/);
      expect(r.stdout).not.toContain('THE END');
    }
    const full = await fragctl(['session', 'history', '--full'], { COLUMNS: '80' });
    expect(full.stdout).toContain(NOTE);
    // Piped without COLUMNS: a file gets every character.
    expect((await fragctl(['session', 'history'])).stdout).toContain(NOTE);
  });

  it('fits a real terminal of 50 and 120 columns (fast path and full CLI)', async () => {
    for (const cols of [50, 120]) {
      for (const args of [['status'], ['session', 'history'], ['task', 'list']]) {
        const r = await inPty(args, cols, { NO_COLOR: '1' });
        expect(r.code, r.out).toBe(0);
        expect(widest(r.out), r.out).toBeLessThanOrEqual(cols);
      }
    }
  });
});

describe('lists', () => {
  it('keep long codes whole and aligned, cut titles to the width, and print them whole with --full', async () => {
    for (const cols of [40, 80, 120]) {
      const r = await fragctl(['task', 'list'], { COLUMNS: String(cols) });
      expect(widest(r.stdout)).toBeLessThanOrEqual(cols);
      const rows = lines(r.stdout);
      expect(rows.some((l) => l.startsWith(`${LONG} `))).toBe(true);
      // The status column starts at the same place on every row.
      if (cols >= 80) expect(new Set(rows.map((l) => l.search(/ (todo|in_progress)/))).size).toBe(1);
    }
    const full = await fragctl(['task', 'list', '--full'], { COLUMNS: '40' });
    expect(full.stdout).toContain(LONG_TITLE);
  });
});

describe('colour', () => {
  it('is on in a terminal, off with NO_COLOR there, off when piped, on when piped with FORCE_COLOR', async () => {
    const tty = await inPty(['status'], 100);
    expect(tty.out).toContain(ESC);
    const noColor = await inPty(['status'], 100, { NO_COLOR: '1' });
    expect(noColor.out).not.toContain(ESC);
    expect(stripVTControlCharacters(noColor.out)).toBe(stripVTControlCharacters(tty.out).replace(/\d+s /g, (m) => m));
    expect((await fragctl(['status'])).stdout).not.toContain(ESC);
    expect((await fragctl(['status'], { FORCE_COLOR: '1' })).stdout).toContain(ESC);
    // A report chart too: colour, but the same characters.
    const plain = await fragctl(['report', '--chart', ...RANGE], { COLUMNS: '80' });
    const coloured = await fragctl(['report', '--chart', ...RANGE], { COLUMNS: '80', FORCE_COLOR: '1' });
    expect(plain.stdout).not.toContain(ESC);
    expect(coloured.stdout).toContain(ESC);
    expect(stripVTControlCharacters(coloured.stdout)).toBe(plain.stdout);
  });
});
