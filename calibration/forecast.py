"""Statistical no-policy-change forecasts of a region's historical indicators.

`series_for` turns the long history table into one regular yearly (or monthly) series, saying which
rows it used and which windows it skipped and why; `forecast_series` compares simple baselines and
statsmodels models by rolling-origin cross-validation (MASE) and forecasts with the winner, with 80%
and 95% intervals; `forecast_for` does both for a region and indicator; `forecastable` runs it over
every region and indicator in the history. The method is described in docs/forecasting.md.
"""

from __future__ import annotations

import ctypes
import math
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterator, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from jobsim.model.inputs.history import history_for, load_history
from jobsim.model.inputs.registry import indicators
from jobsim.model.inputs.units import unit_table

# --- policy constants (documented in docs/forecasting.md) --------------------------------------------
MIN_POINTS = 3  # fewer observations: refuse
MIN_POINTS_NAIVE = 2  # ... unless only the naive forecast is asked for
SHORT_SERIES = 8  # fewer observations: naive, drift and local level only; intervals span naive and drift
MAX_GAP_YEARS = 3  # refuse when the last observation is more years than this before the forecast start
CV_MAX_ORIGINS = 8  # rolling-origin back-tests per candidate (evenly spread, always including the last)
CV_MIN_ORIGINS = 3  # models needing more history than leaves this many origins are left out (2 for short series)
CV_HORIZON_YEARS = 5  # yearly series: horizons 1..5 years are back-tested, whatever the requested horizon
CV_HORIZON_MONTHS = 12  # monthly series: horizons 1..12 months are back-tested
TIE_DECIMALS = 3  # mean MASEs equal to this many decimals are a tie; the simpler model wins
OUTPUT_COLUMNS = ["period", "mean", "lo80", "hi80", "lo95", "hi95", "model"]
_Z80 = stats.norm.ppf(0.90)
_Z95 = stats.norm.ppf(0.975)


class ForecastError(ValueError):
    """A forecast that cannot be made; the message says why and what would be needed."""


# =====================================================================================================
# Series extraction
# =====================================================================================================

_VINTAGE_RANK = {"revised": 2, "unknown": 1, "early": 0}
_INEXACT = re.compile(r"round|approximate|lower bound|upper bound|not a point value", re.I)
_FLAGGED = re.compile(r"round|approximate|lower bound|upper bound|not a point value|derived|estimate", re.I)
_DISCONTINUED = re.compile(r"discontinu", re.I)
_PRE_SERIES = re.compile(r"\bpre-\S*\s*(census|series)", re.I)

# Which `stat` gives a yearly value for each indicator kind, in order of preference.
_YEARLY_STATS = {"flow": ("sum",), "stock": ("end", "mean"), "rate": ("mean", "end", "growth")}
_STAT_WORDS = {
    "sum": "sums over January-December",
    "mean": "means over January-December",
    "end": "levels at the end of December",
    "growth": "growth over January-December",
    "month": "monthly values",
}


@dataclass
class SeriesExtraction:
    """What `series_for` made of the history rows: the definition used, the rows used and skipped."""

    region: str
    indicator: str
    unit: str
    kind: str
    freq: str  # "Y" (yearly, PeriodIndex 'Y-DEC') or "M" (monthly, PeriodIndex 'M')
    definition: str  # e.g. "sums over January-December"
    used: pd.DataFrame  # period, start, end, stat, value, vintage, source_file, line, note
    dropped: pd.DataFrame  # start, end, stat, value, source_file, line, reason
    notes: list[str] = field(default_factory=list)
    origin: int | None = None
    reference_year: int | None = None  # the origin, or the latest year in the region's data

    @property
    def n_points(self) -> int:
        return len(self.used)

    @property
    def points_word(self) -> str:
        return "monthly" if self.freq == "M" else "yearly"

    def periods_text(self) -> str:
        """The periods used, compactly ("2011, 2016, 2019-2020")."""
        return _compact_periods([str(p) for p in self.used["period"]], self.freq)

    def skipped_text(self, limit: int = 6) -> str:
        """The skipped windows grouped by reason ("partial year: 2010-01..2010-08 sum, ...; ...")."""
        if self.dropped.empty:
            return "none"
        groups: dict[str, list[str]] = {}
        for r in self.dropped.itertuples(index=False):
            groups.setdefault(str(r.reason), []).append(f"{_window_text(r.start, r.end)} {r.stat}")
        parts = []
        for reason, windows in groups.items():
            if reason.startswith("after the origin"):
                parts.append(f"{len(windows)} row(s) {reason}")
                continue
            more = len(windows) - limit
            parts.append(f"{reason}: " + ", ".join(windows[:limit]) + (f" and {more} more" if more > 0 else ""))
        return "; ".join(parts)

    def describe(self) -> str:
        """One paragraph: what was used and what was skipped."""
        used = f"{self.n_points} {self.points_word} point(s) ({self.definition}): {self.periods_text() or '-'}"
        return f"{self.region} {self.indicator}: {used}; skipped: {self.skipped_text()}"


def _window_text(start: pd.Period, end: pd.Period) -> str:
    return f"{start}" if start == end else f"{start}..{end}"


