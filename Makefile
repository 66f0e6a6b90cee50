# Developer tasks. `make` alone lists them (from the `## ` text after each target below);
# `make test` is what CI runs. Everything runs from .venv, which `make venv` builds from requirements.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
LOCK := requirements.lock
MIN_PYTHON := 3.11

.DEFAULT_GOAL := help
.PHONY: help test lint venv lock plan local audit local-destroy bench dist release-check clean

# `make plan` plans one stack: without STACK, stop before anything is built.
ifneq ($(filter plan,$(MAKECMDGOALS)),)
ifeq ($(strip $(STACK)),)
$(error make plan needs STACK=<name> (reads Pulumi.<name>.yaml), e.g. make plan STACK=trusting)
endif
endif

# make local needs the Pulumi CLI: without it, stop with one line before .venv is built (or checked).
ifneq ($(filter local,$(MAKECMDGOALS)),)
ifeq ($(shell command -v pulumi 2>/dev/null),)
$(error make local needs the Pulumi CLI, which is not on PATH: install it with `curl -fsSL https://get.pulumi.com | sh` (or see https://www.pulumi.com/docs/install/), then run make local again)
endif
endif

# Before any goal that uses .venv: an existing .venv must run Python $(MIN_PYTHON)+, and a new one needs
# $(PYTHON) to be $(MIN_PYTHON)+. Each problem stops make with one line; `help` and `clean` always run.
comma := ,
PYTHON_CHECK := import sys; v = sys.version_info; print("ok" if v >= ($(subst .,$(comma) ,$(MIN_PYTHON))) else "%d.%d.%d" % v[:3])
ifneq ($(filter-out help clean,$(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))),)
ifneq ($(wildcard $(VENV)),)
VENV_PYTHON := $(shell $(BIN)/python -c '$(PYTHON_CHECK)' 2>/dev/null)
ifeq ($(VENV_PYTHON),)
$(error $(VENV) is broken: $(BIN)/python is missing or does not run. `make clean` removes it; the next make builds it anew)
else ifneq ($(VENV_PYTHON),ok)
$(error $(VENV) runs Python $(VENV_PYTHON), older than $(MIN_PYTHON). `make clean` removes it; the next make builds it anew with $(PYTHON))
endif
else
NEW_PYTHON := $(shell $(PYTHON) -c '$(PYTHON_CHECK)' 2>/dev/null)
ifeq ($(NEW_PYTHON),)
$(error $(PYTHON) is not a Python that runs: install Python $(MIN_PYTHON)+, or name one: make $(MAKECMDGOALS) PYTHON=python$(MIN_PYTHON))
else ifneq ($(NEW_PYTHON),ok)
$(error $(PYTHON) is Python $(NEW_PYTHON), older than $(MIN_PYTHON): install Python $(MIN_PYTHON)+, or name one: make $(MAKECMDGOALS) PYTHON=python$(MIN_PYTHON))
endif
endif
endif

help: ## list the targets (this text)
	@echo "make <target>, where <target> is one of:"
	@awk -F ':.*## ' '/^[a-z][a-z-]*:.*## / { printf "  %-14s %s\n", $$1, $$2 }' $(firstword $(MAKEFILE_LIST))
	@echo "PYTHON=... names the Python ($(MIN_PYTHON)+) that creates .venv (default: python3)."

# Every Python that make runs saves the bytecode of what it imports (once, in __pycache__), whatever
# the shell's PYTHONDONTWRITEBYTECODE says: else each process (each test subprocess, each CI run)
# compiles pulumi and pulumi_aws from source again, twice the CPU of importing them.
unexport PYTHONDONTWRITEBYTECODE
IMPORTED := pulumi, pulumi_aws, boto3, moto.server, cross_account.offline, cross_account.audit, \
	cross_account.verify, cross_account.console, program.plan, program.deployer

test: lint ## lint, type-check, then run every test (what CI runs), in two processes
	$(BIN)/pytest -q -n 2

lint: venv ## ruff check, ruff format --check, mypy --strict
	$(BIN)/ruff check .
	$(BIN)/ruff format --check components program tests examples local policy benchmarks tools __main__.py
	$(BIN)/mypy
	$(BIN)/mypy components/__main__.py

venv: $(BIN)/.installed ## build .venv from requirements.lock (hash-checked) and ./components (editable)

# uv itself, at the version and hashes the lock pins, installed with the venv's pip.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): | $(BIN)/python
	@awk '/^uv==/ { p = 1 } p { print } p && !/\\$$/ { exit }' $(LOCK) > $(VENV)/uv-requirement.txt
	@grep -q '^uv==' $(VENV)/uv-requirement.txt || { echo "$(LOCK) pins no uv: run make lock"; exit 1; }
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r $(VENV)/uv-requirement.txt

# Exactly what the lock pins (sync removes anything else), then the components package from the tree,
# then the bytecode of what the project imports, written by importing it (about 1,100 modules, 3 s of CPU).
# Not `--compile-bytecode`: it compiles all 11,400 modules of the lock (16 s more here), most never imported.
$(BIN)/.installed: $(LOCK) components/pyproject.toml | $(UV)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes $(LOCK)
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e ./components
	$(BIN)/python -c 'import $(IMPORTED)'
	touch $@

define LOCK_HEADER
# requirements.lock: every package `make test` installs into .venv, at exact versions, with hashes.
#
# Made by `make lock`, which resolves requirements-dev.txt (it includes requirements.txt) with:
#   uv pip compile requirements-dev.txt --universal --python-version $(MIN_PYTHON) --generate-hashes
# One resolution for Linux, macOS and Windows on Python $(MIN_PYTHON) and newer (markers pick per platform).
# `make venv` installs it with `uv pip sync --require-hashes` (a download whose hash differs is
# refused, and anything not listed is removed), then the components package itself with
# `uv pip install --no-deps -e ./components` (its runtime dependencies are pinned here).
#
# To change a version: edit its range in requirements-dev.txt or requirements.txt, then `make lock`
# (every other pin stays). `make lock UPGRADE=1` takes the newest versions the ranges allow.
# Do not edit by hand: tests/test_makefile.py checks that each pin satisfies its range.
endef
export LOCK_HEADER

lock: | $(UV) ## re-pin requirements.lock from requirements-dev.txt (UPGRADE=1: newest within the ranges)
	$(UV) pip compile --quiet requirements-dev.txt --universal --python-version $(MIN_PYTHON) \
		--generate-hashes --no-header $(if $(UPGRADE),--upgrade) --output-file $(LOCK)
	@{ printf '%s\n\n' "$$LOCK_HEADER"; grep -v '^#' $(LOCK) | sed '/./,$$!d'; } > $(LOCK).new
	@mv $(LOCK).new $(LOCK)
	@echo "$(LOCK) written; make venv installs it"

# The real __main__.py of one stack under the package's mocks, its config file over Pulumi.yaml's
# defaults: what it would register, without the Pulumi CLI (docs/plan.md). FROM=<stack> plans that
# stack first and gives its outputs to the stack references; CONFIG=<file> reads another stack file.
plan: venv ## what STACK=<name> would register, no CLI (JSON=1, OUTPUTS=file, FROM=stack, UNITS="ou-..=ID,..")
	@$(BIN)/python -m program.plan $(STACK) $(if $(JSON),--json) $(if $(OUTPUTS),--outputs $(OUTPUTS)) $(foreach stack,$(FROM),--from $(stack)) $(if $(CONFIG),--config $(CONFIG)) $(foreach unit,$(UNITS),--unit-accounts $(unit))

# Both stacks deployed with the Pulumi CLI into an embedded AWS (moto on 127.0.0.1), then verified
# as the trusted users (local/run.py). Needs the Pulumi CLI.
local: venv ## deploy both stacks on the local emulator, verify and audit the access (Pulumi CLI; KEEP=1 keeps it)
	$(BIN)/python -m local.run up $(if $(KEEP),--keep) --invoked-as 'make local$(if $(KEEP), KEEP=1)'

# cross-account-audit of both local stacks (outputs read from their state files) against the emulator
# `make local KEEP=1` left running, as each account's read-only auditor. No Pulumi CLI needed.
audit: venv ## audit what `make local KEEP=1` left: live IAM compared with the stacks' outputs
	$(BIN)/python -m local.run audit --invoked-as 'make audit'

local-destroy: venv ## destroy what `make local KEEP=1` left
	$(BIN)/python -m local.run destroy --invoked-as 'make local-destroy'

# See docs/benchmarks.md; not part of `make test`.
bench: venv ## benchmark the program under mocks at 1..1,000 roles against the floor
	$(BIN)/python benchmarks/run.py

# As a release publishes it.
dist: venv ## build the components package (sdist and wheel) into dist/
	rm -rf dist
	$(UV) build --quiet components --out-dir dist

release-check: venv ## check that TAG=v<version> matches components/pyproject.toml and CHANGELOG.md
	@version=$$($(BIN)/python -c 'import tomllib; print(tomllib.load(open("components/pyproject.toml", "rb"))["project"]["version"])'); \
	if [ "$(TAG)" != "v$$version" ]; then \
		echo "tag '$(TAG)' is not v$$version (components/pyproject.toml): bump the version, or tag v$$version"; exit 1; \
	fi; \
	heading="^## \[$$(echo "$$version" | sed 's/[.]/[.]/g')\] - [0-9]{4}-[0-9]{2}-[0-9]{2}$$"; \
	if ! grep -Eq "$$heading" CHANGELOG.md 2>/dev/null; then \
		echo "CHANGELOG.md has no entry for $$version: add a section '## [$$version] - <YYYY-MM-DD>' saying what changed"; exit 1; \
	fi; echo "tag $(TAG) matches components/pyproject.toml and CHANGELOG.md"

clean: ## remove .venv and the tools' caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
