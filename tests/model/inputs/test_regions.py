"""Tests for the regions table and the population-structure facts (model/regions.py, data/*.csv)."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import pytest

from jobsim.model.inputs.paths import data_dir
from jobsim.model.inputs.regions import (
    REQUIRED_FIELDS,
    RegionError,
    cities_of,
    get_region,
    load_regions,
    missing_facts,
    population_table,
    region_ids,
)

JIANGXI_CITIES = [
    "Nanchang", "Jiujiang", "Jingdezhen", "Pingxiang", "Xinyu", "Yingtan",
    "Ganzhou", "Yichun", "Shangrao", "Jian", "Fuzhou",
]
AGE_BANDS = ("share_age_0_14", "share_age_15_59", "share_age_60_plus")


def _data_rows(path: Path) -> int:
    with path.open(encoding="utf-8") as fh:
        return sum(1 for row in csv.reader(fh) if row) - 1


# ---- regions.csv ---------------------------------------------------------------------------------


def test_region_ids_levels_and_parents():
    regions = load_regions()
    assert region_ids() == ["China", "Jiangxi", "Hunan", *JIANGXI_CITIES]
    assert regions.at["China", "level"] == "country" and regions.at["China", "parent"] == ""
    for prov in ("Jiangxi", "Hunan"):
        assert regions.at[prov, "level"] == "province" and regions.at[prov, "parent"] == "China"
    for city in JIANGXI_CITIES:
        assert regions.at[city, "level"] == "city" and regions.at[city, "parent"] == "Jiangxi"
    assert regions.at["Jian", "name_en"] == "Ji'an"
    assert regions.at["Fuzhou", "name_zh"] == "抚州市"


def test_cities_of_jiangxi_in_planners_order_and_others_empty():
    assert cities_of("Jiangxi") == JIANGXI_CITIES
    assert cities_of("China") == []  # provinces are not cities
    assert cities_of("Hunan") == []
    assert cities_of("Fuzhou") == []


def test_fuzhou_is_a_city_and_a_region_of_its_own():
    fz = get_region("Fuzhou")
    assert fz.parent == "Jiangxi" and fz.level == "city" and fz.cities == ()
    assert fz.value("population") == 3614866


@pytest.mark.parametrize("call", [get_region, cities_of])
def test_unknown_region_error_lists_known_ids(call):
    with pytest.raises(RegionError) as exc:
        call("Jiangxl")
    msg = str(exc.value)
    assert "'Jiangxl'" in msg
    assert "did you mean 'Jiangxi'" in msg
    for rid in ("China", "Hunan", "Nanchang", "Jian", "Fuzhou"):
        assert rid in msg


# ---- facts ------------------------------------------------------------------------------------------


def test_every_bundled_fact_row_parses():
    table = population_table()
    expected = _data_rows(data_dir() / "population.csv") + _data_rows(data_dir() / "assumptions.csv")
    assert len(table) == expected
    assert table["value"].map(math.isfinite).all()


def test_every_region_has_every_required_field():
    assert missing_facts() == []
    for rid in region_ids():
        region = get_region(rid)
        for field in REQUIRED_FIELDS:
            v = region.value(field)
            assert math.isfinite(v), (rid, field)
            assert v >= 0, (rid, field)


def test_files_hold_only_their_bases_and_every_fact_has_provenance():
    table = population_table()
    pop = table[table["file"] == "population.csv"]
    ass = table[table["file"] == "assumptions.csv"]
    assert set(pop["basis"]) == {"sourced", "derived"}
    assert set(ass["basis"]) == {"assumption"}
    assert (table.loc[table["basis"] != "assumption", "source_url"] != "").all()
    # a derived row shows its arithmetic: numbers and an operator
    derived = table[table["basis"] == "derived"]
    assert derived["note"].str.contains(r"\d").all()
    assert derived["note"].str.contains(r"[/x×=-]").all()
    assert (ass["note"].str.len() > 20).all()
    assert not table.duplicated(["region", "field"]).any()


def test_shares_are_fractions_and_age_bands_add_up():
    table = population_table()
    fractions = table[table["unit"] == "fraction"]
    assert len(fractions) > 100
    assert fractions["value"].between(0, 1).all()
    for rid in region_ids():
        r = get_region(rid)
        total = sum(r.value(b) for b in AGE_BANDS)
        assert total == pytest.approx(1.0, abs=0.002), rid
        assert r.value("share_age_65_plus") <= r.value("share_age_60_plus"), rid
        assert r.value("urban_employed") <= r.value("employed_persons"), rid
        assert r.value("registered_unemployment_rate") < r.value("surveyed_unemployment_rate") + 0.01, rid


def test_jiangxi_city_populations_sum_to_the_census_within_0_1_percent():
    province = get_region("Jiangxi").value("population")
    cities = sum(get_region(c).value("population") for c in cities_of("Jiangxi"))
    assert province == 45188635
    assert abs(cities - province) / province < 0.001


@pytest.mark.parametrize(
    "field, tolerance",
    [("employed_persons", 10), ("urban_employed", 10), ("public_welfare_posts", 10),
     ("rural_outmigrant_workers_outside_province", 10), ("graduates_per_year", 10)],
)
def test_allocated_city_figures_add_up_to_the_province(field, tolerance):
    province = get_region("Jiangxi").value(field)
    cities = sum(get_region(c).value(field) for c in cities_of("Jiangxi"))
    assert abs(cities - province) <= tolerance


def test_city_ui_insured_assumptions_add_up_to_the_2021_target():
    assert sum(get_region(c).value("ui_insured") for c in cities_of("Jiangxi")) == pytest.approx(3_020_000)


def test_values_are_in_base_units_and_facts_carry_their_source():
    jx = get_region("Jiangxi")
    assert jx.value("urbanisation_rate") == pytest.approx(0.6044)
    assert jx.value("urban_employed") == 12_960_000
    assert jx.value("employed_persons") == pytest.approx(12_960_000 / 0.572, abs=1)
    assert get_region("Nanchang").value("minimum_wage_monthly_yuan") == 1850
    assert get_region("China").value("registration_share") == pytest.approx(1040 / (46773 * 0.051 / 0.949), abs=1e-4)
    fact = jx.fact("population")
    assert fact["basis"] == "sourced" and fact["year"] == 2020
    assert fact["source_url"].startswith("http") and "45188635" in fact["quote"]
    assert get_region("Jiangxi").fact("surveyed_unemployment_rate")["basis"] == "assumption"


def test_nanchang_urbanisation_conflict_is_resolved_and_said():
    fact = get_region("Nanchang").fact("urbanisation_rate")
    assert fact["value"] == pytest.approx(0.7808)
    assert "91.12" in fact["note"] and "78.64" in fact["note"]


def test_missing_field_error_names_region_and_field():
    with pytest.raises(RegionError) as exc:
        get_region("Jiangxi").value("no_such_field")
    msg = str(exc.value)
    assert "'Jiangxi'" in msg and "'no_such_field'" in msg and "population" in msg


# ---- malformed population / assumptions files --------------------------------------------------


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of the data folder that a test may corrupt; JOBSIM_DATA points at it."""
    src = data_dir()
    dst = tmp_path / "data"
    dst.mkdir()
    shutil.copytree(src / "registry", dst / "registry")
    for name in ("regions.csv", "population.csv", "assumptions.csv"):
        shutil.copy(src / name, dst / name)
    monkeypatch.setenv("JOBSIM_DATA", str(dst))
    return dst


