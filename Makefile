# The README's commands. Each sets up what it needs first and is safe to repeat.
#   make run    installs jobsim alone (`pip install -e .`: what running needs) and runs the bundled comparison
#   make test   adds the app, dev and sweeps extras (`pip install -e '.[app,dev,sweeps]'`), Debian's Chromium and
#               the Noto CJK fonts (the app's browser tests; `make browser`), and runs the test suite
#   make app    the Streamlit app at http://localhost:8501 (`jobsim app`)
# Two stamp files remember what is installed: `make test` after `make run` still installs the extras,
# and either is redone when pyproject.toml changes.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
OUT    := out

.PHONY: setup setup-dev browser run test bench app clean

setup: $(RUN_STAMP)

setup-dev: $(TEST_STAMP)

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; jobsim needs Python 3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

# The extras hold everything running needs too, so this stamp also satisfies `make run`.
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[app,dev,sweeps]'
	touch $(TEST_STAMP) $(RUN_STAMP)

# The app's end-to-end tests drive the system Chromium (never a downloaded browser) and its charts draw
# Chinese in Noto Sans CJK SC: both from Debian's packages, installed once (as root, or with sudo).
browser:
	@if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -q "Noto Sans CJK SC"; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "warning: no apt-get here: install chromium and fonts-noto-cjk yourself, or the browser tests skip" >&2; exit 0; fi; \
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null || \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

run: $(RUN_STAMP)
	@mkdir -p $(OUT)
	$(BIN)/jobsim run-bundled --out-dir $(OUT)

test: $(TEST_STAMP) browser
	$(BIN)/python -m pytest -n 2 -q

bench: $(RUN_STAMP)
	$(BIN)/python -m benchmarks --calibration

app: $(TEST_STAMP)
	$(BIN)/jobsim app

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
