"""Regions as data: a region added from a user data folder alone runs; user folders laid over the bundled
data follow the documented rules; a broken region folder is reported by file and field; `region init`
writes a template that passes its own checks once filled (model/inputs/region_folder.py, regions.py,
history.py, targets.py, scenario_index.py, model/cli/region.py)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest
import typer
import yaml
from typer.testing import CliRunner

from jobsim.model import api
from jobsim.model.inputs.history import HISTORY_COLUMNS, HistoryError, load_history
from jobsim.model.inputs.paths import data_dir, scenarios_dir
from jobsim.model.inputs.region_folder import check_region_folder, init_region_folder, RegionFolderError
from jobsim.model.inputs.regions import (
    FACT_COLUMNS,
    REQUIRED_FIELDS,
    RegionError,
    area_facts,
    cities_of,
    get_region,
    load_regions,
    missing_facts,
    population_table,
    region_ids,
)
from jobsim.model.inputs.scenario import scenario_from_dict
from jobsim.model.inputs.scenario_index import ScenarioIndexError, scenario_index, scenario_path
from jobsim.model.inputs.targets import TARGET_COLUMNS, target_set, target_set_names

# The stand-in figures of the test region: Hunan's, copied (NOT Hubei's real figures).
STAND_IN = "Hunan"
STAND_IN_NOTE = "test stand-in: Hunan's figure copied, not a figure for this region"


def _write_csv(path: Path, columns, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        w.writerows(rows)


def _stand_in_fact_rows(region: str) -> list[list[object]]:
    """Every required fact of `region`, with Hunan's values, as sourced rows labelled stand-ins."""
    hunan = get_region(STAND_IN)
    rows = []
    for f in REQUIRED_FIELDS:
        fact = hunan.fact(f)
        rows.append([region, f, repr(float(fact["value"])), fact["unit"], "sourced", fact["year"],
                     "test fixture", "", STAND_IN_NOTE])
    return rows


def _hubei_folder(root: Path) -> Path:
    """A data folder adding Hubei (a province without cities) with Hunan's figures and a parameter file."""
    folder = root / "hubei_data"
    _write_csv(folder / "regions.csv", ["id", "name_zh", "name_en", "level", "parent"],
               [["Hubei", "湖北省", "Hubei", "province", "China"]])
    _write_csv(folder / "population.csv", FACT_COLUMNS, _stand_in_fact_rows("Hubei"))
    # The parameter file: Hunan's, with the region line changed (works with per-region files and with
    # shared defaults plus overrides alike).
    text = (data_dir() / "parameters" / "hunan.yaml").read_text(encoding="utf-8")
    (folder / "parameters").mkdir()
    (folder / "parameters" / "hubei.yaml").write_text(text.replace("region: Hunan", "region: Hubei"), encoding="utf-8")
    return folder


def _inline_scenario(region: str, first: int = 2021, last: int = 2022) -> dict:
    hunan = yaml.safe_load((scenarios_dir() / "hunan_2021.yaml").read_text(encoding="utf-8"))
    return {
        "name": f"{region.lower()}_test", "region": region, "period": {"first_year": first, "last_year": last},
        "levers": hunan["levers"],
        "targets": [{"indicator": "new_urban_jobs", "area": region, "start_year": first, "end_year": last,
                     "basis": "total", "comparison": ">=", "value": 100, "unit": "10k persons"}],
        "seed": 7, "replicates": 1, "scale": 20000,
    }


@pytest.fixture
def hubei(tmp_path, monkeypatch) -> Path:
    folder = _hubei_folder(tmp_path)
    monkeypatch.setenv("JOBSIM_DATA_DIR", str(folder))
    return folder


# ---- a region from a data folder alone -------------------------------------------------------------


def test_a_region_added_by_a_data_folder_alone_runs(hubei):
    assert region_ids()[-1] == "Hubei" and cities_of("Hubei") == []
    assert missing_facts() == []
    facts = area_facts("Hubei")
    assert [a.id for a in facts] == ["Hubei"]
    assert facts[0].population == get_region(STAND_IN).value("population")
    scenario = scenario_from_dict(_inline_scenario("Hubei"), source="<test>")
    ds = api.run(scenario, replicates=1, scale=20000)
    assert [str(a) for a in ds["area"].values] == ["Hubei"]
    jobs = ds["new_urban_jobs"].values
    assert np.isfinite(jobs).all() and jobs.sum() > 0


