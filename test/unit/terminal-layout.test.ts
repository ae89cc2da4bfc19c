import { stripVTControlCharacters } from 'node:util';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { bar, barLength, daysBetween, estimateBar, sparkline } from '../../client/fragctl/charts.js';
import { cut, displayWidth, outputWidth, tableWidths } from '../../client/fragctl/layout.js';

describe('outputWidth', () => {
  it("is a terminal's width (80 when it does not say), and no limit for a pipe unless COLUMNS says", () => {
    expect(outputWidth({ isTTY: true, columns: 132 }, {})).toBe(132);
    expect(outputWidth({ isTTY: true }, {})).toBe(80);
    expect(outputWidth({ isTTY: true }, { COLUMNS: '100' })).toBe(100);
    expect(outputWidth({ isTTY: false }, {})).toBeUndefined();
    expect(outputWidth({ isTTY: false }, { COLUMNS: '90' })).toBe(90);
    expect(outputWidth({ isTTY: false }, { COLUMNS: 'wide' })).toBeUndefined();
  });
});

describe('cut', () => {
  it('cuts to display columns with an ellipsis, wide characters counted twice', () => {
    expect(cut('short', 10)).toBe('short');
    expect(cut('exactly10!', 10)).toBe('exactly10!');
    expect(cut('a longer line of text', 10)).toBe('a longer…');
    expect(displayWidth(cut('日本語のテキストです', 9))).toBeLessThanOrEqual(9);
    expect(cut('日本語のテキストです', 9)).toBe('日本語の…');
    // An emoji with a skin tone is one grapheme: never split.
    expect(cut('👍🏽👍🏽👍🏽👍🏽', 5)).toBe('👍🏽👍🏽…');
    expect(cut('anything', undefined)).toBe('anything');
  });

  it("measures fragctl's own punctuation as string-width does, by length, and the rest by string-width", () => {
    for (const text of ['a · b › c → “d” — █░▓▁▏ é ñ', 'zero\u200bwidth', 'e\u0301', '\u001b[31mred\u001b[39m', '表'])
      expect(displayWidth(text)).toBe(stringWidth(text));
  });
});

describe('tableWidths', () => {
  const head = ['Task', 'Title', 'Time', 'Tracked (all)'];
  const body = [['T-1', 'a title that is rather long for a table', '1h30m', '2h00m']];
  it('leaves a table that fits alone', () => {
    expect(tableWidths(head, body, 200, [1])).toBeUndefined();
    expect(tableWidths(head, body, undefined, [1])).toBeUndefined();
  });
  it('takes room from titles first, then wraps headers, never below a code', () => {
    const w = tableWidths(head, body, 50, [1])!;
    expect(w.reduce((a, b) => a + b, 0) + head.length + 1).toBeLessThanOrEqual(50);
    expect(w[0]).toBe(6); // "Task" + padding
    const tight = tableWidths(head, body, 30, [1])!;
    expect(tight[1]).toBe(10);
    expect(tight[3]).toBe('Tracked'.length + 2);
  });
});

describe('charts', () => {
  it('draws bars to an eighth of a column, proportional to their values', () => {
    expect(bar(50, 100, 10)).toBe('█████');
    expect(barLength(bar(50, 100, 10))).toBe(5);
    expect(barLength(bar(1, 3, 10))).toBeCloseTo(3.375, 5);
    expect(bar(0, 100, 10)).toBe('');
    expect(barLength(bar(100, 100, 37))).toBe(37);
  });

  it('draws a sparkline with dots for empty days', () => {
    expect(sparkline([0, 1, 2, 4, 8, 0])).toBe('·▁▂▄█·');
    expect(sparkline([0, 0])).toBe('··');
  });

  it('lists the days of a range', () => {
    expect(daysBetween('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
  });

  it('shows an overrun with its own glyph and in words, not only in colour', () => {
    const within = stripVTControlCharacters(estimateBar(30 * 60, 60, 80));
    expect(within).toMatch(/^\[█+░+\] 30m of 1h00m · 50%$/);
    const over = stripVTControlCharacters(estimateBar(90 * 60, 60, 80));
    expect(over).toMatch(/^\[█+▓+\] 1h30m of 1h00m · 50% over$/);
    // Two thirds of the bar are the estimate, one third the time beyond it.
    const [, solid, beyond] = /\[(█+)(▓+)\]/.exec(over)!;
    expect(Math.round((solid.length / (solid.length + beyond.length)) * 3)).toBe(2);
  });
});
