"""Sweeps: a design over a base scenario's levers and uncertainties, run on Dask, streamed into a Zarr store
that a rerun resumes.

    sweep = load_sweep_file("scenarios/sweeps/jiangxi_training_x_loans.yaml")
    run_sweep(sweep, "sweep.zarr", workers=2)      # a LocalCluster of 2 processes; or scheduler="tcp://..."
    ds = load_sweep("sweep.zarr")                  # dims sample, replicate, year, area

The design's samples come from SALib (Sobol: Saltelli's scheme, SALib.sample.sobol; Morris:
SALib.sample.morris; Latin hypercube: SALib.sample.latin) or itertools (a full factorial of evenly
spaced levels); SALib draws with a seed derived from the sweep's seed, so the same file gives the same
samples. Each sample's scenario is the base with the sampled changes, validated by the scenario rules.

Random numbers are paired (common random numbers): replicate k of every sample runs with the same seed
(`replicate_seeds(sweep seed, replicates)`, as `jobsim run` gives replicate k of any scenario with that
seed) and, with calibrated parameters, the same posterior draw; so two samples differ by their levers
and uncertainties, not by their luck. A run's seed is thus a function of (sweep seed, replicate) alone,
and the same for every sample index.

The store (Zarr format 2, one directory):
- data variables: each kept indicator (sample, replicate, year, area) in the indicator's model unit (persons,
  yuan, fractions), by year as the indicator's kind aggregates (flows summed, rates averaged, stocks at
  December); `applied_<field>` (sample, year): the value each sample gave the varied field in every year;
  `done` (sample): 1 once the sample's results are written.
- coordinates: sample, replicate, year, area, each factor's sampled value along `sample` (named by the
  field: the multiplier, the shift or the value, as the file's mode says), replicate_seed (replicate).
- attributes: the sweep's canonical content (`sweep`, JSON) and its hash (`sweep_hash`), the design and
  its factors (`design`, `factors`), samples per chunk, the jobsim version and provenance.

One task is one chunk of samples (all their replicates); chunks lie along `sample` only, so no two tasks
share a chunk, and only this process (the client) writes. A chunk's values are written first, then its
`done` entries: Zarr writes each chunk to a temporary file and renames it, so a chunk is whole or absent,
and a chunk whose `done` is not set is simply run again. The store itself is made in a temporary folder and
renamed into place. So a sweep interrupted at any moment (Ctrl-C, SIGKILL of this process, a killed worker:
Dask runs its task again elsewhere) and started again redoes only the chunks not marked done, and ends with
the values an uninterrupted sweep writes, bit for bit. A store made from other content (the sweep file, its
base scenario or the parameters changed) is refused, naming the fields that changed. A sweep is recorded
in the run catalogue of the store's folder (jobsim.model.outputs.run_catalogue, kind `sweep`), which serves
the same sweep asked for into another store there by copying the complete one.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jobsim.model import __version__
from jobsim.model.core.runspec import RunSpec
from jobsim.model.experiments.ensemble import EnsemblePlan, plan_ensemble, scenario_uncertainties
from jobsim.model.inputs import registry, units
from jobsim.model.inputs.provenance import provenance_attributes
from jobsim.model.inputs.scenario import Scenario, ScenarioError, scenario_from_dict
from jobsim.model.inputs.scenario.plausibility import is_count_dimension
from jobsim.model.inputs.sweep_file import (
    GRADUATES,
    GROWTH,
    Sweep,
    SweepError,
    canonical_json,
    changed_fields,
    content_hash,
    load_sweep_file,
    short_hash,
)
from jobsim.model.outputs.atomic import TEMP_MARK, TEMP_SUFFIX, output_lock, process_alive, temp_path

STORE_FORMAT = 2  # Zarr format 2: a stable specification for text coordinates (area names) and consolidated metadata
STORE_KIND = "jobsim sweep"
STORE_SUFFIX = ".zarr"
DONE = "done"
APPLIED_PREFIX = "applied_"
# One task runs about this many models: long enough that Dask's per-task overhead (milliseconds) is
# nothing beside the runs (about a second each at 1:1000), short enough that an interrupt loses little.
RUNS_PER_TASK = 8
# ... and a sweep is cut into at least this many tasks when it has the samples, so that both of two
# workers stay busy to the end and the progress moves.
MIN_TASKS = 16
# Tasks queued per worker thread at any moment: enough that no worker waits for the client, few enough that
# the client holds few run specifications (about 8 KB each) and an interrupt cancels little.
IN_FLIGHT_PER_THREAD = 3
DEFAULT_WORKERS = 2
# How many invalid samples one error lists (each names the sample and its values); the rest are counted.
MAX_SAMPLE_ISSUES = 5
CONNECT_SECONDS = 30  # how long to wait for a scheduler given by address
SESSION_KEY_CHARS = 8  # hex characters of the session token in task names
SIGNIFICANT_DIGITS = 12  # sampled values are rounded to this many significant digits: stable text in files


SWEEPS_EXTRA = ("zarr", "distributed", "SALib")  # what the `sweeps` extra installs and sweeps import


class SweepStoreError(Exception):
    """A store that cannot be used for this sweep (made from other content, not a sweep store, incomplete)."""


class SweepsExtraMissing(Exception):
    """The libraries of the `sweeps` extra are not installed."""


class SchedulerUnreachable(Exception):
    """No Dask scheduler answers at the address given."""


def require_sweeps_extra() -> None:
    """SweepsExtraMissing naming what is missing and how to install it (before any work)."""
    import importlib.util

    missing = [name for name in SWEEPS_EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        raise SweepsExtraMissing(f"sweeps need {', '.join(missing)}, which are not installed; install the sweeps "
                                 "extra: pip install 'jobsim[sweeps]' (in a checkout: pip install -e '.[sweeps]')")


@dataclass(frozen=True)
class SampleInputs:
    """What a sample changes in the base's run specifications (every year of the period, base units)."""

    levers: Mapping[str, Mapping[int, float]]
    gdp_real_growth_percent: Mapping[int, float]
    graduates_multiplier: Mapping[int, float]


