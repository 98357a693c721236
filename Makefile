# The two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'

# Score the samples with the built-in Spanish ruleset and print the report. Some samples are
# meant to fail, so --exit-zero keeps make happy; exit 2 (an error) still stops it.
demo: install
	$(BIN)/cx-audit score samples/ --exit-zero

test: install-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build dist src/*.egg-info
