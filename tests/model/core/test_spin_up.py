"""A run whose first year is later than structure_year + 1 of its facts rolls the population forward
first (the spin-up, `LabourMarketModel.spin_up`): every year in between, unrecorded in the period's
record, with that year's own real GDP growth, the first projected year's levers and the model's
demography; a run starting at structure_year + 1 has no spin-up (its outputs are the golden fixtures')."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from jobsim.model.core import agents as A
from jobsim.model.core.runspec import RunSpec
from jobsim.model.inputs.growth_paths import default_growth_path
from jobsim.model.inputs.parameters import load_parameters
from jobsim.model.inputs.regions import area_facts
from jobsim.model.inputs.registry import lever_ids
from jobsim.model.inputs.scenario import load_scenario
from jobsim.model.outputs.indicators import region_yearly, region_years

ROOT = Path(__file__).resolve().parents[3]
SCALE = 20000  # coarse: the properties tested hold at any scale
VARIABLES = ["new_urban_jobs", "urban_employed", "natural_attrition", "surveyed_unemployment_rate"]


@pytest.fixture(scope="module")
def spec_2026() -> RunSpec:
    """The bundled 2026-2030 scenario's levers, for 2026-2027 only (to keep the test short)."""
    scenario = load_scenario(ROOT / "scenarios" / "jiangxi_2026_2030.yaml")
    levers = {lever: scenario.lever_values(lever) for lever in lever_ids()}
    p = dict(load_parameters("Jiangxi", use_calibrated=False, as_of=2026).values)
    return RunSpec("Jiangxi", area_facts("Jiangxi"), 2026, 2027, levers, p, seed=11, scale=SCALE,
                   gdp_real_growth_percent=default_growth_path("Jiangxi", 2021, 2027))


@pytest.fixture(scope="module")
def spun(spec_2026):
    model = spec_2026.build()
    model.run()
    return model


def _no_spin_up(spec: RunSpec) -> RunSpec:
    """The same spec with its facts dated the end of first_year - 1: built directly at the period's start."""
    return dataclasses.replace(spec, facts=tuple(dataclasses.replace(f, structure_year=spec.first_year - 1)
                                                 for f in spec.facts))


def test_the_spin_up_covers_the_years_between_the_structure_and_the_period(spec_2026, spun):
    assert spec_2026.structure_year == 2020
    assert spec_2026.spin_up_years == (2021, 2022, 2023, 2024, 2025)
    rec = spun.spin_up_recorder
    assert rec.t == 60 and region_years(rec) == [2021, 2022, 2023, 2024, 2025]
    assert region_years(spun.recorder) == [2026, 2027]  # the period's record is the period's alone


def test_a_run_starting_after_the_structure_year_has_no_spin_up(make_model):
    model = make_model(2021, 2021, scale=SCALE)
    assert model.spin_up_years == () and model.spin_up_recorder is None
    assert model.simulated_first_year == 2021


def test_the_demography_ages_the_population_during_the_spin_up(spec_2026, spun):
    """Deaths and retirements happen every spin-up year, school leavers and graduates arrive, and the
    people present in January 2026 who were there at the build are five years older than at the build."""
    rec = spun.spin_up_recorder
    yearly = region_yearly(rec, ["natural_attrition"])["natural_attrition"]
    assert np.all(yearly > 0)
    entries = rec.flows[:, :, A.ENTRY, :].sum(axis=(0, 1))
    assert entries.sum() > 0
    retired = rec.flows[:, :, :, A.RETIRED].sum()
    assert retired > 0
    # Built directly in 2025 from the 2020 structure, the population is the census's, five years too
    # young; rolled forward, more leave (deaths, retirements) than school leavers and graduates bring
    # in: in January 2026 the population of working age is smaller and older (Jiangxi is ageing).
    rolled, direct = spec_2026.build(), _no_spin_up(spec_2026).build()  # both at the end of December 2025
    assert rolled.month == direct.month == 2025 * 12 + 11
    assert rolled.initial_stocks.sum() < direct.initial_stocks.sum()

    def mean_age(model) -> float:
        w = model.workers
        present = w.status >= 0
        return float(np.mean((model.month - w.birth[present]) / 12.0))

    assert mean_age(rolled) > mean_age(direct) + 0.5


def test_the_same_seed_gives_a_bit_identical_spin_up_and_period(spec_2026, spun):
    again = spec_2026.build()
    again.run()
    for a, b in ((spun.spin_up_recorder, again.spin_up_recorder), (spun.recorder, again.recorder)):
        assert np.array_equal(a.stocks, b.stocks) and np.array_equal(a.flows, b.flows)
        for k in a.counters:
            assert np.array_equal(a.counters[k], b.counters[k]), k


def test_each_spin_up_year_runs_with_its_own_growth(spec_2026):
    """A lower 2023 growth leaves 2021-2022 alone (the draws are the same: common random numbers) and
    changes 2023 on."""
    growth = dict(spec_2026.gdp_real_growth_percent)
    growth[2023] -= 8.0
    low = dataclasses.replace(spec_2026, gdp_real_growth_percent=growth).build()
    base = spec_2026.build()
    a = base.spin_up_recorder.stocks.reshape(5, 12, *base.spin_up_recorder.stocks.shape[1:])
    b = low.spin_up_recorder.stocks.reshape(5, 12, *low.spin_up_recorder.stocks.shape[1:])
    assert np.array_equal(a[:2], b[:2])
    assert not np.array_equal(a[2:], b[2:])


def test_the_spin_up_runs_with_the_first_projected_years_levers(spec_2026):
    """Changing a lever of 2027 leaves the spin-up alone; changing the 2026 lever changes it."""
    def with_training(year: int, factor: float) -> RunSpec:
        levers = {k: dict(v) for k, v in spec_2026.levers.items()}
        levers["training_volume_person_times"][year] *= factor
        return dataclasses.replace(spec_2026, levers=levers)

    base = spec_2026.build().spin_up_recorder
    later = with_training(2027, 2.0).build().spin_up_recorder
    first = with_training(2026, 2.0).build().spin_up_recorder
    assert np.array_equal(base.stocks, later.stocks)
    assert not np.array_equal(base.stocks, first.stocks)


def test_a_spin_up_year_without_growth_is_refused(spec_2026):
    growth = {y: v for y, v in spec_2026.gdp_real_growth_percent.items() if y != 2022}
    spec = dataclasses.replace(spec_2026, gdp_real_growth_percent=growth)
    assert spec.missing_growth_years() == [2022]
    with pytest.raises(ValueError, match="spin-up 2021-2025"):
        spec.build()
