// The dashboard's team section in a real browser: two real fragd daemons (machines alpha
// and beta) on one real PostgreSQL (test/support/pg.ts), alpha's dashboard open in
// Debian's Chromium. What beta does must show on alpha's page — its claim, its time, equal
// to `fragctl report --team --json` on alpha — and change there without a reload, though
// it makes no event on alpha (it comes by pull); a take-over by beta must show in alpha's
// sync state. The agents' tokens and cost per person, machine, actor and task and in total
// equal the CLI's too, and other machines' time, updates and notes on the task in focus
// show as `fragctl task show` reads them. When PostgreSQL stops answering, the section says
// so and the rest of the page keeps working. A screenshot of the section goes to test-results/screens/team.png
// (gitignored).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FragClient } from '../../client/lib/client.js';
import type { TeamClaimsResult } from '../../shared/protocol/sync.js';
import { drained, PG_PASSWORD, pgBinDir, teamMachine, TestPg } from '../support/pg.js';
import { ROOT, TestDaemon, tempHome, until } from '../support/daemon.js';
import { appendLines, claudeAssistantLine, Conversation } from '../support/agents.js';

const CHROMIUM = process.env.FRAGD_TEST_CHROMIUM ?? '/usr/bin/chromium';
const SCREENS = join(ROOT, 'test-results', 'screens');
const bin = pgBinDir();
if (!bin)
  console.log('dashboard team tests skipped: PostgreSQL binaries are not installed (apt-get install postgresql)');

const MIN = 60_000;
const T0 = Date.parse('2026-03-10T09:00:00Z');
const UTC = { TZ: 'UTC' };

