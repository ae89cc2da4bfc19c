// fragctl prompt bash|zsh|fish|tmux|starship: a snippet that shows the status line in a
// shell prompt or a status bar by reading the daemon's status file (shared/status-line.ts)
// with the shell's own builtins: no Node start, no call to fragd, per prompt.
//
// The file is written by the daemon from text people and agents typed (task codes), so each
// snippet treats its text as data: it is never evaluated, and it reaches the prompt through
// a variable that the shell expands once (bash PS1 `${…}`, zsh psvar `%9v`, fish printf),
// never through a prompt string that the shell would scan for `$(…)`, `%` or `#` again.
// The duration is computed by the snippet from the file's numbers, formatted exactly as
// shared/format.ts formatDuration does, after checking they are digits (shell arithmetic
// on text would be a way to run code).
import type { Argv } from 'yargs';
import { resolvePaths } from '../../../shared/paths.js';
import { quoteArg } from '../../../shared/command.js';
import { STATUS_FILE_MAGIC, STATUS_FILE_VERSION, statusFileName } from '../../../shared/status-line.js';
import { CliError, type GlobalArgs } from '../runner.js';

export const SHELLS = ['bash', 'zsh', 'fish', 'tmux', 'starship', 'sh'] as const;
export type PromptShell = (typeof SHELLS)[number];

/** The status file of $FRAGMENTS_ACTOR (default human), as a shell word. */
const fileWord = (dirWord: string) => `${dirWord}/${statusFileName('')}\${FRAGMENTS_ACTOR:-human}`;

/** A POSIX double-quoted word: tmux's config forbids single quotes inside ours. */
const dquote = (s: string) => `"${s.replace(/[\\"$`]/g, '\\$&')}"`;

/** fish quotes differently from POSIX: inside '…' only \' and \\ are escapes. */
const fishQuote = (s: string) => `'${s.replace(/[\\']/g, '\\$&')}'`;

const bash = (dir: string) => `# fragd: the session status in the prompt (docs/terminal.md). Reads the status file that
# fragd keeps; runs no process. Load it last in ~/.bashrc: eval "$(fragctl prompt bash)"
__fragd_status() {
  local rc=$? f=${fileWord(quoteArg(dir))} magic ver kind n text s d
  FRAGD_STATUS=
  [[ -r $f ]] || return $rc
  IFS=' ' read -r magic ver kind n text <"$f"
  [[ $magic == ${STATUS_FILE_MAGIC} && $ver == ${STATUS_FILE_VERSION} && $n =~ ^[0-9]{1,12}$ ]] || return $rc
  s=$((10#$n))
  if [[ $kind == run ]]; then printf -v d '%(%s)T' -1; s=$((d - s)); ((s < 0)) && s=0; fi
  if ((s >= 3600)); then printf -v d '%dh%02dm' $((s / 3600)) $((s % 3600 / 60))
  elif ((s >= 60 && s % 60)); then printf -v d '%dm%02ds' $((s / 60)) $((s % 60))
  elif ((s >= 60)); then d=$((s / 60))m
  else d=\${s}s; fi
  FRAGD_STATUS="$text · $d"
  return $rc
}
PROMPT_COMMAND="__fragd_status\${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
# Single quotes: PS1 holds the variable's name, so its text is expanded once and never scanned again.
PS1='\${FRAGD_STATUS:+[$FRAGD_STATUS] }'"$PS1"
`;

const zsh = (dir: string) => `# fragd: the session status in the prompt (docs/terminal.md). Reads the status file that
# fragd keeps; runs no process. Load it last in ~/.zshrc: eval "$(fragctl prompt zsh)"
zmodload zsh/datetime
__fragd_status() {
  emulate -L zsh
  local f=${fileWord(quoteArg(dir))} magic ver kind n text s d
  psvar[9]=
  [[ -r $f ]] || return 0
  IFS=' ' read -r magic ver kind n text <"$f"
  [[ $magic == ${STATUS_FILE_MAGIC} && $ver == ${STATUS_FILE_VERSION} && $n == <-> && \${#n} -le 12 ]] || return 0
  s=$((10#$n))
  if [[ $kind == run ]]; then s=$((EPOCHSECONDS - s)); ((s < 0)) && s=0; fi
  if ((s >= 3600)); then printf -v d '%dh%02dm' $((s / 3600)) $((s % 3600 / 60))
  elif ((s >= 60 && s % 60)); then printf -v d '%dm%02ds' $((s / 60)) $((s % 60))
  elif ((s >= 60)); then d=$((s / 60))m
  else d=\${s}s; fi
  psvar[9]="$text · $d"
}
autoload -Uz add-zsh-hook
add-zsh-hook precmd __fragd_status
# %9v inserts psvar[9] as it is: neither PROMPT_SUBST nor %-escapes apply to its text.
PROMPT='%(9V.[%9v] .)'"$PROMPT"
`;

