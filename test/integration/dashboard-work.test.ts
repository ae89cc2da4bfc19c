// The dashboard's header, its actions and its screenshots (issues 26 and 27), in Debian's
// Chromium driven by playwright-core, on a real daemon with the demo's plan
// (examples/plan.yaml, as scripts/demo.sh imports it) worked over four days on the test
// clock by the person and an agent. The header's totals must equal fragctl report's; the
// page must start a session, activate a task, post an update and complete a task through
// the protocol and its gates, as the person only; and it saves the whole page at 1280 and
// 390 pixels wide, light and dark (to docs/img with FRAGD_SCREENS_TO_DOCS=1).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FragClient } from '../../client/lib/client.js';
import { ROOT, startDaemon, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';
import { appendLines, claudeAssistantLine, Conversation } from '../support/agents.js';

const CHROMIUM = process.env.FRAGD_TEST_CHROMIUM ?? '/usr/bin/chromium';
const SCREENS = join(ROOT, 'test-results', 'screens');
const MIN = 60_000;
const DAY = 86_400_000;
// Thursday 26 November 2026, 09:00 UTC: the sprint's first day; "today" is Monday the 30th.
const T0 = Date.parse('2026-11-26T09:00:00Z');
const UTC = { TZ: 'UTC' };

let d: TestDaemon;
let c: FragClient;
let port: number;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];

const now = async () => Date.parse((await c.call('debug.clock', { advance_ms: 0 })).now);

/** Claude Code on the profile page (branch feature/T-03-…), through its real hook entry, with its transcript's tokens. */
let claude: Conversation | undefined;
let transcript = '';
let message = 0;

async function work(minutes: number, human: boolean, agent = false): Promise<void> {
  for (let i = 0; i < minutes; i += 5) {
    await c.call('debug.clock', { advance_ms: 5 * MIN, ticking: true });
    if (human) await c.call('heartbeat', { file: 'src/app.ts' });
    if (agent) {
      const at = await now();
      message += 1;
      appendLines(transcript, [
        claudeAssistantLine(`msg_${message}`, at - MIN, {
          input: 1200 + 40 * message,
          output: 900 + 15 * message,
          cache_creation: 4000,
          cache_read: 52_000 + 1000 * message,
        }),
      ]);
      await claude!.send('PostToolUse', at, { tool_name: 'Edit', tool_input: { file_path: 'src/profile.ts' } });
    }
  }
}

async function day(n: number, hour = 9): Promise<void> {
  await c.call('debug.clock', { set_ms: T0 + n * DAY + (hour - 9) * 60 * MIN });
}

function raw(method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A call made by the page's own script, with its page key (as main.ts makes them). */
const pageCall = (method: string, params: Record<string, unknown>) =>
  page.evaluate(
    async ([m, p]) => {
      const res = await fetch('/dashboard/rpc', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Fragd-Dashboard': localStorage.getItem('fragd_dashboard_key') ?? '',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: m, params: p }),
      });
      return { status: res.status, body: (await res.json()) as { error?: { message: string }; result?: unknown } };
    },
    [method, params] as const,
  );

async function login(target: Page): Promise<void> {
  const r = await d.json(['open', '--no-browser']);
  expect(r.code).toBe(0);
  await target.goto(r.body.url as string);
  await target.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  await target.waitForSelector('#live.on', { timeout: 10_000 });
}

/** Waits until the page has read again after a change (the event stream, then 100 ms). */
async function settled(): Promise<void> {
  const before = await page.getAttribute('#live', 'data-updated');
  await page.waitForFunction((b) => document.querySelector('#live')?.getAttribute('data-updated') !== b, before, {
    timeout: 10_000,
  });
}

