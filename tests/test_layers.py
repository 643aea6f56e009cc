"""The layers of docs/architecture.md hold in the code: imports only point down, the core opens no
file, and nothing below the command line and the app imports typer or streamlit.

    core <- outputs <- experiments <- calibration <- api <- {cli, app}
    inputs (data files -> validated objects) is read by every layer above the core.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"model": "jobsim.model", "calibration": "jobsim.calibration", "app": "jobsim.app"}

# What each layer may import from jobsim (itself included); `base` is jobsim.model's __init__ (the version).
ALLOWED = {
    "core": {"base", "core"},
    "inputs": {"base", "core", "inputs"},
    "outputs": {"base", "core", "inputs", "outputs"},
    "experiments": {"base", "core", "inputs", "outputs", "experiments"},
    "calibration": {"base", "core", "inputs", "outputs", "experiments", "calibration"},
    "api": {"base", "core", "inputs", "outputs", "experiments", "calibration", "api"},
    "cli": {"base", "api", "cli"},
    "app": {"base", "api", "app"},
}
FRONT_END_LIBRARIES = ("typer", "streamlit", "click", "rich")


def layer_of(module: str) -> str:
    parts = module.split(".")
    if parts[:2] == ["jobsim", "calibration"]:
        return "calibration"
    if parts[:2] == ["jobsim", "app"]:
        return "app"
    if parts[:2] == ["jobsim", "model"]:
        if len(parts) == 2:
            return "base"
        return parts[2]  # core, inputs, outputs, experiments, cli, api
    raise ValueError(module)


def modules() -> list[tuple[str, Path]]:
    out = []
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            out.append((".".join([package, *parts]), path))
    return out


def imports_of(path: Path, module: str) -> list[tuple[int, str]]:
    """Every jobsim module imported anywhere in the file (lazy imports inside functions included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


MODULES = modules()


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_imports_point_down(module, path):
    mine = layer_of(module)
    bad = []
    for line, name in imports_of(path, module):
        if name.startswith("jobsim."):
            theirs = layer_of(name)
            if theirs not in ALLOWED[mine]:
                bad.append(f"{path.relative_to(ROOT)}:{line} ({mine}) imports {name} ({theirs})")
        elif name.split(".")[0] in ("model", "calibration", "app"):
            bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}: use the jobsim namespace")
        elif name.split(".")[0] in FRONT_END_LIBRARIES and mine not in ("cli", "app"):
            bad.append(f"{path.relative_to(ROOT)}:{line} ({mine}) imports {name}: only the command line and the app may")
    assert not bad, "\n".join(bad)


FILE_IO = {"open", "read_csv", "read_text", "read_bytes", "write_text", "write_bytes", "safe_load", "to_netcdf",
           "open_dataset", "glob", "rglob", "listdir", "mkdir"}


# The core opens no file at all; in outputs only the result store (and its atomic writes, and the run
# catalogue that indexes stored results and checks their files) does.
NO_FILE_IO = sorted((ROOT / "model" / "core").glob("*.py")) + [
    p for p in sorted((ROOT / "model" / "outputs").glob("*.py"))
    if p.name not in ("store.py", "atomic.py", "run_catalogue.py")]


@pytest.mark.parametrize("path", NO_FILE_IO, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_core_and_outputs_open_no_data_file(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if name in FILE_IO:
                calls.append(f"{path.name}:{node.lineno} calls {name}()")
    assert not calls, "only model/inputs/ reads data files (and outputs/store.py writes results):\n" + "\n".join(calls)


def test_every_public_api_name_resolves():
    """Each name in jobsim.model.api.__all__ is defined or loads from its layer (no stale re-export)."""
    from jobsim.model import api

    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert not missing, missing
