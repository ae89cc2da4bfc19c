// The context stack as pure data: project → sprint → task → subtask. A stack is always
// a consistent lineage, so activating a task brings its sprint and project with it and
// nobody repeats IDs.
import type { ContextType } from '../../../shared/protocol/views.js';
import type { StoredFrame } from '../rows.js';

export const RANK: Record<ContextType, number> = { project: 0, sprint: 1, task: 2, subtask: 3 };

export interface StackChange {
  action: 'push' | 'pop' | 'switch';
  frame: StoredFrame;
  /** For pop and switch: the frame that left the stack. */
  left?: StoredFrame;
}

/** Replaces the stack by `lineage`, keeping pushed_at of frames that stay. */
export function replaceWith(
  stack: StoredFrame[],
  lineage: StoredFrame[],
): { stack: StoredFrame[]; changes: StackChange[] } {
  const next = lineage.map((f) => stack.find((o) => o.type === f.type && o.id === f.id) ?? f);
  const changes: StackChange[] = [];
  for (const old of stack) {
    if (next.some((f) => f.type === old.type && f.id === old.id)) continue;
    const replacement = next.find((f) => f.type === old.type);
    changes.push(
      replacement ? { action: 'switch', frame: replacement, left: old } : { action: 'pop', frame: old, left: old },
    );
  }
  for (const f of next) {
    const existed = stack.some((o) => o.type === f.type && o.id === f.id);
    const switched = changes.some((c) => c.action === 'switch' && c.frame === f);
    if (!existed && !switched) changes.push({ action: 'push', frame: f });
  }
  return { stack: [...next].sort((a, b) => RANK[a.type] - RANK[b.type]), changes };
}

/** Removes the top frame, or the frame of `type` and everything above it. */
export function popFrom(stack: StoredFrame[], type?: ContextType): { stack: StoredFrame[]; removed: StoredFrame[] } {
  if (stack.length === 0) return { stack, removed: [] };
  const cut = type === undefined ? stack.length - 1 : stack.findIndex((f) => f.type === type);
  if (cut === -1) return { stack, removed: [] };
  return { stack: stack.slice(0, cut), removed: stack.slice(cut).reverse() };
}

/** The deepest task-like frame: the subtask if there is one, else the task. */
export const workFrame = (stack: StoredFrame[]): StoredFrame | undefined =>
  stack.find((f) => f.type === 'subtask') ?? stack.find((f) => f.type === 'task');
