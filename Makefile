# The two commands: `make demo` starts gridsvc on the demo district; `make test` runs the tests.
# Each installs what it needs first (scripts/bootstrap.sh), idempotently.

VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DISTRICT ?= 530302
SEED ?= 0
SCALE ?= 1

.PHONY: install demo test lint bench serve clean

install:
	@bash scripts/bootstrap.sh

demo: install
	$(BIN)/gridsvc demo --port $(PORT) --district $(DISTRICT) --seed $(SEED) --scale $(SCALE)

serve: install
	$(BIN)/gridsvc serve

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python -m bench

clean:
	-$(BIN)/gridsvc db stop
	rm -rf .gridsvc
