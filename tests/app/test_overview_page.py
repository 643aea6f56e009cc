"""The Overview page (app/screens/overview.py) in Streamlit's AppTest: the headline cards carry the chance of
meeting each target that api.scenario_targets gives for the same preview run (lever targets "set by the
scenario"), the fan charts carry api.fan_table's rows and api.target_marks' lines, the plan-period and
target-set boxes drive both, the target set and the region round-trip through the URL, English labels in
English, and a link with values not allowed warns and falls back without a traceback.

The expected numbers come from a run of the same scenario, replicates, seed and scale made here with the API
(api.run_plan of api.plan_ensemble, as services.ensemble does): the same seed gives identical numbers. Each
page view is run once for the module where no widget is moved; the model's preview runs are cached across
views, so only the first view of a scenario pays for one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jobsim.app.text import status_text, t
from jobsim.model import api

from .conftest import app_test, cached_views, chart_rows, no_exception, vega_charts

REGION = "Jiangxi"
BASELINE = "jiangxi_baseline"
LATER = "jiangxi_2026_2030"  # the region's scenario of the next plan period
SET_BY = "set by the scenario"


# ---- helpers ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def view(tmp_path_factory):
    """The Overview run once per URL query (no widget moved), each in its own app folder."""
    return cached_views("overview", tmp_path_factory)


@pytest.fixture(scope="module")
def preview():
    """{scenario name: (scenario, its preview ensemble)} made with the API, as services.ensemble makes them."""
    from jobsim.app import services

    made = {}

    def run(name: str):
        if name not in made:
            s = api.load_scenario(api.scenarios_dir() / f"{name}.yaml")
            size = services.preview_size(s)
            assert not size.full and size.replicates == services.PREVIEW_REPLICATES
            made[name] = s, api.run_plan(api.plan_ensemble(s, size.replicates, s.seed, size.scale))
        return made[name]

    return run


def cards(at) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


def expected_cards(table: pd.DataFrame, region: str, lang: str = "zh") -> list[tuple[str, str]]:
    """The cards the page should show for api.scenario_targets' `table`: every modelled target, its label
    (with the area's name when it is not the region) and its probability, or "set by the scenario" for a lever
    target, or the status when the run cannot judge it."""
    label = "label_zh" if lang == "zh" else "label_en"
    regions = api.load_regions()
    area_names = regions["name_zh" if lang == "zh" else "name_en"]
    out = []
    for _, r in table[table["status"] != "not modelled"].iterrows():
        name = r[label] if r["area"] == region else f"{r[label]} · {area_names.get(r['area'], r['area'])}"
        if r["status"] == "evaluated":
            value = f"{r['probability']:.0%}"
        elif r["status"] == SET_BY:
            value = t("set_by_scenario", lang)
        else:
            value = status_text(str(r["status"]), lang)
        out.append((name, value))
    return out


def assert_cards_are_the_apis(at, table: pd.DataFrame, region: str = REGION, lang: str = "zh") -> None:
    shown = cards(at)
    assert shown == expected_cards(table, region, lang)
    # the probabilities themselves, not only their text: 4 preview replicates give multiples of 25%
    modelled = table[table["status"] != "not modelled"].reset_index(drop=True)
    for (_, value), (_, row) in zip(shown, modelled.iterrows()):
        if row["status"] == "evaluated":
            assert float(value.rstrip("%")) / 100 == pytest.approx(float(row["probability"]), abs=1e-12)


def fan_charts(at) -> dict[str, pd.DataFrame]:
    return {spec["title"]: chart_rows(spec, data) for spec, data in vega_charts(at)}


def assert_fans_are_the_apis(at, s, ds, lang: str = "zh", region: str = REGION) -> None:
    """One fan chart per outcome indicator with a target for the region (cumulated for a total target), its
    rows api.fan_table's and its target lines api.target_marks'."""
    table = api.scenario_targets(ds, s)
    outcome = table[(table["status"] == "evaluated") & (table["area"] == region)].drop_duplicates("indicator")
    charts = fan_charts(at)
    assert len(charts) == len(outcome) > 0, list(charts)
    for _, row in outcome.iterrows():
        cumulative = row["basis"] == "total"
        fan = api.fan_table({s.name: ds}, row["indicator"], region, lang, cumulative=cumulative)
        title = t("fan_title", lang, label=fan.attrs["label"])
        assert title in charts, (title, list(charts))
        rows = charts[title]
        band = rows[rows["scenario"].notna()].sort_values("year").reset_index(drop=True)
        assert band["scenario"].tolist() == fan["scenario"].tolist()
        assert band["year"].astype(int).tolist() == fan["year"].astype(int).tolist() == list(s.years)
        for column in ("p10", "median", "p90"):
            np.testing.assert_allclose(band[column].astype(float), fan[column].astype(float), rtol=1e-12,
                                       err_msg=f"{row['indicator']} {column}")
        marks = api.target_marks(s.target_list(), row["indicator"], region, lang, cumulative=cumulative)
        lines = rows[rows["value"].notna()]
        assert len(marks) > 0
        np.testing.assert_allclose(sorted(lines["value"].astype(float)), sorted(marks["value"].astype(float)))
        assert sorted(lines["text"]) == sorted(marks["text"])


# ---- the default view: Jiangxi, its baseline, the 14th plan -------------------------------------------

def test_the_default_page_runs_for_jiangxi(view):
    at = view()
    no_exception(at)
    assert at.title[0].value == f"江西省 · {t('page_overview', 'zh')}"
    assert not at.warning and not at.error
    period, target_set = at.selectbox[0], at.selectbox[1]
    assert period.label == t("period", "zh") and period.options == ["2021–2025", "2026–2030"]
    assert period.value == "2021–2025"
    s = api.load_scenario(api.scenarios_dir() / f"{BASELINE}.yaml")
    assert target_set.label == t("target_set", "zh")
    assert target_set.options == api.target_sets_for(REGION, 2021, 2025) and target_set.value == s.target_set_name
    # the state in the URL: the region and its baseline, no target set (the scenario's own is shown)
    assert at.query_params["region"] == REGION and at.query_params["scenario"] == BASELINE
    assert "ts" not in at.query_params
    assert any(c.value == t("preview_note", "zh", replicates=4, scale=10000) for c in at.caption)


def test_the_cards_are_the_apis_probabilities(view, preview):
    at = view()
    s, ds = preview(BASELINE)
    table = api.scenario_targets(ds, s)
    assert_cards_are_the_apis(at, table)
    shown = dict(cards(at))
    # outcome targets are chances; the lever volumes the scenario itself sets are not
    assert shown["城镇新增就业"].endswith("%") and shown["城镇调查失业率"].endswith("%")
    for lever_target in ("新增发放创业担保贷款", "补贴性职业技能培训", "创业培训"):
        assert shown[lever_target] == "由情景设定"
    assert (table["status"] == "evaluated").sum() == sum(v.endswith("%") for v in shown.values())


def test_the_fan_charts_carry_the_apis_fans(view, preview):
    s, ds = preview(BASELINE)
    assert_fans_are_the_apis(view(), s, ds)


# ---- widgets drive the results -------------------------------------------------------------------------

def test_the_next_plan_period_changes_the_years_and_the_target_set(preview):
    at = app_test("overview")
    at.run()
    at.selectbox[0].set_value("2026–2030").run()
    no_exception(at)
    s, ds = preview(LATER)
    assert (s.period.first_year, s.period.last_year) == (2026, 2030)
    target_set = at.selectbox[1]
    assert target_set.options == api.target_sets_for(REGION, 2026, 2030) and target_set.value == s.target_set_name
    assert s.target_set_name != api.load_scenario(api.scenarios_dir() / f"{BASELINE}.yaml").target_set_name
    for title, rows in fan_charts(at).items():
        assert sorted(set(rows["year"].dropna().astype(int))) == list(range(2026, 2031)), title
    assert_cards_are_the_apis(at, api.scenario_targets(ds, s))
    assert_fans_are_the_apis(at, s, ds)
    assert "ts" not in at.query_params  # the period's own target set
    # and back: the next choice counts too (the boxes keep their identity when their index moves)
    at.selectbox[0].set_value("2021–2025").run()
    no_exception(at)
    assert at.selectbox[0].value == "2021–2025"
    for title, rows in fan_charts(at).items():
        assert sorted(set(rows["year"].dropna().astype(int))) == list(range(2021, 2026)), title


def test_a_target_set_changes_the_cards_and_goes_into_the_url(view, preview):
    at = app_test("overview")
    at.run()
    before = cards(at)
    at.selectbox[1].set_value("jiangxi_2021").run()
    no_exception(at)
    s, ds = preview(BASELINE)
    chosen = s.with_changes(targets="jiangxi_2021")
    assert cards(at) != before
    assert_cards_are_the_apis(at, api.scenario_targets(ds, chosen))
    assert any(label.endswith(" · 南昌市") for label, _ in cards(at))  # the set's city targets too, by name
    assert_fans_are_the_apis(at, chosen, ds)
    assert at.query_params["ts"] == "jiangxi_2021"
    # the URL round-trips: a new session from it shows the same view
    again = view(**dict(at.query_params))
    no_exception(again)
    assert again.selectbox[1].value == "jiangxi_2021" and cards(again) == cards(at)
    assert dict(again.query_params) == dict(at.query_params)
    # back to the scenario's own set: no `ts` in the URL any more
    at.selectbox[1].set_value(s.target_set_name).run()
    assert "ts" not in at.query_params and cards(at) == before


def test_a_target_outside_the_run_is_not_set_by_the_scenario(view, preview):
    """Fuzhou's 2024-2026 targets reach past a 2021-2025 run: their cards say so, not "set by the scenario"."""
    at = view(ts="fuzhou_2024")
    no_exception(at)
    s, ds = preview(BASELINE)
    table = api.scenario_targets(ds, s.with_changes(targets="fuzhou_2024"))
    outside = table[table["status"] == "outside the simulated period"]
    assert len(outside) > 0
    assert_cards_are_the_apis(at, table)
    shown = dict(cards(at))
    for _, row in outside.iterrows():
        assert shown[f"{row['label_zh']} · 抚州市"] == "超出模拟期"
    assert shown["补贴性职业技能培训 · 抚州市"] == "由情景设定"  # a lever volume within the run is
    assert not fan_charts(at)  # no target of the region itself: no fan chart


def test_the_region_box_switches_region_and_url(preview):
    at = app_test("overview")
    at.run()
    at.selectbox(key="region_choice").set_value("Hunan").run()
    no_exception(at)
    assert at.title[0].value == f"湖南省 · {t('page_overview', 'zh')}"
    assert at.query_params["region"] == "Hunan" and at.query_params["scenario"] == "hunan_2021"
    s, ds = preview("hunan_2021")
    assert_cards_are_the_apis(at, api.scenario_targets(ds, s), region="Hunan")


# ---- the URL --------------------------------------------------------------------------------------------

def test_hunan_from_the_url(view, preview):
    at = view(region="Hunan")
    no_exception(at)
    assert at.title[0].value == f"湖南省 · {t('page_overview', 'zh')}"
    assert at.selectbox(key="region_choice").value == "Hunan"
    assert at.query_params["region"] == "Hunan" and at.query_params["scenario"] == "hunan_2021"
    s, ds = preview("hunan_2021")
    assert_cards_are_the_apis(at, api.scenario_targets(ds, s), region="Hunan")
    assert_fans_are_the_apis(at, s, ds, region="Hunan")


def test_english_labels(view, preview):
    at = view(lang="en")
    no_exception(at)
    assert at.title[0].value == "Jiangxi · Overview"
    assert [b.label for b in at.selectbox][:2] == ["Plan period", "Target set"]
    assert at.subheader[0].value == "Chance of meeting each target"
    s, ds = preview(BASELINE)
    assert_cards_are_the_apis(at, api.scenario_targets(ds, s), lang="en")
    assert dict(cards(at))["guaranteed start-up loans issued"] == "set by the scenario"
    assert_fans_are_the_apis(at, s, ds, lang="en")
    assert "new urban jobs (cumulative): median and 10–90% range" in fan_charts(at)
    assert at.query_params["lang"] == "en"


def test_values_a_link_may_not_give_warn_and_fall_back(view, preview):
    at = view(region="Atlantis", lv__foo="1")
    no_exception(at)
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 2, warnings
    assert "region=Atlantis" in warnings[0] and REGION in warnings[0]
    assert "lv.foo=1" in warnings[1] and "levers.csv" in warnings[1]
    assert at.title[0].value == f"江西省 · {t('page_overview', 'zh')}"
    s, ds = preview(BASELINE)
    assert_cards_are_the_apis(at, api.scenario_targets(ds, s))
    assert at.query_params["region"] == REGION and "lv.foo" not in at.query_params  # the URL is corrected


def test_presentation_mode_shows_cards_and_charts_without_controls(view, preview):
    at = view(present="1")
    no_exception(at)
    assert not at.selectbox and not at.get("download_button") and not at.expander
    assert [b.key for b in at.button] == ["leave_present"]
    s, ds = preview(BASELINE)
    assert_cards_are_the_apis(at, api.scenario_targets(ds, s))
    assert_fans_are_the_apis(at, s, ds)
    assert at.query_params["present"] == "1"
