// Local calendar days over UTC instants. Intervals are stored in UTC milliseconds; a
// report by day cuts them at local midnight of the reader's time zone, which is not
// always 24 h after the previous one (DST days are 23 h or 25 h long). Pure functions.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** true when the runtime knows the IANA zone name. */
export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function localParts(ms: number, tz: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour % 24,
    minute: parts.minute,
    second: parts.second,
  };
}

/** Offset of local time from UTC at an instant, in ms (Berlin in summer: +7_200_000). */
export function offsetAt(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The local calendar day of an instant, as YYYY-MM-DD. */
export function localDayKey(ms: number, tz: string): string {
  const p = localParts(ms, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/**
 * The UTC instant of local midnight starting a calendar day. Where midnight itself does
 * not exist (a DST jump at 00:00), the day starts at the first instant that does.
 */
export function localMidnight(year: number, month: number, day: number, tz: string): number {
  const naive = Date.UTC(year, month - 1, day);
  // Two rounds settle the offset even when the guess lands on the other side of a switch.
  let guess = naive - offsetAt(naive, tz);
  guess = naive - offsetAt(guess, tz);
  const key = `${year}-${pad(month)}-${pad(day)}`;
  if (localDayKey(guess, tz) !== key) {
    // Midnight skipped: step forward to the first instant of the day.
    for (let t = guess; t < guess + 3 * 3_600_000; t += 15 * 60_000) if (localDayKey(t, tz) === key) return t;
  }
  return guess;
}

/** Parses YYYY-MM-DD into its numbers, or null. */
export function parseDay(text: string): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return { year, month, day };
}

export const dayStart = (key: string, tz: string): number => {
  const d = parseDay(key)!;
  return localMidnight(d.year, d.month, d.day, tz);
};

/** The key of the calendar day after `key` (calendar arithmetic, zone independent). */
export function nextDayKey(key: string): string {
  const d = parseDay(key)!;
  const n = new Date(Date.UTC(d.year, d.month - 1, d.day + 1));
  return `${n.getUTCFullYear()}-${pad(n.getUTCMonth() + 1)}-${pad(n.getUTCDate())}`;
}

export interface Day {
  key: string;
  start: number;
  end: number;
}

/**
 * The last few answers of a pure function of (from, to, tz), frozen (callers share them).
 * A report asks for the same range again and again (a status bar, a dashboard), and a
 * year's days or offsets cost ~10 ms of Intl calls each time.
 */
function remembered<T extends object>(compute: (from: number, to: number, tz: string) => T[]) {
  const memo = new Map<string, readonly T[]>();
  return (from: number, to: number, tz: string): readonly T[] => {
    const key = `${from} ${to} ${tz}`;
    let found = memo.get(key);
    if (found) {
      memo.delete(key);
      memo.set(key, found);
      return found;
    }
    found = Object.freeze(compute(from, to, tz).map((x) => Object.freeze(x)));
    memo.set(key, found);
    if (memo.size > 16) memo.delete(memo.keys().next().value!);
    return found;
  };
}

/** The local days covering [from, to), each with its real UTC bounds. */
export const daysBetween = remembered(localDays);

function localDays(from: number, to: number, tz: string): Day[] {
  const days: Day[] = [];
  if (to <= from) return days;
  let key = localDayKey(from, tz);
  let start = dayStart(key, tz);
  while (start < to) {
    const next = nextDayKey(key);
    const end = dayStart(next, tz);
    days.push({ key, start, end });
    key = next;
    start = end;
  }
  return days;
}

export interface Span {
  start: number;
  end: number;
}

export interface DayTotals {
  ms: Map<string, number>;
  /** Spans touching each day (a span over midnight counts on both days). */
  spans: Map<string, number>;
}

/**
 * Milliseconds of each span falling on each day, clipped to the days. Days are found by
 * binary search, so the cost is O(spans · log days) plus the days a span crosses.
 */
export function splitByDay(spans: Iterable<Span>, days: readonly Day[]): DayTotals {
  const ms = new Map<string, number>();
  const count = new Map<string, number>();
  if (days.length === 0) return { ms, spans: count };
  const lo = days[0].start;
  const hi = days[days.length - 1].end;
  for (const span of spans) {
    let s = Math.max(span.start, lo);
    const e = Math.min(span.end, hi);
    if (e <= s) continue;
    let i = findDay(days, s);
    while (s < e && i < days.length) {
      const cut = Math.min(e, days[i].end);
      const key = days[i].key;
      ms.set(key, (ms.get(key) ?? 0) + (cut - s));
      count.set(key, (count.get(key) ?? 0) + 1);
      s = cut;
      i++;
    }
  }
  return { ms, spans: count };
}

export function prevDayKey(key: string, n = 1): string {
  const d = parseDay(key)!;
  const p = new Date(Date.UTC(d.year, d.month - 1, d.day - n));
  return `${p.getUTCFullYear()}-${pad(p.getUTCMonth() + 1)}-${pad(p.getUTCDate())}`;
}

/** The index of the day holding instant t (days sorted, t within them). */
export function findDay(days: readonly Day[], t: number): number {
  let a = 0;
  let b = days.length - 1;
  while (a < b) {
    const mid = (a + b + 1) >> 1;
    if (days[mid].start <= t) a = mid;
    else b = mid - 1;
  }
  return a;
}

export interface OffsetSegment {
  /** First instant of the segment (the range start for the first one). */
  start: number;
  /** UTC offset in ms throughout the segment. */
  offset: number;
}

/**
 * The zone's UTC offset over [from, to) as constant segments: one per DST period, split at
 * the exact transition instants. Lets SQL compute local days (floor((t + offset) / day))
 * without calling back into JS per row.
 */
export const offsetSegments = remembered(zoneSegments);

function zoneSegments(from: number, to: number, tz: string): OffsetSegment[] {
  const segments: OffsetSegment[] = [{ start: from, offset: offsetAt(from, tz) }];
  const step = 6 * 3_600_000;
  let prev = from;
  for (let t = Math.min(from + step, to); prev < to; t = Math.min(t + step, to)) {
    const off = offsetAt(t, tz);
    if (off !== segments[segments.length - 1].offset) {
      // The transition lies in (prev, t]: find its first instant (offsets change on whole seconds).
      let lo = prev;
      let hi = t;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (offsetAt(mid, tz) === off) hi = mid;
        else lo = mid;
      }
      segments.push({ start: hi, offset: off });
    }
    prev = t;
    if (t === to) break;
  }
  return segments;
}
