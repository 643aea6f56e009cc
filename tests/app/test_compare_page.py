"""The Compare page (app/screens/compare.py) in Streamlit's AppTest: the fan chart carries api.fan_table's rows
for every scenario of the comparison, the targets' chances are api.comparison_tables' for the same comparison,
a difference within noise is marked where the API says so, the cities' bars are api.area_targets' median /
target for the chosen target set; the scenario picker, a quick lever and the indicator box drive the results
and round-trip through the URL; the brief is offered; presentation mode shows the charts without controls.

The expected comparison is made here with the API as services.compare makes it (api.plan_comparison with the
preview's replicates and scale, every scenario with the baseline's seed; api.compare_runs): the same seed gives
identical numbers. Views with no widget moved run once for the module; the preview runs are cached.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jobsim.app.text import t
from jobsim.model import api

from .conftest import app_test, cached_views, chart_rows, no_exception, vega_charts

REGION = "Jiangxi"
BASE = "jiangxi_baseline"
MORE_POSTS = "jiangxi_more_posts"
LOANS = "loan_issuance_yuan"
EDITED = f"{BASE}_edited"


def scenario(name: str):
    return api.load_scenario(api.scenarios_dir() / f"{name}.yaml")


@pytest.fixture(scope="module")
def view(tmp_path_factory):
    """The Compare page run once per URL query (no widget moved), each in its own app folder."""
    return cached_views("compare", tmp_path_factory)


@pytest.fixture(scope="module")
def expected():
    """The comparison of `items` (baseline first) as services.compare makes it at preview size, with the API:
    (plan, runs, comparison Dataset, api.comparison_tables)."""
    from jobsim.app import services

    ensembles, made = {}, {}

    def compare(*items):
        key = tuple(api.scenario_to_yaml(s) for s in items)
        if key not in made:
            size = services.preview_size(items[0])
            plan = api.plan_comparison(list(items), replicates=size.replicates, scale=size.scale)
            runs = {}
            for s in plan.scenarios:
                run_key = (api.scenario_to_yaml(s), plan.replicates, plan.seed, plan.scale)
                if run_key not in ensembles:
                    ensembles[run_key] = api.run_plan(api.plan_ensemble(s, plan.replicates, plan.seed, plan.scale))
                runs[s.name] = ensembles[run_key]
            ds = api.compare_runs(plan, runs)
            made[key] = plan, runs, ds, api.comparison_tables(ds)
        return made[key]

    return compare


@pytest.fixture(scope="module")
def default(view):
    at = view(cmp=MORE_POSTS)
    no_exception(at)
    return at


def charts(at) -> dict[str, pd.DataFrame]:
    return {spec["title"]: chart_rows(spec, data) for spec, data in vega_charts(at)}


CUMULATIVE = {"new_urban_jobs": True, "surveyed_unemployment_rate": False}  # as the page draws them


def fan_rows(at, indicator: str = "new_urban_jobs", lang: str = "zh") -> pd.DataFrame:
    label = api.fan_table({}, indicator, REGION, lang, cumulative=CUMULATIVE[indicator]).attrs["label"]
    found = charts(at)
    title = t("fan_title", lang, label=label)
    assert title in found, (title, list(found))
    return found[title]


def assert_fan_is_the_apis(rows: pd.DataFrame, runs: dict, indicator: str, cumulative: bool, lang: str = "zh"):
    fan = api.fan_table(runs, indicator, REGION, lang, cumulative=cumulative)
    band = rows[rows["scenario"].notna()].sort_values(["scenario", "year"]).reset_index(drop=True)
    fan = fan.sort_values(["scenario", "year"]).reset_index(drop=True)
    assert band["scenario"].tolist() == fan["scenario"].tolist()
    assert set(band["scenario"]) == set(runs)
    assert band["year"].astype(int).tolist() == fan["year"].astype(int).tolist()
    for column in ("p10", "median", "p90"):
        np.testing.assert_allclose(band[column].astype(float), fan[column].astype(float), rtol=1e-12,
                                   err_msg=f"{indicator} {column}")


def frame_with(at, column: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def quick_loans(base_value_factor: int) -> list[float]:
    """The loans a quick-lever step gives: every year of the baseline's moved by the same percentage."""
    part = api.lever_schedule(scenario(BASE), scenario(BASE), "zh").query("lever == @LOANS")
    return [b * (1 + base_value_factor / 100) for b in part["base_value"]]