beforeAll(async () => {
  d = await startDaemon(
    { FRAGD_TEST_CLOCK: String(T0), ...UTC },
    { http: { enabled: true, port: 0 }, agent_idle_timeout_seconds: 3600 },
  );
  port = Number(readFileSync(`${d.home}/http-port`, 'utf8'));
  c = await d.client();
  // The demo's plan and its first steps (scripts/demo.sh), then three more days of work.
  expect((await d.fragctl(['import', join(ROOT, 'examples/plan.yaml')])).code).toBe(0);
  await c.call('session.start', {});
  await c.call('sprint.activate', { code: '1' });
  await c.call('task.activate', { code: 'T-01' });
  await work(35, true);
  await c.call('activity.update', { message: 'sketched the login form' });
  await c.call('activity.note', { message: 'chose zod for the schema: it is already a dependency' });
  await c.call('task.activate', { code: 'T-01a' });
  await work(25, true);
  await c.call('activity.update', { message: 'required-field and email rules' });
  await c.call('activity.update', { message: 'error messages under each field' });
  await c.call('task.complete', { code: 'T-01a', summary: 'validation rules for every field, with tests' });
  await c.call('task.activate', { code: 'T-01' });
  await work(40, true);
  await c.call('activity.update', { message: 'form submits to the session endpoint' });
  await c.call('task.complete', { code: 'T-01', summary: 'login form done: fields, validation, error messages' });
  await c.call('session.end', { summary: 'login form shipped' });
  // Friday: the session cookie, with Claude Code on the profile page in its own checkout.
  await day(1);
  await c.call('session.start', {});
  await c.call('task.activate', { code: 'T-02' });
  const repo = TestRepo.create(d.env);
  repo.commit('README.md', '# fragments web\n', 'first');
  repo.git(['checkout', '-q', '-b', 'feature/T-03-profile-page']);
  writeFileSync(join(repo.dir, '.fragd.json'), JSON.stringify({ project: 'FRAG' }));
  transcript = join(d.home, 'claude-transcript.jsonl');
  writeFileSync(transcript, '');
  claude = new Conversation(d, 'claude', { session_id: 'c-demo', cwd: repo.dir, transcript_path: transcript });
  await claude.send('SessionStart', await now());
  await claude.send('UserPromptSubmit', await now(), { prompt: 'build the profile page' });
  await work(50, true, true);
  await c.call('activity.update', { message: 'cookie set with HttpOnly and SameSite' });
  await c.call('session.end', {});
  await work(20, false, true);
  await claude.send('Stop', await now());
  // Monday, today: the person back on the cookie, the agent on the profile page.
  await day(4);
  await c.call('session.start', {});
  await c.call('task.activate', { code: 'T-02' });
  await work(30, true);
  await c.call('session.pause', {});
  await c.call('debug.clock', { advance_ms: 10 * MIN, ticking: true });
  await c.call('session.resume', {});
  await c.call('task.activate', { code: 'T-02' });
  await claude.send('UserPromptSubmit', await now(), { prompt: 'now the avatar upload' });
  await work(25, true, true);

  mkdirSync(SCREENS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  // en-GB: a 24-hour locale, so every clock on the page reads 13:15, not 01:15 PM.
  context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-GB', viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('console', (m) => void (m.type() === 'error' && consoleErrors.push(m.text())));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await login(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  c?.close();
  await d?.dispose();
});

describe('the header', () => {
  it("says today's and this week's totals as fragctl report does, the active task and who works now", async () => {
    const today = (await d.json(['report', '--since', '2026-11-30', '--until', '2026-11-30'], { env: UTC })).body;
    const week = (await d.json(['report', '--since', '2026-11-30', '--until', '2026-11-30'], { env: UTC })).body;
    const lastDays = (await d.json(['report', '--since', '2026-11-26'], { env: UTC })).body;
    expect(Number(await page.getAttribute('#today-total', 'data-seconds'))).toBe(today.total_seconds);
    // Monday is the week's first day: the week so far is today.
    expect(Number(await page.getAttribute('#week-total', 'data-seconds'))).toBe(week.total_seconds);
    expect(lastDays.total_seconds).toBeGreaterThan(week.total_seconds);
    expect(await page.getAttribute('#task-now', 'data-key')).toBe('T-02');
    const spent = (await d.json(['task', 'show', 'T-02'], { env: UTC })).body.spend.seconds;
    expect(await page.textContent('#task-estimate')).toMatch(
      new RegExp(`of 1h 00m estimated \\(${Math.round((spent / 3600) * 100)}%\\) · human`),
    );
    const who = await page.$$eval('#who li', (lis) => lis.map((li) => li.textContent));
    expect(who).toHaveLength(2);
    expect(who.find((w) => w.startsWith('claude'))).toMatch(/^claude \(agent\) · on T-03 · /);
    expect(who.find((w) => w.startsWith('human'))).toMatch(/^human · on T-02 · \d+m \d\ds$/);
  });

  it('writes clocks in the locale (24-hour here), durations with their seconds, and tables that add up', async () => {
    const clocks = await page.$$eval('#today-chart .axis span', (s) => s.map((x) => x.textContent));
    expect(clocks).toEqual(['00:00', '03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00']);
    await page.selectOption('#range-preset', 'last-7-days');
    await page.waitForSelector('body[data-range="2026-11-24/2026-11-30"]');
    for (const table of ['tasks-table', 'sprints-table', 'actors-table']) {
      const col = table === 'actors-table' ? 2 : 1;
      const rows = await page.$$eval(`#${table} tbody tr td:nth-child(${col + 1})`, (tds) =>
        tds.map((td) => Number(td.getAttribute('data-seconds'))),
      );
      const total = Number(await page.getAttribute(`#${table} tfoot td`, 'data-seconds'));
      expect(
        rows.reduce((a, b) => a + b, 0),
        table,
      ).toBe(total);
    }
    // Bars carry the whole name on hover; the legend names each series.
    expect(await page.getAttribute('#tasks-chart .bar-row:first-of-type', 'title')).toMatch(/^T-0\d \w/);
    expect(await page.$$eval('#tasks-chart .legend .key', (k) => k.map((x) => x.textContent))).toEqual([
      'actual (all time)',
      'estimate',
    ]);
    // No interval of no length is listed as work.
    // (A running one counts up from its start.)
    const secs = await page.$$eval('#intervals-table tbody tr', (trs) =>
      trs
        .filter((tr) => tr.children[2]?.textContent !== 'running')
        .map((tr) => Number(tr.children[3].getAttribute('data-seconds'))),
    );
    expect(secs.length).toBeGreaterThan(0);
    expect(secs.every((s) => s > 0)).toBe(true);
  });

  it('says what will appear where a chart has nothing to show', async () => {
    await page.selectOption('#range-preset', 'custom');
    await page.fill('#range-from', '2026-10-01');
    await page.fill('#range-to', '2026-10-02');
    await page.click('#range button[type=submit]');
    await page.waitForSelector('body[data-range="2026-10-01/2026-10-02"]');
    expect(await page.textContent('#tasks-chart')).toMatch(/^No task has tracked time from 2026-10-01 to 2026-10-02\./);
    expect(await page.textContent('#actors-chart')).toMatch(/^Nobody tracked time from 2026-10-01 to 2026-10-02\./);
    await page.selectOption('#range-preset', 'this-week');
    await page.waitForSelector('body[data-range="2026-11-30/2026-11-30"]');
  });
});

describe('the screenshots', () => {
  it('shows the whole page at 1280 and 390 pixels wide, light and dark', async () => {
    const toDocs = process.env.FRAGD_SCREENS_TO_DOCS === '1';
    await page.selectOption('#range-preset', 'last-7-days');
    await page.waitForSelector('body[data-range="2026-11-24/2026-11-30"]');
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(600);
      // The cards reflow: one column on a phone, no sideways scrolling of the page.
      const overflow = await page.evaluate(() => ({
        by: document.documentElement.scrollWidth - window.innerWidth,
        wide: [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('table.data'))
          .slice(0, 5)
          .map((e) => `${e.tagName}#${e.id}.${e.className}`),
      }));
      expect(overflow.by, `page wider than ${width}px: ${overflow.wide.join(', ')}`).toBeLessThanOrEqual(0);
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.waitForSelector(`body[data-scheme="${scheme}"]`);
        await page.evaluate(() => window.dispatchEvent(new Event('resize')));
        await page.waitForTimeout(600);
        const file = `dashboard-${width}-${scheme}.png`;
        await page.screenshot({ path: join(SCREENS, file), fullPage: true });
        if (toDocs) copyFileSync(join(SCREENS, file), join(ROOT, 'docs', 'img', file));
      }
    }
    const columns = async () =>
      page.$eval('main.grid', (m) => getComputedStyle(m).gridTemplateColumns.split(' ').length);
    expect(await columns()).toBe(1);
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await columns()).toBeGreaterThanOrEqual(2);
    await page.emulateMedia({ colorScheme: 'light' });
  }, 120_000);
});

