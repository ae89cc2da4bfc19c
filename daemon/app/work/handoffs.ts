// Handoffs as claims see them (docs/claims.md, "Messages and handoff"): a task handed over to
// an actor is held for that actor, as a claim would hold it, until the actor takes it, someone
// takes it over, or it is handed on. `next` offers it to its receiver first and leaves it to
// everyone else. The handoff itself (letting go, the note as a message) is app/messages/.
import type { Call } from '../app.js';

export interface HandoffRow {
  id: number;
  task_id: number;
  from_actor: string;
  from_session_id: number | null;
  to_actor: string;
  note: string;
  message_id: number | null;
  created_at: number;
  closed_at: number | null;
  close_reason: string | null;
}

/** The open handoff of a task, if any. */
export const openHandoff = (call: Call, taskId: number): HandoffRow | undefined =>
  call.app.sql.get<HandoffRow>(
    'SELECT * FROM handoffs WHERE task_id = ? AND closed_at IS NULL ORDER BY id DESC LIMIT 1',
    taskId,
  );

/**
 * Whether an open handoff still holds its task for the receiver: as long as a person's claim
 * holds without a sign of life (claim_stale_seconds). After that anyone may take it, and the
 * receiver's next still offers it first.
 */
export const handoffHolds = (call: Call, h: HandoffRow): boolean =>
  call.now - h.created_at < call.app.config.claim_stale_seconds * 1000;

/** Open handoffs to `actor`, oldest first: the tasks its next offers before any other. */
export const handoffsTo = (call: Call, actor: string): HandoffRow[] =>
  call.app.sql.all<HandoffRow>('SELECT * FROM handoffs WHERE to_actor = ? AND closed_at IS NULL ORDER BY id', actor);

/** Task ids held for an actor other than `actor` by a handoff that still holds. */
export function heldForOthers(call: Call, actor: string | null): Map<number, HandoffRow> {
  const out = new Map<number, HandoffRow>();
  const open = call.app.sql.all<HandoffRow>(
    `SELECT h.* FROM handoffs h JOIN tasks t ON t.id = h.task_id
      WHERE h.closed_at IS NULL AND t.status NOT IN ('completed','cancelled')`,
  );
  for (const h of open) if (h.to_actor !== actor && handoffHolds(call, h)) out.set(h.task_id, h);
  return out;
}

/** Closes a task's open handoffs (taken by its receiver, taken over, handed on, the task closed). */
export function closeHandoffs(call: Call, taskId: number, reason: string): number {
  return call.app.sql.run(
    'UPDATE handoffs SET closed_at = ?, close_reason = ? WHERE task_id = ? AND closed_at IS NULL',
    call.now,
    reason,
    taskId,
  ).changes;
}

/** "handed over to bob by alice" for a waiting list. */
export const handoffReason = (h: HandoffRow): string => `handed over to ${h.to_actor} by ${h.from_actor}`;
