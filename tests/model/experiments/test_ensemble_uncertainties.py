"""plan_ensemble puts the uncertainties (the scenario's, over the defaults) into every RunSpec, and the
ensemble's Dataset records the ones used, by year, beside the levers."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from jobsim.model import api
from jobsim.model.experiments.ensemble import _ensemble_dataset, plan_ensemble
from jobsim.model.inputs.paths import PROJECT_ROOT
from jobsim.model.inputs.scenario import load_scenario, scenario_from_yaml
from jobsim.model.outputs.labels import LEVER_YEAR_DIM

PARAMETER = "separation_rate_monthly"


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(PROJECT_ROOT / "scenarios" / "jiangxi_baseline.yaml")


@pytest.fixture(scope="module")
def uncertain(baseline):
    return baseline.with_changes(name="jiangxi_slow_growth", uncertainties={
        "gdp_real_growth_percent": {2021: 2.0, 2023: -1.0},
        "graduates_multiplier": {2021: 1.0, 2024: 1.5},
        "parameters": {PARAMETER: {2021: 0.002, 2025: 0.004}},
    })


def test_every_spec_carries_the_default_path_when_the_scenario_gives_none(baseline):
    plan = plan_ensemble(baseline, replicates=3, use_calibrated=False)
    expected = api.gdp_growth_path("Jiangxi", 2021, 2025)
    for spec in plan.specs:
        assert dict(spec.gdp_real_growth_percent) == expected and not spec.missing_growth_years()
        assert dict(spec.graduates_multiplier) == {y: 1.0 for y in range(2021, 2026)}
        assert dict(spec.parameter_paths) == {}
    assert "default path" in plan.uncertainties.growth_source and "Jiangxi" in plan.uncertainties.growth_source


def test_a_city_scenario_runs_on_its_province_path():
    fuzhou = load_scenario(PROJECT_ROOT / "scenarios" / "fuzhou_2024.yaml")
    spec = plan_ensemble(fuzhou, replicates=1, use_calibrated=False).specs[0]
    # 2024-2026, and the spin-up years 2021-2023 before it (the facts describe the end of 2020).
    assert spec.spin_up_years == (2021, 2022, 2023)
    assert dict(spec.gdp_real_growth_percent) == api.gdp_growth_path("Jiangxi", 2021, 2026)


def test_the_scenario_uncertainties_replace_the_defaults_in_every_spec(baseline, uncertain):
    plan = plan_ensemble(uncertain, replicates=2, use_calibrated=False)
    base_spec = plan_ensemble(baseline, replicates=2, use_calibrated=False).specs[0]
    for spec in plan.specs:
        assert dict(spec.gdp_real_growth_percent) == {2021: 2.0, 2022: 2.0, 2023: -1.0, 2024: -1.0, 2025: -1.0}
        assert dict(spec.graduates_multiplier) == {2021: 1.0, 2022: 1.0, 2023: 1.0, 2024: 1.5, 2025: 1.5}
        assert spec.parameters_in(2024)[PARAMETER] == 0.002 and spec.parameters_in(2025)[PARAMETER] == 0.004
    assert plan.specs[0].gdp_real_growth_percent != base_spec.gdp_real_growth_percent
    assert plan.specs[0].seed == base_spec.seed  # the same replicate seeds: paired comparisons measure the change
    assert plan.specs[0].levers == base_spec.levers
    assert plan.uncertainties.growth_source == "the scenario's uncertainties.gdp_real_growth_percent"


def test_the_dataset_records_the_uncertainties_used(uncertain):
    plan = plan_ensemble(uncertain, replicates=2, use_calibrated=False)
    fake = [xr.Dataset({"employed": ("time", np.zeros(3))}, coords={"time": np.arange(3)}) for _ in plan.specs]
    ds = _ensemble_dataset(plan, fake)
    growth = ds["uncertainty_gdp_real_growth_percent"]
    assert growth.dims == (LEVER_YEAR_DIM,) and list(growth.values) == [2.0, 2.0, -1.0, -1.0, -1.0]
    assert growth.attrs["units"] and growth.attrs["long_name"] == "real GDP growth"
    assert "scenario" in growth.attrs["source"]
    assert list(ds["uncertainty_graduates_multiplier"].values) == [1.0, 1.0, 1.0, 1.5, 1.5]
    assert ds["uncertainty_graduates_multiplier"].attrs["units"] == "1"
    assert list(ds[f"uncertainty_parameter_{PARAMETER}"].values) == [0.002] * 4 + [0.004]
    assert "uncertainty_*" in ds.attrs["uncertainties"] and PARAMETER in ds.attrs["uncertainties"]
    as_run = scenario_from_yaml(ds.attrs["scenario"], "<attrs>")  # the scenario as run keeps them
    assert as_run.uncertainties == uncertain.uncertainties


def test_the_default_growth_is_recorded_with_where_it_came_from(baseline):
    plan = plan_ensemble(baseline, replicates=1, use_calibrated=False)
    ds = _ensemble_dataset(plan, [xr.Dataset({"employed": ("time", np.zeros(3))}, coords={"time": np.arange(3)})])
    growth = ds["uncertainty_gdp_real_growth_percent"]
    assert list(growth.values) == list(api.gdp_growth_path("Jiangxi", 2021, 2025).values())
    assert "data/economy/gdp_real_growth_paths.csv" in growth.attrs["source"]
    assert ds["uncertainty_graduates_multiplier"].attrs["source"].startswith("default")


def test_the_api_exposes_the_default_path_with_its_provenance():
    table = api.gdp_growth_path_table("Ganzhou", 2024, 2027)
    assert list(table["year"]) == [2024, 2025, 2026, 2027] and set(table["region"]) == {"Jiangxi"}
    assert list(table["basis"]) == ["history", "history", "forecast", "forecast"]
    with pytest.raises(api.GrowthPathError):
        api.gdp_growth_path("Jiangxi", 2001, 2003)
