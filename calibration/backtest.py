"""Back-tests: calibrate and forecast with data up to an origin year, project forward, compare with what happened.

For each origin the statistical forecast (`jobsim.calibration.forecast`) and the model's baseline
(calibrated on data up to the origin, levers at the region's baseline volumes) are set against the
actual values of the following years, with the naive forecast (last observed value) as a yardstick.
Errors: absolute, percentage, and MASE (absolute error over the in-sample mean absolute one-year
change of the series up to the origin); coverage: whether each 80% interval held the actual value.

The economy is conditioned on: each run takes the region's realised real GDP growth in the years after
the origin (its default growth path, jobsim.model.inputs.growth_paths, which is the history in history
years), not the growth forecast at the origin (docs/forecasting.md, "Default growth paths").

Known limitation: the model starts every back-test from the region's structural data (2020 census
structure), whatever the origin; the back-test measures the calibrated dynamics, not the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jobsim.calibration.calibrate import baseline_scenario, calibrate, calibration_scale
from jobsim.calibration.forecast import ForecastError, check_origin, forecast_for, series_for
from jobsim.model.inputs.history import load_history
from jobsim.model.inputs.registry import indicators, lever_ids
from jobsim.model.experiments.ensemble import replicate_seeds, scenario_parameters, scenario_uncertainties
from jobsim.model.core.runspec import RunSpec
from jobsim.model.inputs.regions import area_facts
from jobsim.model.inputs.units import to_base
from jobsim.model.outputs.indicators import region_yearly

COLUMNS = ["origin", "year", "actual", "forecast", "forecast_lo80", "forecast_hi80", "forecast_model",
           "model_median", "model_p10", "model_p90", "naive",
           "abs_error_forecast", "abs_error_model", "abs_error_naive",
           "pct_error_forecast", "pct_error_model", "pct_error_naive",
           "mase_forecast", "mase_model", "mase_naive", "forecast_covered_80", "model_covered_80"]


class BacktestError(ValueError):
    """A back-test that cannot be run (unknown series, no actuals after the origin, too little data)."""


@dataclass
class Backtest:
    region: str
    indicator: str
    unit: str
    table: pd.DataFrame  # one row per origin and year (COLUMNS)
    calibrations: dict[int, dict[str, float]]

    def summary(self) -> pd.DataFrame:
        """Mean errors and coverage per method over every origin and year with an actual value."""
        t = self.table.dropna(subset=["actual"])
        rows = []
        for method in ("forecast", "model", "naive"):
            rows.append({
                "method": method, "n": int(t[f"abs_error_{method}"].notna().sum()),
                "mean_abs_error": t[f"abs_error_{method}"].mean(), "mean_abs_pct_error": t[f"pct_error_{method}"].abs().mean(),
                "mean_mase": t[f"mase_{method}"].mean(),
                "coverage_80": t[f"{method}_covered_80"].mean() if f"{method}_covered_80" in t else np.nan,
            })
        return pd.DataFrame(rows)


def _mase_scale(series: pd.Series) -> float:
    """Mean absolute one-year change (over consecutive observed years) of the in-sample series."""
    s = series.dropna()
    years = np.array([p.year for p in s.index])
    v = s.to_numpy()
    gaps = np.diff(years)
    diffs = np.abs(np.diff(v))[gaps == 1]
    if len(diffs) == 0 and len(v) > 1:
        diffs = np.abs(np.diff(v)) / gaps  # no consecutive years: per-year change across gaps
    return float(np.mean(diffs)) if len(diffs) else float("nan")


def _uncertainties(scenario):
    """The moved baseline's uncertainties (the default growth path); BacktestError when it has none."""
    from jobsim.model.inputs.growth_paths import GrowthPathError

    try:
        return scenario_uncertainties(scenario)
    except GrowthPathError as e:
        raise BacktestError(str(e)) from None


