"""The Method and sources page (app/screens/method.py): the registry's indicator and lever definitions, every
source URL of the bundled data as a link, the gross-vs-net paragraph, in Chinese and in English."""

from __future__ import annotations

import json

import pytest

from jobsim.app.text import t
from jobsim.model import api

from .conftest import app_test, no_exception


@pytest.fixture(scope="module")
def run_method(tmp_path_factory):
    runs = {}

    def run(lang: str, **query):
        key = (lang, tuple(sorted(query.items())))
        if key not in runs:
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("JOBSIM_APP_HOME", str(tmp_path_factory.mktemp("jobsim_app")))
                at = app_test("method", **({} if lang == "zh" else {"lang": lang}), **query)
                at.run()
            runs[key] = at
        return runs[key]

    return run


TABLE_COLUMN = {"method_indicators": "col_kind", "method_levers": "col_programme", "method_sources": "col_source_url"}


def _table(at, key: str):
    """The page's table `key`, known by a column only it has (in the page's language)."""
    lang = at.session_state["lang"]
    found = [d for d in at.dataframe if t(TABLE_COLUMN[key], lang) in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_runs(run_method, lang):
    at = run_method(lang)
    no_exception(at)
    assert at.title[0].value == t("page_method", lang)
    assert t("method_text", lang) in [m.value for m in at.markdown]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_source_url_is_a_link(run_method, lang):
    at = run_method(lang)
    table = _table(at, "method_sources")
    column = t("col_source_url", lang)
    assert set(table.value[column]) == set(api.data_sources()["source_url"])
    assert len(table.value) == len(api.data_sources())
    config = json.loads(table.proto.columns)
    assert config[column]["type_config"]["type"] == "link"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_indicator_and_lever_definitions(run_method, lang):
    at = run_method(lang)
    indicators = _table(at, "method_indicators").value
    expected = api.indicator_definitions(lang)
    assert indicators[t("col_id", lang)].tolist() == expected["id"].tolist()
    assert indicators[t("col_label", lang)].tolist() == expected["label"].tolist()
    assert indicators[t("col_unit", lang)].tolist() == expected["unit"].tolist()
    assert indicators[t("col_definition", lang)].tolist() == expected["definition"].tolist()
    levers = _table(at, "method_levers").value
    assert levers[t("col_label", lang)].tolist() == api.lever_definitions(lang)["label"].tolist()


def test_english_labels_are_english(run_method):
    at = run_method("en")
    indicators = _table(at, "method_indicators").value.set_index("Id")
    assert indicators.at["new_urban_jobs", "Name"] == "new urban jobs"
    assert indicators.at["new_urban_jobs", "Unit"] == "10k persons"
    assert indicators.at["new_urban_jobs", "Kind"] == "flow"
    zh = _table(run_method("zh"), "method_indicators").value.set_index(t("col_id", "zh"))
    assert zh.at["new_urban_jobs", t("col_label", "zh")] == "城镇新增就业"
    assert zh.at["new_urban_jobs", t("col_unit", "zh")] == "万人"


def test_the_sources_of_one_region(run_method):
    at = run_method("en", region="Hunan")
    at.radio(key="method_sources_scope").set_value("region").run()
    no_exception(at)
    table = _table(at, "method_sources").value
    assert set(table["Source URL"]) == set(api.data_sources("Hunan")["source_url"])
    assert set(table["Regions"]) == {"Hunan"}


def test_presentation_mode_has_no_input_widgets(run_method):
    at = run_method("zh", present="1")
    no_exception(at)
    assert not at.radio and not at.selectbox
    assert set(_table(at, "method_sources").value[t("col_source_url", "zh")]) == set(api.data_sources()["source_url"])
