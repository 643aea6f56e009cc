"""The forecast: `Forecast`, `forecast_series` (choose a model by its back-tests, refit it, build the
table with intervals), `forecast_for` (a region's indicator from its history) and `forecastable`
(every region and indicator); BLAS runs on one thread while the many small models are fitted.
"""

from __future__ import annotations

import ctypes
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from jobsim.calibration.forecast.intervals import _bands, _empirical_sd
from jobsim.calibration.forecast.models import CANDIDATES, MODEL_DESCRIPTIONS, _default_candidates, _fit_quietly, _observed
from jobsim.calibration.forecast.policy import (
    CV_HORIZON_MONTHS,
    CV_HORIZON_YEARS,
    MAX_GAP_YEARS,
    MIN_POINTS,
    MIN_POINTS_NAIVE,
    OUTPUT_COLUMNS,
    SHORT_SERIES,
    _Z80,
    _Z95,
    ForecastError,
)
from jobsim.calibration.forecast.rows import _STAT_WORDS
from jobsim.calibration.forecast.selection import _cross_validate, _ranking
from jobsim.calibration.forecast.series import SeriesExtraction, _extract, series_for
from jobsim.model.inputs.history import load_history
from jobsim.model.inputs.registry import indicators


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
