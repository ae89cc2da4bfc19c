// Reserved paths and globs (docs/claims.md#file-reservations), relative to a repository's
// root. The rules are the POSIX shell's `case` patterns, so the agents' hook (a sh script
// with no Node start) and the daemon agree to the character:
// - `*` matches any characters, `/` included (as git pathspecs do: `src/*.ts` covers
//   `src/a/b.ts`); `**` is the same as `*`; `?` matches one character;
// - a pattern also covers everything below it: `src/auth` reserves `src/auth/login.ts`;
// - `[`, `]`, `\`, `"`, control characters, `..` segments and absolute paths are refused.
// Matching and overlap run in time linear in (pattern × path), never backtracking.
import { ErrorCode, FragError } from '../../../shared/errors.js';

export const MAX_PATTERN_LENGTH = 512;

/** Refused characters: a class (`[`), an escape (`\`), a tab/newline/control character. */
// eslint-disable-next-line no-control-regex
const BAD = /[[\]\\"\u0000-\u001f\u007f]/;

/**
 * The stored form of one reserved path: relative to the root, `/`-separated, no `.` or
 * empty segments, no trailing `/`, runs of `*` as one. Throws a validation error naming the
 * input and the rule it breaks.
 */
export function normalizePattern(input: string, root?: string): string {
  let p = input.trim();
  const refuse = (why: string) =>
    new FragError(ErrorCode.ValidationFailed, `cannot reserve ${JSON.stringify(input)}: ${why}`, {
      path: input,
      hint: 'give paths or globs (*, ?) relative to the repository root, e.g. src/auth.ts or src/auth/*',
    });
  if (!p) throw refuse('it is empty');
  if (BAD.test(p)) throw refuse('[ ] \\ " and control characters are not allowed');
  if (p.startsWith('/')) {
    if (!root) throw refuse('it is absolute; give it relative to the repository root');
    const r = root.endsWith('/') ? root : `${root}/`;
    if (p === root) p = '*';
    else if (p.startsWith(r)) p = p.slice(r.length);
    else throw refuse(`it is outside the repository ${root}`);
  }
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.some((s) => s === '..')) throw refuse('.. is not allowed');
  if (parts.length === 0) throw refuse('it names no file');
  p = parts.join('/').replace(/\*{2,}/g, '*');
  if (p.length > MAX_PATTERN_LENGTH) throw refuse(`it is longer than ${MAX_PATTERN_LENGTH} characters`);
  return p;
}

type Tok = { star: true } | { star: false; ch: string | null }; // ch null: `?`

const tokens = (p: string): Tok[] =>
  [...p].map((c) => (c === '*' ? { star: true } : { star: false, ch: c === '?' ? null : c }));

/** Whether some string is matched by both patterns (a dynamic program over the two token lists). */
function intersect(a: Tok[], b: Tok[]): boolean {
  const n = a.length;
  const m = b.length;
  // memo[i][j]: 0 unknown, 1 yes, 2 no. Filled bottom-up from the ends, so no recursion.
  const ok: Uint8Array[] = Array.from({ length: n + 1 }, () => new Uint8Array(m + 1));
  for (let i = n; i >= 0; i--) {
    for (let j = m; j >= 0; j--) {
      let v: boolean;
      if (i === n && j === m) v = true;
      else if (i < n && a[i].star) v = ok[i + 1][j] === 1 || (j < m && ok[i][j + 1] === 1);
      else if (j < m && b[j].star) v = ok[i][j + 1] === 1 || (i < n && ok[i + 1][j] === 1);
      else if (i === n || j === m) v = false;
      else {
        const x = a[i] as { ch: string | null };
        const y = b[j] as { ch: string | null };
        v = (x.ch === null || y.ch === null || x.ch === y.ch) && ok[i + 1][j + 1] === 1;
      }
      ok[i][j] = v ? 1 : 2;
    }
  }
  return ok[0][0] === 1;
}

const literal = (path: string): Tok[] => [...path].map((ch) => ({ star: false, ch }));

/** Whether a pattern covers a path (relative, normalised): the pattern itself, or anything below it. */
export function covers(pattern: string, path: string): boolean {
  const p = tokens(pattern);
  const below: Tok[] = [...p, { star: false, ch: '/' }, { star: true }];
  const l = literal(path);
  return intersect(p, l) || intersect(below, l);
}

/** Whether two patterns cover a common path (either one, or anything below either). */
export function overlaps(a: string, b: string): boolean {
  const below = (t: Tok[]): Tok[] => [...t, { star: false, ch: '/' }, { star: true }];
  const ta = tokens(a);
  const tb = tokens(b);
  return intersect(ta, tb) || intersect(below(ta), tb) || intersect(ta, below(tb)) || intersect(below(ta), below(tb));
}
