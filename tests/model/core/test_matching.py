"""Search and matching (model/matching.py): the matching function's properties and the Beveridge relation.

`match` is called directly with synthetic searchers and firms over many seeds. Its hard constraints
(no firm hires more than its vacancies, nobody is hired twice, no hires beyond searchers) are checked
exactly, also on random inputs from Hypothesis; its monotonicity is checked on means over paired seeds
(the same generator seed for both settings) with a margin of 3 standard errors of the paired difference.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

from jobsim.model.core.matching import match
from jobsim.model.outputs.dataset import run_dataset

N_SEEDS = 60


def market(n_searchers: int, n_firms: int, vacancies_per_firm: int, n_areas: int = 3, seed: int = 0):
    """A fixed synthetic market: searchers and firms spread over areas, skills around the firms' needs."""
    rng = np.random.default_rng(10_000 + seed)
    return dict(
        searcher_area=rng.integers(0, n_areas, n_searchers).astype(np.int16),
        searcher_skill=np.clip(rng.normal(0.5, 0.15, n_searchers), 0, 1),
        intensity=np.full(n_searchers, 3.0),
        firm_area=rng.integers(0, n_areas, n_firms).astype(np.int16),
        firm_skill_req=np.clip(rng.normal(0.5, 0.1, n_firms), 0, 1),
        vacancies=np.full(n_firms, vacancies_per_firm, np.int64),
        n_areas=n_areas,
    )


def call(m: dict, seed: int, cross_area_share: float = 0.1, skill_weight: float = 2.0, success_rate: float = 0.1):
    return match(m["searcher_area"], m["searcher_skill"], m["intensity"], m["firm_area"], m["firm_skill_req"],
                 m["vacancies"], m["n_areas"], cross_area_share, skill_weight, success_rate,
                 np.random.default_rng(seed))


def check_hard_constraints(m: dict, hired: np.ndarray, firm: np.ndarray) -> None:
    n_searchers, vacancies = len(m["searcher_area"]), np.asarray(m["vacancies"])
    assert hired.shape == firm.shape and hired.ndim == 1
    assert len(hired) <= min(n_searchers, int(vacancies.sum()))
    assert len(np.unique(hired)) == len(hired), "a worker hired more than once"
    if len(hired):
        assert hired.min() >= 0 and hired.max() < n_searchers
        assert firm.min() >= 0 and firm.max() < len(vacancies)
    per_firm = np.bincount(firm, minlength=len(vacancies))
    assert np.all(per_firm <= vacancies), "a firm hired more than its vacancies"
    assert np.all(np.asarray(m["intensity"])[hired] > 0), "a searcher who sent no application was hired"


def mean_hires(m: dict, seeds=range(N_SEEDS), **kw) -> np.ndarray:
    return np.array([len(call(m, s, **kw)[0]) for s in seeds], dtype=float)


def assert_rises(low: np.ndarray, high: np.ndarray) -> None:
    """Paired over the same seeds: mean(high - low) > 3 standard errors of the difference."""
    d = high - low
    se = d.std(ddof=1) / np.sqrt(len(d))
    assert d.mean() > 3 * se and d.mean() > 0, (low.mean(), high.mean(), se)


# --- hard constraints ---------------------------------------------------------------------------------

@pytest.mark.parametrize("vacancies_per_firm", [1, 3, 20])
@pytest.mark.parametrize("n_searchers", [50, 2000])
def test_hard_constraints_over_many_seeds(n_searchers, vacancies_per_firm):
    m = market(n_searchers, 150, vacancies_per_firm)
    total = 0
    for seed in range(40):
        hired, firm = call(m, seed, success_rate=0.5)
        check_hard_constraints(m, hired, firm)
        total += len(hired)
    assert total > 0


def test_scarce_vacancies_are_nearly_all_filled_by_many_eager_searchers():
    """1000 searchers, every application suitable, 10 firms with 2 vacancies each: one round of offers
    (a worker with several offers takes one; the others lapse) fills at least 95% of the vacancies on average."""
    m = market(1000, 10, 2, n_areas=1)
    filled = []
    for seed in range(30):
        hired, firm = call(m, seed, skill_weight=0.0, success_rate=1.0)
        check_hard_constraints(m, hired, firm)
        filled.append(len(hired) / m["vacancies"].sum())
    assert np.mean(filled) >= 0.95, np.mean(filled)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_searchers=st.integers(0, 300), n_firms=st.integers(1, 60), n_areas=st.integers(1, 4),
    max_vac=st.integers(0, 6), mean_apps=st.floats(0, 8), cross=st.floats(0, 1),
    skill_weight=st.floats(0, 6), success=st.floats(0, 1), seed=st.integers(0, 2**32 - 1),
)
def test_hard_constraints_on_random_markets(n_searchers, n_firms, n_areas, max_vac, mean_apps, cross,
                                            skill_weight, success, seed):
    rng = np.random.default_rng(seed)
    m = dict(
        searcher_area=rng.integers(0, n_areas, n_searchers).astype(np.int16),
        searcher_skill=rng.random(n_searchers),
        intensity=rng.random(n_searchers) * mean_apps * (rng.random(n_searchers) < 0.8),
        firm_area=rng.integers(0, n_areas, n_firms).astype(np.int16),
        firm_skill_req=rng.random(n_firms),
        vacancies=rng.integers(0, max_vac + 1, n_firms).astype(np.int64),
        n_areas=n_areas,
    )
    hired, firm = call(m, seed, cross_area_share=cross, skill_weight=skill_weight, success_rate=success)
    check_hard_constraints(m, hired, firm)
    # Same inputs and seed, same result.
    again = call(m, seed, cross_area_share=cross, skill_weight=skill_weight, success_rate=success)
    assert np.array_equal(hired, again[0]) and np.array_equal(firm, again[1])


