// fragctl's exit codes (documented in docs/errors.md, generated from this table).
import { ErrorCode } from '../../shared/errors.js';
import { CALL_TIMEOUT } from '../lib/rpc-client.js';

export const Exit = {
  ok: 0,
  failure: 1,
  usage: 2,
  unreachable: 3,
  notFound: 4,
  invalidState: 5,
  validation: 6,
  storage: 7,
  /** `next --activate` activated nothing, but open tasks wait (dependencies, other actors): try again later. */
  nothingReady: 8,
  /** `next --activate` activated nothing and nothing is left to wait for: the plan is done for this actor. */
  nothingLeft: 9,
  /** Ctrl-C or end of input at a prompt: nothing was changed (128 + SIGINT, as shells report it). */
  cancelled: 130,
} as const;

export function exitCodeForRpc(code: number): number {
  switch (code) {
    case ErrorCode.InvalidParams:
    case ErrorCode.InvalidRequest:
    case ErrorCode.MethodNotFound:
      return Exit.usage;
    case ErrorCode.NotFound:
    case ErrorCode.NoActiveSession:
      return Exit.notFound;
    case ErrorCode.InvalidState:
    case ErrorCode.Conflict:
    case ErrorCode.TaskClaimed:
    case ErrorCode.TaskBlocked:
    case ErrorCode.VersionMismatch:
      return Exit.invalidState;
    case ErrorCode.ValidationFailed:
      return Exit.validation;
    case ErrorCode.StorageUnavailable:
      return Exit.storage;
    case CALL_TIMEOUT:
      return Exit.unreachable;
    default:
      return Exit.failure;
  }
}
