// Messages and handoff on an injected clock (docs/claims.md, "Messages and handoff"): whom an
// address reaches, how a message is queued for a conversation's next prompt and counted read
// only once the prompt took it (whatever the order of the hook and the ingest), what an exit
// gives back, the context's limit, and how long a handoff holds its task.
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newCall, type App } from '../../daemon/app/app.js';
import { applyAgentEvent } from '../../daemon/app/agents/agents.js';
import { handlers } from '../../daemon/rpc/handlers.js';
import type { Connection, DaemonFacts } from '../../daemon/rpc/handler-types.js';
import { methods, type MethodName, type ParamsOf, type ResultOf } from '../../shared/protocol/methods.js';
import { ManualClock } from '../../daemon/clock.js';
import { defaultConfig } from '../../daemon/config.js';
import { openDatabase } from '../../daemon/store/database.js';
import { Sql } from '../../daemon/store/sql.js';
import { assembleApp } from '../../daemon/assemble-app.js';
import type { Source } from '../../shared/protocol/views.js';
import { OTHER_QUEUES_SQL, PENDING_SQL } from '../../daemon/app/messages/messages.js';
import { UNREAD_COUNT_SQL } from '../../daemon/app/instructions/instructions.js';

const T0 = Date.parse('2026-06-01T09:00:00Z');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface World {
  app: App;
  clock: ManualClock;
  dir: string;
  rpc<M extends MethodName>(method: M, params: ParamsOf<M>, source?: Source): ResultOf<M>;
  event(event: string, chat: string, extra?: Record<string, unknown>): void;
  /** What the prompt hook does: takes the conversation's queued file by a rename and prints it. */
  hookTakes(chat: string): string;
  row(id: number, actor: string): { queued_at: number | null; read_at: number | null; read_via: string | null };
}

/** A store on disk (the queued-context files live beside it), a manual clock, calls through the handler table. */
function world(): World {
  const dir = mkdtempSync(join(tmpdir(), 'fr-msg-'));
  dirs.push(dir);
  const clock = new ManualClock(T0);
  const config = { ...defaultConfig(), claim_stale_seconds: 600 };
  const app = assembleApp({ sql: new Sql(openDatabase(join(dir, 'fragments.db'))), clock, config });
  const conn = { id: 1, subscribed: false, sessionFilter: null } as Connection;
  const rpc = <M extends MethodName>(method: M, params: ParamsOf<M>, source: Source = 'cli'): ResultOf<M> => {
    const parsed = methods[method].params.parse(params);
    const handler = handlers[method] as (c: unknown, p: unknown, conn: Connection, d: DaemonFacts) => ResultOf<M>;
    return app.sql.db.transaction(() => handler(newCall(app, source), parsed, conn, {} as DaemonFacts))();
  };
  const event = (name: string, chat: string, extra: Record<string, unknown> = {}) => {
    clock.advance(1000);
    app.sql.db.transaction(() =>
      applyAgentEvent(newCall(app, 'hook'), {
        agent: 'claude',
        event: name,
        payload: { session_id: chat, cwd: dir, ...extra },
        at: clock.now(),
        eventId: null,
      }),
    )();
  };
  const hookTakes = (chat: string) => {
    const file = join(dir, 'spool', 'context', chat);
    if (!existsSync(file)) return '';
    renameSync(file, `${file}.hook`);
    const text = readFileSync(`${file}.hook`, 'utf8');
    rmSync(`${file}.hook`);
    return (JSON.parse(text) as { hookSpecificOutput: { additionalContext: string } }).hookSpecificOutput
      .additionalContext;
  };
  const row = (id: number, actor: string) =>
    app.sql.get<{ queued_at: number | null; read_at: number | null; read_via: string | null }>(
      'SELECT queued_at, read_at, read_via FROM message_recipients WHERE message_id = ? AND actor = ?',
      id,
      actor,
    )!;
  return { app, clock, dir, rpc, event, hookTakes, row };
}

