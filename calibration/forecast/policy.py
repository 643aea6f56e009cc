"""The forecasting policy: how many points a forecast needs, how stale a series may be, how models are
back-tested and ranked (all documented in docs/forecasting.md), and `ForecastError`.
"""

from __future__ import annotations

from scipy import stats

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
