// Writes the generated part of docs/cli.md (with --write), or prints it: the `--help` of
// every fragctl command and subcommand, as yargs prints it, so every option is documented
// as the CLI parses it. Run after `npm run build` (it runs dist/fragctl.js).
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const MARKER =
  '<!-- Generated below this line by `node scripts/cli-reference.mjs --write` from `fragctl … --help`; do not edit by hand. -->';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

const help = async (path) =>
  (
    await run(process.execPath, ['dist/fragctl.js', ...path, '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      // A fixed width and no colour, so the text does not depend on the terminal.
      env: { ...process.env, COLUMNS: '100', NO_COLOR: '1', FORCE_COLOR: '0', FRAGMENTS_NO_AUTOSTART: '1' },
    })
  ).stdout.trimEnd();

/** `f` over `items`, at most `limit` at a time, results in order. */
async function mapLimit(items, limit, f) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The subcommands a help text lists (its "Commands:" section), as argv paths. */
function subcommands(text, path) {
  const section = text.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  const out = [];
  for (const line of section.split('\n')) {
    const m = /^ {2}fragctl ((?:[a-z][\w-]*)(?: [a-z][\w-]*)*)/.exec(line);
    if (!m) continue;
    const words = m[1].split(' ');
    // Only the words past the parent's path that name a command (not <args> or [args]).
    if (words.length > path.length && words.slice(0, path.length).join(' ') === path.join(' '))
      out.push(words.slice(0, path.length + 1));
  }
  return out;
}

const GLOBAL = /^\s+(?:-h, )?--(?:json|format|session|actor|full|autostart|version|help)\b|^\s+-C\s/;

/** A subcommand's help without the global options (`fragctl --help` lists them once). */
function withoutGlobals(text) {
  const out = [];
  let dropping = false;
  for (const line of text.split('\n')) {
    if (GLOBAL.test(line)) dropping = true;
    else if (!(dropping && /^ {10,}\S/.test(line))) dropping = false;
    if (!dropping) out.push(line);
  }
  return out.join('\n').replace(/\nOptions:\n(?=\n|$)/, '\n');
}

/** The generated part of docs/cli.md: every command's help, a command before its subcommands. */
export async function cliReference() {
  // The help texts, a level of the command tree at a time, several fragctl at once (each
  // takes ~0.1 s to start; there are ~90).
  const texts = new Map();
  const children = new Map();
  for (let level = [[]]; level.length;) {
    const got = await mapLimit(level, 6, help);
    const next = [];
    level.forEach((path, i) => {
      texts.set(path.join(' '), got[i]);
      const subs = [];
      for (const sub of subcommands(got[i], path)) {
        const key = sub.join(' ');
        if (texts.has(key) || subs.some((s) => s.join(' ') === key)) continue;
        subs.push(sub);
        next.push(sub);
      }
      children.set(path.join(' '), subs);
    });
    level = next;
  }
  const out = [
    '## Every command and its options',
    '',
    'What `fragctl <command> --help` prints, for every command; the global options, listed under `fragctl`, are left',
    'out of the others.',
    '',
  ];
  const walk = (path) => {
    const full = texts.get(path.join(' '));
    const text = path.length ? withoutGlobals(full) : full;
    out.push(`### \`fragctl${path.length ? ' ' + path.join(' ') : ''}\``, '', '```text', text, '```', '');
    for (const sub of children.get(path.join(' '))) walk(sub);
  };
  walk([]);
  return out.join('\n');
}

/** docs/cli.md with its generated part replaced by `generated`. */
export function spliceCliReference(doc, generated) {
  const at = doc.indexOf(MARKER);
  const head = at === -1 ? doc.trimEnd() + '\n\n' + MARKER : doc.slice(0, at + MARKER.length);
  return head + '\n\n' + generated + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const generated = await cliReference();
  if (process.argv.includes('--write')) {
    writeFileSync('docs/cli.md', spliceCliReference(readFileSync('docs/cli.md', 'utf8'), generated));
  } else {
    process.stdout.write(generated + '\n');
  }
}
