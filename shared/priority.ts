// Task priorities: names people write (plans, fragctl --priority) and the numbers stored
// (1 urgent … 4 low), shared by the plan parser, the CLI and the daemon.
export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type PriorityName = (typeof PRIORITIES)[number];
export const DEFAULT_PRIORITY = 3;
export const priorityName = (n: number): PriorityName => PRIORITIES[Math.min(4, Math.max(1, n)) - 1];
export const priorityNumber = (name: PriorityName): number => PRIORITIES.indexOf(name) + 1;
