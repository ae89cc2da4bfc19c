// What a task or sprint has used: all its tracked time (every session and actor, and the
// team's machines with sync) and its agents' tokens with their cost. The one source for
// task show, budgets and estimate-vs-actual, so they always agree.
import type { Spend } from '../../../shared/protocol/costs.js';
import type { Call } from '../app.js';
import { pricedWhere } from '../token-costs.js';
import { taskTrackedMs } from '../time/reports.js';

const TASK_AND_SUBTASKS = 'task_id IN (SELECT ?1 UNION ALL SELECT id FROM tasks WHERE parent_id = ?1)';

export function taskSpend(call: Call, taskId: number): Spend {
  const p = pricedWhere(call.app, TASK_AND_SUBTASKS, taskId);
  return { seconds: Math.round(taskTrackedMs(call, taskId, call.now) / 1000), ...p };
}

/** A sprint: the sum over its tasks (and their subtasks) of time and tokens. */
export function sprintSpend(call: Call, sprintId: number): Spend {
  const { sql } = call.app;
  const ids = sql.all<{ id: number }>('SELECT id FROM tasks WHERE sprint_id = ? AND parent_id IS NULL', sprintId);
  const seconds = ids.reduce((a, t) => a + Math.round(taskTrackedMs(call, t.id, call.now) / 1000), 0);
  const p = pricedWhere(
    call.app,
    'task_id IN (SELECT id FROM tasks WHERE sprint_id = ?1 UNION SELECT id FROM tasks WHERE parent_id IN (SELECT id FROM tasks WHERE sprint_id = ?1))',
    sprintId,
  );
  return { seconds, ...p };
}
