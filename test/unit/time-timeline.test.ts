// Local days over UTC instants: midnight splits and DST days of 23 and 25 hours.
import { describe, expect, it } from 'vitest';
import { daysBetween, localDayKey, localMidnight, offsetSegments, splitByDay } from '../../daemon/app/time/timeline.js';

const H = 3_600_000;
const at = (s: string) => Date.parse(s);

describe('local days', () => {
  it('finds local midnight on both sides of a DST switch', () => {
    expect(localMidnight(2026, 3, 29, 'Europe/Berlin')).toBe(at('2026-03-28T23:00:00Z'));
    expect(localMidnight(2026, 3, 30, 'Europe/Berlin')).toBe(at('2026-03-29T22:00:00Z'));
    expect(localMidnight(2026, 11, 1, 'America/New_York')).toBe(at('2026-11-01T04:00:00Z'));
    expect(localMidnight(2026, 11, 2, 'America/New_York')).toBe(at('2026-11-02T05:00:00Z'));
  });

  it('starts a day whose midnight does not exist at its first instant (Santiago, DST at 00:00)', () => {
    expect(localMidnight(2026, 9, 6, 'America/Santiago')).toBe(at('2026-09-06T04:00:00Z')); // 01:00 -03
    const days = daysBetween(at('2026-09-05T12:00:00Z'), at('2026-09-07T12:00:00Z'), 'America/Santiago');
    expect(days.map((d) => [d.key, (d.end - d.start) / H])).toEqual([
      ['2026-09-05', 24],
      ['2026-09-06', 23],
      ['2026-09-07', 24],
    ]);
  });

  it('gives DST days their real length', () => {
    const berlin = daysBetween(at('2026-03-28T12:00:00Z'), at('2026-03-30T12:00:00Z'), 'Europe/Berlin');
    expect(berlin.map((d) => [d.key, (d.end - d.start) / H])).toEqual([
      ['2026-03-28', 24],
      ['2026-03-29', 23],
      ['2026-03-30', 24],
    ]);
    const ny = daysBetween(at('2026-11-01T12:00:00Z'), at('2026-11-01T13:00:00Z'), 'America/New_York');
    expect((ny[0].end - ny[0].start) / H).toBe(25);
  });

  it('counts 2026-03-29 00:30→04:30 Berlin wall time as 3 hours of real time', () => {
    const start = at('2026-03-28T23:30:00Z'); // 00:30 CET
    const end = at('2026-03-29T02:30:00Z'); // 04:30 CEST
    expect(localDayKey(start, 'Europe/Berlin')).toBe('2026-03-29');
    const days = daysBetween(start, end, 'Europe/Berlin');
    expect(Object.fromEntries(splitByDay([{ start, end }], days).ms)).toEqual({ '2026-03-29': 3 * H });
  });

  it('splits an interval at local midnight, not at UTC midnight', () => {
    // 22:00 → 02:00 New York (EST, UTC-5) is 03:00Z → 07:00Z: all on one UTC day, two local days.
    const start = at('2026-01-15T03:00:00Z');
    const end = at('2026-01-15T07:00:00Z');
    const days = daysBetween(start, end, 'America/New_York');
    const split = splitByDay([{ start, end }], days);
    expect(Object.fromEntries(split.ms)).toEqual({ '2026-01-14': 2 * H, '2026-01-15': 2 * H });
    expect(Object.fromEntries(split.spans)).toEqual({ '2026-01-14': 1, '2026-01-15': 1 });
  });

  it('splits across the 25-hour autumn day and clips to the range', () => {
    const days = daysBetween(at('2026-10-24T12:00:00Z'), at('2026-10-26T00:00:00Z'), 'Europe/Berlin');
    const spans = [
      { start: at('2026-10-24T20:00:00Z'), end: at('2026-10-25T04:00:00Z') }, // 22:00 CEST → 05:00 CET
      { start: at('2026-10-20T00:00:00Z'), end: at('2026-10-20T01:00:00Z') }, // before the range
    ];
    const ms = splitByDay(spans, days).ms;
    expect(ms.get('2026-10-24')).toBe(2 * H);
    expect(ms.get('2026-10-25')).toBe(6 * H); // 00:00 → 05:00 local, with the repeated hour
    expect(ms.has('2026-10-20')).toBe(false);
  });

  it('finds the exact DST transitions of a year as offset segments', () => {
    const segs = offsetSegments(at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z'), 'Europe/Berlin');
    expect(segs).toEqual([
      { start: at('2026-01-01T00:00:00Z'), offset: H },
      { start: at('2026-03-29T01:00:00Z'), offset: 2 * H },
      { start: at('2026-10-25T01:00:00Z'), offset: H },
    ]);
    expect(offsetSegments(at('2026-01-01T00:00:00Z'), at('2026-02-01T00:00:00Z'), 'UTC')).toEqual([
      { start: at('2026-01-01T00:00:00Z'), offset: 0 },
    ]);
  });
});
