"""Each indicator is defined once (model/outputs/indicators.py), and every path gives the same numbers.

- The published Dataset's yearly figures (`yearly`, region and cities) equal the calibration's fast
  path (`region_yearly`) and the yearly aggregation of the formulas' monthly arrays, for every
  modelled indicator of the registry.
- `evaluate_targets` judges the statistic a direct computation from the fast path gives.
- The definitions hold agent by agent on a small population (a province at 1 agent = 10,000 persons):
  stocks and rates recounted from the worker arrays, natural attrition from who left, job entries at
  least the workers who are now employed and were not, re-employment exactly the registered
  unemployed who found work; and on a tiny hand-built population (a dozen workers, two areas) whose
  every indicator is known by hand: jobs held, person-years, the four kinds of job entry, the
  surveyed rate's rule for interns and trainees, re-employment.
- Person-years employed are the mean of the month-end jobs held; the yearly surveyed rate is the
  mean of the monthly survey rates, not a rate of the registered unemployed.
- The fast path reproduces the reference values for one run (tests/fixtures/golden_calibration_path.npz,
  made by tests/fixtures/make_golden.py: first before the one-house refactor, regenerated for issue 9).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from jobsim.model.core import agents as A
from jobsim.model.core.accounting import HIRE_KINDS, MonthlyRecorder
from jobsim.model.core.model import LabourMarketModel
from jobsim.model.core.runspec import RunSpec
from jobsim.model.experiments.ensemble import plan_ensemble, replicate_seeds, run_plan, scenario_parameters
from jobsim.model.inputs.registry import lever_ids, modelled_indicators
from jobsim.model.inputs.growth_paths import default_growth_path
from jobsim.model.inputs.regions import area_facts
from jobsim.model.inputs.scenario import load_scenario
from jobsim.model.inputs.targets import Target
from jobsim.model.inputs.units import to_base
from jobsim.model.outputs.dataset import run_dataset
from jobsim.model.outputs.indicators import (
    FORMULAS, SURVEY_EMPLOYED_STATUSES, SURVEY_OUTSIDE_LABOUR_FORCE, SURVEY_UNEMPLOYED_STATUSES, MonthlySeries,
    monthly_indicators, region_years, region_yearly, yearly_by_kind,
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
# The reference fast-path run (tests/fixtures/make_golden.py).
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
    interns = cities["population_by_status"].sel(residence="urban", status="internship").sum("area")
    np.testing.assert_allclose(month["surveyed_unemployment_rate"].sel(area=REGION), u / (e + interns + u), **SAME)
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
    interns = np.sum(urban & (w.status == A.INTERNSHIP)) * s  # employed in the survey's sense
    r = np.sum(urban & unemployed & w.registered) * s
    vacancies, firm_jobs = float(np.sum(model.vacancies)) * s, np.sum(w.status == A.EMPLOYED_FIRM) * s
    held = (np.sum(employed) + np.sum(w.status == A.INTERNSHIP)) * s  # urban and rural residents; interns work
    return {
        "urban_employed": e, "urban_unemployed": u, "registered_unemployed": r,
        "surveyed_unemployment_rate": u / (e + interns + u), "registered_unemployment_rate": r / (e + r),
        "jobs_held": held, "person_years_employed": held / 12,
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
        was_registered = w.registered.copy()
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
        # Re-employment: exactly the registered unemployed (registered at the month's start: registration
        # is the month's last step) who are in work at its end -- not every job entry.
        registered_now_employed = was_registered & np.isin(w.status[:before], A.EMPLOYED_STATUSES)
        assert float(published["reemployment_of_unemployed"]) == np.sum(registered_now_employed) * s, month
        kinds = sum(float(published[k]) for k in HIRE_KINDS)
        assert kinds == float(published["urban_job_entries"]), month
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


# --- the reference fast path ------------------------------------------------------------------------

def test_fast_path_reproduces_the_reference_values():
    golden = np.load(FIXTURES / "golden_calibration_path.npz")
    scenario = load_scenario(ROOT / "scenarios" / "jiangxi_baseline.yaml")
    params = scenario_parameters(scenario, use_calibrated=False).values
    levers = {lever: scenario.lever_values(lever) for lever in lever_ids()}
    seed = replicate_seeds(GOLDEN_SEED, 1)[0]
    assert seed == int(golden["seed"])
    model = RunSpec(REGION, area_facts(REGION), *GOLDEN_YEARS, levers, params, seed=seed, scale=GOLDEN_SCALE,
                    gdp_real_growth_percent=default_growth_path(REGION, *GOLDEN_YEARS)).build()
    model.run()
    variables = [k for k in golden.files if k != "seed"]
    values = region_yearly(model.recorder, variables)
    for name in variables:
        np.testing.assert_allclose(values[name], golden[name], rtol=1e-12, atol=0.0, err_msg=name)


# --- a tiny hand-built population: every indicator known by hand ------------------------------------

TINY_SCALE = 2.0  # persons per agent
TINY_YEAR = 2021
JAN, FEB = TINY_YEAR * 12, TINY_YEAR * 12 + 1
_TINY_DEFAULTS = {
    "area": 0, "birth": 1990 * 12, "male": True, "urban": True, "skill": 0.5, "status": A.UNEMPLOYED,
    "since": 2020 * 12, "firm": -1, "until": A.NEVER, "post_kind": A.POST_NONE, "cert_draw": 0.5,
    "trained_until": A.NEVER, "entre_until": A.NEVER, "grad_month": A.NEVER, "search_mult": 1.0,
    "retire_month": 2060 * 12, "last_job_end": A.NEVER,
}  # every other column: 0 / False


def tiny_columns(rows: list[dict]) -> dict[str, np.ndarray]:
    return {name: np.array([r.get(name, _TINY_DEFAULTS.get(name, 0)) for r in rows], dtype=dtype)
            for name, dtype in A.WorkerPopulation.ARRAYS.items()}


class TinyWorld:
    """A dozen workers in two areas (A, B), moved by hand through `WorkerPopulation.transition` and
    recorded by the real `MonthlyRecorder`: the model's own accounting without its behaviour."""

    scale, first_year, region, area_ids, n_areas, n_months = TINY_SCALE, TINY_YEAR, "Tiny", ["A", "B"], 2, 12
    status_stocks = LabourMarketModel.status_stocks  # agents by (area, residence, status), as the model counts

    def __init__(self, rows: list[dict]):
        self.workers = A.WorkerPopulation(tiny_columns(rows), A.MonthCounters(self.n_areas))
        self.firms = SimpleNamespace(area=np.array([0, 1], np.int16))
        self.vacancies = np.array([2, 1], np.int64)  # month-end vacancies of the one firm in each area
        self._tallies: dict[str, np.ndarray] = {}
        self.market_searchers, self.market_vacancies, self.market_hires = np.zeros(2), np.zeros(2), np.zeros(2)
        self.recorder = MonthlyRecorder(self)

    def sync_vacancies(self) -> None:
        pass

    def month(self, moves=(), market=((0, 0), (0, 0), (0, 0))) -> None:
        """One month: reset the counters, make the moves (worker indices, destination[, programme]), set
        the market's (searchers, vacancies, hires) by area, record."""
        self.workers.counters.reset()
        month = JAN + self.recorder.t
        for move in moves:
            idx, destination, *programme = move
            self.workers.transition(np.atleast_1d(np.asarray(idx, np.int64)), destination, month, *programme)
        self.market_searchers[:], self.market_vacancies[:], self.market_hires[:] = (np.asarray(m, float) for m in market)
        self.recorder.record()


