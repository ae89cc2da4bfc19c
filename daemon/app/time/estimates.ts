// Estimate against actual time: the one arithmetic the completion gate, the estimate
// check and the reports share.

/** Actual vs estimate: percent over (positive) or under (negative) the estimate. */
export function estimateVariance(
  estimateMinutes: number | null,
  trackedMs: number,
): { actual_minutes: number; variance_percent: number | null } {
  const actual = Math.round((trackedMs / 60_000) * 10) / 10;
  if (estimateMinutes == null || estimateMinutes <= 0) return { actual_minutes: actual, variance_percent: null };
  return { actual_minutes: actual, variance_percent: Math.round(((actual - estimateMinutes) / estimateMinutes) * 100) };
}
