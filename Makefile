# make test: create .venv, install pinned dependencies, lint, type-check, run the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv

.PHONY: test lint venv clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv>=0.9,<1"

venv: $(BIN)/.installed

$(BIN)/.installed: $(BIN)/python requirements.txt requirements-dev.txt components/pyproject.toml
	$(UV) pip install --quiet --python $(BIN)/python -r requirements-dev.txt -e ./components
	touch $@

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check components program tests __main__.py
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

# The program under mocks at 1..1,000 roles against the floor (see docs/benchmarks.md); not part of `make test`.
bench: venv
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
