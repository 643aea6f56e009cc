"""Comparing scenarios (model/experiments/compare.py): gross and net effects, paired by seed.

- On synthetic ensembles with known values: a scenario that only adds churn (more counted new urban
  jobs, the same jobs held and person-years) shows its extra counted jobs and no extra job held, and
  no cost per extra job held; paired differences and their standard errors are the hand-computed
  ones; ensembles with different seeds are compared as independent samples (Welch).
- On real runs with the same seed: the baseline's row is zero, every effect is the mean of the
  replicate-by-replicate differences of `period_totals`, and the command line's table shows them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from jobsim.model.experiments.compare import MEASURES, compare, measure_columns
from jobsim.model.experiments.ensemble import run_scenario
from jobsim.model.outputs.results import SPENDING, period_totals

TIME = pd.date_range("2021-01-01", periods=24, freq="MS")
AREAS = ["Region", "CityA"]
N_REP = 4


def synthetic(seed_offset: int = 0, jobs_per_month=(1e4, 1.2e4, 0.9e4, 1.1e4), held=(1e6, 1.01e6, 0.99e6, 1e6),
              rate=(0.05, 0.052, 0.049, 0.051), spending=1e8) -> xr.Dataset:
    """An ensemble with per-replicate constant monthly values (persons, fractions, yuan)."""
    dims = ("replicate", "time", "area")
    shape = (N_REP, len(TIME), len(AREAS))

    def per_rep(values) -> np.ndarray:
        return np.broadcast_to(np.asarray(values, float)[:, None, None], shape).copy()

    jobs_held = per_rep(held)
    data = {
        "new_urban_jobs": (dims, per_rep(jobs_per_month)),
        "jobs_held": (dims, jobs_held),
        "person_years_employed": (dims, jobs_held / 12),
        "surveyed_unemployment_rate": (dims, per_rep(rate)),
        "replicate_seed": (("replicate",), np.arange(N_REP) + 100 + seed_offset),
        **{name: (dims, np.full(shape, spending / len(SPENDING))) for name in SPENDING},
    }
    return xr.Dataset(data, coords={"replicate": np.arange(N_REP), "time": TIME, "area": AREAS})


def row(table: pd.DataFrame, scenario: str) -> pd.Series:
    return table.set_index("scenario").loc[scenario]


def test_churn_shows_as_counted_jobs_not_as_jobs_held():
    base = synthetic()
    churn = synthetic(jobs_per_month=np.array((1e4, 1.2e4, 0.9e4, 1.1e4)) + 5e3, spending=3e8)  # re-hires only
    r = row(compare({"base": base, "churn": churn}), "churn")
    assert r["paired"]
    assert r["new_urban_jobs_diff_10k"] == pytest.approx(5e3 * 24 / 1e4)  # 12万 more counted over two years
    assert r["new_urban_jobs_diff_se_10k"] == pytest.approx(0.0, abs=1e-12)
    assert r["jobs_held_end_diff_10k"] == 0.0 and r["person_years_diff_10k"] == 0.0
    assert r["surveyed_unemployment_diff_pp"] == 0.0
    assert r["cost_per_extra_job_yuan"] == pytest.approx(2e8 * 24 / (5e3 * 24))  # 2亿 a month more
    assert np.isnan(r["cost_per_extra_job_held_yuan"]), "churn bought no job held"


def test_paired_differences_and_standard_errors_by_hand():
    base = synthetic()
    held = np.array((1e6, 1.01e6, 0.99e6, 1e6)) + np.array((1e4, 3e4, 2e4, 0.0))
    rate = np.array((0.05, 0.052, 0.049, 0.051)) - np.array((0.001, 0.003, 0.002, 0.002))
    scen = synthetic(held=held, rate=rate)
    r = row(compare({"base": base, "more": scen}), "more")
    d_held = np.array((1e4, 3e4, 2e4, 0.0))
    assert r["jobs_held_end_diff_10k"] == pytest.approx(d_held.mean() / 1e4)
    assert r["jobs_held_end_diff_se_10k"] == pytest.approx(d_held.std(ddof=1) / np.sqrt(N_REP) / 1e4)
    d_py = d_held * 2  # two years at the (constant) jobs held
    assert r["person_years_diff_10k"] == pytest.approx(d_py.mean() / 1e4)
    assert r["person_years_diff_se_10k"] == pytest.approx(d_py.std(ddof=1) / np.sqrt(N_REP) / 1e4)
    d_rate = -np.array((0.001, 0.003, 0.002, 0.002)) * 100  # percentage points
    assert r["surveyed_unemployment_diff_pp"] == pytest.approx(d_rate.mean())
    assert r["surveyed_unemployment_diff_se_pp"] == pytest.approx(d_rate.std(ddof=1) / np.sqrt(N_REP))
    assert r["jobs_held_end_10k"] == pytest.approx(np.median(held) / 1e4)


def test_different_seeds_are_compared_as_independent_samples():
    base = synthetic()
    held = np.array((1.02e6, 1.0e6, 1.03e6, 1.01e6))
    other = synthetic(seed_offset=50, held=held)
    r = row(compare({"base": base, "other": other}), "other")
    assert not r["paired"]
    a, b = held, np.array((1e6, 1.01e6, 0.99e6, 1e6))
    assert r["jobs_held_end_diff_10k"] == pytest.approx((a.mean() - b.mean()) / 1e4)
    welch = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    assert r["jobs_held_end_diff_se_10k"] == pytest.approx(welch / 1e4)


@pytest.fixture(scope="module")
def real_pair(make_scenario):
    base = make_scenario(2021, 2022, seed=5, name="base")
    more = make_scenario(2021, 2022, seed=5, name="more_training", training_volume_person_times=1_300_000)
    return {s.name: run_scenario(s, replicates=3, scale=20_000, use_calibrated=False) for s in (base, more)}


def test_real_comparison_is_the_mean_of_replicate_differences(real_pair):
    table = compare(real_pair)
    base, more = (period_totals(ds) for ds in real_pair.values())
    b, r = row(table, "base"), row(table, "more_training")
    assert bool(r["paired"]) and int(r["replicates"]) == 3
    for m in MEASURES:
        level, diff, se, _ = measure_columns(m)
        assert b[diff] == 0.0 and b[se] == 0.0, m
        factor = 100 if m.variable.endswith("rate") else 1e-4
        d = (more[m.variable] - base[m.variable]).to_numpy() * factor
        assert r[diff] == pytest.approx(d.mean(), rel=1e-12, abs=1e-12), m
        assert r[se] == pytest.approx(d.std(ddof=1) / np.sqrt(len(d)), rel=1e-12, abs=1e-12), m
        assert r[level] == pytest.approx(np.median(more[m.variable].to_numpy() * factor), rel=1e-12), m


def test_the_command_line_shows_gross_and_net_effects(real_pair, capsys):
    """run-bundled and `jobsim compare` print the same tables (model/cli/compare.py)."""
    from jobsim.model.cli.run import print_comparison
    from jobsim.model.experiments.compare import comparison_dataset
    from jobsim.model.outputs.comparison_report import comparison_tables

    print_comparison(comparison_tables(comparison_dataset(real_pair)))
    out = capsys.readouterr().out
    for header in ("new urban jobs", "jobs held (all employed)", "person-years employed",
                   "surveyed urban unemployment rate", "Δ new urban jobs", "Δ jobs held (all employed)",
                   "Δ person-years employed", "Δ surveyed urban unemployment rate", "per extra counted job",
                   "per extra job held", "per extra job-year", "extra cost ± s.e."):
        assert header in out, header
    assert " pp" in out and "±" in out


def test_a_result_without_the_net_variables_still_compares():
    """Result files written before jobs held and person-years existed: those columns are NaN."""
    base, scen = synthetic().drop_vars(["jobs_held", "person_years_employed"]), synthetic(spending=2e8)
    r = row(compare({"base": base, "scen": scen.drop_vars(["jobs_held", "person_years_employed"])}), "scen")
    assert np.isnan(r["jobs_held_end_diff_10k"]) and np.isnan(r["person_years_10k"])
    assert r["new_urban_jobs_diff_10k"] == 0.0 and np.isnan(r["cost_per_extra_job_held_yuan"])
