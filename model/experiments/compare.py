"""Comparing scenarios: paired differences against a baseline (common random numbers), cost per extra job."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobsim.model.outputs.results import SPENDING, period_totals


def compare(datasets: dict, area: str | None = None) -> pd.DataFrame:
    """Scenario comparison against the first (the baseline), paired by replicate (common random numbers)."""
    names = list(datasets)
    base = period_totals(datasets[names[0]], area)
    rows = []
    for name in names:
        t = period_totals(datasets[name], area)
        spend = t[list(SPENDING)].sum(axis=1)
        extra_jobs = t["new_urban_jobs"] - base["new_urban_jobs"]
        extra_cost = spend - base[list(SPENDING)].sum(axis=1)
        row = {
            "scenario": name,
            "new_urban_jobs_10k": np.median(t["new_urban_jobs"]) / 1e4,
            "new_jobs_p10": np.quantile(t["new_urban_jobs"], 0.1) / 1e4,
            "new_jobs_p90": np.quantile(t["new_urban_jobs"], 0.9) / 1e4,
            "surveyed_unemployment_pct": np.median(t["surveyed_unemployment_rate"]) * 100,
            "spending_100m_yuan": np.median(spend) / 1e8,
            "extra_jobs_vs_baseline_10k": np.mean(extra_jobs) / 1e4,
            "extra_jobs_se_10k": np.std(extra_jobs, ddof=1) / np.sqrt(len(extra_jobs)) / 1e4 if len(extra_jobs) > 1 else np.nan,
            "extra_cost_100m_yuan": np.mean(extra_cost) / 1e8,
        }
        mean_jobs = np.mean(extra_jobs)
        row["cost_per_extra_job_yuan"] = (np.mean(extra_cost) / mean_jobs) if name != names[0] and mean_jobs > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
