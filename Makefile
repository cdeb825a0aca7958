# Songda: `make run` starts the demo, `make test` runs the suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Django 6 needs Python >= 3.12. Try the usual names, then pyenv's installs; a pyenv
# shim that is not selected fails the version check and is skipped.
PYTHON_CANDIDATES := $(PYTHON) python3.14 python3.13 python3.12 python3 \
	$(sort $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python)) \
	/usr/local/bin/python3.12 /usr/bin/python3.12 /usr/bin/python3.13
FOUND_PYTHON := $(shell for p in $(PYTHON_CANDIDATES); do \
	if "$$p" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then \
	command -v "$$p" || echo "$$p"; break; fi; done)

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ADDR ?= 127.0.0.1:8000
ONLY ?=

.PHONY: help venv run test lint bench messages clean

help:
	@echo "make run    - install, migrate, seed the demo if empty, start web + jobs"
	@echo "make test   - run the whole test suite (DATABASE_URL or SQLite)"
	@echo "make lint   - ruff, mypy, import contracts, migrations and deploy checks"
	@echo "make bench  - run the benchmarks (ONLY=<name> for one)"

$(STAMP): requirements.txt requirements-dev.txt
	@if [ -z "$(FOUND_PYTHON)" ]; then \
		echo "Songda needs Python 3.12 or newer, and none was found."; \
		echo "Install it (e.g. 'apt-get install python3.12 python3.12-venv', 'pyenv install 3.12'"; \
		echo "or from python.org) or point to it: make PYTHON=/path/to/python3.12 run"; exit 1; fi
	@if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then \
		rm -rf $(VENV); echo "Creating $(VENV) with $(FOUND_PYTHON)"; "$(FOUND_PYTHON)" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@export DEBUG=$${DEBUG:-1}; \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py seed_demo --if-empty && \
	echo "" && echo "Songda is running at http://$(ADDR)/  (Ctrl+C stops it)" && echo "" && \
	{ $(PY) manage.py qcluster & QPID=$$!; trap 'kill $$QPID 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver $(ADDR); }

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	DEBUG=0 SECRET_KEY=$$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=') ALLOWED_HOSTS=songda.example.com \
		$(PY) manage.py check --deploy --fail-level WARNING

bench: $(STAMP)
	$(PY) tests/benchmarks/run.py $(ONLY)

messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore=.venv --ignore=static/vendor
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache staticfiles
