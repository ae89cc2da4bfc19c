// Types of bench/attacks-lib.mjs for the TypeScript test that runs the same attacks.
export type AttackName = 'pipeline' | 'bigBatch' | 'silentSubscribers' | 'halfFrames' | 'httpFlood';
export interface AttackOutcome {
  attack: AttackName;
  peakRssMb: number;
  peakFds: number;
  overBound: boolean;
  latencies: number[];
  failures: string[];
  facts: Record<string, number>;
}
export function sleep(ms: number): Promise<void>;
export function rssMb(pid: number): number;
export function fdCount(pid: number): number;
export function seedHeavyHistory(
  call: (method: string, params: Record<string, unknown>) => Promise<unknown>,
  session: string,
  count?: number,
): Promise<void>;
export function underAttack(opts: {
  pid: number;
  path: string;
  attack: AttackName;
  options: Record<string, unknown>;
  probe: () => Promise<unknown>;
  durationMs: number;
  boundMb?: number;
}): Promise<AttackOutcome>;
export function percentile(sorted: number[], p: number): number;