def backtest(region: str, indicator: str, origins: list[int], horizon: int = 3, data_files: list[Path] | None = None,
             replicates: int = 8, seed: int = 7, quick: bool = True, workers: int = 2, progress=None) -> Backtest:
    """Back-test `indicator` of `region` from each origin year over `horizon` years."""
    history = load_history(extra_files=data_files)
    ind = indicators()
    if indicator not in ind.index or not ind.at[indicator, "model_variable"]:
        modelled = sorted(i for i in ind.index if ind.at[i, "model_variable"])
        raise BacktestError(f"indicator {indicator!r} is not one the model produces; modelled indicators: {', '.join(modelled)}")
    variable = str(ind.at[indicator, "model_variable"])
    try:
        full, ext = series_for(history, region, indicator, max_gap_years=None)
        for origin in origins:  # every origin within the years of the indicator's own data, before any calibration starts
            check_origin(history, ext.region, ext.indicator, origin)
    except ForecastError as e:
        raise BacktestError(str(e)) from None
    if full.index.freqstr.startswith("M"):
        by_year = full.groupby(full.index.year).agg(["mean", "count"])
        by_year = by_year[by_year["count"] == 12]["mean"]
        full = pd.Series(by_year.values, index=pd.PeriodIndex([pd.Period(str(y), "Y") for y in by_year.index], freq="Y"))
    unit = ext.unit
    factor = to_base(1.0, unit)
    rows, calibrations = [], {}
    for origin in origins:
        years = list(range(origin + 1, origin + horizon + 1))
        actual = {y: float(full[pd.Period(str(y), "Y")]) if pd.Period(str(y), "Y") in full.index else np.nan for y in years}
        if all(np.isnan(v) for v in actual.values()):
            have = ", ".join(str(p.year) for p in full.dropna().index)
            raise BacktestError(f"{region} {indicator}: no actual value in {years[0]}-{years[-1]} to test against "
                                f"(years with data: {have})")
        past = full[[p.year <= origin for p in full.index]].dropna()
        if len(past) < 2:
            raise BacktestError(f"{region} {indicator}: {len(past)} yearly value(s) up to {origin}; a back-test needs at least 2")
        naive = float(past.iloc[-1])
        scale_mase = _mase_scale(past)
        try:
            fc = forecast_for(region, indicator, origin=origin, horizon=horizon, history=history, max_gap_years=None)
            fct = {int(str(r["period"])[:4]): r for _, r in fc.table.iterrows()}
            if fc.freq == "M":  # a monthly forecast: yearly means of the months
                t = fc.table.assign(year=fc.table["period"].str[:4].astype(int)).groupby("year")[["mean", "lo80", "hi80"]].mean()
                fct = {int(y): {"mean": r["mean"], "lo80": r["lo80"], "hi80": r["hi80"], "model": fc.model} for y, r in t.iterrows()}
        except ForecastError:
            fct = {}
        if progress:
            progress(f"origin {origin}: calibrating on data up to {origin}")
        cal = calibrate(region, through=origin, data_files=data_files, years=years,
                        replicates=2 if quick else 3, maxiter=4 if quick else 12, popsize=4 if quick else 6,
                        proposals=0, n_draws=0, workers=workers, seed=seed)
        calibrations[origin] = cal.values
        scenario = baseline_scenario(region, years[0], years[-1])
        params = scenario_parameters(scenario, use_calibrated=False).with_overrides(cal.values, origin="calibrated").values
        levers = {lever: scenario.lever_values(lever) for lever in lever_ids()}
        # A conditional back-test: the economy's realised growth after the origin (the default path is the
        # history there), so the errors measure the labour market's response, not a GDP forecast.
        uncertainties = _uncertainties(scenario)
        sims = []
        scale = calibration_scale(region)
        facts = area_facts(region)
        for s in replicate_seeds(seed, replicates):
            m = RunSpec(region, facts, years[0], years[-1], levers, params, seed=s, scale=scale,
                        gdp_real_growth_percent=uncertainties.gdp_real_growth_percent,
                        graduates_multiplier=uncertainties.graduates_multiplier,
                        parameter_paths=uncertainties.parameter_paths).build()
            m.run()
            sims.append(region_yearly(m.recorder, [variable])[variable] / factor)
        sims = np.array(sims)
        for k, y in enumerate(years):
            f = fct.get(y)
            row = {"origin": origin, "year": y, "actual": actual[y],
                   "forecast": float(f["mean"]) if f is not None else np.nan,
                   "forecast_lo80": float(f["lo80"]) if f is not None else np.nan,
                   "forecast_hi80": float(f["hi80"]) if f is not None else np.nan,
                   "forecast_model": str(f["model"]) if f is not None else "",
                   "model_median": float(np.median(sims[:, k])), "model_p10": float(np.quantile(sims[:, k], 0.1)),
                   "model_p90": float(np.quantile(sims[:, k], 0.9)), "naive": naive}
            for method, pred in (("forecast", row["forecast"]), ("model", row["model_median"]), ("naive", naive)):
                err = pred - actual[y]
                row[f"abs_error_{method}"] = abs(err)
                row[f"pct_error_{method}"] = 100 * err / actual[y] if actual[y] else np.nan
                row[f"mase_{method}"] = abs(err) / scale_mase if scale_mase and np.isfinite(scale_mase) else np.nan
            a = actual[y]
            row["forecast_covered_80"] = (row["forecast_lo80"] <= a <= row["forecast_hi80"]) if np.isfinite(a) and f is not None else np.nan
            row["model_covered_80"] = (row["model_p10"] <= a <= row["model_p90"]) if np.isfinite(a) else np.nan
            rows.append(row)
    return Backtest(region, indicator, unit, pd.DataFrame(rows, columns=COLUMNS), calibrations)
