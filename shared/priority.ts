// Task priorities: names people write (plans, fragctl --priority) and the numbers stored
// (1 urgent … 4 low), shared by the plan parser, the CLI and the daemon.
export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type PriorityName = (typeof PRIORITIES)[number];
export const DEFAULT_PRIORITY = 3;
export const priorityName = (n: number): PriorityName => PRIORITIES[Math.min(4, Math.max(1, n)) - 1];
export const priorityNumber = (name: PriorityName): number => PRIORITIES.indexOf(name) + 1;

/** Words other tools use for the same levels (task-master's `medium`, Jira's `critical`/`minor`…). */
export const PRIORITY_SYNONYMS: Readonly<Record<string, PriorityName>> = {
  critical: 'urgent',
  blocker: 'urgent',
  highest: 'urgent',
  major: 'high',
  medium: 'normal',
  med: 'normal',
  default: 'normal',
  minor: 'low',
  lowest: 'low',
  trivial: 'low',
};

/** The allowed words, for messages. */
export const PRIORITY_FORMS = `urgent, high, normal or low (also ${Object.entries(PRIORITY_SYNONYMS)
  .map(([w, p]) => `${w} = ${p}`)
  .join(', ')})`;

/** A priority as people write it (any case, a synonym), or null. */
export function readPriority(text: string): PriorityName | null {
  const t = text.trim().toLowerCase();
  return (PRIORITIES as readonly string[]).includes(t) ? (t as PriorityName) : (PRIORITY_SYNONYMS[t] ?? null);
}
