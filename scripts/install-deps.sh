#!/usr/bin/env bash
# Installs the Debian packages InspectSync builds and tests with. Does nothing
# when they are all present, so `make run` / `make test` can call it every time.
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
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

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
