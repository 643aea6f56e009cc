"""jobsim's public Python API: the one entry point under the command line, the app and the notebooks.

    from jobsim.model import api

    s = api.load_scenario("scenarios/jiangxi_baseline.yaml")
    ds = api.run(s, replicates=20)                  # xarray.Dataset: replicate x time x area
    api.yearly(ds)["new_urban_jobs"].sel(area="Jiangxi").median("replicate")
    api.evaluate_targets(ds, s.target_list())       # probability of meeting each target
    api.compare({"base": ds, "more training": ds2})  # paired differences, cost per extra job
    api.compare_scenarios(["a.yaml", "b.yaml"], replicates=20)  # Dataset by scenario: P(targets), Δ ± s.e., cost

Everything here is a thin composition of the layers below (inputs, core, outputs, experiments and
calibration); heavy libraries (xarray, mesa, pydantic, statsmodels, scipy) load only when a
name or function that needs them is used, so that importing the API (and starting `jobsim`) is cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typing import TYPE_CHECKING

from jobsim.model import __version__

if TYPE_CHECKING:  # names for annotations only; at run time they load on first use (see __getattr__)
    import pandas as pd
    import xarray as xr

    from jobsim.model.experiments.ensemble import EnsemblePlan
    from jobsim.model.experiments.estimate import RunEstimate
    from jobsim.model.experiments.evaluators import Evaluator
    from jobsim.model.inputs.parameters import ParameterSet
    from jobsim.model.inputs.scenario import Scenario

# Public names re-exported from the layers below, loaded on first use so that importing the API (and
# so the command line) stays cheap: xarray, pydantic, mesa and the experiments layer load only when
# a caller touches a name that needs them. Name -> (module, attribute).
_LAZY_NAMES = {
    "RunSpec": ("jobsim.model.core.runspec", "RunSpec"),
    "compare": ("jobsim.model.experiments.compare", "compare"),
    # paired comparison of scenarios: one Dataset with a `scenario` dimension (jobsim compare)
    **{name: ("jobsim.model.experiments.compare", name) for name in (
        "compare_scenarios", "plan_comparison", "run_comparison", "comparison_runs", "compare_runs", "comparison_dataset", "comparison_frame",
        "ComparisonError", "ComparisonPlan", "WITHIN_NOISE")},
    **{name: ("jobsim.model.outputs.comparison_report", name) for name in (
        "comparison_tables", "comparison_long_table", "comparison_facts", "write_comparison_xlsx", "UNRESOLVABLE")},
    "write_text_file": ("jobsim.model.outputs.atomic", "atomic_write_text"),
    # which scenarios there are: the index's baselines, the bundled folder, the scenario files of a folder
    **{name: ("jobsim.model.inputs.scenario_index", name) for name in (
        "scenario_index", "baseline_scenario_name", "scenario_files")},
    "scenarios_dir": ("jobsim.model.inputs.paths", "scenarios_dir"),
    "load_regions": ("jobsim.model.inputs.regions", "load_regions"),
    "comparison_symbol": ("jobsim.model.inputs.targets", "comparison_symbol"),
    "label": ("jobsim.model.inputs.registry", "label"),  # an indicator's or a lever's label, 'zh' or 'en'
    # results shaped for charts and tables (the app, the brief, notebooks): fans, target lines, levers in
    # planners' units, the cities' targets, the recorded back-tests and posterior checks, the data's sources
    **{name: ("jobsim.model.outputs.views", name) for name in (
        "fan_table", "target_marks", "lever_schedule", "lever_units", "scenario_with_levers", "area_targets",
        "backtest_reminder", "unit_text", "target_sets_for")},
    **{name: ("jobsim.model.inputs.records", name) for name in ("backtest_record", "posterior_checks", "data_sources")},
    "calibration_notes": ("jobsim.model.inputs.records", "calibration_notes"),  # the calibrated file's warnings, info
    # history and forecasts in a fan chart's unit, and the registry's definitions (the app's Trust and Method pages)
    **{name: ("jobsim.model.outputs.views", name) for name in (
        "chart_unit", "history_frame", "forecast_frame", "indicator_definitions", "lever_definitions")},
    "EnsemblePlan": ("jobsim.model.experiments.ensemble", "EnsemblePlan"),
    "plan_ensemble": ("jobsim.model.experiments.ensemble", "plan_ensemble"),
    "replicate_seeds": ("jobsim.model.experiments.ensemble", "replicate_seeds"),
    "run_plan": ("jobsim.model.experiments.ensemble", "run_plan"),
    "run_spec": ("jobsim.model.experiments.ensemble", "run_spec"),
    "prepare_worker": ("jobsim.model.experiments.ensemble", "prepare_worker"),
    "RunUncertainties": ("jobsim.model.experiments.ensemble", "RunUncertainties"),
    "scenario_uncertainties": ("jobsim.model.experiments.ensemble", "scenario_uncertainties"),
    "spin_up_check": ("jobsim.model.experiments.spin_up", "spin_up_check"),
    "check_backtest_start": ("jobsim.calibration.backtest", "check_start"),  # where a back-test's projections start
    "check_calibration_budget": ("jobsim.calibration.calibrate", "check_budget"),  # a search's simulations
    "GrowthPathError": ("jobsim.model.inputs.growth_paths", "GrowthPathError"),
    "Evaluator": ("jobsim.model.experiments.evaluators", "Evaluator"),
    "ProcessEvaluator": ("jobsim.model.experiments.evaluators", "ProcessEvaluator"),
    "KeptProcessEvaluator": ("jobsim.model.experiments.evaluators", "KeptProcessEvaluator"),
    "SequentialEvaluator": ("jobsim.model.experiments.evaluators", "SequentialEvaluator"),
    "ParameterSet": ("jobsim.model.inputs.parameters", "ParameterSet"),
    "load_parameters": ("jobsim.model.inputs.parameters", "load_parameters"),
    "Scenario": ("jobsim.model.inputs.scenario", "Scenario"),
    "ScenarioError": ("jobsim.model.inputs.scenario", "ScenarioError"),
    "scenario_from_dict": ("jobsim.model.inputs.scenario", "scenario_from_dict"),
    "scenario_from_yaml": ("jobsim.model.inputs.scenario", "scenario_from_yaml"),
    "scenario_to_yaml": ("jobsim.model.inputs.scenario", "scenario_to_yaml"),
    "scenario_diff_yaml": ("jobsim.model.inputs.scenario", "scenario_diff_yaml"),
    "ScenarioBase": ("jobsim.model.inputs.scenario", "ScenarioBase"),
    "evaluate_targets": ("jobsim.model.outputs.results", "evaluate_targets"),
    "period_totals": ("jobsim.model.outputs.results", "period_totals"),
    "yearly": ("jobsim.model.outputs.results", "yearly"),
    "yearly_summary": ("jobsim.model.outputs.results", "yearly_summary"),
    "read_dataset": ("jobsim.model.outputs.store", "read_dataset"),
    "write_dataset": ("jobsim.model.outputs.store", "write_dataset"),
    "yearly_table": ("jobsim.model.outputs.results", "yearly_table"),
    "scenario_targets": ("jobsim.model.outputs.scenario_targets", "scenario_targets"),
    "lever_set_indicators": ("jobsim.model.outputs.scenario_targets", "lever_set_indicators"),
    "SET_BY_SCENARIO": ("jobsim.model.outputs.scenario_targets", "SET_BY_SCENARIO"),
    # the names a caller may choose, checked before any work starts (ChoiceError otherwise)
    **{name: ("jobsim.model.inputs.choices", name) for name in (
        "ChoiceError", "region_ids", "check_region", "run_areas", "check_area", "check_indicator",
        "target_set_names", "check_target_set", "calibratable_regions", "check_calibratable_region",
        "check_modelled_indicator", "is_scenario_index", "validate_scenario_index", "bundled_comparison",
        "units", "indicator_info", "check_replicates", "check_scale", "check_seed")},
    # what a run will cost before it starts, and the one-writer rule of output files
    "RunEstimate": ("jobsim.model.experiments.estimate", "RunEstimate"),
    # sweeps on Dask into resumable Zarr stores, and their sensitivity indices (the `sweeps` extra)
    **{name: ("jobsim.model.experiments.sweep", name) for name in (
        "run_sweep", "load_sweep", "plan_sweep", "sweep_status", "SweepStoreError", "SweepStart", "SweepSummary",
        "SweepsExtraMissing")},
    "sweep_target_probabilities": ("jobsim.model.experiments.sweep_targets", "sweep_target_probabilities"),
    "load_sweep_file": ("jobsim.model.inputs.sweep_file", "load_sweep_file"),
    "is_sweep_file": ("jobsim.model.inputs.sweep_file", "is_sweep_file"),
    "SweepError": ("jobsim.model.inputs.sweep_file", "SweepError"),
    "sensitivity": ("jobsim.model.experiments.sensitivity", "sensitivity"),
    "SensitivityError": ("jobsim.model.experiments.sensitivity", "SensitivityError"),
    "OutputBusyError": ("jobsim.model.outputs.atomic", "OutputBusyError"),
    # the run catalogue of a results folder: stored results served again for an identical request
    **{name: ("jobsim.model.outputs.run_catalogue", name) for name in (
        "Catalogue", "CatalogueError", "CatalogueNotFoundError", "EntryNotFoundError", "RequestInProgressError",
        "request_id", "cached", "Cached", "run_summary", "CATALOGUE_NAME")},
    # what data jobsim has, as tables
    **{name: ("jobsim.model.inputs.catalogue", name) for name in (
        "regions_table", "region_summary", "region_data", "target_sets_table", "assumptions_table")},
    # a user's own region: a template data folder, and its checks
    "init_region_folder": ("jobsim.model.inputs.region_folder", "init_region_folder"),
    "check_region_folder": ("jobsim.model.inputs.region_folder", "check_region_folder"),
    "is_data_folder": ("jobsim.model.inputs.region_folder", "is_data_folder"),
    "RegionFolderError": ("jobsim.model.inputs.region_folder", "RegionFolderError"),
    "set_user_data_dirs": ("jobsim.model.inputs.paths", "set_user_data_dirs"),
    # calibrated files: the user data folders' calibrated/<region>.yaml over the shipped calibration/params/
    **{name: ("jobsim.model.inputs.parameters", name) for name in (
        "posterior_draws", "user_calibrated_file", "is_shipped_calibrated_file", "data_folder_reading")},
}


def __getattr__(name: str):
    """Load a re-exported name from its layer on first use (PEP 562), then keep it in the module."""
    if name not in _LAZY_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module, attribute = _LAZY_NAMES[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_NAMES))


# The API's public names: the functions defined below, and the names re-exported (lazily) from the layers.
__all__ = sorted({"__version__", *_LAZY_NAMES} | {
    "load_scenario", "validate_scenario", "write_scenario", "parameters", "plan", "run", "write_results", "read_results", "for_plot",
    "run_request", "stored_run", "stored_comparison",
    "history", "history_series", "calibration_window", "calibration_moments", "calibrated_file", "forecast", "calibrate",
    "write_calibration", "backtest", "targets_table", "error_kind", "check_forecast_choices", "usable_series",
    "forecast_min_points", "estimate_run", "reserve_output", "output_filesystem_problem",
    "gdp_growth_path", "gdp_growth_path_table", "compute_growth_paths", "write_growth_paths",
})


# ---- scenarios ------------------------------------------------------------------------------------


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; ScenarioError (every problem, with field paths) if invalid."""
    from jobsim.model.inputs.scenario import load_scenario as _load_scenario

    return _load_scenario(path)


