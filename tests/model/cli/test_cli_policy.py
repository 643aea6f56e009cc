"""The command line as a whole: fast start (no heavy imports), one exit-code policy, choices checked before
any work, --format json carrying the table's numbers, and targets set by the scenario told apart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from jobsim.model import api
from jobsim.model.cli import render
from jobsim.model.cli.errors import EXIT_INVALID, EXIT_RUNTIME, EXIT_USAGE
from jobsim.model.cli.main import app

ROOT = Path(__file__).resolve().parents[3]
BASELINE = ROOT / "scenarios" / "jiangxi_baseline.yaml"
BAD_SCENARIO = Path(__file__).resolve().parents[1] / "inputs" / "bad_scenarios" / "negative_budget.yaml"
HEAVY_LIBRARIES = ("statsmodels", "scipy", "mesa", "xarray")
# A run small enough for a unit test: one replicate, two years, few agents.
TINY_SCALE = "50000"

runner = CliRunner()


def jobsim_program() -> list[str]:
    script = Path(sys.executable).parent / "jobsim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "jobsim.model.cli.main"]


def invoke(*args: str):
    return runner.invoke(app, list(args))


def one_error_line(result) -> str:
    err = result.stderr.strip()
    assert err.startswith("error: ") and "\n" not in err, err
    assert "Traceback" not in result.output
    return err


# ---- fast start ---------------------------------------------------------------------------------------


def test_importing_the_command_line_loads_no_heavy_library():
    code = ("import sys, jobsim.model.cli.main; "
            f"print(','.join(m for m in {HEAVY_LIBRARIES!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"imported at start: {proc.stdout.strip()}"


def test_data_list_loads_no_model_library():
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom jobsim.model.cli.main import app\n"
            "r = CliRunner().invoke(app, ['data', 'list'])\nassert r.exit_code == 0, r.output\n"
            f"print(','.join(m for m in {HEAVY_LIBRARIES!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"imported by `jobsim data list`: {proc.stdout.strip()}"


def test_importing_the_api_loads_no_heavy_library_and_keeps_its_names():
    code = ("import sys\nfrom jobsim.model import api\n"
            f"heavy = [m for m in {HEAVY_LIBRARIES!r} if m in sys.modules]\n"
            "missing = [n for n in api.__all__ if not hasattr(api, n)]\n"
            "print(heavy, missing)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[] []"


# ---- exit codes -----------------------------------------------------------------------------------------


def test_an_unknown_option_is_one_line_and_exit_2():
    proc = subprocess.run([*jobsim_program(), "data", "list", "--colour"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == EXIT_USAGE
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "--colour" in lines[0] and "--help" in lines[0]


def test_a_bad_format_is_a_usage_error():
    result = invoke("data", "list", "--format", "xml")
    assert result.exit_code == EXIT_USAGE


def test_an_invalid_scenario_is_exit_1_with_its_problems():
    result = invoke("run", str(BAD_SCENARIO), "--replicates", "1")
    assert result.exit_code == EXIT_INVALID
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("error: ") for line in lines)
    assert "Traceback" not in result.output


def test_the_same_data_error_gives_the_same_code_in_data_and_forecast(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("region,indicator,start,end,stat,value,unit,source_url,quote,note\n"
                   "Jiangxi,new_urban_jobs,2021-01,2021-12,sum,48,percent,,,\n", encoding="utf-8")
    shown = invoke("data", "show", "--region", "Jiangxi", "--data", str(bad))
    forecast = invoke("forecast", "--region", "Jiangxi", "--indicator", "new_urban_jobs", "--data", str(bad))
    assert shown.exit_code == forecast.exit_code == EXIT_INVALID
    assert "line 2" in one_error_line(shown) and "line 2" in one_error_line(forecast)


def test_unknown_names_are_usage_errors_everywhere():
    for args in (["data", "show", "--region", "Atlantis"], ["data", "targets", "--set", "nope"],
                 ["forecast", "--region", "Atlantis", "--indicator", "new_urban_jobs"],
                 ["calibrate", "--region", "Atlantis"]):
        result = invoke(*args)
        assert result.exit_code == EXIT_USAGE, (args, result.output)
        assert "Atlantis" in one_error_line(result) or "nope" in result.stderr


def test_an_unexpected_failure_is_one_line_with_its_type_and_exit_3(monkeypatch):
    def broken():
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(api, "regions_table", broken)
    result = invoke("data", "list")
    assert result.exit_code == EXIT_RUNTIME
    assert one_error_line(result) == "error: RuntimeError: disk on fire"


# ---- choices checked before any work ----------------------------------------------------------------------


@pytest.fixture
def no_runs(monkeypatch):
    """Fail the test if a simulation starts."""
    def refuse(*args, **kwargs):
        raise AssertionError("a run started before the options were checked")

    monkeypatch.setattr(api, "run", refuse)


@pytest.mark.parametrize("args, fragment", [
    (["--area", "Atlantis"], "Ganzhou"),  # the message lists the areas
    (["--area", "Hunan"], "not an area of Jiangxi"),
    (["--out", "result.txt"], ".nc"),
    (["--out", "no_such_folder/x.nc"], "does not exist"),
    (["--replicates", "0"], "replicates"),
])
def test_run_checks_its_options_before_any_work(args, fragment, tmp_path, no_runs):
    args = [a.replace("no_such_folder", str(tmp_path / "no_such_folder")).replace("result.txt", str(tmp_path / "r.txt"))
            for a in args]
    result = invoke("run", str(BASELINE), *args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert fragment in result.output
    assert list(tmp_path.iterdir()) == []


def test_out_may_not_be_a_folder(tmp_path, no_runs):
    folder = tmp_path / "x.nc"
    folder.mkdir()
    result = invoke("run", str(BASELINE), "--out", str(folder))
    assert result.exit_code == EXIT_USAGE and "folder" in one_error_line(result)


def test_an_area_of_the_region_is_accepted(no_runs):
    result = invoke("run", str(BASELINE), "--area", "Ganzhou")
    assert "a run started" in result.stderr  # it got as far as starting the run


# ---- a tiny run: json equals the table, targets set by the scenario ---------------------------------------


@pytest.fixture(scope="module")
def tiny_scenario(tmp_path_factory) -> Path:
    """The baseline over 2021-2022 with inline targets: a modelled one, two set by levers, one not modelled."""
    s = api.load_scenario(BASELINE).to_dict()
    s["period"] = {"first_year": 2021, "last_year": 2022}
    s["levers"] = {k: {y: v for y, v in values.items() if y <= 2022} for k, values in s["levers"].items()}
    target = {"area": "Jiangxi", "start_year": 2021, "end_year": 2022, "basis": "total", "comparison": ">="}
    s["targets"] = [
        {**target, "indicator": "new_urban_jobs", "value": 50, "unit": "10k persons"},
        {**target, "indicator": "subsidised_training", "value": 120, "unit": "10k person-times"},
        {**target, "indicator": "guaranteed_loans_issued", "value": 300, "unit": "100M yuan"},
        {**target, "indicator": "high_skill_workers", "basis": "end_level", "start_year": 2022, "value": 155,
         "unit": "10k persons"},
    ]
    path = tmp_path_factory.mktemp("tiny") / "tiny.yaml"
    path.write_text(yaml.safe_dump(s, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_outputs(tiny_scenario) -> dict:
    common = [str(tiny_scenario), "--replicates", "2", "--scale", TINY_SCALE, "--workers", "1"]
    out = {}
    for fmt in ("table", "json", "csv"):
        result = runner.invoke(app, ["run", *common, "--format", fmt])
        assert result.exit_code == 0, result.output
        out[fmt] = result
    return out


def test_json_carries_the_numbers_of_the_table(tiny_outputs):
    doc = json.loads(tiny_outputs["json"].stdout)
    table = tiny_outputs["table"].stdout
    assert doc["replicates"] == 2 and doc["area"] == "Jiangxi"
    for row in doc["yearly"]:
        cell = render.band(render.unit_style(row["unit"]), row["median"], row["p10"], row["p90"])
        line = next(x for x in table.splitlines() if x.startswith(f"{row['label_zh']} {row['label_en']}"))
        assert cell in line, (row, line)
    evaluated = next(t for t in doc["targets"] if t["indicator"] == "new_urban_jobs")
    assert f"{evaluated['probability']:.0%}" in table


def test_csv_has_the_rows_of_the_json(tiny_outputs):
    import csv
    import io

    doc = json.loads(tiny_outputs["json"].stdout)
    rows = list(csv.DictReader(io.StringIO(tiny_outputs["csv"].stdout)))
    yearly = [r for r in rows if r["section"] == "yearly"]
    assert len(yearly) == len(doc["yearly"])
    assert [float(r["median"]) for r in yearly] == [r["median"] for r in doc["yearly"]]  # full precision
    assert len([r for r in rows if r["section"] == "target"]) == len(doc["targets"])


def test_targets_on_levers_are_set_by_the_scenario(tiny_outputs, tiny_scenario):
    doc = json.loads(tiny_outputs["json"].stdout)
    by_indicator = {t["indicator"]: t for t in doc["targets"]}
    scenario = api.load_scenario(tiny_scenario)
    training = by_indicator["subsidised_training"]
    assert training["status"] == api.SET_BY_SCENARIO and training["probability"] is None
    volume = sum(scenario.lever_values("training_volume_person_times").values()) / 1e4
    assert training["scenario_value"] == pytest.approx(volume)
    assert training["scenario_meets"] is (volume >= 120)
    loans = by_indicator["guaranteed_loans_issued"]
    assert loans["status"] == api.SET_BY_SCENARIO
    assert loans["scenario_value"] == pytest.approx(sum(scenario.lever_values("loan_issuance_yuan").values()) / 1e8)
    assert by_indicator["new_urban_jobs"]["status"] == "evaluated"
    assert by_indicator["new_urban_jobs"]["probability"] is not None
    assert by_indicator["high_skill_workers"]["status"] == "not modelled"

    table = tiny_outputs["table"].stdout
    evaluated, rest = table.split("Targets (", 1)[1].split("Set by the scenario", 1)
    set_part, not_modelled = rest.split("Not modelled (", 1)
    assert "补贴性职业技能培训" in set_part and "新增发放创业担保贷款" in set_part
    assert "补贴性职业技能培训" not in evaluated and "高技能人才总量" not in evaluated + set_part
    assert table.count("高技能人才总量") == 1 and "高技能人才总量" in not_modelled
    assert "P(meet)" in evaluated and "P(meet)" not in set_part


def test_the_lever_mapping_follows_the_registry():
    from jobsim.model.inputs.registry import indicators, lever_ids

    mapping = api.lever_set_indicators()
    assert {"subsidised_training", "entrepreneurship_training", "guaranteed_loans_issued"} <= set(mapping)
    ind = indicators()
    for indicator, levers in mapping.items():
        assert ind.at[indicator, "set_by_levers"], indicator  # the registry column says which levers
        assert set(levers) <= set(lever_ids())
    assert "new_urban_jobs" not in mapping


def test_progress_goes_to_stderr_as_plain_lines(tiny_outputs):
    err = tiny_outputs["table"].stderr
    assert "2/2 replicates done" in err and "\x1b[" not in err
    assert "replicates done" not in tiny_outputs["table"].stdout


# ---- formatting -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, text", [
    (3_142_000, "314.2万"), (1.2e10, "120亿"), (6.6e8, "6.6亿"), (850, "850"), (12_500, "1.25万"), (-2.5e4, "-2.5万"),
])
def test_amounts_in_wan_and_yi(value, text):
    assert render.amount(value) == text


def test_every_results_command_offers_json():
    for args in (["run"], ["run-bundled"], ["forecast"], ["calibrate"], ["backtest"], ["data", "list"],
                 ["data", "show"], ["data", "targets"], ["data", "assumptions"]):
        result = invoke(*args, "--help")
        assert result.exit_code == 0 and "--format" in result.stdout and "json" in result.stdout, args


def test_the_exit_code_section_matches_the_policy():
    from jobsim.model.cli import errors

    doc = errors.__doc__
    for code in (errors.EXIT_OK, errors.EXIT_INVALID, errors.EXIT_USAGE, errors.EXIT_RUNTIME):
        assert f"\n    {code} " in doc
    assert os.path.basename(errors.__file__) == "errors.py"


def test_validate_checks_a_scenario_index_as_an_index(tmp_path):
    good = invoke("validate", str(ROOT / "scenarios" / "index.yaml"))
    assert good.exit_code == 0 and "scenario index" in good.stdout
    broken = tmp_path / "index.yaml"
    broken.write_text("baselines: {Jiangxi: no_such_scenario}\nextra_key: 1\n", encoding="utf-8")
    result = invoke("validate", str(broken))
    assert result.exit_code == EXIT_INVALID and "INVALID" in result.stdout
