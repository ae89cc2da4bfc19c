// Calls that arrive together commit together, and plain logs in one batch share the
// instructions they compute (daemon/app/batch-memo.ts). A write that changes what those
// instructions read (an update counts towards the task's gate) must be seen by the logs
// after it in the same batch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawPeer, startDaemon, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
let key: string;
beforeAll(async () => {
  d = await startDaemon();
  const c = await d.client();
  await c.call('project.create', { code: 'P', title: 'project' });
  await c.call('sprint.create', { code: '1', title: 'sprint', project: 'P' });
  await c.call('task.create', { code: 'T-1', title: 'the task', sprint: '1' });
  key = ((await c.call('session.start', { actor: 'agent-a' })) as { session: { key: string } }).session.key;
  await c.call('task.activate', { session: key, code: 'T-1' });
  c.close();
});
afterAll(() => d.dispose());

/** The update templates the answer still asks for (one per update the gate wants). */
const updatesAsked = (answer: { result: { instructions: { templates?: { template: string[] }[] } } }): number =>
  (answer.result.instructions.templates ?? []).filter((t) => t.template[1] === 'update').length;

describe('one batch of calls', () => {
  it('gives each log the instructions of the state it ran in, an update included', async () => {
    const peer = await RawPeer.open(d.paths.socket);
    const status = async () =>
      (
        (await peer.request({ jsonrpc: '2.0', id: 'st', method: 'daemon.status', params: {} })) as {
          result: { commits: { batches: number; calls: number } };
        }
      ).result.commits;
    const before = await status();
    const frame = (id: number, method: string, message: string) =>
      JSON.stringify({ jsonrpc: '2.0', id, method, params: { session: key, message } });
    // One write: the daemon reads the five frames in one turn and commits them together.
    peer.write(
      [
        frame(1, 'activity.log', 'first log'),
        frame(2, 'activity.log', 'second log'),
        frame(3, 'activity.update', 'wrote the parser for the new frames, tests next'),
        frame(4, 'activity.log', 'third log'),
        frame(5, 'activity.log', 'fourth log'),
      ].join('\n') + '\n',
    );
    const answers = new Map<number, any>();
    for (let i = 0; i < 5; i++) {
      const a = await peer.next();
      answers.set(a.id, a);
    }
    const after = await status();
    peer.close();
    expect([...answers.values()].every((a) => a.result)).toBe(true);
    // The five calls were one group commit, so the memo was in play.
    expect(after.batches - before.batches).toBe(1);
    expect(after.calls - before.calls).toBe(5);
    const asked = [1, 2, 4, 5].map((id) => updatesAsked(answers.get(id)));
    // Before the update the gate wants one more than after it; the logs after the update say so.
    expect(asked[0]).toBeGreaterThan(asked[2]);
    expect(asked).toEqual([asked[0], asked[0], asked[0] - 1, asked[0] - 1]);
    // Each answer has its own copy: the arrays are equal, not shared.
    expect(answers.get(1).result.instructions).toEqual(answers.get(2).result.instructions);
    expect(answers.get(1).result.activity.message).toBe('first log');
    expect(answers.get(2).result.activity.message).toBe('second log');
  });
});
