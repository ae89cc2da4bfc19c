// Messages and handoff with a real daemon (docs/claims.md, "Messages and handoff"): send,
// inbox, ack through fragctl; a message reaching a Claude Code conversation's context at its
// next prompt through the real hook script (dist/fragd-agent-hook.sh), once, across real
// daemon restarts; an exit giving queued messages back to the actor's next conversation; a
// handoff releasing the claim, held for its receiver, offered first by its next.
import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../support/daemon.js';
import { TestRepo } from '../support/git.js';
import { Conversation } from '../support/agents.js';

let d: TestDaemon;
let repo: TestRepo;
let bob: string;
let carol: string;

const db = <T>(sql: string, ...args: unknown[]): T[] => {
  const h = new Database(d.paths.db, { readonly: true });
  try {
    return h.prepare(sql).all(...args) as T[];
  } finally {
    h.close();
  }
};

const contextOf = (stdout: string): string =>
  stdout
    ? (JSON.parse(stdout) as { hookSpecificOutput: { additionalContext: string } }).hookSpecificOutput.additionalContext
    : '';

async function restart(): Promise<void> {
  await d.stop();
  await d.start();
}

let clock = Date.now();
const tick = () => (clock += 1000);

function conversation(id: string): Conversation {
  const transcript = join(d.home, `${id}.jsonl`);
  writeFileSync(transcript, '');
  return new Conversation(d, 'claude', { session_id: id, cwd: repo.dir, transcript_path: transcript });
}

beforeAll(async () => {
  d = await startDaemon();
  repo = TestRepo.create(d.env);
  repo.commit('README.md', '# app\n', 'first');
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
            tasks: [
              { code: 'T-1', title: 'Login page' },
              { code: 'T-2', title: 'Signup page' },
              { code: 'T-3', title: 'Password reset' },
            ],
          },
        ],
      },
    }),
  );
  const imported = await d.json(['import', plan]);
  expect(imported.code, JSON.stringify(imported.body)).toBe(0);
  expect((await d.json(['session', 'start'])).code).toBe(0);
  bob = (await d.json(['session', 'start', '--actor', 'bob'])).body.session.key;
  carol = (await d.json(['session', 'start', '--actor', 'carol'])).body.session.key;
});
afterAll(() => d.dispose());

describe('send, inbox, ack', () => {
  it('a message reaches the inbox, is marked read when shown, and leaves it when acknowledged', async () => {
    const sent = await d.json(['send', 'bob', 'the API moved to v2; read docs/api.md']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.body.recipients).toEqual(['bob']);
    expect(sent.body.message).toMatchObject({ from: { actor: 'human' }, to: 'bob', kind: 'message' });
    const id = sent.body.message.id as number;

    // status counts it without marking it read
    expect((await d.fragctl(['status', '--session', bob])).stdout).toContain('messages: 1 unread, 1 not acknowledged');
    expect((await d.json(['status', '--session', bob])).body.messages).toEqual({ unread: 1, unacknowledged: 1 });

    const first = await d.json(['inbox', '--session', bob]);
    expect(first.body.messages).toEqual([
      expect.objectContaining({ id, text: 'the API moved to v2; read docs/api.md', read_at: null }),
    ]);
    expect(first.body).toMatchObject({ actor: 'bob', unread: 0, unacknowledged: 1 });
    // Shown once: no longer unread; the inbox still lists it, as read in the inbox.
    expect((await d.json(['inbox', '--session', bob, '--unread'])).body.messages).toEqual([]);
    expect((await d.json(['inbox', '--session', bob])).body.messages[0].read_via).toBe('inbox');
    // Another actor's inbox does not hold it, nor can it acknowledge it.
    expect((await d.json(['inbox', '--session', carol])).body.messages).toEqual([]);
    const foreign = await d.json(['inbox', 'ack', String(id), '--session', carol]);
    expect(foreign.code).toBe(4);
    expect(foreign.body.error.data).toMatchObject({ error: 'not_found', ids: [id] });

    const acked = await d.json(['inbox', 'ack', String(id), '--session', bob]);
    expect(acked.body).toMatchObject({ acknowledged: 1, unacknowledged: 0 });
    expect((await d.json(['inbox', '--session', bob])).body.messages).toEqual([]);
    expect((await d.json(['inbox', '--session', bob, '--all'])).body.messages[0].acknowledged_at).not.toBeNull();
  });

  it('pages an inbox newest first, within the page limit', async () => {
    for (let i = 1; i <= 5; i++) expect((await d.json(['send', 'carol', `note ${i}`])).code).toBe(0);
    const one = await d.json(['inbox', '--session', carol, '--limit', '2']);
    expect(one.body.messages.map((m: { text: string }) => m.text)).toEqual(['note 5', 'note 4']);
    const two = await d.json(['inbox', '--session', carol, '--limit', '2', '--cursor', one.body.next_cursor]);
    expect(two.body.messages.map((m: { text: string }) => m.text)).toEqual(['note 3', 'note 2']);
    expect((await d.json(['inbox', '--session', carol, '--limit', '101'])).body.error.data.error).toBe(
      'invalid_params',
    );
    expect((await d.json(['inbox', 'ack', '--all', '--session', carol])).body.acknowledged).toBe(5);
  });

  it('refuses what nobody would read, with what to do', async () => {
    const nobody = await d.json(['send', 'bobby', 'hello']);
    expect(nobody.code).toBe(4);
    expect(nobody.body.error.data.known_actors).toEqual(expect.arrayContaining(['bob', 'carol', 'human']));
    const unheld = await d.json(['send', 'task:T-3', 'hello']);
    expect(unheld.body.error.data).toMatchObject({ error: 'invalid_state', task: 'T-3' });
    expect((await d.json(['send', 'human', 'me'])).body.error.data.error).toBe('invalid_state');
    expect((await d.json(['send', 'bob', 'x'.repeat(4001)])).body.error.message).toContain('at most 4000 characters');
    expect((await d.json(['send', 'a b', 'hello'])).body.error.data.error).toBe('invalid_params');
  });
});

