#!/bin/sh
# The SDK installs like a library (issue 16, item 4): this build is installed
# into a temp prefix, and an app that knows only that prefix is built against
# it twice and run against a real server.
#   1. cmake --install BUILD --component sdk --prefix P (the SDK alone); the
#      installed config and .pc name no path of the source or build tree, the
#      headers no internal one.
#   2. examples/record-and-sync, copied out of the repository, configured with
#      find_package(InspectSync) and -DCMAKE_PREFIX_PATH=P, built.
#   3. The same main.cc compiled with `pkg-config --cflags --libs inspectsync-client`.
#   4. A TLS server on a free port, an office token; each app records a
#      finding, syncs, and checks it came back as a server version; the
#      server lists both findings (admin findings).
# Usage: sdk_consumer.sh PATH/TO/inspectsync BUILD_DIR SOURCE_DIR CXX CMAKE
set -eu
I="$1" BUILD="$2" SRC="$3" CXX="$4" CMAKE="$5"
. "$(dirname "$0")/lib.sh"
P="$T/prefix"

"$CMAKE" --install "$BUILD" --component sdk --prefix "$P" > install.log 2>&1 || fail "cmake --install: $(cat install.log)"
[ -f "$P/include/inspectsync/client.h" ] && [ -f "$P/include/inspectsync/status.h" ] &&
  [ -f "$P/include/inspectsync/v1/sync.pb.h" ] || fail "public headers missing: $(find "$P/include")"
CONFIG=$(find "$P" -name InspectSyncConfig.cmake)
PC=$(find "$P" -name inspectsync-client.pc)
[ -n "$CONFIG" ] && [ -n "$PC" ] || fail "no InspectSyncConfig.cmake or inspectsync-client.pc under the prefix"
if grep -rlF -e "$SRC" -e "$BUILD" "$(dirname "$CONFIG")" "$PC"; then
  fail "the installed package names the source or build tree (above)"
fi
if find "$P/include" -name '*.grpc.pb.h' | grep -q . || [ -e "$P/include/core" ]; then
  fail "internal headers installed: $(find "$P/include")"
fi

# 2. CMake, out of tree: the example alone, the prefix the only way in.
cp -R "$SRC/examples/record-and-sync" app-src
"$CMAKE" -S app-src -B app-cmake -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_PREFIX_PATH="$P" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF > configure.log 2>&1 ||
  fail "configuring the example: $(cat configure.log)"
"$CMAKE" --build app-cmake > build.log 2>&1 || fail "building the example: $(cat build.log)"

# 3. pkg-config.
PKG_CONFIG_PATH="$(dirname "$PC")"
export PKG_CONFIG_PATH
FLAGS=$(pkg-config --cflags --libs inspectsync-client) || fail "pkg-config --cflags --libs inspectsync-client"
# shellcheck disable=SC2086 # FLAGS is a list of words
"$CXX" -std=c++17 -O1 app-src/main.cc $FLAGS -o app-pkgconfig > pc-build.log 2>&1 ||
  fail "building with pkg-config ($FLAGS): $(cat pc-build.log)"

# 4. Against a real server.
start_server
"$I" admin token issue --user u-office --role office --device sdk-app --keys keys > office.tok
A="--server $ADDR --ca certs/ca.pem --token-file office.tok"
ID1=$(app-cmake/record-and-sync $A --db app1.db --title "Blocked fire exit (cmake app)") ||
  fail "the find_package app"
ID2=$(./app-pkgconfig $A --db app2.db --title "Expired extinguisher (pkg-config app)") || fail "the pkg-config app"
"$I" admin findings $A > findings.txt || fail "admin findings: $(cat findings.txt)"
grep -q "$ID1" findings.txt && grep -q "$ID2" findings.txt ||
  fail "the server does not list $ID1 and $ID2: $(cat findings.txt)"
echo "sdk consumer: ok"
