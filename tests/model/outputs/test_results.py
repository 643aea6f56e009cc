"""Reading results (model/outputs/results.py): yearly figures by indicator kind and target evaluation.

A small synthetic Dataset with known monthly values gives exact expectations; the same rules are then
checked against a manual computation on a real model run. Targets are judged as planners read them
(docs/methodology.md, "Reading targets"): '控制在5.5%左右' is a ceiling that 4.96% meets and 5.6% does not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from jobsim.model.inputs.registry import modelled_indicators
from jobsim.model.outputs.results import (
    default_tolerance,
    evaluate_targets,
    target_met,
    variable_kinds,
    yearly,
    yearly_summary,
)
from jobsim.model.inputs.targets import Target, target_set

TIME = pd.date_range("2021-01-01", periods=24, freq="MS")
AREAS = ["Region", "CityA", "CityB"]
# New urban jobs per month (persons) by replicate and year: yearly 12/12, 48/6 and 36/36 万.
MONTHLY_JOBS = {0: (1e4, 1e4), 1: (4e4, 0.5e4), 2: (3e4, 3e4)}


@pytest.fixture(scope="module")
def synthetic() -> xr.Dataset:
    n_rep, n_t, n_a = 3, len(TIME), len(AREAS)
    jobs = np.zeros((n_rep, n_t, n_a))
    for r, (y1, y2) in MONTHLY_JOBS.items():
        jobs[r, :12, :] = y1
        jobs[r, 12:, :] = y2
    # A stock that grows by 1000 persons a month from 1e6 + 1e5 x replicate.
    employed = (1e6 + 1e5 * np.arange(n_rep)[:, None, None] + 1000 * np.arange(n_t)[None, :, None]) * np.ones((1, 1, n_a))
    # A rate alternating around 5% + 1 point per replicate in 2022, flat 5% in 2021.
    rate = np.full((n_rep, n_t, n_a), 0.05)
    wiggle = np.where(np.arange(12) % 2 == 0, -0.01, 0.01)
    rate[:, 12:, :] = 0.05 + 0.01 * np.arange(n_rep)[:, None, None] + wiggle[None, :, None]
    dims = ("replicate", "time", "area")
    return xr.Dataset(
        {"new_urban_jobs": (dims, jobs), "urban_employed": (dims, employed),
         "surveyed_unemployment_rate": (dims, rate), "not_registered": (dims, np.ones((n_rep, n_t, n_a)))},
        coords={"replicate": np.arange(n_rep), "time": TIME, "area": AREAS},
        attrs={"seed": 1},
    )


def target(**kw) -> Target:
    base = dict(indicator="new_urban_jobs", area="Region", start_year=2021, end_year=2022, basis="total",
                comparison=">=", value=40, unit="10k persons")
    base.update(kw)
    return Target(**base)


def evaluated(ds: xr.Dataset, t: Target) -> pd.Series:
    return evaluate_targets(ds, [t]).iloc[0]


# --- yearly -------------------------------------------------------------------------------------------

def test_yearly_sums_flows_averages_rates_takes_stocks_at_year_end(synthetic):
    y = yearly(synthetic)
    assert list(y["year"].values) == [2021, 2022]
    assert set(y["new_urban_jobs"].dims) == {"replicate", "year", "area"}
    jobs = y["new_urban_jobs"].sel(area="Region")
    for r, (m1, m2) in MONTHLY_JOBS.items():
        assert float(jobs.sel(replicate=r, year=2021)) == pytest.approx(12 * m1)
        assert float(jobs.sel(replicate=r, year=2022)) == pytest.approx(12 * m2)
    # Stocks: December's level, not the mean or January's.
    emp = y["urban_employed"].sel(area="CityA", replicate=1)
    assert float(emp.sel(year=2021)) == 1e6 + 1e5 + 1000 * 11
    assert float(emp.sel(year=2022)) == 1e6 + 1e5 + 1000 * 23
    # Rates: the mean of the months.
    rate = y["surveyed_unemployment_rate"].sel(area="CityB")
    np.testing.assert_allclose(rate.sel(year=2021).values, [0.05] * 3)
    np.testing.assert_allclose(rate.sel(year=2022).values, [0.05, 0.06, 0.07])
    # Variables that are not registered indicators are left out; attributes are kept.
    assert "not_registered" not in y
    assert y.attrs == synthetic.attrs


def test_yearly_on_a_model_run_matches_a_manual_computation(baseline_ds):
    y = yearly(baseline_ds)
    kinds = variable_kinds()
    years = baseline_ds["time"].dt.year.values
    checked = set()
    for name, kind in kinds.items():
        if name not in baseline_ds:
            continue
        da = baseline_ds[name]
        for year in np.unique(years):
            months = da.isel(time=np.flatnonzero(years == year))
            if kind == "flow":
                expected = months.sum("time")
            elif kind == "rate":
                expected = months.mean("time")
            else:
                assert kind == "stock"
                expected = months.isel(time=-1)
            np.testing.assert_allclose(y[name].sel(year=year).transpose(*expected.dims).values, expected.values,
                                       rtol=1e-12, err_msg=f"{name} ({kind}) {year}")
        checked.add(kind)
    assert checked == {"flow", "rate", "stock"}
    assert set(y.data_vars) == {v for v in kinds if v in baseline_ds}
    assert "population_by_status" not in y


def test_yearly_summary_is_in_planners_units(baseline_ds):
    table = yearly_summary(baseline_ds)
    jobs = table[table["variable"] == "new_urban_jobs"]
    assert set(jobs["unit"]) == {"10k persons"}
    expected = yearly(baseline_ds)["new_urban_jobs"].sel(area="Jiangxi").median("replicate") / 1e4
    np.testing.assert_allclose(jobs.sort_values("year")["median"].values, expected.values)
    rate = table[table["variable"] == "surveyed_unemployment_rate"]
    assert set(rate["unit"]) == {"percent"} and rate["median"].between(0.5, 30).all()
    assert (table["p10"] <= table["median"] + 1e-9).all() and (table["median"] <= table["p90"] + 1e-9).all()


# --- evaluate_targets ----------------------------------------------------------------------------------

def test_total_target_probability_and_quantiles(synthetic):
    # Two-year totals per replicate: 24, 54 and 72 万.
    row = evaluated(synthetic, target(value=40))
    assert row["status"] == "evaluated"
    assert row["probability"] == pytest.approx(2 / 3)
    assert row["median"] == pytest.approx(54)
    assert row["p10"] == pytest.approx(np.quantile([24, 54, 72], 0.1))
    assert row["p90"] == pytest.approx(np.quantile([24, 54, 72], 0.9))
    assert evaluated(synthetic, target(value=10))["probability"] == 1.0
    assert evaluated(synthetic, target(value=100))["probability"] == 0.0
    assert evaluated(synthetic, target(comparison="<=", value=54))["probability"] == pytest.approx(2 / 3)
    # A single year.
    row = evaluated(synthetic, target(start_year=2022, end_year=2022, value=30))
    assert row["probability"] == pytest.approx(1 / 3) and row["period"] == "2022"


def test_each_year_target_is_judged_year_by_year(synthetic):
    """Replicate 1 makes 48万 in 2021 but only 6万 in 2022: it meets a total of 40 but not 20 a year."""
    row = evaluated(synthetic, target(basis="each_year", value=20))
    assert row["probability"] == pytest.approx(1 / 3)  # only replicate 2 (36, 36)
    assert row["median"] == pytest.approx(12)  # the worst year of each replicate: 12, 6, 36
    assert evaluated(synthetic, target(basis="each_year", value=5))["probability"] == 1.0
    # At most 40 every year: replicate 1's 48万 in 2021 breaks it.
    assert evaluated(synthetic, target(basis="each_year", comparison="<=", value=40))["probability"] == pytest.approx(2 / 3)


def test_year_mean_target(synthetic):
    # Yearly means over 2021-2022: 12, 27, 36 万.
    row = evaluated(synthetic, target(basis="year_mean", value=25))
    assert row["probability"] == pytest.approx(2 / 3)
    assert row["median"] == pytest.approx(27)


def test_about_target_uses_the_tolerance(synthetic):
    """2022 yearly means of the rate: 5, 6 and 7 percent."""
    t = dict(indicator="surveyed_unemployment_rate", start_year=2022, end_year=2022, basis="year_mean",
             comparison="about", unit="percent")
    assert evaluated(synthetic, target(value=5.5, tolerance=0.6, **t))["probability"] == pytest.approx(2 / 3)
    assert evaluated(synthetic, target(value=5.5, tolerance=0.4, **t))["probability"] == 0.0
    assert evaluated(synthetic, target(value=6.0, tolerance=1.2, **t))["probability"] == 1.0
    assert evaluated(synthetic, target(value=6.0, tolerance=0.2, **t))["probability"] == pytest.approx(1 / 3)
    row = evaluated(synthetic, target(value=6.0, tolerance=0.2, **t))
    assert row["median"] == pytest.approx(6.0)
    # Default tolerance: 0.5 points for percent targets, 5% of the value otherwise.
    assert default_tolerance(target(value=6.0, **t)) == 0.5
    assert evaluated(synthetic, target(value=6.4, **t))["probability"] == pytest.approx(1 / 3)  # only 6 is within 0.5
    assert evaluated(synthetic, target(value=6.55, **t))["probability"] == pytest.approx(1 / 3)  # only 7
    assert default_tolerance(target(comparison="about", value=40)) == pytest.approx(2.0)
    assert evaluated(synthetic, target(comparison="about", value=53))["probability"] == pytest.approx(1 / 3)  # 54 within 2.65
    assert evaluated(synthetic, target(comparison="about", value=50))["probability"] == 0.0  # 54 is not within 2.5


def _rates(area: str, yearly_percent: dict[int, list[float]]) -> xr.Dataset:
    """A Dataset of surveyed unemployment rates, flat within each year: {year: [percent by replicate]}."""
    years = sorted(yearly_percent)
    time = pd.date_range(f"{years[0]}-01-01", periods=12 * len(years), freq="MS")
    n_rep = len(yearly_percent[years[0]])
    rate = np.concatenate([np.tile(np.array(yearly_percent[y]) / 100, (12, 1)).T for y in years], axis=1)
    return xr.Dataset({"surveyed_unemployment_rate": (("replicate", "time", "area"), rate[:, :, None])},
                      coords={"replicate": np.arange(n_rep), "time": time, "area": [area]}, attrs={"seed": 1})


def _plan_rate_target() -> Target:
    return next(t for t in target_set("jiangxi_14th_plan") if t.indicator == "surveyed_unemployment_rate")


def test_an_unemployment_control_target_is_a_ceiling_met_at_4_96_not_at_5_6():
    """The issue's case: the 14th plan's '城镇调查失业率控制在 5.5% 左右' scored P(meet) = 0% for a 4.96% run
    when 'about' was read as 5.5 ± 0.5. Read as a ceiling with tolerance 0: 4.96% and 5.5% meet, 5.6% not."""
    t = _plan_rate_target()
    assert (t.comparison, t.value, default_tolerance(t)) == ("<=", 5.5, 0.0)
    for percent, met in ((4.96, 1.0), (5.5, 1.0), (5.6, 0.0), (3.0, 1.0)):
        row = evaluated(_rates("Jiangxi", {2025: [percent]}), t)
        assert row["status"] == "evaluated"
        assert row["probability"] == met, percent
        assert row["median"] == pytest.approx(percent)
    row = evaluated(_rates("Jiangxi", {2025: [4.96, 5.6, 5.2, 5.51]}), t)
    assert row["probability"] == pytest.approx(0.5)
    assert row["reading"] == "≤ 5.5% (城镇调查失业率控制在 5.5% 左右; 专栏1 城镇调查失业率(%): 5.5 左右, read as a ceiling)"
    assert (row["comparison"], row["tolerance"], row["wording"]) == ("<=", 0.0, t.wording)
    # the same rule for a single figure (a scenario's lever volume is judged with it)
    assert target_met(4.96, t) and not target_met(5.6, t)


def test_a_stated_tolerance_widens_a_ceiling_and_a_floor():
    t = _plan_rate_target().model_copy(update={"tolerance": 0.2})
    assert evaluated(_rates("Jiangxi", {2025: [5.6]}), t)["probability"] == 1.0  # 5.6 <= 5.5 + 0.2
    assert evaluated(_rates("Jiangxi", {2025: [5.8]}), t)["probability"] == 0.0
    assert evaluated(_rates("Jiangxi", {2025: [5.6]}), t)["reading"].startswith("≤ 5.5% + 0.2 (")
    floor = target(value=55, tolerance=1.5)  # two-year totals 24, 54, 72: 54 >= 55 - 1.5
    assert evaluated(_make_jobs(), floor)["probability"] == pytest.approx(2 / 3)
    assert evaluated(_make_jobs(), target(value=55))["probability"] == pytest.approx(1 / 3)


def _make_jobs() -> xr.Dataset:
    jobs = np.zeros((3, len(TIME), 1))
    for r, (y1, y2) in MONTHLY_JOBS.items():
        jobs[r, :12, 0], jobs[r, 12:, 0] = y1, y2
    return xr.Dataset({"new_urban_jobs": (("replicate", "time", "area"), jobs)},
                      coords={"replicate": np.arange(3), "time": TIME, "area": ["Region"]}, attrs={"seed": 1})


def test_a_yearly_control_target_must_hold_every_year():
    """Fuzhou: 城镇调查失业率控制在4%左右 each year 2024-2026; one year above 4% breaks it."""
    t = next(t for t in target_set("fuzhou_2024") if t.indicator == "surveyed_unemployment_rate")
    assert (t.comparison, t.basis, t.value) == ("<=", "each_year", 4.0)
    ds = _rates("Fuzhou", {2024: [3.9, 3.6], 2025: [4.1, 3.7], 2026: [3.8, 4.0]})
    row = evaluated(ds, t)
    assert row["probability"] == pytest.approx(0.5)  # replicate 1 (3.6, 3.7, 4.0) meets it
    assert row["median"] == pytest.approx((4.1 + 4.0) / 2)  # the worst year of each replicate


def test_end_level_takes_the_last_year(synthetic):
    """Stocks at the end of the end year (December 2022), not a mean over the period; rates averaged over that year."""
    # December 2022 urban employed: 1.023, 1.123, 1.223 million = 102.3, 112.3, 122.3 万.
    t = dict(indicator="urban_employment", start_year=2021, end_year=2022, basis="end_level")
    assert evaluated(synthetic, target(value=112.3, **t))["probability"] == pytest.approx(2 / 3)
    assert evaluated(synthetic, target(value=112.31, **t))["probability"] == pytest.approx(1 / 3)
    assert evaluated(synthetic, target(value=112.3, **t))["median"] == pytest.approx(112.3)
    r = dict(indicator="surveyed_unemployment_rate", unit="percent", basis="end_level", start_year=2022, end_year=2022)
    assert evaluated(synthetic, target(comparison="<=", value=6.05, **r))["probability"] == pytest.approx(2 / 3)
    r2021 = dict(r, start_year=2021, end_year=2021)
    assert evaluated(synthetic, target(comparison="<=", value=5.0001, **r2021))["probability"] == 1.0


def test_targets_the_model_cannot_judge_are_marked(synthetic):
    rows = evaluate_targets(synthetic, [
        target(indicator="gdp", unit="100M yuan", value=1),  # in the registry, not modelled
        target(area="Elsewhere"),
        target(start_year=2022, end_year=2023),
        target(indicator="urban_unemployed", basis="end_level", value=1),  # modelled but not in this Dataset
    ])
    assert rows.loc[0, "status"] == "not modelled"
    assert "Elsewhere" in rows.loc[1, "status"]
    assert rows.loc[2, "status"] == "outside the simulated period"
    assert rows.loc[3, "status"] == "not modelled"
    assert rows["probability"].isna().all() and rows["median"].isna().all()
    assert rows.loc[0, "label_zh"] == "地区生产总值"


def test_bundled_targets_on_a_model_run(baseline_ds, baseline_scenario):
    targets = baseline_scenario.target_list()
    table = evaluate_targets(baseline_ds, targets)
    assert len(table) == len(targets)
    modelled = set(modelled_indicators().index)
    for t, (_, row) in zip(targets, table.iterrows()):
        assert row["indicator"] == t.indicator
        if t.indicator in modelled:
            assert row["status"] == "evaluated", row.to_dict()
            assert 0.0 <= row["probability"] <= 1.0
            assert row["p10"] <= row["median"] <= row["p90"]
            assert row["probability"] in (0.0, 0.5, 1.0)  # two replicates
        else:
            assert row["status"] == "not modelled"
            assert np.isnan(row["probability"])
    jobs = table[table["indicator"] == "new_urban_jobs"].iloc[0]
    total = yearly(baseline_ds)["new_urban_jobs"].sel(area="Jiangxi").sum("year") / 1e4
    assert jobs["median"] == pytest.approx(float(total.median()))
    assert jobs["probability"] == float((total >= 200).mean())


# ---- the reshape path of yearly() equals xarray's groupby bit for bit --------------------------------

GOLDEN = __import__("pathlib").Path(__file__).resolve().parents[2] / "fixtures" / "golden_jiangxi_8000.nc"


def _yearly_by_groupby(ds: xr.Dataset) -> xr.Dataset:
    """yearly() as it was before the reshape path: xarray's groupby for every variable (the reference)."""
    from jobsim.model.outputs.labels import cell_methods, label_coordinates, yearly_aggregation

    out = {}
    years = ds["time"].dt.year
    for name, kind in variable_kinds().items():
        if name not in ds:
            continue
        grouped = ds[name].groupby(years.rename("year"))
        how = yearly_aggregation(kind)
        da = grouped.sum("time") if how == "sum" else grouped.mean("time") if how == "mean" else grouped.last()
        da.attrs = dict(ds[name].attrs)
        if "cell_methods" in da.attrs:
            da.attrs["cell_methods"] = cell_methods(kind, "year")
        out[name] = da
    return label_coordinates(xr.Dataset(out, attrs=ds.attrs))


