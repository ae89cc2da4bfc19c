// Formats shared by the daemon's instructions and the clients' output.

/** 4380 → "1h13m"; 1800 → "30m"; 1799 → "29m59s"; 42 → "42s"; 0 → "0s". */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return s % 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${m}m`;
  return `${s}s`;
}

/**
 * The largest estimate, in minutes (about 1.9 years of work; the protocol's bound too): a
 * plan's 1e300 printed as "1.67e+298h15m" before.
 */
export const MAX_ESTIMATE_MINUTES = 1_000_000;

/** "90" → 90; "1h30m" → 90; "45m" → 45; "2h" → 120; "1.25h" → 75; anything else (or above the maximum) → null. */
export function parseMinutes(value: string | number): number | null {
  const bounded = (n: number) => (Number.isInteger(n) && n >= 0 && n <= MAX_ESTIMATE_MINUTES ? n : null);
  if (typeof value === 'number') return bounded(value);
  const t = value.trim();
  if (/^\d+$/.test(t)) return bounded(Number(t));
  // Decimal hours (as plans write them) round to the nearest minute.
  const m = /^(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+)m)?$/.exec(t);
  if (!m || (m[1] === undefined && m[2] === undefined)) return null;
  return bounded(Math.round(Number(m[1] ?? 0) * 60) + Number(m[2] ?? 0));
}
