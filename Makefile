# Coproduce: the two commands a newcomer needs are `make run` and `make test`.
# Nothing but make and a Python 3.12+ interpreter is needed; the rest is
# installed into .venv/ from the lock file (uv.lock) by uv.

.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.9.30
# Reinstall when the lock file or the project file changes (make compares times).
STAMP := $(VENV)/.installed

# First interpreter that is Python 3.12 or newer: $$PYTHON if set, then the
# usual names on PATH (Debian 13's python3.13 among them), then pyenv's
# installs, newest first.
FIND_PYTHON = for candidate in "$${PYTHON:-}" python3.14 python3.13 python3.12 python3 \
		$$( { ls -d "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 | sort -rV; } 2>/dev/null); do \
	  [ -n "$$candidate" ] || continue; \
	  "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 \
	    && { command -v "$$candidate" 2>/dev/null || echo "$$candidate"; } && break; \
	done

.PHONY: help
help:  ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): uv.lock pyproject.toml
	@if ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	  python="$$($(FIND_PYTHON))"; \
	  if [ -z "$$python" ]; then \
	    if [ -n "$${PYTHON:-}" ]; then \
	      echo "Coproduce needs Python 3.12 or newer, and PYTHON=$$PYTHON is not one (nor is any other Python found here)" >&2; \
	    else \
	      echo "Coproduce needs Python 3.12 or newer and none was found: install one, or run make with PYTHON=/path/to/python3.12" >&2; \
	    fi; \
	    exit 1; \
	  fi; \
	  echo "Creating $(VENV) with $$python"; \
	  rm -rf $(VENV) && "$$python" -m venv $(VENV); \
	fi
	@$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)" 2> >(grep -v "^WARNING: Location" >&2)
	@UV_PROJECT_ENVIRONMENT=$(VENV) $(VENV)/bin/uv sync --frozen --quiet --python $(PY)
	@touch $@

.PHONY: install
install: $(STAMP)  ## Create .venv and install the locked dependencies

.PHONY: run
run: $(STAMP)  ## Run Coproduce with demo data, a Celery worker and beat, on 127.0.0.1:8000
	@DEBUG=$${DEBUG:-true} $(PY) manage.py rundev

.PHONY: test
test: $(STAMP)  ## Run the whole test suite
	@$(PY) -m pytest $(PYTEST_ARGS)

.PHONY: lint
lint: $(STAMP)  ## Check style with ruff (lint and format)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

.PHONY: bench
bench: $(STAMP)  ## Measure pages, votes, memory and reminders at 5,000 members (needs PostgreSQL and Redis)
	@DEBUG=true $(PY) manage.py bench $(BENCH_ARGS)

.PHONY: format
format: $(STAMP)  ## Fix style with ruff
	@$(VENV)/bin/ruff check --fix .
	@$(VENV)/bin/ruff format .

.PHONY: clean
clean:  ## Remove the virtual environment and local data (var/)
	rm -rf $(VENV) var staticfiles
