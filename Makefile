# make test: create .venv, install pinned dependencies, lint, type-check, run the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv

.PHONY: test lint venv clean bench dist release-check local local-destroy

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv>=0.9,<1"

venv: $(BIN)/.installed

$(BIN)/.installed: $(BIN)/python requirements.txt requirements-dev.txt components/pyproject.toml
	$(UV) pip install --quiet --python $(BIN)/python -r requirements-dev.txt -e ./components
	touch $@

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check components program tests examples local policy __main__.py
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

# Both stacks deployed with the Pulumi CLI into an embedded AWS (moto on 127.0.0.1), then verified
# as the trusted users (local/run.py). Needs the Pulumi CLI. KEEP=1 leaves the emulator running.
local: venv
	$(BIN)/python -m local.run up $(if $(KEEP),--keep)

local-destroy: venv
	$(BIN)/python -m local.run destroy

# The program under mocks at 1..1,000 roles against the floor (see docs/benchmarks.md); not part of `make test`.
bench: venv
	$(BIN)/python benchmarks/run.py

# The Python distribution of components/ (sdist and wheel) into dist/, as a release publishes it.
dist: venv
	rm -rf dist
	$(UV) build --quiet components --out-dir dist

# A release tag must be v<version of components/pyproject.toml>: make release-check TAG=v0.1.0
release-check: venv
	@version=$$($(BIN)/python -c 'import tomllib; print(tomllib.load(open("components/pyproject.toml", "rb"))["project"]["version"])'); \
	if [ "$(TAG)" != "v$$version" ]; then \
		echo "tag '$(TAG)' is not v$$version (components/pyproject.toml): bump the version, or tag v$$version"; exit 1; \
	fi; echo "tag $(TAG) matches components/pyproject.toml"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