function withPeople(w: World) {
  w.rpc('project.create', { code: 'APP', title: 'App' });
  w.rpc('project.create', { code: 'OPS', title: 'Ops' });
  w.rpc('task.create', { code: 'T-1', title: 'Login', project: 'APP' });
  w.rpc('task.create', { code: 'T-1a', title: 'Login form', parent: 'T-1' });
  w.rpc('task.create', { code: 'T-2', title: 'Signup', project: 'APP' });
  w.rpc('task.create', { code: 'T-3', title: 'Deploy', project: 'OPS' });
  w.rpc('session.start', { actor: 'human' });
  w.rpc('session.start', { actor: 'bob' });
  w.rpc('session.start', { actor: 'carol' });
  w.rpc('session.start', { actor: 'dave' });
  w.rpc('task.activate', { actor: 'bob', code: 'T-1' });
  w.rpc('context.push', { actor: 'carol', type: 'project', code: 'APP' });
  w.rpc('task.activate', { actor: 'dave', code: 'T-3' });
}

describe('what every prompt and answer asks', () => {
  it("reads only an actor's unread messages, from their partial index", () => {
    const w = world();
    const plan = (sql: string, ...args: unknown[]) =>
      (w.app.sql.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[])
        .map((r) => r.detail)
        .join('\n');
    expect(plan(PENDING_SQL, 'claude', 20)).toMatch(/USING INDEX message_unread/);
    expect(plan(OTHER_QUEUES_SQL, 'claude', 1)).toMatch(/USING INDEX message_unread/);
    expect(plan(UNREAD_COUNT_SQL, 'claude')).toMatch(/USING (COVERING )?INDEX message_unread/);
  });
});

describe('whom an address reaches', () => {
  it('an actor, a task’s holder (a subtask’s parent’s), everyone open in a project but the sender', () => {
    const w = world();
    withPeople(w);
    expect(w.rpc('message.send', { actor: 'human', to: 'carol', text: 'hi' }).recipients).toEqual(['carol']);
    const holder = w.rpc('message.send', { actor: 'human', to: 'task:T-1a', text: 'form?' });
    expect(holder).toMatchObject({ recipients: ['bob'], message: { to: 'task:T-1', task: 'T-1a' } });
    expect(w.rpc('message.send', { actor: 'human', to: 'project:APP', text: 'all' }).recipients).toEqual([
      'bob',
      'carol',
    ]);
    // `project` is the sender's own: bob's is APP.
    expect(w.rpc('message.send', { actor: 'bob', to: 'project', text: 'mine' }).recipients).toEqual(['carol']);
    // An ended session is nobody working in the project.
    w.rpc('session.end', { actor: 'carol' });
    expect(w.rpc('message.send', { actor: 'human', to: 'project:APP', text: 'all' }).recipients).toEqual(['bob']);
    expect(() => w.rpc('message.send', { actor: 'human', to: 'project', text: 'x' })).toThrow(/no active project/);
    expect(() => w.rpc('message.send', { actor: 'bob', to: 'task:T-1', text: 'x' })).toThrow(/you hold T-1/);
    expect(() => w.rpc('message.send', { actor: 'human', to: 'task:T-2', text: 'x' })).toThrow(/nobody holds T-2/);
    expect(() => w.rpc('message.send', { actor: 'human', to: 'eve', text: 'x' })).toThrow(/never had a session/);
    expect(() => w.rpc('message.send', { actor: 'human', to: 'project:NOPE', text: 'x' })).toThrow(/not found/);
    // The dashboard's list: one row per recipient, newest first, and it marks nothing read.
    const listed = w.rpc('message.list', { limit: 3 }).messages;
    expect(listed.map((m) => [m.to, m.recipient])).toEqual([
      ['project:APP', 'bob'], // the human's, after carol's session ended
      ['project:APP', 'carol'], // bob's to his own project
      ['project:APP', 'bob'], // the human's to both: the first of its two rows
    ]);
    expect(w.rpc('message.list', { recipient: 'carol' }).messages.every((m) => m.read_at === null)).toBe(true);
    // A sender without a session is its actor alone.
    expect(w.rpc('message.send', { actor: 'ci', to: 'bob', text: 'build 12 is red' }).message.from).toEqual({
      actor: 'ci',
      session: null,
    });
    // Every answer tells an actor of its unread messages, with the command that reads them;
    // once read, no more.
    const note = w.rpc('activity.note', { actor: 'bob', message: 'the form posts to /login' });
    expect(note.instructions.next_actions).toContain('You have 4 unread messages: read them with the inbox.');
    expect(note.instructions.suggested_commands).toContain('fragctl inbox --session SESSION-002');
    const overMcp = w.rpc('activity.note', { actor: 'bob', message: 'and validates it', source: 'mcp' }, 'mcp');
    expect(overMcp.instructions.suggested_commands).toContain('coordinate {"op":"inbox"}');
    w.rpc('message.inbox', { actor: 'bob' });
    const after = w.rpc('activity.note', { actor: 'bob', message: 'the errors show inline' });
    expect(after.instructions.next_actions.join(' ')).not.toContain('unread message');
  });
});

