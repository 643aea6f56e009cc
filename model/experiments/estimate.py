"""What a run will cost before it starts: its agents, peak memory and time, and the memory the machine has.

The estimate is a linear model of measurements, not a simulation: one replicate holds about one worker
agent per `scale` persons of working age (population x share aged 15-59, from the region's facts), and
memory and time grow with the agents of the replicates running at once. The constants were measured on
the Jiangxi baseline 2021-2025 (12 areas, 60 months), one replicate in one process, peak resident memory
from `resource.getrusage` and wall time of build + run, at scales 10, 25, 100, 400 and 2000 (2.78M down
to 14k agents; jobsim 0.x, numpy 2, Python 3.11, x86-64 on a shared 2-core machine):

    scale   agents (working age / scale)   peak RSS   of which the model   time
    100          278,200                    208 MB        69 MB            4.4 s
    25         1,112,800                    335 MB       197 MB           15.6 s
    10         2,781,999                    589 MB       451 MB           55.4 s

The slope is 152 bytes per agent (the agent arrays, with the build's temporaries) above a fixed 25 MB
per run and 140 MB for the process with its libraries loaded; time is about 280 ns per agent-month
(230-330 ns measured, depending on the machine's load) plus 0.7 s per replicate. Worker processes
started with fork share the parent's libraries (measured: two workers at scale 50, 336 MB proportional
set size in all); under spawn each loads its own (426 MB), about 50 MB more per worker. The replicates'
results stay in memory until the ensemble is assembled (about 1.2 KB per area and month each, held twice
while they are concatenated). The built population is a little smaller than the working-age population
(ages 16-59 less those already retired: 0.89 of it for Jiangxi), so the estimate errs high.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from jobsim.model.experiments.ensemble import EnsemblePlan, spin_up_years
from jobsim.model.experiments.evaluators import default_start_method
from jobsim.model.inputs.regions import area_facts
from jobsim.model.inputs.scenario import Scenario

MB = 2**20
GB = 2**30
BYTES_PER_AGENT = 152  # measured slope of peak memory over agents (see the module docstring)
RUN_BYTES = 25 * MB  # one run's memory that does not grow with its agents (the measured intercept)
PROCESS_BYTES = 140 * MB  # the command's process with numpy, xarray, mesa and jobsim loaded
SPAWN_WORKER_BYTES = 50 * MB  # a spawned worker loads its own libraries; a forked one shares its parent's
RESULT_BYTES_PER_AREA_MONTH = 1_200  # one replicate's Dataset: 837,500 bytes for 12 areas x 60 months
RESULT_COPIES = 2  # the replicates' Datasets and their concatenation exist together at the end
SECONDS_PER_AGENT_MONTH = 280e-9  # measured: 230-330 ns (machine load); see the module docstring
SECONDS_PER_REPLICATE = 0.7  # building a model and assembling its result, whatever its size
MONTHS_PER_YEAR = 12
# A run worth telling about before it starts: longer than a minute or bigger than a gigabyte.
LARGE_RUN_SECONDS = 60.0
LARGE_RUN_BYTES = 1 * GB
MEMINFO = "/proc/meminfo"
MEMINFO_AVAILABLE = "MemAvailable:"
MEMINFO_UNIT_BYTES = 1024  # /proc/meminfo counts in kB (kibibytes)


@dataclass(frozen=True)
class RunEstimate:
    """The expected cost of a run: agents per replicate, peak memory of all its processes, wall time, and
    the memory the machine has available now (None where that cannot be read)."""

    region: str
    agents: int  # worker agents of one replicate (about working-age population / scale)
    replicates: int
    workers: int  # processes running replicates at once (1: in the command's own process)
    months: int
    peak_bytes: int
    seconds: float
    available_bytes: int | None
    available_source: str = "unknown"  # what available_bytes is: the machine's, or this process's limit

    @property
    def exceeds_memory(self) -> bool:
        """Whether the run's peak memory is more than the machine has available (False when unknown)."""
        return self.available_bytes is not None and self.peak_bytes > self.available_bytes

    @property
    def is_large(self) -> bool:
        """Whether the run is worth announcing: more than LARGE_RUN_SECONDS or LARGE_RUN_BYTES."""
        return self.seconds > LARGE_RUN_SECONDS or self.peak_bytes > LARGE_RUN_BYTES


