"""Installs anywhere: a wheel built from the checkout holds the code, data, scenarios and calibrations, and,
installed in a fresh virtualenv outside the checkout, gives a working `jobsim` that imports nothing from it.

Fast and offline: the wheel is built from a copy of the checkout (so no build/ folder is left in it), the
fresh virtualenv (no pip of its own) gets the wheel from the project's pip (`pip --python NEW install
--no-deps --no-index`), and only then a .pth file pointing at the
project's .venv site-packages supplies the dependencies. A .pth path line adds that folder to sys.path but
does not run the .pth files inside it, so the .venv's editable finder for jobsim stays off and `import
jobsim` resolves to the fresh environment's own copy (asserted below).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COPY_IGNORE = shutil.ignore_patterns(".venv", ".git", "build", "dist", "tests", "notebooks", "benchmarks", "out",
                                     "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis", "*.nc")
# Folders mapped under the jobsim namespace (pyproject.toml [tool.setuptools] package-dir).
CODE_FOLDERS = {"model": "jobsim/model", "calibration": "jobsim/calibration", "app": "jobsim/app"}
DATA_GLOBS = ["data/*.csv", "data/README.md", "data/registry/*.csv", "data/parameters/*.yaml",
              "data/economy/*.csv", "scenarios/*.yaml", "calibration/params/*.yaml"]


def _run(cmd: list[str], cwd: Path, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _shared_root(tmp_path_factory) -> Path:
    """A folder shared by the pytest-xdist workers of this session (or this process's temp folder)."""
    root = tmp_path_factory.getbasetemp()
    return root.parent if "PYTEST_XDIST_WORKER" in os.environ else root


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> tuple[Path, str]:
    """(the wheel built from a copy of the checkout, the build's verbose output), built once per session
    even under pytest-xdist (the first worker builds it holding a lock; the others wait and reuse it)."""
    work = _shared_root(tmp_path_factory) / "install_test_wheel"
    work.mkdir(exist_ok=True)
    with open(work.parent / "install_test_wheel.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            log = work / "build.log"
            if not log.exists():
                src = work / "src"
                shutil.rmtree(src, ignore_errors=True)
                shutil.copytree(ROOT, src, ignore=COPY_IGNORE)
                res = _run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", work / "dist", src], cwd=work)
                assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]
                log.write_text(res.stdout + res.stderr, encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    wheels = list((work / "dist").glob("jobsim-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0], log.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict:
    """A fresh virtualenv outside the checkout with the wheel installed; its dependencies from the .venv."""
    env_dir = tmp_path_factory.mktemp("fresh") / "venv"
    venv.EnvBuilder(with_pip=False, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # The project's pip installs into the fresh interpreter's environment (pip --python).
    res = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
                "--disable-pip-version-check", wheel[0]], cwd=env_dir.parent)
    assert res.returncode == 0, res.stdout + res.stderr
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=env_dir.parent).stdout.strip())
    # Only now the dependencies: pip above saw none of the .venv's packages (nor its editable jobsim).
    (site / "_jobsim_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JOBSIM_DATA", "JOBSIM_DATA_DIR", "VIRTUAL_ENV")}
    environ["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{environ.get('PATH', '')}"
    cwd = tmp_path_factory.mktemp("elsewhere")  # outside the checkout: nothing found relative to it
    return {"python": python, "jobsim": env_dir / "bin" / "jobsim", "site": site, "env": environ, "cwd": cwd}


def test_the_wheel_holds_every_module_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel[0]).namelist())
    expected = set()
    for folder, target in CODE_FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            if "__pycache__" not in path.parts:
                expected.add(f"{target}/{path.relative_to(ROOT / folder).as_posix()}")
    for pattern in DATA_GLOBS:
        for path in ROOT.glob(pattern):
            expected.add(f"jobsim/{path.relative_to(ROOT).as_posix()}")
    assert "jobsim/scenarios/index.yaml" in expected and "jobsim/data/regions.csv" in expected
    missing = sorted(expected - names)
    assert not missing, f"not in the wheel (add the package to pyproject.toml [tool.setuptools] packages): {missing}"
    assert not [n for n in names if n.startswith(("tests/", "model/", "calibration/", "data/"))], "only jobsim/ at the top"


def test_building_prints_no_deprecation_or_packaging_warning(wheel):
    output = wheel[1]
    for word in ("SetuptoolsDeprecationWarning", "BuildBackendWarning", "is absent from the `packages`", "License classifiers are deprecated"):
        assert word not in output, word


def test_the_installed_jobsim_imports_from_the_fresh_environment(installed):
    code = ("import jobsim.model, jobsim.model.inputs.paths as p, jobsim.calibration; "
            "print(jobsim.model.__file__); print(jobsim.calibration.__file__); print(p.data_dir()); print(p.scenarios_dir())")
    res = _run([installed["python"], "-c", code], cwd=installed["cwd"], env=installed["env"])
    assert res.returncode == 0, res.stderr
    for line in res.stdout.split():
        assert line.startswith(str(installed["site"])), (line, installed["site"])
        assert not line.startswith(str(ROOT)), line


def test_the_installed_command_lists_data_validates_and_runs(installed):
    scenarios = installed["site"] / "jobsim" / "scenarios"
    jobsim, env, cwd = installed["jobsim"], installed["env"], installed["cwd"]
    res = _run([jobsim, "data", "list"], cwd=cwd, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Jiangxi" in res.stdout or "regions" in res.stdout
    res = _run([jobsim, "validate", scenarios / "jiangxi_baseline.yaml"], cwd=cwd, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "OK" in res.stdout
    res = _run([jobsim, "run", scenarios / "jiangxi_baseline.yaml", "--replicates", "1", "--scale", "20000", "--workers", "1"],
               cwd=cwd, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    assert "new urban" in res.stdout.lower() or "城镇新增就业" in res.stdout  # the yearly table
