"""Faults leave nothing behind: `jobsim run` and `jobsim calibrate` killed with SIGINT, SIGTERM or SIGKILL
leave no temporary file (after SIGKILL, which nothing can catch, the next write of the same file removes
it) and no worker process; SIGINT and SIGTERM end with one line saying what was kept, exit 130 or 143; two
runs writing the same file: the second is refused at once, naming the first.

Every command runs with a unique JOBSIM_TEST_MARKER in its environment, which its worker processes
inherit, so that /proc tells which processes are still alive.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from jobsim.model.cli.errors import EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_USAGE

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "jiangxi_baseline.yaml"
MARKER = "JOBSIM_TEST_MARKER"
# A run whose replicates take a few seconds each (1:200, with the 12-month warm-up), so that it is surely
# still working when the signal comes.
SLOW_RUN = ("--replicates", "6", "--scale", "200", "--workers", "2")
QUICK_RUN = ("--replicates", "1", "--scale", "20000", "--workers", "1")
STARTUP_SECONDS = 90.0  # the longest a command may take to reach its workers on a loaded machine
ORPHAN_SECONDS = 3.0  # the workers of a killed command must be gone within this long
EXIT_SECONDS = 30.0
POLL_SECONDS = 0.1
# A run whose result file waits 120 s between its temporary file and the rename. The signal may land in
# the library's write (held until it returns: atomic.interrupts_deferred) or in the wait; either way
# nothing is written and no temporary file is left.
SLOW_WRITER = """
import os, sys, time
renamed = os.replace
def wait_then_rename(src, dst, *args, **kwargs):
    if str(dst).endswith(".nc"):
        time.sleep(120)
    return renamed(src, dst, *args, **kwargs)
os.replace = wait_then_rename
from jobsim.model.cli.main import app
sys.argv = ["jobsim", *sys.argv[1:]]
app()
"""


def jobsim_program() -> list[str]:
    script = Path(sys.executable).parent / "jobsim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "jobsim.model.cli.main"]


def marked_processes(marker: str) -> list[int]:
    """Live processes (not zombies) whose environment holds JOBSIM_TEST_MARKER=marker."""
    found = []
    needle = f"{MARKER}={marker}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path("/proc", entry, "environ").read_bytes()
            state = Path("/proc", entry, "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z" and needle in environ.split(b"\0"):
            found.append(int(entry))
    return found


def start(argv: list[str], cwd: Path, marker: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "JOBSIM_DATA_DIR"}
    env[MARKER] = marker
    return subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for(condition, what: str, seconds: float = STARTUP_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(POLL_SECONDS)


def workers_running(proc: subprocess.Popen, marker: str, n: int = 2):
    return lambda: len([p for p in marked_processes(marker) if p != proc.pid]) >= n


def assert_no_orphans(marker: str) -> None:
    deadline = time.monotonic() + ORPHAN_SECONDS
    while marked_processes(marker):
        if time.monotonic() > deadline:
            left = marked_processes(marker)
            for pid in left:  # do not leave them to the next test
                os.kill(pid, signal.SIGKILL)
            raise AssertionError(f"worker processes outlived their parent: {left}")
        time.sleep(POLL_SECONDS)


def hidden_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def check_interrupt_report(proc: subprocess.Popen, sig: signal.Signals, kept: str) -> None:
    stderr = proc.stderr.read()
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        return
    expected = {signal.SIGINT: (EXIT_INTERRUPTED, "interrupted"), signal.SIGTERM: (EXIT_TERMINATED, "terminated")}[sig]
    assert proc.returncode == expected[0], stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {expected[1]}: ") and kept in errors[0], stderr


def _interrupt_leaves_nothing(proc, sig, marker: str, out: Path, tmp_path: Path) -> None:
    """Send `sig`; the command ends within EXIT_SECONDS, leaving no worker, no result and (unless
    killed outright) no hidden temporary file, and says so in one line."""
    proc.send_signal(sig)
    proc.wait(EXIT_SECONDS)
    assert_no_orphans(marker)
    check_interrupt_report(proc, sig, "nothing was written")
    assert not out.exists()
    if sig != signal.SIGKILL:
        assert hidden_files(tmp_path) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_a_run_killed_while_simulating_leaves_no_worker_and_no_file(sig, tmp_path):
    marker = uuid.uuid4().hex
    out = tmp_path / "result.nc"
    proc = start([*jobsim_program(), "run", str(BASELINE), *SLOW_RUN, "--out", str(out)], tmp_path, marker)
    wait_for(workers_running(proc, marker), "the run's worker processes")
    _interrupt_leaves_nothing(proc, sig, marker, out, tmp_path)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_a_run_killed_while_writing_leaves_no_temporary_file(sig, tmp_path):
    marker = uuid.uuid4().hex
    out = tmp_path / "result.nc"
    proc = start([sys.executable, "-c", SLOW_WRITER, "run", str(BASELINE), *QUICK_RUN, "--out", str(out)],
                 tmp_path, marker)
    wait_for(lambda: any(name.endswith(".tmp") for name in hidden_files(tmp_path)), "the temporary result file")
    proc.send_signal(sig)
    proc.wait(EXIT_SECONDS)
    check_interrupt_report(proc, sig, "nothing was written")
    assert not out.exists()
    if sig == signal.SIGKILL:  # nothing could remove it; the next write of the same file does
        assert any(name.endswith(f".jobsim-{proc.pid}.tmp") for name in hidden_files(tmp_path))
        again = subprocess.run([*jobsim_program(), "run", str(BASELINE), *QUICK_RUN, "--out", str(out)],
                               cwd=tmp_path, capture_output=True, text=True, timeout=STARTUP_SECONDS)
        assert again.returncode == 0, again.stderr
        assert out.exists()
    assert hidden_files(tmp_path) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_a_calibration_killed_while_searching_leaves_no_worker_and_no_file(sig, tmp_path):
    marker = uuid.uuid4().hex
    out = tmp_path / "jiangxi.yaml"
    proc = start([*jobsim_program(), "calibrate", "--region", "Jiangxi", "--quick", "--workers", "2",
                  "--out", str(out)], tmp_path, marker)
    wait_for(workers_running(proc, marker), "the calibration's worker processes")
    time.sleep(1.0)  # into the search: the workers are evaluating candidates
    _interrupt_leaves_nothing(proc, sig, marker, out, tmp_path)


def test_a_second_run_writing_the_same_file_is_refused_at_once_naming_the_first(tmp_path):
    marker = uuid.uuid4().hex
    out = tmp_path / "result.nc"
    first = start([*jobsim_program(), "run", str(BASELINE), *SLOW_RUN, "--out", str(out)], tmp_path, marker)
    try:
        wait_for(lambda: (tmp_path / ".result.nc.lock").exists(), "the first run's lock")
        started = time.perf_counter()
        second = subprocess.run([*jobsim_program(), "run", str(BASELINE), *QUICK_RUN, "--out", str(out)],
                                cwd=tmp_path, capture_output=True, text=True, timeout=STARTUP_SECONDS)
        assert second.returncode == EXIT_USAGE, second.stderr
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and f"pid {first.pid}" in lines[0] and "--out" in lines[0], second.stderr
        assert time.perf_counter() - started < STARTUP_SECONDS
        assert not out.exists()  # the second wrote nothing; the first is still running
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(EXIT_SECONDS)
        assert_no_orphans(marker)
    assert first.returncode == EXIT_INTERRUPTED
    assert hidden_files(tmp_path) == []
