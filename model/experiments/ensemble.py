"""Ensembles: a scenario turned into one `RunSpec` per replicate, run by an evaluator, into one Dataset.

Replicate seeds come from `numpy.random.SeedSequence(seed).spawn(replicates)`, so a replicate's
result depends only on the scenario, the seed and its position: the same inputs give bit-identical
Datasets, whether replicates run in this process or in worker processes (fork or spawn).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import xarray as xr

from jobsim.model import __version__
from jobsim.model.core.runspec import RunSpec
from jobsim.model.experiments.evaluators import Evaluator, evaluator_for
from jobsim.model.inputs.growth_paths import describe_path, growth_path_years, shown_path
from jobsim.model.inputs.parameters import ParameterSet, load_parameters, posterior_draws
from jobsim.model.inputs.registry import lever_ids
from jobsim.model.inputs.regions import area_facts
from jobsim.model.inputs.scenario import Scenario, scenario_to_yaml
from jobsim.model.inputs.structure import structure_year
from jobsim.model.outputs.dataset import run_dataset
from jobsim.model.outputs.labels import (
    LEVER_YEAR_DIM,
    label_dataset,
    lever_variable,
    uncertainty_attributes,
    uncertainty_variable,
)
from jobsim.model.inputs.provenance import provenance_attributes, relative_path


def scenario_parameters(scenario: Scenario, use_calibrated: bool = True) -> ParameterSet:
    """The region's parameters (calibrated where available) with the scenario's overrides on top."""
    # Date-keyed values are resolved at the run's start (1 January of its first year).
    return (load_parameters(scenario.region, use_calibrated=use_calibrated, as_of=scenario.period.first_year)
            .with_overrides(scenario.parameters or {}))


@dataclass(frozen=True)
class RunUncertainties:
    """The uncertainties every replicate of a scenario runs with, for every year of its period: the
    scenario's own where it gives them, else the defaults (the region's growth path, a graduates
    multiplier of 1, no parameter paths); `growth_source` says where the growth came from."""

    gdp_real_growth_percent: dict[int, float]
    graduates_multiplier: dict[int, float]
    parameter_paths: dict[str, dict[int, float]]
    growth_source: str


def spin_up_years(scenario: Scenario) -> tuple[int, ...]:
    """The years a run of `scenario` rolls its population forward through before the period (the
    model's spin-up): structure_year + 1 .. first_year - 1 of the region's facts; () for a period
    starting at structure_year + 1 or earlier (an earlier start takes that year's structure instead:
    `area_facts(region, as_of=first_year)`)."""
    return tuple(range(structure_year(scenario.region) + 1, scenario.period.first_year))


def scenario_uncertainties(scenario: Scenario) -> RunUncertainties:
    """The scenario's uncertainties over the defaults; GrowthPathError (naming the region and the years)
    when the scenario gives no growth and the default path does not cover the period.

    The spin-up years (`spin_up_years`) always take the region's default growth path (its realised
    history where there is one, the forecast beyond): a scenario's growth is about its period."""
    u, years = scenario.uncertainties, scenario.years
    if u.gdp_real_growth_percent:
        growth = dict(u.gdp_real_growth_percent)
        source = "the scenario's uncertainties.gdp_real_growth_percent"
    else:
        path = growth_path_years(scenario.region, scenario.period.first_year, scenario.period.last_year)
        growth = {p.year: p.value for p in path}
        source = f"default path ({shown_path()}): {describe_path(path)}"
    spin = spin_up_years(scenario)
    if spin:
        path = growth_path_years(scenario.region, spin[0], spin[-1])
        growth = {**{p.year: p.value for p in path}, **growth}
        source += f"; spin-up {spin[0]}-{spin[-1]} from the default path ({shown_path()}): {describe_path(path)}"
    graduates = dict(u.graduates_multiplier) if u.graduates_multiplier else {y: 1.0 for y in years}
    return RunUncertainties(growth, graduates, {k: dict(v) for k, v in u.parameters.items()}, source)


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """The replicates' own seeds: replicate k's seed depends only on `seed` and k."""
    return [int(s.generate_state(1, np.uint64)[0] >> 1) for s in np.random.SeedSequence(seed).spawn(replicates)]


def posterior_draw_index(replicate_seed: int, n_draws: int) -> int:
    """Which of a calibration's `n_draws` posterior draws a replicate takes: chosen by its seed, so paired
    scenarios share draws and the replicates sample the posterior (its resample lists the particles best
    distance first, so the first k draws would not)."""
    return replicate_seed % n_draws


@dataclass(frozen=True)
class EnsemblePlan:
    """The specs of an ensemble and what the Dataset's attributes record about them."""

    scenario: Scenario
    specs: tuple[RunSpec, ...]
    parameters: ParameterSet  # point values (calibrated where available) with the scenario's overrides
    draws: tuple[dict, ...]  # the calibrated posterior draws sampled, () when none
    seed: int
    scale: float
    uncertainties: RunUncertainties | None = None  # what every spec runs with (None: a plan built by hand)


