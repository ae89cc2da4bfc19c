import { describe, expect, it } from 'vitest';
import { popFrom, replaceWith, workFrame } from '../../daemon/app/sessions/stack.js';
import type { StoredFrame } from '../../daemon/app/rows.js';

const f = (type: StoredFrame['type'], id: number, at = 0): StoredFrame => ({
  type,
  id,
  code: `${type}-${id}`,
  title: '',
  pushed_at: at,
});

describe('context stack', () => {
  it('pushes a whole lineage onto an empty stack', () => {
    const { stack, changes } = replaceWith([], [f('project', 1), f('sprint', 1), f('task', 1)]);
    expect(stack.map((x) => x.code)).toEqual(['project-1', 'sprint-1', 'task-1']);
    expect(changes.map((c) => c.action)).toEqual(['push', 'push', 'push']);
  });

  it('switching task keeps the frames that stay, with their push time', () => {
    const before = [f('project', 1, 5), f('sprint', 1, 5), f('task', 1, 5)];
    const { stack, changes } = replaceWith(before, [f('project', 1, 9), f('sprint', 1, 9), f('task', 2, 9)]);
    expect(stack.map((x) => x.pushed_at)).toEqual([5, 5, 9]);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ action: 'switch', frame: { code: 'task-2' }, left: { code: 'task-1' } });
  });

  it('activating a sprint drops the task of the old sprint', () => {
    const { stack, changes } = replaceWith(
      [f('project', 1), f('sprint', 1), f('task', 1)],
      [f('project', 1), f('sprint', 2)],
    );
    expect(stack.map((x) => x.code)).toEqual(['project-1', 'sprint-2']);
    expect(changes.map((c) => `${c.action}:${c.frame.code}`).sort()).toEqual(['pop:task-1', 'switch:sprint-2']);
  });

  it('pops the top, or a type and all above it', () => {
    const s = [f('project', 1), f('sprint', 1), f('task', 1), f('subtask', 2)];
    expect(popFrom(s).stack.map((x) => x.type)).toEqual(['project', 'sprint', 'task']);
    const bySprint = popFrom(s, 'sprint');
    expect(bySprint.stack.map((x) => x.type)).toEqual(['project']);
    expect(bySprint.removed.map((x) => x.type)).toEqual(['subtask', 'task', 'sprint']);
    expect(popFrom([], 'task').removed).toEqual([]);
    expect(popFrom([f('project', 1)], 'task').removed).toEqual([]);
  });

  it('finds the deepest work frame', () => {
    expect(workFrame([f('project', 1), f('task', 3), f('subtask', 4)])?.id).toBe(4);
    expect(workFrame([f('project', 1), f('task', 3)])?.id).toBe(3);
    expect(workFrame([f('project', 1)])).toBeUndefined();
  });
});
