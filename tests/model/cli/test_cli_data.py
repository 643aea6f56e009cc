"""Tests for `jobsim data` (model/cli/data.py) through the real `jobsim` app: tables, CSV, JSON, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jobsim.model.cli.errors import EXIT_INVALID, EXIT_USAGE
from jobsim.model.cli.main import app
from jobsim.model.inputs.regions import population_table, region_ids
from jobsim.model.inputs.targets import load_targets, target_set_names

runner = CliRunner()
HEADER = "region,indicator,start,end,stat,value,unit,source_url,quote,note"


def run(*args: str):
    return runner.invoke(app, ["data", *args])


def _rows(stdout: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(stdout)))


def _assert_one_line_error(result, *fragments: str, code: int = EXIT_USAGE) -> None:
    assert result.exit_code == code, result.output
    err = result.stderr.strip()
    assert err.startswith("error: ") and "\n" not in err
    assert "Traceback" not in result.output
    for frag in fragments:
        assert frag in err


def test_list_shows_every_region_with_its_data():
    result = run("list", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in _rows(result.stdout)}
    assert list(rows) == region_ids()
    assert rows["Jian"]["name_en"] == "Ji'an" and rows["Jian"]["parent"] == "Jiangxi"
    assert rows["Jiangxi"]["target_sets"] == "jiangxi_14th_plan, jiangxi_2021, jiangxi_15th_plan_assumed"
    assert "fuzhou_2024" in rows["Fuzhou"]["target_sets"] and "jiangxi_2021" in rows["Fuzhou"]["target_sets"]
    assert int(rows["China"]["history_rows"]) > 100 and int(rows["Jian"]["history_rows"]) == 0
    for r in rows.values():
        assert int(r["facts_sourced"]) + int(r["facts_derived"]) + int(r["facts_assumed"]) == 22
    table = run("list")
    assert table.exit_code == 0 and "景德镇市" in table.stdout
    line = next(x for x in table.stdout.splitlines() if x.startswith("Jian "))
    j = rows["Jian"]
    assert line.split()[-1] == f"{j['facts_sourced']}/{j['facts_derived']}/{j['facts_assumed']}"


def test_list_json_carries_the_numbers_of_the_csv():
    as_json = json.loads(run("list", "--format", "json").stdout)
    as_csv = _rows(run("list", "--format", "csv").stdout)
    assert [r["id"] for r in as_json] == [r["id"] for r in as_csv]
    for j, c in zip(as_json, as_csv):
        assert j["history_rows"] == int(c["history_rows"]) and j["facts_assumed"] == int(c["facts_assumed"])
        assert j["target_sets"] == c["target_sets"]


def test_table_columns_line_up_with_chinese_names():
    """Double-width characters are counted twice: every region's `level` starts in the same display column."""
    from rich.cells import cell_len

    lines = run("list").stdout.splitlines()
    rows = [x for x in lines if x.split() and x.split()[0] in ("China", "Jiangxi", "Jingdezhen", "Jian")]
    starts = {cell_len(x[: x.index(level)]) for x in rows for level in ("country", "province", "city") if level in x}
    assert len(rows) == 4 and len(starts) == 1


def test_show_region_history_and_targets_with_chinese_labels():
    result = run("show", "--region", "Jiangxi")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Jiangxi 江西省 (province, in China)")
    assert "History:" in out and "Targets:" in out
    assert "城镇新增就业" in out and "万人 (10k persons)" in out
    assert "jiangxi_14th_plan" in out and "jiangxi_15th_plan_assumed" in out


