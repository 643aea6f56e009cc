"""Hostile and careless command lines: every one is refused before any work starts, in a few seconds and
under a memory limit, with one `error:` line naming the option and the value, no traceback, the exit code
of the policy (model/cli/errors.py), and nothing written.

Each case runs `jobsim` in a subprocess whose address space is limited (RLIMIT_AS) and whose working
folder is a fresh temporary folder; relative output paths land there, and the folder must be as it was
afterwards (no result, no hidden temporary or lock file). The time bound is on the processor time the
command used (what it costs, whatever else loads the machine) and, much wider, on the wall clock (it
must never hang).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from jobsim.model import api
from jobsim.model.cli.errors import EXIT_USAGE
from jobsim.model.inputs.scenario import MAX_REPLICATES
from jobsim.model.inputs.scenario.fields import MAX_SEED

ROOT = Path(__file__).resolve().parents[3]
BASELINE = ROOT / "scenarios" / "jiangxi_baseline.yaml"
# Every case must be refused within this much processor time (no simulation runs: most take 0.5-3 s) ...
TIME_LIMIT_SECONDS = 10.0
# ... and within this long on the wall clock, however loaded the test machine is (it never hangs).
HANG_LIMIT_SECONDS = 40.0
# The address space a refused command may use: enough for Python with pandas and pydantic, far from a run.
MEMORY_LIMIT_BYTES = 1536 * 2**20
FAST_SCALE = "20000"  # a scale that would make any run that did start quick
TOO_FEW_PERSONS_PER_AGENT = "1"  # Jiangxi at one person per agent: about 28M agents, gigabytes per replicate


def jobsim_program() -> list[str]:
    script = Path(sys.executable).parent / "jobsim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "jobsim.model.cli.main"]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


@dataclass(frozen=True)
class Case:
    """A command line (`{tmp}` is the temporary working folder), the exit code it must end with, and the
    words its one error line must contain (the option and the value)."""

    name: str
    args: tuple[str, ...]
    code: int
    says: tuple[str, ...]


def run_case(args: tuple[str, ...], tmp: Path) -> tuple[subprocess.CompletedProcess, float, float]:
    """(the finished process, its processor seconds, its wall-clock seconds)."""
    argv = [*jobsim_program(), *(a.replace("{tmp}", str(tmp)) for a in args)]
    env = {k: v for k, v in os.environ.items() if k != "JOBSIM_DATA_DIR"}
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=tmp, env=env, capture_output=True, text=True, preexec_fn=_limit_memory,
                          timeout=HANG_LIMIT_SECONDS)
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return proc, cpu, wall


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under `folder` (hidden ones too) with its size and modification time."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            if path.is_fifo():
                found[str(path)] = (0, 0)
                continue
            st = path.stat()
            found[str(path)] = (st.st_size, st.st_mtime_ns)
    return found


RUN = ("run", str(BASELINE))
FAST = ("--replicates", "1", "--scale", FAST_SCALE)
OUT_FILE = "{tmp}/result.nc"

CASES = [
    # ---- jobsim run: where the result goes
    Case("run-out-is-a-folder", (*RUN, *FAST, "--out", "{tmp}"), EXIT_USAGE, ("--out", "is a folder")),
    Case("run-out-missing-folder", (*RUN, *FAST, "--out", "{tmp}/missing/x.nc"), EXIT_USAGE,
         ("--out", "missing", "does not exist")),
    Case("run-out-in-proc", (*RUN, *FAST, "--out", "/proc/x.nc"), EXIT_USAGE, ("--out", "/proc/x.nc", "proc")),
    Case("run-out-in-sys", (*RUN, *FAST, "--out", "/sys/x.nc"), EXIT_USAGE, ("--out", "/sys/x.nc", "sysfs")),
    Case("run-out-wrong-suffix", (*RUN, *FAST, "--out", "{tmp}/x.csv"), EXIT_USAGE, ("--out", "x.csv", ".nc")),
    Case("run-out-no-suffix", (*RUN, *FAST, "--out", "{tmp}/result"), EXIT_USAGE, ("--out", "result", ".nc")),
    Case("run-out-is-a-pipe", (*RUN, *FAST, "--out", "{tmp}/pipe.nc"), EXIT_USAGE,
         ("--out", "pipe.nc", "not a regular file")),
    Case("run-out-under-a-file", (*RUN, *FAST, "--out", "{tmp}/plain.txt/x.nc"), EXIT_USAGE,
         ("--out", "plain.txt", "not a folder")),
    # ---- jobsim run: names
    Case("run-area-unknown", (*RUN, *FAST, "--area", "Atlantis"), EXIT_USAGE, ("--area", "Atlantis")),
    Case("run-area-wrong-case", (*RUN, *FAST, "--area", "ganzhou"), EXIT_USAGE, ("--area", "ganzhou", "Ganzhou")),
    Case("run-scenario-missing", ("run", "{tmp}/nope.yaml", *FAST), EXIT_USAGE, ("nope.yaml", "does not exist")),
    Case("run-scenario-is-a-folder", ("run", "{tmp}", *FAST), EXIT_USAGE, ("is not a file",)),
    # ---- jobsim run: numbers
    Case("run-replicates-0", (*RUN, "--replicates", "0"), EXIT_USAGE, ("--replicates", "0", str(MAX_REPLICATES))),
    Case("run-replicates-negative", (*RUN, "--replicates", "-1"), EXIT_USAGE, ("--replicates", "-1")),
    Case("run-replicates-above-maximum", (*RUN, "--replicates", str(MAX_REPLICATES + 1)), EXIT_USAGE,
         ("--replicates", str(MAX_REPLICATES + 1), str(MAX_REPLICATES))),
    Case("run-replicates-a-billion", (*RUN, "--replicates", "1000000000"), EXIT_USAGE,
         ("--replicates", "1000000000")),
    Case("run-replicates-exponent", (*RUN, "--replicates", "1e9"), EXIT_USAGE, ("--replicates", "1e9")),
    Case("run-replicates-fraction", (*RUN, "--replicates", "2.5"), EXIT_USAGE, ("--replicates", "2.5")),
    Case("run-replicates-word", (*RUN, "--replicates", "many"), EXIT_USAGE, ("--replicates", "many")),
    Case("run-scale-0", (*RUN, "--scale", "0"), EXIT_USAGE, ("--scale", "0", "whole number")),
    Case("run-scale-negative", (*RUN, "--scale", "-5"), EXIT_USAGE, ("--scale", "-5")),
    Case("run-scale-inf", (*RUN, "--scale", "inf"), EXIT_USAGE, ("--scale", "inf")),
    Case("run-scale-nan", (*RUN, "--scale", "nan"), EXIT_USAGE, ("--scale", "nan")),
    Case("run-scale-fraction", (*RUN, "--scale", "1000.5"), EXIT_USAGE, ("--scale", "1000.5", "whole number")),
    Case("run-scale-1e20", (*RUN, "--scale", "1e20"), EXIT_USAGE, ("--scale", "1e+20")),
    Case("run-scale-empties-an-area", (*RUN, "--scale", "5000000"), EXIT_USAGE, ("--scale", "5e+06", "agent")),
    Case("run-scale-1-needs-more-memory", (*RUN, "--scale", TOO_FEW_PERSONS_PER_AGENT), EXIT_USAGE,
         ("needs about", "--force")),
    Case("run-seed-negative", (*RUN, *FAST, "--seed", "-1"), EXIT_USAGE, ("--seed", "-1", str(MAX_SEED))),
    Case("run-seed-2-to-the-64", (*RUN, *FAST, "--seed", str(2**64)), EXIT_USAGE, ("--seed", str(2**64))),
    Case("run-seed-just-above-maximum", (*RUN, *FAST, "--seed", str(MAX_SEED + 1)), EXIT_USAGE,
         ("--seed", str(MAX_SEED + 1))),
    Case("run-seed-word", (*RUN, *FAST, "--seed", "lucky"), EXIT_USAGE, ("--seed", "lucky")),
    Case("run-workers-0", (*RUN, *FAST, "--workers", "0"), EXIT_USAGE, ("--workers", "0")),
    Case("run-format-bad", (*RUN, *FAST, "--format", "xml"), EXIT_USAGE, ("--format", "xml")),
    Case("run-unknown-option", (*RUN, *FAST, "--colour", "red"), EXIT_USAGE, ("--colour",)),
    Case("run-last-of-conflicting-replicates", (*RUN, "--replicates", "2", "--replicates", "1001"), EXIT_USAGE,
         ("--replicates", "1001")),
    Case("run-bad-out-with-bad-area", (*RUN, *FAST, "--out", "/proc/x.nc", "--area", "Atlantis"), EXIT_USAGE,
         ("--out", "/proc/x.nc")),
    # ---- jobsim run-bundled
    Case("bundled-out-dir-is-a-file", ("run-bundled", "--out-dir", "{tmp}/plain.txt", "--replicates", "1"),
         EXIT_USAGE, ("--out-dir", "plain.txt", "not a folder")),
    Case("bundled-out-dir-in-proc", ("run-bundled", "--out-dir", "/proc/out", "--replicates", "1"), EXIT_USAGE,
         ("--out-dir", "/proc/out", "proc")),
    Case("bundled-replicates-0", ("run-bundled", "--out-dir", "{tmp}/out", "--replicates", "0"), EXIT_USAGE,
         ("--replicates", "0")),
    Case("bundled-replicates-above-maximum", ("run-bundled", "--out-dir", "{tmp}/out", "--replicates",
                                              str(MAX_REPLICATES + 1)), EXIT_USAGE, ("--replicates", str(MAX_REPLICATES + 1))),
    Case("bundled-workers-0", ("run-bundled", "--out-dir", "{tmp}/out", "--workers", "0"), EXIT_USAGE,
         ("--workers", "0")),
    # ---- jobsim calibrate and backtest
    Case("calibrate-out-in-sys", ("calibrate", "--region", "Jiangxi", "--quick", "--out", "/sys/F.yaml"),
         EXIT_USAGE, ("--out", "/sys/F.yaml", "sysfs")),
    Case("calibrate-out-wrong-suffix", ("calibrate", "--region", "Jiangxi", "--quick", "--out", "{tmp}/F.nc"),
         EXIT_USAGE, ("--out", "F.nc", ".yaml")),
    Case("calibrate-out-missing-folder", ("calibrate", "--region", "Jiangxi", "--quick", "--out",
                                          "{tmp}/missing/F.yaml"), EXIT_USAGE, ("--out", "missing")),
    Case("calibrate-out-is-a-folder", ("calibrate", "--region", "Jiangxi", "--quick", "--out", "{tmp}"),
         EXIT_USAGE, ("--out", "is a folder")),
    Case("calibrate-out-shipped-file", ("calibrate", "--region", "Jiangxi", "--quick", "--out",
                                        str(ROOT / "calibration" / "params" / "jiangxi.yaml")),
         EXIT_USAGE, ("--out", "calibration/params/jiangxi.yaml", "shipped", "--replace")),
    Case("calibrate-region-unknown", ("calibrate", "--region", "Atlantis", "--quick"), EXIT_USAGE,
         ("--region", "Atlantis")),
    Case("calibrate-data-missing", ("calibrate", "--region", "Jiangxi", "--quick", "--data", "{tmp}/none.csv",
                                    "--out", OUT_FILE.replace(".nc", ".yaml")), EXIT_USAGE, ("--data", "none.csv")),
    Case("calibrate-workers-0", ("calibrate", "--region", "Jiangxi", "--workers", "0"), EXIT_USAGE,
         ("--workers", "0")),
    Case("calibrate-format-bad", ("calibrate", "--region", "Jiangxi", "--format", "bad"), EXIT_USAGE,
         ("--format", "bad")),
    Case("backtest-indicator-unknown", ("backtest", "--region", "Jiangxi", "--indicator", "happiness",
                                        "--origin", "2019"), EXIT_USAGE, ("--indicator", "happiness")),
    Case("backtest-region-unknown", ("backtest", "--region", "Atlantis", "--indicator", "new_urban_jobs",
                                     "--origin", "2019"), EXIT_USAGE, ("--region", "Atlantis")),
    Case("backtest-horizon-0", ("backtest", "--region", "Jiangxi", "--indicator", "new_urban_jobs",
                                "--origin", "2019", "--horizon", "0"), EXIT_USAGE, ("--horizon", "0")),
    # ---- the other commands' names and outputs
    Case("data-show-region-unknown", ("data", "show", "--region", "Atlantis"), EXIT_USAGE, ("--region", "Atlantis")),
    Case("data-targets-set-unknown", ("data", "targets", "--set", "nope"), EXIT_USAGE, ("--set", "nope")),
    Case("region-init-out-in-proc", ("region", "init", "Hubei", "--out", "/proc/hubei"), EXIT_USAGE,
         ("--out", "/proc/hubei")),
    Case("region-init-out-is-a-file", ("region", "init", "Hubei", "--out", "{tmp}/plain.txt"), EXIT_USAGE,
         ("--out", "plain.txt", "not a folder")),
]


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_hostile_command_line_is_refused_fast_with_one_line_and_writes_nothing(case: Case, tmp_path: Path):
    (tmp_path / "plain.txt").write_text("not a folder\n", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.nc")
    params = api.calibrated_file("Jiangxi", shipped=True).parent
    before, params_before = _tree(tmp_path), _tree(params) if params.is_dir() else {}

    proc, cpu_seconds, wall_seconds = run_case(case.args, tmp_path)

    assert proc.returncode == case.code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    lines = proc.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert lines == errors and len(errors) == 1, proc.stderr  # one line, and no progress: no work began
    for words in case.says:
        assert words in proc.stderr, (words, proc.stderr)
    assert cpu_seconds < TIME_LIMIT_SECONDS, f"{case.name} took {cpu_seconds:.1f} s of processor time"
    assert wall_seconds < HANG_LIMIT_SECONDS
    assert _tree(tmp_path) == before, "something was written"
    assert (_tree(params) if params.is_dir() else {}) == params_before, "the calibrated parameters changed"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_out_into_an_unwritable_folder_is_refused(tmp_path: Path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        proc, _, _ = run_case((*RUN, *FAST, "--out", str(locked / "x.nc")), tmp_path)
    finally:
        locked.chmod(0o755)
    assert proc.returncode == EXIT_USAGE
    assert "--out" in proc.stderr and "not writable" in proc.stderr
    assert list(locked.iterdir()) == []
