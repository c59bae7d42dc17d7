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

.PHONY: all deps configure build run test demo sim asan tsan clean

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

# AddressSanitizer + UndefinedBehaviorSanitizer build and test run.
asan:
	@scripts/install-deps.sh
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINSPECTSYNC_SANITIZE=ON
	cmake --build build-asan -j$(JOBS)
	ctest --test-dir build-asan --output-on-failure -j$(JOBS) --timeout 900

# ThreadSanitizer build and test run.
tsan:
	@scripts/install-deps.sh
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINSPECTSYNC_TSAN=ON
	cmake --build build-tsan -j$(JOBS)
	ctest --test-dir build-tsan --output-on-failure -j$(JOBS) --timeout 900

clean:
	rm -rf $(BUILD) build-asan build-tsan