def test_show_csv_for_one_indicator():
    result = run("show", "--region", "Jiangxi", "--indicator", "new_urban_jobs", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    assert {r["indicator"] for r in rows} == {"new_urban_jobs"}
    hist = [r for r in rows if r["section"] == "history"]
    tgt = [r for r in rows if r["section"].startswith("target:")]
    assert any(r["period"] == "2020-01..2020-12" and r["value"] == "46.2" for r in hist)
    plan = next(r for r in tgt if r["section"] == "target:jiangxi_14th_plan")
    assert (plan["period"], plan["how"], plan["comparison"], plan["value"], plan["unit"]) == (
        "2021-2025", "total", ">=", "200", "10k persons")
    assert {r["label_zh"] for r in rows} == {"城镇新增就业"}


def test_show_with_data_file_adds_and_overrides_in_planners_units(tmp_path):
    mine = tmp_path / "mine.csv"
    mine.write_text(
        HEADER + "\n"
        "Jiangxi,new_urban_jobs,2020-01,2020-12,sum,47,10k persons,,,\n"
        "Jiangxi,new_urban_jobs,2021-01,2021-12,sum,480000,persons,,,\n",
        encoding="utf-8",
    )
    result = run("show", "--region", "Jiangxi", "--indicator", "new_urban_jobs", "--data", str(mine), "--format", "csv")
    assert result.exit_code == 0, result.output
    hist = [r for r in _rows(result.stdout) if r["section"] == "history"]
    y2020 = [r for r in hist if r["period"] == "2020-01..2020-12"]
    assert [(r["value"], r["source"]) for r in y2020] == [("47", "mine.csv:2")]
    y2021 = [r for r in hist if r["period"] == "2021-01..2021-12"]
    assert [(r["value"], r["unit"], r["source"]) for r in y2021] == [("48", "10k persons", "mine.csv:3")]


def test_show_unknown_region_fails_with_one_line():
    result = run("show", "--region", "Jiangxl")
    _assert_one_line_error(result, "'Jiangxl'", "did you mean 'Jiangxi'", "Nanchang")


def test_show_unknown_indicator_fails_with_one_line():
    result = run("show", "--region", "Jiangxi", "--indicator", "new_jobs")
    _assert_one_line_error(result, "'new_jobs'", "new_urban_jobs")


def test_show_bad_data_file_names_file_line_and_reason(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\nJiangxi,new_urban_jobs,2021-01,2021-12,sum,48,percent,,,\n", encoding="utf-8")
    result = run("show", "--region", "Jiangxi", "--data", str(bad))
    _assert_one_line_error(result, f"{bad}, line 2, field unit", "'percent'", code=EXIT_INVALID)


def test_show_json_has_the_values_of_the_csv():
    args = ("show", "--region", "Jiangxi", "--indicator", "new_urban_jobs")
    as_json = json.loads(run(*args, "--format", "json").stdout)
    as_csv = _rows(run(*args, "--format", "csv").stdout)
    assert len(as_json) == len(as_csv) > 0
    assert [float(c["value"]) for c in as_csv] == [j["value"] for j in as_json]
    table = run(*args).stdout
    assert "46.2" in table and "万人 (10k persons)" in table


def test_show_missing_data_file(tmp_path):
    result = run("show", "--region", "Jiangxi", "--data", str(tmp_path / "nope.csv"))
    _assert_one_line_error(result, "nope.csv", "no such file")


def test_targets_lists_every_set_or_one():
    result = run("targets", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    assert len(rows) == len(load_targets())
    assert list(dict.fromkeys(r["set"] for r in rows)) == target_set_names()
    one = run("targets", "--set", "jiangxi_2021", "--format", "csv")
    assert one.exit_code == 0
    rows = _rows(one.stdout)
    assert {r["set"] for r in rows} == {"jiangxi_2021"} and len({r["area"] for r in rows}) == 12
    table = run("targets", "--set", "hunan_2021")
    assert table.exit_code == 0 and "城镇调查失业率" in table.stdout


def test_targets_unknown_set_fails_with_the_list():
    result = run("targets", "--set", "jiangxi_15th_plan")
    _assert_one_line_error(result, "'jiangxi_15th_plan'", "jiangxi_15th_plan_assumed", "hunan_2021")


def test_assumptions_prints_every_assumption():
    result = run("assumptions", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout)
    facts = population_table()
    n_facts = int((facts["basis"] == "assumption").sum())
    n_targets = int(load_targets()["assumption"].sum())
    assert len(rows) == n_facts + n_targets
    assert sum(r["kind"] == "fact" for r in rows) == n_facts
    assert {r["kind"] for r in rows if r["kind"] != "fact"} == {"target:jiangxi_15th_plan_assumed"}
    assert all(r["reasoning"] for r in rows)
    table = run("assumptions")
    assert table.exit_code == 0 and table.stdout.startswith(f"{n_facts + n_targets} assumptions")


@pytest.mark.parametrize("command", ["list", "show", "targets", "assumptions"])
def test_help_is_available(command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "--format" in result.stdout and "json" in result.stdout
