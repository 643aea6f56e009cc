"""The calibration's moments: what the data say about a region over a window of history years.

A calibration simulates the region's baseline over a window of history years (`WINDOW_YEARS`
ending at the calibration's `through` year) with the realised growth path, and holds it to:

- every full-year value the history has in the window for new urban jobs, rural labour
  transferred, hard-to-employ placed, re-employment, the registered rate and the surveyed rate
  (yearly means of complete years where the surveyed rate is monthly), and the primary sector's
  share of employment (the year-end structure figure; it pins how fast farm workers leave farming,
  which nothing else in the data does where no rural-transfer count is published, as for China);
- the multi-year totals the history has inside the window (Jiangxi 2016-2020: 267万 new urban
  jobs, 303.5万 rural transfer, 28万 hard-to-employ placed);
- the downturn: the change of new urban jobs from the year before `DOWNTURN_YEAR` to it, given
  the realised growth path (it repeats information in the yearly values, deliberately: a planner
  asks first whether the model gets a downturn right);
- persons supported per yuan of guaranteed loans (from a window's loan total and persons total:
  Jiangxi's 740亿 and 278万人次 2016-2020), a ratio because the loan volume is a lever;
- the employment structure's trend: the yearly growth of urban employment between the sourced
  points around the window, as the change of the model's urban employed over the window. It is a
  check, not fitted (`fitted=False`): the model keeps each person's urban or rural residence for
  life, so the urbanisation that drives most of the data's growth (Jiangxi 2012-2020: +3.5% a year)
  is outside it, and fitting it would bend every other parameter;
- vacancies per job-seeker (the job centres' 求人倍率) in every window year;
- where the region publishes no surveyed rate, the national yearly rate as a proxy, with a wide sd.

Each moment's sd is its assumed measurement error (`data/economy/measurement_error.csv`, read by
jobsim.model.inputs.market_facts), not the width of a forecast. Moments are in base units
(persons per year, fractions, persons per yuan).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

WINDOW_YEARS = 5
# The year of the downturn the calibration must reproduce (COVID-19: real GDP growth fell from about
# 6% to 2-4% in every bundled region; data/economy/gdp_real_growth_paths.csv).
DOWNTURN_YEAR = 2020
LEVEL_INDICATORS = ("new_urban_jobs", "rural_labour_transferred", "hard_to_employ_employed",
                    "reemployment_of_unemployed", "registered_unemployment_rate", "surveyed_unemployment_rate",
                    "employment_share_primary")
TOTAL_INDICATORS = ("new_urban_jobs", "rural_labour_transferred", "hard_to_employ_employed",
                    "reemployment_of_unemployed")
NATIONAL_REGION = "China"
# A figure whose history row flags a possible label conflict (two sources count different things under
# one name: Jiangxi's 2016 re-employment, 6.73万 against 17.7万 in 2020) is kept with its sd tripled:
# it still says something about the level, but not at the precision of a clean count.
LABEL_CONFLICT = "label conflict"
LABEL_CONFLICT_SD_FACTOR = 3.0


class MomentError(ValueError):
    """No moments can be built (a region without history in the window)."""


@dataclass
class Moment:
    """A figure the simulated window must reproduce.

    kind: `mean` (mean of the yearly values over `years`; one year = that year's value), `total`
    (their sum), `change` (last year's value minus the first's), `log_change` (log of last over first;
    for stocks at December), `ratio` (sum of `variable` over sum of `denominator`)."""

    name: str
    variable: str
    years: list[int]
    target: float
    sd: float
    source: str
    kind: str = "mean"
    denominator: str | None = None
    error_basis: str = ""
    # False: reported beside the fit (its posterior predictive band and miss) but left out of the
    # distance, for a figure the model cannot produce by construction (the note says why).
    fitted: bool = True
    note: str = ""

    def simulated(self, year_values: dict[str, np.ndarray], years: list[int]) -> float:
        """From yearly values of one run (variable -> array over `years`)."""
        pos = [years.index(y) for y in self.years]
        v = np.asarray(year_values[self.variable], float)[pos]
        if self.kind == "mean":
            return float(np.mean(v))
        if self.kind == "total":
            return float(np.sum(v))
        if self.kind == "change":
            return float(v[-1] - v[0])
        if self.kind == "log_change":
            return float(np.log(v[-1] / v[0])) if v[0] > 0 and v[-1] > 0 else float("nan")
        if self.kind == "ratio":
            den = float(np.sum(np.asarray(year_values[self.denominator], float)[pos]))
            return float(np.sum(v)) / den if den > 0 else float("nan")
        raise ValueError(f"moment {self.name!r}: kind {self.kind!r}; allowed: mean, total, change, log_change, ratio")


def _model_variable(indicator: str) -> str:
    from jobsim.model.inputs.registry import indicators
    return str(indicators().at[indicator, "model_variable"])


def _flagged_years(ext) -> set[int]:
    """Years whose used history row carries a label-conflict note."""
    used = ext.used
    if used is None or used.empty or "note" not in used:
        return set()
    return {int(str(p)[:4]) for p, n in zip(used["period"], used["note"]) if LABEL_CONFLICT in str(n).lower()}


def _yearly_values(history: pd.DataFrame, region: str, indicator: str, through: int | None,
                   flagged: set[int] | None = None) -> tuple[pd.Series, str]:
    """Full-year values by year (int index) in the indicator's unit, and the unit; empty when none.
    `flagged`, if given, receives the years whose row notes a label conflict."""
    from jobsim.calibration.forecast import ForecastError, series_for

    try:
        # Read without an origin (series_for refuses one after the series' last year, which would drop a
        # series that simply ended before `through`) and keep the years up to `through` below.
        series, ext = series_for(history, region, indicator, origin=None, max_gap_years=None)
    except ForecastError:
        return pd.Series(dtype=float), ""
    if through is not None:
        series = series[[p.year <= through for p in series.index]]
    if flagged is not None:
        flagged |= _flagged_years(ext)
    obs = series.dropna()
    if not obs.empty and obs.index.freqstr.startswith("M"):
        # A monthly series: the published yearly means (January-December `mean` rows) where there are
        # any, else the mean of a year's twelve months when all twelve are there.
        by_year = obs.groupby(obs.index.year).agg(["mean", "count"])
        values = by_year[by_year["count"] == 12]["mean"].to_dict()
        h = history[(history["region"] == ext.region) & (history["indicator"] == indicator) & (history["stat"] == "mean")]
        if not h.empty:
            start = pd.PeriodIndex(h["start"].astype(str), freq="M")
            end = pd.PeriodIndex(h["end"].astype(str), freq="M")
            full = (start.month == 1) & (end.month == 12) & (start.year == end.year)
            if through is not None:
                full &= end.year <= through
            for year, value in zip(end.year[full], h["value"][full].astype(float)):
                values[int(year)] = float(value)
        out = pd.Series(values, dtype=float).sort_index()
        return pd.Series(out.values, index=out.index.astype(int)), ext.unit
    return pd.Series(obs.values, index=[p.year for p in obs.index]), ext.unit


def _multi_year_totals(history: pd.DataFrame, region: str, indicator: str, years: list[int]) -> list[tuple[int, int, float, str, str]]:
    """(first, last, mean value, unit, source) of each January-December window of two or more years
    inside `years` (several rows for one window: their mean)."""
    h = history[(history["region"] == region) & (history["indicator"] == indicator) & (history["stat"] == "sum")]
    out = []
    if h.empty:
        return out
    start = pd.PeriodIndex(h["start"].astype(str), freq="M")
    end = pd.PeriodIndex(h["end"].astype(str), freq="M")
    ok = (start.month == 1) & (end.month == 12) & (end.year > start.year) & (start.year >= years[0]) & (end.year <= years[-1])
    rows = h[ok].assign(first=start[ok].year, last=end[ok].year)
    for (first, last), grp in rows.groupby(["first", "last"]):
        out.append((int(first), int(last), float(grp["value"].astype(float).mean()), str(grp["unit"].iloc[0]),
                    "; ".join(str(u) for u in grp["source_url"])))
    return out


def _loans_to_jobs(history: pd.DataFrame, region: str, through: int | None) -> tuple[float, str] | None:
    """Persons supported per yuan: loan_supported_person_times / guaranteed_loans_issued over the latest
    window they share that ends by `through`."""
    from jobsim.model.inputs.units import to_base
    h = history[(history["region"] == region) & (history["stat"] == "sum")]
    loans = h[h["indicator"] == "guaranteed_loans_issued"]
    jobs = h[h["indicator"] == "loan_supported_person_times"]
    best = None
    for _, lr in loans.iterrows():
        same = jobs[(jobs["start"] == lr["start"]) & (jobs["end"] == lr["end"])]
        if same.empty or (through is not None and pd.Period(str(lr["end"]), "M").year > through):
            continue
        jr = same.iloc[0]
        value = to_base(jr["value"], jr["unit"]) / to_base(lr["value"], lr["unit"])
        text = (f"history {region}: {jr['value']:g} {jr['unit']} supported by {lr['value']:g} {lr['unit']} "
                f"of loans, {lr['start']}..{lr['end']}")
        if best is None or str(lr["end"]) > best[2]:
            best = (value, text, str(lr["end"]))
    return None if best is None else (best[0], best[1])


def _stock_points(history: pd.DataFrame, region: str, indicator: str) -> pd.Series:
    """December (or census) levels of a stock by year, in its unit."""
    h = history[(history["region"] == region) & (history["indicator"] == indicator) & (history["stat"] == "end")]
    if h.empty:
        return pd.Series(dtype=float)
    years = pd.PeriodIndex(h["end"].astype(str), freq="M").year
    return pd.Series(h["value"].astype(float).values, index=years).groupby(level=0).mean().sort_index()


def build_moments(region: str, years: list[int], through: int | None = None,
                  history: pd.DataFrame | None = None) -> tuple[list[Moment], dict]:
    """The moments of `region` for a simulation over the window `years`, from history whose windows end
    by `through` (default: the window's last year). Returns (moments, data vintage)."""
    from jobsim.model.inputs.history import load_history
    from jobsim.model.inputs.market_facts import measurement_errors, vacancies_per_job_seeker
    from jobsim.model.inputs.units import to_base

    history = load_history() if history is None else history
    through = years[-1] if through is None else min(through, years[-1])
    errors = measurement_errors()
    moments: list[Moment] = []
    latest: list[int] = []
    yearly: dict[str, pd.Series] = {}
    for indicator in LEVEL_INDICATORS:
        flagged: set[int] = set()
        values, unit = _yearly_values(history, region, indicator, through, flagged)
        values = values[(values.index >= years[0]) & (values.index <= years[-1])]
        if values.empty:
            continue
        yearly[indicator] = values
        err = errors[indicator]
        factor = to_base(1.0, unit)
        for y, v in values.items():
            level = float(v) * factor
            sd, basis = err.sd(level), err.basis
            if int(y) in flagged:
                sd *= LABEL_CONFLICT_SD_FACTOR
                basis += "; tripled: the history row notes a possible label conflict"
            moments.append(Moment(f"{indicator} {y}", _model_variable(indicator), [int(y)], level, sd,
                                  f"history {region} {indicator} {y}: {v:.4g} {unit}", error_basis=basis))
            latest.append(int(y))
    for indicator in TOTAL_INDICATORS:
        err = errors[indicator]
        for first, last, value, unit, source in _multi_year_totals(history, region, indicator, years):
            level = value * to_base(1.0, unit)
            moments.append(Moment(f"{indicator} {first}-{last} total", _model_variable(indicator),
                                  list(range(first, last + 1)), level, err.sd(level),
                                  f"history {region} {indicator} {first}-{last}: {value:g} {unit} ({source})",
                                  kind="total", error_basis=err.basis))
            latest.append(last)
    nuj = yearly.get("new_urban_jobs")
    if nuj is not None and DOWNTURN_YEAR in nuj.index and DOWNTURN_YEAR - 1 in nuj.index:
        err = errors["new_urban_jobs"]
        before, after = (float(nuj[y]) * 1e4 for y in (DOWNTURN_YEAR - 1, DOWNTURN_YEAR))
        # The two years' errors are taken as independent: the change's sd is their root sum of squares.
        moments.append(Moment(f"new_urban_jobs change {DOWNTURN_YEAR - 1}-{DOWNTURN_YEAR} (downturn)", "new_urban_jobs",
                              [DOWNTURN_YEAR - 1, DOWNTURN_YEAR], after - before, math.hypot(err.sd(before), err.sd(after)),
                              f"history {region} new_urban_jobs {DOWNTURN_YEAR - 1} and {DOWNTURN_YEAR}: "
                              f"{before / 1e4:g} and {after / 1e4:g} 10k persons", kind="change", error_basis=err.basis))
    if "surveyed_unemployment_rate" not in yearly and region != NATIONAL_REGION:
        # Read without an origin (one after the national data's last year is refused) and cut at `through`.
        national, _ = _yearly_values(history, NATIONAL_REGION, "surveyed_unemployment_rate", None)
        national = national[national.index <= through]
        err = errors["surveyed_unemployment_rate_proxy"]
        for y in years:
            if y in national.index:
                level = float(national[y]) / 100
                moments.append(Moment(f"surveyed_unemployment_rate {y} (national proxy)", "surveyed_unemployment_rate",
                                      [y], level, err.sd(level), f"history China surveyed_unemployment_rate {y} "
                                      f"(yearly mean): {level * 100:.2f} percent; {region} publishes none in the data",
                                      error_basis=err.basis))
    ratios = vacancies_per_job_seeker()
    err = errors["vacancies_per_job_seeker"]
    # One sourced level held in every window year: the weight of one moment is spread over the years
    # (each year's sd times sqrt(years)), since the years do not add independent observations.
    sd_one = max(ratios.sd, err.sd(ratios.mean))
    for y in years:
        moments.append(Moment(f"vacancies per job-seeker {y} (求人倍率)", "vacancies_per_job_seeker", [y], ratios.mean,
                              sd_one * math.sqrt(len(years)),
                              "job centres' vacancies per job-seeker " + ", ".join(
                                  f"{p} {v:g}" for p, v in zip(ratios.periods, ratios.values))
                              + " (data/economy/vacancies_per_job_seeker.csv)", error_basis=err.basis))
    loans = _loans_to_jobs(history, region, through)
    if loans is not None:
        value, text = loans
        err = errors["loans_per_person"]
        moments.append(Moment("persons supported per yuan of guaranteed loans", "startup_jobs", list(years), value,
                              err.sd(value), text, kind="ratio", denominator="guaranteed_loans_issued_yuan",
                              error_basis=err.basis))
    points = _stock_points(history, region, "urban_employment")
    points = points[points.index <= through]
    if len(points) >= 2 and len(years) >= 2:
        # The sourced points nearest the window on either side (or the last two), as a yearly log growth.
        before = points[points.index <= years[0]]
        y1 = int(before.index[-1]) if not before.empty else int(points.index[0])
        y2 = int(points.index[-1])
        if y2 > y1:
            err = errors["urban_employment"]
            growth = math.log(points[y2] / points[y1]) / (y2 - y1)
            span = len(years) - 1
            sd = math.sqrt(2) * err.relative_sd / (y2 - y1) * span
            moments.append(Moment(f"urban employment growth {years[0]}-{years[-1]} (structure trend)", "urban_employed",
                                  [years[0], years[-1]], growth * span, sd,
                                  f"history {region} urban_employment {y1}: {points[y1]:g}, {y2}: {points[y2]:g} "
                                  f"10k persons ({100 * growth:.2f}% a year)", kind="log_change", error_basis=err.basis,
                                  fitted=False, note="a check, not fitted: the model has no change of residence "
                                  "from rural to urban, which drives most of the data's growth"))
    own = [m for m in moments if not m.name.endswith("(national proxy)") and "求人倍率" not in m.name]
    if not moments:
        raise MomentError(f"{region}: no history in {years[0]}-{years[-1]} (up to {through}) to calibrate to; "
                          f"add full-year rows for {', '.join(LEVEL_INDICATORS)} to a data folder's history.csv")
    return moments, {"window": [years[0], years[-1]], "through": through,
                     "latest_year_used": max(latest) if latest else None, "own_moments": len(own)}


def default_through(region: str, history: pd.DataFrame, fallback: int) -> int:
    """The latest year with a full-year value of any level indicator for `region` (a user's newer
    figures, `--data`, move it on); `fallback` when the data have none."""
    best = None
    for indicator in LEVEL_INDICATORS:
        values, _ = _yearly_values(history, region, indicator, None)
        if not values.empty:
            best = max(best or 0, int(values.index.max()))
    return best if best is not None else fallback
