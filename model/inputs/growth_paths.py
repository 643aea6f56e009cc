"""The default real GDP growth path of each region: read from data/economy/gdp_real_growth_paths.csv.

A run needs the region's real GDP growth in every year of its period (an uncertainty, not a lever:
docs/scenarios.md, "Uncertainties"). A scenario may give it; otherwise the default path holds:
the region's history (data/history.csv, `gdp_real_growth` rows), then its statistical forecast. The
file is written by the calibration layer (`python -m jobsim.calibration.growth_paths`, or
`api.write_growth_paths()`), because the forecast needs statsmodels and runs must not refit it;
this module only reads it. Columns (one row per region and year):

    region, year, value (percent), basis, method, data_through, source

`basis` is `history` (a figure of data/history.csv; `source` names the line), `interpolated` (a year
missing inside the history, on the straight line between its neighbours), `forecast` (the
statistical forecast of the years after the history), `held` (after the forecast's back-tested
horizon, the last forecast value carried forward, as the levers' missing-year rule does) or
`derived` (a region without a series of its own, e.g. China in the bundled data: the mean of its
provinces' paths in that year). `data_through` is the last history year the row depends on.

Which region's path a region uses (`path_regions`): its own rows, else its parent's, then the
parent's parent (a city uses its province's path: one common business cycle), year by year, so a
province whose own history starts late takes the earlier years from the country's path. A year that
no region of that chain covers is an error (`GrowthPathError`) that names the region, the years and
the two ways out: give `uncertainties.gdp_real_growth_percent` in the scenario, or add history rows and
regenerate the file.
"""

from __future__ import annotations

import io
import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from jobsim.model.inputs.paths import data_dir
from jobsim.model.inputs.regions import (
    DataFileError,
    YEAR_RANGE,
    file_key,
    load_regions,
    read_csv_records,
    regions_key,
    shown,
    where,
)

GROWTH_PATHS_FILE = Path("economy") / "gdp_real_growth_paths.csv"
COLUMNS = ("region", "year", "value", "basis", "method", "data_through", "source")
BASES = ("history", "interpolated", "forecast", "held", "derived")
# The plausibility bounds of a year's real GDP growth, in percent (a scenario's values and the file's).
# Since 2000 every province's yearly figure has lain between Hubei's -5.0% (2020) and about 24%
# (Inner Mongolia, 2005), so they leave room for stress tests either way; a value beyond them is almost
# surely a typing error.
GROWTH_PERCENT_BOUNDS = (-20.0, 30.0)


class GrowthPathError(DataFileError):
    """No default growth for some years of a region, or a malformed growth-path file."""


def growth_paths_path() -> Path:
    """The bundled growth-path file."""
    return data_dir() / GROWTH_PATHS_FILE


def shown_path() -> str:
    return f"data/{GROWTH_PATHS_FILE.as_posix()}"


def load_growth_paths() -> pd.DataFrame:
    """The growth-path file as a table (region, year, value, basis, method, data_through, source), validated."""
    return _load(file_key(growth_paths_path()), regions_key()).copy()


@lru_cache(maxsize=4)
def _load(key: tuple[str, int, int], _regions: tuple) -> pd.DataFrame:
    path = Path(key[0])
    if not path.is_file():
        raise GrowthPathError(f"{path}: the growth-path file is missing; write it with "
                              "`python -m jobsim.calibration.growth_paths`")
    records = read_csv_records(path, COLUMNS)
    known = set(load_regions().index)
    lo, hi = GROWTH_PERCENT_BOUNDS
    problems, rows, seen = [], [], {}
    for line, rec in records:
        at = where(path, line)
        region = rec["region"]
        if region not in known:
            problems.append(f"{at}, field region: unknown region {shown(region)} (data/regions.csv)")
            continue
        try:
            year = int(rec["year"])
            if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
                raise ValueError
        except ValueError:
            problems.append(f"{at}, field year: {shown(rec['year'])} is not a year in {YEAR_RANGE[0]}-{YEAR_RANGE[1]}")
            continue
        try:
            value = float(rec["value"])
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not lo <= value <= hi:
            problems.append(f"{at}, field value: {shown(rec['value'])} is not a growth rate in [{lo:g}, {hi:g}] percent")
            continue
        if rec["basis"] not in BASES:
            problems.append(f"{at}, field basis: {shown(rec['basis'])}; allowed: {', '.join(BASES)}")
            continue
        if (region, year) in seen:
            problems.append(f"{at}: a second row for {region} {year} (the first is line {seen[(region, year)]})")
            continue
        seen[(region, year)] = line
        rows.append({**rec, "year": year, "value": value,
                     "data_through": int(rec["data_through"]) if rec["data_through"].isdigit() else None})
    if problems:
        raise GrowthPathError(problems)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def path_regions(region: str) -> list[str]:
    """`region`, its parent, the parent's parent ...: the regions whose paths `region` may use, in order."""
    regions = load_regions()
    chain = []
    current = region
    while current and current in regions.index and current not in chain:
        chain.append(current)
        current = str(regions.at[current, "parent"])
    return chain


