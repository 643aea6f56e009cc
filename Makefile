# The README's commands. `run` and `test` set up first and are safe to repeat.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    := out

.PHONY: setup run test bench app clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; jobsim needs Python 3.11" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[app,dev]'
	touch $(STAMP)

run: setup
	@mkdir -p $(OUT)
	$(BIN)/jobsim run-bundled --out-dir $(OUT)

test: setup
	$(BIN)/python -m pytest -n 2 -q

bench: setup
	$(BIN)/python -m benchmarks --calibration

app: setup
	@test -f app/Home.py || { echo "The Streamlit app is not built yet; use 'jobsim run' and 'jobsim run-bundled'." >&2; exit 2; }
	$(BIN)/streamlit run app/Home.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
