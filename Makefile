# coexist: make compare (the default Japan comparison), make test (the test suite).
# The first target that needs it creates .venv from requirements.lock (pinned, transitive)
# and installs coexist in it (editable); a stamp file makes that happen once, and again
# only when requirements.lock or pyproject.toml change.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.coexist-installed

.PHONY: all compare test clean distclean venv

all: test

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

compare: $(STAMP)
	$(BIN)/coexist compare japan-temporary japan-circular japan-circular-unconnected --out results/japan

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

clean:
	rm -rf results runs .pytest_cache .hypothesis
	find src tests -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
