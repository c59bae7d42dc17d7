# InspectSync — the two commands:
#   make run    install what is missing, build (Release), start the server on 127.0.0.1:7443
#   make test   install what is missing, build, run the whole suite through ctest
# and: make demo, make build, make asan, make clean.

BUILD    ?= build
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
LISTEN   ?= 127.0.0.1:7443
DB       ?= var/inspectsync.db
CMAKE_FLAGS ?=

SEEDS    ?= 10000
SEED     ?= 1

.PHONY: all deps configure build run test demo sim bench bench-console asan tsan fuzz clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j$(JOBS)

run: build
	@mkdir -p var
	$(BUILD)/tools/inspectsync server --listen $(LISTEN) --db $(DB)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) --timeout 600

demo: build
	$(BUILD)/tools/inspectsync demo

# The deterministic simulation over many seeds: make sim SEEDS=100000 [SEED=first]
sim: build
	$(BUILD)/tests/sim/inspectsync-sim --seed $(SEED) --seeds $(SEEDS)

# Benchmarks against a real server (BENCHMARKS.md): make bench BENCH_FLAGS="--n 100000 --runs 3"
BENCH_FLAGS ?=
bench: build
	$(BUILD)/bench/inspectsync-bench $(BENCH_FLAGS)

# The office console's problem list with 10,000 findings, first page in headless
# Chromium (BENCHMARKS.md): make bench-console [FINDINGS=10000 RUNS=7]
FINDINGS ?= 10000
RUNS     ?= 7
bench-console: build
	INSPECTSYNC_BIN=$(BUILD)/tools/inspectsync INSPECTSYNC_BENCH=$(BUILD)/bench/inspectsync-bench \
	  CONSOLE_SCREENSHOTS=$(BUILD)/bench/screenshots FINDINGS=$(FINDINGS) RUNS=$(RUNS) \
	  node bench/console_first_page.js

# Sanitizer builds: -Og with line tables only (-g1). Reports keep file:line
# stacks; one file compiles in half the time of -O2 -g (office_service_test.cc
# under ASan: 18.9 s -> 9.7 s, its object 8.6 MB -> 2.7 MB, so links are
# cheaper too) and the whole ASan build went from about 33 minutes to about 9
# on 2 cores: it was most of what CI spent.
SAN_CMAKE = -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	"-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-Og -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-Og -g1 -DNDEBUG"

# AddressSanitizer + UndefinedBehaviorSanitizer: the whole suite but the
# browser suite (label browser): the console's server code runs under ASan in
# console_api_test; Chromium driving an ASan server would add minutes and no
# coverage of our code. Any report fails.
asan: deps
	cmake -S . -B build-asan $(SAN_CMAKE) -DINSPECTSYNC_SANITIZE=ON
	cmake --build build-asan -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir build-asan --output-on-failure -j$(JOBS) --timeout 900 --label-exclude browser

# ThreadSanitizer: the tests that run threads against each other (SDK writers
# racing syncs, background sync, concurrent pushes and pulls on one store).
# gRPC and abseil from Debian are not TSan-instrumented, so their internal
# synchronisation is invisible to it and tests through the gRPC transport only
# produce reports inside those libraries; our own concurrency is exercised
# through the in-memory transport instead. No suppressions.
tsan: deps
	cmake -S . -B build-tsan $(SAN_CMAKE) -DINSPECTSYNC_TSAN=ON
	cmake --build build-tsan -j$(JOBS) --target sdk_test server_test
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 build-tsan/tests/sdk/sdk_test --gtest_filter='-*Grpc*'
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 build-tsan/tests/server/server_test

# libFuzzer targets for SECONDS each (default 30), corpus in tests/fuzz/corpus.
SECONDS ?= 30
fuzz: deps
	scripts/fuzz.sh $(SECONDS)

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
