"""Each indicator is defined once (model/outputs/indicators.py), and every path gives the same numbers.

- The published Dataset's yearly figures (`yearly`, region and cities) equal the calibration's fast
  path (`region_yearly`) and the yearly aggregation of the formulas' monthly arrays, for every
  modelled indicator of the registry.
- `evaluate_targets` judges the statistic a direct computation from the fast path gives.
- The definitions hold agent by agent on a small population (a province at 1 agent = 10,000 persons):
  stocks and rates recounted from the worker arrays, natural attrition from who left, job entries at
  least the workers who are now employed and were not.
- The fast path reproduces the values the pre-refactor fast path gave for one run
  (tests/fixtures/golden_calibration_path.npz, made by tests/fixtures/make_golden.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jobsim.model.core import agents as A
from jobsim.model.core.runspec import RunSpec
from jobsim.model.experiments.ensemble import plan_ensemble, replicate_seeds, run_plan, scenario_parameters
from jobsim.model.inputs.registry import lever_ids, modelled_indicators
from jobsim.model.inputs.regions import area_facts
from jobsim.model.inputs.scenario import load_scenario
from jobsim.model.inputs.targets import Target
from jobsim.model.inputs.units import to_base
from jobsim.model.outputs.dataset import run_dataset
from jobsim.model.outputs.indicators import (
    FORMULAS, MonthlySeries, monthly_indicators, region_years, region_yearly, yearly_by_kind,
)
from jobsim.model.outputs.labels import variable_kind
from jobsim.model.outputs.results import evaluate_targets, yearly

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures"
SAME = dict(rtol=1e-12, atol=0.0, equal_nan=True)  # "the same number": float summation order aside
REGION = "Jiangxi"
SMALL_SCALE = 8000  # persons per agent: about 3,000 worker agents for Jiangxi
REPLICATES = 2
HAND_COUNT_SCALE = 10_000  # about 2,500 agents: few enough to recount, enough for events every month
HAND_COUNT_MONTHS = 3
# The pre-refactor fast path's run (tests/fixtures/make_golden.py).
GOLDEN_SEED, GOLDEN_SCALE, GOLDEN_YEARS = 20240101, 8000, (2021, 2025)


def modelled_variables() -> list[str]:
    return sorted(set(modelled_indicators()["model_variable"]))


@pytest.fixture(scope="module")
def small_run(make_scenario):
    """A two-year Jiangxi ensemble (2 replicates) as published, and the same specs' recorders."""
    scenario = make_scenario(2021, 2022, seed=7)
    plan = plan_ensemble(scenario, replicates=REPLICATES, scale=SMALL_SCALE, use_calibrated=False)
    ds = run_plan(plan)
    recorders = []
    for spec in plan.specs:
        model = spec.build()
        model.run()
        recorders.append(model.recorder)
    return ds, recorders


def test_every_modelled_indicator_is_published(small_run):
    ds, _ = small_run
    missing = [v for v in modelled_variables() if v not in ds]
    assert not missing, f"registry indicators the Dataset lacks: {missing}"


@pytest.mark.parametrize("variable", modelled_variables())
def test_published_yearly_equals_the_calibration_fast_path(small_run, variable):
    ds, recorders = small_run
    published = yearly(ds)[variable].sel(area=REGION)
    for k, recorder in enumerate(recorders):
        fast = region_yearly(recorder, [variable])[variable]
        assert list(published["year"].values) == region_years(recorder)
        np.testing.assert_allclose(published.sel(replicate=k).values, fast, **SAME, err_msg=variable)


@pytest.mark.parametrize("variable", modelled_variables())
def test_published_yearly_equals_the_formulas_for_every_area(small_run, variable):
    ds, recorders = small_run
    published = yearly(ds)[variable]
    kind = variable_kind(variable)
    for k, recorder in enumerate(recorders):
        series = MonthlySeries(recorder)
        monthly = series.get(variable)
        np.testing.assert_array_equal(ds[variable].sel(replicate=k).values, monthly)  # the Dataset is the formulas
        assert list(ds["area"].values) == series.areas
        np.testing.assert_allclose(published.sel(replicate=k).transpose("year", "area").values,
                                   yearly_by_kind(monthly, kind), **SAME, err_msg=variable)


