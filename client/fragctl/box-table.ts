// A boxed, aligned text table for fragctl's reports. cli-table3 measured at about a sixth
// of a year report's whole process (wrapping, colour handling and a width computation per
// cell, plus loading it), for what here is only padding: cells are one line each, text left,
// figures right.

/** Terminal columns of a string: wide (East Asian, emoji) code points take two, combining marks none. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x300 && c <= 0x36f) || c === 0x200d || (c >= 0xfe00 && c <= 0xfe0f)) continue;
    w +=
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x1f300 && c <= 0x1faff) ||
      (c >= 0x20000 && c <= 0x3fffd)
        ? 2
        : 1;
  }
  return w;
}

export interface BoxTableOptions {
  /** Columns whose cells are right-aligned (figures). */
  right?: number[];
  /** Draw a rule above the last row (a total). */
  footer?: boolean;
}

export function boxTable(head: string[], rows: string[][], opts: BoxTableOptions = {}): string {
  const right = new Set(opts.right ?? []);
  const widths = head.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const rule = (l: string, m: string, r: string) => l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r;
  const line = (cells: string[]) =>
    '│' +
    widths
      .map((w, i) => {
        const cell = cells[i] ?? '';
        const pad = ' '.repeat(w - displayWidth(cell));
        return ` ${right.has(i) ? pad + cell : cell + pad} `;
      })
      .join('│') +
    '│';
  const out = [rule('┌', '┬', '┐'), line(head), rule('├', '┼', '┤')];
  rows.forEach((r, i) => {
    if (opts.footer && i === rows.length - 1 && rows.length > 1) out.push(rule('├', '┼', '┤'));
    out.push(line(r));
  });
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
}
