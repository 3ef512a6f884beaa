# babillard: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
PYTHON     := /usr/bin/python3
FUZZ_SECONDS ?= 60

# Exactly the Debian 12 packages the project needs to build, test and run.
PACKAGES := cmake g++ make ninja-build pkg-config \
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev libabsl-dev \
  libhiredis-dev libical-dev libboost-dev libgtest-dev libgmock-dev \
  redis-server tzdata python3 python3-icalendar python3-recurring-ical-events python3-vobject python3-yaml curl libcurl4-openssl-dev libssl-dev zlib1g-dev \
  clang libclang-rt-14-dev clang-format libkainjow-mustache-dev
# What only the tests run: nginx, as deploy/nginx's gRPC proxy; Chromium (and
# a font for its screenshots) for the residents' pages; feedparser for Atom;
# stunnel4, as deploy/stunnel carries Redis over TLS.
TEST_PACKAGES := nginx-light chromium fonts-dejavu-core python3-feedparser stunnel4
# The reference systems `make bench` compares against.
BENCH_PACKAGES := nginx-light wrk redis-tools

.PHONY: help deps test-deps bench-deps npm-deps build run test fmt-check bench drill fmt clean

help:
	@echo "make run    build babillard and start it (prints the feed URL); DEMO=1 loads a demo region"
	@echo "make test   build and run every test (unit, integration, ASan+UBSan, fuzz)"
	@echo "make bench  run the benchmarks beside their reference systems"
	@echo "make drill  kill each process and Redis under load, Redis down, 60 s import fuzz"
	@echo "make deps   install the Debian packages babillard needs"
	@echo "make fmt    format the C++ sources with clang-format (make fmt-check: only check)"

# Installs what is missing, and only that; uses sudo when not root.
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  echo "installing:$$missing"; \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
	    --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call install_missing,$(PACKAGES))

test-deps: deps
	$(call install_missing,$(TEST_PACKAGES))

bench-deps: deps
	$(call install_missing,$(BENCH_PACKAGES))

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# `make run DEMO=1` also loads a demo region (58 organizations, a few hundred events).
run: build
	@DEMO=$(DEMO) LOOPBACK=$(LOOPBACK) bash deploy/run.sh $(BUILD)

# The main build (g++) runs every test; a second build, by clang with
# -Wthread-safety (ABSL_GUARDED_BY checked), runs the unit tests under
# AddressSanitizer + UBSan; a third fuzzes the parser for FUZZ_SECONDS.
# The pinned npm packages the tests use (tests/package.json + its lock file).
tests/node_modules/.package-lock.json: tests/package.json tests/package-lock.json
	@command -v npm >/dev/null || { echo "make test needs Node.js 20 and npm (the feed readers' ical.js)" >&2; exit 1; }
	cd tests && npm ci --no-audit --no-fund --loglevel=error

npm-deps: tests/node_modules/.package-lock.json

test: fmt-check build npm-deps test-deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBABILLARD_SANITIZE=ON \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DBABILLARD_BENCH=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  -DBABILLARD_FUZZ=ON -DBABILLARD_TESTS=OFF -DBABILLARD_BENCH=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure
	ASAN_OPTIONS=detect_leaks=1:detect_odr_violation=2 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) -L unit -j $(JOBS) --output-on-failure
	FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --test-dir $(FUZZ_BUILD) -L fuzz --output-on-failure

bench: bench-deps build
	@bash bench/run.sh $(BUILD)

# The drills at length: SIGKILL of each process and of Redis under a write
# load (three rounds), Redis down, 60 s of import fuzzing through ingest.
drill: build
	DRILL_FULL=1 $(PYTHON) tests/drill/drill_test.py $(CURDIR) $(BUILD)

CXX_SOURCES = find services clients tests bench \( -name '*.cc' -o -name '*.h' \) -print0

fmt: deps
	$(CXX_SOURCES) | xargs -0 clang-format -i

# Fails, naming the files, when a source is not as `make fmt` leaves it.
fmt-check: deps
	@$(CXX_SOURCES) | xargs -0 clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