@dataclass(frozen=True)
class SweepPlan:
    """A sweep ready to run: the samples (n_samples x n_factors, in factor order), each sample's inputs, the
    base's ensemble plan (replicate seeds, parameters, draws) and the content the store records."""

    sweep: Sweep
    samples: np.ndarray
    inputs: tuple[SampleInputs, ...]
    base_plan: EnsemblePlan
    content: dict[str, Any]
    samples_per_chunk: int

    @property
    def n_samples(self) -> int:
        return int(self.samples.shape[0])

    @property
    def replicates(self) -> int:
        return self.sweep.replicates

    @property
    def runs(self) -> int:
        return self.n_samples * self.replicates

    @property
    def years(self) -> list[int]:
        return self.sweep.base.years

    @property
    def n_chunks(self) -> int:
        return math.ceil(self.n_samples / self.samples_per_chunk)

    def chunk_slice(self, chunk: int) -> slice:
        start = chunk * self.samples_per_chunk
        return slice(start, min(start + self.samples_per_chunk, self.n_samples))

    def specs(self, sample: int) -> list[RunSpec]:
        """The run specifications of one sample, one per replicate: the base's (seeds, draws, parameters)
        with the sample's levers and uncertainties."""
        x = self.inputs[sample]
        return [dataclasses.replace(spec, levers=x.levers, gdp_real_growth_percent=x.gdp_real_growth_percent,
                                    graduates_multiplier=x.graduates_multiplier,
                                    labels={**spec.labels, "sweep": self.sweep.name, "sample": str(sample)})
                for spec in self.base_plan.specs]


# ---- the design ------------------------------------------------------------------------------------------


def design_problem(sweep: Sweep) -> dict[str, Any]:
    """The design's factors as SALib states a problem: names and [low, high] bounds, in file order."""
    return {"num_vars": len(sweep.factors), "names": list(sweep.factor_names),
            "bounds": [[f.low, f.high] for f in sweep.factors]}


def design_seed(seed: int) -> int:
    """The seed SALib draws the design with, derived from the sweep's (a 32-bit one: what its samplers take)."""
    return int(np.random.SeedSequence(seed).generate_state(1, np.uint32)[0])


