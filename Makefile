# `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast check install clean

install: $(VENV)/.installed

# every extra: the cluster (Celery, Redis), the UI (web, report), S3, and what the tests use
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[cluster,ui,s3,test]'
	touch $@

demo: install
	$(BIN)/blogarchive demo
	@echo
	@echo "The commands above run as printed from this folder; to type 'blogarchive' alone, first: . $(BIN)/activate"

# the layers (import-linter), lint and format (ruff), types (mypy)
check: install
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: check
	$(BIN)/python -m pytest

# the in-process unit tests, for the development loop (under a minute): no crawls, servers or browsers
test-fast: install
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf $(VENV) demo-archive
