// A boxed, aligned text table for fragctl's reports. cli-table3 measured at about a sixth
// of a year report's whole process (wrapping, colour handling and a width computation per
// cell, plus loading it), for what here is only padding: cells are one line each, text left,
// figures right.

import { displayWidth } from './layout.js';

export interface BoxTableOptions {
  /** Columns whose cells are right-aligned (figures). */
  right?: number[];
  /** Draw a rule above the last row (a total). */
  footer?: boolean;
  /**
   * Column widths with their padding (layout.ts tableWidths), to fit a terminal: body cells
   * are expected to fit already (cut by the caller); headers wrap at their spaces.
   */
  widths?: number[];
}

/** A header cut into lines of at most `w` columns at its spaces (a word never breaks). */
function wrapHeader(h: string, w: number): string[] {
  const lines: string[] = [];
  for (const word of h.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && displayWidth(lines[last]) + 1 + displayWidth(word) <= w) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

export function boxTable(head: string[], rows: string[][], opts: BoxTableOptions = {}): string {
  const right = new Set(opts.right ?? []);
  const widths = opts.widths
    ? opts.widths.map((w) => w - 2)
    : head.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const headLines = head.map((h, i) => wrapHeader(h, widths[i]));
  const headRows = Array.from({ length: Math.max(...headLines.map((l) => l.length)) }, (_, k) =>
    headLines.map((l) => l[k] ?? ''),
  );
  const rule = (l: string, m: string, r: string) => l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r;
  const line = (cells: string[]) =>
    '│' +
    widths
      .map((w, i) => {
        const cell = cells[i] ?? '';
        const pad = ' '.repeat(Math.max(0, w - displayWidth(cell)));
        return ` ${right.has(i) ? pad + cell : cell + pad} `;
      })
      .join('│') +
    '│';
  const out = [rule('┌', '┬', '┐'), ...headRows.map(line), rule('├', '┼', '┤')];
  rows.forEach((r, i) => {
    if (opts.footer && i === rows.length - 1 && rows.length > 1) out.push(rule('├', '┼', '┤'));
    out.push(line(r));
  });
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
}
