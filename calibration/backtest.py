"""Back-tests of the model itself: calibrate with data up to an origin, project from the origin's
structure, compare with what happened, beside the statistical forecast and the naive one.

For each origin year:

- the model is calibrated on the history up to the origin (jobsim.calibration.calibrate, its window
  ending at the origin); each replicate takes one posterior draw, so the band holds parameter
  uncertainty, the model's randomness and (for the second projection) the economy's; levers stay at
  the region's baseline volumes;
- where the projection starts (`start`): by default ("window") each replicate runs the calibration's
  own simulation, from the structure of the window's first year (area_facts(region, as_of=window
  start)) through the window's years with their realised growth, and goes on past the origin: the
  projected years continue the state the calibration fitted. With "origin" the projection starts
  afresh from the structure of the year after the origin (area_facts(region, as_of=origin + 1)):
  a run that begins from data alone reaches, in its first years, a state the calibration never saw
  (China from 2017 at the posterior medians: 1,222.5万 new urban jobs for 2018 started in 2018,
  1,622.5万 started in 2013 as the calibration was; docs/methodology.md);
- it projects twice: with the real GDP growth that was realised (`model_*`: "given the economy,
  would the model have got employment right?") and with the growth forecast at the origin
  (`model_fg_*`: the question a planner faces; the same growth forecast jobsim.calibration.growth_paths
  makes, from data up to the origin);
- the statistical forecast of the indicator itself (jobsim.calibration.forecast) and the naive
  forecast (the last value up to the origin) are the yardsticks.

`actual_change` and `model_change_median` give the change from the origin year: the actual one, and the
median over replicates of each replicate's change from its own origin-year value (window start only), so
that the sign and size of a turn (2020's fall) can be read apart from the level.

Errors: absolute, percentage and MASE (absolute error over the in-sample mean absolute one-year
change up to the origin); coverage: whether each 80% band held the actual value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from jobsim.calibration.calibrate import MISS_SDS, CalibrationError, baseline_scenario, calibrate, calibration_scale
from jobsim.calibration.forecast import ForecastError, check_origin, forecast_for, series_for
from jobsim.model.core.runspec import RunSpec
from jobsim.model.experiments.ensemble import (posterior_draw_index, replicate_seeds, scenario_parameters,
                                               scenario_uncertainties)
from jobsim.model.inputs.choices import ChoiceError
from jobsim.model.inputs.history import load_history
from jobsim.model.inputs.regions import area_facts
from jobsim.model.inputs.registry import indicators, lever_ids
from jobsim.model.inputs.units import to_base
from jobsim.model.outputs.indicators import region_yearly

COLUMNS = ["origin", "period", "actual", "forecast", "forecast_lo80", "forecast_hi80", "model_median",
           "model_lo80", "model_hi80", "naive",
           "model_fg_median", "model_fg_lo80", "model_fg_hi80", "forecast_model", "growth_realised", "growth_forecast",
           "actual_change", "model_change_median",
           "abs_error_forecast", "abs_error_model", "abs_error_model_fg", "abs_error_naive",
           "pct_error_forecast", "pct_error_model", "pct_error_model_fg", "pct_error_naive",
           "mase_forecast", "mase_model", "mase_model_fg", "mase_naive",
           "forecast_covered_80", "model_covered_80", "model_fg_covered_80"]
METHODS = ("forecast", "model", "model_fg", "naive")
START_CHOICES = ("window", "origin")
GROWTH_INDICATOR = "gdp_real_growth"


class BacktestError(ValueError):
    """A back-test that cannot be run (unknown series, no actuals after the origin, too little data)."""


@dataclass
class Backtest:
    region: str
    indicator: str
    unit: str
    table: pd.DataFrame  # one row per origin and period (COLUMNS)
    calibrations: dict[int, dict[str, float]]
    warnings: dict[int, list[str]] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Mean errors and coverage per method over every origin and period with an actual value."""
        t = self.table.dropna(subset=["actual"])
        rows = []
        for method in METHODS:
            covered = f"{method}_covered_80"
            lo, hi = f"{method}_lo80", f"{method}_hi80"
            rows.append({
                "method": method, "n": int(t[f"abs_error_{method}"].notna().sum()),
                "mean_abs_error": t[f"abs_error_{method}"].mean(),
                "mean_abs_pct_error": t[f"pct_error_{method}"].abs().mean(),
                "mean_mase": t[f"mase_{method}"].mean(),
                "coverage_80": t[covered].astype(float).mean() if covered in t else np.nan,
                "mean_band_width_80": (t[hi] - t[lo]).mean() if lo in t else np.nan,
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


def growth_forecast(region: str, origin: int, years: list[int], history: pd.DataFrame) -> dict[int, float] | None:
    """Real GDP growth for `years` as forecast from data up to `origin` (the default paths' method);
    None when the region has too little growth history of its own."""
    from jobsim.calibration.growth_paths import GROWTH_CANDIDATES
    try:
        fc = forecast_for(region, GROWTH_INDICATOR, origin=origin, horizon=years[-1] - origin, history=history,
                          candidates=GROWTH_CANDIDATES)
    except ForecastError:
        return None
    path = {int(str(r["period"])[:4]): float(r["mean"]) for _, r in fc.table.iterrows()}
    return {y: path[y] for y in years} if all(y in path for y in years) else None


def backtest(region: str, indicator: str, origins: list[int], horizon: int = 3, data_files: list[Path] | None = None,
             replicates: int = 20, seed: int = 7, quick: bool = True, workers: int = 2, progress=None,
             scale: float | None = None, calibration: dict | None = None, start: str = "window") -> Backtest:
    """Back-test `indicator` of `region` from each origin year over `horizon` years (module docstring).
    `scale` (default: the region's run scale) applies to the calibration and the projections alike;
    `calibration` passes search settings to `calibrate` (e.g. particles, max_evaluations); `start` is
    where the projections start, one of START_CHOICES (module docstring)."""
    try:
        check_start(start)
    except ChoiceError as e:
        raise BacktestError(f"start: {e}") from None
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
    rows, calibrations, warnings = [], {}, {}
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
        origin_actual = float(past.iloc[-1]) if past.index[-1].year == origin else np.nan
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
        try:
            cal = calibrate(region, through=origin, data_files=data_files, quick=quick, workers=workers, seed=seed,
                            scale=scale, **(calibration or {}))
        except CalibrationError as e:
            raise BacktestError(f"origin {origin}: {e}") from None
        calibrations[origin] = cal.values
        warnings[origin] = list(cal.warnings) + window_fit_warnings(cal, variable, indicator, quick)
        if progress:
            progress(f"origin {origin}: projecting {years[0]}-{years[-1]} ({replicates} replicates x 2 growth paths)")
        realised = scenario_uncertainties(baseline_scenario(region, years[0], years[-1]))
        fg = growth_forecast(region, origin, years, history)
        sims = project(region, years, cal, start=start, replicates=replicates, seed=seed,
                       scale=scale or calibration_scale(region), variable=variable, factor=factor,
                       growth_forecast=fg)
        for k, y in enumerate(years):
            f = fct.get(y)
            row = {"origin": origin, "period": y, "actual": actual[y],
                   "forecast": float(f["mean"]) if f is not None else np.nan,
                   "forecast_lo80": float(f["lo80"]) if f is not None else np.nan,
                   "forecast_hi80": float(f["hi80"]) if f is not None else np.nan,
                   "forecast_model": str(f["model"]) if f is not None else "", "naive": naive,
                   "growth_realised": realised.gdp_real_growth_percent.get(y, np.nan),
                   "growth_forecast": fg[y] if fg else np.nan,
                   # the change from the origin year: the actual one, and each replicate's from its own
                   # origin-year value (a window start only: the sign and size of a turn, e.g. 2020's fall)
                   "actual_change": actual[y] - origin_actual,
                   "model_change_median": float(np.median(sims["model"][:, k + 1] - sims["model"][:, 0]))
                   if start == "window" else np.nan}
            for method in ("model", "model_fg"):
                if method in sims:
                    col = sims[method][:, k + 1]
                    row[f"{method}_median"] = float(np.median(col))
                    row[f"{method}_lo80"] = float(np.quantile(col, 0.1))
                    row[f"{method}_hi80"] = float(np.quantile(col, 0.9))
                else:
                    row[f"{method}_median"] = row[f"{method}_lo80"] = row[f"{method}_hi80"] = np.nan
            a = actual[y]
            for method, pred in (("forecast", row["forecast"]), ("model", row["model_median"]),
                                 ("model_fg", row["model_fg_median"]), ("naive", naive)):
                err = pred - a
                row[f"abs_error_{method}"] = abs(err)
                row[f"pct_error_{method}"] = 100 * err / a if a else np.nan
                row[f"mase_{method}"] = abs(err) / scale_mase if scale_mase and np.isfinite(scale_mase) else np.nan
            for method in ("forecast", "model", "model_fg"):
                lo, hi = row[f"{method}_lo80"], row[f"{method}_hi80"]
                row[f"{method}_covered_80"] = bool(lo <= a <= hi) if np.isfinite(a) and np.isfinite(lo) else np.nan
            rows.append(row)
    return Backtest(region, indicator, unit, pd.DataFrame(rows, columns=COLUMNS), calibrations, warnings)


def check_start(start: str) -> str:
    """`start` if it is one of START_CHOICES (where a back-test's projections start); ChoiceError otherwise."""
    if start not in START_CHOICES:
        raise ChoiceError(f"{start!r} is not a projection start; allowed: {', '.join(START_CHOICES)}")
    return start


def window_fit_warnings(cal, variable: str, indicator: str, quick: bool) -> list[str]:
    """A warning when the origin's calibration misses the back-tested indicator's own yearly values in its
    window by more than MISS_SDS: a window-start projection carries on from that miss (China's quick
    calibration at 2019: every year 10-13 sds high, and 1,990万 projected for 2020)."""
    missed = [m for m in cal.moments if m.get("fitted", True) and m.get("variable") == variable
              and m.get("kind", "mean") == "mean" and len(m.get("years", [])) == 1
              and (not np.isfinite(m["z"]) or abs(m["z"]) > MISS_SDS)]
    if not missed:
        return []
    shown = ", ".join(f"{m['years'][0]} {m['z']:+.1f}" for m in missed)
    return [f"the calibration misses {indicator} in its window by more than {MISS_SDS:g} sds ({shown}); the "
            "projection carries on from that miss" + ("; a thorough calibration (--thorough) may fit it" if quick else "")]


def projection_specs(region: str, years: list[int], cal, *, start: str, replicates: int, seed: int, scale: float,
                     growth_forecast: dict[int, float] | None = None) -> dict[str, list[RunSpec]]:
    """The runs of a back-test's projections for `years` given a calibration `cal` with data up to
    years[0] - 1: {"model": one RunSpec per replicate with the realised growth, "model_fg": the same with
    `growth_forecast` for `years` (absent without one)}. With start="window" a spec is the calibration's
    own simulation (its window's first year, structure, levers, growth) carried on to years[-1]."""
    first = int(cal.info["window"][0]) if start == "window" else years[0]
    scenario = baseline_scenario(region, first, years[-1])
    realised = scenario_uncertainties(scenario)
    # As the calibration resolves them: date-keyed values at 1 January of the first simulated year.
    point = scenario_parameters(scenario, use_calibrated=False).with_overrides(cal.values, origin="calibrated").values
    names = list(cal.values)
    draws = [{names[int(k[1:])]: v for k, v in d.items()} for d in cal.draws] or [cal.values]
    levers = {lever: scenario.lever_values(lever) for lever in lever_ids()}
    facts = area_facts(region, as_of=first)
    growth_paths = {"model": realised.gdp_real_growth_percent}
    if growth_forecast is not None:  # the years up to the origin were known at the origin: realised
        growth_paths["model_fg"] = {**realised.gdp_real_growth_percent, **growth_forecast}
    specs = {}
    for method, growth in growth_paths.items():
        specs[method] = []
        for s in replicate_seeds(seed, replicates):
            # As in every ensemble; taking draw k for replicate k sampled only the best-fitting particles
            # (China 2017: 847.5万 from them against 1,222.5万 at the posterior medians).
            params = dict(point, **draws[posterior_draw_index(s, len(draws))])
            specs[method].append(RunSpec(region, facts, first, years[-1], levers, params, seed=s, scale=scale,
                                         gdp_real_growth_percent=growth,
                                         graduates_multiplier=realised.graduates_multiplier,
                                         parameter_paths=realised.parameter_paths))
    return specs


def project(region: str, years: list[int], cal, *, start: str, replicates: int, seed: int, scale: float,
            variable: str, factor: float = 1.0, growth_forecast: dict[int, float] | None = None) -> dict[str, np.ndarray]:
    """`variable` (divided by `factor`) in the origin year and `years`, replicates x (1 + len(years)), for each
    of `projection_specs`; column 0, the origin year, is NaN for a run that starts after it (start="origin")."""
    sims = {}
    for method, specs in projection_specs(region, years, cal, start=start, replicates=replicates, seed=seed,
                                          scale=scale, growth_forecast=growth_forecast).items():
        out = []
        for spec in specs:
            m = spec.build()
            m.run()
            values = region_yearly(m.recorder, [variable])[variable] / factor
            out.append(values[-len(years) - 1:] if len(values) > len(years) else np.r_[np.nan, values])
        sims[method] = np.array(out)
    return sims
