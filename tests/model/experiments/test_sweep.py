"""Sweeps: the store's dims and coordinates, determinism, resume after an interrupt (bit-identical to an
uninterrupted sweep), a changed file refused, and sensitivity indices of Sobol and Morris stores.

The sweeps are tiny (Jiangxi over two years at 1:50,000, one or two replicates) and run on an in-process
Dask cluster (threads: no worker start-up), passed by its address as `jobsim sweep --scheduler` would.
The command-line tests run the default local cluster of processes, a cluster started with `dask
scheduler` / `dask worker`, and a sweep killed with SIGKILL (tests/model/cli/test_sweep_cli.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from jobsim.model import api
from jobsim.model.experiments.sweep import DONE, SweepStoreError, load_sweep, run_sweep, sweep_status

ROOT = Path(__file__).resolve().parents[3]
FIRST_YEAR, LAST_YEAR = 2021, 2022  # two years: each run takes a fraction of a second
TINY_SCALE = 50000


def short_base(folder: Path) -> Path:
    """The Jiangxi baseline over two years, beside the sweep files."""
    base = yaml.safe_load((ROOT / "scenarios" / "jiangxi_baseline.yaml").read_text(encoding="utf-8"))
    base["period"] = {"first_year": FIRST_YEAR, "last_year": LAST_YEAR}
    path = folder / "short_base.yaml"
    path.write_text(yaml.safe_dump(base, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def sweep_file(folder: Path, name: str = "tiny", design: dict | None = None, replicates: int = 2, **extra) -> Path:
    short_base(folder)
    data = {
        "name": name, "base": "short_base.yaml",
        "levers": {"training_volume_person_times": {"multiplier": [0.5, 1.5]}},
        "uncertainties": {"gdp_real_growth_percent": {"shift": [-2, 1]}},
        "design": design or {"method": "full_factorial", "levels": 3},
        "seed": 11, "replicates": replicates, "scale": TINY_SCALE,
        "indicators": ["new_urban_jobs", "surveyed_unemployment_rate"], "areas": ["Jiangxi", "Ganzhou"], **extra,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scheduler():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sweeps")


@pytest.fixture(scope="module")
def complete(folder, scheduler) -> Path:
    """The tiny factorial sweep, uninterrupted, one sample per chunk."""
    out = folder / "complete.zarr"
    run_sweep(sweep_file(folder), out, scheduler=scheduler, use_calibrated=False, catalogue=False, samples_per_chunk=1)
    return out


def values(path: Path) -> xr.Dataset:
    return load_sweep(path).load()


def assert_identical_values(a: Path, b: Path) -> None:
    x, y = values(a), values(b)
    assert set(x.variables) == set(y.variables)
    for name in x.variables:
        assert x[name].dtype == y[name].dtype, name
        np.testing.assert_array_equal(x[name].values, y[name].values, err_msg=name)
    skip = {"date_created"}
    assert {k: v for k, v in x.attrs.items() if k not in skip} == {k: v for k, v in y.attrs.items() if k not in skip}


def test_the_store_has_the_dims_coordinates_and_attributes(complete):
    ds = load_sweep(complete)
    assert dict(ds.sizes) == {"sample": 9, "replicate": 2, "year": 2, "area": 2}
    assert ds["new_urban_jobs"].dims == ("sample", "replicate", "year", "area")
    assert list(ds["area"].values) == ["Jiangxi", "Ganzhou"] and list(ds["year"].values) == [2021, 2022]
    for factor in ("training_volume_person_times", "gdp_real_growth_percent"):
        assert ds[factor].dims == ("sample",) and factor in ds.coords
    assert sorted(set(ds["training_volume_person_times"].values)) == [0.5, 1.0, 1.5]
    assert sorted(set(ds["gdp_real_growth_percent"].values)) == [-2.0, -0.5, 1.0]
    # the applied values: the base's path times the multiplier, shifted growth
    base = api.load_scenario(Path(complete).parent / "short_base.yaml")
    training = ds["applied_training_volume_person_times"].values
    np.testing.assert_array_equal(training[:, 0], np.round(base.levers["training_volume_person_times"][2021]
                                                           * ds["training_volume_person_times"].values))
    assert (ds[DONE].values == 1).all() and sweep_status(complete) == (9, 9)
    assert ds.attrs["design"] == "full_factorial" and len(ds.attrs["sweep_hash"]) == 64
    assert '"replicates":2' in ds.attrs["sweep"]
    # common random numbers: one seed per replicate, the same in every sample
    assert ds["replicate_seed"].dims == ("replicate",)
    values = ds["new_urban_jobs"].values
    assert np.isfinite(values).all() and (values[:, :, :, 0] > 0).all()
    rates = ds["surveyed_unemployment_rate"].values
    assert ((rates > 0) & (rates < 1)).all()


def test_the_same_file_and_seed_give_an_identical_store(complete, folder, scheduler):
    again = folder / "again.zarr"
    run_sweep(sweep_file(folder), again, scheduler=scheduler, use_calibrated=False, catalogue=False, samples_per_chunk=1)
    assert_identical_values(complete, again)


class Stop(Exception):
    """Raised by the progress hook to interrupt a sweep part-way."""


def stop_after(chunks: int):
    calls = []

    def hook(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) > chunks:  # the first call comes before any chunk
            raise Stop()

    return hook


@pytest.mark.parametrize("interrupt", [Stop, KeyboardInterrupt])
def test_an_interrupted_sweep_resumes_to_the_uninterrupted_store(complete, folder, scheduler, interrupt):
    out = folder / f"resumed_{interrupt.__name__}.zarr"
    path = sweep_file(folder)

    def hook_raising(done, total, calls=[]):  # noqa: B006 - the list counts the calls of this test
        calls.append(done)
        if len(calls) == 4:
            raise interrupt()

    with pytest.raises(interrupt):
        run_sweep(path, out, scheduler=scheduler, use_calibrated=False, catalogue=False, samples_per_chunk=1, progress=hook_raising)
    written, total = sweep_status(out)
    assert 3 <= written < total
    seen = []
    summary = run_sweep(path, out, scheduler=scheduler, use_calibrated=False, catalogue=False, samples_per_chunk=1,
                        progress=lambda d, t: seen.append(d))
    assert seen[0] == written * 2  # runs already there: nothing finished is redone
    assert summary.runs_run == (total - written) * 2 and summary.runs_skipped == written * 2
    assert_identical_values(complete, out)
    # a third time: nothing left to run
    assert run_sweep(path, out, scheduler=scheduler, use_calibrated=False, catalogue=False).runs_run == 0


def test_the_same_sweep_in_the_same_folder_is_served_from_the_catalogue(folder, scheduler, tmp_path):
    path = sweep_file(folder, "tiny_lhs_cat", {"method": "latin_hypercube", "n": 2}, replicates=1)
    first = run_sweep(path, tmp_path / "first.zarr", scheduler=scheduler, use_calibrated=False)
    assert not first.served and first.runs_run == 2 and first.catalogue_id
    second = run_sweep(path, tmp_path / "second.zarr", scheduler=scheduler, use_calibrated=False)
    assert second.served and second.runs_run == 0 and second.catalogue_id == first.catalogue_id
    assert_identical_values(tmp_path / "first.zarr", tmp_path / "second.zarr")
    from jobsim.model.outputs.run_catalogue import Catalogue

    (entry,) = Catalogue(tmp_path).list(kind="sweep")
    assert entry.status == "done" and entry.short_id == first.catalogue_id


def test_a_changed_sweep_file_is_refused_naming_what_changed(complete, folder, scheduler):
    changed = sweep_file(folder, replicates=3, indicators=["new_urban_jobs"])
    with pytest.raises(SweepStoreError) as err:
        run_sweep(changed, complete, scheduler=scheduler, use_calibrated=False, catalogue=False)
    message = str(err.value)
    assert "replicates" in message and "indicators" in message and str(complete) in message
    assert "seed" not in message.split("changed:")[1]
    sweep_file(folder)  # as it was, for the other tests


def test_a_folder_that_is_not_a_sweep_store_is_refused(folder, scheduler):
    other = folder / "other.zarr"
    other.mkdir()
    (other / "note.txt").write_text("not a store", encoding="utf-8")
    with pytest.raises(SweepStoreError, match="not a jobsim sweep store"):
        run_sweep(sweep_file(folder), other, scheduler=scheduler, use_calibrated=False, catalogue=False)


# ---- sensitivity ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sobol_store(folder, scheduler) -> Path:
    out = folder / "sobol.zarr"
    run_sweep(sweep_file(folder, "tiny_sobol", {"method": "sobol", "n": 4}, replicates=1), out,
              scheduler=scheduler, use_calibrated=False, catalogue=False)
    return out


def test_sobol_indices_have_one_row_per_factor(sobol_store):
    table = api.sensitivity(sobol_store, "new_urban_jobs")
    assert list(table["factor"]) == ["training_volume_person_times", "gdp_real_growth_percent"]
    assert list(table.columns) == ["factor", "S1", "S1_conf", "ST", "ST_conf"]
    assert np.isfinite(table[["S1", "ST"]].to_numpy()).all()
    assert table.attrs["method"] == "sobol" and table.attrs["output"] == "the replicate mean per sample"
    one_year = api.sensitivity(sobol_store, "surveyed_unemployment_rate", year=2022, area="Ganzhou")
    assert one_year.attrs["year"] == 2022 and one_year.attrs["area"] == "Ganzhou"
    again = api.sensitivity(sobol_store, "new_urban_jobs")
    assert table.equals(again)  # the bootstrap's seed is the sweep's


def test_morris_indices_have_one_row_per_factor(folder, scheduler):
    out = folder / "morris.zarr"
    run_sweep(sweep_file(folder, "tiny_morris", {"method": "morris", "trajectories": 2, "levels": 4}, replicates=1),
              out, scheduler=scheduler, use_calibrated=False, catalogue=False)
    table = api.sensitivity(out, "new_urban_jobs")
    assert list(table.columns) == ["factor", "mu", "mu_star", "sigma", "mu_star_conf"] and len(table) == 2
    assert (table["mu_star"] >= 0).all()


def test_a_latin_hypercube_store_has_no_indices(folder, scheduler):
    out = folder / "lhs.zarr"
    run_sweep(sweep_file(folder, "tiny_lhs", {"method": "latin_hypercube", "n": 3}, replicates=1), out,
              scheduler=scheduler, use_calibrated=False, catalogue=False)
    with pytest.raises(api.SensitivityError, match="latin_hypercube design.*use a sobol or morris design"):
        api.sensitivity(out, "new_urban_jobs")


def test_unknown_choices_list_the_allowed_values(sobol_store):
    with pytest.raises(api.ChoiceError, match="its indicators: new_urban_jobs, surveyed_unemployment_rate"):
        api.sensitivity(sobol_store, "jobs_held")
    with pytest.raises(api.ChoiceError, match="its years: 2021, 2022"):
        api.sensitivity(sobol_store, "new_urban_jobs", year=2030)
    with pytest.raises(api.ChoiceError, match="its areas: Jiangxi, Ganzhou"):
        api.sensitivity(sobol_store, "new_urban_jobs", area="Nanchang")


def test_an_incomplete_store_says_how_many_samples_are_missing(folder, scheduler):
    out = folder / "sobol_part.zarr"
    with pytest.raises(Stop):
        run_sweep(sweep_file(folder, "tiny_sobol", {"method": "sobol", "n": 4}, replicates=1), out,
                  scheduler=scheduler, use_calibrated=False, catalogue=False, samples_per_chunk=1, progress=stop_after(2))
    done, total = sweep_status(out)
    with pytest.raises(api.SensitivityError, match=f"{total - done} of {total} samples are missing; rerun"):
        api.sensitivity(out, "new_urban_jobs")
