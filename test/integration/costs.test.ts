// A Claude Code conversation priced end to end: transcript lines reach fragd through the
// real hook entry, and report (by model, day, task, session), session report and task show
// carry the cost worked out by hand. The same transcript is then read by ccusage (the peer
// tool, test/tools, offline): token totals per day and per model are equal, and the one
// cost difference is the long-context request docs/costs.md explains.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runNode, startDaemon, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';
import { MIN } from '../support/clock.js';
import { appendLines, Conversation } from '../support/agents.js';

const T0 = Date.parse('2026-05-04T09:00:00Z');
const at = (minutes: number) => T0 + minutes * MIN;
const DAY = 24 * 60;
const CCUSAGE = join(ROOT, 'test/tools/node_modules/ccusage/dist/index.js');

type U = { input: number; output: number; cache_creation: number; cache_read: number };
/** A Claude Code assistant line as the transcript records it, with the request id ccusage keys on. */
function line(id: string, when: number, model: string, u: U, text = 'ok'): string {
  return JSON.stringify({
    parentUuid: null,
    isSidechain: false,
    type: 'assistant',
    sessionId: 'c0st-1',
    requestId: `req_${id}`,
    uuid: `${id}-${text}`,
    timestamp: new Date(when).toISOString(),
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text }],
      usage: {
        input_tokens: u.input,
        output_tokens: u.output,
        cache_creation_input_tokens: u.cache_creation,
        cache_read_input_tokens: u.cache_read,
      },
    },
  });
}

const SONNET = 'claude-sonnet-4-5-20250929';
const OPUS = 'claude-opus-4-5-20251101';
const m = {
  // $3 × 1000 + $15 × 500 + $3.75 × 2000 + $0.30 × 10000, per million = $0.021
  m1: { input: 1000, output: 500, cache_creation: 2000, cache_read: 10_000 },
  // A 210000-token prompt: the long-context prices for all of it, $6 × 150000 + $0.60 × 60000 + $22.50 × 1000 = $0.9585
  m2: { input: 150_000, output: 1000, cache_creation: 0, cache_read: 60_000 },
  // Opus 4.5: $5 × 7 + $25 × 50 + $0.50 × 900 = $0.001735
  m3: { input: 7, output: 50, cache_creation: 0, cache_read: 900 },
  // A model no table knows: unpriced, never $0
  m4: { input: 100, output: 10, cache_creation: 0, cache_read: 0 },
};

let d: TestDaemon;
let transcript: string;
let claude: Conversation;
let claudeDir: string;
const range = ['--since', '2026-05-01', '--until', '2026-05-10', '--tz', 'UTC'];

beforeAll(async () => {
  d = await startDaemon({ FRAGD_TEST_CLOCK: String(T0) }, { agent_idle_timeout_seconds: 150 });
  const repo = TestRepo.create(d.env);
  repo.commit('README.md', '# app\n', 'first');
  repo.git(['checkout', '-q', '-b', 'feature/T-1-login']);
  writeFileSync(join(repo.dir, '.fragd.json'), JSON.stringify({ project: 'APP' }));
  await d.json(['project', 'create', 'APP', 'The app']);
  await d.json(['task', 'create', 'T-1', 'Login page', '--project', 'APP']);
  // Where Claude Code keeps transcripts (CLAUDE_CONFIG_DIR/projects/<project>/<session>.jsonl), for ccusage.
  claudeDir = join(d.home, 'claude');
  mkdirSync(join(claudeDir, 'projects', 'app'), { recursive: true });
  transcript = join(claudeDir, 'projects', 'app', 'c0st-1.jsonl');
  writeFileSync(transcript, '');
  claude = new Conversation(d, 'claude', { session_id: 'c0st-1', cwd: repo.dir, transcript_path: transcript });

  await claude.send('SessionStart', at(0));
  await claude.send('UserPromptSubmit', at(1));
  appendLines(transcript, [line('msg_01', at(2), SONNET, m.m1, 'a'), line('msg_01', at(2), SONNET, m.m1, 'b')]);
  await claude.send('PostToolUse', at(3));
  appendLines(transcript, [line('msg_02', at(4), SONNET, m.m2)]);
  await claude.send('Stop', at(5));
  await claude.send('UserPromptSubmit', at(DAY + 1));
  appendLines(transcript, [line('msg_03', at(DAY + 2), OPUS, m.m3), line('msg_04', at(DAY + 3), 'local-llama', m.m4)]);
  await claude.send('Stop', at(DAY + 4));
});
afterAll(() => d.dispose());

const sum = (...u: U[]): U => ({
  input: u.reduce((a, x) => a + x.input, 0),
  output: u.reduce((a, x) => a + x.output, 0),
  cache_creation: u.reduce((a, x) => a + x.cache_creation, 0),
  cache_read: u.reduce((a, x) => a + x.cache_read, 0),
});