describe("delivery into a conversation's context", () => {
  it('is queued at the send, read at the prompt that took it, never queued again', () => {
    const w = world();
    w.rpc('session.start', { actor: 'human' });
    w.event('SessionStart', 'chat-1', { source: 'startup' });
    w.event('UserPromptSubmit', 'chat-1', { prompt: 'go' });
    w.clock.advance(5000);
    const sentAt = w.clock.now();
    const m = w.rpc('message.send', { actor: 'human', to: 'claude', text: 'wait for me on src/auth.ts' }).message;
    expect(w.row(m.id, 'claude')).toMatchObject({ queued_at: sentAt, read_at: null });

    // The hook takes the file at the prompt; fragd ingests the prompt after a second message
    // was queued: the first is read, the second (still in the file) is not.
    const printed = w.hookTakes('chat-1');
    expect(printed).toMatch(/^fragd message #\d+ from human \(SESSION-001\): “wait for me on src\/auth\.ts”\./);
    const m2 = w.rpc('message.send', { actor: 'human', to: 'claude', text: 'second' }).message;
    w.event('UserPromptSubmit', 'chat-1', { prompt: 'more' });
    expect(w.row(m.id, 'claude')).toMatchObject({ read_at: w.clock.now(), read_via: 'context' });
    expect(w.row(m2.id, 'claude').read_at).toBeNull();
    // The next prompt prints only the second.
    const next = w.hookTakes('chat-1');
    expect(next).toContain('“second”');
    expect(next).not.toContain('src/auth.ts');
    w.event('UserPromptSubmit', 'chat-1', { prompt: 'again' });
    expect(w.row(m2.id, 'claude').read_via).toBe('context');
    expect(w.hookTakes('chat-1')).toBe('');
  });

  it('keeps to the context limit: what does not fit waits for the prompt after', () => {
    const w = world();
    w.rpc('session.start', { actor: 'human' });
    w.event('SessionStart', 'chat-2', { source: 'startup' });
    const ids = [1, 2, 3, 4].map(
      (n) => w.rpc('message.send', { actor: 'human', to: 'claude', text: `${n} ${'x'.repeat(3000)}` }).message.id,
    );
    // Each line is cut to 600 characters of text: three fit in 2,000 characters of context.
    const first = w.hookTakes('chat-2');
    expect(first.length).toBeLessThanOrEqual(2000);
    expect(first).toContain('(cut; whole: fragctl inbox --session SESSION-002)');
    const queued = ids.filter((id) => w.row(id, 'claude').queued_at !== null);
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.length).toBeLessThan(4);
    w.event('UserPromptSubmit', 'chat-2', { prompt: 'go' });
    for (const id of queued) expect(w.row(id, 'claude').read_via).toBe('context');
    // The rest were queued at that prompt, for the next.
    const rest = ids.filter((id) => !queued.includes(id));
    for (const id of rest) expect(w.row(id, 'claude').queued_at).toBe(w.clock.now());
    expect(w.hookTakes('chat-2')).toContain(`fragd message #${rest[0]}`);
  });

  it("an exit gives back what its prompts did not take; the actor's next conversation gets it", () => {
    const w = world();
    w.rpc('session.start', { actor: 'human' });
    w.event('SessionStart', 'chat-3', { source: 'startup' });
    w.event('UserPromptSubmit', 'chat-3', { prompt: 'go' });
    const taken = w.rpc('message.send', { actor: 'human', to: 'claude', text: 'taken' }).message;
    w.hookTakes('chat-3');
    // The exit comes before fragd saw the prompt that took it: still read, not given back.
    const left = w.rpc('message.send', { actor: 'human', to: 'claude', text: 'left' }).message;
    w.event('SessionEnd', 'chat-3', { reason: 'other' });
    expect(w.row(taken.id, 'claude').read_via).toBe('context');
    expect(w.row(left.id, 'claude')).toMatchObject({ queued_at: null, read_at: null });
    expect(existsSync(join(w.dir, 'spool', 'context', 'chat-3'))).toBe(false);
    // A message sent while no conversation runs waits for the next one.
    const later = w.rpc('message.send', { actor: 'human', to: 'claude', text: 'later' }).message;
    expect(w.row(later.id, 'claude').queued_at).toBeNull();
    w.event('SessionStart', 'chat-4', { source: 'startup' });
    const printed = w.hookTakes('chat-4');
    expect(printed).toContain('“left”');
    expect(printed).toContain('“later”');
    expect(printed).not.toContain('“taken”');
  });
});

