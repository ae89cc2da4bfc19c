#!/usr/bin/env bash
# A real session flow against a real daemon that fragctl starts by itself, on SQLite.
# Uses a throw-away FRAGMENTS_HOME unless you pass one, so it never touches your data.
set -euo pipefail
# FRAGCTL names the fragctl to run (an installed one, for scripts/pack-check.sh); by default
# this checkout's build.
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${FRAGCTL:-}" ]; then fragctl=("$FRAGCTL"); else fragctl=(node "$root/dist/fragctl.js"); fi
plan=${PLAN:-$root/examples/plan.yaml}
# A home the demo made is removed at the end; one you pass (FRAGMENTS_HOME=…) is kept.
own_home=
if [ -z "${FRAGMENTS_HOME:-}" ]; then
  FRAGMENTS_HOME=$(mktemp -d "${TMPDIR:-/tmp}/fragd-demo.XXXXXX")
  own_home=1
fi
export FRAGMENTS_HOME
chmod 700 "$FRAGMENTS_HOME"
# Shows each command as a shell would need it typed: words with spaces or quotes single-quoted.
shown() {
  local a q="'\\''"
  for a in "$@"; do
    case $a in
    '' | *[!A-Za-z0-9_./:=@,+-]*) printf " '%s'" "${a//\'/$q}" ;;
    *) printf ' %s' "$a" ;;
    esac
  done
}
f() { echo; echo "\$ fragctl$(shown "$@")"; "${fragctl[@]}" "$@"; }
# If a step fails, stop the daemon the demo started rather than leave it running.
cleanup() {
  local status=$?
  [ $status -eq 0 ] || "${fragctl[@]}" daemon stop --no-autostart >/dev/null 2>&1
  [ -z "$own_home" ] || rm -rf "$FRAGMENTS_HOME"
  exit $status
}
trap cleanup EXIT
if [ -n "$own_home" ]; then
  echo "demo home: $FRAGMENTS_HOME (socket, database and log live here; removed at the end, FRAGMENTS_HOME=DIR keeps one)"
else
  echo "demo home: $FRAGMENTS_HOME (socket, database and log live here)"
fi
f import "$plan"
f session start
f sprint activate 1
f task activate T-01
f update "sketched the login form"
f note "chose zod for the schema: it is already a dependency"
echo; echo "# completion is gated: T-01 still has an open subtask and too few updates (exit code 6)"
f done "login form with fields and validation" || echo "(exit $?)"
f task activate T-01a
f update "required-field and email rules"
sleep 1
f update "error messages under each field"
f done "validation rules for every field, with tests"
f update "form submits to the session endpoint"
f validate task T-01 || echo "(exit $?: not ready yet, the summary comes with done)"
f done "login form done: fields, validation, error messages"
f status --short
f report --by task
f session end --summary "login form shipped"
f session list
f daemon status
f daemon stop
