# Shared by the CLI walkthroughs: sourced after `I` (the inspectsync binary)
# is set. Makes a temp dir and moves into it, cleans up on exit, and
# start_server [extra server flags] starts a TLS server on a free port,
# setting SERVER_PID and ADDR.
T=$(mktemp -d)
SERVER_PID=
# KEEP_TMP=1 keeps the temp dir (its path is printed) to read the outputs.
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; if [ -n "${KEEP_TMP:-}" ]; then echo "kept $T" >&2; else rm -rf "$T"; fi; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$T"

start_server() {
  "$I" server --listen 127.0.0.1:0 --db s.db --certs certs --token-keys keys "$@" > server.log 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do grep -q "listening on" server.log 2>/dev/null && break; sleep 0.05; done
  ADDR=$(grep -o "127.0.0.1:[0-9]*" server.log | head -1)
  [ -n "$ADDR" ] || fail "server did not start: $(cat server.log)"
}
