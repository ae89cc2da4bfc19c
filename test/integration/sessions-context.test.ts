// Session switching and abandoning, and the context commands one by one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
  await d.json(['project', 'create', 'P', 'Project']);
  await d.json(['project', 'create', 'Q', 'Other project']);
  await d.json(['sprint', 'create', '1', 'One', '--project', 'P']);
  await d.json(['sprint', 'create', '2', 'Two', '--project', 'P']);
  await d.json(['task', 'create', 'A', 'task a', '--sprint', '1', '--estimate', '30']);
  await d.json(['task', 'create', 'B', 'task b', '--sprint', '2']);
  await d.json(['task', 'create', 'A1', 'sub a', '--parent', 'A']);
});
afterAll(() => d.dispose());

describe('sessions', () => {
  it('switch pauses the active session and resumes the other; abandon closes without completing', async () => {
    const first = (await d.json(['session', 'start'])).body.session.key;
    await d.json(['session', 'pause', '--reason', 'meeting']);
    const again = await d.json(['session', 'pause']);
    expect(again.code).toBe(5);
    expect(again.body.error.data.hint).toContain(`fragctl session resume ${first}`);
    const second = (await d.json(['session', 'start', '--new', '--type', 'review'])).body.session.key;
    const sw = await d.json(['session', 'switch', first]);
    expect(sw.body.session).toMatchObject({ key: first, status: 'active' });
    expect(sw.body.paused).toBe(second);
    const listed = await d.json(['session', 'list', '--status', 'paused']);
    expect(listed.body.sessions.map((s: { key: string }) => s.key)).toEqual([second]);
    const ab = await d.json(['session', 'abandon', '--session', second, '--reason', 'duplicate']);
    expect(ab.body.session.status).toBe('abandoned');
    const late = await d.json(['update', 'too late', '--session', second]);
    expect(late.code).toBe(5);
    expect(late.body.error.message).toMatch(/is abandoned/);
    await d.json(['session', 'end']);
  });

  it('keeps agents and people apart: one active session per actor', async () => {
    const human = await d.json(['session', 'start', '--new']);
    const agent = await d.json(['session', 'start', '--new', '--actor', 'claude']);
    expect(agent.code).toBe(0);
    expect(agent.body.session.actor).toBe('claude');
    const status = await d.json(['status', '--actor', 'claude']);
    expect(status.body.session.key).toBe(agent.body.session.key);
    expect((await d.json(['status'])).body.session.key).toBe(human.body.session.key);
    await d.json(['session', 'end', '--actor', 'claude']);
    await d.json(['session', 'end']);
  });
});

describe('context commands', () => {
  it('push, show, pop by type, clear; sprint numbers; subtasks bring their parent', async () => {
    await d.json(['session', 'start', '--new']);
    const sprint = await d.json(['sprint', 'activate', '1']);
    expect(sprint.body.stack.map((f: { code: string }) => f.code)).toEqual(['P', 'SPRINT-1']);
    expect(sprint.body.sprint.status).toBe('active');
    const sub = await d.json(['context', 'push', 'subtask', 'A1']);
    expect(sub.body.stack.map((f: { code: string }) => f.code)).toEqual(['P', 'SPRINT-1', 'A', 'A1']);
    const notSub = await d.json(['context', 'push', 'subtask', 'B']);
    expect(notSub.code).toBe(5);
    expect(notSub.body.error.message).toMatch(/B is not a subtask/);
    const show = await d.json(['context', 'show', '--type', 'sprint']);
    expect(show.body.current.code).toBe('SPRINT-1');
    expect((await d.json(['context', 'show'])).body.count).toBe(4);
    // Another sprint's task switches sprint and task, keeps the project.
    const b = await d.json(['task', 'activate', 'B']);
    expect(b.body.stack.map((f: { code: string }) => f.code)).toEqual(['P', 'SPRINT-2', 'B']);
    const pop = await d.json(['context', 'pop', 'sprint']);
    expect(pop.body.stack.map((f: { code: string }) => f.code)).toEqual(['P']);
    const projectQ = await d.json(['context', 'push', 'project', 'Q']);
    expect(projectQ.body.stack.map((f: { code: string }) => f.code)).toEqual(['Q']);
    const cleared = await d.json(['context', 'clear']);
    expect(cleared.body.stack).toEqual([]);
    const empty = await d.json(['context', 'pop']);
    expect(empty.code).toBe(5);
    expect(empty.body.error.message).toMatch(/stack of SESSION-\d+ is empty/);
    const hist = await d.json(['session', 'history']);
    const actions = hist.body.context.map((h: { action: string; code: string }) => `${h.action}:${h.code}`);
    expect(actions).toContain('switch:SPRINT-2');
    expect(actions).toContain('switch:B');
    expect(actions).toContain('pop:A1');
    await d.json(['session', 'end']);
  });

  it('refuses to activate a completed task and says how to reopen it', async () => {
    await d.json(['task', 'edit', 'B', '--status', 'completed', '--force']);
    await d.json(['session', 'start', '--new']);
    const r = await d.json(['task', 'activate', 'B']);
    expect(r.code).toBe(5);
    expect(r.body.error.message).toContain('fragctl task edit B --status todo');
    await d.json(['session', 'end']);
  });

  it('a task completed in one session leaves the stacks of the others', async () => {
    await d.json(['task', 'create', 'SHARED', 'worked on by two', '--sprint', '1']);
    const human = (await d.json(['session', 'start', '--new'])).body.session.key;
    await d.json(['task', 'activate', 'SHARED']);
    const agent = (await d.json(['session', 'start', '--new', '--actor', 'bot'])).body.session.key;
    await d.json(['task', 'activate', 'SHARED', '--actor', 'bot']);
    const done = await d.json([
      'task',
      'complete',
      'SHARED',
      '--actor',
      'bot',
      '--summary',
      'finished by the agent, tests pass',
      '--force',
    ]);
    expect(done.code).toBe(0);
    const st = await d.json(['status', '--session', human]);
    expect(st.body.session.stack.map((f: { code: string }) => f.code)).toEqual(['P', 'SPRINT-1']);
    const hist = await d.json(['session', 'history', '--session', human]);
    expect(hist.body.context.map((h: { action: string; code: string }) => `${h.action}:${h.code}`)).toContain(
      'pop:SHARED',
    );
    await d.json(['session', 'end', '--session', agent]);
    await d.json(['session', 'end', '--session', human]);
  });

  it('prints a completion script', async () => {
    const r = await d.fragctl(['completion']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fragctl/);
    expect(r.stdout).toMatch(/complete/);
  });
});
