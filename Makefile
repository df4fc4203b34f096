# Shortcuts for the commands the README and CI use. `make` alone lists them.
PYTHON ?= .venv/bin/python
VENV_BIN := $(dir $(PYTHON))

.PHONY: help venv run test test-quick lint format typecheck bench ci

help:
	@echo "make run         set up and serve the demo (SQLite, tasks in-process)"
	@echo "make test        the whole test suite (services tests need REDIS_URL)"
	@echo "make test-quick  the suite without Redis/worker and browser tests"
	@echo "make lint        ruff, ruff format --check, import-linter, migrations check"
	@echo "make format      ruff --fix and ruff format"
	@echo "make typecheck   mypy on the service modules"
	@echo "make bench       every benchmark script with its default options"
	@echo "make ci          what .ci/run does (needs root for apt-get and services)"

venv: .venv/.installed

.venv/.installed: requirements/base.txt requirements/dev.txt requirements/production.txt
	python3 -m venv .venv
	.venv/bin/pip install -q --upgrade pip
	.venv/bin/pip install -q -r requirements/dev.txt
	touch $@

run: venv
	DEBUG=1 $(PYTHON) manage.py rundemo

test: venv
	$(PYTHON) -m pytest

test-quick: venv
	$(PYTHON) -m pytest -q -m 'not services and not browser'

lint: venv
	$(VENV_BIN)ruff check .
	$(VENV_BIN)ruff format --check .
	$(VENV_BIN)lint-imports
	DEBUG=1 SECRET_KEY=lint $(PYTHON) manage.py makemigrations --check --dry-run

format: venv
	$(VENV_BIN)ruff check --fix .
	$(VENV_BIN)ruff format .

typecheck: venv
	$(VENV_BIN)mypy

bench: venv
	for script in bench/*.py; do \
		case $$script in bench/settings.py|bench/urls.py|bench/__init__.py) continue;; esac; \
		echo "== $$script"; $(PYTHON) $$script || exit 1; \
	done

ci:
	bash .ci/run
