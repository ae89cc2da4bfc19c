// Edits of an agent's JSON settings file that keep the user's text: comments, key order,
// indentation and line endings stay as they were outside the entries fragd touches.
// jsonc-parser is Microsoft's parser behind VS Code's own settings.json editing: it
// tolerates comments and trailing commas (Gemini's and Claude's files may hold them) and
// its modify()/applyEdits() compute minimal text edits instead of re-serialising the file.
import { applyEdits, modify, parse, printParseErrorCode, type FormattingOptions, type ParseError } from 'jsonc-parser';

export type JsonPath = (string | number)[];

/** The user must fix the file first; fragd has not touched it. */
export class SettingsError extends Error {}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/** The file's value, or a SettingsError saying where it is broken. An empty file is {}. */
export function parseSettings(text: string, file: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) {
    const e = errors[0];
    throw new SettingsError(
      `${file} is not valid JSON (${printParseErrorCode(e.error)} at ${lineColumn(text, e.offset)}); fix it or move it away, then run the command again (the file was not changed)`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new SettingsError(`${file} does not hold a JSON object; fix it or move it away (the file was not changed)`);
  return value as Record<string, unknown>;
}

/** The file's own indentation (first indented line) and line ending; two spaces and \n by default. */
export function formattingOf(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /^([ \t]+)\S/m.exec(text)?.[1];
  if (indent?.startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol };
  return { insertSpaces: true, tabSize: indent ? indent.length : 2, eol };
}

/** Sets (or, with undefined, removes) the value at path; inserts into an array with `insert`. */
export function setAt(text: string, path: JsonPath, value: unknown, insert = false): string {
  const formattingOptions = formattingOf(text);
  const next = applyEdits(text, modify(text, path, value, { formattingOptions, isArrayInsertion: insert }));
  // A file fragd creates ends with a line ending, as editors write them.
  return text.trim() === '' && next !== '' && !next.endsWith('\n') ? next + formattingOptions.eol : next;
}

/** The value at path in a parsed tree, if every step exists. */
export function valueAt(tree: unknown, path: JsonPath): unknown {
  let cur: unknown = tree;
  for (const step of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[step];
  }
  return cur;
}

/** Structural equality of JSON values (key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
