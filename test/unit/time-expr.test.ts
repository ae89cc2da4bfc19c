// Time expressions are read in the user's zone, with the offset of the date they name (not
// today's): cases on both sides of DST changes in zones with 1-hour and 30-minute shifts.
import { afterEach, describe, expect, it } from 'vitest';
import { parseDuration, parseTimeExpr, TimeExprError } from '../../client/lib/time-expr.js';
import { parseTrackWords, rawTrackWords } from '../../client/fragctl/commands/intervals.js';

const saved = process.env.TZ;
afterEach(() => {
  process.env.TZ = saved;
});

const cases: { tz: string; now: string; expr: string; want: string }[] = [
  // Berlin: clocks went forward on Sunday 2026-03-29 at 02:00 (CET +1 → CEST +2).
  { tz: 'Europe/Berlin', now: '2026-03-30T10:00:00Z', expr: 'yesterday 14:00', want: '2026-03-29T12:00:00.000Z' },
  { tz: 'Europe/Berlin', now: '2026-03-30T10:00:00Z', expr: 'saturday 14:00', want: '2026-03-28T13:00:00.000Z' },
  { tz: 'Europe/Berlin', now: '2026-03-30T10:00:00Z', expr: 'sunday', want: '2026-03-28T23:00:00.000Z' },
  { tz: 'Europe/Berlin', now: '2026-03-30T10:00:00Z', expr: 'monday', want: '2026-03-29T22:00:00.000Z' },
  { tz: 'Europe/Berlin', now: '2026-03-30T10:00:00Z', expr: '09:30', want: '2026-03-30T07:30:00.000Z' },
  // 02:30 does not exist that night: it lands after the gap (03:30 CEST).
  { tz: 'Europe/Berlin', now: '2026-03-30T10:00:00Z', expr: '2026-03-29 02:30', want: '2026-03-29T01:30:00.000Z' },
  // 02:30 happens twice on 2026-10-25: the first (CEST).
  { tz: 'Europe/Berlin', now: '2026-10-26T10:00:00Z', expr: '2026-10-25 02:30', want: '2026-10-25T00:30:00.000Z' },
  // Relative times are elapsed time: 45 minutes before 03:30 CEST is 01:45 CET.
  { tz: 'Europe/Berlin', now: '2026-03-29T01:30:00Z', expr: '-45m', want: '2026-03-29T00:45:00.000Z' },
  { tz: 'Europe/Berlin', now: '2026-03-29T01:30:00Z', expr: '1h30m ago', want: '2026-03-29T00:00:00.000Z' },
  // New York: forward on 2026-03-08, back on 2026-11-01.
  { tz: 'America/New_York', now: '2026-03-09T15:00:00Z', expr: 'yesterday 09:00', want: '2026-03-08T13:00:00.000Z' },
  { tz: 'America/New_York', now: '2026-03-09T15:00:00Z', expr: 'saturday 09:00', want: '2026-03-07T14:00:00.000Z' },
  { tz: 'America/New_York', now: '2026-03-09T15:00:00Z', expr: 'sunday', want: '2026-03-08T05:00:00.000Z' },
  { tz: 'America/New_York', now: '2026-11-02T15:00:00Z', expr: '2026-11-01 01:30', want: '2026-11-01T05:30:00.000Z' },
  { tz: 'America/New_York', now: '2026-11-02T15:00:00Z', expr: '2026-10-31T09:30', want: '2026-10-31T13:30:00.000Z' },
  // Lord Howe: back half an hour on 2026-04-05 (+11 → +10:30), forward on 2026-10-04.
  { tz: 'Australia/Lord_Howe', now: '2026-04-06T00:00:00Z', expr: 'yesterday 12:00', want: '2026-04-05T01:30:00.000Z' },
  { tz: 'Australia/Lord_Howe', now: '2026-04-06T00:00:00Z', expr: 'saturday 12:00', want: '2026-04-04T01:00:00.000Z' },
  {
    tz: 'Australia/Lord_Howe',
    now: '2026-10-05T00:00:00Z',
    expr: '2026-10-04 02:15',
    want: '2026-10-03T15:45:00.000Z',
  },
  // An instant with a zone is that instant wherever the reader is.
  {
    tz: 'Australia/Lord_Howe',
    now: '2026-10-05T00:00:00Z',
    expr: '2026-03-29T09:30:00+02:00',
    want: '2026-03-29T07:30:00.000Z',
  },
  { tz: 'UTC', now: '2026-10-05T00:00:00Z', expr: 'now', want: '2026-10-05T00:00:00.000Z' },
];

describe('parseTimeExpr', () => {
  it.each(cases)('$tz: "$expr" at $now is $want', ({ tz, now, expr, want }) => {
    process.env.TZ = tz;
    expect(parseTimeExpr(expr, new Date(now)).toISOString()).toBe(want);
  });

  it('refuses what it cannot read, with examples', () => {
    process.env.TZ = 'UTC';
    for (const bad of ['', 'soonish', 'tomorrow-ish 9', '-45x'])
      expect(() => parseTimeExpr(bad, new Date('2026-10-05T00:00:00Z'))).toThrow(TimeExprError);
  });

  it('reads a clock time alone after a start as that day, or the next', () => {
    process.env.TZ = 'Europe/Berlin';
    const now = new Date('2026-11-30T12:00:00Z');
    const start = parseTimeExpr('2026-03-28 22:00', now);
    expect(parseTimeExpr('23:30', now, { sameDayAs: start }).toISOString()).toBe('2026-03-28T22:30:00.000Z');
    // Past midnight, on the night clocks went forward: 05:00 CEST.
    expect(parseTimeExpr('05:00', now, { sameDayAs: start }).toISOString()).toBe('2026-03-29T03:00:00.000Z');
    expect(parseTimeExpr('2026-03-30 09:00', now, { sameDayAs: start }).toISOString()).toBe('2026-03-30T07:00:00.000Z');
  });

  it('reads durations', () => {
    expect(parseDuration('1h30m')).toBe(90 * 60_000);
    expect(parseDuration('45m')).toBe(45 * 60_000);
    expect(parseDuration('2d')).toBe(2 * 86_400_000);
    expect(parseDuration('soon')).toBeNull();
  });
});

describe('fragctl track START - END [TASK]', () => {
  it('finds the end and the task among the words, and reads options and "--" as typed', () => {
    process.env.TZ = 'Europe/Berlin';
    const now = new Date('2026-11-30T12:00:00Z');
    expect(parseTrackWords(['2026-03-27', '22:00', '-', '01:30', 'API-7'], now)).toEqual({
      start: '2026-03-27T21:00:00.000Z',
      end: '2026-03-28T00:30:00.000Z',
      task: 'API-7',
    });
    expect(parseTrackWords(['yesterday', '14:00', '-', 'yesterday', '15:30'], now)).toEqual({
      start: '2026-11-29T13:00:00.000Z',
      end: '2026-11-29T14:30:00.000Z',
    });
    expect(() => parseTrackWords(['09:00', '10:00'], now)).toThrow(/START - END/);
    expect(() => parseTrackWords(['09:00', '-', '10:00', 'API-7', 'DOCS'], now)).toThrow(/at most one TASK/);
    expect(rawTrackWords(['track', '--actor', 'x', '09:00', '-', '10:00', 'T', '--adjust'])).toEqual([
      '09:00',
      '-',
      '10:00',
      'T',
    ]);
    expect(rawTrackWords(['track', '--json', '--', '-2h', '-', '-1h'])).toEqual(['-2h', '-', '-1h']);
  });
});