describe('a conversation that never says it exited (Codex sends no SessionEnd)', () => {
  it('hands what it had queued to the next conversation under its name', () => {
    const w = world();
    w.rpc('session.start', { actor: 'human' });
    w.event('SessionStart', 'chat-5', { source: 'startup' });
    w.event('UserPromptSubmit', 'chat-5', { prompt: 'go' });
    w.event('Stop', 'chat-5');
    const m = w.rpc('message.send', {
      actor: 'human',
      to: 'claude',
      text: 'queued for a conversation that left',
    }).message;
    expect(w.row(m.id, 'claude').queued_at).not.toBeNull();
    // Half a day later a new conversation takes the name (the old one is left, not running).
    w.clock.advance(13 * 3_600_000);
    w.event('SessionStart', 'chat-6', { source: 'startup' });
    expect(w.app.sql.value("SELECT actor FROM sessions WHERE chat_session_id = 'chat-6'")).toBe('claude');
    expect(w.hookTakes('chat-5')).toBe('');
    expect(w.hookTakes('chat-6')).toContain('“queued for a conversation that left”');
  });
});

describe('handoff', () => {
  it('holds the task for its receiver until claim_stale_seconds, then anyone may take it', () => {
    const w = world();
    withPeople(w);
    const r = w.rpc('task.handoff', { actor: 'bob', to: 'carol', note: 'form half done; validation left' });
    expect(r).toMatchObject({ task: { code: 'T-1' }, to: 'carol', message: { kind: 'handoff', task: 'T-1' } });
    expect(w.rpc('session.status', { actor: 'bob' }).session.stack.map((f) => f.type)).toEqual(['project']);
    // Held for carol: the human's next leaves it and says why; an activation is refused.
    const human = w.rpc('task.next', { actor: 'human' });
    expect(human.task?.code).toBe('T-2');
    expect(human.waiting).toContainEqual({ code: 'T-1', reason: 'handed over to carol by bob' });
    expect(() => w.rpc('task.activate', { actor: 'human', code: 'T-1' })).toThrow(/T-1 is held for carol/);
    const carol = w.rpc('task.next', { actor: 'carol' });
    expect(carol.task?.code).toBe('T-1');
    expect(carol.why).toMatch(/^T-1 was handed over to carol by bob with the note “form half done; validation left”; /);
    // After claim_stale_seconds without carol taking it, anyone may; carol's next still offers it first.
    w.clock.advance(600_000);
    expect(w.rpc('task.next', { actor: 'human' }).task?.code).toBe('T-1');
    expect(w.rpc('task.next', { actor: 'carol' }).task?.code).toBe('T-1');
    w.rpc('task.activate', { actor: 'human', code: 'T-1' });
    expect(w.app.sql.all('SELECT to_actor, close_reason FROM handoffs')).toEqual([
      { to_actor: 'carol', close_reason: 'taken by human' },
    ]);
    expect(w.app.sql.value("SELECT message FROM activities WHERE kind = 'handoff.taken_over'")).toBe(
      'human took T-1, which bob had handed over to carol',
    );
  });

  it('the receiver taking it closes it; a task someone else holds is not the caller’s to hand over', () => {
    const w = world();
    withPeople(w);
    expect(() => w.rpc('task.handoff', { actor: 'human', code: 'T-1', to: 'carol', note: 'x' })).toThrow(
      /held by bob .*only its holder can hand it over/,
    );
    expect(() => w.rpc('task.handoff', { actor: 'carol', to: 'bob', note: 'x' })).toThrow(/no task is active/);
    w.rpc('task.handoff', { actor: 'bob', code: 'T-1a', to: 'carol', note: 'the form is yours' });
    const taken = w.rpc('task.next', { actor: 'carol', activate: true });
    expect(taken).toMatchObject({ activated: true, task: { code: 'T-1' } });
    expect(w.app.sql.value('SELECT close_reason FROM handoffs')).toBe('taken');
    // Closed: nothing holds it for anyone any more.
    expect(w.rpc('task.next', { actor: 'human' }).waiting).toContainEqual({
      code: 'T-1',
      reason: expect.stringMatching(/^held by carol/),
    });
  });
});
