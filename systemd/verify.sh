#!/usr/bin/env bash
# Checks the user units with systemd-analyze, against this checkout's fragd and node.
# systemd-analyze rejects an ExecStart whose executable does not exist, so the service
# is verified with ExecStart pointing at this checkout's node and dist/fragd.js.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_RUNTIME_DIR="$work/run"
mkdir -m 0700 "$XDG_RUNTIME_DIR"
node_bin=$(command -v node)
sed "s|^ExecStart=[^ ]*|ExecStart=$node_bin|; s|%h/.local/lib/fragd/dist/fragd.js|$root/dist/fragd.js|" "$here/fragd.service" > "$work/fragd.service"
cp "$here/fragd.socket" "$work/fragd.socket"
test -f "$root/dist/fragd.js" || { echo "dist/fragd.js is missing: run npm run build first" >&2; exit 1; }
systemd-analyze verify --user "$work/fragd.socket" "$work/fragd.service"
echo "systemd units verified"