A_, B_ = 0, 1
FIRM, SELF, POST, U, TRAIN, INTERN, FARM, INACTIVE = (A.EMPLOYED_FIRM, A.SELF_EMPLOYED, A.SUBSIDISED_POST, A.UNEMPLOYED,
                                                      A.IN_TRAINING, A.INTERNSHIP, A.FARM, A.INACTIVE)
TINY_ROWS = [
    dict(area=A_, status=FIRM, firm=0),                               # 0  keeps a firm job
    dict(area=A_, status=FIRM, firm=0),                               # 1  laid off and re-hired in January; laid off in February
    dict(area=A_, registered=True, last_job_end=2020 * 12 + 5),       # 2  registered, left a job in 2020: hired in January (other)
    dict(area=A_),                                                    # 3  school leaver, never worked, not registered: first job
    dict(area=A_, registered=True, hard=True),                        # 4  registered hard-to-employ: public-welfare post
    dict(area=B_),                                                    # 5  youth intern from January
    dict(area=B_),                                                    # 6  off-the-job trainee from January
    dict(area=B_, registered=True),                                   # 7  stays unemployed, registered
    dict(area=B_, urban=False, status=FARM),                          # 8  farms
    dict(area=B_, urban=False, status=FIRM, firm=1),                  # 9  a rural resident in a firm job
    dict(area=B_, registered=True),                                   # 10 registered, starts a loan-backed business (programme)
    dict(area=A_, status=INACTIVE),                                   # 11 inactive
    dict(area=B_, status=SELF),                                       # 12 self-employed, retires in January
    dict(area=A_, grad_month=JAN),                                    # 13 graduate placed in a job on arrival
    dict(area=A_),                                                    # 14 stays unemployed, not registered
    dict(area=B_, urban=False, rural_origin=True, transfer_pending=True),  # 15 rural worker's first non-farm job (transfer)
    dict(area=B_, urban=False),                                       # 16 rural resident hired, no transfer: not an urban entry
]


