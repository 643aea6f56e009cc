"""The structure at the start of a year before the base year: `area_facts(region, as_of=Y)` moves the
region's facts back along its history (model/inputs/structure.py), and says what it did.

Expected values are computed here from the history rows themselves (not copied from the code's output):
one row before the base year -> a straight line from the row to the base fact; several -> the base fact
times the series' value at the start over the series' own value at the end of the base year (extended
from its two latest rows)."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from jobsim.model.core.runspec import RunSpec
from jobsim.model.inputs.history import load_history
from jobsim.model.inputs.regions import area_facts, get_region
from jobsim.model.inputs.structure import STRUCTURE_HISTORY, structure_notes, structure_notes_text, structure_year
from jobsim.model.inputs.units import to_base

AS_OF = 2016  # the structure at 1 January 2016 = the end of 2015


def _points(region: str, indicator: str, before: int) -> list[tuple[float, float]]:
    """(end of the month as a year fraction, value in base units) of the rows dated before `before`."""
    h = load_history()
    rows = h[(h["region"] == region) & (h["indicator"] == indicator) & (h["stat"] == "end")]
    out: dict[float, list[float]] = {}
    for r in rows.itertuples():
        if r.end.year < before:
            out.setdefault(r.end.year + r.end.month / 12, []).append(to_base(r.value, r.unit))
    return sorted((t, float(np.mean(v))) for t, v in out.items())


def _expected(region: str, field: str, as_of: int) -> float:
    fact = get_region(region).fact(field)
    base, year = get_region(region).value(field), int(fact["year"])
    pts = _points(region, STRUCTURE_HISTORY[field], year)
    t, t0 = float(as_of), year + 1.0
    if len(pts) == 1:
        (t1, v1), = pts
        return v1 + (base - v1) * (t - t1) / (t0 - t1)
    ts, vs = zip(*pts)
    assert ts[0] <= t <= ts[-1], "the test's start lies inside the series"
    at_t = float(np.interp(t, ts, vs))
    (ta, va), (tb, vb) = pts[-2:]
    at_t0 = vb + (vb - va) * (t0 - tb) / (tb - ta)
    return base * at_t / at_t0


def _region_level(facts) -> dict[str, float]:
    pop = np.array([f.population for f in facts])
    employed = np.array([f.employed_persons for f in facts])
    return {
        "population": pop.sum(),
        "urbanisation_rate": float(np.sum(pop * [f.urbanisation_rate for f in facts]) / pop.sum()),
        "urban_employed": float(sum(f.urban_employed for f in facts)),
        "primary_sector_employment_share": float(np.sum(employed * [f.primary_sector_employment_share for f in facts])
                                                 / employed.sum()),
    }


def test_base_facts_describe_the_end_of_the_census_year():
    assert structure_year("Jiangxi") == 2020
    assert {f.structure_year for f in area_facts("Jiangxi")} == {2020}


def test_jiangxi_2016_moves_back_in_the_documented_direction_by_the_history_rows():
    base, early = area_facts("Jiangxi"), area_facts("Jiangxi", as_of=AS_OF)
    assert {f.structure_year for f in early} == {AS_OF - 1}
    b, e = _region_level(base), _region_level(early)
    assert e["urbanisation_rate"] < b["urbanisation_rate"]
    assert e["urban_employed"] < b["urban_employed"]
    assert e["primary_sector_employment_share"] > b["primary_sector_employment_share"]
    for field in STRUCTURE_HISTORY:
        # The cities' aggregate moves by the province's ratio (the cities' own aggregate of a rate is
        # within rounding of the province's figure, not equal to it).
        ratio = _expected("Jiangxi", field, AS_OF) / get_region("Jiangxi").value(field)
        assert e[field] / b[field] == pytest.approx(ratio, rel=1e-9), field
    # The region's figure for urbanisation is the province's own (0.6044 -> the ratio-linked series),
    # and the cities' population-weighted urbanisation is the province's in the base facts.
    assert b["urbanisation_rate"] == pytest.approx(get_region("Jiangxi").value("urbanisation_rate"), rel=1e-3)


def test_the_census_revision_is_not_read_as_a_fall_of_the_population():
    """Jiangxi's pre-census series (4666.1万 at end-2019) lies above the census (4518.86万): linking to
    the series' own trend keeps its growth, so the structure before 2020 is smaller than in 2020, not larger."""
    years = [2015, 2017, 2019, 2020]
    pops = [sum(f.population for f in area_facts("Jiangxi", as_of=y)) for y in years]
    assert pops == sorted(pops) and pops[-1] < sum(f.population for f in area_facts("Jiangxi"))


def test_cities_keep_their_shares_of_the_region():
    base, early = area_facts("Jiangxi"), area_facts("Jiangxi", as_of=AS_OF)
    for field in ("population", "urban_employed"):
        b = np.array([getattr(f, field) for f in base])
        e = np.array([getattr(f, field) for f in early])
        np.testing.assert_allclose(e / e.sum(), b / b.sum(), rtol=1e-12)
    for field in ("urbanisation_rate", "primary_sector_employment_share"):
        ratio = [getattr(x, field) / getattr(y, field) for x, y in zip(early, base)]
        np.testing.assert_allclose(ratio, ratio[0], rtol=1e-12)
    held = [f.name for f in dataclasses.fields(base[0]) if f.name not in (*STRUCTURE_HISTORY, "structure_year")]
    for x, y in zip(early, base):
        assert all(getattr(x, n) == getattr(y, n) for n in held)


def test_the_notes_say_what_changed_and_from_which_rows():
    notes = {n.field: n for n in structure_notes("Jiangxi", AS_OF)}
    pop = notes["population"]
    assert pop.method == "ratio-linked" and pop.base_year == 2020
    assert pop.base_value == get_region("Jiangxi").value("population")
    assert pop.value == pytest.approx(_expected("Jiangxi", "population", AS_OF), rel=1e-12)
    assert any("line 250" in r and "2015-12" in r for r in pop.history_rows)  # the 4565.63万 row
    assert notes["urban_employed"].method == "interpolated"
    assert "share_age_15_59" in notes["other fields"].detail
    text = structure_notes_text("Jiangxi", AS_OF)
    assert "urbanisation_rate" in text and "history.csv, line" in text


def test_without_history_a_field_keeps_its_base_value_and_says_so():
    notes = {n.field: n for n in structure_notes("China", AS_OF)}
    assert notes["population"].method == "held" and "no history row" in notes["population"].detail
    (china,) = area_facts("China", as_of=AS_OF)
    assert china.population == get_region("China").value("population")
    assert china.structure_year == AS_OF - 1


@pytest.mark.parametrize("as_of", [2021, 2026])
def test_a_start_at_or_after_the_base_year_gets_the_base_facts(as_of):
    assert area_facts("Jiangxi", as_of=as_of) == area_facts("Jiangxi")
    (note,) = structure_notes("Jiangxi", as_of)
    assert note.method == "held" and ("spin-up" in note.detail) == (as_of > 2021)


def test_as_of_facts_travel_in_a_run_spec():
    spec = RunSpec("Jiangxi", area_facts("Jiangxi", as_of=AS_OF), 2016, 2017, {}, {}, seed=1, scale=1000.0)
    back = pickle.loads(pickle.dumps(spec))
    assert back.facts == spec.facts and back.structure_year == AS_OF - 1 and back.spin_up_years == ()


@pytest.mark.parametrize("as_of", ["2016", 2016.5, 1800, True])
def test_a_bad_as_of_is_refused_naming_the_value(as_of):
    with pytest.raises(ValueError, match="as_of"):
        area_facts("Jiangxi", as_of=as_of)
