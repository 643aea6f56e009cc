"""jobsim's public Python API: the one entry point under the command line, the app and the notebooks.

    from jobsim.model import api

    s = api.load_scenario("scenarios/jiangxi_baseline.yaml")
    ds = api.run(s, replicates=20)                  # xarray.Dataset: replicate x time x area
    api.yearly(ds)["new_urban_jobs"].sel(area="Jiangxi").median("replicate")
    api.evaluate_targets(ds, s.target_list())       # probability of meeting each target
    api.compare({"base": ds, "more training": ds2})  # paired differences, cost per extra job

Everything here is a thin composition of the layers below (inputs, core, outputs, experiments and
calibration); heavy libraries (statsmodels, scipy) load only when a function that needs them runs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import xarray as xr

from jobsim.model import __version__
from jobsim.model.core.runspec import RunSpec
from jobsim.model.experiments.compare import compare
from jobsim.model.experiments.ensemble import EnsemblePlan, plan_ensemble, replicate_seeds, run_plan, run_spec
from jobsim.model.experiments.evaluators import Evaluator, ProcessEvaluator, SequentialEvaluator
from jobsim.model.inputs.parameters import ParameterSet, load_parameters
from jobsim.model.inputs.scenario import Scenario, ScenarioError, scenario_from_dict, scenario_from_yaml, scenario_to_yaml
from jobsim.model.inputs.scenario import load_scenario as _load_scenario
from jobsim.model.outputs.results import evaluate_targets, period_totals, yearly, yearly_summary
from jobsim.model.outputs.store import read_dataset, write_dataset

__all__ = [
    "__version__", "RunSpec", "EnsemblePlan", "Evaluator", "SequentialEvaluator", "ProcessEvaluator",
    "Scenario", "ScenarioError", "ParameterSet",
    "load_scenario", "validate_scenario", "scenario_from_dict", "scenario_from_yaml", "scenario_to_yaml",
    "parameters", "plan", "run", "run_spec", "replicate_seeds", "compare",
    "yearly", "yearly_summary", "evaluate_targets", "period_totals",
    "write_results", "read_results", "forecast", "calibrate", "write_calibration", "backtest",
]


# ---- scenarios ------------------------------------------------------------------------------------


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; ScenarioError (every problem, with field paths) if invalid."""
    return _load_scenario(path)


def validate_scenario(path: str | Path) -> list[tuple[str, str]]:
    """The problems of a scenario file as (field path, message) pairs; [] when it is valid."""
    try:
        _load_scenario(path)
    except ScenarioError as err:
        return list(err.issues)
    return []


def parameters(region: str, use_calibrated: bool = True) -> ParameterSet:
    """Every structural parameter of `region`, with unit, bounds and source (calibrated values applied)."""
    return load_parameters(region, use_calibrated=use_calibrated)


# ---- runs -----------------------------------------------------------------------------------------


def plan(scenario: Scenario, replicates: int | None = None, seed: int | None = None, scale: float | None = None,
         use_calibrated: bool = True, parameter_draws: bool = True) -> EnsemblePlan:
    """The RunSpecs of an ensemble of `scenario` (one per replicate), without running them."""
    return plan_ensemble(scenario, replicates, seed, scale, use_calibrated, parameter_draws)


def run(scenario: Scenario | str | Path, replicates: int | None = None, seed: int | None = None,
        scale: float | None = None, workers: int = 1, evaluator: Evaluator | None = None,
        use_calibrated: bool = True, parameter_draws: bool = True,
        progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Project a scenario (or a scenario file): an ensemble of replicates as one labelled Dataset.

    replicates, seed and scale default to the scenario's own; `workers` > 1 runs replicates in local
    processes (or pass any `evaluator`); results are bit-identical however they are run."""
    if not isinstance(scenario, Scenario):
        scenario = _load_scenario(scenario)
    p = plan_ensemble(scenario, replicates, seed, scale, use_calibrated, parameter_draws)
    return run_plan(p, evaluator=evaluator, workers=workers, progress=progress)


def write_results(ds: xr.Dataset, path: str | Path) -> Path:
    """Write a result Dataset to NetCDF, atomically (temporary file, then rename)."""
    return write_dataset(ds, path)


def read_results(path: str | Path) -> xr.Dataset:
    """Read a result file written by `write_results` (or `jobsim run --out`)."""
    return read_dataset(path)


# ---- forecasts, calibration, back-tests (statsmodels and scipy load here, not at import) -----------


def forecast(region: str, indicator: str, origin: int | None = None, horizon: int = 5,
             data_files: list[Path] | None = None):
    """The no-policy-change statistical forecast of one indicator (jobsim.calibration.forecast.Forecast)."""
    from jobsim.calibration.forecast import forecast_for
    from jobsim.model.inputs.history import load_history

    history = load_history(extra_files=list(data_files) if data_files else None)
    return forecast_for(region, indicator, origin=origin, horizon=horizon, history=history)


def calibrate(region: str, through: int | None = None, data_files: list[Path] | None = None, **settings):
    """Fit the region's free parameters to its history (jobsim.calibration.calibrate.CalibrationResult)."""
    from jobsim.calibration.calibrate import calibrate as _calibrate

    return _calibrate(region, through=through, data_files=data_files, **settings)


def write_calibration(result, path: str | Path | None = None) -> Path:
    """Write a calibration result as a parameter file (atomically)."""
    from jobsim.calibration.calibrate import write_result

    return write_result(result, Path(path) if path is not None else None)


def backtest(region: str, indicator: str, origins: list[int], horizon: int = 3, **settings):
    """Calibrate and forecast with data up to each origin and compare with what happened."""
    from jobsim.calibration.backtest import backtest as _backtest

    return _backtest(region, indicator, origins, horizon=horizon, **settings)


def targets_table(ds: xr.Dataset, scenario: Scenario) -> pd.DataFrame:
    """The scenario's targets evaluated against a run of it."""
    return evaluate_targets(ds, scenario.target_list())
