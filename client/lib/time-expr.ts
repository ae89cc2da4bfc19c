// Time expressions as people type them, read in the user's time zone (the process's TZ):
// `now`, relative `-45m` / `-1h30m` / `45m ago`, clock times `09:30`, `yesterday 14:00`,
// weekdays `monday`, dates and ISO 8601. Natural language is parsed by chrono-node; the
// instant is then built from the parsed wall-clock fields by the platform's time-zone
// database (new Date(y, m, d, h, min)), so a date on the other side of a DST change gets
// that date's offset, not today's. fragctl sends the daemon instants only.
import * as chrono from 'chrono-node';

export class TimeExprError extends Error {}

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
const DURATION = /^(?:\d+(?:\.\d+)?\s*[dhms]\s*)+$/i;

/** "1h30m" → ms, or null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (!DURATION.test(t)) return null;
  let ms = 0;
  for (const [, n, u] of t.matchAll(/(\d+(?:\.\d+)?)\s*([dhms])/gi)) ms += Number(n) * UNIT_MS[u.toLowerCase()];
  return Math.round(ms);
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Reads one time expression relative to `now`. A date without a clock time means its
 * start (00:00); a bare weekday means the last one (today if it is that day), since
 * corrections are about the past. Local times that do not exist (the hour skipped when
 * clocks go forward) land after the gap; ambiguous ones (the hour repeated when clocks go
 * back) are the first of the two (as the platform resolves them; docs/corrections.md).
 * With `sameDayAs` (the start of a range), a clock time alone is on that day, or the next
 * one when it would not come after it: `track 2026-03-27 22:00 - 01:30`.
 */
export function parseTimeExpr(text: string, now: Date = new Date(), opts: { sameDayAs?: Date } = {}): Date {
  const t = text.trim();
  if (!t) throw new TimeExprError('an empty time; try 09:30, yesterday 14:00, -45m or 2026-03-29T09:30');
  if (/^now$/i.test(t)) return new Date(now.getTime());
  const rel = /^([+-])\s*(.+)$/.exec(t) ?? (/^(.+?)\s+ago$/i.exec(t) ? ['', '-', /^(.+?)\s+ago$/i.exec(t)![1]] : null);
  if (rel) {
    const ms = parseDuration(rel[2]);
    if (ms !== null) return new Date(now.getTime() + (rel[1] === '-' ? -ms : ms));
  }
  if (ISO_WITH_ZONE.test(t)) return new Date(Date.parse(t));
  const results = chrono.parse(t, now);
  const r = results[0];
  if (!r || results.length > 1 || r.text.trim().length < t.replace(/\s+/g, ' ').length - 1)
    throw new TimeExprError(
      `cannot read "${t}" as a time; try 09:30, yesterday 14:00, monday, -45m or 2026-03-29T09:30`,
    );
  const c = r.start;
  if (c.isCertain('timezoneOffset')) return c.date();
  const hasTime = c.isCertain('hour');
  const fields = (dayShift: number) =>
    new Date(
      c.get('year')!,
      c.get('month')! - 1,
      c.get('day')! + dayShift,
      hasTime ? c.get('hour')! : 0,
      hasTime ? (c.get('minute') ?? 0) : 0,
      hasTime ? (c.get('second') ?? 0) : 0,
      hasTime ? (c.get('millisecond') ?? 0) : 0,
    );
  // A clock time alone ("12:30") after a start means that day (the next, if it would end before it).
  const timeOnly = !['day', 'weekday', 'month', 'year'].some((k) => c.isCertain(k as 'day'));
  if (timeOnly && hasTime && opts.sameDayAs) {
    const ref = opts.sameDayAs;
    const at = (shift: number) =>
      new Date(
        ref.getFullYear(),
        ref.getMonth(),
        ref.getDate() + shift,
        c.get('hour')!,
        c.get('minute') ?? 0,
        c.get('second') ?? 0,
      );
    const same = at(0);
    return same.getTime() > ref.getTime() ? same : at(1);
  }
  let d = fields(0);
  // "monday" means the last Monday, not the next one.
  if (c.isCertain('weekday') && !c.isCertain('day') && d.getTime() > now.getTime()) d = fields(-7);
  return d;
}
