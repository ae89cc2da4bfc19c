#!/bin/sh
# fragd agent hook: the one command every coding agent's hook settings call,
#   fragd-agent-hook.sh <agent> <event>      (the agent's JSON payload on stdin)
# installed by `fragctl agent install`. fragd-agent-hook-version: 1
#
# It must never fail, block or slow the agent, fragd running or not. SessionStart has to
# answer with context, so it asks fragd (one round trip, through fragctl). Every other
# event is written as one spool record, with no Node.js start: fragd ingests the spool at
# start, on a file-system watch and on a timer, so nothing is lost while it is down.
# Always exits 0; prints nothing except SessionStart's context, at a prompt what fragd
# queued for the conversation's context, and before an edit tool (Claude Code's PreToolUse,
# Codex's PreToolUse for apply_patch, Gemini CLI's BeforeTool) a refusal in the agent's own
# form when the file is another session's exclusive reservation (docs/claims.md): read from
# the file fragd keeps beside the spool, by one awk in place of cat.
agent=$1 event=$2

# Before a tool, in place of cat: copies the payload (stdin) to stdout (the record) and, when
# the call edits a file another session reserves exclusively per the reservations file $2
# (fragd keeps it: one line per reservation, tab-separated: root, pattern, session, actor,
# task, until, the holder conversation's chat ids, how to ask the holder), prints the
# refusal in the agent's own form ($1: the event) on stderr, which the caller points at the
# agent. One awk where cat was: no process more than without reservations. The tools that
# edit a file: Claude Code's Edit, Write, MultiEdit, NotebookEdit (tool_input.file_path /
# notebook_path), Gemini CLI's write_file and replace (file_path), Codex's apply_patch (the
# patch's "*** Update/Add/Delete File:" and "*** Move to:" lines), also when Codex passes it
# as a shell command starting with apply_patch (Codex runs that as its apply_patch tool).
# Any other shell command is not parsed for paths. A key's name followed by ":" cannot occur
# inside a JSON string, so the first match of one is the key itself.
fragd_reserved() {
  awk -v event="$1" '
    function val(key,   m) {
      if (!match(payload, "\"" key "\"[ \t]*:[ \t]*\"[^\"\\\\]*\"")) return ""
      m = substr(payload, RSTART, RLENGTH); sub(/^"[^"]*"[ \t]*:[ \t]*"/, "", m); return substr(m, 1, length(m) - 1)
    }
    function esc(c) { return index("\\^$.[]|()*+?{}/", c) ? "\\" c : c }
    function rx(s, glob,   i, c, out) {
      for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        out = out (glob && c == "*" ? ".*" : glob && c == "?" ? "." : esc(c))
      }
      return out
    }
    # "src/../src/auth.ts" and "./src//auth.ts" name src/auth.ts: "." "" and ".." are resolved
    # (by name; a symlink in the path is not followed) before any pattern is matched.
    function norm(p,   n, i, seg, st, k, out) {
      n = split(p, seg, "/"); k = 0
      for (i = 1; i <= n; i++) {
        if (seg[i] == "" || seg[i] == ".") continue
        if (seg[i] == "..") { if (k > 0) k--; continue }
        st[++k] = seg[i]
      }
      for (i = 1; i <= k; i++) out = out "/" st[i]
      return out == "" ? "/" : out
    }
    function add(p) { if (p != "") paths[++np] = norm(p ~ /^\// ? p : cwd "/" p) }
    FNR == NR { if ($0 !~ /^#/ && $0 != "") res[++nr] = $0; next }
    { print; payload = payload $0 "\n" }
    END {
      tool = val("tool_name"); sid = val("session_id"); cwd = val("cwd")
      if (tool == "Bash" && payload ~ /"command"[ \t]*:[ \t]*"apply_patch[ \\]/) tool = "apply_patch"
      if (tool !~ /^(Edit|Write|MultiEdit|NotebookEdit|write_file|replace|apply_patch)$/) exit
      add(val("file_path")); add(val("notebook_path"))
      if (tool == "apply_patch") {
        rest = payload
        while (match(rest, /\\n\*\*\* ([A-Za-z]+ File|Move to): [^\\"]*/)) {
          p = substr(rest, RSTART, RLENGTH); sub(/^\\n\*\*\* [^:]*: /, "", p); add(p)
          rest = substr(rest, RSTART + RLENGTH)
        }
      }
      for (i = 1; i <= nr; i++) {
        split(res[i], f, "\t")
        if (sid != "" && index("," f[7] ",", "," sid ",")) continue
        re = "^" rx(f[1], 0) "/" rx(f[2], 1) "(/.*)?$"
        for (j = 1; j <= np; j++) {
          if (paths[j] !~ re) continue
          rel = substr(paths[j], length(f[1]) + 2)
          msg = "fragd: " rel " is reserved exclusively by " f[4] " (" f[3] ")" (f[5] == "-" ? "" : " for " f[5]) \
            ", until " f[6] " unless renewed. Do not change it: wait until " f[4] " releases it, work on other files," \
            " or ask " f[4] " with " f[8] " (who holds what: fragctl reservations --all); a person can take it over" \
            " with --force (recorded on both sessions)"
          if (event == "BeforeTool") printf "{\"decision\":\"deny\",\"reason\":\"%s\"}\n", msg > "/dev/stderr"
          else printf "{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"permissionDecision\":\"deny\",\"permissionDecisionReason\":\"%s\"}}\n", msg > "/dev/stderr"
          exit
        }
      }
    }' "$2" -
}

if [ "${FRAGMENTS_HOOKS:-on}" = off ]; then exit 0; fi

case $event in
  SessionStart)
    # fragctl.js sits beside this script (dist/). It bounds its own time, spools the
    # payload itself when fragd cannot answer, and prints only what the agent injects.
    # Without node on the agent's PATH (nvm, an agent started from a desktop) it cannot
    # run: the event is spooled below like any other, so it is still recorded.
    # node by name (found just above), not through fragctl.js's #!/usr/bin/env: one exec fewer.
    if command -v node >/dev/null 2>&1; then
      node "${0%/*}/fragctl.js" agent hook "$agent" "$event" 2>/dev/null
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
  # A prompt's record is written under another name first (read below, then named .rec:
  # fragd takes .rec files at once); every other event's directly (fragd skips a record
  # until its "end" line is written). Before a tool, while fragd keeps a reservations file
  # (only while something is reserved exclusively) of this user's own, not a symlink, the
  # payload goes through the reservation check instead of cat; its refusal reaches the agent.
  res=${spool%/*}/reservations
  check=
  case $event in
    UserPromptSubmit|BeforeAgent) out=$rec.part ;;
    PreToolUse|BeforeTool)
      out=$rec
      [ -s "$res" ] && [ -O "$res" ] && [ ! -L "$res" ] && command -v awk >/dev/null && check=1 ;;
    *) out=$rec ;;
  esac
  { printf 'fragd-agent 1\nagent %s\nevent %s\ntime %s\npayload\n' "$agent" "$event" "$FRAGD_AGENT_HOOK_TIME"
    if [ -n "$check" ]; then fragd_reserved "$event" "$res" 2>&3; else cat; fi
    printf '\nend\n'
  } 3>&1 >"$out"
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
