# `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast check install egg clean

install: $(VENV)/.installed

# every extra: the cluster (Celery, Redis), the UI (web, report), S3, and what the tests use
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[cluster,ui,s3,render,test]'
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

# the egg Scrapyd runs (`scrapyd-deploy --egg dist/blogarchive-*.egg`): the project's code and its
# `scrapy.settings` entry point; its dependencies come from the environment Scrapyd runs in
egg: install
	$(BIN)/python -c "from setuptools import setup; setup(script_args=['-q', 'bdist_egg', '-d', 'dist'])"

clean:
	rm -rf $(VENV) demo-archive dist build
