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
test: deps
	$(SWIFT) test

## Benchmarks (release build): verify vs the raw SQLite + HMAC limit.
bench: deps
	$(SWIFT) build -c release
	"$$($(SWIFT) build -c release --show-bin-path)/ledger-bench"

## Regenerate the embedded copy of migrations/*.sql after editing them.
migrations:
	./scripts/embed-migrations.sh

clean:
	rm -rf .build
