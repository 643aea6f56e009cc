"""The candidate forecasting models (simple baselines and statsmodels state-space models), what each
needs to be considered, the default set for a series, and fitting one with its warnings recorded.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from jobsim.calibration.forecast.policy import SHORT_SERIES


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
