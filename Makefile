# The two commands of the README: `make run` and `make test`. Everything else is a step of them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run services-up services-down lint format test test-unit test-integration clean console

# The web console (console/): built with npm, served by the API at /console. Without npm the
# platform runs without it (the API says how to build it at /console).
CONSOLE_SOURCES := $(shell find console/src -type f -not -path 'console/src/gql/*' 2>/dev/null) \
	console/index.html console/vite.config.ts console/codegen.ts console/tsconfig.json \
	graphql/schema.graphql

$(STAMP): pyproject.toml plugins/example-destination/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' -e plugins/example-destination
	@touch $(STAMP)

install: $(STAMP)

console/node_modules/.package-lock.json: console/package-lock.json
	npm ci --prefix console --no-audit --no-fund --loglevel=error

console/dist/index.html: console/node_modules/.package-lock.json $(CONSOLE_SOURCES)
	npm run --prefix console build

console:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory console/dist/index.html; \
	else echo "npm not found: the console (/console) is not built"; fi

run: install console
	$(BIN)/cdp run

services-up: install
	$(BIN)/cdp services up

services-down: install
	$(BIN)/cdp services down

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install lint console
	$(BIN)/cdp services fetch
	@# analytics.js for the browser test (skipped, with a reason, without npm and Chromium)
	@if command -v npm >/dev/null && [ ! -d tests/e2e/analytics_js/node_modules ]; then \
		npm ci --prefix tests/e2e/analytics_js --no-audit --no-fund --loglevel=error; fi
	$(BIN)/pytest

test-unit: install
	$(BIN)/pytest tests/unit

clean:
	-$(BIN)/cdp services down
	rm -rf $(VENV) .local .mypy_cache .ruff_cache

# Benchmark (bench/README.md): `make bench` is the quick run (several minutes), `make bench-full`
# the full one (1M profiles, 10 minutes sustained; long). Results go to bench/results/.
.PHONY: bench bench-full soak console-latency accuracy linkage

bench: install
	@$(BIN)/python -c 'import matplotlib, psutil' 2>/dev/null || $(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.run --quick

bench-full: install
	@$(BIN)/python -c 'import matplotlib, psutil' 2>/dev/null || $(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.run --full

# Not part of the tests: half the capacity the run measures, held for an hour; reports the
# memory growth of every process and the lag's trend (bench/README.md).
soak: install
	@$(BIN)/python -c 'import matplotlib, psutil' 2>/dev/null || $(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.run --soak

# How long the console's pages wait on the API with 100k profiles, in headless Chromium
# (docs/console.md); the JSON result goes to bench/results/.
console-latency: install console
	@$(BIN)/python -c 'import matplotlib, psutil' 2>/dev/null || $(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.console_latency --out bench/results/console-latency.json

# Identity resolution on messy identifiers: every scenario of bench/identity_scenarios through
# the real parser, stream and resolver in four arrival orders, scored against an independent
# truth (docs/accuracy.md); the JSON result goes to bench/results/.
accuracy: install
	$(BIN)/python -m bench.identity_scenarios.run --ablate --out bench/results/accuracy.json \
		--markdown bench/results/accuracy.md

# Record linkage behind merge suggestions: the shipped config/linkage.yaml scored on FEBRL3
# (deduplicated) and FEBRL4 (linked), on a generated population it was not trained on, and
# timed on 100,000 generated records; the JSON result goes to bench/results/. Training
# (`python -m bench.linkage.train`) writes config/linkage.yaml again.
linkage: install
	$(BIN)/python -m bench.linkage.febrl --scale 100000 --out bench/results/linkage.json