def test_yearly_equals_groupby_bit_for_bit_on_a_real_run():
    from jobsim.model import api

    ds = api.read_results(GOLDEN)
    assert yearly(ds).identical(_yearly_by_groupby(ds))


def test_yearly_falls_back_to_groupby_for_a_missing_value_and_part_years():
    from jobsim.model import api

    ds = api.read_results(GOLDEN)
    with_gap = ds.copy(deep=True)
    with_gap["new_urban_jobs"][{"time": 3}] = np.nan  # groupby's sum skips it; a plain sum would give NaN
    got = yearly(with_gap)
    assert got.identical(_yearly_by_groupby(with_gap))
    assert np.isfinite(got["new_urban_jobs"].values).all()
    part = ds.isel(time=slice(2, 26))  # March to February: not whole calendar years
    assert yearly(part).identical(_yearly_by_groupby(part))


def _targets_by_xarray(ds: xr.Dataset, targets: list[Target]) -> list[tuple[float, float, float, float]]:
    """Each evaluated target's (p10, median, p90, probability) the way evaluate_targets computed them before
    it worked on arrays: target_statistic and meets_target on the DataArray, xarray's quantile (the reference)."""
    from jobsim.model.inputs.registry import indicators
    from jobsim.model.inputs.units import to_base
    from jobsim.model.outputs.results import meets_target, target_statistic

    ind = indicators()
    y = yearly(ds)
    out = []
    for t in targets:
        variable = ind.at[t.indicator, "model_variable"] if t.indicator in ind.index else ""
        if not variable or variable not in y or t.area not in y["area"].values or t.end_year > int(y["year"].max()):
            continue
        stat = target_statistic(y[variable].sel(area=t.area), t) / to_base(1.0, t.unit)
        meets = meets_target(stat, t)
        summary = stat
        if "year" in stat.dims:
            summary = (stat.min("year") if t.comparison == ">=" else stat.max("year") if t.comparison == "<="
                       else stat.isel(year=abs(stat - t.value).argmax("year")))
        q = summary.quantile([0.1, 0.5, 0.9], dim="replicate").values
        out.append((float(q[0]), float(q[1]), float(q[2]), float(meets.mean("replicate"))))
    return out


