# `make demo` and `make test` work on a fresh machine: they create .venv and install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

SYNAPSE_VENV := .venv-synapse
SYNAPSE_STAMP := $(SYNAPSE_VENV)/.installed

.PHONY: demo test lint bench install clean system-deps synapse-venv messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Synapse, for the Synapse adapter's tests, in its own virtualenv (its pins are not ours),
# with the adapter installed into it as Synapse's own environment would have it.
$(SYNAPSE_VENV)/bin/python:
	$(PYTHON) -m venv $(SYNAPSE_VENV)
	$(SYNAPSE_VENV)/bin/python -m pip install --quiet --upgrade pip

$(SYNAPSE_STAMP): adapters/synapse/pyproject.toml | $(SYNAPSE_VENV)/bin/python
	$(SYNAPSE_VENV)/bin/python -m pip install --quiet -e 'adapters/synapse[server]'
	touch $(SYNAPSE_STAMP)

synapse-venv: $(SYNAPSE_STAMP)

demo: $(STAMP)
	$(BIN)/takedown demo

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

test: $(STAMP) $(SYNAPSE_STAMP) system-deps
	$(BIN)/ruff check src tests adapters
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The reporters' catalogues: extract the strings, merge them into each language's .po file
# (translate what is new; tests/public/test_catalogues.py fails until every one is).
LOCALE := src/takedown/locale
messages: $(STAMP)
	$(BIN)/pybabel extract -F $(LOCALE)/babel.cfg -k tr -k N_ --no-location --sort-output \
		--omit-header -o $(LOCALE)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) -w 100 --ignore-obsolete -N

lint: $(STAMP)
	$(BIN)/ruff check src tests adapters
	$(BIN)/mypy
	$(BIN)/ruff format --check src tests adapters

bench: $(STAMP)
	$(BIN)/takedown bench match --n 10000000 --rounds 2
	$(BIN)/takedown bench memory --n 1000000
	$(BIN)/takedown bench hash

clean:
	rm -rf $(VENV) $(SYNAPSE_VENV) build *.egg-info
