"""Comparing scenarios: gross and net effects against a baseline, paired by replicate (common random
numbers), with their standard errors, and the cost per extra job.

New urban jobs (城镇新增就业) is a gross flow: a person laid off and re-hired within the year counts
again, so a lever that creates churn can raise it without adding a job held (DOMAIN.md, "Gross and
net"). Each scenario is therefore set against the baseline on four measures side by side:

- counted new urban jobs over the period (the official gross flow, summed over the years);
- jobs held at the end of the period (`jobs_held` in the last December: every employed person);
- person-years employed over the period (`person_years_employed`, summed: the mean month-end jobs
  held of each year, added over the years);
- the surveyed unemployment rate, averaged over the period's years (each year the mean of its months).

A scenario's effect on a measure is the mean over replicates of its difference from the baseline's
replicate run with the same seed (the bundled what-ifs share the baseline's seed, so a difference is
the levers' and not the random draws'), and its standard error is the standard deviation of those
differences over the square root of their number. Two ensembles whose replicate seeds differ (or
that have different numbers of replicates) cannot be paired: the effect is then the difference of
the means and the standard error Welch's, sqrt(var_a/n_a + var_b/n_b), and `paired` says False.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from jobsim.model.outputs.results import SPENDING, display_unit, period_totals

SEED_VARIABLE = "replicate_seed"


@dataclass(frozen=True)
class Measure:
    """One measure the comparison reports: its column stem, the output variable, and how the period is read."""

    column: str
    variable: str
    over_period: str  # how period_totals reads it (flows summed, rates averaged, stocks at the end)


MEASURES = (
    Measure("new_urban_jobs", "new_urban_jobs", "total over the period (gross flow)"),
    Measure("jobs_held_end", "jobs_held", "at the end of the period"),
    Measure("person_years", "person_years_employed", "total over the period"),
    Measure("surveyed_unemployment", "surveyed_unemployment_rate", "mean over the period"),
)
# Column suffix of each planners' unit (the column's values are in that unit).
_SUFFIX = {"10k persons": "10k", "10k person-years": "10k", "percent": "pct"}
# A difference of rates is in percentage points, not percent.
_DIFF_SUFFIX = {"percent": "pp"}


def measure_columns(m: Measure) -> tuple[str, str, str, str]:
    """(level column, difference column, its standard-error column, planners' unit of the level)."""
    unit, _ = display_unit(m.variable)
    s = _SUFFIX.get(unit, unit.replace(" ", "_"))
    d = _DIFF_SUFFIX.get(unit, s)
    return f"{m.column}_{s}", f"{m.column}_diff_{d}", f"{m.column}_diff_se_{d}", unit


def _seeds(ds: xr.Dataset) -> np.ndarray | None:
    return np.asarray(ds[SEED_VARIABLE].values).ravel() if SEED_VARIABLE in ds else None


def is_paired(a: xr.Dataset, b: xr.Dataset) -> bool:
    """Whether two ensembles ran the same replicates: the same replicate seeds, in the same order."""
    sa, sb = _seeds(a), _seeds(b)
    return sa is not None and sb is not None and len(sa) == len(sb) and bool(np.array_equal(sa, sb))


def difference(x: np.ndarray, base: np.ndarray, paired: bool) -> tuple[float, float]:
    """(effect, standard error) of x against base: paired by replicate, or as two independent samples."""
    x, base = np.asarray(x, float), np.asarray(base, float)
    if paired:
        d = x - base
        se = np.std(d, ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan
        return float(np.mean(d)), float(se)
    if len(x) < 2 or len(base) < 2:
        return float(np.mean(x) - np.mean(base)), np.nan
    se = np.sqrt(np.var(x, ddof=1) / len(x) + np.var(base, ddof=1) / len(base))
    return float(np.mean(x) - np.mean(base)), float(se)


def compare(datasets: dict, area: str | None = None) -> pd.DataFrame:
    """Scenario comparison against the first (the baseline), one row per scenario (the baseline's
    differences are 0). For each measure of `MEASURES`: the median over replicates (`<measure>_<unit>`)
    and the effect against the baseline with its standard error (`<measure>_diff_<unit>`,
    `<measure>_diff_se_<unit>`; a rate's in percentage points); also the 10-90% range of new urban
    jobs, spending, the extra cost, and the cost per extra counted job and per extra job held at the
    end (NaN where the extra is not positive). A measure a Dataset lacks (a result file written
    before it existed) is NaN."""
    names = list(datasets)
    base_ds = datasets[names[0]]
    base = period_totals(base_ds, area)
    base_spend = base[list(SPENDING)].sum(axis=1).to_numpy()
    rows = []
    for name in names:
        ds = datasets[name]
        t = period_totals(ds, area)
        paired = is_paired(ds, base_ds)
        spend = t[list(SPENDING)].sum(axis=1).to_numpy()
        row: dict[str, object] = {"scenario": name, "replicates": len(t), "paired": paired}
        effects: dict[str, float] = {}
        for m in MEASURES:
            level, diff, se, unit = measure_columns(m)
            _, factor = display_unit(m.variable)
            if m.variable not in t or m.variable not in base:  # a result written before the variable existed
                row[level] = row[diff] = row[se] = np.nan
                effects[m.variable] = np.nan
                continue
            values = t[m.variable].to_numpy() * factor
            row[level] = float(np.median(values))
            if m.column == "new_urban_jobs":
                row["new_jobs_p10"] = float(np.quantile(values, 0.1))
                row["new_jobs_p90"] = float(np.quantile(values, 0.9))
            effect, error = difference(t[m.variable].to_numpy(), base[m.variable].to_numpy(), paired)
            effects[m.variable] = effect  # base units
            row[diff], row[se] = effect * factor, error * factor
        row["spending_100m_yuan"] = float(np.median(spend)) / 1e8
        extra_cost, _ = difference(spend, base_spend, paired)
        row["extra_cost_100m_yuan"] = extra_cost / 1e8
        row["cost_per_extra_job_yuan"] = _cost_per(extra_cost, effects["new_urban_jobs"], name != names[0])
        row["cost_per_extra_job_held_yuan"] = _cost_per(extra_cost, effects["jobs_held"], name != names[0])
        rows.append(row)
    return pd.DataFrame(rows)


def _cost_per(extra_cost: float, extra: float, is_scenario: bool) -> float:
    return extra_cost / extra if is_scenario and extra > 0 else np.nan  # NaN > 0 is False
