#!/bin/sh
# fragd agent hook: the one command every coding agent's hook settings call,
#   fragd-agent-hook.sh <agent> <event>      (the agent's JSON payload on stdin)
# installed by `fragctl agent install`. fragd-agent-hook-version: 1
#
# It must never fail, block or slow the agent, fragd running or not. SessionStart has to
# answer with context, so it asks fragd (one round trip, through fragctl). Every other
# event is written as one spool record, with no Node.js start: fragd ingests the spool at
# start, on a file-system watch and on a timer, so nothing is lost while it is down.
# Always exits 0; prints nothing except SessionStart's context and, at a prompt, what fragd
# queued for the conversation's context.
agent=$1 event=$2

if [ "${FRAGMENTS_HOOKS:-on}" = off ]; then exit 0; fi

case $event in
  SessionStart)
    # fragctl.js sits beside this script (dist/). It bounds its own time, spools the
    # payload itself when fragd cannot answer, and prints only what the agent injects.
    # Without node on the agent's PATH (nvm, an agent started from a desktop) it cannot
    # run: the event is spooled below like any other, so it is still recorded.
    if command -v node >/dev/null 2>&1; then
      "${0%/*}/fragctl.js" agent hook "$agent" "$event" 2>/dev/null
      exit 0
    fi
    ;;
esac

# An agent always pipes the payload; a terminal on stdin would make cat wait forever.
[ -t 0 ] && exit 0
{
  # The same directory fragd uses (shared/paths.ts): FRAGMENTS_HOME, else XDG_STATE_HOME.
  if [ -n "$FRAGMENTS_HOME" ]; then spool=$FRAGMENTS_HOME/spool
  else spool=${XDG_STATE_HOME:-$HOME/.local/state}/fragments/spool; fi
  [ -d "$spool" ] || (umask 077 && mkdir -p "$spool")
  # Only into this user's own spool, as fragctl checks: a directory another user created
  # first (in a shared place) would receive the user's prompts. Not a symlink, owned by us,
  # and so is the directory holding it; and the record is created new (noclobber: a name
  # planted there, or a symlink, makes the write fail instead of going through it).
  if [ -L "$spool" ] || [ ! -O "$spool" ] || [ ! -O "${spool%/*}" ]; then exit 0; fi
  set -C
  # Makes the name unique with no fork: our pid and the boot clock (a builtin read).
  up=; read -r up _ </proc/uptime
  # fragd dates the record by the file's mtime; FRAGD_AGENT_HOOK_TIME (epoch ms) overrides
  # it, for replaying a conversation on a test clock. fragd skips a record without its
  # final "end" line (still being written) and takes the payload between "payload" and it.
  rec=$spool/agent-$$-$up.rec
  # A prompt's record is written under another name first (below); every other event's directly.
  case $event in UserPromptSubmit|BeforeAgent) out=$rec.part ;; *) out=$rec ;; esac
  { printf 'fragd-agent 1\nagent %s\nevent %s\ntime %s\npayload\n' "$agent" "$event" "$FRAGD_AGENT_HOOK_TIME"
    cat
    printf '\nend\n'
  } >"$out"
  # At a prompt: what fragd queued for this conversation's context (a budget crossed, docs/costs.md),
  # already in the agent's hook output form; taken by a rename, so it is printed once. The
  # conversation id is read before the record is named .rec (fragd takes .rec files at once).
  id=
  case $event in
    UserPromptSubmit|BeforeAgent)
      id=$(sed -n 's/.*"session_id"[[:space:]]*:[[:space:]]*"\([A-Za-z0-9_-]\{1,128\}\)".*/\1/p' "$out" | head -n 1)
      mv "$out" "$rec" ;;
  esac
  queued=$spool/context/$id
  if [ -n "$id" ] && [ -f "$queued" ] && mv "$queued" "$queued.$$" 2>/dev/null; then
    cat "$queued.$$"
    rm -f "$queued.$$"
  fi
} 2>/dev/null
exit 0
