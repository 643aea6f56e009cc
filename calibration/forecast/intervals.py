"""Prediction intervals: the 80% and 95% half-widths of a model's forecast, and the back-test errors
that can widen them.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from jobsim.calibration.forecast.models import _Path
from jobsim.calibration.forecast.policy import _Z80, _Z95


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
