# ollama-tui: every target creates .venv when it is missing and installs what it needs.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: run test lint format typecheck check-imports unit pty snapshots slow real bench clean

## Environments ---------------------------------------------------------------

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet -e '.[mcp]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

## Using it -------------------------------------------------------------------

run: $(VENV)/.installed-run  ## start the app against OLLAMA_HOST (default http://127.0.0.1:11434)
	$(BIN)/ollama-tui $(ARGS)

## Checking it ----------------------------------------------------------------

test: lint typecheck check-imports unit pty snapshots slow real  ## everything CI runs

lint: $(VENV)/.installed-test  ## ruff lint and format check
	$(BIN)/ruff check ollama_tui tests bench
	$(BIN)/ruff format --check ollama_tui tests bench

format: $(VENV)/.installed-test  ## rewrite: the lint fixes ruff can make (what is left is listed), then ruff format
	$(BIN)/ruff check --fix --exit-zero ollama_tui tests bench
	$(BIN)/ruff format ollama_tui tests bench

typecheck: $(VENV)/.installed-test  ## mypy --strict on the package, the tests and the bench
	$(BIN)/mypy

check-imports: $(VENV)/.installed-test  ## the layer contracts of DESIGN.md section 2
	$(BIN)/lint-imports

# The tiers split the suite: every test is in exactly one of unit, pty, snapshots, slow, real.
unit: $(VENV)/.installed-test  ## the suite against the fake server, in process (Pilot), on two workers
	$(PY) -m pytest -q -p no:cacheprovider --ignore=tests/real --ignore=tests/snapshots -m "not slow and not pty" -n 2  # a worker per core

pty: $(VENV)/.installed-test  ## the app in a real pseudo-terminal and in tmux: the bytes it writes, real key bytes
	$(PY) -m pytest -q -p no:cacheprovider --ignore=tests/real --ignore=tests/snapshots -m "pty and not slow" -n 2

snapshots: $(VENV)/.installed-test  ## every screen and dialog compared with the reviewed SVGs (tests/snapshots)
	$(PY) -m pytest -q -p no:cacheprovider tests/snapshots -m "not slow" -n 2

slow: $(VENV)/.installed-test  ## the crash suite: the app killed 50 times while it streams (about a minute)
	$(PY) -m pytest -q -p no:cacheprovider --ignore=tests/real -m slow

real: $(VENV)/.installed-test  ## the tier against a real Ollama at OLLAMA_TEST_HOST; skipped when unset
	$(PY) -m pytest -q -p no:cacheprovider tests/real

bench: $(VENV)/.installed-test  ## issue 14's table and DESIGN.md section 7's budgets; BENCH_ARGS="--compare REV --runs 5"
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/sessions.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