@pytest.fixture()
def tiny() -> TinyWorld:
    world = TinyWorld(TINY_ROWS)
    world.month(moves=[(12, A.RETIRED), (1, U), (1, FIRM), (2, FIRM), (3, FIRM), (4, POST), (5, INTERN),
                       (6, TRAIN), (10, SELF, True), (13, FIRM), (15, FIRM), (16, FIRM)],
                market=((3, 5), (4, 1), (3, 2)))
    world.month(moves=[(1, U), (2, U), (2, FIRM)], market=((2, 3), (1, 1), (1, 1)))
    for _ in range(10):  # March to December: nobody moves
        world.month()
    return world


def _tiny(world: TinyWorld, name: str) -> np.ndarray:
    """(month, area) of the published variable: areas Tiny (the region), A, B."""
    return MonthlySeries(world.recorder).get(name)


# By hand, in agents, (region, A, B), for January and February (a month's end; from March on as February).
TINY_BY_HAND = {
    # employed: A 0,1,2,3,4(post),13; B 10(self),15 (now urban) -- and in jobs held also B 9, 16 (rural)
    # and the intern B 5 (paid work: employed by the survey's rule)
    "urban_employed": [(8, 6, 2), (7, 5, 2)],
    "jobs_held": [(11, 6, 5), (10, 5, 5)],
    "urban_unemployed": [(2, 1, 1), (3, 2, 1)],  # A 14 (+1 in February); B 7; the trainee and the intern are not
    "registered_unemployed": [(1, 0, 1), (1, 0, 1)],
    # entries: A 1 (re-hire), 2 (other), 3, 13 (first jobs), 4 (post); B 10 (loan start-up), 15 (first, transferred)
    "urban_job_entries": [(7, 5, 2), (1, 1, 0)],
    "hires_first_job": [(3, 2, 1), (0, 0, 0)],
    "hires_rehire_same_year": [(1, 1, 0), (1, 1, 0)],
    "hires_other": [(1, 1, 0), (0, 0, 0)],
    "programme_placements": [(2, 1, 1), (0, 0, 0)],
    "natural_attrition": [(1, 0, 1), (0, 0, 0)],
    "new_urban_jobs": [(6, 5, 1), (1, 1, 0)],
    "reemployment_of_unemployed": [(3, 2, 1), (0, 0, 0)],  # 2, 4, 10: the registered, not every entry
    "hard_to_employ_employed": [(1, 1, 0), (0, 0, 0)],
    "rural_labour_transferred": [(1, 0, 1), (0, 0, 0)],
    "trainees_in_training": [(1, 0, 1), (1, 0, 1)],
    "vacancies": [(3, 2, 1), (3, 2, 1)],
    "job_searchers": [(8, 3, 5), (5, 2, 3)],
    "market_vacancies": [(5, 4, 1), (2, 1, 1)],
    "hires": [(5, 3, 2), (2, 1, 1)],
}
# Survey rule: employed = urban employed + urban interns (B 5); the trainee (B 6) is outside the labour force.
TINY_SURVEYED = [(2 / (8 + 1 + 2), 1 / (6 + 1), 1 / (2 + 1 + 1)), (3 / (7 + 1 + 3), 2 / (5 + 2), 1 / (2 + 1 + 1))]
TINY_REGISTERED = [(1 / (8 + 1), 0 / 6, 1 / (2 + 1)), (1 / (7 + 1), 0 / 5, 1 / (2 + 1))]