def plan_ensemble(scenario: Scenario, replicates: int | None = None, seed: int | None = None,
                  scale: float | None = None, use_calibrated: bool = True, parameter_draws: bool = True) -> EnsemblePlan:
    """One RunSpec per replicate (replicates, seed and scale default to the scenario's own).

    Parameter uncertainty: with a calibrated file, each replicate takes one of its posterior draws
    (chosen by the replicate's seed, so paired scenarios share draws); scenario overrides still win.
    Uncertainties (`scenario_uncertainties`): the scenario's growth, graduates multiplier and parameter
    paths over the defaults, the same in every replicate; a parameter path beats draws and values."""
    replicates = int(replicates if replicates is not None else scenario.replicates)
    seed = int(seed if seed is not None else scenario.seed)
    scale = float(scale if scale is not None else scenario.scale)
    if replicates < 1:
        raise ValueError(f"replicates: {replicates} is not allowed; give at least 1")
    if scale <= 0:
        raise ValueError(f"scale: {scale} is not allowed; give persons per agent > 0")
    params = scenario_parameters(scenario, use_calibrated)
    levers = {lever: scenario.lever_values(lever) for lever in lever_ids()}
    # The structure at 1 January of the first year: moved back along the history for an earlier start
    # (back-tests); the base facts otherwise, rolled forward by the model when the start is later.
    facts = area_facts(scenario.region, as_of=scenario.period.first_year)
    draws = posterior_draws(scenario.region) if (use_calibrated and parameter_draws) else []
    overridden = set(scenario.parameters or {})
    uncertainties = scenario_uncertainties(scenario)
    specs = []
    for k, s in enumerate(replicate_seeds(seed, replicates)):
        values = dict(params.values)
        draw = None
        if draws:
            draw = posterior_draw_index(s, len(draws))
            values.update({n: float(v) for n, v in draws[draw].items() if n in values and n not in overridden})
        specs.append(RunSpec(scenario.region, facts, scenario.period.first_year, scenario.period.last_year, levers,
                             values, seed=s, scale=scale, replicate=k, parameter_draw=draw,
                             labels={"scenario": scenario.name},
                             gdp_real_growth_percent=uncertainties.gdp_real_growth_percent,
                             graduates_multiplier=uncertainties.graduates_multiplier,
                             parameter_paths=uncertainties.parameter_paths))
    return EnsemblePlan(scenario, tuple(specs), params, tuple(draws), seed, scale, uncertainties)


def run_spec(spec: RunSpec) -> xr.Dataset:
    """Build and run one model; its output as a Dataset (dims time, area). A top-level function, so
    that worker processes can run it under fork and spawn alike."""
    model = spec.build()
    model.run()
    return run_dataset(model.recorder)


def prepare_worker(_task: object = None) -> int:
    """A worker's warm-up (`KeptProcessEvaluator.warm_up`): import what `run_spec` needs and load the tables
    the model reads, so that the worker's first real run costs what the others do; returns its pid."""
    import os

    from jobsim.model.core import model  # noqa: F401  (the model and the agents' layers)
    from jobsim.model.inputs.registry import indicators

    indicators()
    # xarray imports dask.array (when installed) the first time it makes a variable, to recognise dask
    # arrays: about 1 s, more than a preview replicate's whole run.
    xr.Dataset({"warm": ("x", np.zeros(1))})
    return os.getpid()


