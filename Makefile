# Thin wrapper over CMake: `make run` and `make test` are the whole quick start (README.md).
DEBIAN_PACKAGES := g++ cmake make libyaml-cpp-dev libboost-graph-dev libsqlite3-dev libfmt-dev \
                   libbenchmark-dev libgtest-dev chromium fonts-dejavu-core sqlite3 nlohmann-json3-dev \
                   libcpp-httplib-dev pkg-config clang
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS ?= $(shell nproc)

.PHONY: all deps build run test test-asan proptest bench fuzz format clean

all: build

# Installs the Debian packages that are missing (needs root, as on CI); does nothing when all are there.
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@./$(BUILD)/kubetwin demo

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-asan

# The unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer (validation runs
# excluded), built with Clang: a second compiler, and half GCC's compile time at -O0. The same tree
# checks that Clang's kubetwin prints the same JSON as the GCC release build on every shipped
# scenario (label "compilers", tests/compilers/same_json.sh).
# Left out of the sanitizer pass (they run in the release pass): the statistical runs (Validation,
# *Truth) and the tests that repeat one whole run to compare bytes across thread counts, tracing,
# kills or the real kubectl. They reach no code the other unit tests do not, at 10-20 s each here.
# Debug info is line tables only (enough for the sanitizers' file:line stack traces): a fifth off
# the tree's build.
ASAN_SKIP := Validation|Truth\.|AcrossThreadCounts|WhateverTheThreads|AnyThreadCount|RealKubectl|KilledAnywhere|TracingAddsNoEvent|AnswerFirstAndDeterministicJson|ProbesFarFromTheAnswer|TheTextTableSaysHowManyReplications
test-asan: build
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only \
	  -DKUBETWIN_SANITIZE=ON \
	  -DCMAKE_CXX_COMPILER=clang++ -DKUBETWIN_COMPARE_WITH=$(abspath $(BUILD))/kubetwin >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -L 'unit|compilers' -E '$(ASAN_SKIP)'

# PodCpu's property search (tests/runtime/pod_cpu_property_test.cpp) over N seeded configurations
# (`make test` runs 1,000), one process per core, each taking its share of the test's shards.
N ?= 100000
proptest: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target runtime_tests
	@cd $(BUILD) && pids=""; for i in $$(seq 0 $$(($(JOBS) - 1))); do \
	  KUBETWIN_PROPTEST_N=$(N) GTEST_TOTAL_SHARDS=$(JOBS) GTEST_SHARD_INDEX=$$i \
	    ./runtime_tests --gtest_filter='*PodCpuProperty*' --gtest_brief=1 & pids="$$pids $$!"; \
	done; status=0; for p in $$pids; do wait $$p || status=1; done; exit $$status

bench: build
	@./$(BUILD)/bench/kubetwin-bench mmc --lambda 4 --mu 1 --servers 5 --customers 10000000 --seed 7
	@./$(BUILD)/bench/engine_bench
	@./$(BUILD)/bench/k8s_bench
	@./$(BUILD)/bench/topology_bench
	@./$(BUILD)/bench/runtime_bench
	@./$(BUILD)/bench/world_bench

# libFuzzer under ASan+UBSan (tests/fuzz, README "Fuzzing"): builds every harness with clang++ in
# $(FUZZ_BUILD) and runs each, one after the other, for FUZZ_SECONDS from its seed corpus
# (tests/fuzz/corpus/<h>; new inputs go to $(FUZZ_BUILD)/corpus/<h>). A crash stops the run and
# leaves the input in $(FUZZ_BUILD)/crashes/<h>/: fix it and copy it to tests/fuzz/crashes/<h>/,
# which `make test` replays from then on. FUZZ=name runs one harness.
FUZZ_SECONDS ?= 600
FUZZ_PACKAGES := clang
FUZZ ?= $(patsubst tests/fuzz/%_fuzz.cpp,%,$(wildcard tests/fuzz/*_fuzz.cpp))
fuzz: deps
	@$(MAKE) --no-print-directory deps DEBIAN_PACKAGES="$(FUZZ_PACKAGES)"
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DKUBETWIN_FUZZ=ON -DKUBETWIN_BENCH=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ))
	@for h in $(FUZZ); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$h $(FUZZ_BUILD)/crashes/$$h; \
	  echo "== fuzz $$h for $(FUZZ_SECONDS) s"; \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ./$(FUZZ_BUILD)/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/crashes/$$h/ \
	    $(FUZZ_BUILD)/corpus/$$h tests/fuzz/corpus/$$h || exit 1; \
	done

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
