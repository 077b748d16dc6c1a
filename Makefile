# model-ledger: the two set-up commands are `make demo` and `make test`.
SWIFT ?= swift

.PHONY: all deps build release demo test bench migrations clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## The audited switch demo against the built-in simulator on loopback.
demo: deps
	$(SWIFT) build --product ledger
	$(SWIFT) build --product epa-simulator
	./scripts/demo.sh "$$($(SWIFT) build --show-bin-path)"

## The whole test suite (unit, integration against the simulator, tamper suites).
## Two runs of one build: the in-process simulator and client tests (async, timing-sensitive) run
## apart from the tests that block a thread while a `ledger` or `epa-simulator` subprocess works,
## so that on a 2-core machine neither starves the other.
ASYNC_SUITES = EPASimulatorTests|EPAClientTests
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter '$(ASYNC_SUITES)'
	$(SWIFT) test --skip-build --skip '$(ASYNC_SUITES)'

## Benchmarks (release build): verify vs the raw SQLite + HMAC limit.
bench: deps
	$(SWIFT) build -c release
	"$$($(SWIFT) build -c release --show-bin-path)/ledger-bench"

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

clean:
	rm -rf .build
