// Budgets reach the agent: a plan gives T-1 a $0.05 cost budget and a sprint budget; a
// Claude Code conversation spends it through the real hook entry; crossing 80% and then
// 100% is recorded once each and printed by the hook at the agent's next prompt (and only
// then), task show and every answer's reminder say how much is left.
import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, until, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';
import { MIN } from '../support/clock.js';
import { appendLines, claudeAssistantLine, Conversation } from '../support/agents.js';

const T0 = Date.parse('2026-05-04T09:00:00Z');
const at = (minutes: number) => T0 + minutes * MIN;
// Sonnet 4.5: 1400 output tokens × $15 per million = $0.021, 42% of $0.05.
const spend = { input: 0, output: 1400, cache_creation: 0, cache_read: 0 };

let d: TestDaemon;
let transcript: string;
let claude: Conversation;

beforeAll(async () => {
  d = await startDaemon({ FRAGD_TEST_CLOCK: String(T0) }, { agent_idle_timeout_seconds: 150 });
  const repo = TestRepo.create(d.env);
  repo.commit('README.md', '# app\n', 'first');
  repo.git(['checkout', '-q', '-b', 'feature/T-1-login']);
  writeFileSync(join(repo.dir, '.fragd.json'), JSON.stringify({ project: 'APP' }));
  const plan = join(d.home, 'plan.json');
  writeFileSync(
    plan,
    JSON.stringify({
      project: {
        code: 'APP',
        title: 'The app',
        sprints: [
          {
            code: 'S1',
            title: 'First',
            budget: { time: '8h', cost: 10 },
            tasks: [{ code: 'T-1', title: 'Login page', estimate: 90, budget: { time: '2h', cost: '0.05' } }],
          },
        ],
      },
    }),
  );
  const imported = await d.json(['import', plan]);
  expect(imported.code, imported.stderr).toBe(0);
  transcript = join(d.home, 'transcript.jsonl');
  writeFileSync(transcript, '');
  claude = new Conversation(d, 'claude', { session_id: 'budg3t-1', cwd: repo.dir, transcript_path: transcript });
});
afterAll(() => d.dispose());

describe('a budget the agent is told about', () => {
  it('task show says how much of the budget is left', async () => {
    await claude.send('SessionStart', at(0));
    const prompt = await claude.send('UserPromptSubmit', at(1));
    expect(prompt.stdout).toBe('');
    appendLines(transcript, [claudeAssistantLine('msg_1', at(2), spend)]);
    await claude.send('PostToolUse', at(3));
    const t = (await d.json(['task', 'show', 'T-1'])).body;
    expect(t.budget).toMatchObject({
      minutes: 120,
      usd: '0.05',
      enforce: false,
      cost_used_percent: 42,
      cost_left_usd: '0.029',
    });
    // The daemon's clock stands at T0 (the events carry their own times): no time is tracked as of it.
    expect(t.budget.line).toBe('2h00m of 2h00m left · $0.03 of $0.05 left');
    expect((await d.fragctl(['task', 'show', 'T-1'])).stdout).toContain(
      'budget: 2h00m of 2h00m left · $0.03 of $0.05 left',
    );
  });

  it('the status line and the prompt status file say how much is left, the same', async () => {
    const key = (await d.json(['session', 'list', '--actor', 'claude'])).body.sessions[0].key;
    const short = await d.fragctl(['status', '--short', '--session', key]);
    expect(short.code, short.stderr).toBe(0);
    expect(short.stdout.trim()).toMatch(new RegExp(`^${key} · T-1 \\(2h00m · \\$0\\.03 left\\) · \\d`));
    const status = (await d.json(['status', '--session', key])).body;
    expect(status.budget_left).toEqual({
      scope: 'task',
      code: 'T-1',
      time_left_seconds: 7200,
      cost_left_usd: '0.029',
      text: '2h00m · $0.03 left',
    });
    const file = join(d.paths.runtimeDir, 'status.claude');
    await until(
      'the status file to show the budget',
      () => existsSync(file) && readFileSync(file, 'utf8').includes(`${key} · T-1 (2h00m · $0.03 left)`),
    );
    // A session on no budgeted task shows none (the person's, on no task).
    await d.json(['session', 'start']);
    expect((await d.fragctl(['status', '--short'])).stdout).not.toContain('left');
  });

  it('crossing 80% is an activity and a line in the context at the next prompt, once', async () => {
    appendLines(transcript, [claudeAssistantLine('msg_2', at(4), spend)]);
    await claude.send('Stop', at(5));
    const next = await claude.send('UserPromptSubmit', at(6));
    const out = JSON.parse(next.stdout) as { hookSpecificOutput: { hookEventName: string; additionalContext: string } };
    expect(out.hookSpecificOutput.hookEventName).toBe('UserPromptSubmit');
    expect(out.hookSpecificOutput.additionalContext).toBe(
      'task T-1 has used 84% of its cost budget (1h56m of 2h00m left · $0.01 of $0.05 left); a budget is a warning: say so in your next update if the work needs more.',
    );
    // Told once: the following prompt carries nothing.
    await claude.send('Stop', at(7));
    expect((await claude.send('UserPromptSubmit', at(8))).stdout).toBe('');
    const db = new Database(d.paths.db, { readonly: true });
    const crossed = db.prepare("SELECT message FROM activities WHERE kind = 'budget.crossed'").all() as {
      message: string;
    }[];
    db.close();
    expect(crossed.map((a) => a.message)).toEqual([
      expect.stringContaining('task T-1 has used 84% of its cost budget'),
    ]);
  });

  it('crossing 100% is told too; the reminder of every answer says it is over', async () => {
    appendLines(transcript, [claudeAssistantLine('msg_3', at(9), spend)]);
    await claude.send('Stop', at(10));
    const next = await claude.send('UserPromptSubmit', at(11));
    expect(JSON.parse(next.stdout).hookSpecificOutput.additionalContext).toMatch(
      /^task T-1 has used 126% of its cost budget \(.*\$0\.01 over its \$0\.05 cost budget\)/,
    );
    const key = (await d.json(['session', 'list', '--actor', 'claude'])).body.sessions[0].key;
    const r = await d.json(['update', 'checked the login form', '--session', key]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.body.instructions.context_reminder).toContain('budget of T-1: ');
    expect(r.body.instructions.context_reminder).toContain('$0.01 over its $0.05 cost budget');
  });

  it('the sprint view sums estimate, time and cost, and shows its budget', async () => {
    const r = (await d.json(['sprint', 'show', 'S1'])).body;
    expect(r.spend.estimate_minutes).toBe(90);
    expect(r.spend.tasks).toEqual([
      {
        code: 'T-1',
        estimate_minutes: 90,
        spend: expect.objectContaining({ cost: expect.objectContaining({ exact_usd: '0.063' }) }),
      },
    ]);
    expect(r.spend.total.cost.exact_usd).toBe('0.063');
    expect(r.budget).toMatchObject({ minutes: 480, usd: '10', cost_left_usd: '9.937' });
    const text = (await d.fragctl(['sprint', 'show', 'S1'])).stdout;
    expect(text).toContain('T-1: estimate 1h30m · tracked');
    expect(text).toMatch(/total: estimate 1h30m · tracked .* · cost \$0\.06/);
    expect(text).toContain('budget: ');
  });
});