def _compact_periods(labels: list[str], freq: str) -> str:
    """'2011, 2016, 2019-2020' for yearly labels; first..last with a count for monthly ones."""
    if not labels:
        return ""
    if freq == "M":
        return f"{labels[0]}..{labels[-1]}" if len(labels) > 1 else labels[0]
    years = [int(x) for x in labels]
    runs, start, prev = [], years[0], years[0]
    for y in years[1:] + [None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        runs.append(f"{start}" if start == prev else f"{start}-{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(runs)


def _own_note(note: object) -> str:
    """A row's note without the 'duplicate also reported by ...' part (which is about other rows)."""
    return _text(note).split("duplicate also reported by")[0].strip(" ;")


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


def _registry_entry(indicator: str) -> pd.Series:
    reg = indicators()
    if indicator not in reg.index:
        raise ForecastError(f"unknown indicator {indicator!r}")
    return reg.loc[indicator]


def resolve_region(history: pd.DataFrame, region: str) -> str:
    """The region as spelled in the history (matched case-insensitively), or a ForecastError listing them."""
    regions = sorted(set(history["region"].astype(str)))
    if region in regions:
        return region
    hits = [r for r in regions if r.lower() == str(region).strip().lower()]
    if len(hits) == 1:
        return hits[0]
    from jobsim.model.inputs.regions import region_ids

    what = "no history for region" if region in region_ids() else "unknown region"
    raise ForecastError(f"{what} {region!r}; regions with history: {', '.join(regions)}")


def resolve_indicator(indicator: str) -> str:
    """The indicator id for an id or a Chinese/English label; a ForecastError if the registry has none."""
    reg = indicators()
    if indicator in reg.index:
        return indicator
    key = str(indicator).strip()
    for col in ("label_zh", "label_en"):
        hits = list(reg.index[reg[col].str.lower() == key.lower()])
        if len(hits) == 1:
            return hits[0]
    raise ForecastError(f"unknown indicator {indicator!r}: not in data/registry/indicators.csv")


def _unit_factor(row_unit: str, target_unit: str, where: str, indicator: str) -> tuple[float, str | None]:
    """Factor converting `row_unit` to `target_unit`, and a note; a ForecastError when they do not match.

    Units of the same dimension are converted (e.g. persons -> 10k persons). A count of persons is
    accepted where person-times are expected (the registry's convention for training counts), with a
    note. Anything else is an error naming the file and line.
    """
    if row_unit == target_unit:
        return 1.0, None
    table = unit_table()
    if row_unit not in table.index:
        raise ForecastError(
            f"{where}: unknown unit {row_unit!r} for {indicator}; {indicator} is measured in {target_unit!r}"
        )
    r, t = table.loc[row_unit], table.loc[target_unit]
    factor = float(r["factor_to_base"]) / float(t["factor_to_base"])
    if r["dimension"] == t["dimension"]:
        return factor, f"{where}: converted {row_unit!r} to {target_unit!r}"
    if r["dimension"] == "persons" and t["dimension"] == "person-times":
        return factor, f"{where}: counted in {row_unit!r}; treated as {target_unit!r} (each person counted once)"
    raise ForecastError(
        f"{where}: unit {row_unit!r} does not fit {indicator}, which is measured in {target_unit!r} "
        f"({t['label_zh']}); fix the unit column or the indicator"
    )


def _classify_yearly(start: pd.Period, end: pd.Period, stat: str, kind: str) -> tuple[int | None, str]:
    """(year, '') when the window gives a yearly value for `stat`, else (None, reason)."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if stat not in _YEARLY_STATS[kind]:
        return None, f"stat {stat!r} does not give a yearly value of a {kind}"
    if stat == "end":
        if end.month == 12:
            return end.year, ""
        return None, f"level at {end}, not at the end of a year"
    if months == 12 and start.month == 1:
        return start.year, ""
    if months < 12 and start.year == end.year:
        return None, "partial year"
    if months > 12:
        return None, "multi-year window"
    return None, "window is not a calendar year"


def _is_monthly(rows: pd.DataFrame) -> bool:
    """Monthly when single-month values are published for at least six different calendar months."""
    single = rows[(rows["start"] == rows["end"]) & rows["stat"].isin(["end", "mean", "sum"])]
    return single["end"].map(lambda p: p.month).nunique() >= 6


def _choose_rows(cands: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """One row per period: revised before unknown before early; exact before rounded; else the later row."""
    cands = cands.assign(
        _vrank=cands["vintage"].map(lambda v: _VINTAGE_RANK.get(_text(v), 1)),
        _exact=(~cands["note"].map(lambda n: bool(_INEXACT.search(_own_note(n))))).astype(int),
    )
    kept, dropped = [], []
    for _, grp in cands.groupby("period", sort=True):
        grp = grp.sort_values(["_vrank", "_exact", "_order"], kind="stable")
        best = grp.iloc[-1]
        kept.append(best)
        for _, other in grp.iloc[:-1].iterrows():
            if best["_vrank"] > other["_vrank"]:
                why = f"{_text(best['vintage']) or 'later'} figure {best['value']:g} preferred"
            elif best["_exact"] > other["_exact"]:
                why = f"exact figure {best['value']:g} preferred to a rounded/approximate one"
            else:
                why = f"later row {best['value']:g} preferred"
            dropped.append(_drop(other, f"superseded by line {best['line']} ({why})"))
    return pd.DataFrame(kept).drop(columns=["_vrank", "_exact"]), dropped


def _drop(row: pd.Series, reason: str) -> dict:
    return {
        "start": row["start"],
        "end": row["end"],
        "stat": row["stat"],
        "value": row["value"],
        "source_file": row.get("source_file", ""),
        "line": row.get("line", -1),
        "reason": reason,
    }


def _extract(
    history: pd.DataFrame,
    region: str,
    indicator: str,
    origin: int | None = None,
    freq: str | None = None,
) -> tuple[pd.Series, SeriesExtraction]:
    """The series and its extraction report, without refusing stale or short series (see series_for)."""
    region = resolve_region(history, region)
    indicator = resolve_indicator(indicator)
    entry = _registry_entry(indicator)
    unit, kind = str(entry["unit"]), str(entry["kind"])
    rows = history_for(region, indicator, history=history).copy()
    rows["_order"] = np.arange(len(rows))
    for col in ("vintage", "note", "source_file"):
        if col not in rows.columns:
            rows[col] = ""
    if "line" not in rows.columns:
        rows["line"] = -1
    notes: list[str] = []
    dropped: list[dict] = []

    # Units: convert same-dimension units, refuse others (with file and line).
    factors = []
    for r in rows.itertuples(index=False):
        where = f"{_text(r.source_file) or 'history'} line {r.line}"
        f, note = _unit_factor(str(r.unit), unit, where, indicator)
        factors.append(f)
        if note:
            notes.append(note)
    if len(rows):
        rows["value"] = rows["value"].astype(float) * np.asarray(factors, dtype=float)
    bad = rows[~np.isfinite(rows["value"].astype(float))]
    for _, r in bad.iterrows():
        dropped.append(_drop(r, "value is missing or not a number"))
    rows = rows[np.isfinite(rows["value"].astype(float))]

    region_rows = history[history["region"] == region]
    if origin is not None:
        cut = pd.Period(f"{origin}-12", "M")
        for _, r in rows[rows["end"] > cut].iterrows():
            dropped.append(_drop(r, f"after the origin {origin}"))
        rows = rows[rows["end"] <= cut]
        reference_year = origin
    else:
        reference_year = int(max(p.year for p in region_rows["end"])) if len(region_rows) else None

    if freq is None:
        freq = "M" if len(rows) and _is_monthly(rows) else "Y"
    if freq not in ("Y", "M"):
        raise ForecastError(f"freq must be 'Y' or 'M', not {freq!r}")

    cands = []
    if freq == "M":
        definition = _STAT_WORDS["month"]
        for _, r in rows.iterrows():
            if r["start"] == r["end"] and r["stat"] in (("sum",) if kind == "flow" else ("end", "mean")):
                cands.append(r.to_dict() | {"period": r["end"], "definition": "month"})
            else:
                why = f"stat {r['stat']!r}" if r["start"] == r["end"] else "not a single month; the series is monthly"
                dropped.append(_drop(r, why))
    else:
        by_def: dict[str, list[dict]] = {}
        for _, r in rows.iterrows():
            year, why = _classify_yearly(r["start"], r["end"], str(r["stat"]), kind)
            if year is None:
                dropped.append(_drop(r, why))
            else:
                by_def.setdefault(str(r["stat"]), []).append(r.to_dict() | {"period": year, "definition": r["stat"]})
        prefs = _YEARLY_STATS[kind]
        best = max(by_def, key=lambda s: (len({c["period"] for c in by_def[s]}), -prefs.index(s)), default=None)
        definition = _STAT_WORDS[best] if best else _STAT_WORDS[prefs[0]]
        for stat, items in by_def.items():
            if stat == best:
                cands = items
            else:
                why = f"the series uses {_STAT_WORDS[best]}, not {_STAT_WORDS[stat]}"
                dropped.extend(_drop(pd.Series(it), why) for it in items)

    used_cols = ["period", "start", "end", "stat", "value", "vintage", "source_file", "line", "note"]
    if cands:
        chosen, dup_dropped = _choose_rows(pd.DataFrame(cands))
        dropped.extend(dup_dropped)
        used = chosen.sort_values("period", kind="stable")[used_cols].reset_index(drop=True)
    else:
        used = pd.DataFrame(columns=used_cols)
    dropped_df = pd.DataFrame(dropped, columns=["start", "end", "stat", "value", "source_file", "line", "reason"])
    if len(dropped_df):
        dropped_df = dropped_df.sort_values(["start", "end", "line"], kind="stable").reset_index(drop=True)

    # Notes on the rows used: flagged values, possible series breaks.
    flagged = [(str(p), _own_note(n)) for p, n in zip(used["period"], used["note"]) if _FLAGGED.search(_own_note(n))]
    if 0 < len(flagged) <= 6:
        notes.append("values used that their source flags: " + "; ".join(f"{p} ({n[:70]})" for p, n in flagged))
    elif flagged:
        words = sorted({m.group(0).lower() for _, n in flagged for m in [_FLAGGED.search(n)]})
        notes.append(
            f"{len(flagged)} of {len(used)} values used are flagged by their source ({', '.join(words)}), "
            f"e.g. {flagged[0][0]} ({flagged[0][1][:60]})"
        )
    pre = [i for i, n in enumerate(used["note"]) if _PRE_SERIES.search(_own_note(n))]
    if pre:
        flag = _PRE_SERIES.search(_own_note(used["note"].iloc[pre[-1]])).group(0)
        if pre[-1] < len(used) - 1:
            notes.append(
                f"possible series break after {used['period'].iloc[pre[-1]]}: earlier rows are flagged "
                f"'{flag}', later ones are not"
            )
        else:
            notes.append(
                f"the last value used ({used['period'].iloc[-1]}) is flagged '{flag}': the forecast continues "
                "that basis, which later figures may have replaced"
            )

    if freq == "M":
        periods = [pd.Period(p, "M") for p in used["period"]]
        index = pd.period_range(periods[0], periods[-1], freq="M") if periods else pd.PeriodIndex([], freq="M")
    else:
        periods = [pd.Period(str(int(p)), "Y") for p in used["period"]]
        index = pd.period_range(periods[0], periods[-1], freq="Y") if periods else pd.PeriodIndex([], freq="Y")
    series = pd.Series(np.nan, index=index, name=indicator, dtype=float)
    if periods:
        series.loc[pd.PeriodIndex(periods)] = used["value"].astype(float).to_numpy()
    used = used.assign(period=[str(p) for p in periods])

    ext = SeriesExtraction(
        region=region,
        indicator=indicator,
        unit=unit,
        kind=kind,
        freq=freq,
        definition=definition,
        used=used,
        dropped=dropped_df,
        notes=notes,
        origin=origin,
        reference_year=reference_year,
    )
    return series, ext


def series_for(
    history: pd.DataFrame,
    region: str,
    indicator: str,
    origin: int | None = None,
    *,
    max_gap_years: int | None = MAX_GAP_YEARS,
    freq: str | None = None,
) -> tuple[pd.Series, SeriesExtraction]:
    """The region's series for one indicator, and a report of what was used and what was skipped.

    Yearly series (PeriodIndex 'Y') come from full-year windows only: a flow's January-December sum,
    a rate's or stock's yearly mean or December level, a yearly growth rate (one definition per
    series: the one with most years). Partial-year and multi-year windows are skipped and reported.
    Indicators published monthly (single-month values in six or more calendar months) stay monthly
    (PeriodIndex 'M'); `freq` forces 'Y' or 'M'. Where a window has several rows, a revised figure
    beats an unknown one beats an early one, an exact one beats a rounded one, otherwise the later row
    wins. Missing periods are NaN inside a regular index. `origin=YYYY` keeps the rows whose window
    ends by December of that year.

    Raises ForecastError when the series was flagged discontinued, or when its last observation is
    more than `max_gap_years` before the origin (or, without an origin, the latest year of the
    region's data): such a series must not be extrapolated as if it had continued.
    """
    series, ext = _extract(history, region, indicator, origin=origin, freq=freq)
    if ext.n_points and any(_DISCONTINUED.search(_text(n)) for n in ext.used["note"]):
        raise ForecastError(
            f"{ext.region} {ext.indicator}: the source flags the series as discontinued "
            f"(last point {ext.used['period'].iloc[-1]}); it is not extrapolated"
        )
    if ext.n_points and max_gap_years is not None and ext.reference_year is not None:
        last_year = int(str(ext.used["period"].iloc[-1])[:4])
        gap = ext.reference_year - last_year
        if gap > max_gap_years:
            if ext.origin is not None:
                against = f"the origin {ext.origin}"
            else:
                against = f"{ext.reference_year}, the latest year in {ext.region}'s data"
            raise ForecastError(
                f"{ext.region} {ext.indicator}: the last usable point is {last_year}, {gap} years before "
                f"{against} (more than {max_gap_years}); the series may have stopped and is not extrapolated "
                f"over the missing years (an origin of {last_year + max_gap_years} or earlier would forecast "
                "from where it ends)"
            )
    return series, ext


def usable_series(history: pd.DataFrame, region: str, origin: int | None = None) -> pd.DataFrame:
    """The region's indicators with a forecastable series: indicator, freq, points, first, last."""
    region = resolve_region(history, region)
    out = []
    reg = indicators()
    for ind in sorted(set(history.loc[history["region"] == region, "indicator"].astype(str))):
        if ind not in reg.index:
            continue
        try:
            _, ext = series_for(history, region, ind, origin=origin)
        except ForecastError:
            continue
        if ext.n_points >= MIN_POINTS:
            out.append(
                {
                    "indicator": ind,
                    "freq": ext.freq,
                    "points": ext.n_points,
                    "first": ext.used["period"].iloc[0],
                    "last": ext.used["period"].iloc[-1],
                }
            )
    return pd.DataFrame(out, columns=["indicator", "freq", "points", "first", "last"])


# =====================================================================================================
# Candidate models
# =====================================================================================================


@dataclass
class _Path:
    """A candidate's forecast: mean, standard deviation (when asked), t degrees of freedom, fitted params."""

    mean: np.ndarray
    sd: np.ndarray | None = None
    df: float | None = None  # None: normal quantiles
    params: np.ndarray | None = None  # state-space estimates, to warm-start the next back-test fit


@dataclass(frozen=True)
class _Candidate:
    name: str
    description: str
    n_params: int  # estimated parameters incl. the innovation variance: complexity, t degrees of freedom
    min_points: int  # observations before the model is considered at all
    min_train: int  # observations a back-test training window needs
    run: Callable[..., _Path]  # run(y, steps, want_sd, start=None) -> _Path; NaN gaps in y are fine
    seasonal: bool = False  # monthly series only, at least min_train months long

    def suits(self, y: np.ndarray, monthly: bool) -> bool:
        """Whether the series has enough points (and, for a seasonal model, is monthly and long enough)."""
        enough = int(np.sum(~np.isnan(y))) >= self.min_points
        return enough and (not self.seasonal or (monthly and len(y) >= self.min_train))


def _observed(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pos = np.flatnonzero(~np.isnan(y))
    return pos, y[pos]


def _naive(y: np.ndarray, steps: int, want_sd: bool, start=None) -> _Path:
    """Last value; a random walk's variance sigma^2*h, sigma from the (gap-scaled) one-step changes."""
    pos, vals = _observed(y)
    h = np.arange(1, steps + 1) + (len(y) - 1 - pos[-1])
    mean = np.full(steps, vals[-1])
    if not want_sd:
        return _Path(mean)
    k, d = np.diff(pos), np.diff(vals)
    sigma2 = float(np.sum(d**2 / k) / len(d))
    return _Path(mean, np.sqrt(sigma2 * h), float(len(d)))


def _drift(y: np.ndarray, steps: int, want_sd: bool, start=None) -> _Path:
    """Random walk with drift; variance sigma^2*h*(1 + h/T) includes the drift's estimation error."""
    pos, vals = _observed(y)
    span = float(pos[-1] - pos[0])
    c = (vals[-1] - vals[0]) / span
    h = np.arange(1, steps + 1) + (len(y) - 1 - pos[-1])
    mean = vals[-1] + c * h
    if not want_sd:
        return _Path(mean)
    k, d = np.diff(pos), np.diff(vals)
    if len(d) < 2:
        raise ValueError("drift intervals need at least three points")
    resid = (d - c * k) / np.sqrt(k)
    sigma2 = float(np.sum(resid**2) / (len(d) - 1))
    return _Path(mean, np.sqrt(sigma2 * h * (1 + h / span)), float(len(d) - 1))


def _snaive(y: np.ndarray, steps: int, want_sd: bool, start=None, season: int = 12) -> _Path:
    """Same month of the latest year observed; variance grows with the number of years looked back."""
    n = len(y)
    pos, vals = _observed(y)
    mean, back = np.empty(steps), np.empty(steps)
    for s in range(steps):
        target = n + s
        p, m = target - season, 1
        while p >= n or (p >= 0 and np.isnan(y[p])):
            p -= season
            m += 1
        if p >= 0:
            mean[s], back[s] = y[p], m
        else:  # this calendar month was never observed: last value
            mean[s], back[s] = vals[-1], max((target - pos[-1]) / season, 1.0 / season)
    if not want_sd:
        return _Path(mean)
    e = y[season:] - y[:-season]
    e = e[~np.isnan(e)]
    if len(e) < 2:
        raise ValueError("seasonal naive needs at least two same-month pairs")
    sigma2 = float(np.mean(e**2))
    return _Path(mean, np.sqrt(sigma2 * back), float(len(e)))


def _statespace(make: Callable[[np.ndarray], object], n_params: int) -> Callable[..., _Path]:
    """A run function for a statsmodels state-space model (SARIMAX, UnobservedComponents); NaN gaps are fine."""

    def run(y: np.ndarray, steps: int, want_sd: bool, start: np.ndarray | None = None) -> _Path:
        model = make(y)
        if start is not None and len(start) != len(model.start_params):
            start = None
        res = model.fit(disp=False, start_params=start, maxiter=100)
        fc = res.get_forecast(steps)
        mean = np.asarray(fc.predicted_mean, dtype=float)
        params = np.asarray(res.params, dtype=float)
        if not want_sd:
            return _Path(mean, params=params)
        sd = np.sqrt(np.asarray(fc.var_pred_mean, dtype=float))
        return _Path(mean, sd, float(max(int(np.sum(~np.isnan(y))) - n_params, 1)), params)

    return run


def _sarimax(order, trend=None, seasonal_order=(0, 0, 0, 0)):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    return lambda y: SARIMAX(y, order=order, trend=trend, seasonal_order=seasonal_order, concentrate_scale=True)


def _uc(level: str, seasonal: int | None = None):
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    return lambda y: UnobservedComponents(y, level=level, seasonal=seasonal)


def _candidates() -> dict[str, _Candidate]:
    """All candidates, simplest first (the order breaks ties)."""
    c = [
        _Candidate("naive", "naive: the last value", 1, 2, 1, _naive),
        _Candidate("drift", "random walk with drift", 2, 3, 2, _drift),
        _Candidate("snaive", "seasonal naive: same month of the last year", 1, 24, 13, _snaive, seasonal=True),
        _Candidate("uc_level", "local level (UnobservedComponents)", 2, 5, 3, _statespace(_uc("llevel"), 2)),
        _Candidate(
            "arima011",
            "ARIMA(0,1,1), i.e. simple exponential smoothing ETS(A,N,N) (SARIMAX)",
            2,
            8,
            5,
            _statespace(_sarimax((0, 1, 1)), 2),
        ),
        _Candidate("arima110", "ARIMA(1,1,0) (SARIMAX)", 2, 8, 5, _statespace(_sarimax((1, 1, 0)), 2)),
        _Candidate(
            "arima010_drift", "ARIMA(0,1,0) with drift (SARIMAX)", 2, 8, 5, _statespace(_sarimax((0, 1, 0), "c"), 2)
        ),
        _Candidate(
            "arima100_const", "ARIMA(1,0,0) with constant (SARIMAX)", 3, 8, 5, _statespace(_sarimax((1, 0, 0), "c"), 3)
        ),
        _Candidate("uc_trend", "local linear trend (UnobservedComponents)", 3, 10, 6, _statespace(_uc("lltrend"), 3)),
        _Candidate(
            "holt",
            "exponential smoothing with trend, Holt ETS(A,A,N), as its ARIMA(0,2,2) state-space form (SARIMAX)",
            3,
            12,
            7,
            _statespace(_sarimax((0, 2, 2)), 3),
        ),
        _Candidate(
            "damped",
            "exponential smoothing with damped trend ETS(A,Ad,N), as its ARIMA(1,1,2) state-space form (SARIMAX)",
            4,
            15,
            8,
            _statespace(_sarimax((1, 1, 2)), 4),
        ),
        _Candidate(
            "uc_level_seasonal",
            "local level with a monthly seasonal (UnobservedComponents)",
            3,
            30,
            30,
            _statespace(_uc("llevel", 12), 3),
            seasonal=True,
        ),
        _Candidate(
            "sarima_airline",
            "seasonal ARIMA(0,1,1)(0,1,1)12 (SARIMAX)",
            3,
            36,
            36,
            _statespace(_sarimax((0, 1, 1), None, (0, 1, 1, 12)), 3),
            seasonal=True,
        ),
    ]
    return {x.name: x for x in c}


CANDIDATES: dict[str, _Candidate] = _candidates()
MODEL_DESCRIPTIONS: dict[str, str] = {k: v.description for k, v in CANDIDATES.items()}


def _default_candidates(y: np.ndarray, monthly: bool) -> tuple[list[str], list[str]]:
    """The candidates the series' length and frequency allow, and a note for a short series."""
    n = int(np.sum(~np.isnan(y)))
    notes = []
    names = [name for name, c in CANDIDATES.items() if c.suits(y, monthly)]
    if n < SHORT_SERIES:
        notes.append(
            f"short series ({n} points, fewer than {SHORT_SERIES}): candidates {', '.join(names)}"
            + ("" if "uc_level" in names else f" (a local level from {CANDIDATES['uc_level'].min_points} points)")
            + "; the intervals also span the naive and drift intervals"
        )
    return names, notes


# =====================================================================================================
# Rolling-origin cross-validation and the forecast
# =====================================================================================================


@dataclass
class Forecast:
    """A forecast with what later code needs: the series used, the chosen model, the back-tests, notes."""

    region: str
    indicator: str
    unit: str
    freq: str  # "Y" or "M"
    series: pd.Series  # the history used (regular PeriodIndex, NaN for missing periods)
    model: str  # the chosen candidate's name (see MODEL_DESCRIPTIONS)
    table: pd.DataFrame  # period, mean, lo80, hi80, lo95, hi95, model
    cv: pd.DataFrame  # per candidate: model, description, mase, mase_h1.., errors, origins, warnings, status
    notes: list[str]
    horizon: int  # in years
    origin: int | None = None
    extraction: SeriesExtraction | None = None

    @property
    def model_description(self) -> str:
        return MODEL_DESCRIPTIONS.get(self.model, self.model)

    def to_frame(self) -> pd.DataFrame:
        """The forecast table (a copy): period, mean, lo80, hi80, lo95, hi95, model."""
        return self.table.copy()


@lru_cache(maxsize=1)
def _openblas_thread_controls() -> tuple[tuple[Callable[[], int], Callable[[int], None]], ...]:
    """(get, set) thread-count functions of the OpenBLAS libraries loaded in this process (Linux; else none)."""
    names = [
        ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
        ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
        ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
        ("openblas_get_num_threads", "openblas_set_num_threads"),
    ]
    controls = []
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({ln.split()[-1] for ln in maps if "openblas" in ln.lower() and ".so" in ln})
        for path in paths:
            lib = ctypes.CDLL(path)
            for get_name, set_name in names:
                if hasattr(lib, get_name) and hasattr(lib, set_name):
                    get, set_ = getattr(lib, get_name), getattr(lib, set_name)
                    get.restype, set_.argtypes = ctypes.c_int, [ctypes.c_int]
                    controls.append((get, set_))
                    break
    except OSError:
        return ()
    return tuple(controls)


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Run BLAS on one thread: the many tiny state-space fits are several times faster that way, and
    on a busy machine a multi-threaded OpenBLAS makes them ten times slower."""
    controls = _openblas_thread_controls()
    saved = [get() for get, _ in controls]
    for _, set_ in controls:
        set_(1)
    try:
        yield
    finally:
        for (_, set_), n in zip(controls, saved):
            set_(n)


def _fit_quietly(
    cand: _Candidate, y: np.ndarray, steps: int, want_sd: bool, start: np.ndarray | None = None
) -> tuple[_Path | None, list[str], str]:
    """Run a candidate with warnings recorded instead of shown: (path or None, warnings, error)."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        try:
            path = cand.run(y, steps, want_sd, start=start)
        except Exception as exc:  # noqa: BLE001 - a failing candidate is recorded and left out
            first = str(exc).splitlines()[0] if str(exc) else ""
            return None, [], f"{type(exc).__name__}: {first}".rstrip(": ")
    msgs = sorted({f"{w.category.__name__}: {str(w.message).splitlines()[0][:100]}" for w in caught})
    if not np.all(np.isfinite(path.mean)) or (path.sd is not None and not np.all(np.isfinite(path.sd))):
        return None, msgs, "non-finite forecast"
    return path, msgs, ""


def _naive_scale(train: np.ndarray) -> float:
    """In-sample one-step naive MAE (a change over a gap of k periods counts as |change|/sqrt(k))."""
    pos, vals = _observed(train)
    if len(pos) < 2:
        return float("nan")
    return float(np.mean(np.abs(np.diff(vals)) / np.sqrt(np.diff(pos))))


def _cv_origins(pos: np.ndarray, min_train: int) -> list[int]:
    """Indices j of observations that end a training window (obs 0..j): evenly spread, the last included."""
    eligible = list(range(min_train - 1, len(pos) - 1))
    if len(eligible) <= CV_MAX_ORIGINS:
        return eligible
    idx = np.unique(np.round(np.linspace(0, len(eligible) - 1, CV_MAX_ORIGINS)).astype(int))
    return [eligible[i] for i in idx]


def _cross_validate(
    y: np.ndarray, names: list[str], h_cv: int
) -> tuple[pd.DataFrame, dict[str, dict[int, list[float]]], list[str]]:
    """Rolling-origin back-tests on origins common to all candidates: (CV table, raw errors, notes)."""
    pos, _ = _observed(y)
    notes: list[str] = []
    active = list(names)
    want = CV_MIN_ORIGINS if len(pos) >= SHORT_SERIES else 2
    # Leave out the most demanding models (never the naive and drift baselines) while fewer than
    # `want` origins would remain.
    while True:
        origins = _cv_origins(pos, max(CANDIDATES[n].min_train for n in active))
        optional = [n for n in active if n not in ("naive", "drift")]
        if len(origins) >= want or not optional:
            break
        hardest = max(CANDIDATES[n].min_train for n in optional)
        left = [n for n in optional if CANDIDATES[n].min_train == hardest]
        notes.append(f"too few points to back-test {', '.join(left)}; left out")
        active = [n for n in active if n not in left]

    horizons = range(1, h_cv + 1)
    scaled = {n: {h: [] for h in horizons} for n in active}
    raw = {n: {h: [] for h in horizons} for n in active}
    status = {n: "ok" for n in active}
    warns = {n: 0 for n in active}
    warm: dict[str, np.ndarray | None] = {n: None for n in active}
    full_scale = _naive_scale(y)
    for j in origins:
        train = y[: pos[j] + 1]
        scale = _naive_scale(train)
        if not (np.isfinite(scale) and scale > 0):
            scale = full_scale if np.isfinite(full_scale) and full_scale > 0 else 1.0
        for n in active:
            if status[n] != "ok":
                continue
            path, msgs, err = _fit_quietly(CANDIDATES[n], train, h_cv, want_sd=False, start=warm[n])
            warns[n] += len(msgs)
            if path is None:
                status[n] = f"failed with {j + 1} points: {err}"
                continue
            warm[n] = path.params
            for h in horizons:
                p = pos[j] + h
                if p < len(y) and not np.isnan(y[p]):
                    e = float(y[p] - path.mean[h - 1])
                    raw[n][h].append(e)
                    scaled[n][h].append(abs(e) / scale)

    rows = []
    for n in names:
        row = {"model": n, "description": CANDIDATES[n].description, "mase": np.nan}
        row.update({f"mase_h{h}": np.nan for h in horizons})
        if n not in active:
            row.update(errors=0, origins=0, warnings=0, status="left out: too few points to back-test")
        else:
            per_h = [float(np.mean(scaled[n][h])) if scaled[n][h] else np.nan for h in horizons]
            row.update({f"mase_h{h}": v for h, v in zip(horizons, per_h)})
            finite = [v for v in per_h if np.isfinite(v)]
            row.update(
                mase=float(np.mean(finite)) if status[n] == "ok" and finite else np.nan,
                errors=sum(len(v) for v in scaled[n].values()),
                origins=len(origins),
                warnings=warns[n],
                status=status[n] if status[n] != "ok" or finite else "no back-test errors",
            )
        rows.append(row)
    return pd.DataFrame(rows), raw, notes


def _ranking(cv: pd.DataFrame) -> list[str]:
    """Back-tested candidates, best first: lowest mean MASE; ties (to TIE_DECIMALS) go to the simpler model."""
    ok = cv[(cv["status"] == "ok") & np.isfinite(cv["mase"])].copy()
    order = list(CANDIDATES)
    ok["_tie"] = ok["mase"].round(TIE_DECIMALS)
    ok["_k"] = ok["model"].map(lambda m: CANDIDATES[m].n_params)
    ok["_o"] = ok["model"].map(order.index)
    return list(ok.sort_values(["_tie", "_k", "_o"], kind="stable")["model"])


def _steps_and_periods(index: pd.PeriodIndex, horizon: int, origin: int | None) -> tuple[int, list[pd.Period], int]:
    """Steps to forecast past the last observation, the output periods, and the step of the first one."""
    last = index[-1]
    monthly = index.freqstr.startswith("M")
    if origin is None:
        steps = horizon * (12 if monthly else 1)
        return steps, [last + s for s in range(1, steps + 1)], 0
    if monthly:
        first, end = pd.Period(f"{origin + 1}-01", "M"), pd.Period(f"{origin + horizon}-12", "M")
    else:
        first, end = pd.Period(str(origin + 1), index.freq), pd.Period(str(origin + horizon), index.freq)
    offset = (first - last).n - 1
    if offset < 0:
        raise ForecastError(f"the series has data after the origin {origin}")
    steps = (end - last).n
    return steps, [first + s for s in range(steps - offset)], offset


def _empirical_sd(errors: dict[int, list[float]], steps: int) -> np.ndarray | None:
    """Back-test root mean square error by horizon; beyond the horizons with 2+ errors, grown like sqrt(h)."""
    rms = {h: math.sqrt(float(np.mean(np.square(e)))) for h, e in errors.items() if len(e) >= 2}
    if not rms:
        return None
    out = np.empty(steps)
    for i in range(steps):
        h = i + 1
        h0 = h if h in rms else max([x for x in rms if x < h], default=min(rms))
        out[i] = rms[h0] * math.sqrt(h / h0)
    return out


def _bands(path: _Path) -> tuple[np.ndarray, np.ndarray]:
    """Half-widths of the 80% and 95% intervals (t quantiles with the model's degrees of freedom)."""
    q80 = stats.t.ppf(0.90, path.df) if path.df else _Z80
    q95 = stats.t.ppf(0.975, path.df) if path.df else _Z95
    return q80 * path.sd, q95 * path.sd


def forecast_series(
    series: pd.Series,
    horizon: int = 5,
    *,
    origin: int | None = None,
    candidates: Sequence[str] | None = None,
    nonnegative: bool | None = None,
    name: str | None = None,
    unit: str = "",
) -> Forecast:
    """Forecast a yearly or monthly series `horizon` years ahead with the model its back-tests choose.

    `series` has a PeriodIndex of frequency 'Y' or 'M' (integer years as index are accepted); NaN
    marks missing periods. The candidates (by default those the number of points allows) are compared
    by rolling-origin cross-validation: mean MASE over horizons 1..5 years (1..12 months), each error
    scaled by the training window's one-step naive MAE; ties go to the simpler model. The winner is refitted on the
    whole series and forecasts `horizon` years (12*horizon months), or with `origin` the `horizon`
    years after the origin. Intervals: the model's, at least as wide as the back-test errors, and on
    short series also spanning the naive and drift intervals. `nonnegative` (default: all
    observations >= 0) clips at 0. Raises ForecastError on too few or unusable points.
    """
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ForecastError(f"horizon must be a whole number of years >= 1, not {horizon!r}")
    s = _as_period_series(series)
    values = s.to_numpy(dtype=float)
    if np.isinf(values).any():
        raise ForecastError("the series contains infinite values")
    pos, _ = _observed(values)
    n = len(pos)
    label = name or (str(series.name) if getattr(series, "name", None) is not None else "series")
    asked = list(candidates) if candidates is not None else None
    need = MIN_POINTS_NAIVE if asked == ["naive"] else MIN_POINTS
    if n < need:
        raise ForecastError(
            f"{label}: {n} usable point(s) (the rest are missing); a forecast needs at least {need}"
            + ("" if need == MIN_POINTS_NAIVE else f" ({MIN_POINTS_NAIVE} for a naive-only forecast)")
        )
    s = s.iloc[pos[0] : pos[-1] + 1]
    y = s.to_numpy(dtype=float)
    monthly = s.index.freqstr.startswith("M")
    notes: list[str] = []

    if asked is None:
        names, more = _default_candidates(y, monthly)
        notes.extend(more)
    else:
        unknown = [c for c in asked if c not in CANDIDATES]
        if unknown:
            raise ForecastError(f"unknown candidate(s) {unknown}; known: {', '.join(CANDIDATES)}")
        names = [c for c in asked if CANDIDATES[c].suits(y, monthly)]
        if not names:
            raise ForecastError(f"{label}: none of the candidates {asked} can be fitted to {n} points")

    steps, periods, offset = _steps_and_periods(s.index, horizon, origin)
    with _one_blas_thread():
        return _forecast_steps(s, y, names, notes, horizon, origin, steps, periods, offset, nonnegative, label, unit)


def _forecast_steps(
    s: pd.Series,
    y: np.ndarray,
    names: list[str],
    notes: list[str],
    horizon: int,
    origin: int | None,
    steps: int,
    periods: list[pd.Period],
    offset: int,
    nonnegative: bool | None,
    label: str,
    unit: str,
) -> Forecast:
    """Back-test the candidates, refit the best on the whole series, and build the forecast table."""
    n = int(np.sum(~np.isnan(y)))
    monthly = s.index.freqstr.startswith("M")
    h_cv = CV_HORIZON_MONTHS if monthly else CV_HORIZON_YEARS
    cv, raw, cv_notes = _cross_validate(y, names, h_cv)
    notes.extend(cv_notes)
    ranking = _ranking(cv)
    if not ranking:
        ranking = [names[0]]
        notes.append(f"no candidate could be back-tested; using the simplest, {names[0]}")
    ranking += [m for m in ("drift", "naive") if m in names and m not in ranking]

    chosen, path = None, None
    for m in ranking:
        path, msgs, err = _fit_quietly(CANDIDATES[m], y, steps, want_sd=True)
        if msgs:
            notes.append(f"{m} fit warnings: " + "; ".join(msgs))
        if path is not None:
            chosen = m
            break
        notes.append(f"{m} could not be fitted to the whole series ({err}); the next best is used")
    if chosen is None or path is None:
        raise ForecastError(f"{label}: no candidate model could be fitted")
    cv["status"] = np.where(cv["model"] == chosen, "chosen", cv["status"])

    mean = path.mean
    half80, half95 = _bands(path)
    emp = _empirical_sd(raw.get(chosen, {}), steps)
    if emp is not None and (_Z95 * emp > half95).any():
        notes.append(
            f"intervals widened to the back-test errors of {chosen} at {int((_Z95 * emp > half95).sum())} "
            f"of {steps} steps"
        )
        half80, half95 = np.maximum(half80, _Z80 * emp), np.maximum(half95, _Z95 * emp)
    lo80, hi80, lo95, hi95 = mean - half80, mean + half80, mean - half95, mean + half95
    if n < SHORT_SERIES:  # a handful of points cannot tell a level from a trend: span both baselines
        for m in ("naive", "drift"):
            if m == chosen or n < CANDIDATES[m].min_points:
                continue
            other, _, _ = _fit_quietly(CANDIDATES[m], y, steps, want_sd=True)
            if other is not None:
                o80, o95 = _bands(other)
                lo80, hi80 = np.minimum(lo80, other.mean - o80), np.maximum(hi80, other.mean + o80)
                lo95, hi95 = np.minimum(lo95, other.mean - o95), np.maximum(hi95, other.mean + o95)

    if nonnegative is None:
        nonnegative = bool(np.nanmin(y) >= 0)
    if nonnegative:
        if (lo95 < 0).any():
            notes.append("interval bounds below 0 were clipped at 0")
        mean, lo80, hi80, lo95, hi95 = (np.maximum(a, 0.0) for a in (mean, lo80, hi80, lo95, hi95))

    sl = slice(offset, offset + len(periods))
    columns = dict(zip(OUTPUT_COLUMNS[1:6], (mean, lo80, hi80, lo95, hi95)))
    table = pd.DataFrame(
        {
            "period": [_period_label(p) for p in periods],
            **{k: np.round(v[sl].astype(float), 4) for k, v in columns.items()},
            "model": chosen,
        }
    )
    if not np.isfinite(table[OUTPUT_COLUMNS[1:6]].to_numpy()).all():
        raise ForecastError(f"{label}: the forecast is not finite")  # never hand out NaN rows
    return Forecast(
        region="",
        indicator=label,
        unit=unit,
        freq="M" if monthly else "Y",
        series=s,
        model=chosen,
        table=table[OUTPUT_COLUMNS],
        cv=cv,
        notes=notes,
        horizon=horizon,
        origin=origin,
    )


def _as_period_series(series: pd.Series) -> pd.Series:
    if not isinstance(series, pd.Series):
        series = pd.Series(series)
    idx = series.index
    if isinstance(idx, pd.PeriodIndex):
        if not (idx.freqstr.startswith("M") or idx.freqstr.startswith("Y") or idx.freqstr.startswith("A")):
            raise ForecastError(f"series frequency {idx.freqstr!r}: only yearly or monthly series are forecast")
        full = pd.period_range(idx.min(), idx.max(), freq=idx.freq) if len(idx) else idx
        if idx.has_duplicates:
            raise ForecastError("the series has duplicate periods")
        out = series.reindex(full)
    elif len(idx) and all(isinstance(v, (int, np.integer)) for v in idx):
        years = pd.PeriodIndex([pd.Period(str(int(v)), "Y") for v in idx])
        out = pd.Series(series.to_numpy(), index=years).reindex(pd.period_range(years.min(), years.max(), freq="Y"))
    else:
        raise ForecastError("the series needs a PeriodIndex (yearly or monthly) or integer years as index")
    try:
        return out.astype(float)
    except (TypeError, ValueError) as exc:
        raise ForecastError(f"the series has non-numeric values: {exc}") from None


def _period_label(p: pd.Period) -> str:
    return f"{p.year:04d}-{p.month:02d}" if p.freqstr.startswith("M") else f"{p.year:04d}"


def forecast_for(
    region: str,
    indicator: str,
    *,
    origin: int | None = None,
    horizon: int = 5,
    history: pd.DataFrame | None = None,
    extra_files: Sequence | None = None,
    candidates: Sequence[str] | None = None,
    max_gap_years: int | None = MAX_GAP_YEARS,
    freq: str | None = None,
) -> Forecast:
    """Forecast a region's indicator from its history (bundled data plus `extra_files`, or `history`).

    Output is in the indicator's unit in the history file (percent stays percent). Raises
    ForecastError for an unknown region or indicator, a stale or discontinued series, or too few
    full-year points (saying how many exist, which windows were skipped and why, and what is needed).
    """
    if history is None:
        history = load_history(extra_files=list(extra_files) if extra_files else None)
    series, ext = series_for(history, region, indicator, origin=origin, max_gap_years=max_gap_years, freq=freq)
    need = MIN_POINTS_NAIVE if candidates is not None and list(candidates) == ["naive"] else MIN_POINTS
    if ext.n_points < need:
        have = f"{ext.n_points} usable {ext.points_word} point(s)"
        have += f" ({ext.periods_text()})" if ext.n_points else ""
        cut = f" up to {origin}" if origin is not None else ""
        raise ForecastError(
            f"{ext.region} {ext.indicator}: {have}{cut}; skipped: {ext.skipped_text()}; a forecast needs at least "
            f"{need} {ext.points_word} points ({ext.definition}), e.g. from a --data file in the history schema"
        )
    # Counts, levels and rates cannot fall below 0 (growth rates can); a series with a negative value is left alone.
    nonnegative = ext.definition != _STAT_WORDS["growth"] and bool(np.nanmin(series.to_numpy()) >= 0)
    fc = forecast_series(
        series,
        horizon,
        origin=origin,
        candidates=candidates,
        nonnegative=nonnegative,
        name=ext.indicator,
        unit=ext.unit,
    )
    fc.region = ext.region
    fc.extraction = ext
    fc.notes = ext.notes + fc.notes
    if len(ext.dropped):
        fc.notes.insert(0, f"skipped: {ext.skipped_text(limit=50)}")
    return fc


def forecastable(
    history: pd.DataFrame | None = None, horizon: int = 5, regions: Sequence[str] | None = None
) -> pd.DataFrame:
    """Every region x indicator in the history (registry indicators only): is it forecastable, and how.

    Columns: region, indicator, freq, points, first, last, model, mase, status (ok or the reason).
    """
    if history is None:
        history = load_history()
    reg = indicators()
    out = []
    for region in regions or sorted(set(history["region"].astype(str))):
        for ind in sorted(set(history.loc[history["region"] == region, "indicator"].astype(str))):
            row = {"region": region, "indicator": ind, "freq": "", "points": 0, "first": "", "last": ""}
            row.update(model="", mase=np.nan, status="")
            if ind not in reg.index:
                row["status"] = "not in the indicator registry"
                out.append(row)
                continue
            try:
                _, ext = _extract(history, region, ind)
                row.update(freq=ext.freq, points=ext.n_points)
                if ext.n_points:
                    row.update(first=ext.used["period"].iloc[0], last=ext.used["period"].iloc[-1])
                fc = forecast_for(region, ind, horizon=horizon, history=history)
                best = fc.cv.loc[fc.cv["model"] == fc.model, "mase"]
                row.update(model=fc.model, mase=float(best.iloc[0]) if len(best) else np.nan, status="ok")
            except ForecastError as exc:
                row["status"] = _short_reason(str(exc))
            out.append(row)
    return pd.DataFrame(out)


def _short_reason(message: str) -> str:
    if "unit" in message and "does not fit" in message:
        return "unit does not fit the registry"
    if "not extrapolated" in message:
        return "stale: " + message.split(": the last usable point is ")[-1].split(";")[0]
    m = re.search(r"(\d+) usable (yearly|monthly) point", message)
    if m:
        return f"too few points ({m.group(1)} {m.group(2)})"
    return message[:80]
