"""Every notebook in notebooks/ runs top to bottom without an error (nbclient, kernel `python3`, cwd = repo root).

The `python3` kernelspec of the venv starts `python -m ipykernel_launcher`; jupyter_client replaces a bare
`python` with the interpreter running the tests (sys.executable), so with `.venv/bin/python -m pytest` the
kernel is the venv's Python. `test_kernel_is_this_interpreter` checks that before the notebooks run.
A notebook is stored either without outputs or with the outputs of one clean top-to-bottom run (cells
executed 1, 2, 3, ... in order, no error), so a reader of a committed notebook sees what it shows without
running it (`test_stored_outputs_come_from_one_clean_run`). The tests run each notebook at its small size:
`JOBSIM_NOTEBOOK_SIZE=small` in the kernel's environment (a notebook that has sizes reads it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "python3"
CELL_TIMEOUT = 300  # seconds per cell


def _client(nb: nbformat.NotebookNode) -> NotebookClient:
    return NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=KERNEL, allow_errors=False,
                          resources={"metadata": {"path": str(ROOT)}})


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks in notebooks/"


def test_kernel_is_this_interpreter():
    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        pytest.fail(f"no {KERNEL!r} kernelspec; install one with `{sys.executable} -m ipykernel install --sys-prefix`")
    assert spec.language.lower() == "python"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os, sys\nprint(sys.prefix)\nprint(os.getcwd())")])
    _client(nb).execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.get("output_type") == "stream")
    prefix, cwd = text.splitlines()
    assert Path(prefix).resolve() == Path(sys.prefix).resolve(), (
        f"kernel {KERNEL!r} ({spec.argv}) runs {prefix}, not the test interpreter's environment {sys.prefix}")
    assert Path(cwd).resolve() == ROOT


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_stored_outputs_come_from_one_clean_run(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    if all(n is None and not c.outputs for n, c in zip(counts, code)):
        return  # stored without outputs
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: cells were not run once, top to bottom: {counts}"
    errors = [i for i, c in enumerate(code) for o in c.outputs if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: stored outputs hold errors in code cells {errors}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, monkeypatch):
    monkeypatch.setenv("JOBSIM_NOTEBOOK_SIZE", "small")  # the kernel inherits the environment
    nb = nbformat.read(path, as_version=4)
    try:
        _client(nb).execute()
    except CellExecutionError as e:
        pytest.fail(f"{path.name} failed:\n{e}", pytrace=False)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
