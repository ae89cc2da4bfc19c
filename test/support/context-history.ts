// Checks for concurrency tests on one session's context stack: which context.pop refusal
// is expected, and a replay of session.history's context rows from an empty stack.
import { expect } from 'vitest';
import { RpcError } from '../../client/lib/client.js';
import { ErrorCode } from '../../shared/errors.js';
import type { ContextHistoryView, ContextType } from '../../shared/protocol/views.js';

/** The one refusal a racing context.pop may get: another client emptied the stack first. */
export function isEmptyStackRefusal(err: unknown): boolean {
  return (
    err instanceof RpcError &&
    err.code === ErrorCode.InvalidState &&
    /^the context stack of SESSION-\d+ is empty$/.test(err.message)
  );
}

const RANK: Record<ContextType, number> = { project: 0, sprint: 1, task: 2, subtask: 3 };

export interface ReplayedFrame {
  type: ContextType;
  code: string;
}

const frames = (stack: { type: ContextType; code: string }[]): ReplayedFrame[] =>
  stack.map(({ type, code }) => ({ type, code }));

/**
 * Applies each history row (push, pop, switch) to a stack kept here, starting from [],
 * and compares it with the rows' recorded stack. One operation writes several rows (a
 * task push brings its sprint and project) that all record the stack after the whole
 * operation, and every operation changes the stack; so the snapshot is compared when the
 * next row records a different one, i.e. after the operation's last row.
 */
export function replayContextHistory(rows: ContextHistoryView[]): ReplayedFrame[] {
  let stack: ReplayedFrame[] = [];
  rows.forEach((row, i) => {
    const where = `context history row ${row.id} (${row.action} ${row.type} ${row.code}) on [${stack.map((f) => f.code).join(', ')}]`;
    const at = stack.findIndex((f) => f.type === row.type);
    if (row.action === 'push') {
      expect(at, `${where}: a ${row.type} is already on the stack`).toBe(-1);
      stack = [...stack, { type: row.type, code: row.code }].sort((a, b) => RANK[a.type] - RANK[b.type]);
    } else if (row.action === 'pop') {
      expect(stack[at]?.code, `${where}: pops what is not on the stack`).toBe(row.code);
      stack = stack.filter((_, j) => j !== at);
    } else {
      expect(at, `${where}: switches away from a ${row.type} that is not on the stack`).not.toBe(-1);
      expect(stack[at].code, `${where}: switches to what is already there`).not.toBe(row.code);
      stack = stack.map((f, j) => (j === at ? { type: row.type, code: row.code } : f));
    }
    const next = rows[i + 1];
    if (!next || JSON.stringify(frames(next.stack)) !== JSON.stringify(frames(row.stack))) {
      expect(stack, `${where}: the replayed stack differs from the recorded one`).toEqual(frames(row.stack));
    }
  });
  return stack;
}
