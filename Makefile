# The README's commands. Each sets up what it needs first and is safe to repeat.
#   make run    installs jobsim alone (`pip install -e .`: what running needs) and runs the bundled comparison
#   make test   adds the app, dev and sweeps extras (`pip install -e '.[app,dev,sweeps]'`) and runs the test suite
# Two stamp files remember what is installed: `make test` after `make run` still installs the extras,
# and either is redone when pyproject.toml changes.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
OUT    := out

.PHONY: setup setup-dev run test bench app clean

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

run: $(RUN_STAMP)
	@mkdir -p $(OUT)
	$(BIN)/jobsim run-bundled --out-dir $(OUT)

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -n 2 -q

bench: $(RUN_STAMP)
	$(BIN)/python -m benchmarks --calibration

app: $(TEST_STAMP)
	@test -f app/Home.py || { echo "The Streamlit app is not built yet; use 'jobsim run' and 'jobsim run-bundled'." >&2; exit 2; }
	$(BIN)/streamlit run app/Home.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
