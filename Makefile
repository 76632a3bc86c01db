# SPDX-License-Identifier: MIT
# Thin front door over CMake/CTest. See README.md.
BUILD ?= build
JOBS  ?= $(shell nproc)
FUZZ_SECONDS ?= 60

.PHONY: all build test unit sanitize fuzz demo bench format format-check deps clean

all: build

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

deps:
	@bash scripts/deps.sh

# Every test: unit, sim and interop (the interop tests need root).
test: deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Unit and sim tests only (no root, no namespaces).
unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L 'unit|sim'

# Unit and sim tests under AddressSanitizer + UndefinedBehaviorSanitizer.
sanitize:
	@cmake -S . -B build-asan -DNG_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS) -L 'unit|sim'

# libFuzzer targets, FUZZ_SECONDS each.
fuzz: deps
	@bash scripts/fuzz.sh $(FUZZ_SECONDS)

demo: deps build
	@bash scripts/demo.sh $(BUILD)

bench: deps build
	@bash bench/run.sh $(BUILD)

format:
	@find src include tools examples tests bench -name '*.[ch]' | xargs clang-format -i

format-check:
	@find src include tools examples tests bench -name '*.[ch]' | xargs clang-format --dry-run -Werror

clean:
	rm -rf $(BUILD) build-asan build-fuzz
