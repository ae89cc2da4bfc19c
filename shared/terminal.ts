// The one function that makes text safe to print on a terminal (DESIGN.md §9): titles,
// notes, messages, codes, hints — anything a user, an agent or another program wrote.
// JSON output does not go through it (it stays exact).
//
// Neutralised, each shown as a visible escape so nothing is silently lost:
//  - C0 controls (ESC starts ANSI/OSC sequences: colours, cursor moves, window titles,
//    clipboard writes, hyperlinks), DEL, and C1 controls (U+0080–U+009F: CSI and OSC
//    have one-character forms there), as \x1b, \x9b...
//  - bidirectional formatting (U+202A–U+202E embeddings and overrides, U+2066–U+2069
//    isolates, the U+200E/U+200F/U+061C marks) and the U+2028/U+2029 separators, as <U+202E>:
//    they make text display in another order than it reads ("Trojan Source").
//  - newline, tab and carriage return, as \n, \t, \r — unless `multiline`, which keeps
//    newlines and tabs (for text that is several lines by design, such as a log).
// `colours` keeps SGR sequences (ESC [ … m: colour and weight, nothing else), which is what
// fragctl's own styling (util.styleText) writes; fragctl's printers use it on whole output,
// where user text has already been through this function (so holds no ESC of its own).

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

function visible(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (NAMED[ch]) return NAMED[ch];
  if (cp <= 0x9f) return `\\x${cp.toString(16).padStart(2, '0')}`;
  return `<U+${cp.toString(16).toUpperCase().padStart(4, '0')}>`;
}

const UNSAFE_OR_SGR = new RegExp(`\x1b\\[[0-9;]*m|${UNSAFE.source}`, 'g');

/** `text` with every control and bidi formatting character replaced by a visible escape. */
export function terminalSafe(text: string, opts: { multiline?: boolean; colours?: boolean } = {}): string {
  const keep = (ch: string) => opts.multiline && (ch === '\n' || ch === '\t');
  if (!opts.colours) return text.replace(UNSAFE, (ch) => (keep(ch) ? ch : visible(ch)));
  return text.replace(UNSAFE_OR_SGR, (m) => (m.length > 1 || keep(m) ? m : visible(m)));
}