describe.skipIf(!bin)('the dashboard shows the team when sync is on', () => {
  let pg: TestPg;
  let alpha: TestDaemon;
  let beta: TestDaemon;
  let ca: FragClient;
  let cb: FragClient;
  let browser: Browser;
  let page: Page;
  /** Methods the page called, in order (read from its requests). */
  const called: string[] = [];
  const consoleErrors: string[] = [];

  /** A machine of team acme, on the test clock, with fast push and pull (as team-sync.test.ts). */
  function machine(url: string, name: string, config: Record<string, unknown> = {}): Promise<TestDaemon> {
    return teamMachine(url, name, {
      env: { FRAGD_TEST_CLOCK: String(T0), ...UTC },
      // No idle pause while the clocks jump: the time is work.
      config: { idle_timeout_seconds: 86_400, ...config },
    }).start();
  }

  /** What `fragctl report --team --json` prints on alpha, by key. */
  async function teamReport(by: string, ...range: string[]): Promise<Record<string, number>> {
    const r = await alpha.json(['report', '--team', '--by', by, ...range], { env: UTC });
    expect(r.code).toBe(0);
    return Object.fromEntries((r.body.rows as { key: string; seconds: number }[]).map((x) => [x.key, x.seconds]));
  }

  /** The page's team table: key → data-seconds. */
  const pageSeconds = (): Promise<Record<string, number>> =>
    page.$$eval('#team-table tbody tr', (rows) =>
      Object.fromEntries(
        rows
          .filter((r) => r.children.length > 1)
          .map((r) => [r.children[0].textContent, Number(r.children[1].getAttribute('data-seconds'))]),
      ),
    );

  /** What `fragctl report --team --json` prints on alpha: key → [tokens, exact cost], and the totals. */
  async function teamSpend(by: string): Promise<{ rows: Record<string, [number, string | null]>; total: string[] }> {
    const r = await alpha.json(['report', '--team', '--by', by], { env: UTC });
    expect(r.code).toBe(0);
    type Row = { key: string; tokens: Record<string, number>; cost: { exact_usd: string | null } };
    const count = (t: Record<string, number>) => t.input + t.output + t.cache_creation + t.cache_read;
    return {
      rows: Object.fromEntries((r.body.rows as Row[]).map((x) => [x.key, [count(x.tokens), x.cost.exact_usd]])),
      total: [String(count(r.body.tokens)), r.body.cost.exact_usd ?? '', String(r.body.cost.unpriced_tokens)],
    };
  }

  /** The page's team table and the line under it, as teamSpend reads the CLI's. */
  const pageSpend = async () => ({
    rows: await page.$$eval('#team-table tbody tr', (rows) =>
      Object.fromEntries(
        rows
          .filter((r) => r.children.length > 1)
          .map((r) => [
            r.children[0].textContent,
            [Number(r.children[5].getAttribute('data-tokens')), r.children[6].getAttribute('data-exact-usd') || null],
          ]),
      ),
    ),
    total: await page
      .locator('#team-spend')
      .evaluate((el) => [el.dataset.tokens ?? '', el.dataset.exactUsd ?? '', el.dataset.unpriced ?? '']),
  });

  /** The page's claims table: task → [machine, actor]. */
  const pageClaims = (): Promise<Record<string, string[]>> =>
    page.$$eval('#team-claims tbody tr', (rows) =>
      Object.fromEntries(
        rows
          .filter((r) => r.children.length > 1)
          .map((r) => [
            r.children[0].textContent,
            [r.children[1].getAttribute('data-machine') ?? '', r.children[2].textContent ?? ''],
          ]),
      ),
    );

  beforeAll(async () => {
    pg = await TestPg.start();
    const url = await pg.database('dashboard');
    [alpha, beta] = await Promise.all([
      machine(url, 'alpha', { http: { enabled: true, port: 0 } }),
      machine(url, 'beta'),
    ]);
    [ca, cb] = await Promise.all([alpha.client(), beta.client()]);
    await ca.call('project.create', { code: 'P', title: 'Plan' });
    await ca.call('task.create', { code: 'T-1', title: 'one', project: 'P' });
    await ca.call('task.create', { code: 'T-2', title: 'two', project: 'P' });
    await until('beta to see the plan', async () => (await cb.call('task.list', {})).tasks.length === 2, 30_000);
    // Alpha: ann works an hour on T-1 and pauses (her claim stays, her time stops).
    await ca.call('session.start', { os_user: 'ann' });
    await ca.call('task.activate', { code: 'T-1' });
    await ca.call('debug.clock', { advance_ms: 60 * MIN, ticking: true });
    await ca.call('session.pause', {});
    // Beta: bob's agent works half an hour on T-2 and pauses.
    await cb.call('session.start', { actor: 'claude', os_user: 'bob', chat_session_id: 'dash-team-1' });
    await cb.call('task.activate', { code: 'T-2', actor: 'claude' });
    await cb.call('debug.clock', { advance_ms: 30 * MIN, ticking: true });
    await cb.call('session.pause', { actor: 'claude' });
    // The agent's conversation's transcript holds two priced requests, read through the real
    // hook entry, on T-2 (hand-priced: Sonnet 4.5, $3 × 1000 + $15 × 500 + $3.75 × 2000 +
    // $0.30 × 10000 per million = $0.021, twice). No prompt: no more time.
    const transcript = join(beta.home, 'dash-team-1.jsonl');
    writeFileSync(transcript, '');
    const conversation = new Conversation(beta, 'claude', {
      session_id: 'dash-team-1',
      cwd: beta.home,
      transcript_path: transcript,
    });
    const usage = { input: 1000, output: 500, cache_creation: 2000, cache_read: 10_000 };
    appendLines(transcript, [
      claudeAssistantLine('msg_d1', T0 + 10 * MIN, usage),
      claudeAssistantLine('msg_d2', T0 + 20 * MIN, usage),
    ]);
    await conversation.send('Stop', T0 + 30 * MIN + 1000);
    await Promise.all([drained(ca), drained(cb)]);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    const context = await browser.newContext({ timezoneId: 'UTC', viewport: { width: 1100, height: 900 } });
    page = await context.newPage();
    page.on('console', (m) => void (m.type() === 'error' && consoleErrors.push(m.text())));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('request', (r) => {
      if (r.url().endsWith('/dashboard/rpc'))
        called.push((JSON.parse(r.postData() ?? '{}') as { method: string }).method);
    });
    const login = await alpha.json(['open', '--no-browser']);
    await page.goto(login.body.url as string);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    ca?.close();
    cb?.close();
    await alpha?.dispose();
    await beta?.dispose();
    pg?.stop();
  });

  it('shows the sync state, the team’s time (equal to fragctl report --team), the machines and the claims', async () => {
    await page.locator('#team[data-state="ok"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('#team').isVisible()).toBe(true);
    expect(await page.locator('#team-link').isVisible()).toBe(true);
    const field = (name: string) => page.locator(`#team-state dd[data-field="${name}"]`).textContent();
    expect(await field('team')).toBe('acme');
    expect(await field('machine')).toBe('alpha');
    expect(await field('connected')).toBe('connected');
    expect(await field('last-error')).toBe('—');

    // Known data, and the page's exact seconds equal the CLI's JSON, by person and by machine.
    expect(await teamReport('person')).toEqual({ ann: 3600, bob: 1800 });
    expect(await pageSeconds()).toEqual(await teamReport('person'));
    await page.selectOption('#team-by', 'machine');
    await until('the table by machine', async () => (await pageSeconds()).alpha !== undefined);
    expect(await pageSeconds()).toEqual(await teamReport('machine'));
    expect(await page.locator('#team-key-h').textContent()).toBe('Machine');
    await page.selectOption('#team-by', 'task');
    await until('the table by task', async () => (await pageSeconds())['T-2'] !== undefined);
    expect(await pageSeconds()).toEqual({ 'T-1': 3600, 'T-2': 1800 });
    expect(await pageSeconds()).toEqual(await teamReport('task'));

    // The agents' tokens and cost: per row and in total, as the CLI's JSON has them (exactly).
    for (const by of ['task', 'person', 'actor', 'machine']) {
      await page.selectOption('#team-by', by);
      await until(
        `the table by ${by}`,
        async () => (await page.locator('#team-key-h').textContent()) === by[0].toUpperCase() + by.slice(1),
      );
      await until(
        `the tokens by ${by}`,
        async () => JSON.stringify(await pageSpend()) === JSON.stringify(await teamSpend(by)),
      );
    }
    expect(await pageSpend()).toEqual({
      rows: { alpha: [0, '0'], beta: [27_000, '0.042'] },
      total: ['27000', '0.042', '0'],
    });
    expect(await page.locator('#team-spend').textContent()).toMatch(/27K tokens, \$0\.04 \(exactly \$0\.042\)/);
    await page.selectOption('#team-by', 'task');
    await until('the table by task', async () => (await pageSeconds())['T-2'] !== undefined);

    // Beta's claim, read on alpha, and alpha's own marked as this machine's.
    expect(await pageClaims()).toEqual({ 'T-1': ['alpha', 'human'], 'T-2': ['beta', 'claude'] });
    expect(await page.locator('#team-claims tbody tr', { hasText: 'T-1' }).locator('td').nth(1).textContent()).toBe(
      'alpha (this machine)',
    );
    const machines = await page.$$eval('#team-machines tbody tr', (rows) =>
      rows.map((r) => [r.children[0].getAttribute('data-key'), r.children[1].getAttribute('data-at')]),
    );
    expect(machines.map(([m]) => m)).toEqual(['alpha', 'beta']);
    for (const [, at] of machines) expect(Number.isNaN(Date.parse(at ?? ''))).toBe(false);
    mkdirSync(SCREENS, { recursive: true });
    await page.locator('#team details').evaluate((el) => ((el as HTMLDetailsElement).open = true));
    await page.locator('#team').screenshot({ path: join(SCREENS, 'team.png') });
  });

  it('follows the range chosen at the top of the page, as fragctl report --team --since --until', async () => {
    await page.selectOption('#team-by', 'person');
    // Last week (Monday 2 to Sunday 8 March): nobody worked, on either machine.
    await page.selectOption('#range-preset', 'last-week');
    await page.locator('#team[data-range="2026-03-02/2026-03-08"]').waitFor({ timeout: 10_000 });
    expect(await teamReport('person', '--since', '2026-03-02', '--until', '2026-03-08')).toEqual({});
    expect(await pageSeconds()).toEqual({});
    expect(await page.locator('#team-range').textContent()).toContain('2026-03-02 to 2026-03-08');
    // Today alone: both people's work.
    await page.selectOption('#range-preset', 'custom');
    await page.fill('#range-from', '2026-03-10');
    await page.fill('#range-to', '2026-03-10');
    await page.click('#range button[type=submit]');
    await page.locator('#team[data-range="2026-03-10/2026-03-10"]').waitFor({ timeout: 10_000 });
    expect(await pageSeconds()).toEqual({ ann: 3600, bob: 1800 });
    expect(await pageSeconds()).toEqual(await teamReport('person', '--since', '2026-03-10', '--until', '2026-03-10'));
    // Back to the default seven days for the tests after this one.
    await page.selectOption('#range-preset', 'last-7-days');
    await page.locator('#team[data-range="2026-03-04/2026-03-10"]').waitFor({ timeout: 10_000 });
  });

  it('fragctl sync claims prints the team store’s claims, --json exactly as team.claims answers', async () => {
    const json = await alpha.json(['sync', 'claims']);
    expect(json.code).toBe(0);
    const body = json.body as TeamClaimsResult;
    expect(body).toEqual(await ca.call('team.claims', {}));
    expect(body.team).toBe('acme');
    expect(body.machine).toBe('alpha');
    expect(body.claims.map((c) => [c.task, c.machine, c.actor, c.mine])).toEqual([
      ['T-1', 'alpha', 'human', true],
      ['T-2', 'beta', 'claude', false],
    ]);
    const session = body.claims.find((c) => c.task === 'T-2')!.session;
    expect(session).toBe((await cb.call('session.list', { status: 'paused' })).sessions[0].key);
    const text = await alpha.fragctl(['sync', 'claims']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/team acme · claims across machines · this machine alpha/);
    expect(text.stdout).toMatch(/T-1\s*│\s*alpha \(here\)\s*│\s*human/);
    expect(text.stdout).toMatch(/T-2\s*│\s*beta\s*│\s*claude/);
  });

  it('follows what another machine does, without a reload (by polling: it makes no event here)', async () => {
    await page.selectOption('#team-by', 'person');
    await until('the table by person', async () => (await pageSeconds()).ann !== undefined);
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    // Beta: bob's agent works ten more minutes and ends its session, which releases its
    // claim of T-2 in the team store. Nothing of it is an event on alpha.
    await cb.call('session.resume', { actor: 'claude' });
    await cb.call('debug.clock', { advance_ms: 10 * MIN, ticking: true });
    await cb.call('session.end', { actor: 'claude' });
    await drained(cb);
    await until('beta’s claim to be released in the team store', async () => {
      const c = await ca.call('team.claims', {});
      return c.claims.every((x) => x.task !== 'T-2');
    });
    const expected = await teamReport('person');
    expect(expected.bob).toBeGreaterThanOrEqual(2400);
    await until(
      'alpha’s page to show beta’s change',
      async () => {
        const [seconds, claims] = await Promise.all([pageSeconds(), pageClaims()]);
        return seconds.bob === expected.bob && claims['T-2'] === undefined;
      },
      20_000,
    );
    expect(await pageSeconds()).toEqual(await teamReport('person'));
    expect(await pageClaims()).toEqual({ 'T-1': ['alpha', 'human'] });
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  });

  it('says when another machine took a task over from this one, as fragctl sync status does', async () => {
    expect(await page.locator('#team-state dd[data-field="conflicts"]').count()).toBe(0);
    await cb.call('session.start', { actor: 'bob' });
    await cb.call('task.activate', { code: 'T-1', actor: 'bob', take_over: true });
    const conflicts = page.locator('#team-state dd[data-field="conflicts"]');
    await conflicts.waitFor({ timeout: 20_000 });
    expect(await conflicts.textContent()).toMatch(
      /^taken over: T-1 was taken by bob on beta; the session here that still has it should let go \(fragctl task deactivate\)$/,
    );
    expect((await alpha.fragctl(['sync', 'status'])).stdout).toMatch(/taken over: T-1 was taken by bob on beta/);
    await until(
      'the claims table to show T-1 on beta',
      async () => (await pageClaims())['T-1']?.[0] === 'beta',
      20_000,
    );
    expect(await pageClaims()).toEqual({ 'T-1': ['beta', 'bob'] });
  }, 60_000);

  it('shows the other machines’ time, updates and notes on the task in focus, as fragctl task show', async () => {
    // Bob on beta holds T-1 now (the take-over above): his update and note reach alpha by the team store.
    await cb.call('activity.update', { actor: 'bob', message: 'the login form validates on beta' });
    await cb.call('activity.note', { actor: 'bob', message: 'beta: the CSS needs a second look' });
    await cb.call('debug.clock', { advance_ms: 5 * MIN, ticking: true });
    await drained(cb);
    const box = page.locator('#team-task[data-key="T-1"]');
    await box.waitFor({ timeout: 10_000 });
    await until(
      'alpha’s page to show beta’s update and note on T-1',
      async () => (await page.locator('#team-task-updates li[data-machine="beta"]').count()) === 2,
      20_000,
    );
    const shown = await page.$$eval('#team-task-updates li', (lis) =>
      lis.map((li) => [li.dataset.machine, li.dataset.kind, li.dataset.at]),
    );
    const cli = (await alpha.json(['task', 'show', 'T-1'])).body;
    expect(cli.team_fresh).toBe(true);
    expect(shown).toEqual(
      cli.updates_elsewhere.map((u: { machine: string; kind: string; at: string }) => [u.machine, u.kind, u.at]),
    );
    const text = await page.locator('#team-task-updates').textContent();
    expect(text).toMatch(/· beta \(\S+\) · update: the login form validates on beta/);
    expect(text).toMatch(/· beta \(\S+\) · note: beta: the CSS needs a second look/);
    // Beta's time on T-1 equals the CLI's.
    await until('the time elsewhere to equal task show’s', async () => {
      const page_ = JSON.parse((await page.locator('#team-task-time').getAttribute('data-elsewhere')) ?? '{}');
      const now = (await alpha.json(['task', 'show', 'T-1'])).body.time_elsewhere as {
        machine: string;
        seconds: number;
      }[];
      return (
        page_.beta > 0 &&
        JSON.stringify(page_) === JSON.stringify(Object.fromEntries(now.map((m) => [m.machine, m.seconds])))
      );
    });
    expect(await page.locator('#team-task-h').textContent()).toBe('T-1 on the other machines');
  }, 60_000);

  it('says so when PostgreSQL does not answer, and the rest of the page keeps working', async () => {
    pg.down();
    try {
      await page.locator('#team[data-state="unavailable"]').waitFor({ timeout: 20_000 });
      const error = await page.locator('#team-error').textContent();
      expect(error).toMatch(/the team store \(PostgreSQL\) does not answer/);
      expect(error).toMatch(/fragctl sync status shows the last error/);
      expect(await page.locator('#team-data').isHidden()).toBe(true);
      // The local views still answer: an update typed on alpha shows on its page.
      const r = await alpha.fragctl(['update', 'still working while the store is away']);
      expect(r.code).toBe(0);
      await page.locator('#feed li', { hasText: 'still working while the store is away' }).waitFor({ timeout: 5000 });
      await until('the sync state to show the failure', async () =>
        /not connected/.test((await page.locator('#team-state dd[data-field="connected"]').textContent()) ?? ''),
      );
      expect(await page.content()).not.toContain(PG_PASSWORD);
    } finally {
      pg.up();
    }
    // Back: the section shows the team again (the syncer retries with backoff).
    await page.locator('#team[data-state="ok"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#team-error').isHidden()).toBe(true);
    // Connected again: the error from while it was away is history, not shown as the state.
    await until(
      'the sync state to say connected',
      async () => (await page.locator('#team-state dd[data-field="connected"]').textContent()) === 'connected',
    );
    expect(await page.locator('#team-state dd[data-field="last-error"]').textContent()).toBe('—');
  }, 90_000);

  it('loaded and ran with no console error, and asked the team store only through team.* methods', () => {
    // A failed call is an answer with an error, not a console error: the page handled it.
    expect(consoleErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
    expect(called).toContain('team.report');
    expect(called).toContain('team.claims');
  });
});

describe('team.claims with sync off', () => {
  it('is refused with the same error as the team report, and a hint', async () => {
    const d = await new TestDaemon(tempHome(), {}).start();
    try {
      const r = await d.json(['sync', 'claims']);
      expect(r.code).toBe(5);
      expect(JSON.stringify(r.body)).toMatch(/the team's claims are read from the team store, and sync is off/);
      const text = await d.fragctl(['sync', 'claims']);
      expect(text.stderr).toMatch(/turn sync on in config.json \(docs\/team-sync.md\), or use fragctl task list/);
    } finally {
      await d.dispose();
    }
  }, 30_000);
});
