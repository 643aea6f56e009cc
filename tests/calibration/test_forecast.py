"""Tests for the statistical forecasts (calibration/forecast.py) and `jobsim forecast` (calibration/cli.py)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from jobsim.calibration.forecast import (
    CANDIDATES,
    OUTPUT_COLUMNS,
    ForecastError,
    _bands,
    forecast_for,
    forecast_series,
    series_for,
)
from jobsim.model.inputs.history import HISTORY_COLUMNS, load_history
from jobsim.model.cli.main import app

TREND_MODELS = {"drift", "arima010_drift", "uc_trend", "holt", "damped"}
HEADER = ",".join(HISTORY_COLUMNS)


def yearly(values, start: int = 2000) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.period_range(str(start), periods=len(values), freq="Y"))


def write_history(tmp_path: Path, *rows: str, name: str = "mine.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return load_history()


def run_cli(*args: str):
    return CliRunner().invoke(app, ["forecast", *args])


# ---- synthetic processes --------------------------------------------------------------------------


def test_linear_trend_plus_noise_is_forecast_by_a_trend_model_close_to_the_truth():
    rng = np.random.default_rng(0)
    t = np.arange(20)
    fc = forecast_series(yearly(100 + 3 * t + rng.normal(0, 2, 20)), horizon=5)
    truth = 100 + 3 * np.arange(20, 25)
    assert fc.model in TREND_MODELS
    assert np.abs(fc.table["mean"].to_numpy() - truth).max() < 4  # noise sd 2
    assert list(fc.table["period"]) == ["2020", "2021", "2022", "2023", "2024"]
    assert (fc.table["lo95"] < truth).all() and (truth < fc.table["hi95"]).all()


def test_ar1_around_a_mean_is_forecast_back_towards_the_mean():
    rng = np.random.default_rng(0)
    y = np.empty(30)
    y[0] = 50.0
    for i in range(1, 30):
        y[i] = 50 + 0.6 * (y[i - 1] - 50) + rng.normal()
    fc = forecast_series(yearly(y), horizon=5)
    mean = fc.table["mean"].to_numpy()
    assert fc.model not in TREND_MODELS
    assert abs(mean[-1] - 50) < 1.0  # the process sd is 1.25
    assert abs(mean[-1] - 50) <= abs(mean[0] - 50) + 1e-9  # not drifting away from the mean
    assert (fc.table["lo80"] < 50).all() and (50 < fc.table["hi80"]).all()


def test_random_walk_gets_a_flat_naive_like_forecast():
    rng = np.random.default_rng(0)
    y = 100 + np.cumsum(rng.normal(size=25))
    fc = forecast_series(yearly(y), horizon=5)
    mean = fc.table["mean"].to_numpy()
    assert fc.model not in TREND_MODELS
    assert np.abs(mean - y[-1]).max() < 1.0  # innovation sd 1
    width = (fc.table["hi80"] - fc.table["lo80"]).to_numpy()
    assert (np.diff(width) > 0).all()  # uncertainty grows with the horizon


def test_80_percent_intervals_cover_70_to_90_percent_of_random_walks_with_drift():
    rng = np.random.default_rng(0)
    n, horizon, reps = 15, 5, 200
    one_step, all_steps, all_95 = [], [], []
    for _ in range(reps):
        y = 100 + np.cumsum(1.0 + rng.normal(size=n + horizon))
        fc = forecast_series(yearly(y[:n]), horizon=horizon, candidates=("naive", "drift"))
        future, t = y[n:], fc.table
        inside80 = (t["lo80"].to_numpy() <= future) & (future <= t["hi80"].to_numpy())
        inside95 = (t["lo95"].to_numpy() <= future) & (future <= t["hi95"].to_numpy())
        one_step.append(inside80[0])
        all_steps.append(inside80.mean())
        all_95.append(inside95.mean())
    assert 0.70 <= np.mean(one_step) <= 0.90
    assert 0.70 <= np.mean(all_steps) <= 0.90
    assert 0.88 <= np.mean(all_95) <= 0.99


def test_full_candidate_set_intervals_are_roughly_calibrated():
    # a small sanity check of selection plus interval floors (docs/forecasting.md reports a larger run)
    rng = np.random.default_rng(1)
    n, horizon, reps = 9, 3, 20
    covered = []
    for _ in range(reps):
        y = 100 + np.cumsum(1.0 + rng.normal(size=n + horizon))
        t = forecast_series(yearly(y[:n]), horizon=horizon).table
        covered.extend((t["lo80"].to_numpy() <= y[n:]) & (y[n:] <= t["hi80"].to_numpy()))
    assert 0.65 <= np.mean(covered) <= 0.95


def test_short_series_intervals_span_both_naive_and_drift():
    y = np.array([10.0, 12.0, 13.5, 16.0, 17.0])
    fc = forecast_series(yearly(y), horizon=3)
    assert set(fc.cv["model"]) == {"naive", "drift", "uc_level"}
    for other in ("naive", "drift"):
        path = CANDIDATES[other].run(y, 3, True)
        half80, half95 = _bands(path)
        assert (fc.table["lo80"] <= path.mean - half80 + 1e-4).all()
        assert (fc.table["hi80"] >= path.mean + half80 - 1e-4).all()
        assert (fc.table["hi95"] >= path.mean + half95 - 1e-4).all()
    assert any("short series" in n for n in fc.notes)


def test_the_first_years_do_not_depend_on_the_horizon_asked_for(history):
    long = forecast_for("Jiangxi", "new_urban_jobs", horizon=5, history=history).table
    short = forecast_for("Jiangxi", "new_urban_jobs", horizon=2, history=history).table
    pd.testing.assert_frame_equal(short, long.iloc[:2])


def test_forecasts_are_deterministic():
    rng = np.random.default_rng(3)
    y = yearly(50 + np.cumsum(rng.normal(size=14)))
    a, b = forecast_series(y, horizon=4), forecast_series(y, horizon=4)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.cv, b.cv)


# ---- gaps, errors ---------------------------------------------------------------------------------


def test_gappy_series_is_forecast_without_nan_rows():
    rng = np.random.default_rng(2)
    y = 20 + np.cumsum(0.5 + rng.normal(size=16))
    y[[3, 7, 8, 12]] = np.nan
    fc = forecast_series(yearly(y, start=2005), horizon=5)
    assert list(fc.table.columns) == OUTPUT_COLUMNS
    assert list(fc.table["period"]) == [str(x) for x in range(2021, 2026)]
    assert np.isfinite(fc.table[OUTPUT_COLUMNS[1:6]].to_numpy()).all()
    assert (fc.table["lo95"] <= fc.table["lo80"]).all() and (fc.table["lo80"] <= fc.table["mean"]).all()
    assert (fc.table["mean"] <= fc.table["hi80"]).all() and (fc.table["hi80"] <= fc.table["hi95"]).all()
    assert fc.series.isna().sum() == 4  # the gaps stay gaps in a regular index


@pytest.mark.parametrize(
    "values, count",
    [([np.nan, 5.0, np.nan], 1), ([np.nan, np.nan, np.nan], 0), ([7.0], 1), ([3.0, np.nan, 4.0], 2)],
)
def test_too_few_points_give_a_clear_error(values, count):
    with pytest.raises(ForecastError, match=rf"{count} usable point\(s\).*at least 3"):
        forecast_series(yearly(values), horizon=3)


def test_two_points_are_enough_for_a_naive_only_forecast():
    fc = forecast_series(yearly([4.0, np.nan, 5.0]), horizon=2, candidates=("naive",))
    assert fc.model == "naive" and list(fc.table["mean"]) == [5.0, 5.0]
    assert (fc.table["hi80"] > 5.0).all()


def test_infinite_values_are_refused():
    with pytest.raises(ForecastError, match="infinite"):
        forecast_series(yearly([1.0, 2.0, np.inf, 4.0]), horizon=2)


def test_region_indicator_with_too_few_points_says_what_exists_and_what_is_needed(history):
    with pytest.raises(ForecastError) as err:
        forecast_for("Jiangxi", "urban_employment", history=history)
    msg = str(err.value)
    assert "2 usable yearly point(s) (2012, 2020)" in msg and "at least 3" in msg


def test_a_series_that_stopped_long_ago_is_not_extrapolated(history):
    with pytest.raises(ForecastError, match=r"last usable point is 2011, 9 years before 2020.*not extrapolated"):
        forecast_for("Jiangxi", "entrepreneurship_training", history=history)


# ---- series extraction ----------------------------------------------------------------------------


def test_partial_year_and_multi_year_windows_are_not_years(history):
    s, ext = series_for(history, "China", "new_urban_jobs")
    assert isinstance(s.index, pd.PeriodIndex) and s.index.freqstr.startswith("Y")
    assert pd.isna(s[pd.Period("2010", "Y")])  # only Jan-Sep 2010 exists
    assert s[pd.Period("2020", "Y")] == 1186.0  # the full year, not Jan-Nov's 1099
    windows = ext.dropped["start"].astype(str) + ".." + ext.dropped["end"].astype(str)
    reasons = dict(zip(windows, ext.dropped["reason"]))
    assert reasons["2010-01..2010-09"] == "partial year"
    assert reasons["2016-01..2019-12"] == "multi-year window"


def test_a_users_partial_year_row_does_not_become_a_year(tmp_path, history):
    extra = write_history(tmp_path, "Jiangxi,new_urban_jobs,2021-01,2021-08,sum,38.5,10k persons,,,")
    h = load_history(extra_files=[extra])
    s, ext = series_for(h, "Jiangxi", "new_urban_jobs")
    assert s.index[-1] == pd.Period("2020", "Y")
    assert "partial year" in set(ext.dropped["reason"])


def test_revised_figures_beat_early_ones_and_exact_beat_rounded(history):
    s, ext = series_for(history, "Jiangxi", "gdp")
    assert s[pd.Period("2018", "Y")] == 22716.51  # revised, not the early 21984.78
    s, _ = series_for(history, "Jiangxi", "new_urban_jobs")
    assert s[pd.Period("2016", "Y")] == 55.15  # not the rounded 55.2
    assert list(s.dropna().index.year) == [2011, 2016, 2019, 2020]


def test_monthly_indicator_stays_monthly(history):
    s, ext = series_for(history, "China", "surveyed_unemployment_rate")
    assert ext.freq == "M" and s.index.freqstr.startswith("M")
    assert s.index[0] == pd.Period("2017-01", "M") and s.index[-1] == pd.Period("2022-12", "M")
    assert s[pd.Period("2020-02", "M")] == 6.2
    assert (ext.dropped["reason"] == "not a single month; the series is monthly").any()


def test_origin_keeps_only_windows_ending_by_that_year(history):
    s, ext = series_for(history, "China", "new_urban_jobs", origin=2016)
    assert s.index[-1] == pd.Period("2016", "Y")
    assert all(e <= pd.Period("2016-12", "M") for e in ext.used["end"])


def test_a_unit_that_does_not_fit_the_indicator_is_an_error(history):
    bad = history[(history["region"] == "Jiangxi") & (history["indicator"] == "new_urban_jobs")].copy()
    bad.loc[bad.index[0], "unit"] = "100M yuan"
    with pytest.raises(ForecastError, match=r"unit '100M yuan' does not fit new_urban_jobs.*'10k persons'"):
        series_for(bad, "Jiangxi", "new_urban_jobs")


def test_units_of_the_same_dimension_are_converted(history):
    h = history[(history["region"] == "Jiangxi") & (history["indicator"] == "new_urban_jobs")].copy()
    h.loc[h["value"] == 46.2, ["value", "unit"]] = [462000.0, "persons"]
    s, ext = series_for(h, "Jiangxi", "new_urban_jobs")
    assert s[pd.Period("2020", "Y")] == pytest.approx(46.2)
    assert any("converted 'persons' to '10k persons'" in n for n in ext.notes)


# ---- the command ----------------------------------------------------------------------------------


def test_cli_csv_for_jiangxi_new_urban_jobs():
    result = run_cli("--region", "Jiangxi", "--indicator", "new_urban_jobs", "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout), dtype={"period": str})
    assert list(table.columns) == OUTPUT_COLUMNS
    assert list(table["period"]) == ["2021", "2022", "2023", "2024", "2025"]
    assert table[OUTPUT_COLUMNS[1:6]].notna().all().all()
    assert set(table["model"]) <= set(CANDIDATES)


def test_cli_csv_for_chinas_monthly_surveyed_unemployment_rate():
    args = ["--region", "China", "--indicator", "surveyed_unemployment_rate", "--format", "csv", "--horizon", "2"]
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout), dtype={"period": str})
    assert list(table.columns) == OUTPUT_COLUMNS
    assert len(table) == 24
    assert table["period"].iloc[0] == "2023-01" and table["period"].iloc[-1] == "2024-12"
    assert table["mean"].between(3, 8).all()  # percent stays percent


def test_cli_origin_2016_uses_only_data_up_to_2016(tmp_path):
    args = ["--region", "China", "--indicator", "new_urban_jobs", "--origin", "2016", "--format", "csv"]
    plain = run_cli(*args)
    assert plain.exit_code == 0, plain.output
    table = pd.read_csv(io.StringIO(plain.stdout), dtype={"period": str})
    assert list(table["period"]) == [str(y) for y in range(2017, 2022)]
    # a wild figure for 2018 does not change a forecast made from 2016
    extra = write_history(tmp_path, "China,new_urban_jobs,2018-01,2018-12,sum,9999,10k persons,,,")
    changed = run_cli(*args, "--data", str(extra))
    assert changed.exit_code == 0, changed.output
    assert changed.stdout == plain.stdout
    fc = forecast_for("China", "new_urban_jobs", origin=2016)
    assert fc.series.index[-1] <= pd.Period("2016", "Y")


def test_cli_json_is_a_list_of_records():
    result = run_cli("--region", "Jiangxi", "--indicator", "new_urban_jobs", "--format", "json", "--horizon", "3")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert isinstance(records, list) and len(records) == 3
    assert all(list(r) == OUTPUT_COLUMNS for r in records)
    assert records[0]["period"] == "2021"


def test_cli_table_shows_labels_and_unit():
    result = run_cli("--region", "Jiangxi", "--indicator", "new_urban_jobs")
    assert result.exit_code == 0, result.output
    for text in ("城镇新增就业", "new urban jobs", "10k persons", "model:"):
        assert text in result.stdout


def test_cli_data_file_with_a_wrong_unit_fails_with_one_line(tmp_path):
    extra = write_history(tmp_path, "Jiangxi,new_urban_jobs,2021-01,2021-12,sum,48.5,percent,,,")
    result = run_cli("--region", "Jiangxi", "--indicator", "new_urban_jobs", "--data", str(extra))
    assert result.exit_code != 0
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "unit" in result.stderr and "percent" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, expect",
    [
        (["--region", "Mars", "--indicator", "new_urban_jobs"], ["unknown region 'Mars'", "Jiangxi", "China"]),
        (
            ["--region", "Jiangxi", "--indicator", "jobs"],
            ["unknown indicator 'jobs'", "new_urban_jobs (4 yearly points)"],
        ),
        (
            ["--region", "Jiangxi", "--indicator", "urban_employment"],
            ["2 usable yearly point(s)", "at least 3", "gdp (9 yearly points)"],
        ),
        (
            ["--region", "China", "--indicator", "new_urban_jobs", "--origin", "2009"],
            ["1 usable yearly point(s) (2009) up to 2009", "China has no indicator"],
        ),
    ],
)
def test_cli_errors_are_one_line_and_say_what_is_available(args, expect):
    result = run_cli(*args)
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    for text in expect:
        assert text in lines[0]
