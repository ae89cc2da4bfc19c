// task show with team sync on: before the (read-only) handler runs, the team store is asked
// for the other machines' time on the task and its subtasks, and for their latest updates
// and notes on them, so the answer is as fresh as the store rather than a heartbeat behind.
// Offline (or slower than the deadline) the handler answers from the local mirror, as before.
import type { App, Prepared } from '../app.js';
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import type { RemoteUpdate } from '../../sync/syncer.js';
import { DEFAULT_TASK_UPDATES } from '../work/items.js';

/** task show waits at most this for the team store before answering from the local mirror. */
export const TASK_SHOW_TEAM_DEADLINE_MS = 1500;

export type TaskShowParams = ParsedParamsOf<'task.show'> & {
  /** Set by the preparer (never by a caller: the params schema is strict): null when not asked or no answer. */
  team?: { updates: RemoteUpdate[] } | null;
};

export async function teamTaskShow(app: App, p: ParsedParamsOf<'task.show'>): Promise<Prepared<TaskShowParams> | void> {
  const syncer = app.syncer;
  if (!syncer) return;
  const task = app.sql.get<{ id: number; code: string }>('SELECT id, code FROM tasks WHERE code = ?', p.code);
  if (!task) return; // the handler refuses it with the usual not_found
  const codes = [
    task.code,
    ...app.sql.all<{ code: string }>('SELECT code FROM tasks WHERE parent_id = ?', task.id).map((t) => t.code),
  ];
  const updates = await syncer.taskElsewhere(
    codes,
    p.updates_limit ?? DEFAULT_TASK_UPDATES,
    TASK_SHOW_TEAM_DEADLINE_MS,
  );
  return { params: { ...p, team: updates && { updates } } };
}
