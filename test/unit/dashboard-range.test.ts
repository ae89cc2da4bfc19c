// The dashboard's range choices as days (client/dashboard/range.ts): the named ranges counted
// from a given today across week, month, year and leap-day boundaries, the custom range's
// refusals, and the query string that carries a choice.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PRESET,
  PRESETS,
  choiceFromQuery,
  isDay,
  queryFromChoice,
  resolveRange,
  type RangeChoice,
} from '../../client/dashboard/range.js';

const days = (choice: RangeChoice, today: string) => {
  const r = resolveRange(choice, today);
  if (!r.ok) throw new Error(r.message);
  return [r.since, r.until];
};

describe('named ranges', () => {
  it('count from today: a Monday', () => {
    const monday = '2026-11-30';
    expect(days({ preset: 'last-7-days' }, monday)).toEqual(['2026-11-24', '2026-11-30']);
    expect(days({ preset: 'this-week' }, monday)).toEqual(['2026-11-30', '2026-11-30']);
    expect(days({ preset: 'last-week' }, monday)).toEqual(['2026-11-23', '2026-11-29']);
    expect(days({ preset: 'this-month' }, monday)).toEqual(['2026-11-01', '2026-11-30']);
    expect(days({ preset: 'last-month' }, monday)).toEqual(['2026-10-01', '2026-10-31']);
    expect(days({ preset: 'last-30-days' }, monday)).toEqual(['2026-11-01', '2026-11-30']);
  });

  it('take ISO weeks (Monday to Sunday) as fragctl report --by week does: a Sunday', () => {
    expect(days({ preset: 'this-week' }, '2026-11-29')).toEqual(['2026-11-23', '2026-11-29']);
    expect(days({ preset: 'last-week' }, '2026-11-29')).toEqual(['2026-11-16', '2026-11-22']);
  });

  it('cross a year and a leap February', () => {
    expect(days({ preset: 'last-month' }, '2027-01-05')).toEqual(['2026-12-01', '2026-12-31']);
    expect(days({ preset: 'last-week' }, '2027-01-01')).toEqual(['2026-12-21', '2026-12-27']);
    expect(days({ preset: 'last-month' }, '2028-03-10')).toEqual(['2028-02-01', '2028-02-29']);
    expect(days({ preset: 'last-30-days' }, '2028-03-01')).toEqual(['2028-02-01', '2028-03-01']);
    expect(days({ preset: 'last-30-days' }, '2026-03-01')).toEqual(['2026-01-31', '2026-03-01']);
    expect(days({ preset: 'this-month' }, '2026-03-01')).toEqual(['2026-03-01', '2026-03-01']);
  });

  it('do not lose or double a day at a DST switch (the arithmetic is on calendar days)', () => {
    // Europe's spring switch was on 2026-03-29, autumn's on 2026-10-25.
    expect(days({ preset: 'last-7-days' }, '2026-04-01')).toEqual(['2026-03-26', '2026-04-01']);
    expect(days({ preset: 'last-week' }, '2026-10-28')).toEqual(['2026-10-19', '2026-10-25']);
  });

  it('the default is what the page showed before: seven days ending today, as report defaults to', () => {
    expect(DEFAULT_PRESET).toBe('last-7-days');
    expect(days({ preset: DEFAULT_PRESET }, '2026-11-30')).toEqual(['2026-11-24', '2026-11-30']);
  });
});

describe('a custom range', () => {
  it('is shown as given', () => {
    expect(days({ preset: 'custom', from: '2026-11-28', to: '2026-11-28' }, '2026-11-30')).toEqual([
      '2026-11-28',
      '2026-11-28',
    ]);
  });

  it('is refused, saying why, when it ends before it starts', () => {
    const r = resolveRange({ preset: 'custom', from: '2026-11-29', to: '2026-11-20' }, '2026-11-30');
    expect(r).toMatchObject({ ok: false, field: 'from' });
    expect(!r.ok && r.message).toBe(
      'The range starts on 2026-11-29, after it ends on 2026-11-20: choose a "From" day on or before the "To" day (or swap them).',
    );
  });

  it('is refused without both days, or with a day that is not a calendar date', () => {
    expect(resolveRange({ preset: 'custom', from: '', to: '2026-11-20' }, '2026-11-30')).toMatchObject({
      ok: false,
      field: 'from',
    });
    expect(resolveRange({ preset: 'custom', from: '2026-11-01' }, '2026-11-30')).toMatchObject({
      ok: false,
      field: 'to',
    });
    const r = resolveRange({ preset: 'custom', from: '2026-02-30', to: '2026-03-02' }, '2026-11-30');
    expect(!r.ok && r.message).toContain('2026-02-30 is not a calendar date');
    expect(isDay('2028-02-29')).toBe(true);
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2026-1-5')).toBe(false);
  });
});

describe('the query string', () => {
  it('carries every choice and gives it back', () => {
    for (const preset of PRESETS) {
      const choice: RangeChoice = preset === 'custom' ? { preset, from: '2026-11-01', to: '2026-11-15' } : { preset };
      expect(choiceFromQuery(queryFromChoice(choice))).toEqual(choice);
    }
    expect(queryFromChoice({ preset: 'custom', from: '2026-11-01', to: '2026-11-15' })).toBe(
      '?range=custom&from=2026-11-01&to=2026-11-15',
    );
  });

  it('leaves the default out, so the plain page URL is the default', () => {
    expect(queryFromChoice({ preset: 'last-7-days' })).toBe('');
    expect(choiceFromQuery('')).toEqual({ preset: 'last-7-days' });
    expect(choiceFromQuery('?other=1')).toEqual({ preset: 'last-7-days' });
  });

  it('names a range it does not know rather than guessing', () => {
    expect(choiceFromQuery('?range=fortnight')).toEqual({ unknown: 'fortnight' });
  });
});