def services_title(name: str, lang: str = "zh") -> str:
    s = scenario(name)
    return s.title.zh if lang == "zh" else s.title.en


# ---- the default comparison: the baseline and more posts ---------------------------------------------

def test_the_comparison_runs(default):
    assert default.title[0].value == t("page_compare", "zh")
    assert not default.warning and not default.error
    assert default.multiselect[0].value == [MORE_POSTS]
    assert default.query_params["cmp"] == MORE_POSTS and default.query_params["region"] == REGION
    assert any(c.value == t("preview_note", "zh", replicates=4, scale=10000) for c in default.caption)


def test_the_fan_chart_carries_both_scenarios(default, expected):
    _, runs, _, _ = expected(scenario(BASE), scenario(MORE_POSTS))
    rows = fan_rows(default)
    assert_fan_is_the_apis(rows, runs, "new_urban_jobs", cumulative=True)
    assert set(rows["scenario_label"].dropna()) == {services_title(BASE), services_title(MORE_POSTS)}
    assert rows["value"].dropna().tolist() == [200.0]  # the 14th plan's five-year total


def test_the_targets_chances_are_the_apis(default, expected):
    _, _, _, tables = expected(scenario(BASE), scenario(MORE_POSTS))
    targets = tables["targets"]
    evaluated = targets[targets["status"] == "evaluated"]
    # the bars carry the probabilities themselves
    bars = charts(default)[t("target_table", "zh")]
    got = bars.sort_values(["scenario", "target"]).reset_index(drop=True)
    want = evaluated.sort_values(["scenario", "target"]).reset_index(drop=True)
    assert got[["scenario", "target"]].values.tolist() == want[["scenario", "target"]].values.tolist()
    np.testing.assert_allclose(got["probability"].astype(float), want["probability"].astype(float), atol=1e-12)
    # the table: a column per scenario, each target's chance, or "set by the scenario" with whether it is met
    wide = frame_with(default, t("target_level", "zh"))
    titles = dict(zip(tables["scenarios"]["scenario"], tables["scenarios"]["title_zh"]))
    shown = targets[targets["status"] != "not modelled"]
    assert len(wide) == shown["target"].nunique()
    for _, r in shown.iterrows():
        cell = wide[(wide[t("indicator", "zh")] == r["label_zh"])
                    & (wide[t("target_years", "zh")] == r["period"])][titles[r["scenario"]]]
        assert len(cell) == 1
        if r["status"] == "evaluated":
            assert cell.item() == f"{r['probability']:.0%}"
        else:
            assert r["status"] == "set by the scenario"
            assert cell.item() == "由情景设定" + (" ✓" if r["scenario_meets"] else " ✗")


def test_a_difference_within_noise_is_marked(default, expected):
    _, _, _, tables = expected(scenario(BASE), scenario(MORE_POSTS))
    headline = tables["headline"]
    headline = headline[headline["scenario"] != BASE].reset_index(drop=True)
    effects = frame_with(default, t("noise", "zh"))
    assert len(effects) == len(headline) > 0
    assert effects[t("indicator", "zh")].tolist() == headline["label_zh"].tolist()
    for (_, shown), (_, r) in zip(effects.iterrows(), headline.iterrows()):
        mark = shown[t("noise", "zh")]
        assert mark.startswith("在随机误差范围内") == bool(r["within_noise"]), (r["label_zh"], mark)
        assert shown[t("difference", "zh")].startswith(f"{r['difference']:+,.4g} ± ")
        assert shown[t("median", "zh")] == (f"{r['median']:,.0f}" if abs(r["median"]) >= 1000 else f"{r['median']:,.4g}")
    assert headline["within_noise"].any()  # four preview replicates: some differences cannot be told apart
    cost = frame_with(default, t("extra_cost", "zh"))
    cost_rows = tables["cost"][tables["cost"]["scenario"] != BASE].reset_index(drop=True)
    for key in ("cost_per_extra_job", "cost_per_extra_job_held", "cost_per_extra_job_year"):
        for cell, flag in zip(cost[t(key, "zh")], cost_rows[f"{key}_within_noise"]):
            assert cell.endswith("在随机误差范围内，需要更多重复") == bool(flag), (key, cell)


