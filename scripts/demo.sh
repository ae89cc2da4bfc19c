#!/usr/bin/env bash
# A real session flow against a real daemon that fragctl starts by itself, on SQLite.
# Uses a throw-away FRAGMENTS_HOME unless you pass one, so it never touches your data.
set -euo pipefail
cd "$(dirname "$0")/.."
export FRAGMENTS_HOME=${FRAGMENTS_HOME:-$(mktemp -d /tmp/fragd-demo.XXXXXX)}
chmod 700 "$FRAGMENTS_HOME"
f() { echo; echo "\$ fragctl $*"; node dist/fragctl.js "$@"; }
echo "demo home: $FRAGMENTS_HOME (socket, database and log live here)"
f import examples/plan.yaml
f session start
f sprint activate 1
f task activate T-01
f update "sketched the login form and its validation rules"
f note "chose zod for the schema: it is already a dependency"
f status
f task deactivate --summary "login form done: fields, validation, error messages" --complete
f status --short
f session end --summary "login form shipped"
f session list
f daemon status
f daemon stop