def test_tiny_population_every_indicator_by_hand(tiny):
    for name, (jan, feb) in TINY_BY_HAND.items():
        expected = np.array([jan, *[feb] * 11] if name in ("urban_employed", "jobs_held", "urban_unemployed",
                                                          "registered_unemployed", "trainees_in_training", "vacancies")
                            else [jan, feb, *[(0, 0, 0)] * 10], float) * TINY_SCALE
        np.testing.assert_array_equal(_tiny(tiny, name), expected, err_msg=name)
    np.testing.assert_allclose(_tiny(tiny, "person_years_employed")[:2], np.array(TINY_BY_HAND["jobs_held"]) * TINY_SCALE / 12,
                               rtol=1e-15)
    np.testing.assert_allclose(_tiny(tiny, "surveyed_unemployment_rate")[:2], TINY_SURVEYED, rtol=1e-15)
    np.testing.assert_allclose(_tiny(tiny, "registered_unemployment_rate")[:2], TINY_REGISTERED, rtol=1e-15)
    kinds = sum(_tiny(tiny, k) for k in HIRE_KINDS)
    np.testing.assert_array_equal(kinds, _tiny(tiny, "urban_job_entries"))


def test_tiny_primary_share_is_farm_workers_over_all_employed(tiny):
    """Worker 8 farms (B); jobs held are (11, 6, 5) agents in January and (10, 5, 5) from February: the share is
    farm workers over jobs held plus farm workers, by area and for the region from the summed stocks."""
    by_hand = np.array([(1 / 12, 0 / 6, 1 / 6), *[(1 / 11, 0 / 5, 1 / 6)] * 11])
    np.testing.assert_allclose(_tiny(tiny, "employment_share_primary"), by_hand, rtol=1e-15)
    y = region_yearly(tiny.recorder, ["employment_share_primary"])
    assert y["employment_share_primary"][0] == pytest.approx((1 / 12 + 11 * (1 / 11)) / 12, rel=1e-15)  # the months' mean


def test_tiny_population_churn_counts_as_new_jobs_but_not_as_jobs_held(tiny):
    """Over the year: 8 urban job entries less 1 retirement = 7 new urban jobs (14 persons); jobs held
    went from 4 to 10 agents (the intern included). Worker 1's and 2's same-year re-hires are counted
    without a job more."""
    y = region_yearly(tiny.recorder, ["new_urban_jobs", "jobs_held", "hires_rehire_same_year", "person_years_employed"])
    assert y["new_urban_jobs"][0] == 7 * TINY_SCALE
    assert y["jobs_held"][0] == 10 * TINY_SCALE  # December's level
    assert y["hires_rehire_same_year"][0] == 2 * TINY_SCALE
    assert y["person_years_employed"][0] == pytest.approx((11 + 11 * 10) / 12 * TINY_SCALE, rel=1e-15)


def test_tiny_yearly_surveyed_rate_is_the_survey_mean_not_the_registered(tiny):
    """A year's surveyed rate is the mean of the twelve monthly survey rates (survey unemployed over the
    survey's labour force); computed from the registered unemployed it would be about half as high."""
    y = region_yearly(tiny.recorder, ["surveyed_unemployment_rate", "registered_unemployment_rate"])
    surveyed = (TINY_SURVEYED[0][0] + 11 * TINY_SURVEYED[1][0]) / 12
    from_registered = (TINY_REGISTERED[0][0] + 11 * TINY_REGISTERED[1][0]) / 12
    assert y["surveyed_unemployment_rate"][0] == pytest.approx(surveyed, rel=1e-15)
    assert y["registered_unemployment_rate"][0] == pytest.approx(from_registered, rel=1e-15)
    assert abs(y["surveyed_unemployment_rate"][0] - from_registered) > 0.1


