# model-ledger: the two set-up commands are `make demo` and `make test`.
SWIFT ?= swift

.PHONY: all deps build release demo test bench migrations clean install uninstall lint format

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build

## Release builds link the Swift runtime and Foundation statically (--static-swift-stdlib): `ledger`
## starts about 4-5 ms sooner, a switch about 4-5 ms sooner (README, Performance). They live in their
## own scratch path, because the flag changes how every module is compiled (one .build/release shared
## with a plain `swift build -c release` would be rebuilt from scratch at each change of flag), and
## are built product by product, because the static runtime has no Testing module for the test
## support target that a whole-package build includes.
RELEASE_SCRATCH ?= .build-static
RELEASE_BUILD = $(SWIFT) build -c release --static-swift-stdlib --scratch-path $(RELEASE_SCRATCH)
RELEASE_PRODUCTS = ledger epa-simulator ledger-bench generate-manual

release: deps
	@for product in $(RELEASE_PRODUCTS); do echo "$(RELEASE_BUILD) --product $$product"; \
	  $(RELEASE_BUILD) --product $$product || exit 1; done

## The audited switch demo against the built-in simulator on loopback. One `swift build` builds both
## products (and the small ledger-bench) in one build graph, so their dependencies compile in parallel.
demo: deps
	$(SWIFT) build
	./scripts/demo.sh "$$($(SWIFT) build --show-bin-path)"

## The whole test suite (unit, integration against the simulator, tamper suites).
## Two runs of one build: the in-process async tests (the simulator, the client, the switch service
## driven as a library; timing-sensitive) run apart from the tests that block a thread while a
## `ledger` or `epa-simulator` subprocess works, so that on a 2-core machine neither starves the other.
## The PostgreSQL tests read LEDGER_TEST_POSTGRES_URL. When it is unset and scripts/pg-test-cluster.sh
## can start a throwaway cluster (the server binaries are installed; as root the server runs as the
## `postgres` user), one is started in a temporary directory for the run and stopped after it, however
## the run ends; otherwise those tests skip loudly (under CI=true they fail).
ASYNC_SUITES = EPASimulatorTests|EPAClientTests|SwitchServiceTests|ServiceAuthTests|ServiceSwitchTests|ServiceInputTests|ServiceStoreThreadTests|ServiceReportNotesTests
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) build --product generate-manual
	@set -e; cluster=""; \
	if [ -z "$${LEDGER_TEST_POSTGRES_URL:-}" ]; then \
	  cluster="$$(mktemp -d /tmp/ledger-pg-test.XXXXXX)"; \
	  if url="$$(./scripts/pg-test-cluster.sh start "$$cluster")"; then \
	    trap './scripts/pg-test-cluster.sh stop "'"$$cluster"'"' EXIT INT TERM; \
	    export LEDGER_TEST_POSTGRES_URL="$$url"; echo "PostgreSQL tests: throwaway cluster $$url"; \
	  else \
	    rm -rf "$$cluster"; cluster=""; \
	    echo "PostgreSQL tests: no server (LEDGER_TEST_POSTGRES_URL unset, no cluster could be started): they will SKIP (fail under CI=true)"; \
	  fi; \
	fi; \
	$(SWIFT) test --skip-build --filter '$(ASYNC_SUITES)'; \
	$(SWIFT) test --skip-build --skip '$(ASYNC_SUITES)'

## Benchmarks (release build): verify vs the raw SQLite + HMAC limit.
bench: release
	"$$($(RELEASE_BUILD) --show-bin-path)/ledger-bench"

## Formatting: `swift format lint --strict` over Sources and Tests with .swift-format (CI runs it);
## `make format` rewrites the files in place.
lint:
	$(SWIFT) format lint --strict --configuration .swift-format -r Sources Tests

format:
	$(SWIFT) format format -i --configuration .swift-format -r Sources Tests

## Regenerate the embedded copy of migrations/sqlite/*.sql after editing them.
migrations:
	./scripts/embed-migrations.sh

## Fuzzing (libFuzzer, built with swiftc into .build-fuzz/, not SwiftPM): every target in Fuzz/ for
## FUZZ_SECONDS (default 30) seconds; a crashing input is saved under Tests/FuzzCorpus/<target>/.
.PHONY: fuzz fuzz-regress
fuzz: deps
	./scripts/fuzz.sh fuzz

## The committed fuzz corpus (Tests/FuzzCorpus/) run once through every target: the quick regression pass.
fuzz-regress: deps
	./scripts/fuzz.sh regress

## Installation: `make install PREFIX=…` (default /usr/local; DESTDIR stages for packaging) builds the
## release binaries (static Swift runtime, as `make release`) and installs (scripts/install.sh):
##   PREFIX/bin/ledger, PREFIX/bin/epa-simulator;
##   a man page per command, generated from the command definitions: PREFIX/share/man/man1/ledger.1,
##     ledger.switch.1, … and epa-simulator.1. The generator is swift-argument-parser's
##     `generate-manual --multi-page`, the tool its GenerateManual plugin runs, run here directly on the
##     binaries being installed: the plugin (`swift package generate-manual`) would first rebuild every
##     product in .build without the static runtime;
##   the bash, zsh and fish completions (`ledger --generate-completion-script …`) in
##     PREFIX/share/{bash-completion/completions/ledger,zsh/site-functions/_ledger,fish/vendor_completions.d/ledger.fish}.
## BIN_DIR=<dir> installs what is already built there (ledger, epa-simulator, generate-manual) and runs
## no build: the test suite uses it with the debug build, and `make release` followed by
## `sudo make install BIN_DIR=.build-static/release` keeps the build out of sudo.
## `make uninstall PREFIX=…` removes exactly what install put there (listed in
## PREFIX/share/model-ledger/install-manifest), and the directories it created when they are empty.
PREFIX ?= /usr/local
BIN_DIR ?=
install:
ifeq ($(strip $(BIN_DIR)),)
	@./scripts/install-deps.sh
	@for product in ledger epa-simulator generate-manual; do echo "$(RELEASE_BUILD) --product $$product"; \
	  $(RELEASE_BUILD) --product $$product || exit 1; done
	./scripts/install.sh install "$$($(RELEASE_BUILD) --show-bin-path)" "$(PREFIX)"
else
	./scripts/install.sh install "$(BIN_DIR)" "$(PREFIX)"
endif

uninstall:
	./scripts/install.sh uninstall "$(PREFIX)"

clean:
	rm -rf .build $(RELEASE_SCRATCH)
