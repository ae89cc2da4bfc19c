// Bumped whenever a method's params or result change incompatibly. Kept apart from the
// method table so that clients read it without loading the schemas.
export const PROTOCOL_VERSION = 1;
/** The oldest client protocol this daemon still serves; older clients get a clear error. */
export const MIN_CLIENT_PROTOCOL = 1;
