"""Running scenarios (jobsim.model.experiments.ensemble) and `jobsim run` (model/cli/run.py): reproducibility,
the output contract of the Dataset, atomic writes and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from jobsim.model import __version__
from jobsim.model.cli.main import app
from jobsim.model.inputs.parameters import load_parameters
from jobsim.model.inputs.regions import cities_of
from jobsim.model.outputs.results import SPENDING
from jobsim.model.experiments.ensemble import replicate_seeds, run_scenario
from jobsim.model.outputs.store import read_dataset, write_dataset
from jobsim.model.inputs.scenario import load_scenario, scenario_from_yaml

ROOT = Path(__file__).resolve().parents[3]
BASELINE = ROOT / "scenarios" / "jiangxi_baseline.yaml"
BAD_SCENARIO = Path(__file__).resolve().parents[1] / "inputs" / "bad_scenarios" / "negative_budget.yaml"
CLI_SCALE = 5000
CONTRACT = (
    "new_urban_jobs", "urban_job_entries", "natural_attrition", "urban_employed", "urban_unemployed",
    "surveyed_unemployment_rate", "registered_unemployment_rate", "reemployment_of_unemployed",
    "hard_to_employ_employed", "rural_labour_transferred", "trainees_started", "entrepreneurship_trainees_started",
    "guaranteed_loans_issued_yuan", "startups_created", "startup_jobs", "posts_filled",
) + SPENDING

runner = CliRunner()


def jobsim_command() -> list[str]:
    script = Path(sys.executable).parent / "jobsim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "jobsim.model.cli.main"]


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def run_cli_subprocess(out: Path) -> subprocess.CompletedProcess:
    """`jobsim run scenarios/jiangxi_baseline.yaml --replicates 2 --scale 5000 --out X.nc` in a subprocess
    (its default --workers 2: replicates run in a fork pool)."""
    return subprocess.run(
        [*jobsim_command(), "run", "scenarios/jiangxi_baseline.yaml", "--replicates", "2", "--scale", str(CLI_SCALE),
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONHASHSEED": "123"},
    )


@pytest.fixture(scope="module")
def in_process_ds(tmp_path_factory) -> xr.Dataset:
    """The same run as the CLI's, in this process with one worker, written and read back."""
    path = tmp_path_factory.mktemp("in_process") / "X.nc"
    write_dataset(run_scenario(load_scenario(BASELINE), replicates=2, scale=CLI_SCALE, workers=1), path)
    return read_dataset(path)


@pytest.fixture(scope="module")
def short_scenario():
    s = load_scenario(BASELINE)
    d = s.to_dict()
    d["period"] = {"first_year": 2021, "last_year": 2022}
    d["levers"] = {k: {y: v for y, v in values.items() if y <= 2022} for k, values in d["levers"].items()}
    return s.with_changes(period=d["period"], levers=d["levers"])


# --- reproducibility -----------------------------------------------------------------------------------

def test_same_scenario_and_seed_give_identical_datasets(short_scenario):
    a = run_scenario(short_scenario, replicates=2, scale=10_000)
    b = run_scenario(short_scenario, replicates=2, scale=10_000)
    assert a.identical(b)


def test_fork_pool_gives_the_same_dataset_as_one_process(short_scenario):
    one = run_scenario(short_scenario, replicates=3, scale=10_000, workers=1)
    pool = run_scenario(short_scenario, replicates=3, scale=10_000, workers=2)
    xr.testing.assert_identical(one, pool)


def test_a_replicate_depends_only_on_the_seed_and_its_position(short_scenario):
    two = run_scenario(short_scenario, replicates=2, scale=10_000)
    three = run_scenario(short_scenario, replicates=3, scale=10_000)
    first_two = three.isel(replicate=[0, 1])
    first_two.attrs = two.attrs
    xr.testing.assert_identical(two, first_two)
    assert list(three["replicate_seed"].values[:2]) == replicate_seeds(short_scenario.seed, 2)


def test_different_seeds_differ(short_scenario):
    a = run_scenario(short_scenario, replicates=2, scale=10_000, seed=1)
    b = run_scenario(short_scenario, replicates=2, scale=10_000, seed=2)
    assert not a.identical(b)
    assert not np.array_equal(a["new_urban_jobs"].values, b["new_urban_jobs"].values)
    assert not np.array_equal(a["population_by_status"].values, b["population_by_status"].values)
    # ... and so do replicates within a run.
    assert not np.array_equal(a["new_urban_jobs"].isel(replicate=0).values, a["new_urban_jobs"].isel(replicate=1).values)


# --- jobsim run ----------------------------------------------------------------------------------------