def test_the_cities_bars_are_median_over_target(default, expected):
    plan, runs, _, _ = expected(scenario(BASE), scenario(MORE_POSTS))
    city_set = default.selectbox(key="city_set").value
    assert city_set == default.selectbox(key="city_set").options[0] == "jiangxi_2021"
    assert default.selectbox(key="city_scenario").value == MORE_POSTS  # the last scenario first
    assert default.selectbox(key="city_indicator").value == "new_urban_jobs"
    title = f"城镇新增就业 · {services_title(MORE_POSTS)}"
    rows = charts(default)[title]
    bars = rows[rows["area"].notna()].sort_values("area").reset_index(drop=True)
    targets = plan.baseline.with_changes(targets=city_set).target_list()
    cities = {tg.area for tg in targets if tg.indicator == "new_urban_jobs" and tg.area != REGION}
    assert len(bars) == len(cities) > 1 and set(bars["area"]) == cities  # one bar per city with a target
    want = api.area_targets(runs[MORE_POSTS], targets, REGION, "zh")
    want = want[want["indicator"] == "new_urban_jobs"].sort_values("area").reset_index(drop=True)
    for column in ("target", "median", "ratio", "probability"):
        np.testing.assert_allclose(bars[column].astype(float), want[column].astype(float), rtol=1e-12, err_msg=column)
    np.testing.assert_allclose(bars["ratio"].astype(float), bars["median"].astype(float) / bars["target"].astype(float),
                               rtol=1e-12)
    assert rows["x"].dropna().tolist() == [1.0]  # the line where a city just meets its target


def test_the_brief_is_offered(default):
    buttons = {b.key: b for b in default.get("download_button")}
    brief = buttons["brief_download"]
    assert brief.label == t("brief", "zh")
    assert brief.proto.deferred_file_id and not brief.proto.url  # made only when asked for
    from jobsim.app import charts

    if charts.cjk_font_files() is None:  # no font to embed: the page says what to install instead
        assert "brief_pdf_download" not in buttons
        assert any(c.value == t("brief_pdf_needs_font", "zh") for c in default.caption)
    else:
        pdf = buttons["brief_pdf_download"]
        assert pdf.label == t("brief_pdf", "zh")
        assert pdf.proto.deferred_file_id and not pdf.proto.url


# ---- widgets drive the comparison and the URL ---------------------------------------------------------------

def test_a_quick_lever_adds_an_edited_scenario(view, expected):
    at = app_test("compare", cmp=MORE_POSTS)
    at.run()
    at.select_slider(key=f"quick_{LOANS}").set_value(20).run()
    no_exception(at)
    assert at.query_params[f"lv.{LOANS}"] == "144,144,144,144,144"  # 120亿 a year + 20%
    from jobsim.app import services

    edited = services.edited_scenario(scenario(BASE), {LOANS: quick_loans(20)}, None, None)
    assert edited.name == EDITED
    _, runs, _, tables = expected(scenario(BASE), scenario(MORE_POSTS), edited)
    rows = fan_rows(at)
    assert set(rows["scenario"].dropna()) == {BASE, MORE_POSTS, EDITED}
    assert_fan_is_the_apis(rows, runs, "new_urban_jobs", cumulative=True)
    assert any(c.value == "= 144 亿元 (2021)" for c in at.caption)
    # the URL round-trips: a new session from it has the slider at +20% and the same chart
    again = view(**dict(at.query_params))
    no_exception(again)
    assert again.select_slider(key=f"quick_{LOANS}").value == 20
    assert dict(again.query_params) == dict(at.query_params)
    assert_fan_is_the_apis(fan_rows(again), runs, "new_urban_jobs", cumulative=True)
    # back to 0%: no edit left, in the URL or in the comparison
    at.select_slider(key=f"quick_{LOANS}").set_value(0).run()
    no_exception(at)
    assert f"lv.{LOANS}" not in at.query_params
    assert set(fan_rows(at)["scenario"].dropna()) == {BASE, MORE_POSTS}


