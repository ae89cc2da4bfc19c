// Error codes of the protocol. Standard JSON-RPC codes plus named application codes in
// -32000..-32099. Every error carries `data.error` (a stable name an agent can switch
// on) and, where there is one, `data.hint` (what to do next).

export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  NoActiveSession: -32001,
  NotFound: -32002,
  InvalidState: -32003,
  ValidationFailed: -32004,
  VersionMismatch: -32005,
  Conflict: -32006,
  FrameTooLarge: -32007,
  StorageUnavailable: -32008,
  Unauthorized: -32009,
} as const;

export type ErrorName =
  | 'parse_error'
  | 'invalid_request'
  | 'method_not_found'
  | 'invalid_params'
  | 'internal_error'
  | 'no_active_session'
  | 'not_found'
  | 'invalid_state'
  | 'validation_failed'
  | 'version_mismatch'
  | 'conflict'
  | 'frame_too_large'
  | 'storage_unavailable'
  | 'unauthorized'
  /** Client side: no answer within the call timeout. */
  | 'timeout';

export const errorNameByCode: Record<number, ErrorName> = {
  [-32700]: 'parse_error',
  [-32600]: 'invalid_request',
  [-32601]: 'method_not_found',
  [-32602]: 'invalid_params',
  [-32603]: 'internal_error',
  [-32001]: 'no_active_session',
  [-32002]: 'not_found',
  [-32003]: 'invalid_state',
  [-32004]: 'validation_failed',
  [-32005]: 'version_mismatch',
  [-32006]: 'conflict',
  [-32007]: 'frame_too_large',
  [-32008]: 'storage_unavailable',
  [-32009]: 'unauthorized',
};

export interface ErrorData {
  error: ErrorName;
  hint?: string;
  [key: string]: unknown;
}

/** An error a handler raises on purpose; the envelope turns it into a JSON-RPC error. */
export class FragError extends Error {
  readonly code: number;
  readonly data: ErrorData;
  constructor(code: number, message: string, data: Omit<ErrorData, 'error'> = {}) {
    super(message);
    this.code = code;
    this.data = { error: errorNameByCode[code] ?? 'internal_error', ...data };
  }
}

export const notFound = (what: string, code: string, hint?: string) =>
  new FragError(ErrorCode.NotFound, `${what} ${code} not found`, { what, code, hint });

export const invalidState = (message: string, data: Omit<ErrorData, 'error'> = {}) =>
  new FragError(ErrorCode.InvalidState, message, data);
