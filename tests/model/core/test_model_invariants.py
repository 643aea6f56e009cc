"""Accounting invariants of the model's output Dataset (model/accounting.py, model/agents.py).

Every check is exact where the quantities are counts of agents: persons are integer multiples of the
scale, held in float64 far below 2**53, so sums and differences of them are exact and compared with
np.array_equal. Yuan tallies (loans, spending) are compared with a relative tolerance of 1e-12
because the region's total and a sum over cities add floats in different orders.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from jobsim.model.core import agents as A
from jobsim.model.inputs.regions import cities_of, get_region

BASELINE_SCALE = 4000  # persons per agent of the `baseline_ds` fixture (conftest.py)
JIANGXI_CITIES = list(cities_of("Jiangxi"))

EMPLOYED = [A.STATUS_NAMES[i] for i in A.EMPLOYED_STATUSES]
# Employed in the labour-force survey's sense: also youth interns (docs/methodology.md, "How the
# surveyed rate counts programme participants"); trainees on a course are outside the labour force.
SURVEY_EMPLOYED = EMPLOYED + ["internship"]
STATUSES = list(A.STATUS_NAMES)
NON_EMPLOYED_SOURCES = [s for s in A.SOURCE_NAMES if s not in EMPLOYED]  # includes "entry"
RATES = ("surveyed_unemployment_rate", "registered_unemployment_rate", "vacancy_rate", "vacancies_per_job_seeker",
         "employment_share_primary")
YUAN = tuple(["guaranteed_loans_issued_yuan"] + [f"spending_{p}_yuan" for p in (
    "training", "loans", "public_welfare_posts", "internships", "grassroots", "unemployment_insurance")])
# Not counts of agents: person-years are month-end persons / 12 (a city's and the region's round apart).
NOT_COUNTS = ("person_years_employed",)
PERSON_VARIABLES = (
    "new_urban_jobs", "urban_job_entries", "natural_attrition", "urban_employed", "urban_unemployed",
    "registered_unemployed", "reemployment_of_unemployed", "hard_to_employ_employed", "rural_labour_transferred",
    "trainees_started", "entrepreneurship_trainees_started", "startup_jobs", "posts_filled", "internships_started",
    "grassroots_started", "ui_recipients", "ui_insured", "vacancies", "trainees_in_training",
    "population_by_status", "status_flows", "initial_population_by_status",
)

RUNS = {
    "baseline_ds": BASELINE_SCALE,  # Jiangxi: the province and 11 cities
    "single_area_ds": 500,  # Fuzhou: a region simulated as a single area
}


@pytest.fixture(params=list(RUNS))
def run(request) -> tuple[xr.Dataset, float]:
    return request.getfixturevalue(request.param), RUNS[request.param]


def previous_stock(ds: xr.Dataset) -> xr.DataArray:
    """Persons by (replicate, time, area, status) at the start of each month (summed over residence)."""
    now = ds["population_by_status"].sum("residence")
    initial = ds["initial_population_by_status"].sum("residence").expand_dims(time=ds["time"].values[:1])
    before = now.isel(time=slice(None, -1)).assign_coords(time=ds["time"].values[1:])
    return xr.concat([initial, before], dim="time").transpose(*now.dims)


def stock_residual(ds: xr.DataArray) -> xr.DataArray:
    """stock(t) - (stock(t-1) + inflows(t) - outflows(t)), per replicate, month, area and status (persons)."""
    flows = ds["status_flows"]
    inflow = flows.sel(to_status=STATUSES).sum("from_status").rename(to_status="status")
    outflow = flows.sel(from_status=STATUSES).sum("to_status").rename(from_status="status")
    now = ds["population_by_status"].sum("residence")
    return now - (previous_stock(ds) + inflow - outflow)


def is_multiple_of(x, scale: float) -> bool:
    q = np.asarray(x, dtype=np.float64) / scale
    return bool(np.all(np.isfinite(q)) and np.all(q == np.round(q)))


def cities(ds: xr.Dataset) -> list[str]:
    return [str(a) for a in ds["area"].values[1:]]


# --- persons conserved ----------------------------------------------------------------------------

def test_persons_conserved_every_month_in_the_region(run):
    """Province (or single-area region): stock(t) = stock(t-1) + inflows - outflows, exactly, per status."""
    ds, _ = run
    region = str(ds["area"].values[0])
    residual = stock_residual(ds).sel(area=region)
    assert residual.sizes["time"] == ds.sizes["time"]
    assert np.array_equal(residual.values, np.zeros_like(residual.values)), (
        f"persons not conserved in {region}: max |residual| {float(abs(residual).max())}")


def test_persons_conserved_every_month_in_a_single_area_region(single_area_ds):
    residual = stock_residual(single_area_ds)
    assert np.array_equal(residual.values, np.zeros_like(residual.values))


def test_persons_conserved_every_month_in_every_city(baseline_ds):
    """Every city on its own: a worker hired by a firm in another city must not leave the home city's
    stocks without a recorded flow (regression: LabourMarketModel._hire used to move the worker's area
    after recording the hire in the home city)."""
    residual = stock_residual(baseline_ds).sel(area=cities(baseline_ds))
    bad = residual.where(residual != 0, drop=True)
    assert np.array_equal(residual.values, np.zeros_like(residual.values)), (
        f"persons not conserved: {int((residual != 0).sum())} (replicate, month, city, status) cells; "
        f"cities {sorted(set(bad['area'].values.tolist()))}")


def test_counts_are_whole_agents_and_non_negative(run):
    ds, scale = run
    for name in PERSON_VARIABLES:
        values = ds[name].values
        assert is_multiple_of(values, scale), f"{name} is not a multiple of the scale {scale}"
        if name != "new_urban_jobs":  # a net flow; may be negative in a month
            assert (values >= 0).all(), f"{name} has negative values"
    assert float(ds.attrs["scale"]) == scale


def test_flow_matrix_shape_and_impossible_flows(run):
    ds, _ = run
    flows = ds["status_flows"]
    assert list(flows["from_status"].values) == STATUSES + ["entry"]
    assert list(flows["to_status"].values) == STATUSES + ["retired", "died", "migrated_out"]
    # New entrants start searching or farming, never employed, retired or dead; rural school leavers who
    # go to work outside the province enter and leave at once (entry -> migrated_out).
    entry = flows.sel(from_status="entry")
    assert float(entry.sel(to_status=["retired", "died"]).sum()) == 0
    assert float(entry.sel(to_status=["unemployed", "farm"]).sum()) > 0
    # Only farm workers and school leavers migrate out (as rural transfers); everybody can die.
    assert float(flows.sel(from_status=[s for s in STATUSES if s != "farm"], to_status="migrated_out").sum()) == 0
    assert float(flows.sel(to_status="died").sum()) > 0


# --- new urban jobs --------------------------------------------------------------------------------

def test_new_urban_jobs_is_entries_minus_attrition(run):
    ds, _ = run
    assert np.array_equal(ds["new_urban_jobs"].values,
                          (ds["urban_job_entries"] - ds["natural_attrition"]).values)
    assert float(ds["urban_job_entries"].sum()) > 0
    assert float(ds["natural_attrition"].sum()) > 0


def test_urban_job_entries_within_what_the_flow_matrix_allows(run):
    """Entries into employment from a non-employed status (or as a new entrant) include rural residents'
    entries, which are not urban job entries: flow-matrix entries >= urban job entries, every cell."""
    ds, _ = run
    # Cities count urban job entries where the job is and flows where the worker lives, so the bound
    # holds for the region as a whole (its first area), where both count the same people.
    ds = ds.isel(area=[0])
    flows = ds["status_flows"]
    into_jobs = flows.sel(from_status=NON_EMPLOYED_SOURCES, to_status=EMPLOYED).sum(["from_status", "to_status"])
    slack = into_jobs - ds["urban_job_entries"]
    assert float(slack.min()) >= 0, f"urban job entries exceed the flow matrix by {-float(slack.min())} persons"
    # Moves between employed statuses (e.g. a post holder placed in a public-sector job) are not entries.
    assert float(flows.sel(from_status=EMPLOYED, to_status=EMPLOYED).sum()) >= 0
    # Re-employment and hard-to-employ placements are entries into work too.
    for name in ("reemployment_of_unemployed", "hard_to_employ_employed"):
        assert float((into_jobs - ds[name]).min()) >= 0, name


def test_natural_attrition_within_exits_of_the_employed(run):
    ds, _ = run
    ds = ds.isel(area=[0])  # counted where the job is: the bound holds for the region (see above)
    exits = ds["status_flows"].sel(from_status=EMPLOYED, to_status=["retired", "died"]).sum(["from_status", "to_status"])
    assert float((exits - ds["natural_attrition"]).min()) >= 0


def test_rural_transfers_within_the_flow_matrix(run):
    """Leaving the province counts at once (farm workers, and rural school leavers who never farm);
    staying counts when hired: out-migrants <= transfers <= out-migrants + entries into work."""
    ds, _ = run
    flows = ds["status_flows"]
    out = flows.sel(from_status=["farm", "entry"], to_status="migrated_out").sum("from_status")
    into_jobs = flows.sel(from_status=NON_EMPLOYED_SOURCES, to_status=EMPLOYED).sum(["from_status", "to_status"])
    transferred = ds["rural_labour_transferred"]
    assert float((transferred - out).min()) >= 0
    assert float((out + into_jobs - transferred).min()) >= 0


# --- stocks and rates -------------------------------------------------------------------------------

def test_urban_stocks_are_the_population_table(run):
    ds, _ = run
    urban = ds["population_by_status"].sel(residence="urban")
    assert np.array_equal(ds["urban_employed"].values, urban.sel(status=EMPLOYED).sum("status").values)
    assert np.array_equal(ds["urban_unemployed"].values, urban.sel(status="unemployed").values)
    assert float((ds["urban_unemployed"] - ds["registered_unemployed"]).min()) >= 0, \
        "more registered urban unemployed than urban unemployed"


def test_rates_equal_their_recomputation_from_stocks(run):
    ds, _ = run
    urban = ds["population_by_status"].sel(residence="urban")
    employed = urban.sel(status=EMPLOYED).sum("status")
    survey_employed = urban.sel(status=SURVEY_EMPLOYED).sum("status")
    unemployed = urban.sel(status="unemployed")
    registered = ds["registered_unemployed"]
    np.testing.assert_array_equal(ds["surveyed_unemployment_rate"].values,
                                  (unemployed / (survey_employed + unemployed)).values)
    np.testing.assert_array_equal(ds["registered_unemployment_rate"].values, (registered / (employed + registered)).values)
    vac = ds["vacancies"]
    firm_jobs = ds["population_by_status"].sel(status="employed_firm").sum("residence")
    np.testing.assert_array_equal(ds["vacancy_rate"].values, (vac / (vac + firm_jobs)).values)
    assert float((ds["surveyed_unemployment_rate"] - ds["registered_unemployment_rate"]).min()) >= 0
    for rate in RATES:
        if rate == "vacancies_per_job_seeker":  # a ratio of two counts, not a share
            assert float(ds[rate].min()) >= 0, rate
            continue
        assert float(ds[rate].min()) >= 0 and float(ds[rate].max()) <= 1, rate


def test_cities_add_up_to_the_region(baseline_ds):
    ds = baseline_ds
    assert cities(ds) == JIANGXI_CITIES and len(JIANGXI_CITIES) == 11
    checked = 0
    for name, da in ds.data_vars.items():
        if "area" not in da.dims or name in RATES:
            continue
        region, total = da.sel(area="Jiangxi").values, da.sel(area=JIANGXI_CITIES).sum("area").values
        if name in YUAN or name in NOT_COUNTS:
            np.testing.assert_allclose(region, total, rtol=1e-12, atol=1e-6, err_msg=name)
        else:
            assert np.array_equal(region, total), f"{name}: the cities do not add up to Jiangxi"
        checked += 1
    assert checked >= len(PERSON_VARIABLES) + len(YUAN) - 1


def test_region_rates_recomputed_from_summed_stocks_not_averaged(baseline_ds):
    ds = baseline_ds
    urban = ds["population_by_status"].sel(residence="urban", area=JIANGXI_CITIES).sum("area")
    employed = urban.sel(status=EMPLOYED).sum("status")
    survey_employed = urban.sel(status=SURVEY_EMPLOYED).sum("status")
    unemployed = urban.sel(status="unemployed")
    registered = ds["registered_unemployed"].sel(area=JIANGXI_CITIES).sum("area")
    surveyed = ds["surveyed_unemployment_rate"].sel(area="Jiangxi")
    np.testing.assert_allclose(surveyed.values, (unemployed / (survey_employed + unemployed)).values, rtol=1e-14)
    np.testing.assert_allclose(ds["registered_unemployment_rate"].sel(area="Jiangxi").values,
                               (registered / (employed + registered)).values, rtol=1e-14)
    # The farm share likewise: the cities' farm workers over the cities' farm workers and jobs held.
    farm = ds["population_by_status"].sel(status="farm", area=JIANGXI_CITIES).sum(["area", "residence"])
    jobs = ds["jobs_held"].sel(area=JIANGXI_CITIES).sum("area")
    np.testing.assert_allclose(ds["employment_share_primary"].sel(area="Jiangxi").values,
                               (farm / (jobs + farm)).values, rtol=1e-14)
    # ... and not the plain mean of the cities' rates (cities differ in size).
    city_mean = ds["surveyed_unemployment_rate"].sel(area=JIANGXI_CITIES).mean("area")
    assert float(abs(surveyed - city_mean).max()) > 1e-4


# --- the Dataset's shape -----------------------------------------------------------------------------

def test_dataset_coordinates(baseline_ds, baseline_scenario):
    ds = baseline_ds
    assert list(ds["area"].values) == ["Jiangxi"] + list(cities_of("Jiangxi"))
    expected = pd.date_range(f"{baseline_scenario.period.first_year}-01-01",
                             f"{baseline_scenario.period.last_year}-12-01", freq="MS")
    assert pd.DatetimeIndex(ds["time"].values).equals(expected)
    assert list(ds["replicate"].values) == [0, 1]
    assert list(ds["residence"].values) == ["rural", "urban"]
    assert list(ds["status"].values) == STATUSES


def test_initial_population_matches_the_cities_facts():
    """The population is built from each city's facts: its urban employed persons are the city's figure up
    to the stochastic rounding of its three employed groups (firm, self-employed, posts) to whole agents.
    (A run's recorded initial table is the state after the warm-up, so the builder is checked directly.)"""
    from jobsim.model.core.population import build_population
    from jobsim.model.inputs.parameters import load_parameters
    from jobsim.model.inputs.regions import area_facts
    params = dict(load_parameters("Jiangxi", use_calibrated=False, as_of=2021).values)
    workers, _, _ = build_population(tuple(area_facts("Jiangxi")), BASELINE_SCALE, params, 2021 * 12,
                                     np.random.default_rng(7))
    for ai, city in enumerate(JIANGXI_CITIES):
        in_city = (workers.area == ai) & workers.urban & np.isin(workers.status, list(A.EMPLOYED_STATUSES))
        built = int(in_city.sum()) * BASELINE_SCALE
        fact = get_region(city).value("urban_employed")
        assert abs(built - fact) < 3 * BASELINE_SCALE, (city, built, fact)


# --- plausibility of the bundled baseline (before calibration) -------------------------------------------

@pytest.fixture(scope="module")
def plausibility_ds(baseline_scenario) -> xr.Dataset:
    """The bundled Jiangxi baseline, bundled (uncalibrated) parameters, 5 replicates at 2000 persons per agent."""
    from jobsim.model.experiments.ensemble import run_scenario
    return run_scenario(baseline_scenario, replicates=5, scale=2000, use_calibrated=False)


def test_baseline_new_urban_jobs_are_plausible(plausibility_ds):
    """Jiangxi's yearly new urban jobs, median over replicates, within 30-70万 every year (the province
    reported about 40-50万 a year in 2016-2020)."""
    from jobsim.model.outputs.results import yearly
    jobs = yearly(plausibility_ds)["new_urban_jobs"].sel(area="Jiangxi").median("replicate") / 1e4
    for year, value in zip(jobs["year"].values, jobs.values):
        assert 30 <= value <= 70, f"{year}: {value:.1f}万 new urban jobs"


def test_baseline_surveyed_unemployment_is_plausible(plausibility_ds):
    """Jiangxi's yearly mean surveyed unemployment rate, median over replicates, within 3-8% every year."""
    from jobsim.model.outputs.results import yearly
    rate = yearly(plausibility_ds)["surveyed_unemployment_rate"].sel(area="Jiangxi").median("replicate") * 100
    for year, value in zip(rate["year"].values, rate.values):
        assert 3 <= value <= 8, f"{year}: {value:.2f}%"


# --- natural attrition of business owners -----------------------------------------------------------------

def _urban_employed_agents(model) -> int:
    w = model.workers
    return int((np.isin(w.status, A.EMPLOYED_STATUSES) & w.urban).sum())


def test_business_owners_who_retire_are_natural_attrition(make_model):
    """Owners of loan-backed businesses made to reach retirement age next month leave as retirements of the
    employed: flows self_employed -> retired, counted in natural attrition."""
    model = make_model(2021, 2021, scale=5000, seed=0)
    for _ in range(6):
        model.step()
    w = model.workers
    owners = np.flatnonzero((w.status == A.SELF_EMPLOYED) & (w.firm >= 0) & w.urban)
    assert len(owners) > 0 and model.firms.loan_backed[w.firm[owners]].all()
    w.retire_month[owners] = model.month + 1
    model.step()
    t = model.recorder.t - 1  # the month just recorded (agents, before scaling)
    flows = model.recorder.flows[t]
    assert np.all(w.status[owners] == A.GONE)
    assert int(flows[:, A.SELF_EMPLOYED, A.RETIRED].sum()) >= len(owners), "owners did not retire from self-employment"
    assert int(flows[:, A.UNEMPLOYED, A.RETIRED].sum()) == 0
    assert int(model.recorder.counters["natural_attrition"][t].sum()) >= len(owners)


def test_if_everybody_dies_natural_attrition_is_all_the_urban_employed(make_model):
    """Mortality of 100% for one month: natural attrition equals the urban employed at the start of the month."""
    model = make_model(2021, 2021, scale=5000, seed=1)
    for _ in range(6):
        model.step()
    employed = _urban_employed_agents(model)
    model.p["mortality_rate_per_year"] = 12.0  # probability 1 this month
    model.step()
    assert int(model.recorder.counters["natural_attrition"][model.recorder.t - 1].sum()) == employed


def test_a_finished_model_is_freed():
    """Mesa 3.3 keeps a class-level counter per model; `run()` releases it so that thousands of
    calibration runs do not pile up in memory (they did, 1.5 GB per worker, before the fix)."""
    import gc
    import weakref

    from jobsim.model.core.runspec import RunSpec
    from jobsim.model.inputs.parameters import load_parameters
    from jobsim.model.inputs.growth_paths import default_growth_path
    from jobsim.model.inputs.regions import area_facts
    from jobsim.model.inputs.registry import lever_ids
    from jobsim.model.inputs.scenario import load_scenario

    s = load_scenario(Path(__file__).resolve().parents[3] / "scenarios" / "jiangxi_baseline.yaml")
    levers = {lever: s.lever_values(lever) for lever in lever_ids()}
    m = RunSpec("Jiangxi", area_facts("Jiangxi"), 2021, 2021, levers,
                load_parameters("Jiangxi", use_calibrated=False).values, seed=1, scale=50_000,
                gdp_real_growth_percent=default_growth_path("Jiangxi", 2021, 2021)).build()
    m.run()
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is None
