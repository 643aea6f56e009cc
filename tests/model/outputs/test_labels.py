"""Self-describing results (model/outputs/labels.py, provenance.py): every variable labelled from the
registry, levers stored by year, provenance without machine paths, and all of it kept through NetCDF."""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pytest

import jobsim.model.inputs.provenance as provenance
from jobsim.model import __version__
from jobsim.model.experiments.ensemble import run_scenario
from jobsim.model.inputs.paths import PROJECT_ROOT
from jobsim.model.inputs.registry import lever_ids, levers, modelled_indicators
from jobsim.model.outputs.labels import (
    LEVER_YEAR_DIM, cell_methods, kinds, lever_variable, output_variables, variable_attributes,
)
from jobsim.model.outputs.store import read_dataset, write_dataset

REQUIRED_VARIABLE_ATTRS = ("units", "long_name", "long_name_zh", "definition")
REQUIRED_DATASET_ATTRS = ("Conventions", "history", "date_created", "jobsim_version", "git_commit", "git_state",
                          "data_sha256", "data_files", "scenario", "parameter_files", "seed", "scale", "replicates")
CF_CELL_METHODS = {"flow": "sum", "stock": "point", "rate": "mean"}
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
SCALE = 20_000


@pytest.fixture(scope="module")
def ensemble(make_scenario):
    return run_scenario(make_scenario(2021, 2022, seed=3), replicates=2, scale=SCALE, use_calibrated=False)


def test_every_data_variable_is_labelled(ensemble):
    for name, da in ensemble.data_vars.items():
        missing = [a for a in REQUIRED_VARIABLE_ATTRS if not da.attrs.get(a)]
        assert not missing, f"{name} lacks {missing}"
        if "time" in da.dims:
            kind = da.attrs["kind"]
            assert da.attrs["cell_methods"] == f"time: {CF_CELL_METHODS[kind]}", name
    assert ensemble["new_urban_jobs"].attrs["units"] == "persons"
    assert ensemble["new_urban_jobs"].attrs["long_name_zh"] == "城镇新增就业"
    assert ensemble["surveyed_unemployment_rate"].attrs["units"] == "1"  # a fraction
    assert ensemble["guaranteed_loans_issued_yuan"].attrs["units"] == "yuan"
    assert ensemble["trainees_started"].attrs["units"] == "person-times"
    assert ensemble["urban_employed"].attrs["cell_methods"] == "time: point"
    for coord in ("time", "area", "residence", "status", "from_status", "to_status", "replicate", LEVER_YEAR_DIM):
        assert ensemble[coord].attrs.get("long_name"), coord
    assert "units" not in ensemble["time"].attrs  # the time encoding writes its own units


def test_kinds_table_gives_the_cf_cell_methods():
    assert {k: cell_methods(k) for k in kinds().index} == {k: f"time: {m}" for k, m in CF_CELL_METHODS.items()}


def test_output_variables_table_does_not_repeat_the_indicator_registry():
    both = set(output_variables().index) & set(modelled_indicators()["model_variable"])
    assert not both, f"labelled twice (indicators.csv and output_variables.csv): {both}"
    assert variable_attributes("new_urban_jobs")["indicator"] == "new_urban_jobs"


def test_levers_are_variables_by_year(ensemble, make_scenario):
    scenario = make_scenario(2021, 2022, seed=3)
    assert list(ensemble[LEVER_YEAR_DIM].values) == [2021, 2022]
    table = levers()
    for lever in lever_ids():
        da = ensemble[lever_variable(lever)]
        assert da.dims == (LEVER_YEAR_DIM,)
        np.testing.assert_array_equal(da.values, [scenario.lever_values(lever)[y] for y in (2021, 2022)])
        assert da.attrs["long_name"] == table.at[lever, "label_en"]
        assert da.attrs["long_name_zh"] == table.at[lever, "label_zh"]
        assert da.attrs["lever"] == lever
    assert ensemble[lever_variable("entrepreneurship_training_share")].attrs["units"] == "1"
    assert ensemble[lever_variable("loan_issuance_yuan")].attrs["units"] == "yuan"