def sample_design(sweep: Sweep) -> np.ndarray:
    """The samples of the sweep's design, n_samples x n_factors, in factor order; the same for the same file."""
    problem = design_problem(sweep)
    settings, seed = sweep.design_settings, design_seed(sweep.seed)
    if sweep.design == "full_factorial":
        levels = settings["levels"]
        per = [levels[f.name] if isinstance(levels, Mapping) else levels for f in sweep.factors]
        axes = [np.linspace(f.low, f.high, n) for f, n in zip(sweep.factors, per)]
        samples = np.array(list(itertools.product(*axes)), dtype=np.float64)
    elif sweep.design == "latin_hypercube":
        from SALib.sample import latin

        samples = latin.sample(problem, int(settings["n"]), seed=seed)
    elif sweep.design == "sobol":
        from SALib.sample import sobol

        samples = sobol.sample(problem, int(settings["n"]), calc_second_order=bool(settings["second_order"]),
                               seed=seed)
    else:
        from SALib.sample import morris

        samples = morris.sample(problem, int(settings["trajectories"]), num_levels=int(settings["levels"]), seed=seed)
    samples = np.asarray(samples, dtype=np.float64).reshape(-1, len(sweep.factors))
    return _rounded(samples)


def _rounded(x: np.ndarray) -> np.ndarray:
    """Values to SIGNIFICANT_DIGITS significant digits (0.30000000000000004 -> 0.3), exactly reproducible."""
    out = np.array(x, dtype=np.float64)
    nonzero = out != 0
    magnitude = np.floor(np.log10(np.abs(out[nonzero])))
    factor = 10.0 ** (SIGNIFICANT_DIGITS - 1 - magnitude)
    out[nonzero] = np.round(out[nonzero] * factor) / factor
    return out


def sample_scenario(sweep: Sweep, values: np.ndarray | list[float], sample: int | None = None) -> Scenario:
    """The base scenario with one sample's values applied, validated by the scenario rules (ScenarioError)."""
    base = sweep.base
    levers = {lever: dict(v) for lever, v in base.levers.items()}
    defaults = scenario_uncertainties(base)
    growth = {y: defaults.gdp_real_growth_percent[y] for y in base.years}
    graduates = {y: defaults.graduates_multiplier.get(y, 1.0) for y in base.years}
    changed_growth = changed_graduates = False
    for factor, value in zip(sweep.factors, values):
        value = float(value)
        if factor.kind == "lever":
            counts = is_count_dimension(_lever_dimension(factor.field))
            new = {y: (v * value if factor.mode == "multiplier" else value) for y, v in levers[factor.field].items()}
            # counts are whole numbers (the scenario rules refuse 487500.5 person-times); round() halves to even
            levers[factor.field] = {y: float(round(v)) if counts else float(_rounded(np.array([v]))[0])
                                    for y, v in new.items()}
        elif factor.field == GROWTH:
            growth = {y: float(_rounded(np.array([g + value if factor.mode == "shift" else value]))[0])
                      for y, g in growth.items()}
            changed_growth = True
        elif factor.field == GRADUATES:
            graduates = {y: float(_rounded(np.array([g * value if factor.mode == "multiplier" else value]))[0])
                         for y, g in graduates.items()}
            changed_graduates = True
    d = base.to_dict()
    uncertainties = dict(d.get("uncertainties", {}))  # the base's parameter paths stay as they are
    if changed_growth:
        uncertainties[GROWTH] = growth
    if changed_graduates:
        uncertainties[GRADUATES] = graduates
    label = f"{base.name} sample {sample}" if sample is not None else base.name
    d["levers"] = levers
    if uncertainties:
        d["uncertainties"] = uncertainties
    return scenario_from_dict(d, source=f"<{label}>")


def _lever_dimension(lever: str) -> str:
    unit = str(registry.levers().at[lever, "unit"])
    return str(units.unit_table().at[unit, "dimension"])


