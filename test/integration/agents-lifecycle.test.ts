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
afterAll(() => {
  if (process.env.DUMP_LOG)
    console.log(
      d.output
        .split('\n')
        .filter((l) => /"level":(40|50)/.test(l))
        .join('\n')
        .slice(0, 3000),
    );
  return d.dispose();
});

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
    expect(ctx).toMatch(/Branch feature\/T-3-sync names T-3 “Sync”, held by human \(SESSION-\d+\)/);
    expect(ctx).not.toContain('does not know');
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
