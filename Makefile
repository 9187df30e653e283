# Coproduce: the two commands a new user needs are `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: install demo serve test lint typecheck pytest pytest-postgres browser-deps clean

$(BIN)/python:
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info[:2] != (3, 11))" || { echo "Coproduce needs Python 3.11."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml package.json
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund; \
	  else echo "npm not found: browser tests will skip (axe-core comes from npm)."; fi
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/coproduce migrate --no-input
	$(BIN)/coproduce demo

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest -n 2 --dist worksteal -q

pytest-postgres: install
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 --dist worksteal -q -m "not browser"

test: lint typecheck pytest
	@if [ -n "$$COPRODUCE_TEST_POSTGRES" ]; then $(MAKE) --no-print-directory pytest-postgres; \
	  else echo "PostgreSQL run skipped: set COPRODUCE_TEST_POSTGRES=1 to run the suite on $(PG_URL) too."; fi

clean:
	rm -rf $(VENV) node_modules var .mypy_cache .ruff_cache .pytest_cache
