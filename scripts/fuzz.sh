#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) in build-fuzz/ — clang, ASan +
# UBSan, coverage instrumentation of the whole project — and runs each one over
# its corpus for a bounded time.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (make fuzz SECONDS=N)
#
# SECONDS per target, default 30; targets default to all of them. Each run
# works on build-fuzz/corpus-work/<target>, seeded from tests/fuzz/corpus/<target>
# and kept between runs (longer runs build on earlier ones), so the repo stays
# clean. Prints one summary line per target and a closing "N passed, N failed".
# Exits non-zero if a target crashed, hit the 10 s per-input timeout, ran out
# of memory or leaked; the input that did it is copied into
# tests/fuzz/corpus/<target>/ (crash-*, timeout-*, oom-*, leak-*), so every
# later run replays it: commit it with the fix.
#
# Environment: FUZZ_BUILD (default build-fuzz), JOBS (build parallelism),
# FUZZ_ARGS (extra libFuzzer flags, e.g. "-max_len=16384").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DURATION=${1:-30}
[ $# -gt 0 ] && shift
ALL_TARGETS=(fuzz_validate_merge fuzz_push fuzz_guard)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL_TARGETS[@]}")
BUILD=${FUZZ_BUILD:-build-fuzz}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

die() { echo "fuzz: $*" >&2; exit 2; }
[[ "$DURATION" =~ ^[0-9]+$ ]] && [ "$DURATION" -gt 0 ] ||
  die "SECONDS must be a positive number of seconds, not '$DURATION'"
for t in "${TARGETS[@]}"; do
  [[ " ${ALL_TARGETS[*]} " == *" $t "* ]] || die "unknown target '$t' (targets: ${ALL_TARGETS[*]})"
done
command -v clang++ >/dev/null || die "clang++ not found; run scripts/install-deps.sh"
LIBFUZZER="$(clang++ -print-resource-dir)/lib/linux/libclang_rt.fuzzer-$(uname -m).a"
[ -f "$LIBFUZZER" ] || die "libFuzzer ($LIBFUZZER) not found; run scripts/install-deps.sh (libclang-rt-14-dev)"

# Configure (idempotent) and build only the fuzz targets.
mkdir -p "$BUILD"
cmake -S . -B "$BUILD" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DINSPECTSYNC_FUZZ=ON -DINSPECTSYNC_SANITIZE=ON -DINSPECTSYNC_BUILD_TESTS=OFF \
  -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD/fuzz-configure.log" 2>&1 ||
  { tail -n 60 "$BUILD/fuzz-configure.log" >&2; die "configuring $BUILD failed (log: $BUILD/fuzz-configure.log)"; }
cmake --build "$BUILD" --target "${TARGETS[@]}" -j"$JOBS" >"$BUILD/fuzz-build.log" 2>&1 ||
  { tail -n 60 "$BUILD/fuzz-build.log" >&2; die "building the fuzz targets failed (log: $BUILD/fuzz-build.log)"; }

# Scratch files of the targets (fuzz_push's SQLite store) on tmpfs when there
# is one, removed however the run ends (a crashing target cannot clean up).
SCRATCH_PARENT=/dev/shm
[ -d "$SCRATCH_PARENT" ] && [ -w "$SCRATCH_PARENT" ] || SCRATCH_PARENT=${TMPDIR:-/tmp}
SCRATCH=$(mktemp -d "$SCRATCH_PARENT/inspectsync-fuzz.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
for t in "${TARGETS[@]}"; do
  seeds="$ROOT/tests/fuzz/corpus/$t"
  work="$BUILD/corpus-work/$t"
  artifacts="$BUILD/fuzz-artifacts/$t"
  log="$BUILD/fuzz-logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  rm -f "$artifacts"/*
  if [ -d "$seeds" ]; then cp -n "$seeds"/* "$work"/ 2>/dev/null || true; fi

  rc=0
  # The outer timeout only guards against a hang libFuzzer itself cannot stop.
  TMPDIR="$SCRATCH" timeout -k 30 $((DURATION * 2 + 300)) \
    "$BUILD/tests/fuzz/$t" "$work" -max_total_time="$DURATION" -timeout=10 -rss_limit_mb=2048 \
    -max_len=8192 -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} >"$log" 2>&1 || rc=$?

  # The figures of the run (absent when it crashed before the first status line).
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  [ -n "$execs" ] || execs=$( (grep -oE '^#[0-9]+' "$log" || true) | tail -n 1 | tr -d '#')
  per_sec=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$( (grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" || true) | tail -n 1 | awk '{print $2 " ft " $4}')
  corp=$( (grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" || true) | tail -n 1 | sed 's/corp: //')

  kept=()
  for a in "$artifacts"/crash-* "$artifacts"/timeout-* "$artifacts"/oom-* "$artifacts"/leak-*; do
    [ -e "$a" ] || continue
    cp -n "$a" "$seeds/" 2>/dev/null || { mkdir -p "$seeds" && cp -n "$a" "$seeds/"; }
    kept+=("tests/fuzz/corpus/$t/$(basename "$a")")
  done
  crashed=0
  [ "$rc" -ne 0 ] || [ ${#kept[@]} -gt 0 ] && crashed=1

  printf 'fuzz: %-20s %9s execs  %6s exec/s  cov %-14s corpus %-12s crashes: %d\n' \
    "$t" "${execs:-?}" "${per_sec:-?}" "${cov:-?}" "${corp:-?}" "$crashed"
  if [ "$crashed" -eq 1 ]; then
    failed=$((failed + 1))
    echo "fuzz: $t failed (exit $rc); log: $log" >&2
    for k in "${kept[@]}"; do echo "fuzz:   kept input: $k (reproduce: $BUILD/tests/fuzz/$t $k)" >&2; done
    # The report: from the first error line on.
    awk '/FUZZ PROPERTY VIOLATED|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|==ERROR/ {on=1}
         on && n < 80 {print; n++}' "$log" >&2
  else
    passed=$((passed + 1))
  fi
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