describe('tokens priced end to end', () => {
  it('report --by model: each model its tokens and exact cost; the unknown model unpriced', async () => {
    const r = (await d.json(['report', '--by', 'model', ...range])).body;
    const rows = Object.fromEntries(r.rows.map((x: any) => [x.key, x]));
    expect(rows[SONNET].tokens).toEqual(sum(m.m1, m.m2));
    expect(rows[SONNET].cost).toMatchObject({ usd: '0.98', exact_usd: '0.9795', unpriced_tokens: 0 });
    expect(rows[OPUS].cost).toMatchObject({ usd: '0.00', exact_usd: '0.001735' });
    expect(rows['local-llama'].cost).toEqual({
      currency: 'USD',
      usd: null,
      exact_usd: null,
      unpriced_tokens: 110,
      unpriced_models: ['local-llama'],
    });
    expect(r.cost).toMatchObject({ usd: '0.98', exact_usd: '0.981235', unpriced_tokens: 110 });
    expect(r.prices).toEqual({ date: '2026-12-06', file: null, error: null });
    const text = (await d.fragctl(['report', '--by', 'model', ...range])).stdout;
    expect(text).toContain('$0.98');
    expect(text).toContain('unpriced');
    expect(text).toMatch(/cost \$0\.98 \+ 110 unpriced tokens \(exactly \$0\.981235\) · prices of 2026-12-06/);
  });

  it('report by day, week, task and session, and the CSV, carry the same costs', async () => {
    const day = (await d.json(['report', '--by', 'day', ...range])).body;
    const byDay = Object.fromEntries(day.rows.map((x: any) => [x.key, x.cost.exact_usd]));
    expect(byDay).toMatchObject({ '2026-05-04': '0.9795', '2026-05-05': '0.001735' });
    const week = (await d.json(['report', '--by', 'week', ...range])).body;
    expect(week.rows.map((x: any) => [x.key, x.cost.exact_usd])).toEqual([['2026-W19', '0.981235']]);
    const task = (await d.json(['report', '--by', 'task', ...range])).body;
    expect(task.rows.find((x: any) => x.key === 'T-1').cost.exact_usd).toBe('0.981235');
    const session = (await d.json(['report', '--by', 'session', ...range])).body;
    // The conversation is one session, with all the tokens; any other session costs $0.
    const costs = session.rows.map((x: any) => x.cost.exact_usd).sort();
    expect(costs.filter((c: string) => c !== '0')).toEqual(['0.981235']);
    expect(session.rows.filter((x: any) => x.cost.exact_usd !== '0')[0]).toMatchObject({ actor: 'claude' });
    // By branch: each message on the branch its agent's hook events were on at its time.
    const branch = (await d.json(['report', '--by', 'branch', ...range])).body;
    expect(branch.rows.map((x: any) => [x.key, x.cost.exact_usd, x.cost.unpriced_tokens])).toEqual([
      ['feature/T-1-login', '0.981235', 110],
    ]);
    expect((await d.fragctl(['report', '--by', 'branch', ...range])).stdout).toMatch(/feature\/T-1-login .*\$0\.98\+/);
    const csv = (await d.fragctl(['report', '--by', 'model', '--csv', ...range])).stdout.trim().split('\n');
    expect(csv[0]).toMatch(/,cost_usd,cost_exact_usd,unpriced_tokens$/);
    expect(csv.find((l) => l.startsWith(`model,${SONNET},`))).toMatch(/,0\.98,0\.9795,0$/);
    expect(csv.find((l) => l.startsWith('total,'))).toMatch(/,0\.98,0\.981235,110$/);
  });

  it('task show and session report say what the work cost', async () => {
    const t = (await d.json(['task', 'show', 'T-1'])).body;
    expect(t.spend.tokens).toEqual(sum(m.m1, m.m2, m.m3, m.m4));
    expect(t.spend.cost).toMatchObject({ usd: '0.98', exact_usd: '0.981235', unpriced_tokens: 110 });
    expect((await d.fragctl(['task', 'show', 'T-1'])).stdout).toContain('cost $0.98 + 110 unpriced tokens');
    const bySession = (await d.json(['report', '--by', 'session', ...range])).body.rows;
    const key = bySession.find((x: any) => x.cost.exact_usd !== '0').key;
    const r = (await d.json(['session', 'report', '--session', key])).body.report;
    expect(r.tokens.cost).toMatchObject({ exact_usd: '0.981235', unpriced_tokens: 110 });
    expect(r.tokens.by_task).toEqual([{ task: 'T-1', ...sum(m.m1, m.m2, m.m3, m.m4), cost: r.tokens.cost }]);
    expect((await d.fragctl(['session', 'report', '--session', key])).stdout).toContain(
      'T-1        151107 in, 1560 out, cache 2000 / 70900 · $0.98 + 110 unpriced tokens',
    );
  });

  it("a user's prices.json overrides the table; a broken one is reported, not used", async () => {
    writeFileSync(
      join(d.home, 'prices.json'),
      JSON.stringify({ date: '2027-01-01', models: { 'local-llama': { input: 1, output: 1 } } }),
    );
    const r = (await d.json(['report', '--by', 'model', ...range])).body;
    // 110 tokens at $1 per million = $0.00011
    expect(r.rows.find((x: any) => x.key === 'local-llama').cost.exact_usd).toBe('0.00011');
    expect(r.prices).toEqual({ date: '2027-01-01', file: join(d.home, 'prices.json'), error: null });
    writeFileSync(join(d.home, 'prices.json'), JSON.stringify({ models: { 'local-llama': { input: 'cheap' } } }));
    const bad = await d.fragctl(['report', '--by', 'model', ...range]);
    expect(bad.code).toBe(0);
    expect(bad.stdout).toMatch(
      /prices\.json not used: .*prices\.json: models\.local-llama\.input: a price is dollars per million tokens/,
    );
    writeFileSync(join(d.home, 'prices.json'), '{"models":{}}');
  });
});

