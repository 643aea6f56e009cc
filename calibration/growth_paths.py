"""Computes the default real GDP growth paths (history, then the statistical forecast) that runs use
when a scenario gives none, and writes them to data/economy/gdp_real_growth_paths.csv.

Runs read the file (jobsim.model.inputs.growth_paths) and never fit statsmodels themselves. Regenerate
it after the history changes:

    python -m jobsim.calibration.growth_paths            # or api.write_growth_paths()

tests/calibration/test_growth_paths_regenerate.py recomputes the table in memory and compares it with the file,
so a stale file fails the tests. The method (docs/forecasting.md, "Default growth paths"):

- regions: every country and province of data/regions.csv (cities use their province's path);
- history: the region's yearly `gdp_real_growth` series as the forecast reads it (`series_for`: of an
  early and a revised figure for a year, the revised one); a year missing inside it is interpolated on
  the straight line between its neighbours;
- forecast: `forecast_for` over the CV_HORIZON_YEARS years after the last figure, with the candidates
  restricted to models without a trend or momentum (GROWTH_CANDIDATES), chosen by the usual rolling-origin
  back-tests. A trend in a growth rate is not extrapolated: the drift model that wins on Jiangxi's
  2010-2020 decline would reach -6.4% by 2030 and -78% by 2100;
- after the back-tested horizon, up to the last year a scenario may have (LAST_ALLOWED_YEAR): the last
  forecast value, held (`held`);
- a region with fewer than MIN_POINTS figures has no path of its own; a country without one gets the
  mean of its provinces' paths in each year (`derived`), so that its scenarios can run at all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from jobsim.calibration.forecast import CV_HORIZON_YEARS, MIN_POINTS, ForecastError, forecast_for, series_for
from jobsim.model.inputs.growth_paths import COLUMNS, format_growth_paths, growth_paths_path
from jobsim.model.inputs.history import load_history
from jobsim.model.inputs.regions import load_regions
from jobsim.model.inputs.scenario.fields import LAST_ALLOWED_YEAR

INDICATOR = "gdp_real_growth"
# Models without a trend (docs/forecasting.md, section 2): a growth rate's future is a level, not a slope.
# Left out besides the trend models: arima011, whose fitted MA coefficient may put its smoothing weight
# above 1 and so extrapolate the last change (Jiangxi: 3.8% in 2020 -> 0.96% from 2021), a trend by
# another name.
GROWTH_CANDIDATES = ("naive", "uc_level", "arima100_const")


def _shown(path: object) -> str:
    p = Path(str(path))
    for parent in p.parents:
        if parent.name == "data":
            return p.relative_to(parent.parent).as_posix()
    return p.name


def region_path(history: pd.DataFrame, region: str, last_year: int = LAST_ALLOWED_YEAR) -> list[dict]:
    """The rows of one region's own path (history, interpolated, forecast, held); [] without enough figures."""
    try:
        series, ext = series_for(history, region, INDICATOR)
    except ForecastError:
        return []
    if ext.n_points < MIN_POINTS:
        return []
    through = int(str(ext.used["period"].iloc[-1]))
    used = {int(p): (float(v), f"{_shown(f)} line {int(n)}") for p, v, f, n in
            zip(ext.used["period"], ext.used["value"], ext.used["source_file"], ext.used["line"])}
    rows = []
    years = [p.year for p in series.index]
    filled = pd.Series(series.to_numpy(dtype=float), index=years).interpolate(method="index")
    for year in years:
        if year in used:
            value, source = used[year]
            rows.append(_row(region, year, value, "history", f"{INDICATOR} figure ({ext.definition})", through, source))
        else:
            before = max(y for y in used if y < year)
            after = min(y for y in used if y > year)
            rows.append(_row(region, year, float(filled[year]), "interpolated",
                             f"straight line between {before} and {after}", through, f"history {before}, {after}"))
    fc = forecast_for(region, INDICATOR, horizon=CV_HORIZON_YEARS, history=history, candidates=GROWTH_CANDIDATES)
    method = (f"{fc.model} ({fc.model_description}), chosen by rolling-origin back-tests among "
              f"{', '.join(c for c in GROWTH_CANDIDATES)}")
    source = f"jobsim.calibration.growth_paths: forecast of {region} {INDICATOR} {years[0]}-{through}"
    last = None
    for r in fc.table.itertuples(index=False):
        year, last = int(r.period), float(r.mean)
        if year <= last_year:
            rows.append(_row(region, year, last, "forecast", method, through, source))
    held_from = int(fc.table["period"].iloc[-1])
    for year in range(held_from + 1, last_year + 1):
        rows.append(_row(region, year, last, "held", f"the {held_from} forecast carried forward (beyond the "
                         f"{CV_HORIZON_YEARS} back-tested years)", through, source))
    return rows


def _row(region, year, value, basis, method, through, source) -> dict:
    return {"region": region, "year": int(year), "value": round(float(value), 6), "basis": basis, "method": method,
            "data_through": int(through), "source": source}


def compute_growth_paths(history: pd.DataFrame | None = None, last_year: int = LAST_ALLOWED_YEAR) -> pd.DataFrame:
    """The table the file holds, computed from `history` (default: the bundled history)."""
    if history is None:
        history = load_history()
    regions = load_regions()
    own: dict[str, list[dict]] = {}
    for region, level in regions["level"].items():
        if level in ("country", "province"):
            own[str(region)] = region_path(history, str(region), last_year)
    rows: list[dict] = []
    for region, level in regions["level"].items():
        region = str(region)
        if level not in ("country", "province"):
            continue
        if own[region]:
            rows.extend(own[region])
        elif level == "country":
            rows.extend(_derived(region, {p: own[p] for p in regions.index[regions["parent"] == region] if own.get(p)}))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _derived(country: str, provinces: dict[str, list[dict]]) -> list[dict]:
    """A country without its own series: the mean of its provinces' paths in each year they cover."""
    if not provinces:
        return []
    by_year: dict[int, list[dict]] = {}
    for rows in provinces.values():
        for r in rows:
            by_year.setdefault(r["year"], []).append(r)
    out = []
    for year in sorted(by_year):
        items = by_year[year]
        names = ", ".join(sorted(r["region"] for r in items))
        out.append(_row(country, year, float(np.mean([r["value"] for r in items])), "derived",
                        f"mean of the paths of {names} in {year} ({country} has no {INDICATOR} series of its own)",
                        max(r["data_through"] for r in items),
                        "; ".join(f"{r['region']} {r['basis']}" for r in sorted(items, key=lambda r: r["region"]))))
    return out


def write_growth_paths(path: Path | None = None, history: pd.DataFrame | None = None) -> Path:
    """Compute the paths and write them (atomically) to `path` (default: the bundled file)."""
    from jobsim.model.inputs.growth_paths import clear_cache
    from jobsim.model.outputs.atomic import atomic_write_text

    path = Path(path) if path is not None else growth_paths_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, format_growth_paths(compute_growth_paths(history)))
    clear_cache()
    return path


if __name__ == "__main__":  # python -m jobsim.calibration.growth_paths [PATH]
    import sys

    print(write_growth_paths(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
