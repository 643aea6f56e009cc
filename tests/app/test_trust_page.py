"""The Trust page (app/screens/trust.py): history, statistical forecast and the calibrated baseline on one chart
with the API's numbers; the recorded back-tests and their summary; the posterior predictive checks with the
share covered and the far-off moments marked; a region without back-tests says so; English labels in English.

Each page is run once per region and language (module fixtures); the preview run of the model is cached
across them, so only the first pays for it.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from jobsim.app.text import t
from jobsim.model import api

from .conftest import app_test, chart_rows, no_exception, vega_charts

INDICATOR = "new_urban_jobs"


@pytest.fixture(scope="module")
def run_trust(tmp_path_factory):
    """Runs of the Trust page, one per (region, lang), each in its own app folder."""
    runs = {}

    def run(region: str, lang: str = "zh"):
        if (region, lang) not in runs:
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("JOBSIM_APP_HOME", str(tmp_path_factory.mktemp("jobsim_app")))
                query = {"region": region} if lang == "zh" else {"region": region, "lang": lang}
                at = app_test("trust", **query)
                at.run()
            runs[region, lang] = at
        return runs[region, lang]

    return run


@pytest.fixture(scope="module")
def hunan(run_trust):
    return run_trust("Hunan")


def _frame(at, first_header: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if len(d.value.columns) and d.value.columns[0] == first_header]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def _trust_chart(at, lang: str = "zh") -> pd.DataFrame:
    title = t("trust_chart_title", lang, label=api.indicator_info(INDICATOR)["label_zh" if lang == "zh" else "label_en"])
    charts = [chart_rows(spec, data) for spec, data in vega_charts(at) if spec.get("title") == title]
    assert len(charts) == 1, [spec.get("title") for spec, _ in vega_charts(at)]
    return charts[0]


def test_the_page_runs(hunan):
    no_exception(hunan)
    assert hunan.title[0].value.endswith(t("page_trust", "zh"))


def test_history_on_the_chart_is_the_apis(hunan):
    rows = _trust_chart(hunan)
    series, extraction = api.history_series("Hunan", INDICATOR)
    assert extraction.unit == "10k persons"  # the chart's unit (万人), as the model's fan
    expected = series.dropna()
    shown = rows[rows["series"] == t("history", "zh")].sort_values("year")
    assert shown["year"].astype(int).tolist() == [p.year for p in expected.index]
    np.testing.assert_allclose(shown["value"].astype(float), expected.to_numpy(dtype=float))


def test_forecast_on_the_chart_is_the_apis(hunan):
    rows = _trust_chart(hunan)
    table = api.forecast("Hunan", INDICATOR).to_frame()
    shown = rows[rows["series"] == t("forecast", "zh")].sort_values("year")
    assert shown["year"].astype(int).tolist() == [int(str(p)) for p in table["period"]]
    for column in ("mean", "lo80", "hi80"):
        np.testing.assert_allclose(shown[column].astype(float), table[column].to_numpy(dtype=float))


def test_model_baseline_on_the_chart_is_the_preview_run(hunan):
    from jobsim.app import services

    rows = _trust_chart(hunan)
    s = api.load_scenario(api.scenarios_dir() / f"{api.baseline_scenario_name('Hunan')}.yaml")
    size = services.preview_size(s)
    ds = api.run(s, replicates=size.replicates, seed=s.seed, scale=size.scale)
    fan = api.fan_table({s.name: ds}, INDICATOR, "Hunan", "zh")
    shown = rows[rows["series"] == t("model_baseline", "zh")].sort_values("year")
    assert shown["year"].astype(int).tolist() == fan["year"].tolist()
    for column in ("p10", "median", "p90"):
        np.testing.assert_allclose(shown[column].astype(float), fan[column].to_numpy(dtype=float))


def test_backtest_table_is_the_record(hunan):
    table, _ = api.backtest_record("Hunan")
    expected = table[table["indicator"] == INDICATOR].reset_index(drop=True)
    shown = _frame(hunan, t("col_origin", "zh"))
    assert len(shown) == len(expected) > 0
    for column in ("origin", "period", "actual", "forecast", "forecast_lo80", "forecast_hi80", "model_median",
                   "model_lo80", "model_hi80", "naive", "mase_model", "mase_naive"):
        np.testing.assert_allclose(shown[t(f"col_{column}", "zh")].astype(float),
                                   expected[column].astype(float), equal_nan=True, err_msg=column)


def test_backtest_summary_is_the_record(hunan):
    _, summary = api.backtest_record("Hunan")
    expected = summary[summary["series"] == f"Hunan {INDICATOR}"].reset_index(drop=True)
    shown = _frame(hunan, t("col_method", "zh"))
    assert shown[t("col_method", "zh")].tolist() == [t(f"method_{m}", "zh") for m in expected["method"]]
    for column in ("n", "mean_abs_error", "mean_abs_pct_error", "mean_mase", "coverage_80"):
        np.testing.assert_allclose(shown[t(f"col_{column}", "zh")].astype(float),
                                   expected[column].astype(float), equal_nan=True, err_msg=column)
    first = expected.iloc[0]
    assert first["calibration"] in ("quick", "thorough")
    kind = t(f"calibration_{first['calibration']}", "zh")
    budget = pd.to_numeric(first.get("evaluations"), errors="coerce")
    calibration = kind if pd.isna(budget) else t("calibration_budget", "zh", kind=kind, n=int(budget))
    how = t("backtest_how", "zh", calibration=calibration,
            replicates=first["replicates"], generated=first["generated"], version=first["jobsim_version"])
    assert how in [c.value for c in hunan.caption]
    assert ("完整" if first["calibration"] == "thorough" else "快速") in how  # the kind, in Chinese
    if pd.notna(budget):  # the search's budget, as the report recorded it (3,300 in the shipped record)
        assert f"每个起点 {int(budget):,} 次模拟" in how
    assert "python -m jobsim.calibration.report" in how


def test_the_reminder_is_the_apis():
    assert "MASE" in api.backtest_reminder("Hunan", "en")  # the line every projection page shows


def test_posterior_checks_and_their_coverage(hunan):
    checks = api.posterior_checks("Hunan")
    covered = int(checks["covered"].astype(bool).sum())
    assert t("ppc_covered", "zh", share=covered / len(checks), n=len(checks)) in [m.value for m in hunan.markdown]
    shown = [d for d in hunan.dataframe if d.value.columns[0] == t("col_moment", "zh")]
    assert len(shown) == 1
    assert shown[0].value[t("col_moment", "zh")].tolist() == checks["moment"].tolist()
    # the rows marked are those whose simulated median misses the observed value by more than 3 sds
    styles = shown[0].proto.arrow_data.styler.styles
    marked = {int(r) for r in re.findall(r"row(\d+)_col", styles)}
    far = set(checks.index[checks["z"].astype(float).abs() > 3])
    assert marked == far and far


def test_calibration_warnings_are_listed(hunan):
    notes = api.calibration_notes("Hunan")
    assert notes["warnings"]
    text = "\n".join(m.value for m in hunan.markdown)
    assert all(w in text for w in notes["warnings"])


def test_a_region_without_backtests_says_so(run_trust):
    at = run_trust("Fuzhou")
    no_exception(at)
    assert api.backtest_record("Fuzhou")[0].empty
    assert t("no_backtest", "zh") in [i.value for i in at.info]


def test_english_labels(run_trust):
    at = run_trust("Hunan", "en")
    no_exception(at)
    assert at.title[0].value.endswith("Trust")
    select = at.selectbox(key="trust_indicator")
    assert select.label == "Indicator" and select.options[0] == "new urban jobs"
    rows = _trust_chart(at, "en")
    assert set(rows["series"]) == {"History", t("forecast", "en"), t("model_baseline", "en")}
    assert _frame(at, "Origin").columns[2] == "Actual"
    assert _frame(at, "Method")["Method"].tolist()[0] == "statistical forecast"


def test_another_indicator_in_its_own_unit(hunan):
    """A rate: the history in percent, as the model's fan shows it."""
    at = hunan.selectbox(key="trust_indicator").set_value("registered_unemployment_rate").run()
    no_exception(at)
    series, extraction = api.history_series("Hunan", "registered_unemployment_rate")
    assert extraction.unit == "percent" and api.chart_unit("registered_unemployment_rate") == "percent"
    title = t("trust_chart_title", "zh", label=api.indicator_info("registered_unemployment_rate")["label_zh"])
    rows = [chart_rows(spec, data) for spec, data in vega_charts(at) if spec.get("title") == title][0]
    shown = rows[rows["series"] == t("history", "zh")].sort_values("year")
    np.testing.assert_allclose(shown["value"].astype(float), series.dropna().to_numpy(dtype=float))
    model = rows[rows["series"] == t("model_baseline", "zh")]
    assert 0.5 < model["median"].astype(float).median() < 20  # percent, not a fraction


def test_history_frame_converts_to_the_fans_unit():
    series = pd.Series([700000.0, np.nan, 750000.0], index=pd.period_range("2018", periods=3, freq="Y"))
    table = api.history_frame(series, "persons", INDICATOR, "en")
    assert table["year"].tolist() == [2018, 2020] and table["value"].tolist() == [70.0, 75.0]
    assert table.attrs["unit"] == "10k persons"
    with pytest.raises(ValueError):
        api.history_frame(pd.Series([1.0], index=pd.period_range("2020-01", periods=1, freq="M")), "percent",
                          "surveyed_unemployment_rate")
