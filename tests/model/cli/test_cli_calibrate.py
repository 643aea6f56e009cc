"""`jobsim calibrate` and `jobsim backtest` (model/cli/calibrate.py): where a calibration is written (a user
data folder's calibrated/<region>.yaml by default, a shipped file only with --replace, refused before any
work), how runs find it again (load_parameters and posterior_draws read the user folders' calibrated files),
the progress lines, the report (posterior ranges, the moments' 80% bands, warnings, coverage) in every
format, and the back-test table's columns.

The formatting tests replace the engine (api.calibrate, api.write_calibration, api.backtest) with small
fakes, so they take a fraction of a second; one real quick calibration end to end is marked slow.
"""

from __future__ import annotations

import io
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import jobsim.model.inputs.parameters as parameters_module
from jobsim.model import api
from jobsim.model.cli.errors import EXIT_USAGE
from jobsim.model.cli.main import app
from jobsim.model.inputs.parameters import load_parameters, posterior_draws

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "calibration" / "params"
REFUSAL_SECONDS = 5.0  # a refusal loads no model and simulates nothing
# The back-test table of the engine (issue 10), in its order.
BACKTEST_LEVELS = ["origin", "period", "actual", "forecast", "forecast_lo80", "forecast_hi80", "model_median",
                   "model_lo80", "model_hi80", "naive"]
BACKTEST_COLUMNS = [*BACKTEST_LEVELS, "model_fg_median", "model_fg_lo80", "model_fg_hi80",
                    "mase_forecast", "mase_model", "mase_model_fg", "mase_naive",
                    "forecast_covered_80", "model_covered_80", "model_fg_covered_80"]

runner = CliRunner()


def _err(result) -> str:
    try:
        return result.stderr
    except ValueError:  # older click without separate stderr
        return result.output


@pytest.fixture(autouse=True)
def no_user_folders(monkeypatch):
    """No user data folder unless a test sets one; the parameter cache emptied around each test."""
    monkeypatch.delenv("JOBSIM_DATA_DIR", raising=False)
    parameters_module._load_cached.cache_clear()
    yield
    parameters_module._load_cached.cache_clear()


# ---- a fake engine ------------------------------------------------------------------------------------


@dataclass
class FakeProgress:
    """What the engine passes to `progress` (jobsim.calibration.calibrate.CalibrationProgress)."""

    generation: int
    evaluations: int
    max_evaluations: int
    acceptance_rate: float | None
    epsilon: float | None
    best_distance: float | None
    seconds: float = 0.0

    def __str__(self) -> str:
        return f"generation {self.generation}: {self.evaluations}/{self.max_evaluations}"


@dataclass
class FakeResult:
    region: str = "Jiangxi"
    values: dict = field(default_factory=lambda: {"separation_rate_monthly": 0.004, "matching_efficiency": 0.12})
    bounds: dict = field(default_factory=lambda: {"separation_rate_monthly": (0.001, 0.012),
                                                  "matching_efficiency": (0.005, 0.3)})
    moments: list = field(default_factory=lambda: [
        {"name": "new_urban_jobs 2019", "target": 460000.0, "sd": 40000.0, "simulated": 470000.0,
         "lo80": 420000.0, "hi80": 520000.0, "covered": True, "z": 0.25, "source": "history.csv line 7"},
        {"name": "registered_unemployment_rate 2019", "target": 0.031, "sd": 0.002, "simulated": 0.04,
         "lo80": 0.037, "hi80": 0.043, "covered": False, "z": float("nan"), "source": "history.csv line 9"},
    ])
    distance: float = 3.5
    draws: list = field(default_factory=lambda: [{"separation_rate_monthly": 0.0041, "matching_efficiency": 0.11},
                                                 {"separation_rate_monthly": 0.0039, "matching_efficiency": 0.13}])
    info: dict = field(default_factory=lambda: {"scale": 1000.0, "seeds": [1, 2], "evaluations": 180,
                                                "seconds": 1.5, "effective_sample_size": 41.2,
                                                "data_vintage": {"through": 2020}, "generations": [
                                                    {"generation": g, "epsilon": e, "evaluations": n}
                                                    for g, e, n in ((0, 50.3, 60), (1, 20.1, 120), (2, 12.3, 180))]})
    warnings: list = field(default_factory=lambda: ["matching_efficiency: the posterior median is near a bound",
                                                    "registered_unemployment_rate 2019 misses by 4.5 sd"])
    posterior: dict = field(default_factory=lambda: {
        "separation_rate_monthly": {"p10": 0.003, "p50": 0.004, "p90": 0.005},
        "matching_efficiency": {"p10": 0.09, "p50": 0.12, "p90": 0.15}})


