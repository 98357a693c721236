# The two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-test browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

# With the dask extra, so the Parquet and Dask tests run rather than skip.
install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dask]'

# Score the samples and print the report: the Spanish conversations with the built-in Spanish
# ruleset, the English ones with its English twin (--lang auto). Some samples are meant to fail,
# so --exit-zero keeps make happy; exit 2 (an error) still stops it.
demo: install
	$(BIN)/cx-audit score samples/ --lang auto --exit-zero

# The HTML report's browser test needs Debian's chromium: installed here when we can (root with
# apt-get, as on CI); elsewhere the test is skipped with its reason.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: the HTML browser test will be skipped"; fi; }

test: install-test browser
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build dist src/*.egg-info
