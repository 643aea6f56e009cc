"""Tests for the calibration (calibration/calibrate.py, calibration/moments.py), back-tests
(calibration/backtest.py) and the `jobsim calibrate` / `jobsim backtest` commands.

Everything runs at small scales (few agents, short windows, a few dozen particles) so that the
module takes a few minutes on two cores; the recovery of known parameters is marked slow.

A full calibration may be writing `calibration/params/jiangxi.yaml` while these tests run, so every
test works against a temporary parameter folder (the autouse `params_dir` fixture points every
module that reads the default location there) and never reads or writes the shipped one.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml
from typer.testing import CliRunner

import jobsim.calibration.backtest as backtest_module
import jobsim.calibration.calibrate as calibrate_module
import jobsim.model.outputs.atomic as atomic_module
import jobsim.model.inputs.parameters
import jobsim.model.inputs.paths
import jobsim.model.experiments.ensemble
from jobsim.calibration.backtest import COLUMNS, BacktestError, backtest
from jobsim.calibration.calibrate import (
    BASELINE_SCENARIOS,
    CalibrationError,
    Moment,
    baseline_scenario,
    build_moments,
    calibrate,
    calibration_window,
    write_result,
)
from jobsim.model.inputs.market_facts import measurement_errors
from jobsim.calibration.forecast import series_for
from jobsim.model.inputs.history import HISTORY_COLUMNS, HistoryError, load_history
from jobsim.model.cli.main import app
from jobsim.model.core.runspec import RunSpec
from jobsim.model.inputs.growth_paths import default_growth_path
from jobsim.model.inputs.regions import area_facts
from jobsim.model.inputs.parameters import load_parameters
from jobsim.model.inputs.registry import lever_ids
from jobsim.model.outputs.indicators import region_yearly
from jobsim.model.experiments.ensemble import run_scenario

ROOT = Path(__file__).resolve().parents[2]


# --- isolation from calibration/params/ ----------------------------------------------------------------

@pytest.fixture(autouse=True)
def params_dir(tmp_path_factory, monkeypatch) -> Path:
    """A temporary calibration/params/ for every test: nothing reads or writes the shipped folder."""
    d = tmp_path_factory.mktemp("params")
    for module in (jobsim.model.inputs.paths, jobsim.model.inputs.parameters):
        monkeypatch.setattr(module, "calibration_params_dir", lambda d=d: d)
    jobsim.model.inputs.parameters._load_cached.cache_clear()
    yield d
    jobsim.model.inputs.parameters._load_cached.cache_clear()


@pytest.fixture
def cheap_backtest_calibration(monkeypatch) -> list[dict]:
    """Make the calibration inside back-tests tiny (one generation of a dozen particles, a coarse scale).

    The back-test tests check the table's bookkeeping, not the fit. The real `calibrate` still runs;
    the calls' keyword arguments are recorded so that tests can check what data it was given.
    """
    calls: list[dict] = []
    real = calibrate_module.calibrate

    def small(region, **kw):
        calls.append(dict(kw, region=region))
        kw.update(particles=12, max_evaluations=12, workers=1, quick=True)
        return real(region, **kw)

    monkeypatch.setattr(backtest_module, "calibrate", small)
    monkeypatch.setattr(backtest_module, "calibration_scale", lambda region: 40_000 if region != "China" else 400_000)
    monkeypatch.setattr(calibrate_module, "calibration_scale", lambda region: 40_000 if region != "China" else 400_000)
    return calls


SMALL = dict(years=[2019, 2020], parameters=["separation_rate_monthly", "matching_efficiency"], scale=40_000,
             particles=16, max_evaluations=32, workers=1, seed=3)


@pytest.fixture(scope="module")
def small_result():
    """A real but tiny Jiangxi calibration (two parameters, 2019-2020, moments from the data)."""
    return calibrate("Jiangxi", **SMALL)


# --- moments ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def jiangxi_moments():
    return build_moments("Jiangxi", [2016, 2017, 2018, 2019, 2020])


def test_the_default_window_is_the_five_years_before_the_projection():
    assert calibration_window("Jiangxi") == [2016, 2017, 2018, 2019, 2020]
    assert calibration_window("Jiangxi", through=2017) == [2013, 2014, 2015, 2016, 2017]


def test_moments_hold_every_full_year_value_and_the_five_year_totals(jiangxi_moments):
    moments, vintage = jiangxi_moments
    by_name = {m.name: m for m in moments}
    errors = measurement_errors()
    # every full-year value of the window in the history (2016: 55.15 and 55.2, the mean of the
    # two rows the forecast's reader keeps), each with its measurement error as sd
    series, _ = series_for(load_history(), "Jiangxi", "new_urban_jobs", max_gap_years=None)
    for year in (2016, 2019, 2020):
        m = by_name[f"new_urban_jobs {year}"]
        assert m.target == pytest.approx(float(series[pd.Period(str(year), "Y")]) * 1e4)
        assert m.sd == pytest.approx(errors["new_urban_jobs"].sd(m.target))
    for name, value in (("new_urban_jobs 2016-2020 total", 267e4), ("rural_labour_transferred 2016-2020 total", 303.5e4),
                        ("hard_to_employ_employed 2016-2020 total", 28e4)):
        assert by_name[name].kind == "total" and by_name[name].target == pytest.approx(value)
        assert by_name[name].years == [2016, 2017, 2018, 2019, 2020]
    downturn = by_name["new_urban_jobs change 2019-2020 (downturn)"]
    assert downturn.kind == "change" and downturn.target == pytest.approx((46.2 - 54.4) * 1e4)
    loans = by_name["persons supported per yuan of guaranteed loans"]
    assert loans.target == pytest.approx(278e4 / 740e8) and loans.kind == "ratio"
    # Jiangxi publishes no surveyed rate in the data: the national yearly rate stands in, with a wide sd
    proxies = [m for m in moments if m.name.endswith("(national proxy)")]
    assert [m.years[0] for m in proxies] == [2020]  # the published national yearly means: 2020-2022
    assert all(m.sd == pytest.approx(errors["surveyed_unemployment_rate_proxy"].absolute_sd) for m in proxies)
    ratios = [m for m in moments if "求人倍率" in m.name]
    assert [m.years for m in ratios] == [[y] for y in range(2016, 2021)]
    trend = by_name["urban employment growth 2016-2020 (structure trend)"]
    assert not trend.fitted and trend.note
    assert trend.target == pytest.approx(4 * math.log(1296 / 981) / 8)
    assert all(m.error_basis for m in moments)
    assert vintage["window"] == [2016, 2020] and vintage["latest_year_used"] == 2020


def test_a_series_that_ends_before_the_window_does_still_counts(jiangxi_moments):
    """Jiangxi's registered rate was last published for 2016 (3.35%): a 2016-2020 window holds it."""
    by_name = {m.name: m for m in jiangxi_moments[0]}
    assert by_name["registered_unemployment_rate 2016"].target == pytest.approx(0.0335)
    china, _ = build_moments("China", [2018, 2019, 2020, 2021, 2022])
    assert {f"registered_unemployment_rate {y}" for y in (2018, 2019, 2020, 2021)} <= {m.name for m in china}