def available_memory() -> tuple[int | None, str]:
    """(bytes, where the figure comes from): the memory a run can have without swapping or failing. The
    machine's MemAvailable (/proc/meminfo on Linux; psutil's `available` elsewhere, where installed), or this
    process's address-space limit (RLIMIT_AS, e.g. `ulimit -v`) when that is lower; (None, ...) when neither
    can be read, and then no run is refused for memory. Container (cgroup) limits are not read."""
    found: list[tuple[int, str]] = []
    machine = _meminfo_available()
    if machine is not None:
        found.append((machine, "available on this machine"))
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            found.append((int(soft), "this process may use (its address-space limit, RLIMIT_AS)"))
    except (ImportError, OSError, ValueError):  # no resource module (Windows)
        pass
    if not found:
        return None, "unknown"
    return min(found)


def _meminfo_available() -> int | None:
    try:
        with open(MEMINFO, encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith(MEMINFO_AVAILABLE):
                    return int(line.split()[1]) * MEMINFO_UNIT_BYTES
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil
    except ImportError:
        return None
    return int(psutil.virtual_memory().available)


def working_age_population(region: str) -> float:
    """Persons aged 15-59 in the areas `region` is simulated as (population x share_age_15_59)."""
    return sum(f.population * f.share_age_15_59 for f in area_facts(region))


def estimate_run(plan_or_scenario: EnsemblePlan | Scenario, replicates: int | None = None,
                 scale: float | None = None, workers: int = 1, start_method: str | None = None) -> RunEstimate:
    """The cost of running a plan, or a scenario with `replicates` and `scale` (default: the scenario's
    own), with `workers` processes; without building a model or the plan's specs."""
    if isinstance(plan_or_scenario, EnsemblePlan):
        scenario = plan_or_scenario.scenario
        replicates = len(plan_or_scenario.specs) if replicates is None else replicates
        scale = plan_or_scenario.scale if scale is None else scale
    else:
        scenario = plan_or_scenario
    replicates = int(replicates if replicates is not None else scenario.replicates)
    scale = float(scale if scale is not None else scenario.scale)
    months = MONTHS_PER_YEAR * (scenario.period.last_year - scenario.period.first_year + 1)
    n_areas = len(area_facts(scenario.region))
    agents = working_age_population(scenario.region) / scale
    # As evaluators.evaluator_for decides: worker processes only for more than one worker and replicate.
    at_once = min(int(workers), replicates) if workers > 1 and replicates > 1 else 1
    spawned = at_once > 1 and (start_method or default_start_method()) != "fork"
    one_run = RUN_BYTES + agents * BYTES_PER_AGENT
    results = replicates * n_areas * months * RESULT_BYTES_PER_AREA_MONTH * RESULT_COPIES
    peak = PROCESS_BYTES + at_once * (one_run + (SPAWN_WORKER_BYTES if spawned else 0)) + results
    # Workers beyond the processors share them: time follows the replicates run truly at once.
    rounds = math.ceil(replicates / min(at_once, cpu_count()))
    # The months simulated: the period's and those of the spin-up before it (a start after structure_year + 1).
    simulated = months + MONTHS_PER_YEAR * len(spin_up_years(scenario))
    seconds = rounds * (SECONDS_PER_REPLICATE + agents * simulated * SECONDS_PER_AGENT_MONTH)
    available, source = available_memory()
    return RunEstimate(region=scenario.region, agents=int(round(agents)), replicates=replicates, workers=at_once,
                       months=months, peak_bytes=int(peak), seconds=float(seconds), available_bytes=available,
                       available_source=source)


def cpu_count() -> int:
    """Processors this process may run on (its affinity where the platform says, else all of them)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1
