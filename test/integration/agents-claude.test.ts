// A Claude Code conversation replayed through the real hook entry (dist/fragd-agent-hook.sh)
// against a real daemon on the test clock: prompts, tool uses, a subagent, a stop, a long
// wait, a compaction, a resume and a crash with no SessionEnd. The timeline, activities,
// the context handed back after the compaction and the tokens per task are asserted exactly.
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
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
let transcript: string;
let claude: Conversation;

interface IntervalRow {
  started_at: number;
  ended_at: number | null;
  end_reason: string | null;
  task: string | null;
}

function intervals(sessionKey: string): IntervalRow[] {
  const db = new Database(d.paths.db, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT i.started_at, i.ended_at, i.end_reason, t.code AS task FROM intervals i
           JOIN sessions s ON s.id = i.session_id LEFT JOIN tasks t ON t.id = i.task_id
          WHERE s.key = ? AND coalesce(i.ended_at, i.started_at + 1) > i.started_at ORDER BY i.started_at, i.id`,
      )
      .all(sessionKey) as IntervalRow[];
  } finally {
    db.close();
  }
}

const usage = {
  m1: { input: 1200, output: 300, cache_creation: 5000, cache_read: 0 },
  m2: { input: 40, output: 800, cache_creation: 0, cache_read: 6200 },
  m3: { input: 15, output: 120, cache_creation: 900, cache_read: 7000 },
  m4: { input: 7, output: 60, cache_creation: 0, cache_read: 7900 },
};

beforeAll(async () => {
  d = await startDaemon({ FRAGD_TEST_CLOCK: String(T0) }, { agent_idle_timeout_seconds: 150, tick_seconds: 30 });
  repo = TestRepo.create(d.env);
  repo.commit('README.md', '# app\n', 'first');
  repo.git(['checkout', '-q', '-b', 'feature/T-1-login']);
  writeFileSync(join(repo.dir, '.fragd.json'), JSON.stringify({ project: 'APP' }));
  await d.json(['project', 'create', 'APP', 'The app']);
  await d.json(['task', 'create', 'T-1', 'Login page', '--project', 'APP']);
  await d.json(['task', 'create', 'T-2', 'API client', '--project', 'APP']);
  transcript = join(d.home, 'claude-transcript.jsonl');
  writeFileSync(transcript, '');
  claude = new Conversation(d, 'claude', { session_id: 'c0ffee-1', cwd: repo.dir, transcript_path: transcript });
});
afterAll(() => d.dispose());

describe('a Claude Code conversation', () => {
  let key: string;

  it('SessionStart opens a session on the task the branch names, waiting for the first prompt, and hands back its context', async () => {
    const envFile = join(d.home, 'claude-env');
    const r = await claude.send('SessionStart', at(0), {}, { CLAUDE_ENV_FILE: envFile });
    const out = JSON.parse(r.stdout) as { hookSpecificOutput: { hookEventName: string; additionalContext: string } };
    expect(out.hookSpecificOutput.hookEventName).toBe('SessionStart');
    const ctx = out.hookSpecificOutput.additionalContext;
    key = /fragd session (SESSION-\d+)/.exec(ctx)![1];
    expect(ctx).toContain('Stack: project APP “The app” › task T-1 “Login page”');
    // Claude Code runs this before each Bash command: the agent's fragctl commands land in its session.
    expect(readFileSync(envFile, 'utf8')).toBe(`export FRAGMENTS_SESSION=${key}\n`);
    const status = (await d.json(['status', '--session', key])).body;
    expect(status.session).toMatchObject({ actor: 'claude', chat_session_id: 'c0ffee-1', status: 'paused' });
    expect(status.session.pause_reason).toMatch(/^waiting: for the first prompt/);
  });

  it('counts time only from a prompt to its stop', async () => {
    await claude.send('UserPromptSubmit', at(1));
    appendLines(transcript, [
      claudeAssistantLine('msg_01', at(1.5), usage.m1, 'part 1'),
      // One message, two content blocks: two lines with the same id and usage.
      claudeAssistantLine('msg_01', at(1.5), usage.m1, 'part 2'),
    ]);
    await claude.send('PreToolUse', at(2));
    await claude.send('PostToolUse', at(3));
    appendLines(transcript, [claudeAssistantLine('msg_02', at(4), usage.m2)]);
    await claude.send('SubagentStop', at(4), { agent_transcript_path: join(d.home, 'none.jsonl') });
    await claude.send('Stop', at(5));
    const s = (await d.json(['status', '--session', key])).body.session;
    expect(s.status).toBe('paused');
    expect(s.pause_reason).toBe(`waiting: for a person since ${new Date(at(5)).toISOString()}`);
    expect(intervals(key)).toEqual([{ started_at: at(1), ended_at: at(5), end_reason: 'pause', task: 'T-1' }]);
  });

  it('a long wait for a person is not work, and a notification while waiting changes nothing', async () => {
    const c = await d.client();
    await c.call('debug.clock', { set_ms: at(5) });
    await c.call('debug.clock', { advance_ms: 54 * MIN, ticking: true });
    c.close();
    await claude.send('Notification', at(6), {
      notification_type: 'idle_prompt',
      message: 'Claude is waiting for your input',
    });
    expect((await d.json(['status', '--session', key])).body.session.status).toBe('paused');
    expect(intervals(key)).toHaveLength(1);
  });

  it('a compaction continues the same session; the context handed back after it is where the session stands', async () => {
    // The person switched branch meanwhile: the next prompt lands on T-2.
    repo.git(['checkout', '-q', '-b', 'feature/T-2-api-client']);
    await claude.send('UserPromptSubmit', at(60));
    await claude.send('PreToolUse', at(61), { tool_name: 'Bash', tool_input: { command: 'npm test' } });
    appendLines(transcript, [claudeAssistantLine('msg_03', at(61.5), usage.m3)]);
    await claude.send('PostToolUse', at(61.7), { tool_name: 'Bash', tool_input: { command: 'npm test' } });
    await claude.send('PreCompact', at(62), { trigger: 'auto' });
    // Claude Code writes the summary of the compacted conversation; it carries no usage.
    appendLines(transcript, [
      JSON.stringify({
        type: 'user',
        isCompactSummary: true,
        timestamp: new Date(at(62)).toISOString(),
        message: { role: 'user', content: 'summary' },
      }),
    ]);
    const r = await claude.send('SessionStart', at(62), { source: 'compact' });
    const ctx = (JSON.parse(r.stdout) as { hookSpecificOutput: { additionalContext: string } }).hookSpecificOutput
      .additionalContext;
    expect(ctx.length).toBeLessThanOrEqual(2000);
    expect(ctx.split('\n').slice(0, 4)).toEqual([
      `fragd session ${key} (claude, active)`,
      'Stack: project APP “The app” › task T-2 “API client”',
      'Last step: agent.tool_after: “Bash npm test” (just now)',
      'Open requirements of T-2 before it can complete:',
    ]);
    // Nothing in it that fragd did not store: every requirement and command is fragd's own.
    expect(ctx).toContain('fragctl update --session');
    expect(ctx).not.toContain('undefined');
    const s = (await d.json(['status', '--session', key])).body.session;
    expect(s.status).toBe('active');
    await claude.send('PostToolUse', at(63), { tool_name: 'Bash', tool_input: { command: 'npm test' } });
    await claude.send('Stop', at(65));
    expect(intervals(key)).toEqual(
      [
        { started_at: at(1), ended_at: at(5), end_reason: 'pause', task: 'T-1' },
        { started_at: at(60), ended_at: at(60), end_reason: 'switch', task: 'T-1' },
        { started_at: at(60), ended_at: at(65), end_reason: 'pause', task: 'T-2' },
      ].filter((i) => i.ended_at > i.started_at),
    );
  });

  it('a resume continues the same session; a crash with no SessionEnd stops counting at the last sign of life', async () => {
    const r = await claude.send('SessionStart', at(70), { source: 'resume' });
    expect(r.stdout).toContain(`fragd session ${key} `);
    await claude.send('UserPromptSubmit', at(71));
    appendLines(transcript, [claudeAssistantLine('msg_04', at(71.5), usage.m4)]);
    await claude.send('PreToolUse', at(72), { tool_name: 'Bash', tool_input: { command: 'npm run build' } });
    // The agent is killed here: no PostToolUse, no Stop, no SessionEnd. The daemon's clock
    // runs on with its ticks.
    const c = await d.client();
    await c.call('debug.clock', { set_ms: at(72) });
    await c.call('debug.clock', { advance_ms: 10 * MIN, ticking: true });
    c.close();
    const s = (await d.json(['status', '--session', key])).body.session;
    expect(s.status).toBe('paused');
    expect(s.pause_reason).toMatch(/^idle: no activity since/);
    const all = intervals(key);
    // Billed to its last sign of life exactly (at most one tick past it).
    expect(all.at(-1)).toEqual({ started_at: at(71), ended_at: at(72), end_reason: 'idle', task: 'T-2' });
    expect(all.reduce((a, i) => a + (i.ended_at! - i.started_at), 0)).toBe(10 * MIN);
    const sessions = (await d.json(['session', 'list', '--actor', 'claude'])).body.sessions;
    expect(sessions.map((x: { key: string }) => x.key)).toEqual([key]);
  });

  it('records the conversation as activities, tools and the subagent included, with no prompt text', async () => {
    const db = new Database(d.paths.db, { readonly: true });
    const rows = db
      .prepare(
        `SELECT kind, message FROM activities a JOIN sessions s ON s.id = a.session_id WHERE s.key = ? AND kind LIKE 'agent.%' ORDER BY a.id`,
      )
      .all(key) as { kind: string; message: string }[];
    db.close();
    expect(rows.map((r) => r.kind)).toEqual([
      'agent.start',
      'agent.prompt',
      'agent.tool_before',
      'agent.tool_after',
      'agent.subagent_stop',
      'agent.stop',
      'agent.notification',
      'agent.prompt',
      'agent.tool_before',
      'agent.tool_after',
      'agent.compact_before',
      'agent.start',
      'agent.tool_after',
      'agent.stop',
      'agent.start',
      'agent.prompt',
      'agent.tool_before',
    ]);
    expect(rows[3].message).toBe('Write /path/to/file.txt');
    expect(rows[4].message).toBe('subagent Explore');
    expect(rows.map((r) => r.message).join('\n')).not.toContain('factorial');
  });

  it("counts each message's tokens once, on the task of its time, as the transcript records them", async () => {
    const sum = (...u: (typeof usage)[keyof typeof usage][]) => ({
      input: u.reduce((a, x) => a + x.input, 0),
      output: u.reduce((a, x) => a + x.output, 0),
      cache_creation: u.reduce((a, x) => a + x.cache_creation, 0),
      cache_read: u.reduce((a, x) => a + x.cache_read, 0),
    });
    const rep = (
      await d.json(['report', '--by', 'task', '--since', '2026-05-01', '--until', '2026-05-10', '--tz', 'UTC'])
    ).body;
    if (!rep.rows) throw new Error(JSON.stringify(rep));
    const byTask = Object.fromEntries(rep.rows.map((r: { key: string; tokens: unknown }) => [r.key, r.tokens]));
    expect(byTask['T-1']).toEqual(sum(usage.m1, usage.m2));
    expect(byTask['T-2']).toEqual(sum(usage.m3, usage.m4));
    expect(rep.tokens).toEqual(sum(usage.m1, usage.m2, usage.m3, usage.m4));

    const bySession = (
      await d.json(['report', '--by', 'session', '--since', '2026-05-01', '--until', '2026-05-10', '--tz', 'UTC'])
    ).body;
    expect(bySession.rows).toEqual([
      expect.objectContaining({
        key,
        actor: 'claude',
        seconds: 600,
        tokens: sum(usage.m1, usage.m2, usage.m3, usage.m4),
      }),
    ]);
    const csv = await d.fragctl([
      'report',
      '--by',
      'actor',
      '--csv',
      '--since',
      '2026-05-01',
      '--until',
      '2026-05-10',
      '--tz',
      'UTC',
    ]);
    const claudeLine = csv.stdout.split('\n').find((l) => l.startsWith('actor,claude,'))!;
    const total = sum(usage.m1, usage.m2, usage.m3, usage.m4);
    expect(claudeLine.split(',').slice(-7, -3).map(Number)).toEqual([
      total.input,
      total.output,
      total.cache_creation,
      total.cache_read,
    ]);

    const sr = (await d.json(['session', 'report', '--session', key])).body.report;
    expect(sr.tokens).toMatchObject({
      ...total,
      by_task: [
        { task: 'T-1', ...sum(usage.m1, usage.m2) },
        { task: 'T-2', ...sum(usage.m3, usage.m4) },
      ],
    });
  });

  it('a restart reads nothing twice', async () => {
    await d.stop();
    await d.start();
    await claude.send('SessionStart', at(90), { source: 'resume' });
    const rep = (
      await d.json(['report', '--by', 'task', '--since', '2026-05-01', '--until', '2026-05-10', '--tz', 'UTC'])
    ).body;
    expect(rep.tokens.output).toBe(usage.m1.output + usage.m2.output + usage.m3.output + usage.m4.output);
  });

  it('SessionEnd pauses the session (a resume may continue it); session end ends it', async () => {
    await claude.send('SessionEnd', at(91), { reason: 'prompt_input_exit' });
    const s = (await d.json(['session', 'list', '--actor', 'claude'])).body.sessions[0];
    expect(s).toMatchObject({ key, status: 'paused' });
    expect(s.pause_reason).toMatch(/^exited: claude closed the conversation \(prompt_input_exit\)/);
    await d.json(['session', 'end', '--session', key]);
    expect((await d.json(['status', '--session', key])).body.session.status).toBe('completed');
  });
});
