#!/usr/bin/env bash
# Installs the real coding agents the acceptance tests drive (test/integration/agents-real.test.ts):
# the exact versions of test/agents-cli/package.json and its lock file, never fragd's own
# dependencies. The installed tree is kept in a cache keyed by the lock file's hash
# ($FRAGD_AGENTS_CLI_CACHE, default ~/.cache/fragd/agents-cli), so a second run, or CI on the
# same machine, links it instead of installing again. Install scripts are not run (Gemini
# CLI's optional node-pty and keytar would compile native code the headless runs do not use),
# except Claude Code's, which only copies its native program out of its per-platform package
# (a dependency like the others) over its placeholder: nothing is downloaded besides packages.
set -euo pipefail
cd "$(dirname "$0")/../test/agents-cli"

hash=$(cat package.json package-lock.json | sha256sum | cut -c1-16)
cache=${FRAGD_AGENTS_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fragd/agents-cli}/$hash
# Claude Code and Codex are native programs (a placeholder until installed); Gemini CLI is
# one JavaScript bundle, slow to start, so its presence is enough.
works() {
  "$1/node_modules/.bin/claude" --version >/dev/null 2>&1 && "$1/node_modules/.bin/codex" --version >/dev/null 2>&1 &&
    [ -f "$1/node_modules/@google/gemini-cli/bundle/gemini.js" ]
}
if ! works "$cache"; then
  mkdir -p "${cache%/*}"
  tmp=$(mktemp -d "${cache%/*}/.tmp.XXXXXX")
  cp package.json package-lock.json "$tmp/"
  (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error &&
    node node_modules/@anthropic-ai/claude-code/install.cjs)
  works "$tmp" || { echo "the agent CLIs installed in $tmp do not run" >&2; exit 1; }
  rm -rf "$cache"
  mv "$tmp" "$cache"
fi
# A link, not a copy: the tree is some hundreds of megabytes.
if [ -d node_modules ] && [ ! -L node_modules ]; then rm -rf node_modules; fi
ln -sfn "$cache/node_modules" node_modules
node -e 'for (const p of ["@anthropic-ai/claude-code", "@openai/codex", "@google/gemini-cli"]) console.log(p, require(`./node_modules/${p}/package.json`).version)'
