// `task show` answers with a task's latest updates, not all of them: a task worked on for
// months gathers thousands, and an answer holding every one would grow without bound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FragClient } from '../../client/lib/client.js';
import { startDaemon, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
let c: FragClient;
beforeAll(async () => {
  d = await startDaemon();
  c = await d.client();
  await c.call('task.create', { code: 'LONG', title: 'a long task' });
  await c.call('task.create', { code: 'LONG-1', title: 'its subtask', parent: 'LONG' });
  await c.call('session.start', {});
  await c.call('task.activate', { code: 'LONG' });
  for (let i = 1; i <= 55; i++) await c.call('activity.update', { message: `step ${i} of the long task done` });
  await c.call('context.push', { type: 'subtask', code: 'LONG-1' });
  await c.call('activity.note', { message: 'a note filed under the subtask' });
});
afterAll(async () => {
  c?.close();
  await d?.dispose();
});

describe('task show', () => {
  it('answers with the latest 50 updates and notes, oldest first, and says older ones exist', async () => {
    const r = await c.call('task.show', { code: 'LONG' });
    expect(r.updates).toHaveLength(50);
    expect(r.older_updates).toBe(true);
    expect(r.updates[0].message).toBe('step 7 of the long task done');
    expect(r.updates.at(-1)!.message).toBe('a note filed under the subtask');
    expect(r.task.updates).toBe(55);
  });

  it('shows more on request, up to all of them', async () => {
    const r = await c.call('task.show', { code: 'LONG', updates_limit: 1000 });
    expect(r.updates).toHaveLength(56);
    expect(r.older_updates).toBe(false);
    expect(r.updates.map((u) => u.message).slice(0, 2)).toEqual([
      'step 1 of the long task done',
      'step 2 of the long task done',
    ]);
    const sub = await c.call('task.show', { code: 'LONG-1' });
    expect(sub.updates.map((u) => u.message)).toEqual(['a note filed under the subtask']);
  });

  it('says so in fragctl, which takes --updates', async () => {
    const shown = await d.fragctl(['task', 'show', 'LONG']);
    expect(shown.stdout).toMatch(/updates \(the latest 50; --updates N shows more\):/);
    const all = await d.fragctl(['task', 'show', 'LONG', '--updates', '100']);
    expect(all.stdout).toMatch(/^updates:$/m);
    expect(all.stdout).toContain('step 1 of the long task done');
    const bad = await d.fragctl(['task', 'show', 'LONG', '--updates', '0']);
    expect(bad.code).toBe(2);
  });
});
