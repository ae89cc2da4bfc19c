// Every bound fragd keeps, in one place (docs/limits.md explains each, with measured
// figures). Whatever a client sends, memory stays bounded by these numbers, and no answer
// is larger than a client can read.
import { MAX_FRAME_BYTES } from './framing.js';

export { MAX_FRAME_BYTES };

/** Calls in one JSON-RPC batch; a longer batch is refused whole (-32600). */
export const MAX_BATCH_LENGTH = 100;

/**
 * Bytes of the answer one frame may cause (a call's answer, or a whole batch's): a client
 * reads frames of at most MAX_FRAME_BYTES, so nothing larger is ever sent.
 */
export const MAX_ANSWER_BYTES = MAX_FRAME_BYTES;

/** A connection stops being read while its unsent answers exceed this (resumed on drain). */
export const CONNECTION_BACKLOG_BYTES = 1024 * 1024;

/** Calls of one connection under way at once (writes waiting for their commit); more wait unread. */
export const MAX_CALLS_IN_FLIGHT = 64;

/** Unsent events of all subscribers together; past it the slowest subscriber is dropped. */
export const SUBSCRIBER_BUDGET_BYTES = 16 * 1024 * 1024;

/** Bytes of an unfinished frame each connection may hold without drawing on the shared budget. */
export const PARTIAL_FRAME_ALLOWANCE_BYTES = 64 * 1024;

/** Unfinished-frame bytes beyond each connection's allowance, all connections together. */
export const PARTIAL_FRAME_BUDGET_BYTES = 32 * 1024 * 1024;

/** A connection holding an unfinished frame longer than this is closed (config: limits.half_frame_seconds). */
export const HALF_FRAME_SECONDS = 10;

/** Unix-socket connections at once (config: limits.max_connections). */
export const MAX_SOCKET_CONNECTIONS = 512;
/**
 * A socket connection that has not sent one whole frame this long after connecting is
 * closed: every fragd client says daemon.hello at once, so only a stuck or hostile peer
 * waits, holding one of the connections above.
 */
export const SILENT_CONNECTION_SECONDS = 30;

/**
 * HTTP connections at once: the user's own, then those of other local users (the port is
 * reachable by them), each and together; how long a request's headers and whole body may
 * take, and how long another user's connection may sit idle.
 */
export const MAX_HTTP_CONNECTIONS = 64;
export const MAX_HTTP_CONNECTIONS_PER_OTHER_UID = 4;
export const MAX_HTTP_CONNECTIONS_ALL_OTHERS = 16;
export const HTTP_OTHER_UID_IDLE_MS = 5_000;
export const HTTP_HEADERS_TIMEOUT_MS = 10_000;
export const HTTP_REQUEST_TIMEOUT_MS = 30_000;

/** Free-form JSON (activity `data`, session `metadata`): serialized size and nesting depth. */
export const MAX_FREEFORM_BYTES = 64 * 1024;
export const MAX_FREEFORM_DEPTH = 32;

/** Target size of one page of a list or history (below MAX_ANSWER_BYTES, leaving room for the rest). */
export const PAGE_BYTES = 512 * 1024;

/** `data` larger than this is summarised (not embedded) in views that list several activities at a glance. */
export const INLINE_DATA_BYTES = 4 * 1024;

/** How long a client waits for an answer before failing the call (FRAGMENTS_CALL_TIMEOUT_MS overrides). */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/**
 * A spool record (a git hook's or a coding agent's) larger than this is refused without
 * being read: moved to spool/rejected with a log line. An agent payload carries a prompt or
 * a tool's output; 16 MiB is far above any real one.
 */
export const SPOOL_RECORD_MAX_BYTES = 16 * 1024 * 1024;