describe('fragctl usage', () => {
  it("shows the agent's open 5-hour block with its cost and reset", async () => {
    const c = await d.client();
    await c.call('debug.clock', { set_ms: at(DAY + 10) });
    c.close();
    const r = (await d.json(['usage'])).body;
    const block = r.agents.find((a: any) => a.actor === 'claude').windows[0];
    // The block opened at 09:00 on the second day with the Opus message; local-llama's tokens are unpriced.
    expect(block).toMatchObject({
      kind: 'block',
      start: '2026-05-05T09:00:00.000Z',
      end: '2026-05-05T14:00:00.000Z',
      active: true,
    });
    expect(block.cost).toMatchObject({ exact_usd: '0.001735', unpriced_tokens: 110 });
    const text = (await d.fragctl(['usage'])).stdout;
    expect(text).toContain('claude:');
    expect(text).toMatch(/block: .* resets .*\(4h50m left\)/);
  });
});

describe('the same numbers as ccusage on the same transcript', () => {
  it('token totals per day and per model are equal; cost differs only by the long-context request', async () => {
    expect(existsSync(CCUSAGE), 'npm ci in test/tools installs ccusage (.ci/run does)').toBe(true);
    const peer = await runNode(
      CCUSAGE,
      [
        'daily',
        '--json',
        '--offline',
        '--breakdown',
        '--mode',
        'calculate',
        '-z',
        'UTC',
        '--since',
        '20260501',
        '--until',
        '20260510',
      ],
      { ...process.env, CLAUDE_CONFIG_DIR: claudeDir, HOME: d.home, NO_COLOR: '1' },
    );
    expect(peer.code, peer.stderr).toBe(0);
    const daily = JSON.parse(peer.stdout).daily as {
      date: string;
      inputTokens: number;
      outputTokens: number;
      cacheCreationTokens: number;
      cacheReadTokens: number;
      totalCost: number;
      modelBreakdowns: {
        modelName: string;
        inputTokens: number;
        outputTokens: number;
        cacheCreationTokens: number;
        cacheReadTokens: number;
        cost: number;
      }[];
    }[];
    const tok = (x: {
      inputTokens: number;
      outputTokens: number;
      cacheCreationTokens: number;
      cacheReadTokens: number;
    }) => ({
      input: x.inputTokens,
      output: x.outputTokens,
      cache_creation: x.cacheCreationTokens,
      cache_read: x.cacheReadTokens,
    });
    expect(daily.map((x) => x.date)).toEqual(['2026-05-04', '2026-05-05']);
    for (const day of daily) {
      const one = ['--since', day.date, '--until', day.date, '--tz', 'UTC'];
      const ours = (await d.json(['report', '--by', 'day', ...one])).body;
      expect(ours.tokens).toEqual(tok(day));
      const models = (await d.json(['report', '--by', 'model', ...one])).body.rows;
      expect(Object.fromEntries(models.map((x: any) => [x.key, x.tokens]))).toEqual(
        Object.fromEntries(day.modelBreakdowns.map((b) => [b.modelName, tok(b)])),
      );
      // Costs: equal to the micro-dollar where both price a model the same way.
      for (const b of day.modelBreakdowns) {
        const mine = models.find((x: any) => x.key === b.modelName).cost.exact_usd;
        if (b.modelName === 'local-llama')
          expect(mine).toBeNull(); // ccusage shows $0 for it
        else if (b.modelName === SONNET)
          // ccusage prices only the part of each count above 200k at the long-context rate
          // (none here: 150000 input, 60000 cache read): $0.021 + $0.483; Anthropic prices the
          // whole 210000-token request at it: $0.021 + $0.9585.
          expect([Number(mine), Math.round(b.cost * 1e6) / 1e6]).toEqual([0.9795, 0.504]);
        else expect(Math.round(b.cost * 1e9)).toBe(Math.round(Number(mine) * 1e9));
      }
    }
  });
});
