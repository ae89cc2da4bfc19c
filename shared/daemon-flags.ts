// V8 flags fragd runs with, wherever it is started from (fragctl's auto-start, `fragctl
// daemon start`, the systemd unit, tests and benchmarks). A small young generation and an
// old-space ceiling make V8 collect and give memory back sooner: measured on this project's
// load (bench/rpc.mjs), resident memory after the load drops from ~108 MB to ~88 MB at
// about the same throughput. The daemon's own heap stays far below the ceiling.
export const FRAGD_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--max-old-space-size=512'];
