"""Target probabilities of a sweep store (model/experiments/sweep_targets.py) agree with a direct count of
replicates meeting each target, and with api.evaluate_targets on a run of the same sample's scenario.

The sweep is the tiny two-year Jiangxi factorial of test_sweep.py, run on an in-process threaded cluster.
"""

from __future__ import annotations

import numpy as np
import pytest

from jobsim.model import api
from jobsim.model.experiments.sweep import load_sweep, plan_sweep, run_sweep, sample_scenario
from jobsim.model.experiments.sweep_targets import EVALUATED, sweep_target_probabilities
from jobsim.model.inputs.targets import Target
from tests.model.experiments.test_sweep import sweep_file


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from distributed import LocalCluster

    folder = tmp_path_factory.mktemp("sweep_targets")
    path = sweep_file(folder, design={"method": "full_factorial", "levels": 2})
    out = folder / "targets.zarr"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        run_sweep(path, out, scheduler=cluster.scheduler_address, use_calibrated=False, catalogue=False)
    return path, out


def floor(value: float) -> Target:
    return Target(indicator="new_urban_jobs", area="Jiangxi", start_year=2021, end_year=2022, basis="total",
                  comparison=">=", value=value, unit="10k persons")


def test_probabilities_equal_a_direct_count_of_replicates(store):
    _, out = store
    ds = load_sweep(out).load()
    totals = ds["new_urban_jobs"].sel(area="Jiangxi").sum("year") / 1e4  # 万人 per sample and replicate
    cut = float(totals.median())  # a value some replicates meet and some do not
    ceiling = Target(indicator="surveyed_unemployment_rate", area="Jiangxi", start_year=2021, end_year=2022,
                     basis="each_year", comparison="<=", value=5.5, unit="percent")
    p = sweep_target_probabilities(out, [floor(cut), ceiling])
    assert p["probability"].dims == ("sample", "target")
    expected = (totals >= cut - 1e-9 * cut).mean("replicate").values
    np.testing.assert_array_equal(p["probability"].sel(target=0).values, expected)
    rate = ds["surveyed_unemployment_rate"].sel(area="Jiangxi") * 100
    np.testing.assert_array_equal(p["probability"].sel(target=1).values,
                                  (rate <= 5.5 + 1e-9 * 5.5).all("year").mean("replicate").values)
    assert 0 < float(p["probability"].sel(target=0).mean()) < 1  # the cut splits the runs
    assert "training_volume_person_times" in p.coords and p["target_status"].values.tolist() == [EVALUATED] * 2


def test_a_sample_agrees_with_evaluate_targets_on_its_own_run(store):
    """The store's sample 0, run again as a plain ensemble of its scenario, gives the same probability."""
    path, out = store
    plan = plan_sweep(path, use_calibrated=False)
    target = floor(float((load_sweep(out)["new_urban_jobs"].sel(area="Jiangxi", sample=0).load().sum("year") / 1e4).median()))
    scenario = sample_scenario(plan.sweep, plan.samples[0], 0)
    ds = api.run(scenario, replicates=plan.replicates, seed=plan.sweep.seed, scale=plan.sweep.scale, use_calibrated=False)
    direct = api.evaluate_targets(ds, [target])["probability"].iloc[0]
    assert sweep_target_probabilities(out, [target])["probability"].sel(sample=0, target=0).item() == direct


def test_targets_the_store_cannot_judge_say_why(store):
    _, out = store
    other = Target(indicator="rural_labour_transferred", area="Jiangxi", start_year=2021, end_year=2022,
                   basis="total", comparison=">=", value=10, unit="10k persons")
    late = floor(1.0).model_copy(update={"end_year": 2025})
    p = sweep_target_probabilities(out, [other, late])
    assert np.isnan(p["probability"]).all()
    status = p["target_status"].values.tolist()
    assert status[0].startswith("not in the store") and "outside the store's 2021-2022" in status[1]


def test_default_targets_are_the_base_scenarios(store):
    _, out = store
    p = sweep_target_probabilities(out)
    base = plan_sweep(store[0], use_calibrated=False).sweep.base
    assert p.sizes["target"] == len(base.target_list())
