"""Shared fixtures for the model's tests: small, cached runs and helpers that build scenarios and models.

Runs are small (a few thousand persons per agent, two replicates, short periods) and cached at session
scope so that the whole model suite stays well under a few minutes on two cores. Runs that compare
numbers use the bundled (uncalibrated) parameters, so results do not change when a calibrated parameter
file appears in calibration/params/.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from jobsim.model.core.model import LabourMarketModel
from jobsim.model.inputs.parameters import load_parameters
from jobsim.model.inputs.registry import lever_ids
from jobsim.model.core.runspec import RunSpec
from jobsim.model.experiments.ensemble import run_scenario
from jobsim.model.inputs.growth_paths import default_growth_path
from jobsim.model.inputs.regions import area_facts
from jobsim.model.outputs.store import read_dataset, write_dataset
from jobsim.model.inputs.scenario import Scenario, load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "jiangxi_baseline.yaml"
BASELINE_SCALE = 4000
JIANGXI_CITIES = [
    "Nanchang", "Jiujiang", "Jingdezhen", "Pingxiang", "Xinyu", "Yingtan",
    "Ganzhou", "Yichun", "Shangrao", "Jian", "Fuzhou",
]


@pytest.fixture(scope="session")
def baseline_scenario() -> Scenario:
    return load_scenario(BASELINE)


@pytest.fixture(scope="session")
def baseline_ds(baseline_scenario: Scenario, shared_dataset) -> xr.Dataset:
    """The Jiangxi baseline 2021-2025, 2 replicates at 4000 persons per agent (about 2 s, once per session)."""
    return shared_dataset("baseline", lambda: run_scenario(
        baseline_scenario, replicates=2, scale=BASELINE_SCALE, use_calibrated=False))


@pytest.fixture(scope="session")
def single_area_ds() -> xr.Dataset:
    """Fuzhou (a region simulated as one area) 2024-2026, 2 replicates at 500 persons per agent."""
    return run_scenario(load_scenario(SCENARIOS / "fuzhou_2024.yaml"), replicates=2, scale=500, use_calibrated=False)


def _per_year(value: float | Mapping[int, float], years: list[int]) -> dict[int, float]:
    if isinstance(value, Mapping):
        return {int(y): float(value[y]) for y in years}
    return {y: float(value) for y in years}


@pytest.fixture(scope="session")
def make_scenario(baseline_scenario: Scenario) -> Callable[..., Scenario]:
    """make_scenario(first, last, seed=..., parameters=..., **levers) -> a validated Scenario.

    Starts from the Jiangxi baseline's lever values; each lever keyword is a number (every year) or a
    {year: value} mapping, in base units. Goes through `scenario_from_dict`, so it is validated.
    """

    def make(first: int = 2021, last: int = 2025, *, seed: int | None = None,
             parameters: Mapping[str, float] | None = None, name: str = "test_scenario", **levers) -> Scenario:
        years = list(range(first, last + 1))
        d = baseline_scenario.to_dict()
        d["name"] = name
        d["period"] = {"first_year": first, "last_year": last}
        base = {lever: baseline_scenario.levers[lever][2021] for lever in baseline_scenario.levers}
        d["levers"] = {lever: _per_year(levers.get(lever, base[lever]), years) for lever in base}
        unknown = set(levers) - set(base)
        if unknown:
            raise KeyError(f"unknown levers {unknown}")
        if parameters:
            d["parameters"] = dict(parameters)
        if seed is not None:
            d["seed"] = seed
        return scenario_from_dict(d, source="<test>")

    return make


@pytest.fixture(scope="session")
def make_model(make_scenario) -> Callable[..., LabourMarketModel]:
    """make_model(first, last, scale=..., seed=..., params=..., **levers) -> a LabourMarketModel, not yet run.

    `params` overrides the bundled (uncalibrated) Jiangxi parameters by name.
    """

    def make(first: int = 2021, last: int = 2022, *, scale: float = 5000, seed: int = 0,
             params: Mapping[str, float] | None = None, region: str = "Jiangxi", **levers) -> LabourMarketModel:
        scenario = make_scenario(first, last, **levers)
        lever_values = {lever: scenario.lever_values(lever) for lever in lever_ids()}
        p = dict(load_parameters(region, use_calibrated=False, as_of=first).values)
        p.update(params or {})
        return RunSpec(region, area_facts(region), first, last, lever_values, p, seed=seed, scale=scale,
                       gdp_real_growth_percent=default_growth_path(region, first, last)).build()

    return make



@pytest.fixture(scope="session")
def shared_dataset(tmp_path_factory) -> Callable[[str, Callable[[], xr.Dataset]], xr.Dataset]:
    """shared_dataset(key, compute) -> the Dataset, computed once per test session even under pytest-xdist.

    The first worker to ask computes it and writes NetCDF (bit-identical on reading back) under the
    session's shared temporary folder, holding a file lock; the other workers wait and read it.
    """
    root = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:
        root = root.parent  # shared by the workers of this session
    cache: dict[str, xr.Dataset] = {}

    def get(key: str, compute: Callable[[], xr.Dataset]) -> xr.Dataset:
        if key in cache:
            return cache[key]
        path = root / f"shared_{key}.nc"
        with open(root / f"shared_{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if not path.exists():
                    write_dataset(compute(), path)
                cache[key] = read_dataset(path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return cache[key]

    return get
