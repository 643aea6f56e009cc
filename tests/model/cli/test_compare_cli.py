"""`jobsim compare` (model/cli/compare.py): checks before any run, the formats carrying the same numbers, the
NetCDF round trip, Chinese labels, and the progress line with its ETA.

The scenarios are tiny (Jiangxi 2021-2022, 1 agent = 20 000 persons, 2 replicates, one worker), so each
command takes a few seconds; they run in this process through typer's CliRunner.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from jobsim.model import api
from jobsim.model.cli.errors import EXIT_INVALID, EXIT_USAGE
from jobsim.model.cli.main import app

ROOT = Path(__file__).resolve().parents[3]
BASELINE = ROOT / "scenarios" / "jiangxi_baseline.yaml"
HUNAN = ROOT / "scenarios" / "hunan_2021.yaml"
XLSX_PRECISION = 1e-15  # relative: what 16 significant digits keep of a double
TINY = ["--replicates", "2", "--scale", "20000", "--workers", "1"]

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, ["compare", *map(str, args)])


def tiny(folder: Path, name: str, training: float | None = None, seed: int = 3) -> Path:
    s = api.load_scenario(BASELINE).to_dict()
    s["name"] = name
    s["period"] = {"first_year": 2021, "last_year": 2022}
    s["levers"] = {k: {y: v for y, v in values.items() if y <= 2022} for k, values in s["levers"].items()}
    if training is not None:
        s["levers"]["training_volume_person_times"] = {2021: training, 2022: training}
    target = {"area": "Jiangxi", "start_year": 2021, "end_year": 2022, "basis": "total", "comparison": ">="}
    s["targets"] = [{**target, "indicator": "new_urban_jobs", "value": 60, "unit": "10k persons"},
                    {**target, "indicator": "subsidised_training", "value": 120, "unit": "10k person-times"}]
    s["seed"] = seed
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(s, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("compare_cli")
    return {"folder": folder, "base": tiny(folder, "cli_base"), "more": tiny(folder, "cli_more", 1_300_000, seed=8)}


@pytest.fixture(scope="module")
def outputs(files) -> dict:
    """One command per format: json to stdout with --out, csv and xlsx to --report, the table in Chinese."""
    folder, pair = files["folder"], [files["base"], files["more"]]
    out = {"nc": folder / "cmp.nc", "csv": folder / "cmp.csv", "xlsx": folder / "cmp.xlsx"}
    results = {
        "json": invoke(*pair, *TINY, "--format", "json", "--out", out["nc"]),
        "csv": invoke(*pair, *TINY, "--format", "csv", "--report", out["csv"]),
        "xlsx": invoke(*pair, *TINY, "--format", "xlsx", "--report", out["xlsx"], "--lang", "zh"),
        "table_zh": invoke(*pair, *TINY, "--lang", "zh"),
    }
    for name, result in results.items():
        assert result.exit_code == 0, (name, result.output)
    return {**results, "paths": out}


def test_json_has_every_table_and_the_pairing(outputs):
    doc = json.loads(outputs["json"].stdout)
    assert doc["baseline"] == "cli_base" and doc["paired"] and doc["seed"] == 3
    assert any("cli_more's own file gives 8" in note for note in doc["notes"])  # run on the baseline's seed
    assert {"scenarios", "headline", "spending", "cost", "targets"} <= set(doc)
    assert [s["scenario"] for s in doc["scenarios"]] == ["cli_base", "cli_more"]
    assert {r["measure"] for r in doc["headline"]} == {"new_urban_jobs", "jobs_held_end", "person_years",
                                                     "surveyed_unemployment"}
    assert "4/4 runs done" in outputs["json"].stderr  # the ETA while runs remain: test_progress_shows_runs_done_and_the_time_left


def test_out_round_trips_and_holds_the_numbers_of_the_json(outputs):
    ds = api.read_results(outputs["paths"]["nc"])
    doc = json.loads(outputs["json"].stdout)
    assert list(ds["scenario"].values) == ["cli_base", "cli_more"]
    for r in doc["headline"]:
        cell = ds.sel(scenario=r["scenario"], measure=r["measure"])
        assert float(cell["level_median"]) == r["median"]
        assert float(cell["difference"]) == r["difference"]
        assert float(cell["difference_se"]) == r["difference_se"]
        assert bool(cell["within_noise"]) == r["within_noise"]
    for r in doc["targets"]:
        p = float(ds["target_probability"].sel(scenario=r["scenario"], target=r["target"]))
        assert (r["probability"] is None and math.isnan(p)) or p == r["probability"]
    assert api.comparison_tables(ds)["cost"].to_dict("records")[1]["extra_cost"] == doc["cost"][1]["extra_cost"]


def test_csv_parses_and_carries_the_same_numbers(outputs):
    doc = json.loads(outputs["json"].stdout)
    frame = pd.read_csv(outputs["paths"]["csv"])
    headline = frame[frame["table"] == "headline"]
    assert len(headline) == len(doc["headline"])
    assert list(headline["median"]) == [r["median"] for r in doc["headline"]]  # full precision
    assert list(headline["difference_se"]) == [r["difference_se"] for r in doc["headline"]]
    spending = frame[frame["table"] == "spending"]
    assert list(spending["median"]) == [r["median"] for r in doc["spending"]]
    targets = frame[frame["table"] == "targets"]
    assert set(targets["status"]) >= {"evaluated", api.SET_BY_SCENARIO}


def test_xlsx_has_a_sheet_per_table_with_the_same_numbers(outputs):
    from openpyxl import load_workbook

    doc = json.loads(outputs["json"].stdout)
    book = load_workbook(outputs["paths"]["xlsx"], read_only=True)
    assert book.sheetnames == ["说明", "情景", "主要指标", "分项目支出", "成本", "目标"]  # --lang zh
    rows = list(book["主要指标"].values)
    header, body = list(rows[0]), rows[1:]
    assert len(body) == len(doc["headline"])
    for values, r in zip(body, doc["headline"]):
        row = dict(zip(header, values))
        # openpyxl writes 16 significant digits (Excel's own precision is 15): equal to the last digit or so
        assert row["median"] == pytest.approx(r["median"], rel=XLSX_PRECISION)
        assert row["difference"] == pytest.approx(r["difference"], rel=XLSX_PRECISION, abs=XLSX_PRECISION)
        assert row["label_zh"] == r["label_zh"]
    assert not list(outputs["paths"]["xlsx"].parent.glob(".*.tmp")), "no temporary file left"


def test_the_chinese_table_shows_registry_labels(outputs):
    table = outputs["table_zh"].stdout
    for words in ("情景", "城镇新增就业", "期末在岗就业人数", "就业人年", "城镇调查失业率", "达成概率", "由情景设定",
                  "培训补贴支出"):
        assert words in table, words
    doc = json.loads(outputs["json"].stdout)
    probability = next(r for r in doc["targets"] if r["indicator"] == "new_urban_jobs"
                       and r["scenario"] == "cli_more")["probability"]
    assert f"{probability:.0%}" in table


# ---- refused before any run --------------------------------------------------------------------------


@pytest.fixture
def no_runs(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a simulation started before the checks")

    monkeypatch.setattr(api, "run_comparison", refuse)
    monkeypatch.setattr("jobsim.model.experiments.ensemble.run_plan", refuse)


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def test_another_region_is_refused_before_running(files, no_runs):
    result = invoke(files["base"], HUNAN, *TINY)
    assert result.exit_code == EXIT_INVALID, result.output
    lines = error_lines(result)
    assert any("hunan_2021.yaml: region: Hunan differs from the baseline's Jiangxi" in line for line in lines), lines
    assert "a simulation started" not in result.output


@pytest.mark.parametrize("args, code, words", [
    (["{base}"], EXIT_USAGE, "at least two"),
    (["{base}", "{more}", "--format", "xlsx"], EXIT_USAGE, "--report"),
    (["{base}", "{more}", "--format", "csv", "--report", "{folder}/r.json"], EXIT_USAGE, ".csv"),
    (["{base}", "{more}", "--out", "{folder}/r.txt"], EXIT_USAGE, ".nc"),
    (["{base}", "{more}", "--replicates", "0"], EXIT_USAGE, "--replicates"),
    (["{base}", "{more}", "--scale", "0.5"], EXIT_USAGE, "--scale"),
    (["{base}", "{more}", "--area", "Atlantis"], EXIT_USAGE, "--area"),
    (["{base}", "{more}", "--baseline", "nobody"], EXIT_INVALID, "nobody"),
    (["{base}", "{folder}/missing.yaml"], EXIT_USAGE, "missing.yaml"),
])
def test_bad_command_lines_are_refused_naming_the_option(files, no_runs, args, code, words):
    filled = [a.format(**{k: str(v) for k, v in files.items()}) for a in args]
    result = invoke(*filled)
    assert result.exit_code == code, result.output
    assert any(words in line for line in error_lines(result)), result.stderr
    assert not (files["folder"] / "r.txt").exists() and not (files["folder"] / "r.json").exists()


def test_compare_is_listed_with_its_formats():
    result = runner.invoke(app, ["compare", "--help"])
    assert result.exit_code == 0
    for word in ("--baseline", "--replicates", "--out", "xlsx", "--lang"):
        assert word in result.stdout, word


def test_progress_shows_runs_done_and_the_time_left(files, capsys, monkeypatch):
    from jobsim.model.cli import progress as progress_module

    monkeypatch.setattr(progress_module, "PLAIN_LINE_SECONDS", 0.0)  # a line for every run
    with progress_module.Progress("compare", total=4, unit="runs") as progress:
        progress.replicate_done(1, 4)
        progress.replicate_done(4, 4)
    err = capsys.readouterr().err
    assert "1/4 runs done" in err and "ETA " in err
    assert "4/4 runs done" in err and err.rstrip().endswith("done")


def test_an_invalid_file_names_the_file_and_field(files, no_runs):
    bad = files["folder"] / "bad.yaml"
    bad.write_text(files["base"].read_text(encoding="utf-8").replace("replicates: 20", "replicates: 0"),
                   encoding="utf-8")
    result = invoke(files["base"], bad)
    assert result.exit_code == EXIT_INVALID
    assert any("bad.yaml" in line and "replicates" in line for line in error_lines(result)), result.stderr


def test_json_reads_like_the_report(outputs):
    """The same document parses again from text (nothing but JSON on stdout)."""
    json.load(io.StringIO(outputs["json"].stdout))


def test_a_stored_comparison_is_served_from_the_run_catalogue_and_any_change_is_computed(files, tmp_path):
    """--out records the comparison in the catalogue of its folder: the same command again is served from it
    (nothing simulated, one line saying so, the same Dataset); another seed is a miss; --no-cache computes."""
    pair, out = [files["base"], files["more"]], tmp_path / "stored.nc"
    first = invoke(*pair, *TINY, "--format", "json", "--out", out)
    assert first.exit_code == 0, first.output
    ds_first = api.read_results(out)
    second = invoke(*pair, *TINY, "--format", "json", "--out", out)
    assert second.exit_code == 0, second.output
    assert "served from the run catalogue" in second.stderr
    assert json.loads(second.stdout)["scenarios"] == json.loads(first.stdout)["scenarios"]
    assert api.read_results(out).equals(ds_first)
    other = invoke(*pair, *TINY, "--seed", "5", "--format", "json", "--out", tmp_path / "seed5.nc")
    assert other.exit_code == 0 and "served from" not in other.stderr, other.output
    again = invoke(*pair, *TINY, "--format", "json", "--out", out, "--no-cache")
    assert again.exit_code == 0 and "served from" not in again.stderr, again.output
    rows = runner.invoke(app, ["runs", "list", "--results", str(tmp_path), "--format", "json"])
    assert rows.exit_code == 0, rows.output
    kinds = [r["kind"] for r in json.loads(rows.stdout)]
    assert kinds.count("comparison") == 2