@pytest.fixture
def fake_engine(monkeypatch):
    """api.calibrate returns a FakeResult (after two progress events and a text message); api.write_calibration
    writes a small calibrated file in the engine's format. Each call is recorded."""
    calls: dict[str, list] = {"calibrate": [], "write": []}

    def calibrate(region, through=None, data_files=None, **settings):
        calls["calibrate"].append(dict(region=region, through=through, data_files=data_files, **settings))
        progress = settings.get("progress")
        if progress:
            progress("preparing the moments")
            progress(FakeProgress(1, 60, 180, None, None, 9.5))
            progress(FakeProgress(2, 120, 180, 0.25, 12.3, 4.56))
        return FakeResult(region=region)

    def write_calibration(result, path=None, replace=False):
        calls["write"].append(dict(path=Path(path), replace=replace))
        doc = {"region": result.region, "parameters": {n: {"value": v} for n, v in result.values.items()},
               "draws": result.draws}
        Path(path).write_text(yaml.safe_dump(doc), encoding="utf-8")
        return Path(path)

    monkeypatch.setattr(api, "calibrate", calibrate)
    monkeypatch.setattr(api, "write_calibration", write_calibration)
    return calls


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ---- where the calibration goes --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["jiangxi.yaml", "hubei.yaml"])
def test_a_shipped_out_is_refused_at_once_without_replace_and_nothing_is_written(name, fake_engine):
    before = _tree(SHIPPED)
    started = time.perf_counter()
    result = runner.invoke(app, ["calibrate", "--region", "Jiangxi", "--out", str(SHIPPED / name)])
    assert time.perf_counter() - started < REFUSAL_SECONDS
    assert result.exit_code == EXIT_USAGE, result.output
    message = _err(result)
    assert message.startswith("error: --out") and name in message and "--replace" in message, message
    assert fake_engine["calibrate"] == [] and fake_engine["write"] == []  # refused before any work
    assert _tree(SHIPPED) == before and sorted(p.name for p in SHIPPED.iterdir()) == sorted(before)