def test_the_primary_share_of_employment_is_a_moment_in_every_window_year_with_a_figure():
    """China publishes no rural-transfer count: its yearly primary-sector share (MOHRSS bulletins) is what pins
    how fast farm workers leave farming, each year's figure with its measurement error (1 point)."""
    errors = measurement_errors()
    china = {m.name: m for m in build_moments("China", [2018, 2019, 2020, 2021, 2022])[0]}
    shares = {n: m for n, m in china.items() if n.startswith("employment_share_primary")}
    assert {n: m.target for n, m in shares.items()} == pytest.approx(
        {"employment_share_primary 2018": 0.261, "employment_share_primary 2019": 0.251, "employment_share_primary 2021": 0.229})
    assert all(m.variable == "employment_share_primary" and m.kind == "mean" and m.fitted for m in shares.values())
    assert all(m.sd == pytest.approx(errors["employment_share_primary"].absolute_sd) for m in shares.values())
    early = {m.name for m in build_moments("China", calibration_window("China", through=2017), through=2017)[0]}
    assert {"employment_share_primary 2014", "employment_share_primary 2017"} <= early
    jiangxi = {m.name: m.target for m in build_moments("Jiangxi", [2016, 2017, 2018, 2019, 2020])[0]}
    assert jiangxi["employment_share_primary 2020"] == pytest.approx(0.201)


def test_moments_through_2016_use_no_later_data():
    moments, vintage = build_moments("Jiangxi", [2012, 2013, 2014, 2015, 2016], through=2016)
    assert all(max(m.years) <= 2016 for m in moments)
    assert not any("total" in m.name for m in moments)  # the 2016-2020 totals end after the window
    loans = {m.name: m for m in moments}["persons supported per yuan of guaranteed loans"]
    assert loans.target == pytest.approx(27.6e4 / 62.6e8)  # the 2011 window, not 2016-2020's
    assert vintage["through"] == 2016


def test_moment_kinds():
    values = {"a": np.array([1.0, 2.0, 4.0]), "b": np.array([2.0, 2.0, 4.0])}
    years = [2020, 2021, 2022]
    make = lambda kind, **kw: Moment("m", "a", [2020, 2021, 2022], 0.0, 1.0, "s", kind=kind, **kw)  # noqa: E731
    assert make("mean").simulated(values, years) == pytest.approx(7 / 3)
    assert make("total").simulated(values, years) == pytest.approx(7.0)
    assert make("change").simulated(values, years) == pytest.approx(3.0)
    assert make("log_change").simulated(values, years) == pytest.approx(math.log(4.0))
    assert make("ratio", denominator="b").simulated(values, years) == pytest.approx(7 / 8)
    with pytest.raises(ValueError, match="kind"):
        make("median").simulated(values, years)


