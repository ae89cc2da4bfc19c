// Edits of Codex's config.toml that keep the user's text. fragd only ever adds or removes one
// table, [mcp_servers.fragd] (and its sub-tables), so the edit is: find where the file
// defines that table, cut exactly those lines, append fragd's table at the end.
//
// Libraries, chosen for that job:
// - toml-eslint-parser (ota-meshi; the parser behind eslint-plugin-toml, millions of weekly
//   downloads) gives a full TOML 1.0 AST with the source range of every table and key, and
//   rejects invalid documents (duplicate tables, redefined inline tables) with a line and
//   column. Ranges are what a formatting-keeping edit needs; the whole-document libraries
//   (@iarna/toml, smol-toml, @ltd/j-toml) parse to plain values and would lose every comment
//   on the way back. The format-keeping patchers (@decimalturn/toml-patch,
//   @shopify/toml-patch, @rainbowatcher/toml-edit-js) are little used or ship WebAssembly.
// - smol-toml (29M weekly downloads, TOML 1.0 compliant) serialises fragd's own table, so no
//   TOML string quoting is written by hand.
import { getStaticTOMLValue, parseTOML, type AST } from 'toml-eslint-parser';
import { stringify } from 'smol-toml';
import { SettingsError } from './jsonc-edit.js';

export interface TomlDoc {
  text: string;
  ast: AST.TOMLProgram;
  value: Record<string, unknown>;
}

export function parseToml(text: string, file: string): TomlDoc {
  try {
    const ast = parseTOML(text);
    return { text, ast, value: getStaticTOMLValue(ast) };
  } catch (err) {
    const e = err as { message: string; lineNumber?: number; column?: number };
    const where = e.lineNumber ? ` at line ${e.lineNumber}, column ${(e.column ?? 0) + 1}` : '';
    throw new SettingsError(
      `${file} is not valid TOML (${e.message}${where}); fix it or move it away, then run the command again (the file was not changed)`,
    );
  }
}

const keyNames = (key: AST.TOMLKey): string[] => key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : k.value));
const startsWith = (path: readonly (string | number)[], prefix: readonly string[]) =>
  prefix.every((p, i) => path[i] === p);

/** Source ranges ([start, end) of whole lines) that define the table at `path`. */
function definitions(doc: TomlDoc, path: readonly string[], file: string): [number, number][] {
  const ranges: [number, number][] = [];
  for (const node of doc.ast.body[0].body) {
    if (node.type === 'TOMLTable') {
      if (startsWith(node.resolvedKey, path)) ranges.push(node.range);
      else if (path.length > 1 && startsWith(path, node.resolvedKey.map(String))) {
        // [mcp_servers] with fragd = {...} or fragd.command = ... inside it.
        const rest = path.slice(node.resolvedKey.length);
        for (const kv of node.body) if (startsWith(keyNames(kv.key), rest)) ranges.push(kv.range);
      }
    } else {
      const names = keyNames(node.key);
      if (startsWith(names, path)) ranges.push(node.range);
      else if (startsWith(path, names))
        throw new SettingsError(
          `${file} defines ${names.join('.')} as one inline value; fragd cannot add ${path.join('.')} to it without rewriting it. Write it as a [${names.join('.')}] table, or add fragd's entry by hand (see docs/agents-install.md)`,
        );
    }
  }
  return ranges.map(([s, e]) => wholeLines(doc.text, s, e));
}

/** Widens [start, end) to whole lines, the line ending included. */
function wholeLines(text: string, start: number, end: number): [number, number] {
  const s = text.lastIndexOf('\n', start - 1) + 1;
  const nl = text.indexOf('\n', end);
  return [s, nl === -1 ? text.length : nl + 1];
}

function cut(text: string, ranges: [number, number][]): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  let out = text;
  for (const [s, e] of [...ranges].sort((a, b) => b[0] - a[0])) {
    // A table at the end of the file takes with it the blank line fragd put before it.
    const last = out.slice(e).trim() === '';
    const from = last && out.slice(0, s).endsWith(eol + eol) ? s - eol.length : s;
    out = out.slice(0, from) + out.slice(e);
  }
  return out;
}

/** The table at path, in the parsed value. */
export function tableAt(doc: TomlDoc, path: readonly string[]): unknown {
  let cur: unknown = doc.value;
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur;
}

/** The text without the table at path (unchanged when it is not there). */
export function removeTable(text: string, path: readonly string[], file: string): string {
  const doc = parseToml(text, file);
  const ranges = definitions(doc, path, file);
  return ranges.length ? cut(text, ranges) : text;
}

/** The text with the table at path set to value: any old definition cut, the new one appended. */
export function setTable(text: string, path: readonly string[], value: Record<string, unknown>, file: string): string {
  const base = removeTable(text, path, file);
  const eol = base.includes('\r\n') ? '\r\n' : '\n';
  let nested: Record<string, unknown> = value;
  for (const p of [...path].reverse()) nested = { [p]: nested };
  const block = stringify(nested).trimEnd().split('\n').join(eol) + eol;
  // One blank line before fragd's table (cut() takes exactly that one away again).
  const sep = base === '' ? '' : base.endsWith(eol) ? eol : eol + eol;
  const next = base + sep + block;
  parseToml(next, file); // never write a document the agent could not read
  return next;
}
