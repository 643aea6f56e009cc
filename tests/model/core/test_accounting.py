"""The recorder (model/core/accounting.py) and the event counters it reads (model/core/agents.py).

- `MonthlyRecorder` keeps each month's counters and the market at the matching stage exactly as the
  model has them at the month's end.
- In a real run the four kinds of urban job entry (first jobs, re-hires after a separation in the
  same year, other returns to work, programme placements) sum to the urban job entries, area by
  area and month by month, and none of them is empty.
- Re-employment counts the registered unemployed who find work, not every job entry (an audit found
  a version counting every entry that passed every test; these would fail on it).
- The market: hires made by matching are at most the searchers and at most the vacancies, and are
  the moves from unemployment into a firm job that the matching step makes.
"""

from __future__ import annotations

import numpy as np
import pytest

from jobsim.model.core import agents as A
from jobsim.model.core.accounting import _COUNTER_FIELDS, _MARKET_FIELDS, COUNTERS, HIRE_KINDS, MARKET

SCALE = 10_000  # persons per agent: about 2,500 worker agents for Jiangxi, events every month
MONTHS = 14  # into a second year: same-year re-hires and re-hires after a year's turn both occur


@pytest.fixture(scope="module")
def real_run(make_model):
    """A Jiangxi model run for MONTHS months, with the matching step's own moves from unemployment into
    firm jobs counted by a wrapper (region total per month), and the recorder checked each month."""
    model = make_model(2021, 2022, scale=SCALE, seed=11)
    matched = []
    original = model.search_and_match

    def counting_search_and_match():
        before = model.workers.status.copy()
        original()
        after = model.workers.status[: len(before)]
        matched.append(int(np.sum((before == A.UNEMPLOYED) & (after == A.EMPLOYED_FIRM))))

    model.search_and_match = counting_search_and_match  # the instance's step calls it by this name
    for t in range(MONTHS):
        model.step()
        r, c = model.recorder, model.workers.counters
        for name in COUNTERS:
            np.testing.assert_array_equal(r.counters[name][t], getattr(c, _COUNTER_FIELDS[name]), err_msg=name)
        for name in MARKET:
            np.testing.assert_array_equal(r.market[name][t], getattr(model, _MARKET_FIELDS[name]), err_msg=name)
    return model, np.array(matched)


def test_the_recorder_keeps_counters_and_market_as_the_model_has_them(real_run):
    model, _ = real_run
    assert model.recorder.t == MONTHS  # the per-month comparison ran in the fixture, for every month


def test_the_four_kinds_of_job_entry_sum_to_urban_job_entries(real_run):
    model, _ = real_run
    c = model.recorder.counters
    kinds = sum(c[k][:MONTHS] for k in HIRE_KINDS)
    np.testing.assert_array_equal(kinds, c["urban_job_entries"][:MONTHS])  # (month, area), in agents
    for k in HIRE_KINDS:
        assert c[k][:MONTHS].sum() > 0, f"no {k} in {MONTHS} months: the check would not see it"


def _population(rows: list[dict]) -> A.WorkerPopulation:
    defaults = {"birth": 1990 * 12, "urban": True, "status": A.UNEMPLOYED, "firm": -1, "until": A.NEVER,
                "trained_until": A.NEVER, "entre_until": A.NEVER, "grad_month": A.NEVER, "search_mult": 1.0,
                "retire_month": 2060 * 12, "last_job_end": A.NEVER, "skill": 0.5}
    cols = {name: np.array([r.get(name, defaults.get(name, 0)) for r in rows], dtype=dtype)
            for name, dtype in A.WorkerPopulation.ARRAYS.items()}
    return A.WorkerPopulation(cols, A.MonthCounters(1))


def test_reemployment_counts_only_the_registered_unemployed():
    month = 2021 * 12
    w = _population([
        dict(registered=True),                     # 0 registered unemployed -> firm job: re-employed
        dict(),                                    # 1 unregistered unemployed -> firm job: not
        dict(status=A.INACTIVE),                   # 2 inactive -> self-employed: not
        dict(registered=True, hard=True),          # 3 registered -> public-welfare post: re-employed
        dict(),                                    # 4 -> internship: not a job entry at all
        dict(status=A.EMPLOYED_FIRM, firm=0),      # 5 laid off, then re-hired: an entry, not re-employment
    ])
    w.transition(np.array([5]), A.UNEMPLOYED, month)
    w.transition(np.array([0, 1, 5]), A.EMPLOYED_FIRM, month)
    w.transition(np.array([2]), A.SELF_EMPLOYED, month)
    w.transition(np.array([3]), A.SUBSIDISED_POST, month)
    w.transition(np.array([4]), A.INTERNSHIP, month)
    c = w.counters
    assert c.urban_job_entries.tolist() == [5]
    assert c.reemployment.tolist() == [2], "re-employment must count the registered unemployed only"
    assert c.hard_to_employ_placed.tolist() == [1]
    assert (c.hires_first_job + c.hires_rehire_same_year + c.hires_other + c.programme_placements).tolist() == [5]
    assert c.hires_rehire_same_year.tolist() == [1] and c.programme_placements.tolist() == [1]
    assert not w.registered[[0, 3]].any(), "finding work ends the registration"


def test_reemployment_is_fewer_than_the_job_entries_in_a_real_run(real_run):
    model, _ = real_run
    c = model.recorder.counters
    re, entries = c["reemployment_of_unemployed"][:MONTHS].sum(), c["urban_job_entries"][:MONTHS].sum()
    assert 0 < re < entries, (re, entries)


def _market_or_skip(model) -> dict[str, np.ndarray]:
    market = {k: v[:MONTHS] for k, v in model.recorder.market.items()}
    if not any(np.any(v) for v in market.values()):
        pytest.skip("the model's market arrays (market_searchers, market_vacancies, market_hires) are all "
                    "zero: the matching step does not fill them yet")
    return market


def test_hires_are_at_most_the_searchers_and_the_vacancies(real_run):
    model, _ = real_run
    m = _market_or_skip(model)
    hires, searchers, vacancies = (m[k].sum(axis=1) for k in ("hires", "job_searchers", "market_vacancies"))
    assert np.all(hires <= searchers), (hires, searchers)
    assert np.all(hires <= vacancies), (hires, vacancies)
    assert hires.sum() > 0


def test_hires_are_the_matching_steps_moves_from_unemployment_into_firm_jobs(real_run):
    model, matched = real_run
    m = _market_or_skip(model)
    np.testing.assert_array_equal(m["hires"].sum(axis=1), matched)