def validate_scenario(path: str | Path) -> list[tuple[str, str]]:
    """The problems of a scenario file as (field path, message) pairs; [] when it is valid."""
    from jobsim.model.inputs.scenario import ScenarioError
    from jobsim.model.inputs.scenario import load_scenario as _load_scenario

    try:
        _load_scenario(path)
    except ScenarioError as err:
        return list(err.issues)
    return []


def write_scenario(scenario: Scenario, path: str | Path, changes_only: bool = False,
                   base: Scenario | str | Path | None = None, base_ref: str | None = None) -> Path:
    """Write a scenario file atomically: in full, a standalone file (`scenario_to_yaml`), or with
    `changes_only` as `base:` and only what differs from `base` (default: the scenario's own nearest base;
    `scenario_diff_yaml`, a base named by path written relative to the new file's folder)."""
    from jobsim.model.inputs.scenario import scenario_diff_yaml, scenario_to_yaml
    from jobsim.model.outputs.atomic import atomic_write_text

    path = Path(path)
    text = (scenario_diff_yaml(scenario, base, base_ref, folder=path.parent) if changes_only
            else scenario_to_yaml(scenario))
    return atomic_write_text(path, text)


def parameters(region: str, use_calibrated: bool = True) -> ParameterSet:
    """Every structural parameter of `region`, with unit, bounds and source (calibrated values applied)."""
    from jobsim.model.inputs.parameters import load_parameters

    return load_parameters(region, use_calibrated=use_calibrated)