let claude: Conversation;

describe("a message in an agent's context at its next prompt", () => {
  it('is printed by the prompt hook once, across restarts, and recorded as read in context', async () => {
    claude = conversation('c0nv-msg-1');
    await claude.send('SessionStart', tick());
    await claude.send('UserPromptSubmit', tick());
    await claude.send('Stop', tick());

    const sent = await d.json(['send', 'claude', 'T-2 touches src/auth.ts too: wait for me before editing it']);
    expect(sent.body.recipients).toEqual(['claude']);
    const id = sent.body.message.id as number;
    // Queued for the conversation's next prompt, recorded as such, before any restart.
    expect(existsSync(join(d.paths.spoolDir, 'context', 'c0nv-msg-1'))).toBe(true);
    expect(
      db<{ queued_at: number | null }>('SELECT queued_at FROM message_recipients WHERE message_id = ?', id)[0]
        .queued_at,
    ).not.toBeNull();

    await restart();
    const prompt = await claude.send('UserPromptSubmit', tick());
    const context = contextOf(prompt.stdout);
    expect(context).toContain(`fragd message #${id} from human`);
    expect(context).toContain('“T-2 touches src/auth.ts too: wait for me before editing it”');
    expect(context).toMatch(new RegExp(`fragctl inbox ack ${id} --session SESSION-\\d+`));
    await claude.send('Stop', tick());

    await restart();
    expect(contextOf((await claude.send('UserPromptSubmit', tick())).stdout)).not.toContain('fragd message');
    await claude.send('Stop', tick());
    const [row] = db<{ read_via: string; read_at: number | null }>(
      "SELECT read_via, read_at FROM message_recipients WHERE message_id = ? AND actor = 'claude'",
      id,
    );
    expect(row.read_via).toBe('context');
    expect(row.read_at).not.toBeNull();
    expect((await d.json(['inbox', '--actor', 'claude', '--unread'])).body.messages).toEqual([]);
  });

  it("a task's holder and everyone in a project are addressable", async () => {
    const held = await d.json(['task', 'activate', 'T-1', '--session', bob]);
    expect(held.code, held.stderr).toBe(0);
    const toHolder = await d.json(['send', 'task:T-1', 'the login form needs the new API']);
    expect(toHolder.body).toMatchObject({ recipients: ['bob'], message: { to: 'task:T-1', task: 'T-1' } });
    // claude's conversation works in APP (.fragd.json), bob too (T-1 is in APP); not the sender.
    const everyone = await d.json(['send', 'project:APP', 'release at five']);
    expect([...everyone.body.recipients].sort()).toEqual(['bob', 'claude']);
    const p = contextOf((await claude.send('UserPromptSubmit', tick())).stdout);
    expect(p).toContain('“release at five”');
    await claude.send('Stop', tick());
    expect((await d.json(['task', 'deactivate', '--session', bob])).code).toBe(0);
    await d.json(['inbox', 'ack', '--all', '--session', bob]);
  });

  it("an exit gives queued messages back: the actor's next conversation gets them, once", async () => {
    const sent = await d.json(['send', 'claude', 'the CI is red on main']);
    const id = sent.body.message.id as number;
    await claude.send('SessionEnd', tick(), { reason: 'prompt_input_exit' });
    expect(
      db<{ queued_at: number | null }>('SELECT queued_at FROM message_recipients WHERE message_id = ?', id)[0]
        .queued_at,
    ).toBeNull();
    // The exited conversation's file no longer carries it.
    const old = join(d.paths.spoolDir, 'context', 'c0nv-msg-1');
    if (existsSync(old)) expect(contextOf(readFileSync(old, 'utf8'))).not.toContain('CI is red');

    const next = conversation('c0nv-msg-2');
    await next.send('SessionStart', tick());
    expect(contextOf((await next.send('UserPromptSubmit', tick())).stdout)).toContain(
      `fragd message #${id} from human`,
    );
    await next.send('Stop', tick());
    expect(contextOf((await next.send('UserPromptSubmit', tick())).stdout)).not.toContain('fragd message');
    await next.send('Stop', tick());
    claude = next;
  });
});