def test_measurement_errors_have_a_basis_and_a_positive_sd():
    errors = measurement_errors()
    assert {"new_urban_jobs", "surveyed_unemployment_rate", "vacancies_per_job_seeker"} <= set(errors)
    for e in errors.values():
        assert e.basis and e.sd(1.0) > 0


# --- the calibration ---------------------------------------------------------------------------------

def test_a_small_calibration_gives_a_weighted_posterior_with_checks(small_result):
    res = small_result
    assert set(res.values) == {"separation_rate_monthly", "matching_efficiency"}
    assert len(res.particles) == 8 and sum(p["weight"] for p in res.particles) == pytest.approx(1.0)
    assert len(res.draws) == len(res.particles)
    for n, (lo, hi) in res.bounds.items():
        post = res.posterior[n]
        assert lo <= post["p10"] <= post["p50"] <= post["p90"] <= hi
        assert res.values[n] == post["p50"]
    for row in res.moments:
        assert row["lo80"] <= row["hi80"]
        assert row["covered"] == (row["lo80"] <= row["target"] <= row["hi80"])
        if math.isfinite(row["simulated"]):
            assert row["z"] == pytest.approx((row["simulated"] - row["target"]) / row["sd"])
    info = res.info
    assert info["scale"] == 40_000 and info["window"] == [2019, 2020] and info["evaluations"] == 32
    assert info["generations"][0]["evaluations"] == 16 and len(info["generations"]) == 3
    assert 0 < info["effective_sample_size"] <= 8
    assert isinstance(res.warnings, list)


def test_same_settings_give_the_same_posterior(small_result):
    again = calibrate("Jiangxi", **SMALL)
    assert again.particles == small_result.particles
    assert again.moments == small_result.moments


def test_progress_reports_generations():
    events = []
    calibrate("Jiangxi", progress=events.append, **dict(SMALL, max_evaluations=24))
    assert [e.generation for e in events] == [0, 1]
    assert [e.evaluations for e in events] == [16, 24]
    assert events[0].acceptance_rate is None and 0 <= events[1].acceptance_rate <= 1
    assert "generation 1" in str(events[1]) and "tolerance" in str(events[1])


def test_an_unidentifiable_setup_raises_warnings():
    """A target ten times what the data say, and a parameter that cannot move it: the calibration must
    say that the moment is missed, that the search did not improve or that a parameter is uninformed."""
    moment = Moment("new_urban_jobs 2020 (ten times the data)", "new_urban_jobs", [2020], 462e4, 2.3e4, "test")
    res = calibrate("Jiangxi", years=[2020], moments=[moment], scale=40_000, particles=12, max_evaluations=36,
                    parameters=["public_welfare_max_months", "separation_rate_monthly"], workers=1, seed=5)
    text = "\n".join(res.warnings)
    assert "misses the observed" in text and "new_urban_jobs 2020" in text
    assert "effective sample size" in text  # 6 kept particles: too few to read ranges from


def test_near_bound_and_no_improvement_warnings_from_the_diagnosis():
    from jobsim.calibration.abc import Generation
    res = calibrate_module.CalibrationResult(
        "Jiangxi", {"x": 0.0, "y": 0.5}, {"x": (0.0, 1.0), "y": (0.0, 1.0)}, [], 1.0, [], {},
        posterior={"x": {"p10": 0.0, "p50": 0.01, "p90": 0.02, "mean": 0.01},
                   "y": {"p10": 0.08, "p50": 0.5, "p90": 0.9, "mean": 0.5}})
    abc = type("R", (), {"generations": [Generation(0, 10.0, None, 10, 1.0, 0.0), Generation(1, 9.9, 0.5, 20, 1.0, 0.0)],
                         "stopped_because": "test", "effective_sample_size": 100.0})()
    text = "\n".join(calibrate_module.diagnose(res, abc, {"window": [2020, 2020], "own_moments": 0}))
    assert "x: posterior median 0.01 is within 2% of its lower bound" in text
    assert "y: its 80% posterior range" in text and "hardly identify" in text
    assert "x: its 80% posterior range" not in text
    assert "tolerance did not fall" in text
    assert "no history of its own" in text