def test_region_rates_are_recomputed_from_summed_stocks_not_averaged(small_run):
    ds, _ = small_run
    month = ds.isel(replicate=0, time=-1)
    cities = month.sel(area=[a for a in ds["area"].values if a != REGION])
    u, e = cities["urban_unemployed"].sum("area"), cities["urban_employed"].sum("area")
    np.testing.assert_allclose(month["surveyed_unemployment_rate"].sel(area=REGION), u / (e + u), **SAME)
    r = cities["registered_unemployed"].sum("area")
    np.testing.assert_allclose(month["registered_unemployment_rate"].sel(area=REGION), r / (e + r), **SAME)
    np.testing.assert_allclose(month["new_urban_jobs"].sel(area=REGION),
                               (cities["urban_job_entries"] - cities["natural_attrition"]).sum("area"), **SAME)


def test_evaluate_targets_judges_the_directly_computed_statistic(small_run):
    ds, recorders = small_run
    fast = [region_yearly(r, ["new_urban_jobs", "surveyed_unemployment_rate", "urban_employed"]) for r in recorders]
    totals = np.array([f["new_urban_jobs"].sum() for f in fast]) / to_base(1.0, "10k persons")
    mean_rates = np.array([f["surveyed_unemployment_rate"].mean() for f in fast]) / to_base(1.0, "percent")
    end_levels = np.array([f["urban_employed"][-1] for f in fast]) / to_base(1.0, "10k persons")
    worst_rates = np.array([f["surveyed_unemployment_rate"].max() for f in fast]) / to_base(1.0, "percent")
    cases = [  # (target, the statistic per replicate, the value that splits the replicates)
        (dict(indicator="new_urban_jobs", basis="total", comparison=">=", unit="10k persons"), totals),
        (dict(indicator="surveyed_unemployment_rate", basis="year_mean", comparison="<=", unit="percent"), mean_rates),
        (dict(indicator="urban_employment", basis="end_level", comparison=">=", unit="10k persons"), end_levels),
        (dict(indicator="surveyed_unemployment_rate", basis="each_year", comparison="<=", unit="percent"), worst_rates),
    ]
    for kw, stat in cases:
        value = float(np.mean(stat))  # between the two replicates: one meets it, or both tie
        t = Target(area=REGION, start_year=2021, end_year=2022, value=value, **kw)
        row = evaluate_targets(ds, [t]).iloc[0]
        assert row["status"] == "evaluated", (kw, row["status"])
        expected_meets = stat >= value if kw["comparison"] == ">=" else stat <= value
        q10, q50, q90 = np.quantile(stat, [0.1, 0.5, 0.9])
        np.testing.assert_allclose([row["p10"], row["median"], row["p90"]], [q10, q50, q90], rtol=1e-12, err_msg=str(kw))
        assert row["probability"] == pytest.approx(expected_meets.mean(), abs=1e-12), kw


# --- the definitions, agent by agent ---------------------------------------------------------------

def _recount_month_end(model) -> dict[str, float]:
    """The region's month-end stocks and rates counted from the worker and firm arrays, in persons."""
    w, s = model.workers, model.scale
    urban = w.urban & (w.status != A.GONE)
    employed = np.isin(w.status, A.EMPLOYED_STATUSES)
    unemployed = w.status == A.UNEMPLOYED
    e, u = np.sum(urban & employed) * s, np.sum(urban & unemployed) * s
    r = np.sum(urban & unemployed & w.registered) * s
    vacancies, firm_jobs = float(np.sum(model.vacancies)) * s, np.sum(w.status == A.EMPLOYED_FIRM) * s
    return {
        "urban_employed": e, "urban_unemployed": u, "registered_unemployed": r,
        "surveyed_unemployment_rate": u / (e + u), "registered_unemployment_rate": r / (e + r),
        "vacancies": vacancies, "vacancy_rate": vacancies / (vacancies + firm_jobs),
        "trainees_in_training": np.sum(w.status == A.IN_TRAINING) * s,
    }


