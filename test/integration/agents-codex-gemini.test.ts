// Codex and Gemini CLI conversations replayed through the real hook entry
// (dist/fragd-agent-hook.sh), with the events each one's hooks offer: the same rules of
// time as Claude Code's, the context each expects on SessionStart, and Codex's tokens from
// its rollout file. Gemini CLI's hooks document no per-message token usage: none is counted.
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';
import { MIN } from '../support/clock.js';
import { appendLines, Conversation } from '../support/agents.js';

const T0 = Date.parse('2026-05-05T09:00:00Z');
const at = (minutes: number) => T0 + minutes * MIN;
let d: TestDaemon;
let repo: TestRepo;

function intervals(key: string): [number, number, string][] {
  const db = new Database(d.paths.db, { readonly: true });
  try {
    return (
      db
        .prepare(
          `SELECT i.started_at AS s, i.ended_at AS e, i.end_reason AS r FROM intervals i JOIN sessions s ON s.id = i.session_id
            WHERE s.key = ? AND i.ended_at > i.started_at ORDER BY i.started_at`,
        )
        .all(key) as { s: number; e: number; r: string }[]
    ).map((x) => [(x.s - T0) / MIN, (x.e - T0) / MIN, x.r]);
  } finally {
    db.close();
  }
}

const contextOf = (stdout: string): string =>
  (JSON.parse(stdout) as { hookSpecificOutput: { additionalContext: string } }).hookSpecificOutput.additionalContext;

beforeAll(async () => {
  d = await startDaemon({ FRAGD_TEST_CLOCK: String(T0) });
  repo = TestRepo.create(d.env);
  repo.commit('README.md', '# app\n', 'first');
  repo.git(['checkout', '-q', '-b', 'PAY-7-refunds']);
  await d.json(['project', 'create', 'PAY', 'Payments']);
  await d.json(['task', 'create', 'PAY-7', 'Refunds', '--project', 'PAY']);
});
afterAll(() => d.dispose());

describe('a Codex conversation', () => {
  const rollout = () => join(d.home, 'rollout.jsonl');
  const tokenCount = (minute: number, total: number[], last: number[]) =>
    JSON.stringify({
      timestamp: new Date(at(minute)).toISOString(),
      type: 'event_msg',
      payload: {
        type: 'token_count',
        info: {
          total_token_usage: {
            input_tokens: total[0],
            cached_input_tokens: total[1],
            output_tokens: total[2],
            reasoning_output_tokens: 0,
            total_tokens: total[0] + total[2],
          },
          last_token_usage: {
            input_tokens: last[0],
            cached_input_tokens: last[1],
            output_tokens: last[2],
            reasoning_output_tokens: 0,
            total_tokens: last[0] + last[2],
          },
          model_context_window: 272000,
        },
      },
    });

  it('keeps the rules of time and counts the rollout file’s tokens once', async () => {
    writeFileSync(
      rollout(),
      `${JSON.stringify({ timestamp: new Date(T0).toISOString(), type: 'session_meta', payload: { id: 'codex-1', cwd: repo.dir } })}\n`,
    );
    const codex = new Conversation(d, 'codex', { session_id: 'codex-1', cwd: repo.dir, transcript_path: rollout() });
    const start = await codex.send('SessionStart', at(0));
    const key = /fragd session (SESSION-\d+)/.exec(contextOf(start.stdout))![1];
    expect(contextOf(start.stdout)).toContain('task PAY-7 “Refunds”');
    await codex.send('UserPromptSubmit', at(1));
    await codex.send('PreToolUse', at(2));
    appendLines(rollout(), [
      JSON.stringify({
        timestamp: new Date(at(2)).toISOString(),
        type: 'event_msg',
        payload: { type: 'token_count', info: null },
      }),
      tokenCount(2.5, [1000, 200, 300], [1000, 200, 300]),
      // The same count written again: one usage.
      tokenCount(2.6, [1000, 200, 300], [1000, 200, 300]),
    ]);
    await codex.send('PostToolUse', at(3));
    await codex.send('Stop', at(4));
    const c = await d.client();
    await c.call('debug.clock', { set_ms: at(4) });
    await c.call('debug.clock', { advance_ms: 26 * MIN, ticking: true });
    c.close();
    await codex.send('UserPromptSubmit', at(30));
    // The second turn opens with the turn_context line naming its model (Codex 0.171 writes one per turn).
    appendLines(rollout(), [
      JSON.stringify({
        timestamp: new Date(at(30)).toISOString(),
        type: 'turn_context',
        payload: { turn_id: 't2', cwd: repo.dir, model: 'gpt-5.1-codex-mini' },
      }),
      tokenCount(31, [2500, 900, 700], [1500, 700, 400]),
    ]);
    await codex.send('PreCompact', at(31));
    const after = await codex.send('SessionStart', at(31), { source: 'compact' });
    expect(contextOf(after.stdout).split('\n')[0]).toBe(`fragd session ${key} (codex, active)`);
    await codex.send('Stop', at(33));
    expect(intervals(key)).toEqual([
      [1, 4, 'pause'],
      [30, 33, 'pause'],
    ]);
    const rep = (
      await d.json([
        'report',
        '--by',
        'session',
        '--session',
        key,
        '--since',
        '2026-05-05',
        '--until',
        '2026-05-05',
        '--tz',
        'UTC',
      ])
    ).body;
    // Codex's input_tokens include the cached ones: fragd splits them.
    expect(rep.rows[0].tokens).toEqual({
      input: 800 + 800,
      output: 300 + 400,
      cache_creation: 0,
      cache_read: 200 + 700,
    });
    // Priced: the first turn by the model its hook payloads name (gpt-5-codex: no turn_context
    // in this file then), the second by its turn_context. By hand, per million tokens:
    // 800 × $1.25 + 300 × $10 + 200 × $0.125 = $0.004025; 800 × $0.25 + 400 × $2 + 700 × $0.025 = $0.0010175.
    const byModel = (
      await d.json(['report', '--by', 'model', '--session', key, '--since', '2026-05-05', '--until', '2026-05-05'])
    ).body;
    expect(
      Object.fromEntries(
        byModel.rows.map((r: { key: string; cost: { exact_usd: string } }) => [r.key, r.cost.exact_usd]),
      ),
    ).toEqual({ 'gpt-5-codex': '0.004025', 'gpt-5.1-codex-mini': '0.0010175' });
    expect(byModel.cost).toMatchObject({ exact_usd: '0.0050425', unpriced_tokens: 0 });
  });
});

