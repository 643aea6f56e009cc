"""`jobsim sweep` and `jobsim sensitivity` on the command line: the default local cluster of processes, a
sweep killed with SIGKILL and resumed, a cluster of `dask scheduler` and two `dask worker` processes on
loopback (one of them killed part-way), the sensitivity formats, and the errors (each one line, exit codes
by the policy of model/cli/errors.py).

The stores are compared with one made through the API on an in-process cluster: the same file gives the
same values bit for bit, however and wherever it ran and however often it was interrupted.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from jobsim.model import api
from jobsim.model.cli.errors import EXIT_INVALID, EXIT_USAGE
from jobsim.model.cli.main import app
from jobsim.model.experiments.sweep import load_sweep, run_sweep, sweep_status

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
TINY_SCALE = 50000
WAIT_SECONDS = 180  # the longest a subprocess may take on a loaded 2-core machine
POLL_SECONDS = 0.2

runner = CliRunner()


def jobsim(*args: str) -> list[str]:
    script = BIN / "jobsim"
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "jobsim.model.cli.main", *args]


def write_sweep(folder: Path, name: str = "cli", design: dict | None = None, replicates: int = 2) -> Path:
    base = yaml.safe_load((ROOT / "scenarios" / "jiangxi_baseline.yaml").read_text(encoding="utf-8"))
    base["period"] = {"first_year": 2021, "last_year": 2022}
    (folder / "short_base.yaml").write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    data = {"name": name, "base": "short_base.yaml",
            "levers": {"training_volume_person_times": [0.5, 1.5], "loan_issuance_yuan": [0.5, 1.5]},
            "design": design or {"method": "full_factorial", "levels": 3},
            "seed": 4, "replicates": replicates, "scale": TINY_SCALE,
            "indicators": ["new_urban_jobs", "jobs_held"], "areas": ["Jiangxi"]}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sweep_cli")


@pytest.fixture(scope="module")
def reference(folder) -> Path:
    """The sweep made through the API on an in-process cluster (threads), with the calibrated parameters as
    the command uses them."""
    from distributed import LocalCluster

    out = folder / "reference.zarr"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        run_sweep(write_sweep(folder), out, scheduler=cluster.scheduler_address, catalogue=False)
    return out


def assert_same_values(a: Path, b: Path) -> None:
    x, y = load_sweep(a).load(), load_sweep(b).load()
    assert set(x.variables) == set(y.variables)
    for name in x.variables:
        np.testing.assert_array_equal(x[name].values, y[name].values, err_msg=name)
    assert x.attrs["sweep_hash"] == y.attrs["sweep_hash"]


def wait_for(condition, what: str, seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(POLL_SECONDS)


def samples_written(store: Path) -> int:
    try:
        return sweep_status(store)[0]
    except Exception:  # noqa: BLE001 - the store is not made yet
        return 0


def descendants(pid: int) -> list[int]:
    import psutil

    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def alive(pids: list[int]) -> list[int]:
    import psutil

    return [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]


@pytest.mark.slow  # about 50 s on a loaded 2-core machine: two local clusters start
def test_a_sweep_killed_with_sigkill_resumes_to_the_same_store(folder, reference):
    """The default local cluster (processes, started by spawn); the client killed after a few samples; the
    same command again finishes the store, equal to the uninterrupted one."""
    path, out = write_sweep(folder), folder / "killed" / "killed.zarr"  # its own folder: its own catalogue
    out.parent.mkdir()
    proc = subprocess.Popen(jobsim("sweep", str(path), "--out", str(out), "--workers", "2"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for(lambda: samples_written(out) >= 2 or proc.poll() is not None, "two samples written")
        workers = descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(WAIT_SECONDS)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    written, total = sweep_status(out)
    assert 2 <= written < total, "the sweep finished before it could be killed: make it larger"
    # the cluster's processes end with their client (Dask's parent watch)
    wait_for(lambda: not alive(workers), "the killed sweep's worker processes to end", seconds=60)
    again = subprocess.run(jobsim("sweep", str(path), "--out", str(out), "--workers", "2"), capture_output=True,
                           text=True, timeout=WAIT_SECONDS)
    assert again.returncode == 0, again.stderr
    assert f"resuming {out}: {written * 2} of {total * 2} runs already there" in again.stderr
    assert "dashboard: " in again.stderr and "ETA" in again.stderr
    assert f"({(total - written) * 2} run now, {written * 2} already there)" in again.stdout
    assert_same_values(reference, out)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # about 25 s: a scheduler and two workers start
def test_a_sweep_on_a_dask_scheduler_and_two_workers(folder, reference):
    """`dask scheduler --host 127.0.0.1` and two `dask worker tcp://127.0.0.1:PORT` on loopback; one worker is
    killed with SIGKILL part-way (its task runs again on the other) and the store still equals the reference."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(BIN / "dask")
    started = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
    client = None
    try:
        for _ in range(2):
            started.append(subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-nanny",
                                             "--no-dashboard"], stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, start_new_session=True))
        out = folder / "cluster" / "cluster.zarr"
        out.parent.mkdir()
        client = subprocess.Popen(jobsim("sweep", str(write_sweep(folder)), "--out", str(out), "--scheduler", address),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: samples_written(out) >= 1 or client.poll() is not None, "a sample written on the cluster")
        started[1].send_signal(signal.SIGKILL)
        stdout, stderr = client.communicate(timeout=WAIT_SECONDS)
        assert client.returncode == 0, stderr
        assert f"scheduler {address}" in stderr
        assert_same_values(reference, out)
    finally:
        for proc in [client, *started]:
            if proc is not None and proc.poll() is None:
                proc.terminate()
        for proc in [client, *started]:
            if proc is not None:
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()


