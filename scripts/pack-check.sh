#!/usr/bin/env bash
# The package as a user gets it: npm pack, npm install -g into a temporary prefix, then the
# demo's session flow run by the installed fragctl from outside the repository (the daemon
# it auto-starts is the installed fragd, with the installed dependencies).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/fragd-pack.XXXXXX)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$root" >/dev/null)
tarball=$(ls "$work"/fragd-*.tgz)
# The README's line, warnings shown: the package itself must need no install script (its build
# output is in the tarball), so npm has nothing to ask about but better-sqlite3.
npm install -g --prefix "$work/prefix" --allow-scripts=better-sqlite3 --no-audit --no-fund --loglevel=warn "$tarball" 2>&1 |
  tee "$work/install.log"
if grep -q 'install-scripts' "$work/install.log"; then
  echo "pack-check: npm install warned about install scripts (see above)" >&2
  exit 1
fi
export PATH="$work/prefix/bin:$PATH"
test "$(command -v fragctl)" = "$work/prefix/bin/fragctl"
test "$(command -v fragd)" = "$work/prefix/bin/fragd"
installed="$work/prefix/lib/node_modules/fragd"
cd "$work"
export FRAGMENTS_HOME="$work/home"
mkdir -m 700 "$FRAGMENTS_HOME"
FRAGCTL=fragctl PLAN="$installed/examples/plan.yaml" bash "$root/scripts/demo.sh" >"$work/demo.log" 2>&1 || {
  cat "$work/demo.log" >&2
  echo "pack-check: the demo failed with the installed package" >&2
  exit 1
}
# A line only fragd's answer prints (the demo echoes each command line too).
grep -q "^ended SESSION-" "$work/demo.log" || { cat "$work/demo.log" >&2; exit 1; }
echo "pack-check: npm pack → npm install -g → session flow from $work/prefix passed"
