// The one reader of the times and dates fragctl's options take (report, intervals, export,
// track, sessions), in the user's zone, in the forms Timewarrior accepts: ISO dates and
// times, words (`today`, `yesterday`, `monday`, `09:30`, `45m ago`, `-2d`) and named ranges
// (`:today`, `:week`, `:lastmonth`…). A day-taking option (report) gets a local day; a
// time-taking one (intervals) an instant. Plain dates and ranges are read here without
// chrono-node, so `fragctl report` does not pay for loading it; anything else goes to
// time-expr.ts (chrono-node, loaded on demand).

/** An option's value that cannot be read: the message names the forms that can. */
export class WhenError extends Error {}

export const DAY_FORMS = '2026-03-29, today, yesterday, monday, -7d or a range such as :week';
export const TIME_FORMS = '09:30, yesterday 14:00, monday, -45m, 2026-03-29T09:30 or a range such as :week';

/** Named ranges, as Timewarrior's hints: each is [first local day, day after the last). */
export const RANGES = [
  ':today',
  ':day',
  ':yesterday',
  ':week',
  ':lastweek',
  ':month',
  ':lastmonth',
  ':quarter',
  ':lastquarter',
  ':year',
  ':lastyear',
] as const;

const midnight = (y: number, m: number, d: number) => new Date(y, m, d);

/** The range a name stands for, in local days: first day's start and the start of the day after it. */
export function rangeOf(name: string, now: Date = new Date()): { start: Date; end: Date } | null {
  const y = now.getFullYear();
  const m = now.getMonth();
  const d = now.getDate();
  const monday = d - ((now.getDay() + 6) % 7); // weeks start on Monday (ISO 8601)
  const q = m - (m % 3);
  switch (name.toLowerCase()) {
    case ':today':
    case ':day':
      return { start: midnight(y, m, d), end: midnight(y, m, d + 1) };
    case ':yesterday':
      return { start: midnight(y, m, d - 1), end: midnight(y, m, d) };
    case ':week':
      return { start: midnight(y, m, monday), end: midnight(y, m, monday + 7) };
    case ':lastweek':
      return { start: midnight(y, m, monday - 7), end: midnight(y, m, monday) };
    case ':month':
      return { start: midnight(y, m, 1), end: midnight(y, m + 1, 1) };
    case ':lastmonth':
      return { start: midnight(y, m - 1, 1), end: midnight(y, m, 1) };
    case ':quarter':
      return { start: midnight(y, q, 1), end: midnight(y, q + 3, 1) };
    case ':lastquarter':
      return { start: midnight(y, q - 3, 1), end: midnight(y, q, 1) };
    case ':year':
      return { start: midnight(y, 0, 1), end: midnight(y + 1, 0, 1) };
    case ':lastyear':
      return { start: midnight(y - 1, 0, 1), end: midnight(y, 0, 1) };
    default:
      return null;
  }
}

const pad = (n: number) => String(n).padStart(2, '0');
/** The local calendar day of an instant, YYYY-MM-DD. */
export const localDay = (t: Date): string => `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`;

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAYS_AGO = /^-\s*(\d+)\s*d$/i;

/** The forms read without chrono-node: a calendar day, today/yesterday, -Nd. */
function simpleDay(t: string, now: Date): Date | null {
  const iso = ISO_DAY.exec(t);
  if (iso) {
    const d = midnight(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]));
    // 2026-02-30 is not a day (Date would roll it into March).
    return localDay(d) === t ? d : null;
  }
  if (/^today$/i.test(t)) return midnight(now.getFullYear(), now.getMonth(), now.getDate());
  if (/^yesterday$/i.test(t)) return midnight(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  const ago = DAYS_AGO.exec(t);
  if (ago) return midnight(now.getFullYear(), now.getMonth(), now.getDate() - Number(ago[1]));
  return null;
}

/**
 * A day-taking option (`--since`, `--until` of reports): the local day it names. A range is
 * its first day for `first`, its last day for `last` (days are inclusive there).
 */
export async function dayOf(option: string, text: string, edge: 'first' | 'last', now = new Date()): Promise<string> {
  const t = String(text).trim();
  const range = rangeOf(t, now);
  if (range) return localDay(edge === 'first' ? range.start : new Date(range.end.getTime() - 1));
  if (t.startsWith(':')) throw new WhenError(`${option}: ${t} is not a range; the ranges are ${RANGES.join(', ')}`);
  const simple = simpleDay(t, now);
  if (simple) return localDay(simple);
  if (ISO_DAY.test(t)) throw new WhenError(`${option}: ${t} is not a day of the calendar`);
  const { parseTimeExpr, TimeExprError } = await import('./time-expr.js');
  try {
    return localDay(parseTimeExpr(t, now));
  } catch (err) {
    if (err instanceof TimeExprError) throw new WhenError(`${option}: cannot read "${t}" as a day; try ${DAY_FORMS}`);
    throw err;
  }
}

/**
 * The days of a report's --since/--until, either of which may be absent: a range given to
 * --since alone spans its days (`--since :lastweek` is last week, not last week until today).
 */
export async function dayRange(
  since: string | undefined,
  until: string | undefined,
  now = new Date(),
): Promise<{ since?: string; until?: string }> {
  const out: { since?: string; until?: string } = {};
  if (since !== undefined) out.since = await dayOf('--since', since, 'first', now);
  if (until !== undefined) out.until = await dayOf('--until', until, 'last', now);
  else if (since !== undefined && rangeOf(String(since).trim(), now))
    out.until = await dayOf('--since', since, 'last', now);
  return out;
}

/** Runs `fn` with the process's zone set to `tz` (Node reads TZ again when it changes), then puts it back. */
export async function inZone<T>(tz: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (!tz) return fn();
  const before = process.env.TZ;
  process.env.TZ = tz;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
}
