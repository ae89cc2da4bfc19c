// Fitting text output to where it goes (docs/terminal.md, "Widths"): how many columns there
// are, long text cut with an ellipsis (whole with --full), columns as wide as their longest
// cell (long codes never break them) that still fit the terminal. Renderers of any kind —
// plain lines, the box table, charts — ask this module, so the rules live in one place.
import stringWidth from 'string-width';
import { terminalSafe } from '../../shared/terminal.js';

export interface Layout {
  /** Columns to fit, or undefined: no limit (a pipe or a file gets every character). */
  width: number | undefined;
  /** --full: long text whole, never cut. */
  full: boolean;
}

interface Sink {
  isTTY?: boolean;
  columns?: number;
}

const positive = (v: string | undefined): number | undefined =>
  v && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : undefined;

/**
 * A terminal's width (80 when it does not say). Output to a pipe or a file is not cut: it
 * is read later, searched, or reflowed by another program, and losing characters there
 * would be worse than a long line; an explicit $COLUMNS (COLUMNS=100 fragctl … | less)
 * still sets a width.
 */
export function outputWidth(sink: Sink = process.stdout, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (sink.isTTY) return sink.columns || positive(env.COLUMNS) || 80;
  return positive(env.COLUMNS);
}

export const layoutOf = (argv: { full?: boolean }, sink?: Sink, env?: NodeJS.ProcessEnv): Layout => ({
  width: outputWidth(sink, env),
  full: argv.full === true,
});

/**
 * Characters one column wide each, which is most of what fragctl prints: ASCII, Latin
 * letters, and the punctuation, arrows and blocks of its own lines (· › → “ ” █ ░ ▓ ▁…█).
 * Such text is measured by its length; anything else (CJK, emoji, combining marks, zero-width
 * characters, escape sequences) by string-width, whose emoji expression is costly to
 * compile at the start of every short-lived fragctl.
 */
const NARROW = /^[\x20-\x7e\u00a0-\u02ff\u2010-\u2027\u2030-\u205e\u2190-\u21ff\u2500-\u259f]*$/;

/** Columns a string takes on a terminal (wide CJK characters and emoji count 2, escape sequences 0). */
export const displayWidth = (s: string): number => (NARROW.test(s) ? s.length : stringWidth(s));

/**
 * User text (notes, messages, titles) as one list cell: line breaks become ↵ so a list
 * keeps one line per entry, and every other control or bidi character is shown as an
 * escape by the shared neutraliser (shared/terminal.ts): the one place list cells go through.
 */
export const cellText = (s: string): string => terminalSafe(s.replace(/\r?\n/g, ' ↵ '));

let graphemes: Intl.Segmenter | undefined;

/** `text` cut to `width` columns, ending in … when cut; whole when `width` is undefined. */
export function cut(text: string, width: number | undefined): string {
  if (width === undefined || displayWidth(text) <= width) return text;
  if (width < 1) return '';
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = displayWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out.trimEnd()}…`;
}

/** Pads to `width` display columns (left-aligned, or right-aligned with `right`). */
export function pad(text: string, width: number, right = false): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return right ? fill + text : text + fill;
}

/**
 * Widths for the box table (each cell's text plus its 1-column padding on each
 * side) so a bordered table fits `width`: the `flex` columns (titles) give up room first,
 * down to 10 columns each; then headers wrap at their spaces ("Tracked (all)" on two
 * lines); codes and numbers keep their longest cell, so when they alone are wider than the
 * terminal the table is as narrow as they allow. Undefined when the table fits as it is
 * (or there is no width): let the renderer size it. Cut the flex cells to their width
 * (minus 2) before handing them over; set wordWrap so headers wrap.
 */
export function tableWidths(
  head: string[],
  body: string[][],
  width: number | undefined,
  flex: number[],
): number[] | undefined {
  if (width === undefined) return undefined;
  const n = head.length;
  const cells = (i: number) => Math.max(0, ...body.map((r) => displayWidth(r[i] ?? '')));
  const widths = head.map((h, i) => Math.max(displayWidth(h), cells(i)) + 2);
  const floor = head.map((h, i) => (flex.includes(i) ? 10 : Math.max(cells(i), ...h.split(' ').map(displayWidth)) + 2));
  let excess = widths.reduce((a, b) => a + b, 0) + n + 1 - width;
  if (excess <= 0) return undefined;
  // Take one column at a time from the widest column that may still give, titles first.
  for (const pool of [flex, head.map((_, i) => i)]) {
    while (excess > 0) {
      const i = pool.filter((f) => widths[f] > floor[f]).sort((a, b) => widths[b] - widths[a])[0];
      if (i === undefined) break;
      widths[i]--;
      excess--;
    }
  }
  return widths;
}