# ---- runs -----------------------------------------------------------------------------------------


def plan(scenario: Scenario, replicates: int | None = None, seed: int | None = None, scale: float | None = None,
         use_calibrated: bool = True, parameter_draws: bool = True) -> EnsemblePlan:
    """The RunSpecs of an ensemble of `scenario` (one per replicate), without running them."""
    from jobsim.model.experiments.ensemble import plan_ensemble

    return plan_ensemble(scenario, replicates, seed, scale, use_calibrated, parameter_draws)


def run(scenario: Scenario | str | Path, replicates: int | None = None, seed: int | None = None,
        scale: float | None = None, workers: int = 1, evaluator: Evaluator | None = None,
        use_calibrated: bool = True, parameter_draws: bool = True,
        progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Project a scenario (or a scenario file): an ensemble of replicates as one labelled Dataset.

    replicates, seed and scale default to the scenario's own; `workers` > 1 runs replicates in local
    processes (or pass any `evaluator`); results are bit-identical however they are run."""
    from jobsim.model.experiments.ensemble import plan_ensemble, run_plan
    from jobsim.model.inputs.scenario import Scenario
    from jobsim.model.inputs.scenario import load_scenario as _load_scenario

    if not isinstance(scenario, Scenario):
        scenario = _load_scenario(scenario)
    _check_run_numbers(replicates, seed, scale)
    p = plan_ensemble(scenario, replicates, seed, scale, use_calibrated, parameter_draws)
    return run_plan(p, evaluator=evaluator, workers=workers, progress=progress)


def write_results(ds: xr.Dataset, path: str | Path) -> Path:
    """Write a result Dataset to NetCDF, atomically (temporary file, then rename)."""
    from jobsim.model.outputs.store import write_dataset

    return write_dataset(ds, path)


def read_results(path: str | Path) -> xr.Dataset:
    """Read a result file written by `write_results` (or `jobsim run --out`)."""
    from jobsim.model.outputs.store import read_dataset

    return read_dataset(path)


# ---- stored runs and the run catalogue --------------------------------------------------------------


def run_request(plan_or_scenario: EnsemblePlan | Scenario, replicates: int | None = None, seed: int | None = None,
                scale: float | None = None, use_calibrated: bool = True, parameter_draws: bool = True) -> dict:
    """What a run's result depends on, as the run catalogue hashes it (`request_id("run", **request)`): the
    scenario as resolved, replicates, seed, scale, the parameter values used, the parameter files' content
    hashes, the posterior draws, the data hash and a digest of the run specs (model/experiments/stored.py)."""
    from jobsim.model.experiments.ensemble import EnsemblePlan, plan_ensemble
    from jobsim.model.experiments.stored import run_request as _run_request

    p = plan_or_scenario if isinstance(plan_or_scenario, EnsemblePlan) else plan_ensemble(
        plan_or_scenario, replicates, seed, scale, use_calibrated, parameter_draws)
    return _run_request(p)


def stored_run(scenario: Scenario | str | Path, out: str | Path, replicates: int | None = None,
               seed: int | None = None, scale: float | None = None, use_calibrated: bool = True,
               parameter_draws: bool = True, recompute: bool = False,
               results_folder: str | Path | None = None):
    """A run of `scenario` to be stored in `out` (NetCDF) and recorded in the run catalogue of
    `results_folder` (default: `out`'s folder). An identical earlier request is served from the catalogue
    (copied to `out` when stored elsewhere); any change of scenario, parameter, seed, replicates, scale,
    data, version or model code is computed. `recompute` computes anyway and replaces the entry.

        r = api.stored_run("scenarios/jiangxi_baseline.yaml", "out/base.nc", replicates=20)
        got = r.result(workers=2)      # got.value: the Dataset; got.served: whether it was computed before"""
    from jobsim.model.experiments.ensemble import plan_ensemble
    from jobsim.model.experiments.stored import StoredRun
    from jobsim.model.inputs.scenario import Scenario
    from jobsim.model.inputs.scenario import load_scenario as _load_scenario

    if not isinstance(scenario, Scenario):
        scenario = _load_scenario(scenario)
    _check_run_numbers(replicates, seed, scale)
    p = plan_ensemble(scenario, replicates, seed, scale, use_calibrated, parameter_draws)
    return StoredRun(p, out, results_folder, recompute)


def stored_comparison(plan, out: str | Path, recompute: bool = False, results_folder: str | Path | None = None,
                      use_calibrated: bool = True, parameter_draws: bool = True):
    """The comparison of `plan` (api.plan_comparison) to be stored in `out` (NetCDF) and recorded in the run
    catalogue of `results_folder` (default: `out`'s folder): an identical earlier comparison (the same
    scenarios, seed, replicates, scale, parameters, data and code) is served from it instead of run again.

        plan = api.plan_comparison(["scenarios/jiangxi_baseline.yaml", "scenarios/jiangxi_more_posts.yaml"])
        got = api.stored_comparison(plan, "out/posts.nc").result(workers=2)   # got.value, got.served"""
    from jobsim.model.experiments.stored import StoredComparison

    return StoredComparison(plan, out, results_folder, recompute, use_calibrated, parameter_draws)


def for_plot(ds: xr.Dataset, quantiles: tuple[float, ...] = (0.1, 0.5, 0.9), lang: str = "en") -> xr.Dataset:
    """A result as planners plot it: each indicator by year (flows summed, rates averaged, stocks at
    December), at the quantiles of its replicates (dim `quantile`), in 万人 / 亿元 / % with `units` and
    `long_name` set, e.g. `api.for_plot(ds).new_urban_jobs.sel(area="Ganzhou", quantile=0.5).plot()`;
    `lang="zh"` labels in Chinese (see jobsim.model.outputs.display)."""
    from jobsim.model.outputs.display import for_plot as _for_plot

    return _for_plot(ds, quantiles=quantiles, lang=lang)


# ---- history, forecasts, calibration, back-tests (statsmodels and scipy load here, not at import) --


def history(region: str | None = None, indicator: str | list[str] | None = None,
            data_files: list[Path] | None = None) -> pd.DataFrame:
    """History rows with their sources (all regions, or one region and optionally some indicators);
    `data_files` are the user's own files in the history.csv schema, laid over the bundled rows."""
    from jobsim.model.inputs.history import history_for, load_history

    rows = load_history(extra_files=list(data_files) if data_files else None)
    return rows if region is None else history_for(region, indicator, history=rows)


def history_series(region: str, indicator: str, origin: int | None = None, data_files: list[Path] | None = None):
    """(series, extraction): the yearly or monthly series a forecast uses, and how it was extracted."""
    from jobsim.calibration.forecast import series_for

    return series_for(history(data_files=data_files), region, indicator, origin=origin)


def calibration_window(region: str, through: int | None = None, data_files: list[Path] | None = None) -> list[int]:
    """The history years a calibration of `region` simulates (the five ending at `through`, by default
    the last year with data before the baseline's first projected year)."""
    from jobsim.calibration.calibrate import calibration_window as _window

    return _window(region, through, history(data_files=data_files))


def calibration_moments(region: str, years: list[int], through: int | None = None,
                        data_files: list[Path] | None = None):
    """(moments, data vintage): what a calibration of `region` over `years` fits, with sources."""
    from jobsim.calibration.calibrate import build_moments

    return build_moments(region, years, through, history(data_files=data_files))


def calibrated_file(region: str, shipped: bool = False) -> Path:
    """The calibrated parameter file runs of `region` read: `calibrated/<region>.yaml` of the last user data
    folder that has one, else the shipped `calibration/params/<region>.yaml` (which may not exist). With
    `shipped`, the shipped file whatever the user folders hold."""
    from jobsim.model.inputs.parameters import calibrated_file_in_use, shipped_calibrated_file

    in_use = None if shipped else calibrated_file_in_use(region)
    return in_use if in_use is not None else shipped_calibrated_file(region)


def forecast(region: str, indicator: str, origin: int | None = None, horizon: int = 5,
             data_files: list[Path] | None = None):
    """The no-policy-change statistical forecast of one indicator (jobsim.calibration.forecast.Forecast)."""
    from jobsim.calibration.forecast import forecast_for
    from jobsim.model.inputs.history import load_history

    history = load_history(extra_files=list(data_files) if data_files else None)
    return forecast_for(region, indicator, origin=origin, horizon=horizon, history=history)


def gdp_growth_path(region: str, first_year: int, last_year: int) -> dict[int, float]:
    """{year: real GDP growth in percent}: the default path a run of `region` takes when its scenario gives
    none (history, then the statistical forecast; a city takes its province's). GrowthPathError names
    the years the path does not cover."""
    from jobsim.model.inputs.growth_paths import default_growth_path

    return default_growth_path(region, first_year, last_year)


def gdp_growth_path_table(region: str, first_year: int, last_year: int) -> pd.DataFrame:
    """The default path with its provenance: year, value (percent), region (whose path), basis, method, source."""
    import pandas as pd

    from jobsim.model.inputs.growth_paths import growth_path_years

    rows = growth_path_years(region, first_year, last_year)
    return pd.DataFrame([vars(r) for r in rows], columns=["year", "value", "region", "basis", "method", "source"])


def compute_growth_paths() -> pd.DataFrame:
    """The default growth paths recomputed from the history and the forecast (what the data file should hold)."""
    from jobsim.calibration.growth_paths import compute_growth_paths as _compute

    return _compute()


def write_growth_paths(path: str | Path | None = None) -> Path:
    """Recompute the default growth paths and write them (atomically; default: the bundled data file)."""
    from jobsim.calibration.growth_paths import write_growth_paths as _write

    return _write(Path(path) if path is not None else None)


def calibrate(region: str, through: int | None = None, data_files: list[Path] | None = None, **settings):
    """Fit the region's free parameters to its history (jobsim.calibration.calibrate.CalibrationResult)."""
    from jobsim.calibration.calibrate import calibrate as _calibrate

    return _calibrate(region, through=through, data_files=data_files, **settings)


def write_calibration(result, path: str | Path | None = None, replace: bool = False) -> Path:
    """Write a calibration result as a parameter file (atomically). A shipped file (in calibration/params/;
    also the default `path`) is only overwritten with `replace`: CalibrationError naming the path otherwise.
    To use a result in runs, write it to `<data folder>/calibrated/<region>.yaml` (`user_calibrated_file`)."""
    from jobsim.calibration.calibrate import write_result
    from jobsim.model.inputs.parameters import shipped_calibrated_file

    return write_result(result, Path(path) if path is not None else shipped_calibrated_file(result.region),
                        replace=replace)


def backtest(region: str, indicator: str, origins: list[int], horizon: int = 3, **settings):
    """Calibrate and forecast with data up to each origin and compare with what happened."""
    from jobsim.calibration.backtest import backtest as _backtest

    return _backtest(region, indicator, origins, horizon=horizon, **settings)


def targets_table(ds: xr.Dataset, scenario: Scenario) -> pd.DataFrame:
    """The scenario's targets evaluated against a run of it."""
    from jobsim.model.outputs.results import evaluate_targets

    return evaluate_targets(ds, scenario.target_list())


# ---- for the command line and the app ----------------------------------------------------------------
# The names a caller may choose (jobsim.model.inputs.choices), the data tables (inputs.catalogue) and the
# targets judged against a run (outputs.scenario_targets) are re-exported above; the front ends only
# render them. What follows are the few that compose layers (the forecast's own name resolution).


def error_kind(exc: BaseException) -> str | None:
    """How a front end should report `exc`: 'choice' (a name outside the allowed values), 'invalid' (an
    invalid scenario or data file, data that cannot support the request), or None (a failure of the program).

    jobsim's own errors (ScenarioError, data-file, forecast, calibration and back-test errors) are all
    about the caller's input; anything else raised from below is a failure of the program."""
    from jobsim.model.inputs.choices import ChoiceError

    if isinstance(exc, ChoiceError):
        return "choice"
    defined_by_jobsim = any(cls.__module__.startswith("jobsim.") for cls in type(exc).__mro__)
    return "invalid" if defined_by_jobsim else None


def check_forecast_choices(region: str, indicator: str, data_files: list[Path] | None = None) -> tuple[str, str]:
    """(region, indicator) as the forecast spells them (case and labels resolved); ChoiceError when the history
    has no such region or the registry no such indicator."""
    from jobsim.calibration.forecast import ForecastError, resolve_indicator, resolve_region
    from jobsim.model.inputs.choices import ChoiceError

    try:
        return resolve_region(history(data_files=data_files), region), resolve_indicator(indicator)
    except ForecastError as exc:
        raise ChoiceError(str(exc)) from None


def usable_series(region: str, origin: int | None = None, data_files: list[Path] | None = None) -> pd.DataFrame:
    """The series of `region` with enough points to forecast: indicator, freq ('Y' or 'M'), points."""
    from jobsim.calibration.forecast import resolve_region
    from jobsim.calibration.forecast import usable_series as _usable_series

    rows = history(data_files=data_files)
    return _usable_series(rows, resolve_region(rows, region), origin=origin)


def forecast_min_points() -> int:
    """The fewest usable points a series needs to be forecast."""
    from jobsim.calibration.forecast import MIN_POINTS

    return MIN_POINTS


# ---- before a run: its numbers, its cost, its outputs ------------------------------------------------


def _check_run_numbers(replicates: int | None, seed: int | None, scale: float | None) -> None:
    """ChoiceError for replicates, seed or scale a scenario file could not give (each when given)."""
    from jobsim.model.inputs.choices import check_replicates, check_scale, check_seed

    if replicates is not None:
        check_replicates(replicates)
    if seed is not None:
        check_seed(seed)
    if scale is not None:
        check_scale(scale)


def estimate_run(plan_or_scenario: EnsemblePlan | Scenario, replicates: int | None = None,
                 scale: float | None = None, workers: int = 1) -> RunEstimate:
    """What a run will cost, before it starts (jobsim.model.experiments.estimate.RunEstimate): agents per
    replicate, peak memory of all its processes, wall time, and the memory the machine has available."""
    from jobsim.model.experiments.estimate import estimate_run as _estimate_run

    return _estimate_run(plan_or_scenario, replicates=replicates, scale=scale, workers=workers)


def reserve_output(path: str | Path):
    """A context manager holding the write lock of output file `path` from now until its block ends (writes
    within it, `write_results` or `write_calibration`, use it); OutputBusyError at once when another process
    holds it, OSError when the folder cannot hold the lock file (a read-only or special filesystem)."""
    from jobsim.model.outputs.atomic import output_lock

    return output_lock(path)


def output_filesystem_problem(path: str | Path) -> str | None:
    """Why the folder of output file `path` cannot hold a result (it is on a kernel or device filesystem such
    as /proc or /sys), or None."""
    from jobsim.model.outputs.atomic import special_filesystem

    kind = special_filesystem(Path(path).parent)
    return None if kind is None else f"{Path(path).parent} is on a {kind} filesystem, which cannot hold files"