@pytest.mark.parametrize("seed", [0, 1])
def test_definitions_hold_agent_by_agent(make_model, seed):
    model = make_model(2021, 2021, scale=HAND_COUNT_SCALE, seed=seed)
    s = model.scale
    entries_seen = 0
    for month in range(HAND_COUNT_MONTHS):
        w = model.workers
        before = len(w.status)
        was_employed = np.isin(w.status, A.EMPLOYED_STATUSES)
        was_urban_employed = was_employed & w.urban
        model.step()
        w = model.workers
        published = run_dataset(model.recorder).isel(time=month).sel(area=REGION)
        for name, value in _recount_month_end(model).items():
            assert float(published[name]) == pytest.approx(value, rel=1e-12), (month, name)
        # Natural attrition: the urban employed of last month's end who retired or died this month
        # (exits come first in the month, so their status then is last month's).
        left = was_urban_employed & (w.status[:before] == A.GONE)
        assert float(published["natural_attrition"]) == np.sum(left) * s, month
        # Job entries are counted each time; at least everyone urban and employed now who was not.
        was = np.zeros(len(w.status), bool)
        was[:before] = was_employed
        newly = np.sum(w.urban & np.isin(w.status, A.EMPLOYED_STATUSES) & ~was) * s
        assert float(published["urban_job_entries"]) >= newly, month
        entries_seen += float(published["urban_job_entries"])
        assert float(published["new_urban_jobs"]) == float(published["urban_job_entries"]) - float(published["natural_attrition"])
    assert entries_seen > 0, "no job entry in the months recounted: the check would be empty"


def test_every_formula_names_recorded_series_or_other_formulas(small_run):
    _, recorders = small_run
    series = MonthlySeries(recorders[0])
    for name, formula in FORMULAS.items():
        for source in formula.inputs:
            assert source in FORMULAS or series.recorded(source) is not None, (name, source)
    with pytest.raises(KeyError, match="neither recorded nor an indicator formula"):
        series.get("no_such_series")


def test_yearly_by_kind_needs_whole_years():
    with pytest.raises(ValueError, match="not whole years"):
        yearly_by_kind(np.zeros(13), "flow")
    rates = np.r_[np.full(11, 0.05), np.nan, np.full(12, 0.07)]
    np.testing.assert_allclose(yearly_by_kind(rates, "rate"), [0.05, 0.07])  # a month without a value is left out
    np.testing.assert_array_equal(yearly_by_kind(np.arange(24.0), "stock"), [11.0, 23.0])
    np.testing.assert_array_equal(yearly_by_kind(np.ones(24), "flow"), [12.0, 12.0])


def test_monthly_indicators_region_only_is_the_region_row(small_run):
    ds, recorders = small_run
    region = monthly_indicators(recorders[0], ["new_urban_jobs", "surveyed_unemployment_rate"], region_only=True)
    for name, values in region.items():
        np.testing.assert_array_equal(values[:, 0], ds[name].sel(replicate=0, area=REGION).values)


# --- the pre-refactor fast path ---------------------------------------------------------------------

def test_fast_path_reproduces_the_pre_refactor_values():
    golden = np.load(FIXTURES / "golden_calibration_path.npz")
    scenario = load_scenario(ROOT / "scenarios" / "jiangxi_baseline.yaml")
    params = scenario_parameters(scenario, use_calibrated=False).values
    levers = {lever: scenario.lever_values(lever) for lever in lever_ids()}
    seed = replicate_seeds(GOLDEN_SEED, 1)[0]
    assert seed == int(golden["seed"])
    model = RunSpec(REGION, area_facts(REGION), *GOLDEN_YEARS, levers, params, seed=seed, scale=GOLDEN_SCALE).build()
    model.run()
    variables = [k for k in golden.files if k != "seed"]
    values = region_yearly(model.recorder, variables)
    for name in variables:
        np.testing.assert_allclose(values[name], golden[name], rtol=1e-12, atol=0.0, err_msg=name)
