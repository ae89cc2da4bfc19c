// An agent's conversation is one fragd session for its whole life (DESIGN.md §10), replayed
// through the real hook entry (dist/fragd-agent-hook.sh) on a real daemon and the test clock:
// an exit pauses it and lets its task go, a resume (and /clear) continues it and takes the task
// back if it is free, a long pause ends it; an agent's claim goes stale after the agent's own
// idle timeout and the same agent's next conversation on the branch takes its task over; the
// context names whoever holds the branch's task, and every agent's shell reaches its session.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';
import { MIN } from '../support/clock.js';
import { Conversation } from '../support/agents.js';

const T0 = Date.parse('2026-05-06T09:00:00Z');
const at = (minutes: number) => T0 + minutes * MIN;
let d: TestDaemon;
let repo: TestRepo;

const contextOf = (stdout: string): string =>
  (JSON.parse(stdout) as { hookSpecificOutput: { additionalContext: string } }).hookSpecificOutput.additionalContext;
const keyOf = (stdout: string): string => /fragd session (SESSION-\d+)/.exec(contextOf(stdout))![1];
const session = async (key: string) => (await d.json(['status', '--session', key])).body.session;
const stackCodes = async (key: string): Promise<string[]> =>
  ((await session(key)).stack as { code: string }[]).map((f) => f.code);

