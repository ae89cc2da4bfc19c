// The one quoting function (DESIGN.md §6, §9): every command fragd prints, suggests or
// documents — in instructions, error hints, prompts, client messages — is built from an
// argv here, so nothing a user or an agent typed reaches a shell unquoted.
//
// Why a hand-written quoter and not a library: POSIX single quotes are the one quoting
// form in which every character but the quote itself is literal (no $, `, \, !, ~ or
// newline processing), so "wrap in single quotes, write each ' as '\''" is complete and
// small enough to prove by reading. The npm shell-quote package's quote() backslash-escapes
// inside double quotes (its "\!" stays two characters in sh) and leaves a leading "~"
// unquoted (tilde expansion); shescape picks its rules per detected shell at run time.
// test/reliability/injection.test.ts checks this function against a real /bin/sh.

/** Characters that need no quoting in a POSIX shell word (not "~", "#", "*"...; "=" except in a first word). */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `arg` in single quotes, each ' written as '\'' (close, escaped quote, reopen). */
function singleQuoted(arg: string): string {
  if (arg.includes('\0')) throw new Error('a command argument cannot contain a NUL character');
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** One argument, quoted for a POSIX shell only when it needs it (so T-01 stays T-01). */
export function quoteArg(arg: string): string {
  return PLAIN.test(arg) ? arg : singleQuoted(arg);
}

/** A whole command line from its argv: each argument quoted, joined by spaces. */
export function commandLine(argv: readonly string[]): string {
  // A first word with "=" would be read as a variable assignment, not as the command.
  return argv.map((arg, i) => (i === 0 && arg.includes('=') ? singleQuoted(arg) : quoteArg(arg))).join(' ');
}

/** An argument list that may hold optional parts (false/null/undefined are left out) and nested lists. */
export type Args = readonly (string | number | false | null | undefined | Args)[];

const flatten = (args: Args): string[] =>
  args.flatMap((a) =>
    a === false || a === null || a === undefined ? [] : Array.isArray(a) ? flatten(a as Args) : [String(a)],
  );

/** `fragctl(['task', 'activate', code])` → "fragctl task activate T-01", each argument quoted. */
export const fragctl = (...args: Args): string => commandLine(['fragctl', ...flatten(args)]);