def test_ds_groupby_time_year_still_works(ensemble):
    """Lever years have their own dimension: a `year` one would make ds.groupby("time.year") repeat years."""
    y = ensemble.groupby("time.year").sum("time")
    assert list(y["year"].values) == [2021, 2022]


def test_dataset_attributes_say_where_the_result_came_from(ensemble):
    attrs = ensemble.attrs
    missing = [a for a in REQUIRED_DATASET_ATTRS if a not in attrs]
    assert not missing, missing
    assert attrs["Conventions"] == "CF-1.10"
    assert attrs["jobsim_version"] == __version__
    assert SHA256_HEX.match(attrs["data_sha256"])
    files = json.loads(attrs["data_files"])
    paths = [f["path"] for f in files]
    assert "data/registry/indicators.csv" in paths and "data/history.csv" in paths
    assert any(p.startswith("data/parameters/") for p in paths)
    assert all(SHA256_HEX.match(f["sha256"]) for f in files)
    assert all(not p.startswith("/") for p in json.loads(attrs["parameter_files"]))
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", attrs["date_created"])
    assert attrs["history"].startswith(attrs["date_created"])
    if (PROJECT_ROOT / ".git").exists():
        assert re.match(r"^[0-9a-f]{40}$", attrs["git_commit"]) and attrs["git_state"] in ("clean", "dirty")


def test_no_attribute_holds_a_path_of_this_machine(ensemble):
    root = str(PROJECT_ROOT.resolve())
    texts = [str(v) for v in ensemble.attrs.values()]
    texts += [str(v) for da in ensemble.variables.values() for v in da.attrs.values()]
    assert not [t for t in texts if root in t]


def test_netcdf_round_trip_keeps_every_attribute(ensemble, tmp_path):
    back = read_dataset(write_dataset(ensemble, tmp_path / "labelled.nc"))
    assert back.attrs == ensemble.attrs
    for name, da in ensemble.variables.items():
        assert back[name].attrs == da.attrs, name


def test_creation_time_is_now_unless_source_date_epoch_is_set(monkeypatch):
    monkeypatch.setenv(provenance.SOURCE_DATE_EPOCH, "0")
    assert provenance.creation_time() == "1970-01-01T00:00:00Z"
    monkeypatch.delenv(provenance.SOURCE_DATE_EPOCH)
    now = dt.datetime.now(dt.timezone.utc)
    created = dt.datetime.fromisoformat(provenance.creation_time().replace("Z", "+00:00"))
    assert abs((now - created).total_seconds()) < 60


def test_without_a_git_checkout_there_is_no_commit_and_no_error(monkeypatch, tmp_path):
    monkeypatch.setattr(provenance, "PROJECT_ROOT", tmp_path)
    provenance.git_state.cache_clear()
    try:
        assert provenance.git_state() == (provenance.NO_COMMIT, "not run from a git checkout")
    finally:
        provenance.git_state.cache_clear()


def test_relative_paths_never_name_the_machine(monkeypatch, tmp_path):
    assert provenance.relative_path(PROJECT_ROOT / "data" / "regions.csv") == "data/regions.csv"
    user = tmp_path / "mydata"
    user.mkdir()
    monkeypatch.setenv("JOBSIM_DATA_DIR", str(user))
    assert provenance.relative_path(user / "regions.csv") == "<data-dir 1>/regions.csv"
    assert provenance.relative_path(tmp_path / "other" / "x.yaml") == "<elsewhere>/x.yaml"


def test_file_hash_follows_the_file(tmp_path):
    f = tmp_path / "facts.csv"
    f.write_text("a,b\n1,2\n", encoding="utf-8")
    first = provenance.file_sha256(f)
    assert provenance.file_sha256(f) == first  # cached
    f.write_text("a,b\n1,23\n", encoding="utf-8")  # another size: seen even within the clock's resolution
    assert provenance.file_sha256(f) != first
