"""Reading results: yearly figures by each indicator's kind, target evaluation, and summary tables.

Yearly figures follow the registry's `kind` (data/registry/kinds.csv): flows are summed over the
year's months, rates are averaged over them, stocks are taken at the year's last month. A target's
probability is the share of replicates that meet it, read as planners read it (docs/methodology.md,
"Reading targets"): a floor ('>=') is met at the value less its tolerance or more, a ceiling ('<=') at
the value plus its tolerance or less (both 0 by default: '控制在5.5%左右' is met by 4.96%, not by 5.6%),
an 'about' band within the tolerance either side; each row says how its target was read (`reading`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache, wraps

import numpy as np
import pandas as pd
import xarray as xr

from jobsim.model.inputs.registry import indicators, modelled_indicators
from jobsim.model.inputs.targets import Target, default_tolerance, reading
from jobsim.model.inputs.units import to_base, unit_table
from jobsim.model.outputs.indicators import MONTHS_PER_YEAR, yearly_by_kind
from jobsim.model.outputs.labels import cell_methods, label_coordinates, yearly_aggregation

HEADLINE = (
    "new_urban_jobs", "jobs_held", "person_years_employed", "surveyed_unemployment_rate", "registered_unemployment_rate",
    "reemployment_of_unemployed", "hard_to_employ_employed", "rural_labour_transferred",
    "trainees_started", "guaranteed_loans_issued_yuan", "startups_created", "posts_filled",
)
SPENDING = (
    "spending_training_yuan", "spending_loans_yuan", "spending_public_welfare_posts_yuan",
    "spending_internships_yuan", "spending_grassroots_yuan", "spending_unemployment_insurance_yuan",
)

# Relative slack of every comparison with a target's value: a rate averaged from monthly fractions
# (twelve months of 0.055, summed, / 12 / 0.01 = 5.500000000000001) or a lever share written with 12 digits (0.184615384615
# for 12万 of 65万) must not miss the value it equals by rounding.
ROUNDING_SLACK = 1e-9


def variable_kinds() -> dict[str, str]:
    """Model variable -> kind (flow, stock, rate) from the indicator registry (a new dict: the caller's)."""
    return dict(_variable_kinds())


@lru_cache(maxsize=None)
def _variable_kinds() -> tuple[tuple[str, str], ...]:
    mod = modelled_indicators()
    return tuple(zip(mod["model_variable"], mod["kind"]))


# yearly() results by Dataset while `yearly_reused` is active (None otherwise): per context, so that threads
# (a server's sessions) and nested calls each see their own.
_YEARLY_REUSED: ContextVar[dict | None] = ContextVar("jobsim_yearly_reused", default=None)


@contextmanager
def yearly_reused() -> Iterator[None]:
    """Within the block, `yearly` of the same Dataset object is computed once: for code that asks for the
    yearly figures of each run several times and changes no Dataset meanwhile (a comparison judges each run's
    totals and then its targets)."""
    token = _YEARLY_REUSED.set({})
    try:
        yield
    finally:
        _YEARLY_REUSED.reset(token)


def reusing_yearly(fn):
    """`fn` run inside `yearly_reused`."""
    @wraps(fn)
    def run(*args, **kwargs):
        with yearly_reused():
            return fn(*args, **kwargs)
    return run


def yearly(ds: xr.Dataset) -> xr.Dataset:
    """Yearly figures of every registered variable in `ds` (dims: ..., year, area), aggregated by the
    kind's rule of data/registry/kinds.csv (the same rule as the fast path
    `outputs.indicators.region_yearly`); each variable keeps its attributes, `cell_methods` by year.

    A run's months are whole calendar years from January, so each variable is reshaped to (year, month)
    and reduced with numpy (`yearly_by_kind`, the calibration's path), about 4x faster than xarray's
    groupby and equal to it bit for bit (tests/model/outputs/test_results.py); a time axis that is not
    whole years, or a summed variable with a missing value (groupby skips it, a plain sum would not), goes
    through groupby."""
    reused = _YEARLY_REUSED.get()
    if reused is not None and id(ds) in reused:
        return reused[id(ds)][1]
    kinds = variable_kinds()
    out = {}
    whole = _whole_years(ds)
    for name, kind in kinds.items():
        if name not in ds:
            continue
        how = yearly_aggregation(kind)
        var = ds.variables[name]  # the Variable: ds[name] would build a DataArray with every coordinate
        if whole is not None and not (how == "sum" and bool(np.isnan(var.values).any())):
            axis = var.dims.index("time")
            values = np.moveaxis(yearly_by_kind(np.moveaxis(var.values, axis, 0), kind), 0, axis)
            da = xr.Variable(tuple("year" if d == "time" else d for d in var.dims), values)
        else:
            grouped = ds[name].groupby(ds["time"].dt.year.rename("year"))
            da = grouped.sum("time") if how == "sum" else grouped.mean("time") if how == "mean" else grouped.last()
        da.attrs = dict(var.attrs)
        if "cell_methods" in da.attrs:
            da.attrs["cell_methods"] = cell_methods(kind, "year")
        out[name] = da
    used = {d for v in out.values() for d in v.dims}
    coords = {name: c for name, c in ds.coords.items() if "time" not in c.dims and set(c.dims) <= used}
    if whole is not None:
        coords["year"] = whole
    y = label_coordinates(xr.Dataset(out, coords=coords, attrs=ds.attrs))
    if reused is not None:
        reused[id(ds)] = (ds, y)  # the Dataset kept with it: its id cannot be reused while the block lasts
    return y


def _whole_years(ds: xr.Dataset) -> np.ndarray | None:
    """The years of a monthly time axis that runs January to December of consecutive years, else None."""
    if "time" not in ds.dims or ds.sizes["time"] % MONTHS_PER_YEAR:
        return None
    months = ds["time"].dt.month.values
    year_of = ds["time"].dt.year.values
    first = int(year_of[0])
    n_years = len(months) // MONTHS_PER_YEAR
    expected_months = np.tile(np.arange(1, MONTHS_PER_YEAR + 1), n_years)
    expected_years = np.repeat(np.arange(first, first + n_years), MONTHS_PER_YEAR)
    if not (np.array_equal(months, expected_months) and np.array_equal(year_of, expected_years)):
        return None
    return np.arange(first, first + n_years)


def display_unit(variable: str) -> tuple[str, float]:
    """The planners' unit of a model variable and the factor from base units to it."""
    return _display_unit(variable, id(indicators()))


@lru_cache(maxsize=256)
def _display_unit(variable: str, _table: int) -> tuple[str, float]:
    ind = indicators()
    row = ind[ind["model_variable"] == variable].iloc[0]
    unit = str(row["unit"])
    return unit, 1.0 / to_base(1.0, unit)


def target_statistic(year_values: xr.DataArray, t: Target) -> xr.DataArray:
    """Per replicate: the figure the target is judged on (year_values has dims replicate, year, and any others
    such as a sweep's sample); with basis each_year, still by year."""
    span = year_values.sel(year=slice(t.start_year, t.end_year))
    if t.basis == "total":
        return span.sum("year")
    if t.basis == "year_mean":
        return span.mean("year")
    if t.basis == "end_level":
        return year_values.sel(year=t.end_year)
    return span  # each_year: judged year by year


def target_met(x, t: Target):
    """Whether figures `x` (a number, array or DataArray in the target's unit) meet the target: a floor at
    value - tolerance or more, a ceiling at value + tolerance or less, a band within the tolerance either
    side (`default_tolerance`: 0 for floors and ceilings unless given)."""
    slack = default_tolerance(t) + ROUNDING_SLACK * abs(t.value)
    if t.comparison == ">=":
        return x >= t.value - slack
    if t.comparison == "<=":
        return x <= t.value + slack
    return abs(x - t.value) <= slack


def meets_target(x: xr.DataArray, t: Target) -> xr.DataArray:
    """Per replicate: whether its target_statistic meets the target (every year, for basis each_year)."""
    ok = target_met(x, t)
    return ok.all("year") if "year" in ok.dims else ok


def evaluate_targets(ds: xr.Dataset, targets: list[Target]) -> pd.DataFrame:
    """One row per target: the model's median and 10-90% range (in the target's unit) and the
    probability of meeting it across replicates; rows the model cannot judge say why in `status`.
    `tolerance` is the one applied, `wording` the source's words, `reading` how the target was read
    ('≤ 5.5% (城镇调查失业率控制在 5.5% 左右, read as a ceiling)')."""
    ind = indicators()
    # Plain dicts: a DataFrame.at lookup costs about 0.1 ms, three per target.
    label_zh, label_en = ind["label_zh"].to_dict(), ind["label_en"].to_dict()
    model_variable = ind["model_variable"].to_dict()
    y = yearly(ds)
    year_list = [int(v) for v in y["year"].values]
    years = set(year_list)
    areas = set(str(a) for a in ds["area"].values)
    area_index = y.indexes["area"]
    by_variable: dict[str, np.ndarray] = {}

    def values_of(variable: str, area: str) -> np.ndarray:
        """(replicate, year) values of one variable in one area, in base units (each variable put in
        (replicate, year, area) order once, on the Variable: a region with its cities has over a hundred
        targets, and a DataArray selection per target cost more than judging it)."""
        if variable not in by_variable:
            by_variable[variable] = y.variables[variable].transpose("replicate", "year", "area").values
        return by_variable[variable][:, :, area_index.get_loc(area)]

    rows, judged, summaries = [], [], []
    for t in targets:
        tolerance, read = _described(t)
        row = {
            "indicator": t.indicator, "label_zh": label_zh.get(t.indicator, ""), "label_en": label_en.get(t.indicator, ""),
            "area": t.area, "period": f"{t.start_year}" if t.start_year == t.end_year else f"{t.start_year}-{t.end_year}",
            "basis": t.basis, "comparison": t.comparison, "target": t.value, "unit": t.unit,
            "tolerance": tolerance, "wording": t.wording, "reading": read,
            "assumption": t.assumption, "median": np.nan, "p10": np.nan, "p90": np.nan,
            "probability": np.nan, "status": "evaluated",
        }
        variable = model_variable.get(t.indicator, "")
        if not variable or variable not in y:
            row["status"] = "not modelled"
        elif t.area not in areas:
            row["status"] = f"area {t.area} not in this run"
        elif not set(range(t.start_year, t.end_year + 1)) <= years:
            row["status"] = "outside the simulated period"
        else:
            stat, meets = _judged(values_of(variable, t.area), year_list, t)
            summary = stat
            if stat.ndim == 2:  # each_year: summarise the worst year
                if t.comparison == ">=":
                    summary = np.nanmin(stat, axis=1)
                elif t.comparison == "<=":
                    summary = np.nanmax(stat, axis=1)
                else:  # about: the year furthest from the value
                    worst = np.argmax(np.abs(stat - t.value), axis=1)
                    summary = stat[np.arange(stat.shape[0]), worst]
            row["probability"] = float(np.mean(meets))
            judged.append(row)
            summaries.append(summary)
        rows.append(row)
    if judged:
        # np.nanquantile is what xarray's quantile runs (linear, NaN skipped; without a NaN, np.quantile's own
        # arithmetic), here once for every judged target, a row each: the same numbers as a call per target,
        # without its overhead a hundred times
        stacked = np.vstack(summaries)
        q = (np.nanquantile if np.isnan(stacked).any() else np.quantile)(stacked, [0.1, 0.5, 0.9], axis=1)
        for k, row in enumerate(judged):
            row.update(p10=float(q[0, k]), median=float(q[1, k]), p90=float(q[2, k]))
    return pd.DataFrame(rows)


@lru_cache(maxsize=4096)
def _described(t: Target) -> tuple[float, str]:
    """The target's tolerance and how it is read (targets are frozen and recur: the sets are read once)."""
    return default_tolerance(t), reading(t)


def _judged(values: np.ndarray, years: list[int], t: Target) -> tuple[np.ndarray, np.ndarray]:
    """`target_statistic` and `meets_target` on a (replicate, year) array, in the target's unit: the same
    operations in the same order (a NaN-skipping sum or mean over the target's years, then the unit), without
    an xarray object per target (a region with its cities has over a hundred)."""
    first, last = years.index(t.start_year), years.index(t.end_year)
    span = values[:, first:last + 1]
    factor = to_base(1.0, t.unit)
    if t.basis == "total":
        stat = np.nansum(span, axis=1) / factor
    elif t.basis == "year_mean":
        stat = np.nanmean(span, axis=1) / factor
    elif t.basis == "end_level":
        stat = values[:, last] / factor
    else:  # each_year: judged year by year
        stat = span / factor
    ok = target_met(stat, t)
    return stat, (ok.all(axis=1) if ok.ndim == 2 else ok)


def yearly_summary(ds: xr.Dataset, area: str | None = None, variables: tuple[str, ...] = HEADLINE) -> pd.DataFrame:
    """Median and 10-90% range per year of headline variables for one area, in planners' units."""
    y = yearly(ds)
    area = area or str(ds["area"].values[0])
    out = []
    for v in variables:
        if v not in y:
            continue
        unit, f = display_unit(v)
        da = y[v].sel(area=area) * f
        q = da.quantile([0.1, 0.5, 0.9], dim="replicate")
        for yr in da["year"].values:
            out.append({"variable": v, "unit": unit, "year": int(yr), "median": float(q.sel(quantile=0.5, year=yr)),
                        "p10": float(q.sel(quantile=0.1, year=yr)), "p90": float(q.sel(quantile=0.9, year=yr))})
    return pd.DataFrame(out)


def period_totals(ds: xr.Dataset, area: str | None = None) -> pd.DataFrame:
    """Per replicate, whole-period totals (flows), means (rates) and spending, for scenario comparison."""
    y = yearly(ds)
    area = area or str(ds["area"].values[0])
    kinds = variable_kinds()
    at = y.indexes["area"].get_loc(area)
    cols = {}
    for v in y.data_vars:
        # on the Variable (the same reductions as on a DataArray, without building one per variable)
        var = y.variables[v].isel(area=at)
        cols[v] = (var.sum("year") if kinds[v] == "flow" else var.mean("year") if kinds[v] == "rate" else var.isel(year=-1)).values
    return pd.DataFrame(cols)


def unit_label(unit: str, lang: str = "en") -> str:
    table = unit_table()
    return str(table.at[unit, "label_zh" if lang == "zh" else "label_en"]) if unit in table.index else unit


def yearly_table(ds: xr.Dataset, area: str | None = None) -> pd.DataFrame:
    """Median and 10-90% range per year of the headline indicators for one area (default: the region),
    in planners' units, with the indicators' Chinese and English labels."""
    from jobsim.model.inputs.registry import label
    from jobsim.model.outputs.results import yearly_summary

    table = yearly_summary(ds, area)
    table.insert(1, "label_zh", [label(v, "zh") for v in table["variable"]])
    table.insert(2, "label_en", [label(v, "en") for v in table["variable"]])
    return table
