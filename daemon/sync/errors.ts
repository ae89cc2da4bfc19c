// The refusals of claims across machines, shared by the syncer (which asks the team store)
// and the one claim function (which checks what the team store said).
import { ErrorCode, FragError } from '../../shared/errors.js';
import { fragctl } from '../../shared/command.js';

/** The refusal of a claim another machine holds: the same error as a local holder's (task_claimed). */
export function heldElsewhere(
  task: string,
  holder: { machine: string; actor: string; session: string | null; since: string },
): FragError {
  return new FragError(
    ErrorCode.TaskClaimed,
    `${task} is held by ${holder.actor} on machine ${holder.machine} since ${holder.since}`,
    {
      task,
      holder,
      ways_out: ['next', 'take_over'],
      hint: `take another task with: ${fragctl('next')}; or take it from ${holder.machine} with --take-over (recorded in the team store; that machine sees it in its sync status)`,
    },
  );
}

/** An activation that reached the claim function without a grant in hand (the safety net). */
export function notGranted(task: string): FragError {
  return new FragError(
    ErrorCode.StorageUnavailable,
    `${task} was not activated: with team sync on, the team store (PostgreSQL) grants every claim first, and it has not granted this one (it did not answer, or was not asked)`,
    {
      error: 'storage_unavailable',
      store: 'team',
      task,
      hint: `try again; ${fragctl('sync', 'status')} shows whether the team store answers`,
    },
  );
}

/** The offline rule: with sync on only the team store grants claims, so none is granted while it does not answer. */
export function teamStoreUnreachable(task: string, message: string): FragError {
  return new FragError(
    ErrorCode.StorageUnavailable,
    `cannot claim ${task}: the team store (PostgreSQL) does not answer (${message}). With sync on, only the team store grants claims, so the task was not activated and nothing changed; try again when it answers`,
    {
      error: 'storage_unavailable',
      store: 'team',
      task,
      hint: `${fragctl('sync', 'status')} shows the last error and when the store last answered`,
    },
  );
}

/**
 * The team store has the task completed or cancelled (on `machine`, perhaps not pulled here
 * yet): it is never claimed again, so no two machines do it twice. Reopening it is the way back.
 */
export function closedElsewhere(task: string, machine: string): FragError {
  return new FragError(
    ErrorCode.InvalidState,
    `${task} is already completed or cancelled in the team store (closed by machine ${machine}); it cannot be claimed again`,
    {
      error: 'invalid_state',
      task,
      closed_by: machine,
      hint: `take another task with: ${fragctl('next')}; or, if it must be worked on again, reopen it with: ${fragctl('task', 'edit', task, '--status', 'in_progress')}`,
    },
  );
}