describe('work from the dashboard', () => {
  it('starts a session, activates a task, posts an update and completes it, through the gates', async () => {
    await c.call('session.end', { summary: 'cookie work paused for the day' });
    await settled();
    expect(await page.isVisible('#act-start')).toBe(true);
    await page.click('#act-start');
    await page.locator('#act-result.ok', { hasText: 'Session started' }).waitFor();
    const status = (await d.json(['status'], { env: UTC })).body;
    expect(status.session.status).toBe('active');
    expect(status.session.source).toBe('gui');

    await page.selectOption('#act-task', 'T-02');
    await page.click('#act-activate button[type=submit]');
    await page.locator('#act-result.ok', { hasText: 'T-02 is active' }).waitFor();
    expect((await d.json(['status'], { env: UTC })).body.session.active.task).toBe('T-02');

    // The gates are fragctl's: a stock phrase is refused with the reason.
    await page.fill('#act-message', 'progress update');
    await page.click('#act-update button[type=submit]');
    await page.locator('#act-result.error', { hasText: 'stock phrase' }).waitFor();
    await page.fill('#act-message', 'cookie renewed on every request, tests for expiry');
    await page.click('#act-update button[type=submit]');
    await page.locator('#act-result.ok', { hasText: 'Update posted' }).waitFor();
    const shown = (await d.json(['task', 'show', 'T-02'], { env: UTC })).body;
    expect(shown.updates.map((u: { message: string }) => u.message)).toContain(
      'cookie renewed on every request, tests for expiry',
    );

    // Completing needs the summary and what the gate asks: said on the page, never forced.
    await work(5, true);
    await page.fill('#act-summary', 'the session cookie is set, renewed and expires');
    await page.click('#act-complete button[type=submit]');
    await page.locator('#act-result', { hasText: 'T-02' }).waitFor();
    const r = await page.textContent('#act-result');
    if (r!.includes('cannot be completed')) {
      expect(await page.$$eval('#act-missing li', (l) => l.length)).toBeGreaterThan(0);
      await page.fill('#act-message', 'logout clears the cookie on the server too');
      await page.click('#act-update button[type=submit]');
      await page.locator('#act-result.ok', { hasText: 'Update posted' }).waitFor();
      await page.fill('#act-summary', 'the session cookie is set, renewed and expires');
      await page.click('#act-complete button[type=submit]');
    }
    await page.locator('#act-result.ok', { hasText: 'T-02 completed' }).waitFor();
    expect((await d.json(['task', 'show', 'T-02'], { env: UTC })).body.task.status).toBe('completed');
  });

  it('acts as the person only, through the gates, and only for its own page', async () => {
    const asAgent = await pageCall('activity.update', { actor: 'claude', message: 'posing as the agent' });
    expect(asAgent.body.error!.message).toMatch(/acts as the person only/);
    const forced = await pageCall('task.complete', { code: 'T-03', summary: 'forced past the gate', force: true });
    expect(forced.body.error!.message).toMatch(/does not pass force/);
    const taken = await pageCall('task.activate', { code: 'T-03', take_over: true });
    expect(taken.body.error!.message).toMatch(/does not pass take_over/);
    expect((await d.json(['task', 'show', 'T-03'], { env: UTC })).body.task.status).not.toBe('completed');
    // With the cookie but without the page key (another local page could send the cookie): refused.
    const cookie = (await context.cookies())[0];
    const noKey = await raw(
      'POST',
      '/dashboard/rpc',
      {
        Host: `127.0.0.1:${port}`,
        Origin: `http://127.0.0.1:${port}`,
        Cookie: `${cookie.name}=${cookie.value}`,
        'Content-Type': 'application/json',
        'X-Fragd-Dashboard': '1',
      },
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.start', params: {} }),
    );
    expect(noKey.status).toBe(403);
  });

  it('lists the actors with kind, sessions, time, tokens and last seen, as fragctl actors', async () => {
    await page.selectOption('#range-preset', 'last-7-days');
    await page.waitForSelector('body[data-range="2026-11-24/2026-11-30"]');
    await settled().catch(() => undefined);
    const cli = (await d.json(['actors', '--since', '2026-11-24', '--until', '2026-11-30'], { env: UTC })).body;
    const rows = await page.$$eval('#actors-table tbody tr', (trs) =>
      trs.map((tr) => ({
        actor: tr.children[0].textContent,
        kind: tr.children[1].textContent,
        seconds: Number(tr.children[2].getAttribute('data-seconds')),
        sessions: Number(tr.children[3].textContent),
        tokens: Number(tr.children[4].getAttribute('data-tokens')),
      })),
    );
    expect(rows).toEqual(
      cli.actors.map((a: any) => ({
        actor: a.actor,
        kind: a.kind === 'agent' ? 'agent' : 'person',
        seconds: a.seconds,
        sessions: a.sessions,
        tokens: a.tokens.input + a.tokens.output + a.tokens.cache_creation + a.tokens.cache_read,
      })),
    );
    expect(rows.map((r) => r.actor).sort()).toEqual(['claude', 'human']);
    // Claude Code's transcript tokens reached the list (and the header's cost).
    expect(rows.find((r) => r.actor === 'claude')!.tokens).toBeGreaterThan(100_000);
    expect(await page.textContent('#today-spend')).toMatch(/tokens · \$\d+\.\d\d/);
  });

  it('ran with no console error', () => {
    // The refusals above are answers the test asked for (a stock phrase: 422; posing or forcing: 401).
    const asked = /Failed to load resource: the server responded with a status of (422|401)/;
    expect(consoleErrors.filter((e) => !asked.test(e))).toEqual([]);
  });
});
