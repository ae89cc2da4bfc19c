// JSON-RPC error code → HTTP status, so plain HTTP clients can branch on the status line
// while the JSON-RPC error object (message, data.error, data.hint) stays in the body.
import { ErrorCode } from '../../shared/errors.js';

const statusByCode: Record<number, number> = {
  [ErrorCode.ParseError]: 400,
  [ErrorCode.InvalidRequest]: 400,
  [ErrorCode.MethodNotFound]: 404,
  [ErrorCode.InvalidParams]: 400,
  [ErrorCode.InternalError]: 500,
  // The session named (or the actor's current one) is not there to act on: a state
  // problem of the caller, not a missing URL.
  [ErrorCode.NoActiveSession]: 409,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.InvalidState]: 409,
  [ErrorCode.ValidationFailed]: 422,
  [ErrorCode.VersionMismatch]: 400,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.FrameTooLarge]: 413,
  [ErrorCode.StorageUnavailable]: 503,
  [ErrorCode.Unauthorized]: 401,
};

export function httpStatusFor(code: number): number {
  return statusByCode[code] ?? (code >= -32099 && code <= -32000 ? 400 : 500);
}