def _append(path: Path, line: str) -> int:
    """Append a row; return its 1-based line number."""
    n = _data_rows(path) + 2
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    return n


@pytest.mark.parametrize(
    "file, row, fragments",
    [
        ("population.csv", "Jiangxi,extra_fact,0.5,fraction,assumption,2020,http://x,q,n",
         ["basis 'assumption'", "assumptions.csv"]),
        ("assumptions.csv", "Jiangxi,extra_fact,0.5,fraction,sourced,2020,http://x,q,n",
         ["basis 'sourced'", "allowed: assumption"]),
        ("population.csv", "Jiangxi,extra_fact,1.5,fraction,sourced,2020,http://x,q,n",
         ["'1.5'", "[0, 1]"]),
        ("population.csv", "Jiangxi,extra_fact,abc,fraction,sourced,2020,http://x,q,n",
         ["'abc'", "not a number"]),
        ("population.csv", "Jiangxi,extra_fact,3,parsecs,sourced,2020,http://x,q,n",
         ["'parsecs'", "unknown"]),
        ("population.csv", "Jiangxl,extra_fact,3,persons,sourced,2020,http://x,q,n",
         ["'Jiangxl'", "did you mean 'Jiangxi'"]),
        ("population.csv", "Jiangxi,population,3,persons,sourced,2020,http://x,q,n",
         ["already given at", "population.csv, line"]),
        ("population.csv", "Jiangxi,extra_fact,3,persons,sourced,2020,,q,n",
         ["needs a source_url"]),
        ("assumptions.csv", "Jiangxi,extra_fact,3,persons,assumption,20x0,,q,why",
         ["year '20x0'"]),
    ],
)
def test_malformed_fact_rows_are_rejected_with_file_line_and_reason(data_copy, file, row, fragments):
    path = data_copy / file
    line = _append(path, row)
    with pytest.raises(RegionError) as exc:
        population_table()
    msg = str(exc.value)
    assert f"{path}, line {line}" in msg
    for frag in fragments:
        assert frag in msg


def test_malformed_regions_file_is_rejected(data_copy):
    path = data_copy / "regions.csv"
    line = _append(path, "Changsha,长沙市,Changsha,city,China")
    with pytest.raises(RegionError) as exc:
        load_regions()
    msg = str(exc.value)
    assert f"{path}, line {line}" in msg and "must be a province" in msg


def test_city_transfer_split_and_posts_do_not_come_from_the_city_task_table():
    """Issue 9 item 7: the city task table checks the city shares, so it does not set them."""
    cities = cities_of("Jiangxi")
    province_split = get_region("Jiangxi").value("outside_province_share_of_transfers")
    for c in cities:
        split = get_region(c).value("outside_province_share_of_transfers")
        assert split == pytest.approx(0.3463 if c == "Shangrao" else province_split), c
    urban = {c: get_region(c).value("urban_employed") for c in cities}
    for c in cities:
        expected = 24900 * urban[c] / sum(urban.values())
        assert abs(get_region(c).value("public_welfare_posts") - expected) <= 1, c


def test_xinyu_age_shares_are_its_census_shares_and_add_to_one():
    x = get_region("Xinyu")
    assert x.fact("share_age_0_14")["basis"] == "sourced"
    assert (x.value("share_age_0_14"), x.value("share_age_15_59"), x.value("share_age_60_plus")) == (0.2073, 0.6159, 0.1768)
    assert x.value("share_age_0_14") + x.value("share_age_15_59") + x.value("share_age_60_plus") == pytest.approx(1.0)
