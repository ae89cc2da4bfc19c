#!/bin/sh
# fragd git hook, installed by `fragctl hooks install` (`fragctl hooks uninstall` puts back
# what was here before), or for every repository by `fragctl setup` through git's global
# core.hooksPath. fragd-hook-version: 3
#
# It must never fail or slow git down, daemon running or not: so no Node.js here, one git
# call, and one small record file in the spool directory that fragd ingests (at start, on a
# file-system watch and on a timer). fragd reads the message and files from git itself.
IFS=' 	
'
hook=${0##*/}
status=0

# post-rewrite gets "old new [extra]" lines on stdin; read them with builtins (no fork).
pairs= input=
if [ "$hook" = post-rewrite ]; then
  while read -r old new rest; do
    pairs="${pairs}pair $old $new
"
    input="${input}$old $new${rest:+ $rest}
"
  done
fi

# A hook that was here before fragd's runs first, with the same arguments and stdin; its
# exit status is kept (post-checkout's becomes git checkout's).
if [ -x "$0.fragd-chained" ]; then
  if [ "$hook" = post-rewrite ]; then
    printf '%s' "$input" | "$0.fragd-chained" "$@"
  else
    "$0.fragd-chained" "$@"
  fi
  status=$?
fi

# Installed for every repository (git's global core.hooksPath points here, which stops git
# from running a repository's own hooks): run the repository's own hook too, as git would
# have, and keep the worse exit status.
if [ -e "${0%/*}/.fragd-global" ]; then
  own=$(git rev-parse --git-common-dir 2>/dev/null)/hooks/$hook
  if [ -x "$own" ] && [ ! "$own" -ef "$0" ]; then
    if [ "$hook" = post-rewrite ]; then
      printf '%s' "$input" | "$own" "$@"
    else
      "$own" "$@"
    fi
    own_status=$?
    [ $status -eq 0 ] && status=$own_status
  fi
fi

# pre-commit: the reservations guard (docs/claims.md#file-reservations). A commit that
# touches a path another actor reserves exclusively is refused, naming who holds it;
# `git commit --no-verify` skips it (fragd records the override when it sees the commit).
# "Another actor": not this terminal's session (FRAGMENTS_SESSION), nor its actor
# (FRAGMENTS_ACTOR, else human). Read from the file fragd keeps; no Node.js, two git calls.
if [ "$hook" = pre-commit ]; then
  [ "${FRAGMENTS_HOOKS:-on}" = off ] && exit $status
  [ $status -eq 0 ] || exit $status
  if [ -n "$FRAGMENTS_HOME" ]; then res=$FRAGMENTS_HOME/reservations
  else res=${XDG_STATE_HOME:-$HOME/.local/state}/fragments/reservations; fi
  # Only this user's own file, not a symlink, in a directory of ours.
  if [ ! -s "$res" ] || [ ! -O "$res" ] || [ -L "$res" ] || [ ! -O "${res%/*}" ]; then exit 0; fi
  root=$(git rev-parse --show-toplevel 2>/dev/null) || exit 0
  files=$(git -c core.quotepath=off diff --cached --name-only --no-renames 2>/dev/null) || exit 0
  [ -n "$files" ] || exit 0
  me_actor=${FRAGMENTS_ACTOR:-human}
  nl='
'
  tab='	'
  refused=
  set -f
  while IFS=$tab read -r r_root r_pat r_key r_actor r_task r_until r_ids r_take; do
    case $r_root in '#'* | '') continue ;; esac
    [ "$r_root" = "$root" ] || continue
    [ -n "$FRAGMENTS_SESSION" ] && [ "$r_key" = "$FRAGMENTS_SESSION" ] && continue
    [ "$r_actor" = "$me_actor" ] && continue
    IFS=$nl
    for f in $files; do
      case $f in
        $r_pat | $r_pat/*)
          [ "$r_task" = - ] && r_task= || r_task=" for $r_task"
          refused="${refused}fragd: $f is reserved exclusively by $r_actor ($r_key)$r_task, until $r_until unless renewed.$nl" ;;
      esac
    done
    IFS=' 	
'
  done <"$res"
  set +f
  if [ -n "$refused" ]; then
    printf '%s' "$refused" >&2
    printf '%s\n' "fragd: commit refused: it touches another actor's reserved files (above). Unstage them (git restore --staged FILE), wait until they are released (who holds what: fragctl reservations --all), or commit anyway with: git commit --no-verify (fragd records the override)." >&2
    exit 1
  fi
  exit 0
fi

# FRAGMENTS_HOOKS=off silences fragd's part (the chained hook still runs).
if [ "${FRAGMENTS_HOOKS:-on}" != off ]; then
  {
    # The same directory fragd uses (shared/paths.ts): FRAGMENTS_HOME, else XDG_STATE_HOME.
    if [ -n "$FRAGMENTS_HOME" ]; then spool=$FRAGMENTS_HOME/spool
    else spool=${XDG_STATE_HOME:-$HOME/.local/state}/fragments/spool; fi
    [ -d "$spool" ] || (umask 077 && mkdir -p "$spool")
    # Only into this user's own spool, as fragctl checks (a directory another user created
    # first would learn every commit): not a symlink, owned by us as is its parent; records
    # are created new (noclobber: a planted name or symlink fails instead of being written).
    if [ -L "$spool" ] || [ ! -O "$spool" ] || [ ! -O "${spool%/*}" ]; then exit $status; fi
    set -C
    # A path with a newline would end the line: such a path (only) goes base64-encoded.
    repo="repo $PWD"
    case $PWD in *'
'*) repo="repo64 $(printf %s "$PWD" | base64 | tr -d '\n')" ;; esac
    a1=$1 a2=$2 a3=$3
    # Makes two runs of one hook on one HEAD distinct (git's pid and ours may both recur):
    # the boot clock, read by a builtin (Linux; empty elsewhere).
    up=; read -r up _ </proc/uptime
    if [ "$hook" = post-merge ]; then
      # --symbolic-full-name applies to every name after it, so ORIG_HEAD comes before it.
      set -- $(git rev-parse HEAD ORIG_HEAD --symbolic-full-name HEAD 2>/dev/null)
      set -- "$1" "$3" "$2"
    else
      set -- $(git rev-parse HEAD --symbolic-full-name HEAD 2>/dev/null)
    fi
    # One printf: a single small write. fragd skips a record without its "end" line
    # (still being written) and takes the time of the record from the file's mtime.
    [ -n "$1" ] && printf 'fragd-spool 1\nhook %s\n%s\nhead %s\nref %s\norig %s\nargs %s %s %s\nsession %s\nactor %s\nnonce %s\n%send\n' \
      "$hook" "$repo" "$1" "$2" "$3" "$a1" "$a2" "$a3" "$FRAGMENTS_SESSION" "$FRAGMENTS_ACTOR" "$up" "$pairs" \
      >"$spool/$hook-$1-$PPID-$$.rec"
  } 2>/dev/null
fi
exit $status