def test_replace_lets_out_name_a_shipped_file_and_is_passed_to_the_writer(fake_engine, monkeypatch, tmp_path):
    # The "shipped" folder is a temporary copy here: the real shipped files are never written by a test.
    shipped = tmp_path / "params"
    shipped.mkdir()
    (shipped / "jiangxi.yaml").write_text("region: Jiangxi\n", encoding="utf-8")
    monkeypatch.setattr(parameters_module, "calibration_params_dir", lambda: shipped)
    out = shipped / "jiangxi.yaml"
    assert runner.invoke(app, ["calibrate", "--region", "Jiangxi", "--out", str(out)]).exit_code == EXIT_USAGE
    result = runner.invoke(app, ["calibrate", "--region", "Jiangxi", "--out", str(out), "--replace"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert fake_engine["write"] == [{"path": out, "replace": True}]
    assert "shipped file" in result.stdout


def test_without_out_it_writes_calibrated_region_yaml_in_the_current_folder(fake_engine, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["calibrate", "--region", "Jiangxi", "--quick"])
    assert result.exit_code == 0, (result.output, result.exception)
    written = tmp_path / "calibrated" / "jiangxi.yaml"
    assert written.is_file()
    assert [c["path"].resolve() for c in fake_engine["write"]] == [written]
    assert fake_engine["write"][0]["replace"] is False
    (call,) = fake_engine["calibrate"]
    assert call["quick"] is True and call["region"] == "Jiangxi"
    assert "wrote calibrated/jiangxi.yaml" in result.stdout
    assert "--data-dir ." in result.stdout and f"JOBSIM_DATA_DIR={tmp_path.resolve()}" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calibrated"]  # no lock or temporary file left
    assert sorted(p.name for p in (tmp_path / "calibrated").iterdir()) == ["jiangxi.yaml"]


def test_a_failed_calibration_leaves_no_folder_it_made(monkeypatch, tmp_path):
    def failing(region, **settings):
        raise api.ChoiceError("no usable moments")  # any error of the engine

    monkeypatch.setattr(api, "calibrate", failing)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["calibrate", "--region", "Jiangxi"])
    assert result.exit_code != 0 and "no usable moments" in _err(result)
    assert list(tmp_path.iterdir()) == []


def test_out_writes_there_and_says_how_runs_would_read_it(fake_engine, tmp_path):
    out = tmp_path / "jx2019.yaml"
    result = runner.invoke(app, ["calibrate", "--region", "Jiangxi", "--through", "2019", "--out", str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    assert out.is_file() and fake_engine["calibrate"][0]["through"] == 2019
    assert fake_engine["calibrate"][0]["quick"] is False
    assert "runs do not read it there" in result.stdout and "calibrated/jiangxi.yaml" in result.stdout

    folder = tmp_path / "mine"  # a data folder without calibrated/ yet: --out DIR/calibrated/<region>.yaml makes it
    folder.mkdir()
    result = runner.invoke(app, ["calibrate", "--region", "Jiangxi", "--out", str(folder / "calibrated" / "jiangxi.yaml")])
    assert result.exit_code == 0, (result.output, result.exception)
    assert (folder / "calibrated" / "jiangxi.yaml").is_file()
    assert f"--data-dir {folder}" in result.stdout

    # any other missing folder is still refused, before any work
    calls = len(fake_engine["calibrate"])
    for missing in (tmp_path / "none" / "calibrated" / "jiangxi.yaml", tmp_path / "none" / "jiangxi.yaml",
                    folder / "calibrated2" / "jiangxi.yaml"):
        result = runner.invoke(app, ["calibrate", "--region", "Jiangxi", "--out", str(missing)])
        assert result.exit_code == EXIT_USAGE and "does not exist" in _err(result), (missing, result.output)
    assert len(fake_engine["calibrate"]) == calls and not (tmp_path / "none").exists()


def test_a_written_calibration_is_read_by_runs_with_the_folder_as_data_folder(fake_engine, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["calibrate", "--region", "Jiangxi"]).exit_code == 0
    monkeypatch.setenv("JOBSIM_DATA_DIR", str(tmp_path))
    p = load_parameters("Jiangxi")
    assert p["separation_rate_monthly"].value == 0.004 and p["separation_rate_monthly"].origin == "calibrated"
    assert p["separation_rate_monthly"].origin_file == str(tmp_path / "calibrated" / "jiangxi.yaml")
    assert posterior_draws("Jiangxi") == FakeResult().draws
    assert api.calibrated_file("Jiangxi") == tmp_path / "calibrated" / "jiangxi.yaml"
    assert api.calibrated_file("Jiangxi", shipped=True) == SHIPPED / "jiangxi.yaml"


# ---- the user data folders' calibrated files --------------------------------------------------------------


def _calibrated_folder(tmp_path: Path, name: str, values: dict, draws: list) -> Path:
    folder = tmp_path / name
    (folder / "calibrated").mkdir(parents=True)
    doc = {"region": "Jiangxi", "parameters": {n: {"value": v} for n, v in values.items()}, "draws": draws}
    (folder / "calibrated" / "jiangxi.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return folder


def test_the_last_user_folder_with_a_calibrated_file_wins_for_values_and_draws(monkeypatch, tmp_path):
    first = _calibrated_folder(tmp_path, "first", {"separation_rate_monthly": 0.005}, [{"separation_rate_monthly": 0.0051}])
    second = _calibrated_folder(tmp_path, "second", {"matching_efficiency": 0.2}, [{"matching_efficiency": 0.21}])
    without = tmp_path / "without"
    without.mkdir()
    shipped = load_parameters("Jiangxi")  # no user folder: the shipped file (or the defaults)

    monkeypatch.setenv("JOBSIM_DATA_DIR", os.pathsep.join(map(str, [first])))
    p = load_parameters("Jiangxi")
    assert (p["separation_rate_monthly"].value, p["separation_rate_monthly"].origin) == (0.005, "calibrated")
    assert p["separation_rate_monthly"].origin_file == str(first / "calibrated" / "jiangxi.yaml")
    assert posterior_draws("Jiangxi") == [{"separation_rate_monthly": 0.0051}]

    # the cache key changes with the folders: no clearing here
    monkeypatch.setenv("JOBSIM_DATA_DIR", os.pathsep.join(map(str, [first, second, without])))
    p = load_parameters("Jiangxi")
    assert p["matching_efficiency"].value == 0.2
    assert p["matching_efficiency"].origin_file == str(second / "calibrated" / "jiangxi.yaml")
    # one file, not merged: the first folder's value is not applied, the other values are the region's own
    assert p["separation_rate_monthly"].origin != "calibrated"
    assert p["separation_rate_monthly"].value == load_parameters("Jiangxi", use_calibrated=False)["separation_rate_monthly"].value
    assert posterior_draws("Jiangxi") == [{"matching_efficiency": 0.21}]
    assert p.files[-1] == str(second / "calibrated" / "jiangxi.yaml")

    monkeypatch.delenv("JOBSIM_DATA_DIR")
    assert load_parameters("Jiangxi").values == shipped.values


def test_a_calibrated_file_rewritten_in_place_is_read_again(monkeypatch, tmp_path):
    folder = _calibrated_folder(tmp_path, "mine", {"separation_rate_monthly": 0.005}, [])
    monkeypatch.setenv("JOBSIM_DATA_DIR", str(folder))
    assert load_parameters("Jiangxi")["separation_rate_monthly"].value == 0.005
    path = folder / "calibrated" / "jiangxi.yaml"
    path.write_text(yaml.safe_dump({"region": "Jiangxi", "parameters": {"separation_rate_monthly": {"value": 0.0062}}}),
                    encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert load_parameters("Jiangxi")["separation_rate_monthly"].value == 0.0062


def test_a_bad_user_calibrated_file_names_the_file_the_value_and_what_is_allowed(monkeypatch, tmp_path):
    folder = _calibrated_folder(tmp_path, "bad", {"separation_rate_monthly": 0.5}, [])
    monkeypatch.setenv("JOBSIM_DATA_DIR", str(folder))
    with pytest.raises(parameters_module.ParameterError, match=r"calibrated/jiangxi.yaml.*separation_rate_monthly.*0\.5.*outside"):
        load_parameters("Jiangxi")
    (folder / "calibrated" / "jiangxi.yaml").write_text("region: Hunan\nparameters: {}\n", encoding="utf-8")
    with pytest.raises(parameters_module.ParameterError, match="declares region 'Hunan', expected 'Jiangxi'"):
        posterior_draws("Jiangxi")
    (folder / "calibrated" / "jiangxi.yaml").write_text("region: Jiangxi\ndraws: 3\n", encoding="utf-8")
    with pytest.raises(parameters_module.ParameterError, match="draws must be a list"):
        posterior_draws("Jiangxi")


# ---- progress and the report ---------------------------------------------------------------------------


def test_progress_shows_generation_evaluations_acceptance_epsilon_and_best(fake_engine, tmp_path):
    result = runner.invoke(app, ["calibrate", "--region", "Jiangxi", "--out", str(tmp_path / "x.yaml")])
    assert result.exit_code == 0, (result.output, result.exception)
    err = _err(result)
    assert "calibrate Jiangxi: preparing the moments" in err  # a text message (an older engine's) as one line
    assert "60/180 evaluations, generation 1, acceptance -, epsilon -, best distance 9.5" in err
    assert "120/180 evaluations, generation 2, acceptance 25%, epsilon 12.3, best distance 4.56" in err


def test_the_table_report_has_posterior_ranges_bands_coverage_and_warnings(fake_engine, tmp_path):
    result = runner.invoke(app, ["calibrate", "--region", "Jiangxi", "--out", str(tmp_path / "x.yaml")])
    assert result.exit_code == 0, (result.output, result.exception)
    out = result.stdout
    assert ("Jiangxi: distance 3.5 over 2 moments, 3 generations, final epsilon 12.3, 180 evaluations, "
            "effective sample size 41.2, 1.5 s") in out
    row = next(line for line in out.splitlines() if line.strip().startswith("matching_efficiency"))
    assert row.split() == ["matching_efficiency", "0.12", "0.09", "0.12", "0.15", "[0.005,", "0.3]"]
    row = next(line for line in out.splitlines() if line.strip().startswith("registered_unemployment_rate 2019"))
    assert row.split()[2:] == ["0.031", "0.002", "0.04", "[0.037,", "0.043]", "no", "-"]
    row = next(line for line in out.splitlines() if line.strip().startswith("new_urban_jobs 2019"))
    assert row.split()[-2:] == ["yes", "0.25"]
    assert "the 80% band covers 1 of 2 moments (50%)" in out
    err = _err(result)
    assert "warning: matching_efficiency: the posterior median is near a bound" in err.splitlines()
    assert "warning: registered_unemployment_rate 2019 misses by 4.5 sd" in err.splitlines()


def test_json_has_warnings_posterior_moments_and_info(fake_engine, tmp_path):
    result = runner.invoke(app, ["calibrate", "--region", "Jiangxi", "--out", str(tmp_path / "x.yaml"),
                                 "--format", "json"])
    assert result.exit_code == 0, (result.output, result.exception)
    doc = json.loads(result.stdout)
    fake = FakeResult()
    assert doc["warnings"] == fake.warnings and doc["posterior"] == fake.posterior
    assert len(doc["info"]["generations"]) == 3 and doc["info"]["data_vintage"] == {"through": 2020}
    assert doc["moments"][1]["covered"] is False and doc["moments"][1]["z"] is None  # NaN is null
    assert doc["moments"][0]["lo80"] == 420000.0 and doc["moments"][0]["source"] == "history.csv line 7"
    assert doc["parameters"][0] == {"name": "separation_rate_monthly", "value": 0.004, "p10": 0.003, "p50": 0.004,
                                    "p90": 0.005, "lower": 0.001, "upper": 0.012}
    assert doc["covered_fraction"] == 0.5 and doc["file"] == str(tmp_path / "x.yaml")
    assert "warning: registered_unemployment_rate 2019 misses by 4.5 sd" in _err(result)


def test_csv_is_one_table_of_parameters_moments_warnings_and_summary(fake_engine, tmp_path):
    result = runner.invoke(app, ["calibrate", "--region", "Jiangxi", "--out", str(tmp_path / "x.yaml"),
                                 "--format", "csv"])
    assert result.exit_code == 0, (result.output, result.exception)
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns[:3]) == ["section", "name", "value"]
    assert table["section"].tolist() == ["parameter"] * 2 + ["moment"] * 2 + ["warning"] * 2 + ["summary"] * 2
    params = table[table["section"] == "parameter"].set_index("name")
    assert params.at["matching_efficiency", "p90"] == 0.15 and params.at["matching_efficiency", "upper"] == 0.3
    moments = table[table["section"] == "moment"].set_index("name")
    assert moments.at["new_urban_jobs 2019", "hi80"] == 520000.0 and moments.at["new_urban_jobs 2019", "covered"]
    assert table[table["section"] == "warning"]["text"].tolist() == FakeResult().warnings
    summary = table[table["section"] == "summary"].set_index("name")["value"]
    assert summary["covered_fraction"] == 0.5 and summary["distance"] == 3.5
    assert "warning: matching_efficiency: the posterior median is near a bound" in _err(result)


# ---- jobsim backtest ---------------------------------------------------------------------------------------


@dataclass
class FakeBacktest:
    region: str = "Jiangxi"
    indicator: str = "new_urban_jobs"
    unit: str = "10k persons"
    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame([
        [2019, 2020, 46.2, 45.0, 40.0, 50.0, 47.0, 43.0, 51.0, 45.5, 48.0, 44.0, 52.0, 0.5, 0.3, 0.7, 0.4,
         True, True, True],
        [2019, 2021, None, 45.5, 39.0, 52.0, 47.5, 42.0, 53.0, 45.5, 48.5, 43.0, 54.0, None, None, None, None,
         None, None, None],
    ], columns=BACKTEST_COLUMNS))

    warnings: dict = field(default_factory=lambda: {2019: ["matching_efficiency: the posterior median is near a bound"]})

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([{"method": "model", "n": 1, "mean_mase": 0.3, "coverage_80": 1.0}])


@pytest.fixture
def fake_backtest(monkeypatch):
    calls = []

    def backtest(region, indicator, origins, horizon=3, **settings):
        calls.append(dict(region=region, indicator=indicator, origins=origins, horizon=horizon, **settings))
        settings["progress"]("origin 2019: calibrating on data up to 2019")
        return FakeBacktest()

    monkeypatch.setattr(api, "backtest", backtest)
    return calls


BACKTEST_ARGS = ["backtest", "--region", "Jiangxi", "--indicator", "new_urban_jobs", "--origin", "2019",
                 "--horizon", "2"]


def test_backtest_csv_is_exactly_the_table_the_ten_level_columns_first(fake_backtest):
    result = runner.invoke(app, [*BACKTEST_ARGS, "--format", "csv"])
    assert result.exit_code == 0, (result.output, result.exception)
    header = result.stdout.splitlines()[0].split(",")
    assert header[:10] == BACKTEST_LEVELS and header == BACKTEST_COLUMNS
    table = pd.read_csv(io.StringIO(result.stdout))
    assert table["period"].tolist() == [2020, 2021] and pd.isna(table.at[1, "actual"])
    assert fake_backtest[0]["origins"] == [2019] and fake_backtest[0]["quick"] is True
    assert fake_backtest[0]["start"] == "window"  # projections carry on the calibration's own run by default
    assert "origin 2019: calibrating" in _err(result)


def test_backtest_start_is_passed_on_and_an_unknown_one_is_refused(fake_backtest):
    result = runner.invoke(app, [*BACKTEST_ARGS, "--start", "origin", "--format", "csv"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert fake_backtest[-1]["start"] == "origin"
    result = runner.invoke(app, [*BACKTEST_ARGS, "--start", "later"])
    assert result.exit_code == 2 and len(fake_backtest) == 1
    assert "--start: 'later' is not a projection start; allowed: window, origin" in _err(result)


def test_backtest_evaluations_is_each_origins_calibration_budget(fake_backtest):
    result = runner.invoke(app, [*BACKTEST_ARGS, "--thorough", "--evaluations", "3300", "--format", "csv"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert fake_backtest[-1]["calibration"] == {"max_evaluations": 3300} and fake_backtest[-1]["quick"] is False
    runner.invoke(app, [*BACKTEST_ARGS, "--format", "csv"])
    assert fake_backtest[-1]["calibration"] is None  # the settings' own budget
    result = runner.invoke(app, [*BACKTEST_ARGS, "--evaluations", "20"])  # a quick search's first generation is 60
    assert result.exit_code == 2 and len(fake_backtest) == 2
    assert _err(result).startswith("error: --evaluations: 20 simulations") and "at least 60" in _err(result)


def test_backtest_table_shows_the_levels_then_mase_and_coverage(fake_backtest):
    result = runner.invoke(app, BACKTEST_ARGS)
    assert result.exit_code == 0, (result.output, result.exception)
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.split()[:2] == ["origin", "period"]).split()
    assert header == [*BACKTEST_LEVELS, "mase_forecast", "mase_model", "mase_model_fg", "mase_naive",
                      "forecast_covered_80", "model_covered_80", "model_fg_covered_80"]
    row = next(line for line in lines if line.split()[:2] == ["2019", "2020"]).split()
    assert row[2] == "46.2" and row[-3:] == ["yes", "yes", "yes"]
    assert next(line for line in lines if line.split()[:2] == ["2019", "2021"]).split()[2] == "-"
    assert "summary over all origins" in result.stdout and "mean_mase" in result.stdout


def test_backtest_table_follows_the_columns_present(fake_backtest, monkeypatch):
    """Further columns after the levels (the engine's growth paths, per-year errors) are left out of the table
    format, columns it does not have are not asked for, and csv and json carry the table as it is."""
    other = FakeBacktest()
    t = other.table.drop(columns=["mase_model_fg", "model_fg_covered_80"])
    t.insert(10, "growth_realised", 3.8)
    t.insert(14, "abs_error_model", 0.8)
    t.insert(3, "forecast_model", "naive")
    other.table = t
    monkeypatch.setattr(api, "backtest", lambda *a, **k: other)
    result = runner.invoke(app, BACKTEST_ARGS)
    assert result.exit_code == 0, (result.output, result.exception)
    header = next(line for line in result.stdout.splitlines() if line.split()[:2] == ["origin", "period"]).split()
    assert header == [*BACKTEST_LEVELS[:3], "forecast_model", *BACKTEST_LEVELS[3:], "growth_realised",
                      "mase_forecast", "mase_model", "mase_naive", "forecast_covered_80", "model_covered_80"]
    assert "warning: origin 2019: matching_efficiency: the posterior median is near a bound" in _err(result)
    result = runner.invoke(app, [*BACKTEST_ARGS, "--format", "csv"])
    assert result.stdout.splitlines()[0].split(",") == list(t.columns)
    result = runner.invoke(app, [*BACKTEST_ARGS, "--format", "json"])
    doc = json.loads(result.stdout)
    assert list(doc["table"][0]) == list(t.columns) and doc["summary"][0]["method"] == "model"
    assert doc["unit"] == "10k persons" and doc["table"][1]["actual"] is None
    assert doc["warnings"] == ["origin 2019: matching_efficiency: the posterior median is near a bound"]


# ---- one real calibration ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_real_quick_calibration_of_fuzhou_writes_a_file_runs_read(monkeypatch, tmp_path):
    """`jobsim calibrate --region Fuzhou --quick` in a fresh folder: a real search (the quick settings cut to
    two generations of 30 particles, 60 simulations, to keep the suite's time: the engine and its settings
    are tested in tests/calibration), the file at ./calibrated/fuzhou.yaml, and runs with that folder as a
    data folder read it."""
    import jobsim.calibration.calibrate as calibrate_module

    monkeypatch.setattr(calibrate_module, "QUICK_SETTINGS", dict(
        calibrate_module.QUICK_SETTINGS, particles=30, max_generations=2, max_evaluations=60))
    monkeypatch.chdir(tmp_path)
    before = _tree(SHIPPED)
    result = runner.invoke(app, ["calibrate", "--region", "Fuzhou", "--quick", "--format", "json"])
    assert result.exit_code == 0, (result.output, result.exception)
    doc = json.loads(result.stdout)
    written = tmp_path / "calibrated" / "fuzhou.yaml"
    assert doc["file"] == "calibrated/fuzhou.yaml" and written.is_file()
    assert set(doc["posterior"]) == set(doc["parameters"][i]["name"] for i in range(len(doc["parameters"])))
    assert all({"lo80", "hi80", "covered"} <= set(m) for m in doc["moments"])
    assert _tree(SHIPPED) == before
    monkeypatch.setenv("JOBSIM_DATA_DIR", str(tmp_path))
    p = load_parameters("Fuzhou")
    assert {p[n["name"]].origin_file for n in doc["parameters"]} == {str(written)}
    assert len(posterior_draws("Fuzhou")) > 0


# ---- the search's budget ----------------------------------------------------------------------------------


def test_evaluations_sets_the_searchs_budget(fake_engine, tmp_path):
    out = tmp_path / "jx.yaml"
    result = runner.invoke(app, ["calibrate", "--region", "Jiangxi", "--evaluations", "3300", "--out", str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    (call,) = fake_engine["calibrate"]
    assert call["max_evaluations"] == 3300 and call["quick"] is False
    runner.invoke(app, ["calibrate", "--region", "Jiangxi", "--out", str(out)])
    assert "max_evaluations" not in fake_engine["calibrate"][1]  # without it: the settings' own budget


@pytest.mark.parametrize("args, particles", [(["--evaluations", "120"], 300),
                                             (["--quick", "--evaluations", "59"], 60)])
def test_a_budget_below_one_generation_is_refused_at_once(args, particles, fake_engine, tmp_path):
    started = time.perf_counter()
    result = runner.invoke(app, ["calibrate", "--region", "Jiangxi", "--out", str(tmp_path / "jx.yaml"), *args])
    assert time.perf_counter() - started < REFUSAL_SECONDS
    assert result.exit_code == EXIT_USAGE, result.output
    message = _err(result)
    assert message.startswith("error: --evaluations") and args[-1] in message and f"at least {particles}" in message
    assert fake_engine["calibrate"] == [] and not (tmp_path / "jx.yaml").exists()
