#!/bin/sh
# Runs one browser suite under Node's test runner, for ctest. Exits 77 (ctest
# SKIP_RETURN_CODE) with the reason when what it needs is not installed —
# Chromium, Node.js or the pinned npm packages (scripts/install-deps.sh
# installs them all) — and never passes without running.
# Usage: run.sh SUITE.test.js   (INSPECTSYNC_BIN and CONSOLE_SCREENSHOTS set by CMake)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
skip() { echo "SKIPPED: $* — run scripts/install-deps.sh (make deps) to install it"; exit 77; }
[ -x "$chromium" ] || skip "no Chromium at $chromium (Debian package chromium)"
command -v node > /dev/null || skip "no node (Debian package nodejs)"
[ -f "$here/node_modules/puppeteer-core/package.json" ] || skip "no $here/node_modules (npm ci in tests/console)"
cd "$here"
exec node --test --test-reporter=spec "$here/$1"