def test_a_search_the_budget_ended_while_it_narrowed_says_so():
    """The budget stopped the search while its tolerance still fell (the shipped Jiangxi file at 1,350
    simulations: 810 to 680 in its last generation): the bands are wider than the data leave them, and the
    warning says how to narrow them. A search whose tolerance had levelled off, or that stopped on its
    acceptance rate, gets no such warning."""
    from jobsim.calibration.abc import BUDGET_REACHED, Generation
    res = calibrate_module.CalibrationResult("Jiangxi", {"x": 0.5}, {"x": (0.0, 1.0)}, [], 1.0, [], {},
                                             posterior={"x": {"p10": 0.4, "p50": 0.5, "p90": 0.6, "mean": 0.5}})

    def warnings(last_epsilon, stopped):
        gens = [Generation(0, 7000.0, None, 300, 200.0, 0.0), Generation(1, 810.0, 0.34, 1200, 200.0, 0.0),
                Generation(2, last_epsilon, 0.45, 1350, 187.0, 0.0)]
        abc = type("R", (), {"generations": gens, "stopped_because": stopped, "evaluations": 1350,
                             "effective_sample_size": 60.0})()
        return [w for w in calibrate_module.diagnose(res, abc, {"window": [2016, 2020]}) if "still narrowing" in w]

    (text,) = warnings(680.0, f"{BUDGET_REACHED} (1350) reached")
    assert "budget of 1350 simulations" in text and "fell 16%" in text and "45% of proposals" in text
    assert "--evaluations 3400" in text
    assert warnings(790.0, f"{BUDGET_REACHED} (1350) reached") == []   # fell 2.5%: levelled off
    assert warnings(680.0, "acceptance 0.040 below min_acceptance 0.05") == []


# --- recovery of known parameters ----------------------------------------------------------------------

TRUTH = {"separation_rate_monthly": 0.005, "matching_efficiency": 0.12}
RECOVERY_YEARS = [2018, 2019, 2020]
RECOVERY_SCALE = 20_000
RECOVERY_VARIABLES = ("new_urban_jobs", "urban_job_entries", "surveyed_unemployment_rate", "vacancies_per_job_seeker",
                      "reemployment_of_unemployed")


@pytest.mark.slow
def test_calibration_recovers_known_parameters_within_its_80_percent_range():
    """Simulated data from known parameters (one run, seed 99), moments with a 5% sd, ABC from uniform
    priors: each true value lies inside the posterior's 80% range (both, here: the test states 'most' as
    all of two), and the posterior predictive 80% bands cover at least 60% of the moments (their nominal
    coverage is 80%; with a dozen moments and one data set, 60% is a loose floor). 40 particles and 200
    simulations (60 and 300 before, for the suite's time): it passed with ABC seeds 4 to 8 alike."""
    scenario = baseline_scenario("Jiangxi", RECOVERY_YEARS[0], RECOVERY_YEARS[-1])
    levers = {lever: scenario.lever_values(lever) for lever in lever_ids()}
    params = dict(load_parameters("Jiangxi", use_calibrated=False).values, **TRUTH)
    growth = default_growth_path("Jiangxi", RECOVERY_YEARS[0], RECOVERY_YEARS[-1])
    m = RunSpec("Jiangxi", area_facts("Jiangxi"), RECOVERY_YEARS[0], RECOVERY_YEARS[-1], levers, params,
                seed=99, scale=RECOVERY_SCALE, gdp_real_growth_percent=growth).build()
    m.run()
    observed = region_yearly(m.recorder, list(RECOVERY_VARIABLES))
    moments = [Moment(f"{v} {y}", v, [y], float(observed[v][k]), 0.05 * abs(float(observed[v][k])), "simulated")
               for v in RECOVERY_VARIABLES for k, y in enumerate(RECOVERY_YEARS)]
    res = calibrate("Jiangxi", years=RECOVERY_YEARS, moments=moments, parameters=list(TRUTH), scale=RECOVERY_SCALE,
                    particles=40, max_evaluations=200, workers=2, seed=4)
    for name, truth in TRUTH.items():
        post = res.posterior[name]
        assert post["p10"] <= truth <= post["p90"], (name, truth, post)
    covered = np.mean([r["covered"] for r in res.moments])
    assert covered >= 0.6, [(r["name"], r["target"], r["lo80"], r["hi80"]) for r in res.moments]


# --- writing -----------------------------------------------------------------------------------------

