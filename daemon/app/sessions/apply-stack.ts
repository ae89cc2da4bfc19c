// Writing a session's new stack: the history rows of what changed, the denormalised
// active project/sprint/task, the intervals retimed to the new top task, and the activity
// and event that say so. Every layer that changes a stack (context, completion) ends here.
import { iso } from '../../clock.js';
import type { Call } from '../app.js';
import { recordActivity } from '../activities.js';
import type { SessionRow, StoredFrame } from '../rows.js';
import { activeMsOn, retime } from '../time/intervals.js';
import { frameView } from '../views.js';
import type { ContextType } from '../../../shared/protocol/views.js';
import type { StackChange } from './stack.js';

const column = { project: 'project_id', sprint: 'sprint_id', task: 'task_id', subtask: 'task_id' } as const;

/** Writes a new stack: history rows, denormalised active ids, time intervals, activity, event. */
export function applyStack(call: Call, s: SessionRow, next: StoredFrame[], changes: StackChange[]): SessionRow {
  const { sql } = call.app;
  if (changes.length === 0) return s;
  const find = (t: ContextType) => next.find((f) => f.type === t)?.id ?? null;
  const spent = (f: StoredFrame) =>
    Math.round(activeMsOn(sql, s.id, column[f.type], f.id, f.pushed_at, call.now) / 1000);
  for (const c of changes) {
    sql.run(
      'INSERT INTO context_history (session_id, action, type, code, ref_id, stack, seconds_spent, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      s.id,
      c.action,
      c.frame.type,
      c.frame.code,
      c.frame.id,
      JSON.stringify(next.map(frameView)),
      c.left ? spent(c.left) : null,
      call.now,
    );
  }
  const written = {
    stack: JSON.stringify(next),
    active_project_id: find('project'),
    active_sprint_id: find('sprint'),
    active_task_id: find('subtask') ?? find('task'),
  };
  sql.run(
    'UPDATE sessions SET stack = ?, active_project_id = ?, active_sprint_id = ?, active_task_id = ? WHERE id = ?',
    written.stack,
    written.active_project_id,
    written.active_sprint_id,
    written.active_task_id,
    s.id,
  );
  const updated = Object.assign(s, written);
  retime(sql, updated, call.now);
  const describe = changes
    .map((c) => (c.action === 'switch' ? `switch ${c.left!.code} → ${c.frame.code}` : `${c.action} ${c.frame.code}`))
    .join(', ');
  recordActivity(call, updated, {
    kind: 'context.change',
    message: describe,
    data: {
      changes: changes.map((c) => ({ action: c.action, type: c.frame.type, code: c.frame.code, from: c.left?.code })),
    },
  });
  call.events.push({
    type: 'context.changed',
    session: s.key,
    at: iso(call.now),
    data: { stack: next.map((f) => f.code) },
  });
  return updated;
}
