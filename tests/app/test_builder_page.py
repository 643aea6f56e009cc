"""The Scenario builder (app/screens/builder.py) in Streamlit's AppTest: the lever table holds the baseline's
values in planners' units (api.lever_schedule), a cell edited there (or a lever given by the URL) becomes the
URL's `lv.<lever>` and the run, whose chart carries the baseline and the edited scenario with api.fan_table's
rows; "save as" writes the changes only into the app's folder, a bad name is refused with its field; the
download is the changes-only YAML; and every bad upload (not YAML, not UTF-8, an invalid scenario, over 1 MB,
an unknown region, another region) is told with the field it is about while nothing is written and the
app stays up, as a good one sets the state.

AppTest 1.67 drives a keyed st.data_editor by its edit state (`edited_rows`) put into `at.session_state`
before a run, and an st.file_uploader by `set_value((name, bytes, mime))`. A download button's bytes go to
the run's in-memory media store; the module records what is put there to read them back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from jobsim.app.text import t
from jobsim.model import api

from .conftest import app_test, chart_rows, no_exception, vega_charts

REGION = "Jiangxi"
BASE = "jiangxi_baseline"
LOANS = "loan_issuance_yuan"
EDITOR = f"levers_{BASE}_0"  # the lever table's key in the first round of the baseline
UPLOADER = f"upload_{BASE}_0"
YEARS = [2021, 2022, 2023, 2024, 2025]
GOOD_UPLOAD = f"base: {BASE}\nname: my_upload\nlevers:\n  {LOANS}: 150亿\n".encode()


def baseline():
    return api.load_scenario(api.scenarios_dir() / f"{BASE}.yaml")


def builder(**query):
    at = app_test("builder", **query)
    at.run()
    no_exception(at)
    return at


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def loans_row(at, key: str = EDITOR) -> pd.Series:
    table = at.data_editor(key=key).value
    return table[table["lever"] == LOANS].iloc[0]


def edited(loans: list[float]):
    from jobsim.app import services

    return services.edited_scenario(baseline(), {LOANS: loans}, None, None)


@pytest.fixture(scope="module")
def comparison_runs():
    """The preview runs of a comparison as services.compare makes them (the baseline's seed, the preview's
    replicates and scale), made here with the API."""
    from jobsim.app import services

    def run(items):
        size = services.preview_size(items[0])
        plan = api.plan_comparison(list(items), replicates=size.replicates, scale=size.scale)
        return {s.name: api.run_plan(api.plan_ensemble(s, plan.replicates, plan.seed, plan.scale))
                for s in plan.scenarios}

    return run


@pytest.fixture
def downloads(monkeypatch):
    """Every (data, mimetype, file name) a run puts into its in-memory media store (download buttons)."""
    import streamlit.testing.v1.app_test as app_test_module
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    stored = []

    class Recording(MemoryMediaFileStorage):
        def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
            stored.append((path_or_data, mimetype, filename))
            return super().load_and_get_id(path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", Recording)
    return stored


# ---- the lever table ------------------------------------------------------------------------------------

def test_the_lever_table_is_the_baselines_in_planners_units():
    at = builder()
    assert at.title[0].value == t("page_builder", "zh")
    table = at.data_editor(key=EDITOR).value
    schedule = api.lever_schedule(baseline(), baseline(), "zh")
    assert table["lever"].tolist() == list(dict.fromkeys(schedule["lever"]))
    for _, row in table.iterrows():
        part = schedule[schedule["lever"] == row["lever"]]
        assert row[t("lever", "zh")] == part["label"].iloc[0] and row[t("unit", "zh")] == part["unit"].iloc[0]
        np.testing.assert_allclose([row[str(y)] for y in YEARS], part["value"], rtol=1e-12)
        np.testing.assert_allclose([row[f"基线 {y}"] for y in YEARS], part["base_value"], rtol=1e-12)
    loans = loans_row(at)
    assert loans[t("unit", "zh")] == "亿元" and [loans[str(y)] for y in YEARS] == [120.0] * 5  # 120亿元 a year
    assert at.query_params["scenario"] == BASE and not any(k.startswith("lv.") for k in at.query_params)
    # nothing run before the button, nothing to save while nothing is changed
    assert [b.key for b in at.button] == ["builder_run"] and not vega_charts(at)
    assert not at.text_input


def test_levers_from_the_url_fill_the_table():
    at = builder(lv__loan_issuance_yuan="150,150,150,150,150")
    assert not at.warning
    loans = loans_row(at)
    assert [loans[str(y)] for y in YEARS] == [150.0] * 5
    assert [loans[f"基线 {y}"] for y in YEARS] == [120.0] * 5  # the baseline's beside it
    others = at.data_editor(key=EDITOR).value.query("lever != @LOANS")
    schedule = api.lever_schedule(baseline(), baseline(), "zh")
    for _, row in others.iterrows():
        np.testing.assert_allclose([row[str(y)] for y in YEARS],
                                   schedule[schedule["lever"] == row["lever"]]["value"], rtol=1e-12)
    assert at.query_params[f"lv.{LOANS}"] == "150,150,150,150,150"
    assert at.text_input(key="save_name").value == f"{BASE}_mine"


def test_an_edited_cell_goes_into_the_url_and_the_run(comparison_runs):
    at = builder()
    row = at.data_editor(key=EDITOR).value["lever"].tolist().index(LOANS)
    at.session_state[EDITOR] = {"edited_rows": {row: {"2021": 150.0, "2022": 150.0}}, "added_rows": [],
                                "deleted_rows": []}
    at.run()
    no_exception(at)
    assert at.query_params[f"lv.{LOANS}"] == "150,150,120,120,120"
    assert not vega_charts(at)  # the run waits for the button
    at.button(key="builder_run").click().run()
    no_exception(at)
    charts = vega_charts(at)
    assert len(charts) == 1
    rows = chart_rows(*charts[0])
    s = edited([150, 150, 120, 120, 120])
    assert s.name == f"{BASE}_edited" and s.levers[LOANS][2021] == 150e8 and s.levers[LOANS][2023] == 120e8
    runs = comparison_runs([baseline(), s])
    fan = api.fan_table(runs, "new_urban_jobs", REGION, "zh", cumulative=True)
    band = rows[rows["scenario"].notna()].sort_values(["scenario", "year"]).reset_index(drop=True)
    fan = fan.sort_values(["scenario", "year"]).reset_index(drop=True)
    assert set(band["scenario"]) == {BASE, s.name}
    assert band["year"].astype(int).tolist() == fan["year"].astype(int).tolist()
    for column in ("p10", "median", "p90"):
        np.testing.assert_allclose(band[column].astype(float), fan[column].astype(float), rtol=1e-12, err_msg=column)
    assert set(band["scenario_label"]) == {"江西省基线：2021年工作要点力度延续至2025年",
                                           "江西省基线：2021年工作要点力度延续至2025年（调整）"}
    assert rows["value"].dropna().tolist() == [200.0]  # the 14th plan's five-year total, at its end year
    # the edited scenario's targets beside the chart: api.scenario_targets of its run
    targets = api.scenario_targets(runs[s.name], s)
    targets = targets[targets["status"] != "not modelled"].reset_index(drop=True)
    shown = [d.value for d in at.dataframe if "probability" in d.value.columns]
    assert len(shown) == 1
    np.testing.assert_allclose(shown[0]["probability"].astype(float), targets["probability"].astype(float),
                               equal_nan=True)
    # the run stays on the page (and follows the URL) in the next run of the script
    at.run()
    assert len(vega_charts(at)) == 1 and at.query_params[f"lv.{LOANS}"] == "150,150,120,120,120"


def test_the_graduate_multiplier_goes_into_the_url():
    at = builder()
    at.number_input(key=f"grad_{BASE}_0").set_value(1.2).run()
    no_exception(at)
    assert at.query_params["grad"] == "1.2"
    assert at.text_input(key="save_name")  # an edited scenario: it can be saved


def test_another_scenario_starts_from_its_own_levers():
    at = builder()
    more_posts = api.load_scenario(api.scenarios_dir() / "jiangxi_more_posts.yaml")
    box = at.selectbox[0]
    assert box.label == t("scenario", "zh")
    assert box.options[0] == "江西省基线：2021年工作要点力度延续至2025年"
    box.set_value("jiangxi_more_posts").run()
    no_exception(at)
    assert at.query_params["scenario"] == "jiangxi_more_posts"
    table = at.data_editor(key="levers_jiangxi_more_posts_1").value
    schedule = api.lever_schedule(more_posts, baseline(), "zh")
    for _, row in table.iterrows():
        part = schedule[schedule["lever"] == row["lever"]]
        np.testing.assert_allclose([row[str(y)] for y in YEARS], part["value"], rtol=1e-12)
        np.testing.assert_allclose([row[f"基线 {y}"] for y in YEARS], part["base_value"], rtol=1e-12)
    posts = table[table["lever"] == "internship_posts"].iloc[0]
    assert posts["2022"] != posts["基线 2022"]  # the scenario's own change, beside the baseline's value
    assert not any(k.startswith("lv.") for k in at.query_params)  # its own values are no edit


# ---- save and download ---------------------------------------------------------------------------------

def test_save_as_writes_only_the_change(app_home):
    at = builder(lv__loan_issuance_yuan="150,150,150,150,150")
    at.text_input(key="save_name").input("my_loans").run()
    at.button(key="save_button").click().run()
    no_exception(at)
    path = app_home / "scenarios" / "my_loans.yaml"
    assert files_in(app_home) == [path]
    assert [s.value for s in at.success] == [t("saved", "zh", path=path, base=BASE)]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["base"] == BASE and data["name"] == "my_loans"
    assert set(data) <= {"base", "name", "title", "levers"} and list(data["levers"]) == [LOANS]
    saved = api.load_scenario(path)
    assert saved.levers == edited([150] * 5).levers and saved.levers[LOANS] == {y: 150e8 for y in YEARS}
    assert saved.region == REGION and saved.target_set_name == baseline().target_set_name
    # the saved scenario is one of the region's now, with its own values and no edit in the URL
    at.run()
    assert at.selectbox[0].options[-1] == "江西省基线：2021年工作要点力度延续至2025年（调整）"
    at.selectbox[0].set_value("my_loans").run()
    no_exception(at)
    assert at.query_params["scenario"] == "my_loans" and f"lv.{LOANS}" not in at.query_params
    loans = loans_row(at, "levers_my_loans_1")
    assert [loans[str(y)] for y in YEARS] == [150.0] * 5 and [loans[f"基线 {y}"] for y in YEARS] == [120.0] * 5


def test_a_bad_name_shows_the_field_and_writes_nothing(app_home):
    at = builder(lv__loan_issuance_yuan="150,150,150,150,150")
    at.text_input(key="save_name").input("Bad Name!").run()
    at.button(key="save_button").click().run()
    no_exception(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("name: ") and "Bad Name!" in errors[0]
    assert not at.success and files_in(app_home) == []


def test_the_download_is_the_changes_only_yaml(downloads):
    at = builder(lv__loan_issuance_yuan="150,150,150,150,150")
    assert at.get("download_button")[0].label == t("download_yaml", "zh")
    got = [(data, mime) for data, mime, name in downloads if name == f"{BASE}_edited.yaml"]
    assert len(got) == 1 and got[0][1] == "application/x-yaml"
    text = got[0][0].decode("utf-8")
    assert text == api.scenario_diff_yaml(edited([150] * 5), base=BASE)
    data = yaml.safe_load(text)
    assert data["base"] == BASE and list(data["levers"]) == [LOANS] and "targets" not in data
    assert api.scenario_from_yaml(text).levers == edited([150] * 5).levers
    # nothing changed: the scenario itself, whole
    downloads.clear()
    builder()
    whole = [data for data, _, name in downloads if name == f"{BASE}.yaml"]
    assert len(whole) == 1 and whole[0].decode("utf-8") == api.scenario_to_yaml(baseline())


# ---- uploads --------------------------------------------------------------------------------------------

def _yaml(**fields) -> bytes:
    return yaml.safe_dump(fields, allow_unicode=True, sort_keys=False).encode("utf-8")


BAD_UPLOADS = {  # name -> (content, words the message must hold)
    "not_text": (b"\x89PNG\r\n\x1a\n\x00\xff\xfe binary", [t("not_text", "zh")]),
    "not_yaml": (b"a: [unclosed", ["line 2", "YAML syntax error"]),
    "not_a_mapping": (b"- 1\n- 2\n", ["(document)", "mapping"]),
    "unknown_lever": (_yaml(base=BASE, name="x_unknown", levers={"foo_lever": 3}),
                      ["levers.foo_lever", "unknown lever"]),
    "negative": (_yaml(base=BASE, name="x_negative", levers={LOANS: -5}), [f"levers.{LOANS}", "negative"]),
    "over_1_mb": (b"# padding\n" * 100_001, [t("too_big", "zh", size="1.0 MB")]),
    "no_data_region": (_yaml(base=BASE, name="x_atlantis", region="Atlantis"), ["region: ", "Atlantis"]),
    "other_region": ((api.scenarios_dir() / "hunan_2021.yaml").read_bytes(),
                     ["region: " + t("region_mismatch", "zh", got="Hunan", want=REGION)]),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_a_bad_upload_is_told_with_its_field_and_nothing_is_written(app_home, case):
    content, words = BAD_UPLOADS[case]
    at = builder()
    at.file_uploader(key=UPLOADER).set_value((f"{case}.yaml", content, "application/x-yaml")).run()
    no_exception(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith(t("upload_bad", "zh")) and f"- {case}.yaml: " in errors[0]
    for word in words:
        assert word in errors[0], (word, errors[0])
    assert files_in(app_home) == []
    # the state is untouched: the same table round, no lever in the URL, no message of success
    assert at.data_editor(key=EDITOR) and not at.success
    assert not any(k.startswith("lv.") for k in at.query_params) and at.query_params["scenario"] == BASE
    assert [loans_row(at)[str(y)] for y in YEARS] == [120.0] * 5


def test_an_upload_over_1_mb_is_not_read():
    from jobsim.app import services

    def read():
        raise AssertionError("a file over the limit must not be read")

    problems, s = services.read_upload("big.yaml", services.MAX_UPLOAD_BYTES + 1, read, REGION, "en")
    assert s is None and problems == ["big.yaml: the file is 1.0 MB, over the 1 MB limit"]
    # at the limit it is read
    problems, s = services.read_upload("edge.yaml", services.MAX_UPLOAD_BYTES, lambda: GOOD_UPLOAD, REGION, "en")
    assert problems == [] and s.name == "my_upload"


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_read_upload_names_the_field(case):
    """services.read_upload itself, for each bad case: the problems, no scenario."""
    from jobsim.app import services

    content, words = BAD_UPLOADS[case]
    problems, s = services.read_upload(f"{case}.yaml", len(content), lambda: content, REGION, "zh")
    assert s is None and problems and all(p.startswith(f"{case}.yaml: ") for p in problems)
    assert all(any(word in p for p in problems) for word in words)


def test_a_good_upload_sets_the_state(app_home):
    at = builder()
    at.file_uploader(key=UPLOADER).set_value(("my_upload.yaml", GOOD_UPLOAD, "application/x-yaml")).run()
    no_exception(at)
    assert not at.error
    assert [s.value for s in at.success] == [t("upload_ok", "zh", name="my_upload")]
    assert at.query_params[f"lv.{LOANS}"] == "150,150,150,150,150" and at.query_params["scenario"] == BASE
    loans = loans_row(at, f"levers_{BASE}_1")  # a new round of the table, with the upload's values
    assert [loans[str(y)] for y in YEARS] == [150.0] * 5 and [loans[f"基线 {y}"] for y in YEARS] == [120.0] * 5
    assert files_in(app_home) == []  # read, not written


# ---- language and presentation mode ------------------------------------------------------------------------

def test_english_labels():
    at = builder(lang="en")
    assert at.title[0].value == "Scenario builder"
    loans = loans_row(at)
    assert loans["Lever"] == "guaranteed start-up loans issued" and loans["Unit"] == "100M yuan"
    assert loans["Baseline 2021"] == 120.0
    assert at.button(key="builder_run").label == "Run"


def test_presentation_mode_runs_the_baseline_without_controls():
    at = builder(present="1")
    assert not at.data_editor and not at.file_uploader and not at.get("download_button") and not at.toggle
    assert [b.key for b in at.button] == ["leave_present"]
    assert len(at.dataframe) >= 2  # the levers, read only, and the targets
    charts = vega_charts(at)
    assert len(charts) == 1
    rows = chart_rows(*charts[0])
    assert set(rows["scenario"].dropna()) == {BASE}
