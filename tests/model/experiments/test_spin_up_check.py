"""`api.spin_up_check`: the spin-up years' region figures beside the history of those years."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jobsim.model import api
from jobsim.model.experiments.spin_up import STATS

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
HEADER = "region,indicator,start,end,stat,value,unit,source_url,quote,note\n"


@pytest.fixture
def newer_figures(tmp_path, monkeypatch) -> Path:
    """A user data folder with one year's figures the bundled history holds back (values for the test)."""
    (tmp_path / "history.csv").write_text(
        HEADER
        + "Jiangxi,new_urban_jobs,2022-01,2022-12,sum,47.5,10k persons,https://example.org,,test figure\n"
        + "Jiangxi,urban_employment,2023-12,2023-12,end,1350,10k persons,https://example.org,,test figure\n",
        encoding="utf-8")
    monkeypatch.setenv("JOBSIM_DATA_DIR", str(tmp_path))
    return tmp_path


def test_the_spin_up_years_sit_beside_the_history(newer_figures):
    table = api.spin_up_check(SCENARIOS / "jiangxi_2026_2030.yaml", replicates=1, scale=20000,
                              indicators=["new_urban_jobs", "urban_employment"], use_calibrated=False)
    assert list(table.index) == [2021, 2022, 2023, 2024, 2025]
    assert list(table.columns.get_level_values("stat")[:len(STATS)]) == list(STATS)
    assert np.all(np.isfinite(table[("new_urban_jobs", "model_median")]))
    assert np.all(table[("urban_employment", "model_median")] > 500)  # 10k persons: Jiangxi has ~1300万
    assert table.loc[2022, ("new_urban_jobs", "history")] == pytest.approx(47.5)
    assert table.loc[2023, ("urban_employment", "history")] == pytest.approx(1350)
    assert np.isnan(table.loc[2021, ("new_urban_jobs", "history")])


def test_a_scenario_without_spin_up_gives_an_empty_table():
    table = api.spin_up_check(SCENARIOS / "jiangxi_baseline.yaml", replicates=1, scale=20000, use_calibrated=False)
    assert table.empty and table.columns.nlevels == 2


def test_the_plan_fills_the_spin_up_years_from_the_default_growth_path():
    from jobsim.model.inputs.growth_paths import default_growth_path

    scenario = api.load_scenario(SCENARIOS / "jiangxi_2026_2030.yaml")
    plan = api.plan(scenario, replicates=1, scale=20000, use_calibrated=False)
    spec = plan.specs[0]
    assert spec.spin_up_years == (2021, 2022, 2023, 2024, 2025) and spec.missing_growth_years() == []
    realised = default_growth_path("Jiangxi", 2021, 2025)
    assert {y: spec.gdp_real_growth_percent[y] for y in spec.spin_up_years} == realised
    assert "spin-up 2021-2025" in plan.uncertainties.growth_source