def test_nothing_to_match():
    m = market(100, 20, 0)
    hired, firm = call(m, 0)
    assert len(hired) == 0 and len(firm) == 0
    m = market(0, 20, 3)
    hired, firm = call(m, 0)
    assert len(hired) == 0 and len(firm) == 0
    m = market(100, 20, 3)
    assert len(call(m, 0, success_rate=0.0)[0]) == 0


def test_no_cross_area_hires_when_every_area_has_vacancies():
    m = market(500, 60, 2, n_areas=3)
    assert all(np.bincount(m["firm_area"][m["vacancies"] > 0], minlength=3) > 0)
    for seed in range(20):
        hired, firm = call(m, seed, cross_area_share=0.0, success_rate=0.5)
        assert np.array_equal(m["searcher_area"][hired], m["firm_area"][firm])
    # ... while with cross-area search some hires are in another area.
    moved = sum(int((m["searcher_area"][h] != m["firm_area"][f]).sum())
                for h, f in (call(m, s, cross_area_share=0.5, success_rate=0.5) for s in range(20)))
    assert moved > 0


def test_searchers_go_where_the_vacancies_are():
    """An area without vacancies sends its searchers' applications to the other areas."""
    m = market(300, 40, 2, n_areas=2)
    m["firm_area"] = np.zeros(40, np.int16)  # all vacancies in area 0
    for seed in range(10):
        hired, firm = call(m, seed, cross_area_share=0.0, success_rate=0.5)
        check_hard_constraints(m, hired, firm)
        assert np.all(m["firm_area"][firm] == 0)
    hires_from_1 = sum(int((m["searcher_area"][call(m, s, cross_area_share=0.0, success_rate=0.5)[0]] == 1).sum())
                       for s in range(10))
    assert hires_from_1 > 0


# --- the matching function rises in both arguments ------------------------------------------------------

def test_hires_rise_with_vacancies_holding_searchers():
    searchers = 2000
    few, some, many = (market(searchers, 200, v) for v in (1, 3, 9))
    h_few, h_some, h_many = mean_hires(few), mean_hires(some), mean_hires(many)
    assert_rises(h_few, h_some)
    assert_rises(h_some, h_many)
    # ... and with more firms holding vacancies per firm.
    assert_rises(mean_hires(market(searchers, 100, 2)), mean_hires(market(searchers, 400, 2)))


def test_hires_rise_with_searchers_holding_vacancies():
    """Same firms and vacancies (the market's firm draws do not depend on its searcher count)."""
    base = market(4000, 300, 3)
    h = []
    for n in (250, 1000, 4000):
        m = dict(base, searcher_area=base["searcher_area"][:n], searcher_skill=base["searcher_skill"][:n],
                 intensity=base["intensity"][:n])
        h.append(mean_hires(m))
    assert_rises(h[0], h[1])
    assert_rises(h[1], h[2])
    # ... and with search intensity.
    lazy = dict(base, intensity=np.full(4000, 1.0))
    assert_rises(mean_hires(lazy), mean_hires(base))


# --- the Beveridge relation in the model -----------------------------------------------------------------

SHIFTS = (-0.1, 0.0, 0.1)
SEEDS = (0, 1, 2)


def test_demand_shocks_trace_a_beveridge_curve(make_model):
    """A proportional shift of labour demand (`demand_level_shift` -0.1, 0, +0.1), Jiangxi 2021-2022 at
    5000 persons per agent, three seeds. Over the last year's monthly means: vacancies rise with demand in
    every seed; the weak-demand run has more unemployment than the strong-demand run in every seed; and
    across all nine runs the vacancy rate falls as the unemployment rate rises (Spearman rank correlation
    <= -0.5). (Between 0 and +0.1 unemployment falls only a little - the frictional floor - so the
    ordering is not required there.)"""
    vacancy, unemployment = {}, {}
    for seed in SEEDS:
        for shift in SHIFTS:
            model = make_model(2021, 2022, scale=5000, seed=seed, params={"demand_level_shift": shift})
            model.run()
            last = run_dataset(model.recorder).sel(area="Jiangxi", time="2022")
            vacancy[seed, shift] = float(last["vacancy_rate"].mean())
            unemployment[seed, shift] = float(last["surveyed_unemployment_rate"].mean())
    for seed in SEEDS:
        v = [vacancy[seed, x] for x in SHIFTS]
        assert np.all(np.diff(v) > 0), (seed, v)
        assert unemployment[seed, -0.1] > unemployment[seed, 0.1], (seed, unemployment)
        assert unemployment[seed, -0.1] > unemployment[seed, 0.0], (seed, unemployment)
    keys = list(vacancy)
    rho, _ = spearmanr([vacancy[k] for k in keys], [unemployment[k] for k in keys])
    assert rho <= -0.5, (rho, vacancy, unemployment)