# ---- sensitivity and errors -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sobol_store(folder) -> Path:
    from distributed import LocalCluster

    out = folder / "sobol.zarr"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        run_sweep(write_sweep(folder, "cli_sobol", {"method": "sobol", "n": 4}, replicates=1), out,
                  scheduler=cluster.scheduler_address)
    return out


def test_sensitivity_formats(sobol_store):
    table = runner.invoke(app, ["sensitivity", str(sobol_store), "--indicator", "new_urban_jobs"])
    assert table.exit_code == 0, table.output
    assert "sobol indices of new_urban_jobs" in table.stdout and "replicate mean per sample" in table.stdout
    assert "training_volume_person_times" in table.stdout and "ST_conf" in table.stdout
    doc = json.loads(runner.invoke(app, ["sensitivity", str(sobol_store), "--indicator", "jobs_held", "--year", "2022",
                                         "--format", "json"]).stdout)
    assert doc["method"] == "sobol" and doc["year"] == 2022 and len(doc["indices"]) == 2
    assert set(doc["indices"][0]) == {"factor", "S1", "S1_conf", "ST", "ST_conf"}
    csv = runner.invoke(app, ["sensitivity", str(sobol_store), "--indicator", "new_urban_jobs", "--format", "csv"])
    assert csv.stdout.splitlines()[0].startswith("factor,S1,S1_conf,ST,ST_conf")
    expected = api.sensitivity(sobol_store, "new_urban_jobs")
    assert float(csv.stdout.splitlines()[1].split(",")[1]) == pytest.approx(expected["S1"].iloc[0], rel=1e-12)


def one_error(result) -> str:
    assert "Traceback" not in result.output
    err = result.stderr.strip()
    assert err.startswith("error: "), err
    return err


def test_sensitivity_errors(sobol_store, folder):
    bad = runner.invoke(app, ["sensitivity", str(sobol_store), "--indicator", "vacancies"])
    assert bad.exit_code == EXIT_USAGE and "its indicators: new_urban_jobs, jobs_held" in one_error(bad)
    bad = runner.invoke(app, ["sensitivity", str(sobol_store), "--indicator", "jobs_held", "--area", "Ganzhou"])
    assert bad.exit_code == EXIT_USAGE and "its areas: Jiangxi" in one_error(bad)
    missing = runner.invoke(app, ["sensitivity", str(folder / "none.zarr"), "--indicator", "jobs_held"])
    assert missing.exit_code == EXIT_USAGE and "does not exist" in one_error(missing)


def test_sweep_usage_errors_come_before_any_work(folder):
    path = write_sweep(folder)
    cases = [
        (["sweep", str(path), "--out", str(folder / "x.nc")], "must end in .zarr"),
        (["sweep", str(folder / "nope.yaml"), "--out", str(folder / "x.zarr")], "does not exist"),
        (["sweep", str(path), "--out", str(folder / "x.zarr"), "--scheduler", "127.0.0.1:8786"],
         "not a Dask scheduler address"),
        (["sweep", str(path), "--out", str(folder / "no_folder" / "x.zarr")], "does not exist"),
    ]
    for args, words in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == EXIT_USAGE, (args, result.output)
        assert words in one_error(result)
    assert not (folder / "x.zarr").exists()


def test_an_invalid_sweep_file_lists_every_problem(folder):
    path = folder / "bad.yaml"
    path.write_text("name: bad\nbase: jiangxi_baseline\nlevers:\n  loan_issuance_yuan: [2, 1]\n"
                    "design: {method: sobol, n: 6}\nindicators: [jobs]\n", encoding="utf-8")
    result = runner.invoke(app, ["sweep", str(path), "--out", str(folder / "bad.zarr")])
    assert result.exit_code == EXIT_INVALID
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith(f"error: {path}: ") for line in lines), lines
    text = "\n".join(lines)
    assert "levers.loan_issuance_yuan" in text and "design.n" in text and "indicators.0" in text


def test_a_changed_sweep_file_is_refused(folder, reference):
    path = folder / "changed.yaml"
    data = yaml.safe_load(write_sweep(folder).read_text(encoding="utf-8"))
    data["seed"] = 5
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = runner.invoke(app, ["sweep", str(path), "--out", str(reference)])
    assert result.exit_code == EXIT_INVALID
    assert "changed: seed" in one_error(result)


def test_validate_checks_a_sweep_file_beside_scenarios(tmp_path):
    """`jobsim validate` recognises a sweep file (a top-level `design`), checks it and every sample's scenario
    without running anything, and reports each problem with its field and line; scenarios are checked as before."""
    bundled = ROOT / "scenarios" / "sweeps" / "jiangxi_training_x_loans.yaml"
    ok = runner.invoke(app, ["validate", str(bundled), str(ROOT / "scenarios" / "jiangxi_baseline.yaml")])
    assert ok.exit_code == 0, ok.output
    assert "OK  " in ok.stdout and "sweep file: jiangxi_training_x_loans" in ok.stdout and "25 samples x 4 replicates" in ok.stdout
    bad = tmp_path / "bad_sweep.yaml"
    bad.write_text(bundled.read_text(encoding="utf-8").replace("levels: 5", "levels: 1").replace("replicates: 4", "replicates: 0"),
                   encoding="utf-8")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == EXIT_INVALID, result.output
    assert "INVALID" in result.stdout and "(sweep file, 2 problems)" in result.stdout
    assert "design.levels: 1 is not allowed" in result.stdout and "replicates: 0 is not allowed" in result.stdout
