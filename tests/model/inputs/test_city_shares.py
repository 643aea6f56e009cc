"""The city level adds up to something real (issue 9, item 7).

Two kinds of check:

- data: every city fact the model is built from (`AreaFacts`) says where it comes from (a sourced or
  derived row with its source, a derived row with its arithmetic, an assumption with its reasoning),
  and no city fact is taken from the 2021 city task table, which is the sanity check below and must
  not be an input (the one exception, `ui_insured`, is stated in data/README.md);
- model: in the Jiangxi baseline, each city's share of the province's 2021 new urban jobs lies within a
  factor 1.5 of its share of the 2021 task table (../shared/data/jiangxi_2021_city_targets.csv, also
  target set `jiangxi_2021` in data/targets.csv).

Monte-Carlo: the model check runs 2021 alone at 1000 persons per agent, REPLICATES replicates, the
scenario's seed, bundled (uncalibrated) parameters like the rest of the model suite. A city's share is
pooled over the replicates (its jobs over the cities' jobs); its standard error is the replicates'
standard deviation of the share over sqrt(REPLICATES). A city fails only if the whole interval
share +/- MC_SIGMAS standard errors lies outside [task share / 1.5, task share x 1.5]. At 1:1000 a
small city's yearly net new jobs are 10-20 agents, so one replicate's share varies by 30-50%; with 12
replicates the standard error is about 10% of the share.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from jobsim.model.core.facts import AreaFacts
from jobsim.model.experiments.ensemble import run_scenario
from jobsim.model.inputs.regions import cities_of, get_region
from jobsim.model.inputs.targets import target_set
from jobsim.model.outputs.results import yearly

FACTOR = 1.5
REPLICATES = 12
SCALE = 1000
MC_SIGMAS = 2.0
YEAR = 2021

CITY_FACT_FIELDS = [f for f in AreaFacts.__dataclass_fields__ if f not in ("id", "structure_year")]  # structure_year dates the facts; it is not one
TASK_TABLE_FILE = "jiangxi_2021_city_targets"
# City facts still taken from the city task table, each for a stated reason (data/README.md, "City facts"):
# the insured counts are a level (coverage of firm employees), not a flow, and no outcome was found.
TASK_TABLE_INPUTS_ALLOWED = {"ui_insured"}


def task_shares() -> dict[str, float]:
    """Each Jiangxi city's share of the cities' 2021 new-urban-jobs tasks (target set jiangxi_2021)."""
    targets = target_set("jiangxi_2021")
    tasks = {t.area: t.value for t in targets if t.indicator == "new_urban_jobs" and t.area != "Jiangxi"}
    assert set(tasks) == set(cities_of("Jiangxi"))
    total = sum(tasks.values())
    return {c: v / total for c, v in tasks.items()}


# ---- data -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("city", cities_of("Jiangxi"))
def test_every_city_fact_the_model_uses_says_where_it_comes_from(city):
    region = get_region(city)
    for field in CITY_FACT_FIELDS:
        row = region.fact(field)
        basis = row["basis"]
        assert basis in ("sourced", "derived", "assumption"), (city, field)
        if basis == "sourced":
            assert row["source_url"] and row["quote"], (city, field, "a sourced fact needs its source and quote")
        if basis == "derived":
            assert row["source_url"], (city, field, "a derived fact names the sources of its inputs")
            note = str(row["note"])
            assert any(ch.isdigit() for ch in note) and any(op in note for op in ("=", " x ", "/")), (
                city, field, "a derived fact shows its arithmetic in note")
        if basis == "assumption":
            assert len(str(row["note"])) > 20, (city, field, "an assumption states its reasoning")


@pytest.mark.parametrize("city", cities_of("Jiangxi"))
def test_no_city_fact_is_taken_from_the_city_task_table(city):
    """The task table is the check of the city shares, so it must not set them."""
    region, province = get_region(city), get_region("Jiangxi")
    for field in CITY_FACT_FIELDS:
        row = region.fact(field)
        if TASK_TABLE_FILE not in str(row["source_url"]) or field in TASK_TABLE_INPUTS_ALLOWED:
            continue
        # Only the province row may be used (as a last resort), the same value in every city.
        assert region.value(field) == pytest.approx(province.value(field)), (
            f"{city} {field} is taken from the city task table ({row['note']})")


# ---- model ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def city_job_shares(make_scenario):
    """City -> (pooled 2021 share of the cities' new urban jobs, its Monte-Carlo standard error)."""
    ds = run_scenario(make_scenario(YEAR, YEAR, name="city_shares_2021"), replicates=REPLICATES, scale=SCALE,
                      use_calibrated=False)
    jobs = yearly(ds)["new_urban_jobs"].sel(year=YEAR)
    cities = cities_of("Jiangxi")
    by_city = np.stack([jobs.sel(area=c).values for c in cities], axis=-1)  # (replicate, city)
    per_rep = by_city / by_city.sum(axis=1, keepdims=True)
    pooled = by_city.sum(axis=0) / by_city.sum()
    se = per_rep.std(axis=0, ddof=1) / math.sqrt(REPLICATES)
    return {c: (float(pooled[i]), float(se[i])) for i, c in enumerate(cities)}


def test_each_city_share_of_2021_new_urban_jobs_is_within_a_factor_1_5_of_its_task_share(city_job_shares):
    tasks = task_shares()
    lines, bad = [], []
    for city, (share, se) in city_job_shares.items():
        lo, hi = tasks[city] / FACTOR, tasks[city] * FACTOR
        ok = share + MC_SIGMAS * se >= lo and share - MC_SIGMAS * se <= hi
        lines.append(f"{city}: model {share:.4f} +/- {se:.4f}, task {tasks[city]:.4f}, ratio {share / tasks[city]:.2f}")
        if not ok:
            bad.append(city)
    assert not bad, f"outside a factor {FACTOR} of the task share: {bad}\n" + "\n".join(lines)
