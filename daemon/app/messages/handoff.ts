// `task.handoff` (docs/claims.md, "Messages and handoff"): the caller lets go of a task for
// another actor, with a note. Its claim ends (the task leaves its stack), the task is held for
// the receiver (work/handoffs.ts: others' next leaves it, the receiver's next offers it first),
// and the note goes to the receiver as a message, which reaches its agent's context at the
// next prompt (app/agents/message-delivery.ts, called by the handler).
import { ErrorCode, FragError, invalidState } from '../../../shared/errors.js';
import { fragctl } from '../../../shared/command.js';
import type { ParsedParamsOf } from '../../../shared/protocol/methods.js';
import { iso } from '../../clock.js';
import type { Call } from '../app.js';
import { recordActivity } from '../activities.js';
import { parseStack, type SessionRow, type TaskRow } from '../rows.js';
import { instructionsFor } from '../answers.js';
import { resolveOpenSession } from '../sessions/lookup.js';
import { popFrom, workFrame } from '../sessions/stack.js';
import { applyStack } from '../sessions/apply-stack.js';
import { findTask, taskById } from '../work/lookup.js';
import { liveHolder } from '../work/claims.js';
import { closeHandoffs } from '../work/handoffs.js';
import { taskView } from '../work/views.js';
import { messageView, resolveRecipients, storeMessage } from './messages.js';
import { releaseTaskReservations } from '../reservations/reservations.js';

/** The task a handoff is about: the code given (its top-level task), else the caller's active one. */
function taskToHand(call: Call, s: SessionRow, code: string | undefined): TaskRow {
  let task: TaskRow;
  if (code) task = findTask(call, code);
  else {
    const work = workFrame(parseStack(s));
    if (!work)
      throw invalidState(`no task is active in ${s.key}; name the task to hand over`, {
        session: s.key,
        hint: `${fragctl('handoff', 'CODE', '--to', 'ACTOR', '--note', 'NOTE')}`,
      });
    task = taskById(call, work.id);
  }
  return task.parent_id ? taskById(call, task.parent_id) : task;
}

export function handOver(call: Call, p: ParsedParamsOf<'task.handoff'>) {
  const { sql } = call.app;
  const s = resolveOpenSession(call, p);
  const task = taskToHand(call, s, p.code);
  if (task.status === 'completed' || task.status === 'cancelled')
    throw invalidState(`${task.code} is ${task.status}; there is nothing to hand over`, { task: task.code });
  const to = resolveRecipients(call, { actor: s.actor, session: s }, p.to).actors[0];
  const holder = liveHolder(call, task.id);
  if (holder && holder.session.actor !== s.actor)
    throw new FragError(
      ErrorCode.TaskClaimed,
      `${task.code} is held by ${holder.session.actor} (${holder.session.key}); only its holder can hand it over`,
      {
        task: task.code,
        holder: { actor: holder.session.actor, session: holder.session.key, since: iso(holder.claim.claimed_at) },
        hint: `send its holder a message instead: ${fragctl('send', `task:${task.code}`, 'TEXT')}`,
      },
    );

  // Let go: the task (and any subtask of it) leaves the caller's stack, which ends the claim.
  let from = s;
  const stack = parseStack(s);
  if (stack.some((f) => f.type === 'task' && f.id === task.id)) {
    const { stack: next, removed } = popFrom(stack, 'task');
    from = applyStack(
      call,
      s,
      next,
      removed.map((f) => ({ action: 'pop' as const, frame: f, left: f })),
    );
  }
  sql.run(
    "UPDATE claims SET released_at = ?, release_reason = 'handed_over' WHERE task_id = ? AND actor = ? AND released_at IS NULL",
    call.now,
    task.id,
    s.actor,
  );
  // The task's reservations go with it: they end here, and the receiver's activation of the
  // task reserves its paths again (docs/claims.md, "Messages and handoff").
  releaseTaskReservations(call, task.id, `handed over to ${to}`);

  closeHandoffs(call, task.id, `handed on to ${to}`);
  const message = storeMessage(call, {
    kind: 'handoff',
    from: { actor: s.actor, session: from },
    spec: to,
    actors: [to],
    taskId: task.id,
    text: p.note,
  });
  sql.run(
    'INSERT INTO handoffs (task_id, from_actor, from_session_id, to_actor, note, message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    task.id,
    s.actor,
    s.id,
    to,
    p.note,
    message.id,
    call.now,
  );
  const row = recordActivity(call, from, {
    kind: 'task.handoff',
    message: `handed ${task.code} over to ${to}`,
    data: { code: task.code, to, message: message.id },
  });
  sql.run('UPDATE activities SET task_id = ? WHERE id = ?', task.id, row.id);
  const own = instructionsFor(call, 'context_popped', from);
  return {
    task: taskView(sql, taskById(call, task.id)),
    to,
    message: messageView(call, message),
    instructions: {
      ...own,
      next_actions: [
        `${task.code} is held for ${to} now, with your note; its next offers it first. Your claim on it ended.`,
        ...own.next_actions,
      ],
    },
  };
}