def chunk_size(n_samples: int, replicates: int) -> int:
    """Samples per chunk (and per task): about RUNS_PER_TASK runs, and at least MIN_TASKS tasks when the
    sweep has the samples; a function of the sweep alone, so that a store's layout never depends on who ran it."""
    by_runs = max(1, RUNS_PER_TASK // replicates)
    by_tasks = max(1, math.ceil(n_samples / MIN_TASKS))
    return min(by_runs, by_tasks)


def plan_sweep(sweep: Sweep | str | Path, use_calibrated: bool = True, samples_per_chunk: int | None = None) -> SweepPlan:
    """The samples of the design, each sample's scenario validated (SweepError naming the samples that make
    an invalid scenario, their values and the scenario's problem), and the base's replicate seeds."""
    if not isinstance(sweep, Sweep):
        sweep = load_sweep_file(sweep)
    samples = sample_design(sweep)
    inputs, problems, n_bad = [], [], 0
    for i, row in enumerate(samples):
        try:
            scenario = sample_scenario(sweep, row, i)
        except ScenarioError as err:
            n_bad += 1
            if len(problems) < MAX_SAMPLE_ISSUES:
                shown = ", ".join(f"{f.name} {f.mode} {v:g}" for f, v in zip(sweep.factors, row))
                for path, message in err.issues[:1]:
                    problems.append((_factor_path(sweep, path), f"sample {i} ({shown}) makes an invalid scenario: "
                                                                f"{path}: {message}; narrow the range"))
            continue
        u = scenario_uncertainties(scenario)
        inputs.append(SampleInputs({k: dict(v) for k, v in scenario.levers.items()}, u.gdp_real_growth_percent,
                                   u.graduates_multiplier))
    if problems:
        more = n_bad - len(problems)
        if more > 0:
            problems.append(("design", f"... and {more:,} more of the {len(samples):,} samples make an invalid scenario"))
        raise SweepError(sweep.source, problems)
    base_plan = plan_ensemble(sweep.base, sweep.replicates, sweep.seed, sweep.scale, use_calibrated=use_calibrated)
    content = {
        "sweep": sweep.canonical(),
        # another version may run the model differently: its results are not mixed into this store
        "jobsim_version": __version__,
        "parameters": {name: base_plan.parameters.values[name] for name in sorted(base_plan.parameters.values)},
        "parameter_draws": json.loads(json.dumps(list(base_plan.draws))),
    }
    per_chunk = samples_per_chunk or chunk_size(len(samples), sweep.replicates)
    return SweepPlan(sweep, samples, tuple(inputs), base_plan, content, int(per_chunk))


def _factor_path(sweep: Sweep, scenario_path: str) -> str:
    """The sweep file's field that a scenario problem comes from (levers.X, uncertainties.Y), else 'design'."""
    for f in sweep.factors:
        section = "levers" if f.kind == "lever" else "uncertainties"
        if scenario_path.startswith(f"{section}.{f.field}"):
            return f"{section}.{f.field}"
    return "design"


# ---- a task: one chunk of samples, run on a worker ----------------------------------------------------


@dataclass(frozen=True)
class SweepTask:
    """One chunk: its specs (sample-major: sample 0's replicates, then sample 1's ...), the indicators
    to keep as (name, model variable, kind) and the areas, by name."""

    chunk: int
    n_samples: int
    replicates: int
    specs: tuple[RunSpec, ...]
    indicators: tuple[tuple[str, str, str], ...]
    areas: tuple[str, ...]
    n_years: int


def run_sweep_task(task: SweepTask) -> tuple[int, dict[str, np.ndarray], float]:
    """Run a chunk's models -> (chunk, {indicator: array (samples, replicates, years, areas)}, CPU seconds).
    A top-level function of an importable module, so that Dask workers started by spawn can run it; it
    reads no file (the specs carry everything)."""
    from jobsim.model.outputs.indicators import MonthlySeries, yearly_by_kind

    start = time.process_time()
    shape = (task.n_samples, task.replicates, task.n_years, len(task.areas))
    out = {name: np.empty(shape, dtype=np.float64) for name, _, _ in task.indicators}
    for i, spec in enumerate(task.specs):
        sample, replicate = divmod(i, task.replicates)
        model = spec.build()
        model.run()
        series = MonthlySeries(model.recorder)
        columns = [series.areas.index(a) for a in task.areas]
        for name, variable, kind in task.indicators:
            by_year = yearly_by_kind(series.get(variable), kind)
            if by_year.shape[0] != task.n_years:
                raise RuntimeError(f"run of sample {spec.labels.get('sample')} gave {by_year.shape[0]} years, "
                                   f"not the period's {task.n_years}")
            out[name][sample, replicate] = by_year[:, columns]
    return task.chunk, out, time.process_time() - start


def _indicator_variables(indicators: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
    table = registry.modelled_indicators()
    return tuple((name, str(table.at[name, "model_variable"]), str(table.at[name, "kind"])) for name in indicators)


def _task(plan: SweepPlan, chunk: int) -> SweepTask:
    rows = plan.chunk_slice(chunk)
    specs = tuple(spec for sample in range(rows.start, rows.stop) for spec in plan.specs(sample))
    return SweepTask(chunk, rows.stop - rows.start, plan.replicates, specs,
                     _indicator_variables(plan.sweep.indicators), plan.sweep.areas, len(plan.years))


# ---- the store -------------------------------------------------------------------------------------------


def _template(plan: SweepPlan):
    """The store's Dataset before any run: coordinates, the applied values, and lazy (never computed)
    data variables whose chunks lie along `sample`."""
    import dask.array as da
    import xarray as xr

    sweep = plan.sweep
    n, r, years, areas = plan.n_samples, plan.replicates, plan.years, list(sweep.areas)
    chunks = (plan.samples_per_chunk, r, len(years), len(areas))
    table = registry.modelled_indicators()
    data: dict[str, Any] = {}
    for name in sweep.indicators:
        row = table.loc[name]
        data[name] = (("sample", "replicate", "year", "area"), da.full((n, r, len(years), len(areas)), np.nan,
                                                                        chunks=chunks, dtype=np.float64),
                      {"units": str(row["model_unit"]), "long_name": str(row["label_en"]),
                       "long_name_zh": str(row["label_zh"]), "kind": str(row["kind"]),
                       "definition": str(row["definition"]),
                       "cell_methods": f"year: {_yearly_word(str(row['kind']))}"})
    data[DONE] = (("sample",), da.zeros(n, chunks=plan.samples_per_chunk, dtype=np.uint8),
                  {"long_name": "sample written", "definition": "1 once every replicate of the sample is written; "
                                                                "written after the values, so a 1 means complete"})
    coords: dict[str, Any] = {"sample": np.arange(n), "replicate": np.arange(r), "year": np.array(years),
                              "area": np.array(areas)}
    for j, f in enumerate(sweep.factors):
        coords[f.name] = ("sample", plan.samples[:, j], {
            "long_name": f"{f.field} ({f.mode})", "mode": f.mode, "kind": f.kind, "low": f.low, "high": f.high,
            "definition": f.describe()})
        field_values = [_applied(plan.inputs[i], f.field) for i in range(n)]
        data[f"{APPLIED_PREFIX}{f.field}"] = (("sample", "year"), np.array(
            [[v[y] for y in years] for v in field_values], dtype=np.float64), {
            "long_name": f"{f.field} applied", "units": _applied_unit(f.field),
            "definition": f"the value of {f.field} each sample ran with, by year"})
    specs = plan.base_plan.specs
    coords["replicate_seed"] = ("replicate", np.array([s.seed for s in specs], dtype=np.uint64),
                                {"definition": "replicate k's seed, the same in every sample (common random numbers)"})
    if plan.base_plan.draws:
        coords["parameter_draw"] = ("replicate", np.array([s.parameter_draw for s in specs], dtype=np.int64),
                                    {"definition": "the calibrated posterior draw replicate k runs with, in every sample"})
    ds = xr.Dataset({k: xr.Variable(*v) for k, v in data.items()},
                    coords={k: (xr.Variable(*v) if isinstance(v, tuple) else v) for k, v in coords.items()})
    ds.attrs = _store_attributes(plan)
    return ds


def _yearly_word(kind: str) -> str:
    from jobsim.model.outputs.labels import yearly_aggregation

    return {"sum": "sum", "mean": "mean", "last": "point (December)"}[yearly_aggregation(kind)]


def _applied(x: SampleInputs, field: str) -> Mapping[int, float]:
    if field == GROWTH:
        return x.gdp_real_growth_percent
    if field == GRADUATES:
        return x.graduates_multiplier
    return x.levers[field]


def _applied_unit(field: str) -> str:
    if field == GROWTH:
        return "percent"
    if field == GRADUATES:
        return "1"
    return str(registry.levers().at[field, "unit"])


def _store_attributes(plan: SweepPlan) -> dict[str, Any]:
    sweep = plan.sweep
    provenance = provenance_attributes(plan.base_plan.parameters.files)
    return {
        "title": f"jobsim sweep {sweep.name}",
        "kind": STORE_KIND,
        "sweep_name": sweep.name,
        "sweep": canonical_json(plan.content["sweep"]),
        "sweep_hash": content_hash(plan.content),
        "content": canonical_json(plan.content),
        "base_scenario": sweep.base.name,
        "region": sweep.base.region,
        "design": sweep.design,
        "design_settings": json.dumps(dict(sweep.design_settings), sort_keys=True),
        "factors": json.dumps([dataclasses.asdict(f) for f in sweep.factors]),
        "seed": sweep.seed,
        "replicates": sweep.replicates,
        "scale": sweep.scale,
        "samples": plan.n_samples,
        "samples_per_chunk": plan.samples_per_chunk,
        "random_numbers": "paired: replicate k of every sample runs with replicate_seed[k] (and parameter_draw[k]), "
                          "so differences between samples are the levers' and uncertainties'",
        "model_output": "each indicator by year (flows summed, rates averaged, stocks at December) and area, per "
                        "sample and replicate; sensitivity indices take the replicate mean per sample",
        **{k: v for k, v in provenance.items() if k != "Conventions"},
    }


def _stale_store_temps(out: Path) -> None:
    """Remove the temporary store folders of `out` left by processes that are no longer alive (a SIGKILL
    while the store was being made)."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.{TEMP_MARK}-(\d+){re.escape(TEMP_SUFFIX)}")
    folder = out.parent if str(out.parent) else Path(".")
    for entry in folder.iterdir():
        match = pattern.fullmatch(entry.name)
        if match and entry.is_dir() and not process_alive(int(match.group(1))):
            shutil.rmtree(entry, ignore_errors=True)


def _create_store(plan: SweepPlan, out: Path) -> None:
    """Make the store in a temporary folder beside `out`, then rename it into place: a store is whole or absent."""
    _stale_store_temps(out)
    tmp = temp_path(out)
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _template(plan).to_zarr(tmp, mode="w-", compute=False, zarr_format=STORE_FORMAT, consolidated=True)
        os.rename(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _store_attrs(out: Path) -> dict[str, Any]:
    import zarr

    try:
        group = zarr.open_group(str(out), mode="r", zarr_format=STORE_FORMAT)
    except Exception as err:  # noqa: BLE001 - zarr raises several kinds for a folder that is not a store
        raise SweepStoreError(f"{out} exists and is not a jobsim sweep store ({type(err).__name__}); give another "
                              "--out, or remove it") from None
    attrs = dict(group.attrs)
    if attrs.get("kind") != STORE_KIND:
        raise SweepStoreError(f"{out} exists and is not a jobsim sweep store; give another --out, or remove it")
    return attrs


def check_store(plan: SweepPlan, out: Path) -> None:
    """SweepStoreError unless the store at `out` was made from the same content as `plan` (sweep file, base
    scenario, parameters), naming the fields that changed."""
    attrs = _store_attrs(out)
    if attrs.get("sweep_hash") == content_hash(plan.content):
        return
    old = json.loads(attrs.get("content", "{}"))
    changed = changed_fields(old, plan.content)
    shown = [c[len("sweep."):] if c.startswith("sweep.") else c for c in changed]
    raise SweepStoreError(
        f"{out} was made from a different sweep (store {short_hash(attrs.get('sweep_hash', ''))}, now "
        f"{short_hash(content_hash(plan.content))}); changed: {', '.join(shown) or 'the content'}. Rerun with the "
        "sweep file as it was, or give another --out (a new store)")


def done_mask(out: str | Path) -> np.ndarray:
    """The store's `done` array (1 where a sample is complete)."""
    import zarr

    return np.asarray(zarr.open_group(str(out), mode="r", zarr_format=STORE_FORMAT)[DONE][:])


def _write_chunk(group, plan: SweepPlan, chunk: int, values: Mapping[str, np.ndarray]) -> None:
    """The chunk's values, then its `done` entries (the completion mark comes last)."""
    rows = plan.chunk_slice(chunk)
    for name, array in values.items():
        group[name][rows] = array
    group[DONE][rows] = np.ones(rows.stop - rows.start, dtype=np.uint8)


# ---- running ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepStart:
    """What a sweep is about to do: told to the `on_start` callback before the first task."""

    store: Path
    created: bool
    samples: int
    replicates: int
    runs: int
    runs_done: int  # already in the store (a resumed sweep)
    chunks_to_run: int
    scheduler: str
    dashboard: str | None
    workers: int


@dataclass(frozen=True)
class SweepSummary:
    """What a sweep did: the store, runs in it, runs made now, wall and worker CPU seconds; whether the whole
    store was served from the run catalogue of its folder (`served`, with the entry's `catalogue_id`)."""

    store: Path
    samples: int
    replicates: int
    runs: int
    runs_run: int
    runs_skipped: int
    seconds: float
    cpu_seconds: float
    store_bytes: int
    served: bool = False
    catalogue_id: str | None = None


def store_bytes(path: str | Path) -> int:
    """The bytes of the files of a store folder."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def run_sweep(sweep: Sweep | str | Path, out: str | Path, scheduler: str | None = None, workers: int = DEFAULT_WORKERS,
              progress: Callable[[int, int], None] | None = None, on_start: Callable[[SweepStart], None] | None = None,
              use_calibrated: bool = True, samples_per_chunk: int | None = None,
              catalogue: bool = True) -> SweepSummary:
    """Run (or resume) a sweep into the Zarr store `out`: on a LocalCluster of `workers` processes (one thread
    each), or on the Dask scheduler at `scheduler` ('tcp://host:port'). `progress(runs done, runs)` is called
    once before the first task and after each chunk is written (it may raise to stop the sweep: what is
    written stays). A store from other content is refused (SweepStoreError naming what changed).

    With `catalogue`, the sweep is recorded in the run catalogue of the store's folder (kind `sweep`; its
    request: the content the store records and the design's samples), and the same sweep already complete
    in another store of that folder is copied instead of run (`served`)."""
    require_sweeps_extra()
    if workers < 1:
        raise ValueError(f"workers: {workers} is not allowed; give at least 1")
    out = Path(out)
    if out.suffix != STORE_SUFFIX:
        raise ValueError(f"out: {out} must end in {STORE_SUFFIX} (a Zarr store is a folder)")
    started = time.perf_counter()
    plan = plan_sweep(sweep, use_calibrated=use_calibrated, samples_per_chunk=samples_per_chunk)
    out.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(out):
        if out.exists():  # refused before the catalogue records a request it will not compute
            check_store(plan, out)
        if not catalogue:
            return _sweep_into(plan, out, scheduler, workers, progress, on_start, started)
        from jobsim.model.outputs.run_catalogue import Catalogue, cached

        got = cached(Catalogue(out.parent), "sweep", {"content": plan.content, "samples": plan.samples}, out,
                     compute=lambda path: _sweep_into(plan, path, scheduler, workers, progress, on_start, started),
                     summarise=lambda summary: _catalogue_summary(plan),
                     load=lambda path: _served(plan, path, started))
        return dataclasses.replace(got.value, served=got.served, catalogue_id=got.entry.short_id)


def _catalogue_summary(plan: SweepPlan) -> dict[str, Any]:
    """The row `jobsim runs list` shows for a sweep."""
    sweep = plan.sweep
    return {"sweep": sweep.name, "base": sweep.base.name, "region": sweep.base.region, "design": sweep.design,
            "factors": list(sweep.factor_names), "samples": plan.n_samples, "replicates": plan.replicates,
            "runs": plan.runs, "seed": sweep.seed, "scale": sweep.scale}


def _served(plan: SweepPlan, out: Path, started: float) -> SweepSummary:
    return SweepSummary(out, plan.n_samples, plan.replicates, plan.runs, 0, plan.runs, time.perf_counter() - started,
                        0.0, store_bytes(out))


def _sweep_into(plan: SweepPlan, out: Path, scheduler: str | None, workers: int, progress, on_start,
                started: float) -> SweepSummary:
    """Make or check the store, then run the chunks not yet done (the write lock of `out` is held)."""
    created = not out.exists()
    if created:
        _create_store(plan, out)
    else:
        check_store(plan, out)
        stored = int(_store_attrs(out)["samples_per_chunk"])
        if stored != plan.samples_per_chunk:  # the store's layout wins: a resumed sweep writes its chunks
            plan = dataclasses.replace(plan, samples_per_chunk=stored)
    done = done_mask(out)
    todo = [c for c in range(plan.n_chunks) if not done[plan.chunk_slice(c)].all()]
    runs_done = int(done.sum()) * plan.replicates
    if progress:
        progress(runs_done, plan.runs)
    runs_run, cpu = 0, 0.0
    if todo:
        runs_run, cpu = _run_chunks(plan, out, todo, scheduler, workers, runs_done, progress, on_start, created)
    elif on_start:
        on_start(SweepStart(out, created, plan.n_samples, plan.replicates, plan.runs, runs_done, 0,
                            scheduler or "none (nothing to run)", None, 0))
    return SweepSummary(out, plan.n_samples, plan.replicates, plan.runs, runs_run, plan.runs - runs_run,
                        time.perf_counter() - started, cpu, store_bytes(out))


def _client(scheduler: str | None, workers: int):
    """A Dask client and the cluster it started (None when it connected to `scheduler`)."""
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout=CONNECT_SECONDS), None
        except (OSError, TimeoutError) as err:
            raise SchedulerUnreachable(
                f"no Dask scheduler answers at {scheduler} within {CONNECT_SECONDS} s ({err}); start one with "
                "`dask scheduler --host 127.0.0.1` and workers with `dask worker ADDRESS` (docs/sweeps.md), or "
                "leave out the scheduler to run on a local cluster") from None
    # processes (the model holds the GIL), one thread each; the dashboard on a free port (never a clash
    # with another sweep's); Dask's own logs only for errors (the command prints its progress).
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


def _run_chunks(plan: SweepPlan, out: Path, todo: list[int], scheduler: str | None, workers: int, runs_done: int,
                progress, on_start, created: bool) -> tuple[int, float]:
    import zarr
    from distributed import as_completed

    client, cluster = _client(scheduler, workers)
    futures = []
    try:
        info = client.scheduler_info()
        threads = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()) or workers
        link = _dashboard(client)
        if on_start:
            on_start(SweepStart(out, created, plan.n_samples, plan.replicates, plan.runs, runs_done, len(todo),
                                str(client.scheduler.address), link, len(info.get("workers", {}))))
        group = zarr.open_group(str(out), mode="r+", zarr_format=STORE_FORMAT)
        queue = iter(todo)
        window = max(2, IN_FLIGHT_PER_THREAD * threads)
        # Each task is named by the sweep's content, its chunk and this session (shown in the dashboard; never
        # confused with a task of another sweep or of an interrupted session on a shared scheduler).
        session = uuid.uuid4().hex[:SESSION_KEY_CHARS]
        prefix = f"jobsim-sweep-{short_hash(content_hash(plan.content))}"

        def submit(chunk: int):
            future = client.submit(run_sweep_task, _task(plan, chunk), pure=False, key=f"{prefix}-{chunk}-{session}")
            futures.append(future)
            return future

        pending = as_completed([submit(c) for c in itertools.islice(queue, window)])
        done, cpu = runs_done, 0.0
        runs_run = 0
        for future in pending:
            chunk, values, seconds = future.result()
            future.release()
            _write_chunk(group, plan, chunk, values)
            n = (plan.chunk_slice(chunk).stop - plan.chunk_slice(chunk).start) * plan.replicates
            done, runs_run, cpu = done + n, runs_run + n, cpu + seconds
            following = next(queue, None)
            if following is not None:
                pending.add(submit(following))
            if progress:
                progress(done, plan.runs)
        return runs_run, cpu
    finally:
        for f in futures:
            if not f.done():
                f.cancel()
        client.close()
        if cluster is not None:
            cluster.close()


def _dashboard(client) -> str | None:
    """The dashboard's address, or None when it is not served (bokeh not installed)."""
    try:
        import bokeh  # noqa: F401 - Dask serves its dashboard only with bokeh
    except ImportError:
        return None
    try:
        return str(client.dashboard_link)
    except Exception:  # noqa: BLE001 - a remote scheduler without a dashboard
        return None


# ---- reading -----------------------------------------------------------------------------------------------


def load_sweep(path: str | Path):
    """A sweep store as an xarray Dataset (lazy: values load when used); SweepStoreError when it is not one."""
    import xarray as xr

    require_sweeps_extra()
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no sweep store {path}")
    _store_attrs(path)
    return xr.open_zarr(str(path), consolidated=True, zarr_format=STORE_FORMAT)


def sweep_status(path: str | Path) -> tuple[int, int]:
    """(samples done, samples) of a store."""
    mask = done_mask(path)
    return int(mask.sum()), int(mask.size)
