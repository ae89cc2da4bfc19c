// Pictures in the terminal (docs/terminal.md): horizontal bars for `fragctl report --chart`,
// a sparkline of the days, and the bar of tracked time against an estimate in `fragctl
// status`. Bars are written here rather than taken from a library: a bar is a repeat of
// block characters with an eighth-block end, and the chart libraries on npm draw line
// charts (asciichart) or carry a renderer of their own (blessed-contrib) for what is ten
// lines. Colour is only ever added to what the glyphs already say: an over-estimate is
// drawn with a different glyph and says "over" in words, so it reads the same without colour.
// Colour is node's util.styleText, which honours NO_COLOR, FORCE_COLOR and whether stdout is
// a terminal; one style per call (node 20 skips those checks for an array of styles).
import { styleText } from 'node:util';
import { formatDuration } from '../../shared/format.js';
import type { ReportResult } from '../../shared/protocol/time.js';
import { cut, displayWidth, pad, type Layout } from './layout.js';

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
export const FULL_BLOCK = '█';

/** A bar `value / max` of `width` columns, to an eighth of a column. */
export function bar(value: number, max: number, width: number): string {
  if (max <= 0 || value <= 0 || width <= 0) return '';
  const eighths = Math.round((Math.min(value, max) / max) * width * 8);
  return FULL_BLOCK.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/** How long a bar drawn by `bar` is, in columns (eighths included): for tests and checks. */
export const barLength = (s: string): number =>
  [...s].reduce((n, ch) => n + (ch === FULL_BLOCK ? 1 : Math.max(0, EIGHTHS.indexOf(ch)) / 8), 0);

const SPARKS = '▁▂▃▄▅▆▇█';
/** One character per value, scaled to the largest; a zero is a dot, so no day looks like a little work. */
export function sparkline(values: number[]): string {
  const max = Math.max(0, ...values);
  return values.map((v) => (v <= 0 || max === 0 ? '·' : SPARKS[Math.min(7, Math.floor((v / max) * 7.999))])).join('');
}

/** Every day from `since` to `until` (YYYY-MM-DD, inclusive). */
export function daysBetween(since: string, until: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${until}T00:00:00Z`);
  for (let t = Date.parse(`${since}T00:00:00Z`); t <= end && out.length < 3660; t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** The days line: one spark per day of the report's range, from a report by day. */
export function daysLine(byDay: ReportResult, layout: Layout): string {
  const seconds = new Map<string, number>();
  for (const r of byDay.rows) seconds.set(r.key, (seconds.get(r.key) ?? 0) + r.seconds);
  const days = daysBetween(byDay.since, byDay.until);
  const label = `days ${byDay.since} → ${byDay.until}  `;
  // Keep the latest days when the range is wider than the terminal.
  const room = layout.width === undefined ? days.length : Math.max(7, layout.width - displayWidth(label));
  const shown = days.slice(-room);
  return `${label}${styleText('cyan', sparkline(shown.map((d) => seconds.get(d) ?? 0)))}`;
}

/**
 * One bar per row of the report, proportional to its seconds, scaled so the longest row
 * fills the room the terminal leaves (40 columns when output has no width).
 */
export function reportChart(r: ReportResult, layout: Layout): string[] {
  if (r.rows.length === 0) return ['(no tracked time in this range)'];
  const withActor = r.per_actor && r.by !== 'actor';
  const labels = r.rows.map((row) => (withActor ? `${row.key} ${row.actor ?? ''}` : row.key));
  const durations = r.rows.map((row) => formatDuration(row.seconds));
  const labelWidth = Math.min(
    Math.max(...labels.map(displayWidth)),
    layout.width === undefined ? Infinity : Math.max(8, Math.floor(layout.width / 3)),
  );
  const durationWidth = Math.max(...durations.map(displayWidth));
  const room = layout.width === undefined ? 40 : Math.max(10, layout.width - labelWidth - durationWidth - 4);
  const max = Math.max(...r.rows.map((row) => row.seconds));
  return r.rows.map((row, i) => {
    const b = bar(row.seconds, max, room);
    return `${pad(cut(labels[i], labelWidth), labelWidth)}  ${styleText('cyan', pad(b, room))}  ${pad(durations[i], durationWidth, true)}`;
  });
}

/**
 * Tracked time against an estimate: `[███████░░░░░] 1h05m of 2h · 54%` within it;
 * `[████████▓▓▓] 2h30m of 2h · 25% over` past it, where ▓ is the time beyond the estimate.
 */
export function estimateBar(trackedSeconds: number, estimateMinutes: number, width: number): string {
  const estimate = estimateMinutes * 60;
  const percent = estimate > 0 ? Math.round((trackedSeconds / estimate) * 100) : 0;
  const label = `${formatDuration(trackedSeconds)} of ${formatDuration(estimate)}`;
  // The bar takes what the words leave of the line: "[…] 1h30m of 1h00m · 50% over".
  const words = displayWidth(`[] ${label} · ${Math.abs(percent - 100)}% over`);
  const room = Math.max(10, Math.min(40, width - words));
  if (estimate > 0 && trackedSeconds <= estimate) {
    const filled = Math.round((trackedSeconds / estimate) * room);
    return `[${styleText('green', FULL_BLOCK.repeat(filled))}${'░'.repeat(room - filled)}] ${label} · ${percent}%`;
  }
  // Over: the whole bar is the tracked time; the estimate is the solid part.
  const within = estimate > 0 ? Math.max(1, Math.round((estimate / trackedSeconds) * room)) : 0;
  return `[${styleText('yellow', FULL_BLOCK.repeat(within))}${styleText('red', '▓'.repeat(room - within))}] ${label} · ${styleText('red', styleText('bold', `${percent - 100}% over`))}`;
}
