// How the page writes times, durations, tokens and money (docs/dashboard.md): one clock
// format, the reader's locale (24-hour where the locale is), and durations that keep their
// seconds where minutes would hide them, so the rows of a table add up to its total.

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const dayTimeFormat = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});

/** A time of day in the reader's locale ("13:15", or "01:15 PM" where the locale says so). */
export const clock = (at: string | number | Date) => clockFormat.format(new Date(at));
/** A day and a time ("30 Nov, 13:15"). */
export const dayTime = (at: string | number | Date) => dayTimeFormat.format(new Date(at));
/** A day key YYYY-MM-DD as the locale writes a short day ("30 Nov"), read at noon UTC so no zone moves it. */
export const shortDay = (key: string) => dayFormat.format(new Date(`${key}T12:00:00Z`));
const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A duration at a glance: "31s", "5m 26s" below an hour (minutes alone would hide the
 * seconds: 31 s is not "1m"), "1h 05m" from an hour on. Whole units are cut, never rounded
 * up, so a part never shows more than the whole it belongs to.
 */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}

/** A duration to the second, for tables: "1h 05m 12s", "5m 26s", "31s" (rows add up to the total exactly). */
export function exact(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 3600) return duration(s);
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m ${pad(s % 60)}s`;
}

/** Minutes of an estimate as a duration ("1h 30m", "45m"). */
export const minutes = (m: number) => (m >= 60 ? `${Math.floor(m / 60)}h ${pad(m % 60)}m` : `${m}m`);

export interface Tokens {
  input: number;
  output: number;
  cache_creation: number;
  cache_read: number;
}
export const tokenCount = (t: Tokens | undefined) => (t ? t.input + t.output + t.cache_creation + t.cache_read : 0);
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
/** 1234567 → "1.2M" in the locale's words. */
export const tokens = (t: Tokens | undefined) => compact.format(tokenCount(t));

export interface Money {
  usd: string | null;
  unpriced_tokens: number;
}
/** "$1.23", "$1.23 + 400 unpriced tokens", "unpriced" (an unknown model is never $0). */
export function cost(c: Money | undefined): string {
  if (!c) return '—';
  if (c.usd === null) return 'unpriced';
  return c.unpriced_tokens > 0 ? `$${c.usd} + ${compact.format(c.unpriced_tokens)} unpriced tokens` : `$${c.usd}`;
}
