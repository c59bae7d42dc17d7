#!/usr/bin/env bash
# Installs the Debian packages InspectSync builds and tests with, and the
# browser tests' pinned npm packages. Does nothing when they are all present,
# so `make run` / `make test` can call it every time.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config make
  python3                    # scripts/check-layering.py (the layering test)
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libsqlitecpp-dev libsqlite3-dev sqlite3
  libssl-dev openssl
  libcurl4-openssl-dev       # webhook delivery (server/webhook_delivery.cc)
  libcli11-dev               # the command line's flags (tools/cli.cc)
  libcpp-httplib-dev         # the office console's HTTPS listener (server/console/)
  libjs-chart.js             # the console's charts, embedded at build time (/static/vendor/chart.js)
  libgtest-dev libgmock-dev
  clang libclang-rt-14-dev   # libFuzzer targets (tests/fuzz)
  chromium                   # the console's browser tests (tests/console), headless
  fonts-wqy-microhei         # Chinese glyphs in the browser tests' screenshots
)
# Node.js and npm drive the browser tests (puppeteer-core). A machine may
# already have them from elsewhere than Debian (e.g. NodeSource's nodejs, which
# bundles npm and conflicts with Debian's npm package): then the commands are
# enough and the packages are not asked for.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PKGS+=(nodejs npm)
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  # apt-get update only when the package lists are missing or a package cannot be found.
  if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi

# The browser tests' npm packages (tests/console/package-lock.json, pinned):
# `npm ci` when node_modules is missing or was installed from another lock.
# The stamp records the lock's hash. puppeteer-core never downloads a browser
# (the tests drive Debian's /usr/bin/chromium); PUPPETEER_SKIP_DOWNLOAD says so
# to anything that might.
CONSOLE_TESTS="$(cd "$(dirname "$0")/.." && pwd)/tests/console"
if [ -f "$CONSOLE_TESTS/package-lock.json" ]; then
  lock_hash=$(sha256sum "$CONSOLE_TESTS/package-lock.json" | cut -d' ' -f1)
  stamp="$CONSOLE_TESTS/node_modules/.inspectsync-lock.sha256"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
    echo "install-deps: npm ci in tests/console (puppeteer-core, pinned in package-lock.json)"
    (cd "$CONSOLE_TESTS" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund)
    echo "$lock_hash" > "$stamp"
  fi
fi
