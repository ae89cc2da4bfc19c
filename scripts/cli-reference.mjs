// Writes the generated part of docs/cli.md (with --write), or prints it: the `--help` of
// every fragctl command and subcommand, as yargs prints it, so every option is documented
// as the CLI parses it. Run after `npm run build` (it runs dist/fragctl.js).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

export const MARKER =
  '<!-- Generated below this line by `node scripts/cli-reference.mjs --write` from `fragctl … --help`; do not edit by hand. -->';

const help = (path) =>
  execFileSync(process.execPath, ['dist/fragctl.js', ...path, '--help'], {
    encoding: 'utf8',
    // A fixed width and no colour, so the text does not depend on the terminal.
    env: { ...process.env, COLUMNS: '100', NO_COLOR: '1', FORCE_COLOR: '0', FRAGMENTS_NO_AUTOSTART: '1' },
  }).trimEnd();

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

const GLOBAL = /^\s+(?:-h, )?--(?:json|format|session|actor|full|autostart|version|help)\b/;

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

export function cliReference() {
  const out = [
    '## Every command and its options',
    '',
    'What `fragctl <command> --help` prints, for every command; the global options, listed under `fragctl`, are left',
    'out of the others.',
    '',
  ];
  const walk = (path) => {
    const full = help(path);
    const text = path.length ? withoutGlobals(full) : full;
    out.push(`### \`fragctl${path.length ? ' ' + path.join(' ') : ''}\``, '', '```text', text, '```', '');
    const seen = new Set();
    for (const sub of subcommands(full, path)) {
      const key = sub.join(' ');
      if (seen.has(key)) continue;
      seen.add(key);
      walk(sub);
    }
  };
  walk([]);
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const generated = cliReference();
  if (process.argv.includes('--write')) {
    const doc = readFileSync('docs/cli.md', 'utf8');
    const at = doc.indexOf(MARKER);
    const head = at === -1 ? doc.trimEnd() + '\n\n' + MARKER : doc.slice(0, at + MARKER.length);
    writeFileSync('docs/cli.md', head + '\n\n' + generated + '\n');
  } else {
    process.stdout.write(generated + '\n');
  }
}
