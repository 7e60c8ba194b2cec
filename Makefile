# The vaccination data share. `make demo` runs the whole thing; `make test` checks it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install up down demo test test-fast lint bench clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required" if sys.version_info < (3, 11) else 0)'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

## install: the virtualenv with the project and its development tools
install: $(STAMP)

## up: local Kafka and Redis in the background (data under .run/)
up: $(STAMP)
	$(VENV)/bin/vaxshare stack up
	set -a && . .run/secrets/operator.env && $(VENV)/bin/vaxshare topics create

## down: stop everything started by `make up` or `make demo`
down:
	@if [ -x $(VENV)/bin/vaxshare ]; then $(VENV)/bin/vaxshare stack down; else echo "nothing to stop"; fi

## demo: the whole service on this machine with a simulated feed, then prints URLs and keys
demo: $(STAMP)
	$(VENV)/bin/vaxshare demo

## test: the whole test suite (unit, integration against real Kafka and Redis, end to end)
test: $(STAMP)
	$(PY) -m pytest

## test-fast: unit tests only
test-fast: $(STAMP)
	$(PY) -m pytest tests/unit

## lint: formatting, lint rules, types and import layering
lint: $(STAMP)
	$(VENV)/bin/ruff format --check services devtools tests bench
	$(VENV)/bin/ruff check services devtools tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

## bench: benchmarks on the real local stack; results go to bench/results/
bench: $(STAMP)
	$(PY) -m bench.run

clean: down
	rm -rf .run
