# hromada: `make run` serves the demo town on SQLite; `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck unit test-sqlite test-postgres system-deps messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

# Serve the demo town. `make run LAN=1` serves volunteers' phones on the local network too.
run: $(VENV)/.installed
	$(BIN)/hromada migrate --noinput
	$(BIN)/hromada demo
	$(BIN)/hromada serve --host $(HOST) --port $(PORT) $(if $(LAN),--lan)

system-deps:
	scripts/system-deps

lint: $(VENV)/.installed-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# The whole suite on a SQLite file, then again on a PostgreSQL server started for it.
test-sqlite: $(VENV)/.installed-dev system-deps
	$(BIN)/pytest

test-postgres: $(VENV)/.installed-dev system-deps
	scripts/with-postgres $(BIN)/pytest

test: system-deps lint typecheck
	HROMADA_DATA_DIR=$$(mktemp -d) $(BIN)/hromada makemigrations --check --dry-run
	$(BIN)/python scripts/check_translations.py
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

# Gather the strings to translate into locale/uk, then compile them.
messages: $(VENV)/.installed-dev
	cd src/hromada && ../../$(BIN)/hromada makemessages -l uk --no-obsolete --add-location file --ignore 'static/vendor/*'
	msgfmt --check -o src/hromada/locale/uk/LC_MESSAGES/django.mo src/hromada/locale/uk/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