def test_write_result_document(small_result, tmp_path):
    res = small_result
    path = write_result(res, tmp_path / "jiangxi.yaml")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Calibrated parameters for Jiangxi")
    doc = yaml.safe_load(text)
    assert doc["region"] == "Jiangxi" and doc["jobsim_version"]
    assert doc["calibrated_on"] == dt.date.today().isoformat()
    defaults = load_parameters("Jiangxi", use_calibrated=False)
    assert set(doc["parameters"]) == {"separation_rate_monthly", "matching_efficiency"}
    for name, p in doc["parameters"].items():
        assert p["value"] == pytest.approx(res.values[name])
        assert (p["min"], p["max"]) == (defaults[name].min, defaults[name].max)
        assert p["posterior_p10"] <= p["value"] <= p["posterior_p90"]
        assert p["unit"] == defaults[name].unit and p["prior_value"] == defaults[name].value
    assert len(doc["moments"]) == len(res.moments) > 0
    for m in doc["moments"]:
        assert {"name", "variable", "years", "target", "sd", "simulated", "lo80", "hi80", "covered", "z",
                "source", "error_basis"} <= set(m)
    info = doc["info"]
    for key in ("scale", "seed", "window", "evaluations", "generations", "effective_sample_size",
                "data_vintage", "history_sha256_16", "moments_covered_80", "structure"):
        assert key in info, key
    assert doc["warnings"] == res.warnings
    assert len(doc["particles"]) == len(res.particles) and len(doc["draws"]) == len(res.draws)
    for d in doc["draws"]:
        assert set(d) == set(doc["parameters"])
        for name, v in d.items():
            assert doc["parameters"][name]["min"] <= v <= doc["parameters"][name]["max"]


def test_write_result_is_atomic(small_result, tmp_path, monkeypatch):
    target = tmp_path / "out" / "jiangxi.yaml"
    target.parent.mkdir()
    target.write_text("old: content\n" * 5000, encoding="utf-8")  # longer than the new file
    write_result(small_result, target)
    assert [p.name for p in target.parent.iterdir()] == ["jiangxi.yaml"]  # no temporary file left
    doc = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert "old" not in doc and doc["region"] == "Jiangxi"  # replaced whole, not overwritten in place

    # a failure while renaming leaves the previous file untouched and no temporary file behind
    before = target.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic_module.os, "replace", broken_replace)  # the one place files are renamed
    with pytest.raises(OSError, match="disk full"):
        write_result(small_result, target)
    assert target.read_bytes() == before
    assert [p.name for p in target.parent.iterdir()] == ["jiangxi.yaml"]


def test_a_shipped_file_is_replaced_only_when_asked(small_result, params_dir):
    shipped = params_dir / "jiangxi.yaml"
    with pytest.raises(CalibrationError, match="--replace"):
        write_result(small_result, shipped)
    assert not shipped.exists()
    assert write_result(small_result, shipped, replace=True) == shipped and shipped.exists()


def test_calibrated_file_is_used_by_load_parameters_and_run_scenario(small_result, params_dir):
    assert load_parameters("Jiangxi")["separation_rate_monthly"].origin == "default"
    write_result(small_result, params_dir / "jiangxi.yaml", replace=True)  # clears the parameter cache itself
    p = load_parameters("Jiangxi")
    for name, value in small_result.values.items():
        assert p[name].origin == "calibrated"
        assert p[name].value == pytest.approx(value)
    assert p["employment_elasticity_to_output"].origin == "default"
    assert load_parameters("Jiangxi", use_calibrated=False)["separation_rate_monthly"].origin == "default"

    scenario = baseline_scenario("Jiangxi", 2021, 2021)
    kw = dict(replicates=3, scale=40_000, seed=11)
    ds = run_scenario(scenario, **kw)
    n_draws = len(small_result.draws)
    assert "parameter_draw" in ds
    assert all(0 <= k < n_draws for k in ds["parameter_draw"].values.tolist())
    records = {r["name"]: r for r in json.loads(ds.attrs["parameters"])}
    assert records["separation_rate_monthly"]["origin"] == "calibrated"
    xr.testing.assert_identical(ds, run_scenario(scenario, **kw))  # still deterministic
    point = run_scenario(scenario, parameter_draws=False, **kw)
    assert "parameter_draw" not in point
    assert not ds["new_urban_jobs"].equals(point["new_urban_jobs"])  # the draws did change the runs


# --- bad inputs --------------------------------------------------------------------------------------

def test_unknown_region_lists_calibratable_regions():
    with pytest.raises(CalibrationError) as e:
        calibrate("Nowhere", particles=4, max_evaluations=4, workers=1)
    for region in BASELINE_SCENARIOS:
        assert region in str(e.value)
    assert "Nowhere" in str(e.value)


def test_unknown_parameter_is_named():
    with pytest.raises(CalibrationError, match="no_such_parameter"):
        calibrate("Jiangxi", years=[2021, 2022], parameters=["separation_rate_monthly", "no_such_parameter"],
                  particles=4, max_evaluations=4, workers=1)


def test_malformed_history_file_names_file_and_line(tmp_path):
    bad = tmp_path / "mine.csv"
    bad.write_text(
        ",".join(HISTORY_COLUMNS) + "\n"
        "Jiangxi,new_urban_jobs,2021-01,2021-12,sum,48.5,10k persons,http://example.org,q,\n"
        "Jiangxi,new_urban_jobs,2022-01,2022-12,sum,lots,10k persons,http://example.org,q,\n",
        encoding="utf-8")
    with pytest.raises(HistoryError) as e:
        calibrate("Jiangxi", data_files=[bad], particles=4, max_evaluations=4, workers=1)
    msg = str(e.value)
    assert str(bad) in msg and "line 3" in msg and "value" in msg


