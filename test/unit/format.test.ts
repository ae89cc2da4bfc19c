import { describe, expect, it } from 'vitest';
import { formatDuration, MAX_ESTIMATE_MINUTES, parseMinutes } from '../../shared/format.js';
import { parsePlan } from '../../shared/plan.js';
import { commandLine, fragctl, quoteArg } from '../../shared/command.js';
import { terminalSafe } from '../../shared/terminal.js';

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

  it('caps an estimate at MAX_ESTIMATE_MINUTES: 1e300 is refused, not printed as 1.67e+298h15m (issue 22)', () => {
    expect(parseMinutes(MAX_ESTIMATE_MINUTES)).toBe(MAX_ESTIMATE_MINUTES);
    expect(
      [1e300, MAX_ESTIMATE_MINUTES + 1, '1e300', '9'.repeat(400), '99999999h'].map((v) => parseMinutes(v)),
    ).toEqual([null, null, null, null, null]);
    expect(() =>
      parsePlan('sprints: [{code: S1, title: s, tasks: [{code: T-1, title: t, estimate: 1e300}]}]', 'p.yaml'),
    ).toThrow(/estimate.*at most 1000000 minutes/);
  });

  it('quotes shell arguments only when needed, so suggested commands run as written', () => {
    expect(quoteArg('T-01')).toBe('T-01');
    expect(quoteArg('what I did')).toBe("'what I did'");
    expect(quoteArg("it's done")).toBe("'it'\\''s done'");
    expect(quoteArg('')).toBe("''");
    expect(quoteArg('~x')).toBe("'~x'");
    expect(quoteArg('a=b')).toBe('a=b');
    expect(commandLine(['a=b', 'c=d'])).toBe("'a=b' c=d");
    expect(() => quoteArg('a\0b')).toThrow(/NUL/);
    expect(commandLine(['fragctl', 'update', '$(id)'])).toBe("fragctl update '$(id)'");
    expect(fragctl('task', 'activate', [], false, null, undefined, ['--session', 'SESSION-001'], 'T-1')).toBe(
      'fragctl task activate --session SESSION-001 T-1',
    );
  });

  it('shows control and bidi characters of user text as escapes on a terminal', () => {
    expect(terminalSafe('a\x1b]0;owned\x07b')).toBe('a\\x1b]0;owned\\x07b');
    expect(terminalSafe('x\u202ey\u2066z\u009bw')).toBe('x<U+202E>y<U+2066>z\\x9bw');
    expect(terminalSafe('one\ntwo\r')).toBe('one\\ntwo\\r');
    expect(terminalSafe('one\n\ttwo\r', { multiline: true })).toBe('one\n\ttwo\\r');
    expect(terminalSafe('héllo “ok” 日本')).toBe('héllo “ok” 日本');
  });
});
