"""Whole-model benchmarks: the Jiangxi baseline scenario (2021-2025) built and run at a given scale.

Construction (`RunSpec.build()`: population, firms, programmes, recorder) is timed apart from
`model.run()` (the 60 monthly steps), which is the "per run after set-up" figure. The spec is planned
once, as every run is (`jobsim.model.api.plan`: calibrated point values, the scenario's levers), with
the scenario's seed. Peak memory is measured in a fresh Python process
(`subprocess`) that builds and runs one replicate and makes its output Dataset, as `run_scenario`
does for each replicate.
"""

from __future__ import annotations

import gc
import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "jiangxi_baseline.yaml"


def jiangxi_inputs(path: Path = SCENARIO):
    """(scenario, RunSpec of its first replicate) of the Jiangxi baseline, planned as every run is
    (`jobsim.model.api.plan`), with the scenario's own seed as the replicate seed."""
    from dataclasses import replace

    from jobsim.model import api

    scenario = api.load_scenario(path)
    spec = api.plan(scenario, replicates=1, parameter_draws=False).specs[0]
    return scenario, replace(spec, seed=scenario.seed)


def build_model(scale: float, inputs=None):
    """The model of the baseline's first replicate at `scale`, built the way every run is: from its RunSpec."""
    from dataclasses import replace

    scenario, spec = inputs if inputs is not None else jiangxi_inputs()
    return replace(spec, scale=float(scale)).build()


@dataclass
class WholeModelTiming:
    scale: float
    build_s: list[float]
    run_s: list[float]
    run_cpu_s: list[float]  # process CPU time of each run (less sensitive to other load than wall time)
    n_workers: int  # worker agents at the start
    n_firms: int
    n_months: int

    @property
    def run_min(self) -> float:
        return min(self.run_s)

    @property
    def run_median(self) -> float:
        return statistics.median(self.run_s)

    @property
    def build_min(self) -> float:
        return min(self.build_s)

    @property
    def build_median(self) -> float:
        return statistics.median(self.build_s)


def time_whole_model(scale: float, repeats: int, inputs=None) -> WholeModelTiming:
    """Build and run the baseline `repeats` times (same seed); construction and run timed separately."""
    inputs = inputs if inputs is not None else jiangxi_inputs()
    build_s, run_s, run_cpu_s = [], [], []
    n_workers = n_firms = n_months = 0
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        model = build_model(scale, inputs)
        t1 = time.perf_counter()
        n_workers, n_firms, n_months = len(model.workers), len(model.firms), model.n_months
        c1 = time.process_time()
        model.run()
        t2 = time.perf_counter()
        c2 = time.process_time()
        build_s.append(t1 - t0)
        run_s.append(t2 - t1)
        run_cpu_s.append(c2 - c1)
        del model
    return WholeModelTiming(scale, build_s, run_s, run_cpu_s, n_workers, n_firms, n_months)


# The child process: build, run, make the Dataset, report its own peak RSS (KB on Linux).
_CHILD = """
import json, resource, sys, time
from benchmarks.whole_model import build_model
from jobsim.model.outputs.dataset import run_dataset
t0 = time.perf_counter()
model = build_model(float(sys.argv[1]))
n_workers = len(model.workers)
t1 = time.perf_counter()
model.run()
t2 = time.perf_counter()
run_dataset(model.recorder)
print(json.dumps({"n_workers": n_workers, "build_s": t1 - t0, "run_s": t2 - t1,
                  "self_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def peak_memory_mb(scale: float, timeout: float = 600.0) -> dict:
    """Peak resident memory (MB = 2**20 bytes) of a fresh process building and running the baseline.

    `getrusage(RUSAGE_CHILDREN).ru_maxrss` is the largest peak among all children this process has
    waited for, so it is only this child's peak when no bigger child ran before; the child's own
    `RUSAGE_SELF` figure is exact and is the one reported (both are returned)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run([sys.executable, "-c", _CHILD, repr(float(scale))], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"peak-memory child process failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    child = json.loads(proc.stdout.strip().splitlines()[-1])
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "peak_mb": child["self_maxrss_kb"] / 1024.0,
        "rusage_children_mb": after / 1024.0,
        "rusage_children_before_mb": before / 1024.0,
        "n_workers": child["n_workers"],
        "child_build_s": child["build_s"],
        "child_run_s": child["run_s"],
    }