def test_the_survey_rule_places_every_status_once():
    """Employed (firm, self-employed, subsidised post, internship), unemployed, or outside the labour
    force (on a course, inactive), or rural farm work (outside the urban survey): each status once."""
    groups = [set(SURVEY_EMPLOYED_STATUSES), set(SURVEY_UNEMPLOYED_STATUSES), set(SURVEY_OUTSIDE_LABOUR_FORCE), {A.FARM}]
    assert sorted(s for g in groups for s in g) == list(range(A.N_STATUS))
    assert A.INTERNSHIP in SURVEY_EMPLOYED_STATUSES and A.IN_TRAINING in SURVEY_OUTSIDE_LABOUR_FORCE
    assert A.INTERNSHIP not in A.EMPLOYED_STATUSES  # an internship is no job entry of new urban jobs


# --- a real run: net and gross, and the surveyed rate's yearly mean ------------------------------------

def test_person_years_are_the_mean_of_month_end_jobs_held(small_run):
    ds, _ = small_run
    y = yearly(ds)
    held = ds["jobs_held"]
    employed = ds["population_by_status"].sel(status=[A.STATUS_NAMES[i] for i in (*A.EMPLOYED_STATUSES, A.INTERNSHIP)])
    np.testing.assert_array_equal(held.values, employed.sum(["residence", "status"]).transpose(*held.dims).values)
    mean_held = held.groupby("time.year").mean("time").transpose(*y["person_years_employed"].dims)
    np.testing.assert_allclose(y["person_years_employed"].values, mean_held.values, rtol=1e-12)
    np.testing.assert_array_equal(y["jobs_held"].values, held.groupby("time.year").last().transpose(*y["jobs_held"].dims).values)
    assert y["person_years_employed"].attrs["cell_methods"] == "year: sum"
    assert y["jobs_held"].attrs["cell_methods"] == "year: point"


def test_yearly_surveyed_rate_is_the_mean_survey_rate_not_the_registered(small_run):
    ds, _ = small_run
    p = ds["population_by_status"].sel(residence="urban")
    u = p.sel(status="unemployed")
    e = p.sel(status=[A.STATUS_NAMES[i] for i in SURVEY_EMPLOYED_STATUSES]).sum("status")
    surveyed = (u / (e + u)).groupby("time.year").mean("time")
    y = yearly(ds)["surveyed_unemployment_rate"]
    np.testing.assert_allclose(y.values, surveyed.transpose(*y.dims).values, rtol=1e-12)
    # The region's (a small city at this scale may have as many registered as surveyed unemployed).
    r, e_reg = ds["registered_unemployed"].sel(area=REGION), ds["urban_employed"].sel(area=REGION)
    from_registered = (r / (e_reg + r)).groupby("time.year").mean("time")
    gap = y.sel(area=REGION) - from_registered.transpose(*y.sel(area=REGION).dims)
    assert np.all(np.abs(gap.values) > 1e-3), "the surveyed rate is a rate of the registered unemployed"


def test_gross_and_net_variables_reach_yearly_and_the_plots(small_run):
    from jobsim.model.outputs.display import for_plot

    ds, _ = small_run
    y, view = yearly(ds), for_plot(ds)
    for name in ("urban_employed", "jobs_held", "person_years_employed", *HIRE_KINDS, "job_searchers",
                 "market_vacancies", "hires"):
        assert name in y and name in view, name
    assert view["person_years_employed"].attrs["units"] == "10k person-years"
    np.testing.assert_allclose(view["jobs_held"].sel(quantile=0.5).values,
                               y["jobs_held"].median("replicate").transpose(*view["jobs_held"].sel(quantile=0.5).dims).values / 1e4,
                               rtol=1e-12)