def test_through_before_any_data():
    with pytest.raises(CalibrationError, match="2005"):
        calibrate("Jiangxi", through=2005, particles=4, max_evaluations=4, workers=1)


def test_through_before_the_model_period_is_a_calibration_error():
    with pytest.raises(CalibrationError):
        calibrate("Jiangxi", through=1990, particles=4, max_evaluations=4, workers=1)


# --- back-tests --------------------------------------------------------------------------------------

def test_backtest_unknown_or_unmodelled_indicator_lists_modelled_ones():
    for indicator in ("not_an_indicator", "gdp"):
        with pytest.raises(BacktestError) as e:
            backtest("Jiangxi", indicator, [2017], horizon=1, replicates=1, workers=1)
        msg = str(e.value)
        assert indicator in msg
        assert "new_urban_jobs" in msg and "surveyed_unemployment_rate" in msg
        assert "gdp," not in msg


def test_backtest_origin_without_actuals_names_the_years_with_data():
    """An origin after the data's last year is refused before any calibration, naming the allowed years."""
    with pytest.raises(BacktestError) as e:
        backtest("Jiangxi", "new_urban_jobs", [2021], horizon=2, replicates=1, workers=1)
    msg = str(e.value)
    assert "--origin 2021" in msg and "from 2010 to 2020" in msg


def test_backtest_china_new_urban_jobs(cheap_backtest_calibration):
    bt = backtest("China", "new_urban_jobs", [2017], horizon=2, replicates=2, workers=1)
    _check_backtest_table(bt, origin=2017, years=[2018, 2019], region="China")


def test_backtest_jiangxi_new_urban_jobs(cheap_backtest_calibration):
    """Origin 2019, horizon 2: 2020 has an actual (46.2万, the COVID year), 2021 has none in the history."""
    bt = backtest("Jiangxi", "new_urban_jobs", [2019], horizon=2, replicates=2, workers=1)
    _check_backtest_table(bt, origin=2019, years=[2020, 2021], region="Jiangxi")
    t = bt.table.set_index("period")
    assert t.at[2020, "actual"] == pytest.approx(46.2)
    assert math.isnan(t.at[2021, "actual"])
    assert all(math.isnan(t.at[2021, f"abs_error_{m}"]) for m in ("forecast", "model", "model_fg", "naive"))
    assert math.isnan(t.at[2021, "model_covered_80"]) and math.isnan(t.at[2021, "forecast_covered_80"])
    # the calibration saw only data up to the origin
    (call,) = cheap_backtest_calibration
    assert call["through"] == 2019
    # realised growth for the conditional projection; the growth forecast at the origin for the other
    assert t.at[2020, "growth_realised"] == pytest.approx(default_growth_path("Jiangxi", 2020, 2020)[2020])
    assert math.isfinite(t.at[2020, "growth_forecast"]) and t.at[2020, "growth_forecast"] != t.at[2020, "growth_realised"]
    summary = bt.summary()
    assert summary.set_index("method").loc["model", "n"] == 1
    assert summary.set_index("method").loc["model", "mean_abs_error"] == pytest.approx(t.at[2020, "abs_error_model"])