describe('a Gemini CLI conversation', () => {
  it('answers SessionStart with JSON only, counts BeforeAgent to AfterAgent, ends on SessionEnd, and counts no tokens', async () => {
    const gemini = new Conversation(d, 'gemini', {
      session_id: 'gemini-1',
      cwd: repo.dir,
      transcript_path: join(d.home, 'gemini-session.json'),
    });
    const start = await gemini.send('SessionStart', at(100));
    const key = /fragd session (SESSION-\d+)/.exec(contextOf(start.stdout))![1];
    expect(start.stdout.trim().startsWith('{')).toBe(true);
    await gemini.send('BeforeAgent', at(101));
    await gemini.send('BeforeTool', at(102));
    await gemini.send('AfterTool', at(103));
    await gemini.send('AfterAgent', at(104));
    // A compression the person asks for while the agent waits is not a turn of work.
    await gemini.send('PreCompress', at(105), { trigger: 'manual' });
    await gemini.send('SessionEnd', at(106), { reason: 'exit' });
    expect(intervals(key)).toEqual([[101, 104, 'pause']]);
    const s = (await d.json(['session', 'report', '--session', key])).body;
    // Gemini's exit pauses the conversation: `gemini --resume` may continue it.
    expect(s.session.status).toBe('paused');
    expect(s.session.pause_reason).toMatch(/^exited: gemini closed the conversation \(exit\)/);
    expect(s.session.actor).toBe('gemini');
    expect(s.report.tokens).toMatchObject({ input: 0, output: 0, cache_creation: 0, cache_read: 0, by_task: [] });
    expect(s.report.tokens.cost).toMatchObject({ usd: '0.00', unpriced_tokens: 0 });
  });
});

describe('conversations of one agent side by side', () => {
  it('a second open conversation runs as codex-2; one that waited half a day gives its name up and stays open', async () => {
    const ids = (n: number) => ({
      session_id: `codex-par-${n}`,
      cwd: repo.dir,
      transcript_path: join(d.home, `r${n}.jsonl`),
    });
    // The first Codex conversation (above) has been waiting for its person since minute 33.
    const second = new Conversation(d, 'codex', ids(2));
    await second.send('SessionStart', at(200));
    await second.send('UserPromptSubmit', at(201));
    const list = async () =>
      (await d.json(['session', 'list'])).body.sessions.map(
        (s: { actor: string; status: string; chat_session_id: string | null }) => [
          s.chat_session_id,
          s.actor,
          s.status,
        ],
      );
    expect(await list()).toContainEqual(['codex-par-2', 'codex-2', 'active']);
    expect(await list()).toContainEqual(['codex-1', 'codex', 'paused']);
    const third = new Conversation(d, 'codex', ids(3));
    await third.send('SessionStart', at(33 + 12 * 60));
    expect(await list()).toContainEqual(['codex-par-3', 'codex', 'paused']);
    expect(await list()).toContainEqual(['codex-1', 'codex', 'paused']);
    expect(await list()).toContainEqual(['codex-par-2', 'codex-2', 'active']);
  });
});
