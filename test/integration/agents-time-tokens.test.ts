// What is work and what is counted, replayed through the real hook entry on the test clock
// (payloads from test/fixtures/agents, shaped as the real programs wrote them in
// test/integration/agents-real.test.ts): Gemini's automatic PreCompress is no compaction,
// a permission wait is no work, Gemini's tokens come from its chat file, a Claude
// subagent's last message (written after SubagentStop) is counted, and only a resumed
// conversation is told it resumes.
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';
import { MIN } from '../support/clock.js';
import { appendLines, claudeAssistantLine, Conversation } from '../support/agents.js';

const T0 = Date.parse('2026-05-04T09:00:00Z');
const at = (minutes: number) => T0 + minutes * MIN;

let d: TestDaemon;
let repo: TestRepo;

function rows<T>(sql: string, ...args: unknown[]): T[] {
  const db = new Database(d.paths.db, { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

const intervals = (key: string) =>
  rows<{ started_at: number; ended_at: number | null; task: string | null }>(
    `SELECT i.started_at, i.ended_at, t.code AS task FROM intervals i JOIN sessions s ON s.id = i.session_id
       LEFT JOIN tasks t ON t.id = i.task_id WHERE s.key = ? ORDER BY i.started_at, i.id`,
    key,
  );

const tokenSums = (key: string) =>
  rows<{ input: number; output: number; cache_read: number }>(
    `SELECT sum(input_tokens) AS input, sum(output_tokens) AS output, sum(cache_read_tokens) AS cache_read
       FROM agent_tokens a JOIN sessions s ON s.id = a.session_id WHERE s.key = ?`,
    key,
  )[0];

const contextOf = (stdout: string) =>
  (JSON.parse(stdout) as { hookSpecificOutput: { additionalContext: string } }).hookSpecificOutput.additionalContext;

beforeAll(async () => {
  d = await startDaemon({ FRAGD_TEST_CLOCK: String(T0) }, { agent_idle_timeout_seconds: 3600, tick_seconds: 30 });
  repo = TestRepo.create(d.env);
  repo.commit('README.md', '# app\n', 'first');
  repo.git(['checkout', '-q', '-b', 'feature/T-1-login']);
  writeFileSync(join(repo.dir, '.fragd.json'), JSON.stringify({ project: 'APP' }));
  await d.json(['project', 'create', 'APP', 'The app']);
  await d.json(['task', 'create', 'T-1', 'Login page', '--project', 'APP']);
});
afterAll(() => d.dispose());

describe('a Gemini CLI conversation', () => {
  it('automatic PreCompress is no compaction, a permission wait no work, tokens from the chat file', async () => {
    const chat = join(d.home, 'gemini-chat.jsonl');
    writeFileSync(chat, '');
    const g = new Conversation(d, 'gemini', { session_id: 'g-1', cwd: repo.dir, transcript_path: chat });
    const start = await g.send('SessionStart', at(0));
    const ctx = contextOf(start.stdout);
    const key = /fragd session (SESSION-\d+)/.exec(ctx)![1];
    // A new conversation is not told it resumes.
    expect(ctx).not.toContain('You are resuming');
    await g.send('BeforeAgent', at(1));
    // Fired before every model call, whether anything needs compressing or not.
    await g.send('PreCompress', at(1.1), { trigger: 'auto' });
    const message = (id: string, minute: number, tokens: Record<string, number>) =>
      JSON.stringify({ id, timestamp: new Date(at(minute)).toISOString(), type: 'gemini', content: '', tokens });
    appendLines(chat, [message('m1', 1.5, { input: 150, output: 20, cached: 50, thoughts: 0, tool: 0, total: 170 })]);
    await g.send('BeforeTool', at(2), { tool_name: 'run_shell_command', tool_input: { command: 'npm test' } });
    await g.send('Notification', at(2.5));
    // The person takes six minutes to allow the command.
    await g.send('AfterTool', at(8.5), { tool_name: 'run_shell_command', tool_input: { command: 'npm test' } });
    await g.send('PreCompress', at(8.6), { trigger: 'auto' });
    appendLines(chat, [
      // Written again when its tool call finished: one message.
      message('m1', 1.5, { input: 150, output: 20, cached: 50, thoughts: 0, tool: 0, total: 170 }),
      message('m2', 8.7, { input: 607, output: 30, cached: 600, thoughts: 4, tool: 0, total: 641 }),
    ]);
    await g.send('AfterAgent', at(9));
    expect(intervals(key)).toEqual([
      { started_at: at(1), ended_at: at(2.5), task: 'T-1' },
      { started_at: at(8.5), ended_at: at(9), task: 'T-1' },
    ]);
    expect(rows(`SELECT 1 FROM activities WHERE kind = 'agent.compact_before'`)).toEqual([]);
    expect(tokenSums(key)).toEqual({ input: 107, output: 54, cache_read: 650 });
    // A manual /compress is a compaction, and is recorded.
    await g.send('PreCompress', at(10), { trigger: 'manual' });
    expect(rows(`SELECT 1 FROM activities WHERE kind = 'agent.compact_before'`)).toHaveLength(1);
    // Resumed, it is told so.
    const again = await g.send('SessionStart', at(11), { source: 'resume' });
    expect(contextOf(again.stdout)).toContain(`You are resuming ${key}`);
  });
});

describe('a Claude Code subagent', () => {
  it('its last message, written after SubagentStop, is counted at the parent’s next event', async () => {
    const transcript = join(d.home, 'claude-main.jsonl');
    const sub = join(d.home, 'claude-sub.jsonl');
    writeFileSync(transcript, '');
    writeFileSync(sub, '');
    const c = new Conversation(d, 'claude', { session_id: 'c-1', cwd: repo.dir, transcript_path: transcript });
    const start = await c.send('SessionStart', at(20));
    const key = /fragd session (SESSION-\d+)/.exec(contextOf(start.stdout))![1];
    await c.send('UserPromptSubmit', at(21));
    appendLines(transcript, [
      claudeAssistantLine('msg_p1', at(21.2), { input: 10, output: 5, cache_creation: 0, cache_read: 0 }),
    ]);
    appendLines(sub, [
      claudeAssistantLine('msg_s1', at(21.5), { input: 100, output: 50, cache_creation: 0, cache_read: 0 }),
    ]);
    await c.send('SubagentStop', at(22), { agent_transcript_path: sub });
    // Claude Code writes the subagent's final answer after the hook ran.
    appendLines(sub, [
      claudeAssistantLine('msg_s2', at(22), { input: 1000, output: 500, cache_creation: 0, cache_read: 0 }),
    ]);
    await c.send('Stop', at(23));
    expect(tokenSums(key)).toEqual({ input: 1110, output: 555, cache_read: 0 });
  });
});