def _check_backtest_table(bt, origin: int, years: list[int], region: str) -> None:
    t = bt.table
    assert list(t.columns) == COLUMNS
    assert t["origin"].tolist() == [origin] * len(years)
    assert t["period"].tolist() == years
    assert list(t.columns[:10]) == ["origin", "period", "actual", "forecast", "forecast_lo80", "forecast_hi80",
                                    "model_median", "model_lo80", "model_hi80", "naive"]
    assert bt.unit == "10k persons"
    assert set(bt.calibrations) == {origin}
    # the naive forecast is the last value observed up to the origin
    past, _ = series_for(load_history(), region, "new_urban_jobs", origin=origin, max_gap_years=None)
    past = past.dropna()
    assert (t["naive"] == float(past.iloc[-1])).all()
    # MASE scale: mean absolute one-year change of the in-sample series (per-year change across gaps
    # when no two observed years are consecutive)
    yrs = np.array([p.year for p in past.index])
    v = past.to_numpy()
    consecutive = np.abs(np.diff(v))[np.diff(yrs) == 1]
    scale = consecutive.mean() if len(consecutive) else (np.abs(np.diff(v)) / np.diff(yrs)).mean()
    assert scale > 0
    has_actual = t["actual"].notna()
    assert has_actual.any()
    # the change from the origin year: the actual one, and the model's from its own origin-year value
    # (the default start carries on the calibration's run, which holds the origin year)
    if past.index[-1].year == origin:
        np.testing.assert_allclose(t["actual_change"], t["actual"] - float(past.iloc[-1]))
    assert t["model_change_median"].notna().all()
    for _, row in t[has_actual].iterrows():
        assert row["model_lo80"] <= row["model_median"] <= row["model_hi80"]
        for method, pred in (("forecast", row["forecast"]), ("model", row["model_median"]),
                             ("model_fg", row["model_fg_median"]), ("naive", row["naive"])):
            if math.isnan(pred):
                continue
            err = row[f"abs_error_{method}"]
            assert err == pytest.approx(abs(pred - row["actual"]))
            assert row[f"pct_error_{method}"] == pytest.approx(100 * (pred - row["actual"]) / row["actual"])
            assert row[f"mase_{method}"] == pytest.approx(err / scale)
            assert row[f"mase_{method}"] >= 0
        assert row["mase_model"] > 0
        for flag, lo, hi in (("forecast_covered_80", "forecast_lo80", "forecast_hi80"),
                             ("model_covered_80", "model_lo80", "model_hi80"),
                             ("model_fg_covered_80", "model_fg_lo80", "model_fg_hi80")):
            if math.isnan(row[lo]):
                continue
            assert isinstance(row[flag], (bool, np.bool_)), (flag, row[flag])
            assert bool(row[flag]) == (row[lo] <= row["actual"] <= row[hi])
    s = bt.summary()
    assert s["method"].tolist() == ["forecast", "model", "model_fg", "naive"]
    assert {"n", "mean_abs_error", "mean_abs_pct_error", "mean_mase", "coverage_80"} <= set(s.columns)
    assert (s["n"] <= int(has_actual.sum())).all()


# --- command line ------------------------------------------------------------------------------------

runner = CliRunner()


def _err(result) -> str:
    try:
        return result.stderr
    except ValueError:  # older click without separate stderr
        return result.output


def test_cli_calibrate_unknown_region_exits_2_with_the_list(params_dir):
    result = runner.invoke(app, ["calibrate", "--region", "Nowhere"])
    assert result.exit_code == 2, result.output
    msg = _err(result)
    assert "Nowhere" in msg
    for region in BASELINE_SCENARIOS:
        assert region in msg
    assert list(params_dir.iterdir()) == []


def test_cli_backtest_unknown_indicator_exits_2():
    result = runner.invoke(app, ["backtest", "--region", "China", "--indicator", "not_an_indicator", "--origin", "2017"])
    assert result.exit_code == 2, result.output
    msg = _err(result)
    assert "not_an_indicator" in msg and "new_urban_jobs" in msg
    assert "Traceback" not in result.output


def test_cli_backtest_csv(cheap_backtest_calibration):
    result = runner.invoke(app, ["backtest", "--region", "Jiangxi", "--indicator", "new_urban_jobs",
                                 "--origin", "2019", "--horizon", "1", "--replicates", "2", "--format", "csv"])
    assert result.exit_code == 0, (result.output, result.exception)
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == COLUMNS
    assert table["origin"].tolist() == [2019] and table["period"].tolist() == [2020]
    assert table.at[0, "actual"] == pytest.approx(46.2)
    assert table.at[0, "abs_error_model"] == pytest.approx(abs(table.at[0, "model_median"] - 46.2))


def test_backtest_replicates_take_the_posterior_draw_their_seed_picks_as_ensembles_do(monkeypatch):
    """The resample lists the particles best distance first: taking draws 0..k-1 for k replicates gave a
    biased corner of the posterior (China from 2017: 847.5万 against 1,222.5万 at the posterior medians).
    Each replicate takes draw seed % n, as `plan_ensemble` does, so a back-test samples what runs sample."""
    from jobsim.calibration.calibrate import CalibrationResult
    from jobsim.model.experiments.ensemble import replicate_seeds

    n_draws = 7
    values = {"separation_rate_monthly": 0.01, "matching_efficiency": 0.1}
    draws = [{"p0": 0.001 * (i + 1), "p1": 0.02 * (i + 1)} for i in range(n_draws)]

    def fake_calibrate(region, **kw):
        return CalibrationResult(region, dict(values), {}, [], 0.0, draws, info={"window": [2013, 2017]})

    seen = []
    real_spec = backtest_module.RunSpec

    def spy(*args, **kw):
        seen.append((kw["seed"], args[5]["separation_rate_monthly"], args[5]["matching_efficiency"]))
        return real_spec(*args, **kw)

    monkeypatch.setattr(backtest_module, "calibrate", fake_calibrate)
    monkeypatch.setattr(backtest_module, "RunSpec", spy)
    monkeypatch.setattr(backtest_module, "calibration_scale", lambda region: 400_000)
    backtest("China", "new_urban_jobs", [2017], horizon=1, replicates=4, seed=11, workers=1)
    seeds = replicate_seeds(11, 4)
    expected = [(s, draws[s % n_draws]["p0"], draws[s % n_draws]["p1"]) for s in seeds]
    assert seen[:4] == expected  # the realised-growth projection; the forecast-growth one repeats them
    assert seen[4:] == expected
    assert [s % n_draws for s in seeds] != list(range(4))  # the seeds do not happen to pick the first draws


