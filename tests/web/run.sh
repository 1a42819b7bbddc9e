#!/usr/bin/env bash
# The web page's test in a real browser (tests/web/browser.mjs): installs what it needs, once
# (Debian's chromium, as editors/ci.sh does; playwright-core as tests/web/package-lock.json
# pins it, into target/web-node/), then runs it against $PROMPTLS_BIN (default
# target/debug/promptls).
# Prints "web: N passed, M failed" last and exits non-zero when anything failed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
say() { printf '[web] %s\n' "$*"; }

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  say "installing chromium (apt)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ||
    { say "FAIL install chromium"; echo "web: 0 passed, 1 failed"; exit 1; }
fi
# playwright-core, as tests/web/package-lock.json pins it, in target/web-node/ (not in
# tests/web/: the crate package takes everything under tests/). npm ci again when the lock
# file changed (a stamp holds its hash).
node_dir="$repo/target/web-node"
stamp="$node_dir/node_modules/.promptls-lock.sha256"
want=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  mkdir -p "$node_dir" && cp "$here/package.json" "$here/package-lock.json" "$node_dir/" &&
    (cd "$node_dir" && npm ci --no-audit --no-fund --silent) && echo "$want" >"$stamp" ||
    { say "FAIL npm ci (tests/web/package-lock.json in target/web-node)"; echo "web: 0 passed, 1 failed"; exit 1; }
fi
timeout --kill-after=10 150 env PROMPTLS_BIN="${PROMPTLS_BIN:-$repo/target/debug/promptls}" \
  node "$here/browser.mjs"
rc=$?
# A test that was killed printed no summary: say so in the same shape.
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then say "FAIL timed out"; echo "web: 0 passed, 1 failed"; fi
exit $rc