def test_without_the_folder_the_region_is_unknown(hubei, monkeypatch):
    monkeypatch.delenv("JOBSIM_DATA_DIR")
    assert "Hubei" not in region_ids()  # the caches are keyed on the files read, so the change is seen
    with pytest.raises(RegionError, match="unknown region 'Hubei'"):
        get_region("Hubei")


def test_a_user_folder_that_does_not_exist_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("JOBSIM_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(RegionError, match="nowhere: the data folder does not exist"):
        load_regions()
    with pytest.raises(HistoryError, match="does not exist"):
        load_history()


def test_a_changed_user_file_is_read_again(hubei):
    assert get_region("Hubei").value("population") == get_region(STAND_IN).value("population")
    path = hubei / "population.csv"
    text = path.read_text(encoding="utf-8").replace(
        f"Hubei,population,{float(get_region(STAND_IN).fact('population')['value'])!r}", "Hubei,population,57752557")
    path.write_text(text, encoding="utf-8")
    assert get_region("Hubei").value("population") == 57752557


# ---- how user rows combine with the bundled ones ----------------------------------------------------


def test_a_user_fact_replaces_the_bundled_one_and_says_so(tmp_path, monkeypatch):
    folder = tmp_path / "newer"
    _write_csv(folder / "population.csv", FACT_COLUMNS,
               [["Jiangxi", "surveyed_unemployment_rate", "0.051", "fraction", "sourced", "2024", "http://example.org", "5.1%", ""]])
    bundled = get_region("Jiangxi").fact("surveyed_unemployment_rate")
    monkeypatch.setenv("JOBSIM_DATA_DIR", str(folder))
    fact = get_region("Jiangxi").fact("surveyed_unemployment_rate")
    assert fact["value"] == 0.051 and fact["basis"] == "sourced" and fact["year"] == 2024
    assert fact["file"] == str(folder / "population.csv") and fact["line"] == 2
    assert fact["replaces"] == f"{data_dir() / bundled['file']}, line {bundled['line']}"
    table = population_table()
    assert not table.duplicated(["region", "field"]).any()
    assert [a.surveyed_unemployment_rate for a in area_facts("Fuzhou")] == [get_region("Fuzhou").value("surveyed_unemployment_rate")]


def test_a_user_regions_row_adds_a_city_and_replaces_a_known_id(tmp_path, monkeypatch):
    folder = tmp_path / "cities"
    _write_csv(folder / "regions.csv", ["id", "name_zh", "name_en", "level", "parent"],
               [["Hubei", "湖北省", "Hubei", "province", "China"], ["Wuhan", "武汉市", "Wuhan", "city", "Hubei"],
                ["Jian", "吉安市", "Ji'an (Jiangxi)", "city", "Jiangxi"]])
    monkeypatch.setenv("JOBSIM_DATA_DIR", str(folder))
    regions = load_regions()
    assert list(regions.index[-2:]) == ["Hubei", "Wuhan"] and cities_of("Hubei") == ["Wuhan"]
    assert regions.at["Jian", "name_en"] == "Ji'an (Jiangxi)"
    assert cities_of("Jiangxi")[-2:] == ["Jian", "Fuzhou"]  # replaced in place, the planners' order kept
    assert ("Wuhan", "population") in missing_facts()


def test_user_history_rows_add_and_replace_by_key(tmp_path, monkeypatch):
    bundled = load_history()
    folder = tmp_path / "hist"
    _write_csv(folder / "history.csv", HISTORY_COLUMNS, [
        ["Jiangxi", "new_urban_jobs", "2020-01", "2020-12", "sum", "99", "10k persons", "", "", "test"],
        ["Jiangxi", "new_urban_jobs", "2031-01", "2031-12", "sum", "40", "10k persons", "", "", "test"],
    ])
    monkeypatch.setenv("JOBSIM_DATA_DIR", str(folder))
    h = load_history()
    mine = h[(h["region"] == "Jiangxi") & (h["indicator"] == "new_urban_jobs") & (h["stat"] == "sum")]
    y2020 = mine[mine["start"].astype(str) == "2020-01"]
    y2020 = y2020[y2020["end"].astype(str) == "2020-12"]
    assert list(y2020["value"]) == [99.0] and y2020["source_file"].iloc[0] == str(folder / "history.csv")
    assert (mine["start"].astype(str) == "2031-01").sum() == 1
    replaced = ((bundled["region"] == "Jiangxi") & (bundled["indicator"] == "new_urban_jobs") & (bundled["stat"] == "sum")
                & (bundled["start"].astype(str) == "2020-01") & (bundled["end"].astype(str) == "2020-12")).sum()
    assert len(h) == len(bundled) - replaced + 2


def test_a_user_target_set_replaces_the_bundled_set_of_that_name(tmp_path, monkeypatch):
    folder = tmp_path / "targets"
    row = ["china_2021", "China", "new_urban_jobs", "2021", "2021", "total", ">=", "1200", "10k persons", "", "false", "test", "", ""]
    _write_csv(folder / "targets.csv", TARGET_COLUMNS, [row, ["hubei_plan", *row[1:]]])
    monkeypatch.setenv("JOBSIM_DATA_DIR", str(folder))
    assert [t.value for t in target_set("china_2021")] == [1200]
    assert "hubei_plan" in target_set_names() and "jiangxi_14th_plan" in target_set_names()


def test_scenarios_and_baselines_from_a_user_folder(hubei):
    scen = hubei / "scenarios"
    scen.mkdir()
    data = _inline_scenario("Hubei")
    data["name"] = "hubei_baseline"
    (scen / "hubei_baseline.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (scen / "index.yaml").write_text("baselines:\n  Hubei: hubei_baseline\n", encoding="utf-8")
    assert scenario_path("hubei_baseline") == scen / "hubei_baseline.yaml"
    assert scenario_path("jiangxi_baseline") == scenarios_dir() / "jiangxi_baseline.yaml"
    index = scenario_index()
    assert index.baseline("Hubei") == "hubei_baseline" and index.baseline("Jiangxi") == "jiangxi_baseline"
    assert index.bundled_comparison[0] == "jiangxi_baseline"
    from jobsim.calibration.calibrate import BASELINE_SCENARIOS, baseline_scenario

    assert baseline_scenario("Hubei").region == "Hubei" and "Hubei" in BASELINE_SCENARIOS
    (scen / "index.yaml").write_text("baselines:\n  Hubei: hubei_baseline\nbundled_comparison: [hubei_baseline]\n", encoding="utf-8")
    with pytest.raises(ScenarioIndexError, match=r"index.yaml, line 3, field bundled_comparison: .*only the bundled"):
        scenario_index()
    (scen / "index.yaml").write_text("baselines:\n  Hubei: hubei_basline\n", encoding="utf-8")
    with pytest.raises(ScenarioIndexError, match=r"line 2, field baselines.Hubei: no scenario file hubei_basline.yaml.*did you mean 'hubei_baseline'"):
        scenario_index()


def test_a_region_with_data_but_no_baseline_cannot_be_calibrated_and_is_told_how(hubei):
    from jobsim.calibration.calibrate import CalibrationError, baseline_scenario

    with pytest.raises(CalibrationError) as exc:
        baseline_scenario("Hubei")
    msg = str(exc.value)
    assert "'Hubei' has data but no baseline scenario" in msg and "jobsim region init" in msg and "index.yaml" in msg


# ---- a broken region folder ------------------------------------------------------------------------


def _drop_row(path: Path, field: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(l for l in lines if f",{field}," not in l), encoding="utf-8")


def _set_cell(path: Path, field: str, column: str, value: str) -> int:
    """Set one cell of the row of `field`; return the row's line number."""
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index(column)
    for i, row in enumerate(rows):
        if field in row:
            row[col] = value
            line = i + 1
    _write_csv(path, rows[0], rows[1:])
    return line


@pytest.mark.parametrize("break_it, fragments", [
    (lambda f: _drop_row(f / "population.csv", "ui_insured"),
     ["population.csv: field ui_insured: Hubei has no ui_insured", "persons"]),
    (lambda f: _set_cell(f / "population.csv", "population", "unit", "fraction"),
     ["population.csv, line 2: field unit: 'fraction' measures rate, but population is measured in persons", "10k persons"]),
    (lambda f: _set_cell(f / "regions.csv", "Hubei", "parent", "Chna"),
     ["regions.csv, line 2: field parent: parent 'Chna' of 'Hubei' is not a region id", "did you mean 'China'"]),
    (lambda f: _set_cell(f / "population.csv", "male_share", "value", ""),
     ["population.csv, line 8: field value: Hubei male_share is missing (empty)"]),
])
def test_a_broken_region_folder_is_reported_by_file_line_and_field(hubei, break_it, fragments):
    break_it(hubei)
    problems = check_region_folder(hubei)
    assert problems, "the broken folder must not pass"
    text = "\n".join(problems)
    for frag in fragments:
        assert frag in text
    assert str(hubei) in text  # the user's file is named by its path
    assert "Traceback" not in text


def test_a_broken_region_folder_stops_a_run_with_the_file_and_field(hubei):
    _set_cell(hubei / "population.csv", "population", "unit", "fraction")
    scenario_dict = _inline_scenario("Hunan")
    with pytest.raises(RegionError) as exc:
        api.run(scenario_from_dict(scenario_dict, source="<test>"), replicates=1, scale=20000)
    assert f"{hubei / 'population.csv'}, line 2: field unit" in str(exc.value)


def test_a_missing_fact_stops_a_run_with_the_region_and_field(hubei):
    _drop_row(hubei / "population.csv", "ui_insured")
    with pytest.raises(RegionError, match="region 'Hubei' has no fact 'ui_insured'.*population.csv or assumptions.csv"):
        area_facts("Hubei")


def test_a_parameter_file_with_a_value_out_of_bounds_is_reported(hubei):
    (hubei / "parameters" / "hubei.yaml").write_text(
        "region: Hubei\nparameters:\n  mortality_rate_per_year: {value: 7.5}\n", encoding="utf-8")
    problems = check_region_folder(hubei)
    assert any("hubei.yaml" in p and "mortality_rate_per_year" in p for p in problems), problems
    (hubei / "parameters" / "hubei.yaml").write_text("region: Hubeii\nparameters: {}\n", encoding="utf-8")
    problems = check_region_folder(hubei)
    assert any("hubei.yaml, line 1, field region: 'Hubeii' is not a region id" in p for p in problems), problems


def test_the_bundled_data_alone_is_not_a_region_folder(tmp_path):
    assert "no such folder" in check_region_folder(tmp_path / "nothing")[0]
    assert "holds none of the files" in check_region_folder(tmp_path)[0]


# ---- region init ---------------------------------------------------------------------------------


def _fill_template(folder: Path, region: str) -> None:
    """Fill every empty figure of an init template with Hunan's (stand-ins, labelled as such)."""
    hunan = get_region(STAND_IN)
    for name in ("population.csv", "assumptions.csv"):
        path = folder / name
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            fact = hunan.fact(row["field"])
            row["value"] = repr(hunan.value(row["field"]))  # the template's unit is the base unit
            row["year"] = str(fact["year"])
            row["source_url"] = "test fixture" if row["basis"] == "sourced" else ""
            row["note"] = STAND_IN_NOTE
        _write_csv(path, FACT_COLUMNS, [[r[c] for c in FACT_COLUMNS] for r in rows])
    regions = (folder / "regions.csv").read_text(encoding="utf-8").replace(f"{region},{region},", f"{region},湖北省,")
    (folder / "regions.csv").write_text(regions, encoding="utf-8")
    scen = folder / "scenarios" / f"{region.lower()}_baseline.yaml"
    doc = yaml.safe_load(scen.read_text(encoding="utf-8"))
    doc["levers"] = _inline_scenario(region)["levers"]
    doc["targets"][0]["value"] = 300
    scen.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_region_init_writes_a_template_that_passes_its_checks_once_filled(tmp_path, monkeypatch):
    folder = tmp_path / "hubei"
    written = init_region_folder("Hubei", folder)
    names = {str(p.relative_to(folder)) for p in written}
    assert names == {"regions.csv", "population.csv", "assumptions.csv", "history.csv", "README.md",
                     "scenarios/hubei_baseline.yaml", "scenarios/index.yaml"}
    problems = check_region_folder(folder)
    text = "\n".join(problems)
    for f in REQUIRED_FIELDS:
        assert f"Hubei {f} is missing (empty)" in text, f
    assert "levers.training_volume_person_times" in text and "targets.0.value" in text
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert all(f"`{f}`" in readme for f in REQUIRED_FIELDS) and "10k persons" in readme
    _fill_template(folder, "Hubei")
    assert check_region_folder(folder) == []
    monkeypatch.setenv("JOBSIM_DATA_DIR", str(folder))
    from jobsim.calibration.calibrate import baseline_scenario

    baseline = baseline_scenario("Hubei")
    ds = api.run(baseline, replicates=1, scale=20000)
    assert [str(a) for a in ds["area"].values] == ["Hubei"]


def test_region_init_of_a_city_and_its_refusals(tmp_path):
    written = init_region_folder("Wuhan", tmp_path / "wuhan", parent="Jiangxi")
    assert "Wuhan,Wuhan,Wuhan,city,Jiangxi" in (tmp_path / "wuhan" / "regions.csv").read_text(encoding="utf-8")
    assert len(written) == 7
    with pytest.raises(RegionFolderError, match="already holds regions.csv"):
        init_region_folder("Wuhan", tmp_path / "wuhan", parent="Jiangxi")
    with pytest.raises(RegionFolderError, match="'Hunan' already exists"):
        init_region_folder("Hunan", tmp_path / "x")
    with pytest.raises(RegionFolderError, match="did you mean 'Jiangxi'"):
        init_region_folder("Wuhan", tmp_path / "x", parent="Jiangxl")
    with pytest.raises(RegionFolderError, match="the parent of a province must be a country"):
        init_region_folder("Wuhan", tmp_path / "x", parent="Jiangxi", level="province")
    with pytest.raises(RegionFolderError, match="not an id"):
        init_region_folder("湖北", tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_region_commands_print_one_line_errors_and_no_traceback(tmp_path):
    if not hasattr(api, "init_region_folder"):
        pytest.skip("model/api.py does not expose init_region_folder / check_region_folder yet (the CLI calls them)")
    from jobsim.model.cli.region import region_app

    app = typer.Typer()
    app.add_typer(region_app, name="region")

    @app.callback()
    def _root() -> None:
        pass

    runner = CliRunner()
    folder = tmp_path / "hubei"
    res = runner.invoke(app, ["region", "init", "Hubei", "--name-zh", "湖北省", "--out", str(folder)])
    assert res.exit_code == 0, res.output
    assert "README.md" in res.output and (folder / "scenarios" / "index.yaml").exists()
    res = runner.invoke(app, ["region", "check", str(folder)])
    assert res.exit_code == 1 and "INVALID" in res.output and "population is missing (empty)" in res.output
    res = runner.invoke(app, ["region", "init", "Hunan", "--out", str(tmp_path / "y")])
    assert res.exit_code == 2 and "error: region 'Hunan' already exists" in res.output
    res = runner.invoke(app, ["region", "check", str(tmp_path / "none")])
    assert res.exit_code == 2 and "no such folder" in res.output
    _fill_template(folder, "Hubei")
    res = runner.invoke(app, ["region", "check", str(folder)])
    assert res.exit_code == 0 and "OK" in res.output, res.output
    for r in (res,):
        assert r.exception is None or isinstance(r.exception, SystemExit)


def test_a_later_folder_wins_whichever_file_it_uses(tmp_path, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    _write_csv(first / "population.csv", FACT_COLUMNS,
               [["Jiangxi", "surveyed_unemployment_rate", "0.051", "fraction", "sourced", "2024", "http://example.org", "", ""]])
    _write_csv(second / "assumptions.csv", FACT_COLUMNS,
               [["Jiangxi", "surveyed_unemployment_rate", "5.5", "percent", "assumption", "2025", "", "", "the plan's ceiling"]])
    monkeypatch.setenv("JOBSIM_DATA_DIR", f"{first}{os.pathsep}{second}")
    fact = get_region("Jiangxi").fact("surveyed_unemployment_rate")
    assert fact["basis"] == "assumption" and fact["replaces"] == f"{first / 'population.csv'}, line 2"
    assert get_region("Jiangxi").value("surveyed_unemployment_rate") == pytest.approx(0.055)