function query<T>(sql: string, ...args: unknown[]): T[] {
  const db = new Database(d.paths.db, { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}
const intervals = (key: string) =>
  query<{ s: number; e: number }>(
    `SELECT i.started_at AS s, i.ended_at AS e FROM intervals i JOIN sessions s ON s.id = i.session_id
      WHERE s.key = ? AND i.ended_at > i.started_at ORDER BY i.started_at`,
    key,
  ).map((x) => [(x.s - T0) / MIN, (x.e - T0) / MIN]);
const kinds = (key: string) =>
  query<{ kind: string }>(
    'SELECT a.kind FROM activities a JOIN sessions s ON s.id = a.session_id WHERE s.key = ? ORDER BY a.id',
    key,
  ).map((r) => r.kind);
const holderOf = async (code: string) => (await d.json(['task', 'show', code])).body.task.claim;

beforeAll(async () => {
  d = await startDaemon({ FRAGD_TEST_CLOCK: String(T0) }, { agent_idle_timeout_seconds: 150 });
  repo = TestRepo.create(d.env);
  repo.commit('README.md', '# app\n', 'first');
  repo.git(['checkout', '-q', '-b', 'feature/T-3-sync']);
  await d.json(['project', 'create', 'APP', 'The app']);
  for (const [code, title] of [
    ['T-3', 'Sync'],
    ['T-4', 'Export'],
    ['T-5', 'Import'],
  ])
    await d.json(['task', 'create', code, title, '--project', 'APP']);
});
afterAll(() => d.dispose());

describe('one Claude Code conversation across exits, resumes and /clear', () => {
  let key: string;
  const ids = (id: string) => ({ session_id: id, cwd: repo.dir, transcript_path: join(d.home, `${id}.jsonl`) });
  const claude = () => new Conversation(d, 'claude', ids('conv-a'));

  it('an exit pauses the session with its own reason and lets its task go', async () => {
    key = keyOf((await claude().send('SessionStart', at(0))).stdout);
    await claude().send('UserPromptSubmit', at(1));
    await claude().send('Stop', at(3));
    expect((await holderOf('T-3')).session).toBe(key);
    await claude().send('SessionEnd', at(4), { reason: 'other' });
    const s = await session(key);
    expect(s.status).toBe('paused');
    expect(s.pause_reason).toMatch(/^exited: claude closed the conversation \(other\) at 2026-05-06T09:04:00/);
    expect(await holderOf('T-3')).toBeNull();
    // Its stack stays, for the resume.
    expect(await stackCodes(key)).toEqual(['APP', 'T-3']);
  });

  it('a resume continues the same session and takes the task back', async () => {
    const r = await claude().send('SessionStart', at(60), { source: 'resume' });
    expect(keyOf(r.stdout)).toBe(key);
    expect((await holderOf('T-3')).session).toBe(key);
    expect((await session(key)).pause_reason).toMatch(/^waiting: for a person \(conversation resumed\)/);
    await claude().send('UserPromptSubmit', at(61));
    await claude().send('Stop', at(62));
    expect(intervals(key)).toEqual([
      [1, 3],
      [61, 62],
    ]);
    expect(kinds(key)).toContain('claim.resumed');
  });

  it('/clear goes on in the same session under the new conversation id', async () => {
    await claude().send('SessionEnd', at(63), { reason: 'clear' });
    const cleared = new Conversation(d, 'claude', ids('conv-a-2'));
    const r = await cleared.send('SessionStart', at(63), { source: 'clear' });
    expect(keyOf(r.stdout)).toBe(key);
    await cleared.send('UserPromptSubmit', at(64));
    await cleared.send('Stop', at(65));
    expect((await session(key)).chat_session_id).toBe('conv-a-2');
    expect(intervals(key)).toContainEqual([64, 65]);
    // The former id still reaches it (a late hook of the old process).
    await claude().send('Notification', at(65.5), { notification_type: 'idle_prompt', message: 'waiting' });
    expect(query('SELECT 1 FROM sessions WHERE chat_session_id IN (?, ?)', 'conv-a', 'conv-a-2')).toHaveLength(1);
    expect((await d.json(['session', 'list', '--actor', 'claude'])).body.sessions).toHaveLength(1);
  });

  it('a task someone took while the conversation was closed stays theirs; the context says who has it', async () => {
    const cleared = new Conversation(d, 'claude', ids('conv-a-2'));
    await cleared.send('SessionEnd', at(66), { reason: 'prompt_input_exit' });
    // A person takes T-3 without a refusal: the exited conversation holds nothing.
    const c = await d.client();
    await c.call('debug.clock', { set_ms: at(67) });
    c.close();
    await d.json(['session', 'start']);
    const took = await d.json(['task', 'activate', 'T-3']);
    expect(took.code).toBe(0);
    const r = await cleared.send('SessionStart', at(70), { source: 'resume' });
    const ctx = contextOf(r.stdout);
    expect(keyOf(r.stdout)).toBe(key);
    expect(ctx).toMatch(/Branch “feature\/T-3-sync” names T-3 “Sync”, held by human \(SESSION-\d+\)/);
    expect(ctx).not.toContain('does not know');
    // The agent is pointed elsewhere; the take-over is named as a person's, never as a command it would run.
    expect(ctx).toContain(`fragctl next --session ${key}`);
    expect(ctx).toContain('a person can take it over with --take-over');
    expect(ctx).not.toMatch(/fragctl task activate[^\n]*--take-over/);
    expect(await stackCodes(key)).toEqual(['APP']);
    expect(kinds(key)).toContain('claim.lost');
    expect((await holderOf('T-3')).actor).toBe('human');
    await d.json(['session', 'end']);
  });

  it('a conversation paused longer than agent_session_end_hours (72 h) ends by itself', async () => {
    await new Conversation(d, 'claude', ids('conv-a-2')).send('SessionEnd', at(71), { reason: 'logout' });
    const c = await d.client();
    await c.call('debug.clock', { set_ms: at(71 + 71 * 60) });
    expect(((await c.call('debug.tick', {})) as { ended: string[] }).ended).toEqual([]);
    await c.call('debug.clock', { set_ms: at(72 + 72 * 60) });
    const tick = (await c.call('debug.tick', {})) as { ended: string[] };
    c.close();
    expect(tick.ended).toContain(key);
    expect((await session(key)).status).toBe('completed');
    expect(kinds(key)).toContain('agent.expired');
  });
});

describe('claims of agents that are gone', () => {
  const B = 5000; // minutes: after the conversations above
  const ids = (id: string) => ({ session_id: id, cwd: repo.dir, transcript_path: join(d.home, `${id}.jsonl`) });
  const setClock = async (minutes: number) => {
    const c = await d.client();
    await c.call('debug.clock', { set_ms: at(minutes) });
    c.close();
  };
  let second: string;

  it('the same agent’s next conversation on the branch takes its predecessor’s task over, without a refusal', async () => {
    repo.git(['checkout', '-q', '-b', 'feature/T-4-export']);
    const first = new Conversation(d, 'codex', ids('codex-a'));
    const firstKey = keyOf((await first.send('SessionStart', at(B))).stdout);
    await first.send('UserPromptSubmit', at(B + 1));
    await first.send('Stop', at(B + 2));
    expect((await holderOf('T-4')).session).toBe(firstKey);
    // A minute later (its claim is not stale yet) a new Codex conversation opens on the branch.
    const next = new Conversation(d, 'codex', ids('codex-b'));
    const r = await next.send('SessionStart', at(B + 3));
    second = keyOf(r.stdout);
    expect(second).not.toBe(firstKey);
    expect(contextOf(r.stdout)).toContain('Stack: project APP “The app” › task T-4 “Export”');
    expect((await holderOf('T-4')).session).toBe(second);
    expect(kinds(second)).toContain('claim.take_over');
    expect(kinds(second)).not.toContain('claim.refused');
  });

  it('an agent’s claim goes stale after the agents’ idle timeout (150 s), not the people’s 30 minutes', async () => {
    await new Conversation(d, 'codex', ids('codex-b')).send('UserPromptSubmit', at(B + 4));
    await new Conversation(d, 'codex', ids('codex-b')).send('Stop', at(B + 5));
    await d.json(['session', 'start']);
    await setClock(B + 6); // 60 s after its last sign of life
    const refused = await d.json(['task', 'activate', 'T-4']);
    expect(refused.code).toBe(5);
    expect(refused.body.error.data.stale_after_seconds).toBe(150);
    await setClock(B + 8); // 180 s after
    const took = await d.json(['task', 'activate', 'T-4']);
    expect(took.code).toBe(0);
    expect((await holderOf('T-4')).actor).toBe('human');
    expect(kinds(second)).toContain('claim.taken');
    await d.json(['session', 'end']);
  });
});

describe('the agent’s own shell reaches its session', () => {
  const C = 6000;
  const ids = (id: string) => ({ session_id: id, cwd: repo.dir, transcript_path: join(d.home, `${id}.jsonl`) });

  it('Codex: the SessionStart answer holds only the fields its schema allows; the commands name the session', async () => {
    repo.git(['checkout', '-q', '-b', 'feature/T-5-import']);
    const r = await new Conversation(d, 'codex', ids('codex-env')).send('SessionStart', at(C));
    // Codex 0.171's SessionStartHookSpecificOutputWire has additionalProperties: false: an
    // extra field (an env) made it drop the answer, and the model never saw fragd's context.
    const out = JSON.parse(r.stdout) as { hookSpecificOutput: Record<string, unknown> };
    expect(Object.keys(out.hookSpecificOutput).sort()).toEqual(['additionalContext', 'hookEventName']);
    const key = keyOf(r.stdout);
    const commands = contextOf(r.stdout).match(
      /fragctl (update|note|done|task (activate|deactivate|complete)|session \w+)[^\n]*/g,
    )!;
    expect(commands.length).toBeGreaterThan(2);
    for (const c of commands) expect(c).toContain(`--session ${key}`);
    await d.json(['session', 'end', '--session', key]);
  });

  it('Gemini (no env of its own, nor Codex): every command its context shows names its session, and runs there', async () => {
    const gemini = new Conversation(d, 'gemini', ids('gemini-env'));
    const r = await gemini.send('SessionStart', at(C + 1));
    const key = keyOf(r.stdout);
    expect(JSON.parse(r.stdout).hookSpecificOutput.env).toBeUndefined();
    const ctx = contextOf(r.stdout);
    const commands = ctx.match(/fragctl (update|note|done|task (activate|deactivate|complete)|session \w+)[^\n]*/g)!;
    expect(commands.length).toBeGreaterThan(2);
    for (const c of commands) expect(c).toContain(`--session ${key}`);
    // A person's session is open too: the agent's update still lands in its own.
    await d.json(['session', 'start']);
    const template = /write, in your own words: (fragctl update [^(]*)</.exec(ctx)![1].trim();
    const argv = [...template.split(' ').slice(1), 'checked the importer against the fixtures'];
    const { FRAGMENTS_SESSION: _s, ...env } = d.env;
    const run = await d.fragctl(argv, { env: { ...env, FRAGMENTS_SESSION: '' } });
    expect(run.code).toBe(0);
    expect(kinds(key)).toContain('update');
    await d.json(['session', 'end']);
  });
});
