#!/bin/sh
# One agent working a shared plan with fragctl (docs/claims.md): start a session of its
# own, take the next ready task, work on it, finish it, until nothing is left. Several
# copies can run at once (one per agent): `next --activate` never gives two of them the
# same task, nor a task whose dependencies are not complete.
#
#   examples/agent-loop.sh ACTOR WORK
#
# WORK is a command run for each task with the task's code as its argument; it prints
# what it did, one line per update (at least two), and the summary last. Needs jq.
set -u
actor=$1
work=$2

FRAGMENTS_SESSION=$(fragctl session start --actor "$actor" --json | jq -r .session.key) || exit 1
export FRAGMENTS_SESSION

while :; do
  answer=$(fragctl next --activate --json)
  case $? in
    0) ;;                                 # working on a task: .task.code
    8) sleep 1; continue ;;               # nothing ready yet: what is open waits for others
    9) break ;;                           # nothing left for this agent: stop
    *) echo "$answer" >&2; exit 1 ;;      # a failure: .error says what and what to do
  esac
  task=$(printf '%s' "$answer" | jq -r .task.code)
  lines=$("$work" "$task") || exit 1
  summary=$(printf '%s\n' "$lines" | tail -n 1)
  printf '%s\n' "$lines" | sed '$d' | while IFS= read -r line; do
    fragctl update "$line" >/dev/null || exit 1
  done || exit 1
  fragctl done "$summary" >/dev/null || exit 1
done

fragctl session end >/dev/null
