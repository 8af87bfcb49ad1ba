# dorm: build, test, lint, bench, demo. `make test` is the test command; CI (.ci/run) runs
# `make test` then `make lint`.

GO ?= go
# staticcheck 2026.2.2 (module version v0.8.2) supports Go 1.26. Staticcheck's release names
# (2025.1.1) are not module versions: the module proxy knows only the v0.x.y tags.
STATICCHECK_VERSION ?= v0.8.2
BENCHFLAGS ?=

.PHONY: all build test lint bench demo clean

all: build test lint

## build: compile every package and the CLI into ./bin/dorm
build:
	$(GO) build ./...
	$(GO) build -o bin/dorm ./cmd/dorm

## test: every test, with the race detector
test:
	@bash scripts/dbs-check.sh
	$(GO) test -race -count=1 ./...

## lint: gofmt, go vet and staticcheck must all be clean
lint:
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt -l: these files need gofmt -w:"; echo "$$unformatted"; exit 1; \
	fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

## bench: dorm against hand-written database/sql code (bench/ is its own module)
bench:
	cd bench && $(GO) run . $(BENCHFLAGS)

## demo: the MikroORM walkthrough on a new SQLite file
demo:
	$(GO) run ./cmd/dorm demo

clean:
	rm -rf bin