const fish = (dir: string) => `# fragd: the session status in the prompt (docs/terminal.md). Reads the status file that
# fragd keeps (one date(1) for the clock). In ~/.config/fish/config.fish: fragctl prompt fish | source
function __fragd_status --description 'fragd session status'
    set -l actor human
    set -q FRAGMENTS_ACTOR; and set actor $FRAGMENTS_ACTOR
    set -l f ${fishQuote(dir)}/${statusFileName('')}$actor
    test -r $f; or return 0
    read -l magic ver kind n text <$f
    test "$magic" = ${STATUS_FILE_MAGIC} -a "$ver" = ${STATUS_FILE_VERSION}; or return 0
    string match -qr '^[0-9]{1,12}$' -- $n; or return 0
    set -l s $n
    if test "$kind" = run
        set s (math (date +%s) - $n)
        test $s -lt 0; and set s 0
    end
    set -l h (math "floor($s / 3600)")
    set -l m (math "floor($s % 3600 / 60)")
    set -l r (math "$s % 60")
    set -l d $s's'
    if test $h -gt 0
        set d (printf '%dh%02dm' $h $m)
    else if test $m -gt 0 -a $r -gt 0
        set d (printf '%dm%02ds' $m $r)
    else if test $m -gt 0
        set d $m'm'
    end
    printf '[%s · %s] ' $text $d
end
function __fragd_return
    return $argv[1]
end
functions -q __fragd_original_prompt; or functions -c fish_prompt __fragd_original_prompt
function fish_prompt
    set -l last $status
    __fragd_status
    __fragd_return $last
    __fragd_original_prompt
end
`;

/**
 * The POSIX sh program behind tmux and starship (and `fragctl prompt sh`). No single
 * quotes (tmux's config wraps it in them); `escape` doubles a character its reader would
 * otherwise interpret in the text: tmux expands `#…` in a command's output, and zsh
 * interprets `%` in what starship prints.
 */
function shProgram(dir: string, escape: 'tmux' | 'starship' | 'none'): string {
  const lines = [
    `f=${fileWord(dquote(dir))}`,
    '[ -r "$f" ] || exit 0',
    'IFS=" " read -r m v k n t <"$f"',
    `[ "$m" = ${STATUS_FILE_MAGIC} ] && [ "$v" = ${STATUS_FILE_VERSION} ] || exit 0`,
    'case $n in ("" | 0?* | *[!0-9]* | ?????????????*) exit 0;; esac',
    's=$n',
    '[ "$k" = run ] && s=$(($(date +%s) - n))',
    '[ "$s" -ge 0 ] || s=0',
    'h=$((s / 3600)) m=$((s % 3600 / 60)) r=$((s % 60))',
    '[ $m -lt 10 ] && [ $h -gt 0 ] && m=0$m',
    '[ $r -lt 10 ] && r=0$r',
    'if [ $h -gt 0 ]; then d=${h}h${m}m; elif [ $m -gt 0 ] && [ $r != 00 ]; then d=${m}m${r}s; elif [ $m -gt 0 ]; then d=${m}m; else d=$((s))s; fi',
    ...(escape === 'none'
      ? []
      : [
          'esc() { o=; while :; do case $t in (*"$1"*) o=$o${t%%"$1"*}$1$1; t=${t#*"$1"};; (*) break;; esac; done; t=$o$t; }',
          escape === 'tmux' ? 'esc "#"' : '[ "$STARSHIP_SHELL" = zsh ] && esc "%"',
        ]),
    'printf "%s · %s\\n" "$t" "$d"',
  ];
  return lines.join('; ');
}

const tmux = (dir: string) => {
  if (/['\n]/.test(dir))
    throw new CliError(`the runtime directory ${dir} holds a quote or a newline, which a tmux config cannot carry`);
  // In tmux's status-right, # and % are format and strftime escapes: doubled, they stay themselves.
  const command = shProgram(dir, 'tmux').replace(/[#%]/g, '$&$&');
  return `# fragd: the session status in tmux's status bar (docs/terminal.md); tmux refreshes it every
# status-interval seconds. Append to ~/.tmux.conf: fragctl prompt tmux >> ~/.tmux.conf
set -ag status-right ' #(${command})'
`;
};

const starship = (dir: string) => `# fragd: the session status as a starship module (docs/terminal.md). Append to
# ~/.config/starship.toml: fragctl prompt starship >> ~/.config/starship.toml
[custom.fragd]
command = '''${shProgram(dir, 'starship')}'''
when = true
shell = ['sh']
format = '[($output )]($style)'
style = 'bold blue'
`;

const sh = (dir: string) => `#!/bin/sh
# fragd: print the session status line from the status file (docs/terminal.md).
${shProgram(dir, 'none')}
`;

export function promptSnippet(shell: PromptShell, env: NodeJS.ProcessEnv = process.env): string {
  const dir = resolvePaths(env).runtimeDir;
  return { bash, zsh, fish, tmux, starship, sh }[shell](dir);
}

export function promptCommand(y: Argv<GlobalArgs>) {
  return y.command(
    'prompt <shell>',
    'Print a snippet that shows the session status in a shell prompt or status bar, read from a file fragd keeps (no Node start per prompt)',
    (b) =>
      b
        .positional('shell', { choices: SHELLS, demandOption: true })
        .example('eval "$(fragctl prompt bash)"', 'in ~/.bashrc (last)')
        .example('fragctl prompt fish | source', 'in ~/.config/fish/config.fish')
        .example('fragctl prompt tmux >> ~/.tmux.conf', "in tmux's status bar"),
    (argv) => {
      try {
        process.stdout.write(promptSnippet(argv.shell));
      } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        process.exitCode = (err as CliError).exit ?? 1;
      }
    },
  );
}
