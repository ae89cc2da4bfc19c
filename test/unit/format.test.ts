import { describe, expect, it } from 'vitest';
import { formatDuration, parseMinutes, shellQuote } from '../../shared/format.js';

describe('formats', () => {
  it('formats durations compactly', () => {
    expect([0, 42, 60, 1799, 1800, 3600, 4380, 90061].map(formatDuration)).toEqual([
      '0s',
      '42s',
      '1m',
      '29m59s',
      '30m',
      '1h00m',
      '1h13m',
      '25h01m',
    ]);
    expect(formatDuration(-5)).toBe('0s');
  });

  it('parses minutes and durations, and refuses the rest', () => {
    expect(['90', '1h30m', '45m', '2h', ' 15 '].map((v) => parseMinutes(v))).toEqual([90, 90, 45, 120, 15]);
    expect(parseMinutes(30)).toBe(30);
    // Decimal hours, as plans write them, round to the minute.
    expect(['1.25h', '1.5h', '0.1h', '2.5h15m'].map((v) => parseMinutes(v))).toEqual([75, 90, 6, 165]);
    expect(['', 'soon', '1.5', 'h', '-3', '.5h', '1.h'].map((v) => parseMinutes(v))).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(parseMinutes(1.5)).toBeNull();
  });

  it('quotes shell arguments only when needed, so suggested commands run as written', () => {
    expect(shellQuote('T-01')).toBe('T-01');
    expect(shellQuote('what I did')).toBe("'what I did'");
    expect(shellQuote("it's done")).toBe("'it'\\''s done'");
  });
});