def test_the_scenario_picker_drives_the_comparison_and_the_url():
    at = app_test("compare", cmp=MORE_POSTS)
    at.run()
    at.multiselect[0].select("jiangxi_more_training").run()
    no_exception(at)
    assert at.query_params["cmp"] == f"{MORE_POSTS},jiangxi_more_training"
    assert set(fan_rows(at)["scenario"].dropna()) == {BASE, MORE_POSTS, "jiangxi_more_training"}
    at.multiselect[0].unselect("jiangxi_more_training").run()  # the next choice counts too
    no_exception(at)
    assert at.query_params["cmp"] == MORE_POSTS
    assert set(fan_rows(at)["scenario"].dropna()) == {BASE, MORE_POSTS}
    at.multiselect[0].unselect(MORE_POSTS).run()
    no_exception(at)
    assert "cmp" not in at.query_params
    assert [i.value for i in at.info] == [t("compare_needs_two", "zh")] and not vega_charts(at)


def test_the_surveyed_rate_draws_its_ceiling(view, expected):
    at = app_test("compare", cmp=MORE_POSTS)
    at.run()
    at.selectbox(key="compare_ind").set_value("surveyed_unemployment_rate").run()
    no_exception(at)
    _, runs, _, _ = expected(scenario(BASE), scenario(MORE_POSTS))
    rows = fan_rows(at, "surveyed_unemployment_rate")
    assert_fan_is_the_apis(rows, runs, "surveyed_unemployment_rate", cumulative=False)
    lines = rows[rows["value"].notna()]
    assert lines["value"].tolist() == [5.5] and lines["text"].str.contains("5.5").all()
    assert at.query_params["ind"] == "surveyed_unemployment_rate"
    again = view(cmp=MORE_POSTS, ind="surveyed_unemployment_rate")  # from the URL
    assert again.selectbox(key="compare_ind").value == "surveyed_unemployment_rate"
    assert fan_rows(again, "surveyed_unemployment_rate")["value"].dropna().tolist() == [5.5]


# ---- other views --------------------------------------------------------------------------------------------

def test_nothing_to_compare_says_so(view):
    at = view()
    no_exception(at)
    assert [i.value for i in at.info] == [t("compare_needs_two", "zh")]
    assert not vega_charts(at) and "cmp" not in at.query_params


def test_a_scenario_the_region_has_not_warns(view):
    at = view(cmp="atlantis_plan")
    no_exception(at)
    assert len(at.warning) == 1 and "cmp=atlantis_plan" in at.warning[0].value
    assert [i.value for i in at.info] == [t("compare_needs_two", "zh")] and "cmp" not in at.query_params


def test_english_labels(view, expected):
    at = view(cmp=MORE_POSTS, lang="en")
    no_exception(at)
    assert at.title[0].value == "Compare"
    _, runs, _, tables = expected(scenario(BASE), scenario(MORE_POSTS))
    assert_fan_is_the_apis(fan_rows(at, lang="en"), runs, "new_urban_jobs", cumulative=True, lang="en")
    effects = frame_with(at, "Resolved?")
    within = tables["headline"].query("scenario != @BASE")["within_noise"].tolist()
    assert [m.startswith("within noise; more replicates needed") for m in effects["Resolved?"]] == within
    labels = {b.key: b.label for b in at.get("download_button")}
    assert labels["brief_download"] == "Download brief (PPTX)"
    assert labels.get("brief_pdf_download", "Download brief (PDF)") == "Download brief (PDF)"


def test_presentation_mode_draws_the_charts_without_controls(view, default):
    at = view(cmp=MORE_POSTS, present="1")
    no_exception(at)
    assert not at.selectbox and not at.multiselect and not at.select_slider and not at.slider
    assert not at.get("download_button") and [b.key for b in at.button] == ["leave_present"]
    assert list(charts(at)) == list(charts(default))  # the same three charts: fan, chances, cities
    pd.testing.assert_frame_equal(fan_rows(at), fan_rows(default))