describe('Gemini CLI', () => {
  it('gets a message at BeforeAgent, in its own hook output form', async () => {
    const transcript = join(d.home, 'gemini.json');
    writeFileSync(transcript, '');
    const gemini = new Conversation(d, 'gemini', {
      session_id: 'g3m-msg-1',
      cwd: repo.dir,
      transcript_path: transcript,
    });
    await gemini.send('SessionStart', tick());
    await gemini.send('BeforeAgent', tick());
    await gemini.send('AfterAgent', tick());
    const sent = await d.json(['send', 'gemini', 'the docs moved to docs/v2']);
    expect(sent.code, sent.stderr).toBe(0);
    const out = JSON.parse((await gemini.send('BeforeAgent', tick())).stdout) as {
      hookSpecificOutput: { hookEventName: string; additionalContext: string };
    };
    expect(out.hookSpecificOutput.hookEventName).toBe('BeforeAgent');
    expect(out.hookSpecificOutput.additionalContext).toContain(
      `fragd message #${sent.body.message.id} from human (SESSION-001): “the docs moved to docs/v2”`,
    );
    await gemini.send('AfterAgent', tick());
  });
});

describe('handoff', () => {
  it('releases the claim, holds the task for the receiver, whose next offers it first with the note', async () => {
    expect((await d.json(['task', 'activate', 'T-2'])).code).toBe(0);
    const r = await d.json(['handoff', '--to', 'bob', '--note', 'signup form done; the e-mail check is left']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.body).toMatchObject({ task: { code: 'T-2' }, to: 'bob', message: { kind: 'handoff', task: 'T-2' } });
    // The human's stack let go of it and its claim ended as handed over.
    const stack = (await d.json(['status'])).body.session.stack as { type: string }[];
    expect(stack.map((f) => f.type)).not.toContain('task');
    expect(
      db<{ release_reason: string }>(
        "SELECT release_reason FROM claims c JOIN tasks t ON t.id = c.task_id WHERE t.code = 'T-2' AND c.actor = 'human'",
      ).map((c) => c.release_reason),
    ).toEqual(['handed_over']);

    // Held for bob: carol's next leaves it and says why; her activation is refused.
    const carols = await d.json(['next', '--session', carol]);
    expect(carols.body.task?.code).not.toBe('T-2');
    expect(carols.body.waiting).toContainEqual({ code: 'T-2', reason: 'handed over to bob by human' });
    const refused = await d.json(['task', 'activate', 'T-2', '--session', carol]);
    expect(refused.code).toBe(5);
    expect(refused.body.error.data).toMatchObject({
      error: 'task_claimed',
      holder: { actor: 'bob' },
      handed_over_by: 'human',
    });

    // bob's next offers it first (T-1 comes before it in plan order), saying by whom and with the note.
    const offered = await d.json(['next', '--session', bob]);
    expect(offered.body.task.code).toBe('T-2');
    expect(offered.body.why).toContain(
      'T-2 was handed over to bob by human with the note “signup form done; the e-mail check is left”',
    );
    expect((await d.json(['inbox', '--session', bob, '--unread'])).body.messages).toEqual([
      expect.objectContaining({ kind: 'handoff', task: 'T-2', text: 'signup form done; the e-mail check is left' }),
    ]);
    const taken = await d.json(['next', '--activate', '--session', bob]);
    expect(taken.body).toMatchObject({ activated: true, task: { code: 'T-2' } });
    expect(db<{ close_reason: string }>('SELECT close_reason FROM handoffs').map((h) => h.close_reason)).toEqual([
      'taken',
    ]);
  });

  it('only the holder hands a task over; a handoff to an agent reaches its context', async () => {
    const notYours = await d.json(['handoff', 'T-2', '--to', 'carol', '--note', 'mine now']);
    expect(notYours.code).toBe(5);
    expect(notYours.body.error.data).toMatchObject({ error: 'task_claimed', holder: { actor: 'bob' } });

    const r = await d.json(['handoff', '--session', bob, '--to', 'claude', '--note', 'over to you: the e-mail check']);
    expect(r.code, r.stderr).toBe(0);
    const context = contextOf((await claude.send('UserPromptSubmit', tick())).stdout);
    expect(context).toContain('bob');
    expect(context).toContain('handed T-2 over to you with the note “over to you: the e-mail check”');
    expect(context).toMatch(/fragctl task activate T-2 --session SESSION-\d+/);
    await claude.send('Stop', tick());
  });
});
