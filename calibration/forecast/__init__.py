"""Statistical no-policy-change forecasts of a region's historical indicators.

`series_for` turns the long history table into one regular yearly (or monthly) series, saying which
rows it used and which windows it skipped and why; `forecast_series` compares simple baselines and
statsmodels models by rolling-origin cross-validation (MASE) and forecasts with the winner, with 80%
and 95% intervals; `forecast_for` does both for a region and indicator; `forecastable` runs it over
every region and indicator in the history. The method is described in docs/forecasting.md.

The package, by concern: `policy` (the thresholds and ForecastError), `rows` (reading history rows:
units, windows, which row of a period wins), `series` (`series_for`, `usable_series`, the extraction
report), `models` (the candidate models), `selection` (rolling-origin cross-validation, MASE, the
ranking), `intervals` (interval widths) and `core` (`Forecast`, `forecast_series`, `forecast_for`,
`forecastable`).
"""

from jobsim.calibration.forecast.core import Forecast, forecast_for, forecast_series, forecastable
from jobsim.calibration.forecast.intervals import _bands  # noqa: F401 (the tests use it)
from jobsim.calibration.forecast.models import CANDIDATES, MODEL_DESCRIPTIONS
from jobsim.calibration.forecast.policy import (
    CV_HORIZON_MONTHS,
    CV_HORIZON_YEARS,
    CV_MAX_ORIGINS,
    CV_MIN_ORIGINS,
    MAX_GAP_YEARS,
    MIN_POINTS,
    MIN_POINTS_NAIVE,
    OUTPUT_COLUMNS,
    SHORT_SERIES,
    TIE_DECIMALS,
    ForecastError,
)
from jobsim.calibration.forecast.series import (
    SeriesExtraction,
    check_origin,
    origin_range,
    resolve_indicator,
    resolve_region,
    series_for,
    usable_series,
)

__all__ = [
    "CANDIDATES",
    "CV_HORIZON_MONTHS",
    "CV_HORIZON_YEARS",
    "CV_MAX_ORIGINS",
    "CV_MIN_ORIGINS",
    "MAX_GAP_YEARS",
    "MIN_POINTS",
    "MIN_POINTS_NAIVE",
    "MODEL_DESCRIPTIONS",
    "OUTPUT_COLUMNS",
    "SHORT_SERIES",
    "TIE_DECIMALS",
    "Forecast",
    "ForecastError",
    "SeriesExtraction",
    "check_origin",
    "forecast_for",
    "forecast_series",
    "forecastable",
    "origin_range",
    "resolve_indicator",
    "resolve_region",
    "series_for",
    "usable_series",
]