@dataclass(frozen=True)
class PathYear:
    """One year of a region's default path: the value, whose path it is from, and on what basis."""

    year: int
    value: float
    region: str
    basis: str
    method: str
    source: str


def growth_path_years(region: str, first_year: int, last_year: int) -> list[PathYear]:
    """The default path of `region` over the years (see the module docstring); GrowthPathError names
    the years no region of its chain covers."""
    from jobsim.model.inputs.regions import check_region

    try:
        check_region(region)
    except DataFileError as exc:
        raise GrowthPathError(str(exc)) from None
    table = _load(file_key(growth_paths_path()), regions_key())
    by_region = {r: {int(row.year): row for row in g.itertuples(index=False)} for r, g in table.groupby("region")}
    chain = path_regions(region)
    out, missing = [], []
    for year in range(first_year, last_year + 1):
        for r in chain:
            row = by_region.get(r, {}).get(year)
            if row is not None:
                out.append(PathYear(year, float(row.value), r, str(row.basis), str(row.method), str(row.source)))
                break
        else:
            missing.append(year)
    if missing:
        covered = sorted({y for r in chain for y in by_region.get(r, {})})
        span = f"it covers {covered[0]}-{covered[-1]}" if covered else "it has no rows for them"
        raise GrowthPathError(
            f"no default real GDP growth for {region} in {_years_text(missing)}: {shown_path()} has no row for "
            f"{' or '.join(chain)} in {'that year' if len(missing) == 1 else 'those years'} ({span}); give "
            "uncertainties.gdp_real_growth_percent in the scenario, or add gdp_real_growth rows to the history "
            "and regenerate the file (python -m jobsim.calibration.growth_paths)")
    return out


def default_growth_path(region: str, first_year: int, last_year: int) -> dict[int, float]:
    """{year: real GDP growth in percent} of `region` for every year from first_year to last_year."""
    return {p.year: p.value for p in growth_path_years(region, first_year, last_year)}


def missing_default_years(region: str, first_year: int, last_year: int) -> list[int]:
    """The years of the period without a default growth value ([] when the path covers them all)."""
    chain = path_regions(region)
    table = _load(file_key(growth_paths_path()), regions_key())
    have = set(table.loc[table["region"].isin(chain), "year"].astype(int))
    return [y for y in range(first_year, last_year + 1) if y not in have]


def describe_path(years: list[PathYear]) -> str:
    """'Jiangxi history 2016-2020, forecast 2021-2025' (whose path, on what basis, which years)."""
    parts: list[tuple[str, str, list[int]]] = []
    for p in years:
        if parts and parts[-1][0] == p.region and parts[-1][1] == p.basis:
            parts[-1][2].append(p.year)
        else:
            parts.append((p.region, p.basis, [p.year]))
    return ", ".join(f"{r} {b} {_years_text(ys)}" for r, b, ys in parts)


def _years_text(years: list[int]) -> str:
    if not years:
        return ""
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}" if years[-1] - years[0] == len(years) - 1 \
        else ", ".join(map(str, years))


def format_growth_paths(table: pd.DataFrame) -> str:
    """The growth-path table as the file's CSV text (columns in file order; what the file holds)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in table[list(COLUMNS)].itertuples(index=False):
        values = list(row)
        values[2] = f"{float(values[2]):.10g}"
        values[5] = "" if values[5] is None or (isinstance(values[5], float) and math.isnan(values[5])) else int(values[5])
        writer.writerow(values)
    return buf.getvalue()


def clear_cache() -> None:
    """Forget the file read (after it was rewritten within the same second)."""
    _load.cache_clear()
