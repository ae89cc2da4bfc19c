// `fragctl next --activate` tells an agent's loop what to do by its exit code
// (docs/claims.md): 0 working on a task, 8 nothing ready yet (try again), 9 nothing left
// (stop). A plain `next` is a question and exits 0 whatever it answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
beforeAll(async () => {
  d = await startDaemon();
  await d.json(['task', 'create', 'N-1', 'the first step']);
  await d.json(['task', 'create', 'N-2', 'the second step', '--depends-on', 'N-1']);
});
afterAll(() => d?.dispose());

const as = (actor: string) => ({ env: { FRAGMENTS_ACTOR: actor } });

async function finish(actor: string, code: string) {
  await d.json(['update', `${actor} looked into ${code} closely`], as(actor));
  await d.json(['update', `${actor} made the change for ${code}`], as(actor));
  const r = await d.json(['done', `${actor} finished ${code}, tests pass`], as(actor));
  expect(r.code, JSON.stringify(r.body)).toBe(0);
}

describe('next --activate exit codes', () => {
  it('0 with a task, 8 while open tasks wait, 9 when nothing is left; plain next exits 0', async () => {
    await d.json(['session', 'start'], as('one'));
    await d.json(['session', 'start'], as('two'));
    const took = await d.json(['next', '--activate'], as('one'));
    expect(took.code).toBe(0);
    expect(took.body.task.code).toBe('N-1');

    // N-1 is held by one, N-2 waits for it: nothing ready for two yet.
    const wait = await d.json(['next', '--activate'], as('two'));
    expect(wait.code).toBe(8);
    expect(wait.body.task).toBeNull();
    expect(wait.body.waiting.map((w: { code: string }) => w.code).sort()).toEqual(['N-1', 'N-2']);
    const waitText = await d.fragctl(['next', '--activate'], as('two'));
    expect(waitText.code).toBe(8);
    expect(waitText.stdout).toMatch(/^nothing is ready for you yet\nwhy: no task is ready for you: 2 open tasks wait/);
    // The question alone is answered with 0.
    expect((await d.fragctl(['next'], as('two'))).code).toBe(0);

    // The holder of N-1 waits too: N-2 waits for N-1.
    expect((await d.json(['next', '--activate'], as('one'))).code).toBe(8);
    await finish('one', 'N-1');
    const second = await d.json(['next', '--activate'], as('two'));
    expect(second.code).toBe(0);
    expect(second.body.task.code).toBe('N-2');
    // Only the caller's own task is open: nothing is left for it to take.
    const onlyTheirs = await d.json(['next', '--activate'], as('two'));
    expect(onlyTheirs.code).toBe(9);
    expect(onlyTheirs.body.why).toBe('no other open task is left (yours: N-2)');
    // Its instructions say the same (not "held by other actors").
    expect(onlyTheirs.body.instructions.next_actions.join('\n')).toMatch(/No other open task is left: create one with/);
    // N-2 is held by two: one waits for it.
    expect((await d.json(['next', '--activate'], as('one'))).code).toBe(8);

    await finish('two', 'N-2');
    for (const actor of ['one', 'two']) {
      const left = await d.json(['next', '--activate'], as(actor));
      expect(left.code).toBe(9);
      expect(left.body).toMatchObject({ task: null, waiting: [], activated: false, why: 'no open task is left' });
      const text = await d.fragctl(['next', '--activate'], as(actor));
      expect(text.code).toBe(9);
      expect(text.stdout).toMatch(/^nothing is left for you\n/);
      expect((await d.fragctl(['next'], as(actor))).code).toBe(0);
    }
  });
});