def test_jobsim_run_end_to_end(tmp_path, in_process_ds):
    """The real command in a subprocess: exit 0, the yearly table and the targets on stdout, X.nc written
    atomically (no temporary file left), and the Dataset read back bit-identical to an in-process run with
    one worker (another process, a fork pool and a NetCDF round trip later, the same numbers)."""
    out = tmp_path / "X.nc"
    proc = run_cli_subprocess(out)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "jiangxi_baseline: Jiangxi 2021-2025, 2 replicates, seed 2021, 1 agent = 5000 persons" in text
    table = text.split("Targets")[0]
    assert "城镇新增就业 new urban jobs" in table and "人 persons" in table and "万" in table
    assert all(str(y) in table for y in range(2021, 2026))
    assert "median [p10–p90]:" in table  # the legend
    assert "e+0" not in text  # amounts in 万/亿, never scientific notation
    assert "Targets (jiangxi_14th_plan):" in text
    assert "P(meet)" in text and "Set by the scenario" in text
    assert text.count("Not modelled (") == 1 and "高技能人才总量" in text.split("Not modelled (")[1]
    assert "\x1b[" not in text  # plain text off a terminal
    assert "2/2 replicates done" in proc.stderr
    assert f"wrote {out}" in text
    assert files_in(tmp_path) == ["X.nc", "catalogue.sqlite"], "temporary files left behind"  # + the run catalogue
    ds = read_dataset(out)
    check_contract(ds)
    check_attributes(ds)
    xr.testing.assert_identical(ds, in_process_ds)


def check_contract(ds: xr.Dataset) -> None:
    assert ds.sizes["replicate"] == 2
    assert list(ds["area"].values) == ["Jiangxi"] + list(cities_of("Jiangxi")) and ds.sizes["area"] == 12
    times = pd.DatetimeIndex(ds["time"].values)
    assert times.equals(pd.date_range("2021-01-01", "2025-12-01", freq="MS"))
    for name in CONTRACT:
        assert name in ds, f"{name} missing from the output Dataset"
        assert ds[name].dims == ("replicate", "time", "area"), (name, ds[name].dims)
        assert np.isfinite(ds[name].values).all(), name
    assert len(SPENDING) == 6  # one per programme: training, loans, posts, internships, grassroots, insurance


def check_attributes(ds: xr.Dataset) -> None:
    attrs = ds.attrs
    scenario = load_scenario(BASELINE)
    # The attribute records the scenario as run: command-line replicates and scale replace the file's.
    as_run = scenario.with_changes(replicates=int(attrs["replicates"]), scale=int(float(attrs["scale"])))
    assert scenario_from_yaml(attrs["scenario"]) == as_run
    assert scenario_from_yaml(attrs["scenario"]).levers == scenario.levers
    assert int(attrs["seed"]) == scenario.seed
    assert float(attrs["scale"]) == CLI_SCALE
    assert int(attrs["replicates"]) == 2
    assert attrs["jobsim_version"] == __version__
    params = json.loads(attrs["parameters"])
    assert [p["name"] for p in params] == list(load_parameters("Jiangxi"))
    assert all({"name", "value", "unit", "source"} <= set(p) for p in params)
    assert list(ds["replicate_seed"].values) == replicate_seeds(scenario.seed, 2)


def test_output_dataset_contract(in_process_ds):
    check_contract(in_process_ds)


def test_output_dataset_attributes(in_process_ds):
    check_attributes(in_process_ds)


def test_netcdf_round_trip_is_identical(short_scenario, tmp_path):
    ds = run_scenario(short_scenario, replicates=2, scale=10_000)
    path = write_dataset(ds, tmp_path / "round.nc")
    xr.testing.assert_identical(read_dataset(path), ds)
    assert files_in(tmp_path) == ["round.nc"]


def test_invalid_scenario_exits_1_and_writes_nothing(tmp_path):
    out = tmp_path / "bad.nc"
    result = runner.invoke(app, ["run", str(BAD_SCENARIO), "--replicates", "1", "--scale", "20000", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "error:" in result.stderr
    assert files_in(tmp_path) == []


def test_out_must_be_netcdf(tmp_path):
    out = tmp_path / "foo.txt"
    result = runner.invoke(app, ["run", str(BASELINE), "--replicates", "1", "--scale", "20000", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "--out" in result.stderr and ".nc" in result.stderr
    assert files_in(tmp_path) == []


def test_missing_scenario_file_exits_2(tmp_path):
    result = runner.invoke(app, ["run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "x.nc")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    assert files_in(tmp_path) == []


def test_unknown_area_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "x.nc"
    result = runner.invoke(app, ["run", str(BASELINE), "--replicates", "1", "--scale", "50000", "--workers", "1",
                                 "--area", "Atlantis", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "Atlantis" in result.stderr
    assert files_in(tmp_path) == []


def test_failed_write_leaves_no_temporary_file_and_keeps_the_old_file(tmp_path, monkeypatch):
    ds = xr.Dataset({"x": ("t", np.arange(3.0))})
    path = tmp_path / "keep.nc"
    write_dataset(ds, path)
    before = path.read_bytes()

    def broken(self, target, *args, **kwargs):
        Path(target).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", broken)
    with pytest.raises(OSError, match="disk full"):
        write_dataset(ds * 2, path)
    assert files_in(tmp_path) == ["keep.nc"]
    assert path.read_bytes() == before
