"""The default real GDP growth paths (data/economy/gdp_real_growth_paths.csv): history years are the
history's figures, cities take their province's path, every baseline region is covered up to the last
year a scenario may have, and what is not covered is an error naming the region and the years."""

from __future__ import annotations

import pytest

from jobsim.calibration.forecast import series_for
from jobsim.model.inputs.growth_paths import (
    BASES,
    GROWTH_PERCENT_BOUNDS,
    GrowthPathError,
    _load,
    default_growth_path,
    growth_path_years,
    load_growth_paths,
    path_regions,
)
from jobsim.model.inputs.history import load_history
from jobsim.model.inputs.regions import cities_of, file_key, regions_key
from jobsim.model.inputs.scenario import LAST_ALLOWED_YEAR, load_scenario
from jobsim.model.inputs.paths import scenarios_dir
from jobsim.model.inputs.scenario_index import scenario_index


def test_history_years_are_the_history_revised_figures_first():
    """Jiangxi's path in 2010-2025 is its gdp_real_growth history; of an early and a revised figure for a
    year (2017: 8.9 early, 8.8 revised; 2019: 8.0 early, 7.9 revised) the revised one, as the loader's
    series extraction chooses (calibration/forecast/rows.py). After 2025 the forecast begins."""
    path = default_growth_path("Jiangxi", 2010, 2025)
    series, _ = series_for(load_history(), "Jiangxi", "gdp_real_growth")
    assert [p.year for p in series.index] == list(range(2010, 2026))
    assert path == {p.year: float(v) for p, v in series.items()}
    assert path[2017] == 8.8 and path[2019] == 7.9 and path[2020] == 3.8
    assert [path[y] for y in range(2021, 2026)] == [8.8, 4.7, 4.1, 5.1, 5.2]
    assert {p.basis for p in growth_path_years("Jiangxi", 2010, 2025)} == {"history"}
    assert {p.basis for p in growth_path_years("Jiangxi", 2026, 2026)} == {"forecast"}


def test_a_year_missing_inside_the_history_is_interpolated():
    """Hunan has figures for 2021, 2022, 2024 and 2025 (7.7, 4.5, 4.8, 4.8): 2023 lies on the straight line."""
    years = {p.year: p for p in growth_path_years("Hunan", 2021, 2025)}
    assert {y: p.value for y, p in years.items()} == {2021: 7.7, 2022: 4.5, 2023: 4.65, 2024: 4.8, 2025: 4.8}
    assert [years[y].basis for y in range(2021, 2026)] == ["history", "history", "interpolated", "history", "history"]
    assert {p.region for p in years.values()} == {"Hunan"}


def test_the_country_uses_its_own_series():
    """China has gdp_real_growth rows of its own for 2010-2025 (revised figures over early ones)."""
    years = growth_path_years("China", 2010, 2025)
    assert {(p.region, p.basis) for p in years} == {("China", "history")}
    series, _ = series_for(load_history(), "China", "gdp_real_growth")
    assert {p.year: p.value for p in years} == {p.year: float(v) for p, v in series.items()}
    assert {p.year: p.value for p in years if p.year in (2012, 2019, 2020, 2021)} == \
        {2012: 7.7, 2019: 6.0, 2020: 2.2, 2021: 8.4}


def test_every_history_row_of_a_region_with_a_path_is_in_it():
    table = load_growth_paths()
    history = load_history()
    for region in sorted(set(table.loc[table["basis"] == "history", "region"])):
        series, _ = series_for(history, region, "gdp_real_growth")
        own = table[(table["region"] == region) & (table["basis"] == "history")].set_index("year")["value"]
        assert own.to_dict() == {p.year: float(v) for p, v in series.dropna().items()}, region


def test_cities_use_their_province_path():
    for city in cities_of("Jiangxi"):
        assert path_regions(city)[:2] == [city, "Jiangxi"]
        assert default_growth_path(city, 2015, 2030) == default_growth_path("Jiangxi", 2015, 2030)
    assert {p.region for p in growth_path_years("Fuzhou", 2024, 2026)} == {"Jiangxi"}


def test_years_before_a_province_path_come_from_the_country():
    years = growth_path_years("Hunan", 2014, 2017)
    assert [(p.year, p.region) for p in years] == [(2014, "China"), (2015, "China"), (2016, "Hunan"), (2017, "Hunan")]
    assert years[-1].basis == "interpolated"  # Hunan has no 2017 figure: between 2016 and 2019


def test_every_baseline_region_and_bundled_scenario_is_covered():
    for region in scenario_index().baselines:
        years = growth_path_years(region, 2010, LAST_ALLOWED_YEAR)
        assert len(years) == LAST_ALLOWED_YEAR - 2010 + 1, region
    for path in sorted(scenarios_dir().glob("*.yaml")):
        if path.name == "index.yaml":
            continue
        s = load_scenario(path)
        assert list(default_growth_path(s.region, s.period.first_year, s.period.last_year)) == s.years


def test_the_file_is_well_formed():
    table = load_growth_paths()
    assert set(table["basis"]) <= set(BASES)
    lo, hi = GROWTH_PERCENT_BOUNDS
    assert table["value"].between(lo, hi).all()
    assert not table.duplicated(["region", "year"]).any()
    assert table.groupby("region")["year"].max().eq(LAST_ALLOWED_YEAR).all()


def test_uncovered_years_name_the_region_the_years_and_the_ways_out():
    with pytest.raises(GrowthPathError) as info:
        default_growth_path("Ganzhou", 2003, 2012)
    text = str(info.value)
    assert "Ganzhou in 2003-2009" in text and "Ganzhou or Jiangxi or China" in text
    assert "uncertainties.gdp_real_growth_percent" in text and "python -m jobsim.calibration.growth_paths" in text
    with pytest.raises(GrowthPathError, match="unknown region"):
        default_growth_path("Atlantis", 2021, 2025)


def test_a_malformed_file_names_file_line_and_field(tmp_path):
    bad = tmp_path / "paths.csv"
    bad.write_text("region,year,value,basis,method,data_through,source\n"
                   "Jiangxi,2021,5,history,x,2020,y\n"
                   "Jiangxi,2022,55,forecast,x,2020,y\n"
                   "Mars,2021,5,history,x,2020,y\n"
                   "Jiangxi,2021,5,history,x,2020,y\n"
                   "Jiangxi,20x1,5,guess,x,2020,y\n", encoding="utf-8")
    with pytest.raises(GrowthPathError) as info:
        _load(file_key(bad), regions_key())
    text = "\n".join(info.value.problems)
    for part in ("line 3, field value", "line 4, field region", "line 5: a second row for Jiangxi 2021", "line 6, field year"):
        assert part in text, part