def run_plan(plan: EnsemblePlan, evaluator: Evaluator | None = None, workers: int = 1,
             progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Run every spec of `plan` (with `evaluator`, or one chosen for `workers`) -> labelled Dataset."""
    evaluator = evaluator if evaluator is not None else evaluator_for(workers, len(plan.specs))
    results: list[xr.Dataset] = []
    with evaluator as ev:
        for i, ds in enumerate(ev.map(run_spec, plan.specs)):
            results.append(ds)
            if progress:
                progress(i + 1, len(plan.specs))
    return _ensemble_dataset(plan, results)


def _ensemble_dataset(plan: EnsemblePlan, results: list[xr.Dataset]) -> xr.Dataset:
    """The replicates as one Dataset (dim `replicate`), with the levers by year as variables and the
    attributes that make it self-describing: the scenario as run, parameters, seed, provenance."""
    specs, scenario = plan.specs, plan.scenario
    replicates = len(specs)
    ds = xr.concat(results, dim="replicate", join="exact")
    years = list(range(scenario.period.first_year, scenario.period.last_year + 1))
    added = {"replicate_seed": ("replicate", np.array([s.seed for s in specs], dtype=np.uint64))}
    if plan.draws:
        added["parameter_draw"] = ("replicate", np.array([s.parameter_draw for s in specs], dtype=np.int64))
    for lever, by_year in specs[0].levers.items():  # the values the model ran with, in base units
        added[lever_variable(lever)] = (LEVER_YEAR_DIM, np.array([by_year[y] for y in years], dtype=np.float64))
    added.update(_uncertainty_variables(plan, years))
    # One assign for all of them: each `ds[name] = ...` would align the whole Dataset again.
    ds = ds.assign_coords({"replicate": np.arange(replicates), LEVER_YEAR_DIM: years}).assign(added)
    label_dataset(ds)
    provenance = provenance_attributes(plan.parameters.files)
    ds.attrs = {
        "title": "jobsim projection",
        "Conventions": provenance["Conventions"],
        "history": (f"{provenance['date_created']} jobsim {__version__}: ensemble of scenario {scenario.name!r}, "
                    f"{replicates} replicate(s), seed {plan.seed}, 1 agent = {plan.scale:g} persons"),
        "scenario_name": scenario.name,
        "region": scenario.region,
        "scenario": scenario_to_yaml(_as_run(scenario, replicates, plan.seed, plan.scale)),
        "parameters": json.dumps(plan.parameters.to_records(), ensure_ascii=False),
        "parameter_files": json.dumps([relative_path(f) for f in plan.parameters.files]),
        "seed": plan.seed,
        "scale": plan.scale,
        "replicates": replicates,
        "parameter_uncertainty": (f"{len(plan.draws)} calibrated posterior draws, one per replicate "
                                  "(`parameter_draw`; `parameters` lists the point values)" if plan.draws
                                  else "none (point values)"),
        "parameter_draws": json.dumps(list(plan.draws)) if plan.draws else "[]",
        "uncertainties": (f"real GDP growth from {ds[uncertainty_variable('gdp_real_growth_percent')].attrs.get('source', '')}; "
                          f"graduates multiplier from {ds[uncertainty_variable('graduates_multiplier')].attrs.get('source', '')}; "
                          f"parameter paths: {', '.join(specs[0].parameter_paths) or 'none'} "
                          "(variables uncertainty_*, by lever_year)"),
        "units": "persons (flows per month, stocks at month end), yuan, rates as fractions; each variable's "
                 "`units` and `cell_methods` say which",
        **{k: v for k, v in provenance.items() if k != "Conventions"},
    }
    return ds


def _uncertainty_variables(plan: EnsemblePlan, years: list[int]) -> dict[str, tuple]:
    """The uncertainties the specs ran with, by year (dim lever_year, as the levers), with CF attributes."""
    spec = plan.specs[0]  # every replicate runs with the same uncertainties
    source = plan.uncertainties.growth_source if plan.uncertainties is not None else "the run specs"
    given = "the scenario's uncertainties" if plan.uncertainties is not None else "the run specs"
    out = {
        uncertainty_variable("gdp_real_growth_percent"): (LEVER_YEAR_DIM, np.array(
            [spec.gdp_real_growth_percent.get(y, np.nan) for y in years], dtype=np.float64), uncertainty_attributes(
            "percent", "real GDP growth", "地区生产总值实际增速",
            "the region's real GDP growth over the year, in percent (an uncertainty, not a lever)", source)),
        uncertainty_variable("graduates_multiplier"): (LEVER_YEAR_DIM, np.array(
            [spec.graduates_multiplier.get(y, 1.0) for y in years], dtype=np.float64), uncertainty_attributes(
            "1", "college-graduate cohort multiplier", "高校毕业生规模倍数",
            "the year's college-graduate cohort relative to the data (1 = as the data say)",
            given if plan.scenario.uncertainties.graduates_multiplier else "default (1 in every year)")),
    }
    for name in spec.parameter_paths:
        p = plan.parameters[name] if name in plan.parameters else None
        out[uncertainty_variable(f"parameter_{name}")] = (LEVER_YEAR_DIM, np.array(
            [spec.parameters_in(y)[name] for y in years], dtype=np.float64), uncertainty_attributes(
            p.unit if p is not None else "", name, "", f"parameter {name} by year (uncertainties.parameters)", given))
    return out


def run_scenario(scenario: Scenario, replicates: int | None = None, seed: int | None = None,
                 scale: float | None = None, workers: int = 1, use_calibrated: bool = True,
                 progress: Callable[[int, int], None] | None = None, parameter_draws: bool = True,
                 evaluator: Evaluator | None = None) -> xr.Dataset:
    """Run `scenario` (replicates, seed and scale default to the scenario's own) -> Dataset with a
    `replicate` dimension, and the scenario, parameters, seed, scale and version as attributes."""
    plan = plan_ensemble(scenario, replicates, seed, scale, use_calibrated, parameter_draws)
    return run_plan(plan, evaluator=evaluator, workers=workers, progress=progress)


def _as_run(scenario: Scenario, replicates: int, seed: int, scale: float) -> Scenario:
    """The scenario as actually run (command-line replicates, seed and scale replace the file's)."""
    changes = {"replicates": replicates, "seed": seed}
    if float(scale).is_integer():
        changes["scale"] = int(scale)
    return scenario.with_changes(**changes)
