// Kept for muscle memory: the method table moved from the README into docs/protocol.md,
// which scripts/protocol-reference.mjs generates (with --write) together with docs/errors.md.
await import('./protocol-reference.mjs');
