# The lab's two commands (see README):
#   make start   set up and start the lab on embedded defaults (SQLite, local storage)
#   make check   set up and run every check: lint, format, type check, tests
# Everything is installed by the project's own files (scripts/setup.sh).

VENV := .venv
BIN := $(VENV)/bin

.PHONY: start check setup lint typecheck test bench clean

setup:
	@bash scripts/setup.sh

start: setup
	@$(BIN)/lab init
	@$(BIN)/lab serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

# on two workers (pytest-xdist), each given whole test files: a file's fixtures and its
# blueprints (tests/lab/blueprints.py) are made once, in one process. `.venv/bin/pytest
# tests/x.py` runs a file alone, without workers.
test: setup
	$(BIN)/pytest -q -n 2 --dist loadfile

check: lint typecheck test

bench: setup
	@for b in bench/*_bench.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