def test_evaluate_targets_on_arrays_equals_the_xarray_reference_on_a_real_run():
    from jobsim.model import api

    ds = api.read_results(GOLDEN)
    targets = [*target_set("jiangxi_14th_plan"), *target_set("jiangxi_2021")]
    got = evaluate_targets(ds, targets)
    got = got[got["status"] == "evaluated"]
    want = _targets_by_xarray(ds, targets)
    assert len(got) == len(want) > 100  # the region's and every city's targets
    assert [tuple(r) for r in got[["p10", "median", "p90", "probability"]].itertuples(index=False)] == want


def test_period_totals_on_variables_equal_the_dataarray_reference_on_a_real_run():
    """period_totals reduces each yearly Variable; the reference is the DataArray selection and reduction it
    replaced, for the region and for a city: equal bit for bit."""
    from jobsim.model import api
    from jobsim.model.outputs.results import period_totals, variable_kinds

    ds = api.read_results(GOLDEN)
    y, kinds = yearly(ds), variable_kinds()
    for area in (str(ds["area"].values[0]), str(ds["area"].values[-1])):
        want = {}
        for v in y.data_vars:
            da = y[v].sel(area=area)
            want[v] = (da.sum("year") if kinds[v] == "flow" else da.mean("year") if kinds[v] == "rate"
                       else da.isel(year=-1)).values
        pd.testing.assert_frame_equal(period_totals(ds, area), pd.DataFrame(want), check_exact=True)


def test_yearly_is_computed_once_per_dataset_only_inside_yearly_reused(synthetic):
    from jobsim.model.outputs.results import yearly_reused

    assert yearly(synthetic) is not yearly(synthetic)  # outside: a fresh Dataset each time
    with yearly_reused():
        first = yearly(synthetic)
        assert yearly(synthetic) is first
        other = synthetic.copy(deep=True)
        assert yearly(other) is not first  # another Dataset object, even with the same values
        xr.testing.assert_identical(yearly(other), first)
        with yearly_reused():  # a nested block starts afresh
            assert yearly(synthetic) is not first
        assert yearly(synthetic) is first
    assert yearly(synthetic) is not first