def test_a_window_start_projection_carries_on_the_calibrations_own_simulation(monkeypatch):
    """With start="window" (the default) a back-test replicate is the calibration's simulation of its window
    (same structure, levers, growth, parameters) run on past the origin: its window years are bit for bit
    those of the calibration's run with the same parameters and seed, so the projection starts from the
    state the calibration fitted. With start="origin" it starts afresh from the structure after the origin."""
    from jobsim.calibration.backtest import projection_specs

    contexts = []
    real_context = calibrate_module.SimulationContext

    def spy(**kw):
        contexts.append(real_context(**kw))
        return contexts[-1]

    monkeypatch.setattr(calibrate_module, "SimulationContext", spy)
    cal = calibrate("Jiangxi", years=[2018, 2019], parameters=["separation_rate_monthly", "matching_efficiency"],
                    scale=40_000, particles=4, max_evaluations=4, workers=1, seed=3)
    (ctx,) = contexts
    specs = projection_specs("Jiangxi", [2020, 2021], cal, start="window", replicates=2, seed=5, scale=40_000)
    assert set(specs) == {"model"} and len(specs["model"]) == 2
    for spec in specs["model"]:
        assert (spec.first_year, spec.last_year) == (2018, 2021)
        theta = np.array([spec.parameters[n] for n in ctx.names])
        mine = ctx.spec(theta, spec.seed)
        assert dict(mine.parameters) == dict(spec.parameters) and mine.facts == spec.facts and mine.scale == spec.scale
        assert {k: v for k, v in spec.gdp_real_growth_percent.items() if k <= 2019} == \
            {k: v for k, v in mine.gdp_real_growth_percent.items() if k <= 2019}
        assert spec.gdp_real_growth_percent[2020] == pytest.approx(default_growth_path("Jiangxi", 2020, 2020)[2020])
        runs = []
        for s in (mine, spec):
            m = s.build()
            m.run()
            runs.append(region_yearly(m.recorder, ["new_urban_jobs", "urban_employed"]))
        for variable in ("new_urban_jobs", "urban_employed"):
            np.testing.assert_array_equal(runs[1][variable][:2], runs[0][variable])
    fresh = projection_specs("Jiangxi", [2020, 2021], cal, start="origin", replicates=1, seed=5, scale=40_000,
                             growth_forecast={2020: 1.0, 2021: 2.0})
    assert {s.first_year for v in fresh.values() for s in v} == {2020}
    assert fresh["model"][0].facts == area_facts("Jiangxi", as_of=2020)
    assert fresh["model_fg"][0].gdp_real_growth_percent[2021] == 2.0
    with pytest.raises(BacktestError, match="start: 'later' is not a projection start; allowed: window, origin"):
        backtest("Jiangxi", "new_urban_jobs", [2019], horizon=1, replicates=1, workers=1, start="later")


def test_a_back_test_warns_when_its_calibration_misses_the_indicator_in_the_window():
    """A window-start projection carries on from the calibration's fit of the window, so a calibration that misses
    the back-tested indicator's own yearly values by more than 3 sds is named, with a hint for a quick one; other
    indicators' misses, totals and fits within 3 sds are not."""
    from jobsim.calibration.backtest import window_fit_warnings
    from jobsim.calibration.calibrate import CalibrationResult

    def moment(variable, years, z, kind="mean", fitted=True):
        return {"name": f"{variable} {years[0]}", "variable": variable, "years": years, "z": z, "kind": kind,
                "fitted": fitted}

    moments = [moment("new_urban_jobs", [2015], 10.4), moment("new_urban_jobs", [2016], 2.9),
               moment("new_urban_jobs", [2017], -3.2), moment("new_urban_jobs", [2015, 2016, 2017], 9.0, "total"),
               moment("reemployment_of_unemployed", [2016], 8.0), moment("new_urban_jobs", [2018], 5.0, fitted=False)]
    cal = CalibrationResult("China", {}, {}, moments, 0.0, [])
    (quick,) = window_fit_warnings(cal, "new_urban_jobs", "new_urban_jobs", quick=True)
    assert quick == ("the calibration misses new_urban_jobs in its window by more than 3 sds (2015 +10.4, 2017 -3.2); "
                     "the projection carries on from that miss; a thorough calibration (--thorough) may fit it")
    (thorough,) = window_fit_warnings(cal, "new_urban_jobs", "new_urban_jobs", quick=False)
    assert thorough.endswith("carries on from that miss")
    assert window_fit_warnings(cal, "registered_unemployed", "registered_unemployed", quick=True) == []
