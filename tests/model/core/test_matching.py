"""Search and matching (model/core/matching.py): the matching function, the allocation of its hires, a Beveridge curve.

`match` is called directly on synthetic markets over many seeds. Hard constraints (hires within each
area's vacancies and searchers, within each firm's vacancies, nobody hired twice, every hire in the
area its searcher looked in) are checked exactly on every call, also on random markets from
Hypothesis. Statistical properties are checked on means over seeds with stated tolerances, either a
relative tolerance or a margin in standard errors (SE) of the mean over seeds; comparisons of two
settings are paired (the same generator seed for both) and must exceed 3 SE of the paired difference.

Notation: V = an area's open vacancies, S = its effective search (the sum of the intensities of the
searchers looking there), both in persons (agents x scale); f(V, S) = efficiency * V**alpha * S**beta.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

from jobsim.model.core.matching import MatchingFunction, MatchResult, match
from jobsim.model.outputs.dataset import run_dataset

MF = MatchingFunction(efficiency=0.1, alpha_vacancies=0.4, beta_searchers=0.6)  # the bundled defaults
N_SEEDS = 60


def market(n_searchers: int, n_firms: int, vacancies_per_firm: int, n_areas: int = 3, seed: int = 0,
           intensity: float = 1.0) -> dict:
    """A fixed synthetic market: searchers and firms spread over areas, skills around the firms' needs."""
    rng = np.random.default_rng(10_000 + seed)
    return dict(
        searcher_area=rng.integers(0, n_areas, n_searchers).astype(np.int16),
        searcher_skill=np.clip(rng.normal(0.5, 0.15, n_searchers), 0, 1),
        intensity=np.full(n_searchers, float(intensity)),
        priority=np.zeros(n_searchers, bool),
        firm_area=rng.integers(0, n_areas, n_firms).astype(np.int16),
        firm_skill_req=np.clip(rng.normal(0.5, 0.1, n_firms), 0, 1),
        vacancies=np.full(n_firms, vacancies_per_firm, np.int64),
        n_areas=n_areas,
    )


def explicit_market(searchers_per_area, vacancies_per_area, firms_per_area: int = 20, skill=None,
                    seed: int = 0) -> dict:
    """Given searchers and vacancies (agents) per area: each area's vacancies split over `firms_per_area` firms."""
    rng = np.random.default_rng(20_000 + seed)
    n_areas = len(searchers_per_area)
    s_area = np.repeat(np.arange(n_areas), searchers_per_area).astype(np.int16)
    f_area = np.repeat(np.arange(n_areas), firms_per_area).astype(np.int16)
    vac = np.concatenate([np.diff(np.linspace(0, v, firms_per_area + 1).round()) for v in vacancies_per_area])
    n = len(s_area)
    return dict(
        searcher_area=s_area,
        searcher_skill=np.clip(rng.normal(0.5, 0.15, n), 0, 1) if skill is None else np.asarray(skill, float),
        intensity=np.ones(n), priority=np.zeros(n, bool),
        firm_area=f_area, firm_skill_req=np.clip(rng.normal(0.5, 0.1, len(f_area)), 0, 1),
        vacancies=vac.astype(np.int64), n_areas=n_areas,
    )


def call(m: dict, seed: int, cross_area_share: float = 0.1, skill_weight: float = 2.0,
         matching: MatchingFunction = MF, scale: float = 1.0, check: bool = True) -> MatchResult:
    r = match(m["searcher_area"], m["searcher_skill"], m["intensity"], m["priority"], m["firm_area"],
              m["firm_skill_req"], m["vacancies"], m["n_areas"], cross_area_share, skill_weight, matching, scale,
              np.random.default_rng(seed))
    if check:
        check_hard_constraints(m, r, cross_area_share)
    return r


def check_hard_constraints(m: dict, r: MatchResult, cross_area_share: float) -> None:
    """What must hold for every call, exactly."""
    n_searchers, vacancies, n_areas = len(m["searcher_area"]), np.asarray(m["vacancies"]), m["n_areas"]
    home, firm_area = m["searcher_area"].astype(np.int64), m["firm_area"].astype(np.int64)
    hired, firm = r.hired, r.firm
    assert hired.shape == firm.shape and hired.ndim == 1
    assert np.issubdtype(hired.dtype, np.integer) and np.issubdtype(firm.dtype, np.integer)
    for arr in (r.searchers, r.search, r.vacancies, r.hires):
        assert arr.shape == (n_areas,)
    # The market arrays: vacancies per area as given; every searcher counted once, in one area.
    v_area = np.bincount(firm_area, weights=vacancies, minlength=n_areas)
    assert np.array_equal(r.vacancies, v_area)
    assert r.searchers.sum() == n_searchers
    assert np.isclose(r.search.sum(), np.sum(m["intensity"]))
    # Hires per area: whole agents, at most the area's vacancies and searchers; the pairs add up to them.
    assert np.array_equal(r.hires, np.round(r.hires)) and np.all(r.hires >= 0)
    assert np.all(r.hires <= r.vacancies), (r.hires, r.vacancies)
    assert np.all(r.hires <= r.searchers), (r.hires, r.searchers)
    assert len(hired) == r.hires.sum()
    if len(hired):
        assert hired.min() >= 0 and hired.max() < n_searchers
        assert firm.min() >= 0 and firm.max() < len(vacancies)
    assert len(np.unique(hired)) == len(hired), "a searcher hired more than once"
    per_firm = np.bincount(firm, minlength=len(vacancies))
    assert np.all(per_firm <= vacancies), "a firm hired more than its vacancies"
    # Each hire's firm is in the area its searcher looked in: the area's hires are its hires' firms.
    assert np.array_equal(np.bincount(firm_area[firm], minlength=n_areas), r.hires)
    if n_areas == 1 or cross_area_share == 0.0:
        # Without cross-area search a searcher looks at home unless home has no vacancy.
        at_home = v_area[home[hired]] > 0
        assert np.array_equal(firm_area[firm][at_home], home[hired][at_home]), "hired outside home"


def assert_rises(low: np.ndarray, high: np.ndarray) -> None:
    """Paired over the same seeds: mean(high - low) > 3 standard errors of the difference."""
    d = np.asarray(high, float) - np.asarray(low, float)
    se = d.std(ddof=1) / np.sqrt(len(d))
    assert d.mean() > 3 * se and d.mean() > 0, (np.mean(low), np.mean(high), se)


# --- hard constraints ---------------------------------------------------------------------------------

@pytest.mark.parametrize("vacancies_per_firm", [1, 3, 20])
@pytest.mark.parametrize("n_searchers", [50, 2000])
@pytest.mark.parametrize("efficiency", [0.1, 5.0])  # 5: the caps (searchers, vacancies) bind
def test_hard_constraints_over_many_seeds(n_searchers, vacancies_per_firm, efficiency):
    m = market(n_searchers, 150, vacancies_per_firm)
    m["priority"] = np.random.default_rng(1).random(n_searchers) < 0.05
    mf = replace(MF, efficiency=efficiency)
    total = 0
    for seed in range(40):
        r = call(m, seed, matching=mf)
        total += len(r.hired)
    assert total > 0


def test_caps_bind_when_the_function_exceeds_them():
    """A very efficient market hires exactly min(vacancies, searchers) in each area."""
    m = explicit_market([100, 400, 50], [300, 200, 50])
    for seed in range(10):
        r = call(m, seed, cross_area_share=0.0, matching=replace(MF, efficiency=50.0))
        assert np.array_equal(r.hires, np.minimum(r.vacancies, r.searchers)), r.hires
        assert np.array_equal(r.hires, [100, 200, 50])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_searchers=st.integers(0, 300), n_firms=st.integers(1, 60), n_areas=st.integers(1, 4),
    max_vac=st.integers(0, 6), cross=st.sampled_from([0.0, 0.1, 0.5, 1.0]), skill_weight=st.floats(0, 6),
    efficiency=st.floats(0, 3), alpha=st.floats(0.2, 0.8), beta=st.floats(0.2, 0.8),
    scale=st.sampled_from([0.5, 1.0, 100.0, 5000.0]), priority_share=st.floats(0, 1),
    seed=st.integers(0, 2**32 - 1),
)
def test_hard_constraints_on_random_markets(n_searchers, n_firms, n_areas, max_vac, cross, skill_weight,
                                            efficiency, alpha, beta, scale, priority_share, seed):
    rng = np.random.default_rng(seed)
    m = dict(
        searcher_area=rng.integers(0, n_areas, n_searchers).astype(np.int16),
        searcher_skill=rng.random(n_searchers),
        intensity=rng.uniform(0.05, 2.0, n_searchers),
        priority=rng.random(n_searchers) < priority_share,
        firm_area=rng.integers(0, n_areas, n_firms).astype(np.int16),
        firm_skill_req=rng.random(n_firms),
        vacancies=rng.integers(0, max_vac + 1, n_firms).astype(np.int64),
        n_areas=n_areas,
    )
    mf = MatchingFunction(efficiency, alpha, beta)
    r = call(m, seed, cross_area_share=cross, skill_weight=skill_weight, matching=mf, scale=scale)
    # Priority searchers come first: in an area, a non-priority hire only once every priority
    # searcher looking there is hired. (Checked where the looking area is known: no cross-area search.)
    if cross == 0.0 and len(r.hired):
        home = m["searcher_area"].astype(np.int64)
        v_area = np.bincount(m["firm_area"], weights=m["vacancies"], minlength=n_areas)
        for a in np.flatnonzero(v_area > 0):  # residents of an area with vacancies all look there
            here = np.flatnonzero(home == a)
            hired_here = np.isin(here, r.hired)
            if np.any(hired_here & ~m["priority"][here]):
                assert np.all(hired_here[m["priority"][here]]), "a priority searcher passed over"
    # Same inputs and seed, same result.
    again = call(m, seed, cross_area_share=cross, skill_weight=skill_weight, matching=mf, scale=scale, check=False)
    assert np.array_equal(r.hired, again.hired) and np.array_equal(r.firm, again.firm)


def test_searchers_with_zero_intensity_are_not_hired():
    """A searcher who does not search (intensity 0) adds nothing to S and should not be hired; here the
    function gives 125 hires, capped by 3 searchers of whom one searches."""
    m = explicit_market([3], [100], firms_per_area=2)
    m["intensity"] = np.array([1.0, 0.0, 0.0])
    for seed in range(5):
        r = call(m, seed, matching=replace(MF, efficiency=5.0), check=False)
        assert set(r.hired.tolist()) <= {0}, r.hired


# --- nothing to match -----------------------------------------------------------------------------------

def test_nothing_to_match_returns_empty_hires_with_the_market():
    # No vacancies: no hires; searchers counted at home with their search; zero vacancies and hires.
    m = market(100, 20, 0)
    m["intensity"] = np.linspace(0.3, 1.0, 100)
    r = call(m, 0)
    assert len(r.hired) == 0 and len(r.firm) == 0
    assert np.array_equal(r.searchers, np.bincount(m["searcher_area"], minlength=3))
    assert np.allclose(r.search, np.bincount(m["searcher_area"], weights=m["intensity"], minlength=3))
    assert np.array_equal(r.vacancies, np.zeros(3)) and np.array_equal(r.hires, np.zeros(3))
    # No searchers: no hires; the vacancies are still reported.
    m = market(0, 20, 3)
    r = call(m, 0)
    assert len(r.hired) == 0 and len(r.firm) == 0
    assert np.array_equal(r.vacancies, np.bincount(m["firm_area"], weights=m["vacancies"], minlength=3))
    assert r.vacancies.sum() == 60
    assert np.array_equal(r.searchers, np.zeros(3)) and np.array_equal(r.search, np.zeros(3))
    assert np.array_equal(r.hires, np.zeros(3))
    # A market whose function gives nothing (efficiency 0): no hires, the market arrays as they are.
    m = market(100, 20, 3)
    r = call(m, 0, matching=replace(MF, efficiency=0.0))
    assert len(r.hired) == 0 and r.hires.sum() == 0
    assert r.searchers.sum() == 100 and r.vacancies.sum() == 60


# --- the matching function: expected hires, scale, elasticities ------------------------------------------

@pytest.mark.parametrize("mf", [MF, MatchingFunction(0.05, 0.3, 0.5), MatchingFunction(0.02, 0.5, 0.7)],
                         ids=["crs", "decreasing", "increasing"])
def test_expected_hires_track_the_function(mf):
    """Each area's hires are f(V, S) of its realised market rounded stochastically: within 1 of it in every
    call, and on average over 300 seeds within 4 SE (and 1%) of f at the inputs' V and S (no cross-area
    search, so every searcher looks at home). Intensities vary, so S is not the searcher count."""
    m = explicit_market([1000, 500, 3000], [300, 600, 1200])
    m["intensity"] = np.random.default_rng(3).uniform(0.3, 1.5, len(m["searcher_area"]))
    v = np.bincount(m["firm_area"], weights=m["vacancies"], minlength=3)
    s = np.bincount(m["searcher_area"], weights=m["intensity"], minlength=3)
    expected = mf.expected_hires(v, s)
    n = np.bincount(m["searcher_area"], minlength=3)
    assert np.all(expected < 0.5 * np.minimum(v, n)), "the caps would bind"
    hires = []
    for seed in range(300):
        r = call(m, seed, cross_area_share=0.0, matching=mf)
        assert np.allclose(r.search, s) and np.array_equal(r.vacancies, v)
        assert np.all(np.abs(r.hires - mf.expected_hires(r.vacancies, r.search)) < 1.0)
        hires.append(r.hires)
    hires = np.array(hires)
    se = hires.std(axis=0, ddof=1) / np.sqrt(len(hires))
    tolerance = np.maximum(4 * se, 0.01 * expected)
    assert np.all(np.abs(hires.mean(axis=0) - expected) <= tolerance), (hires.mean(0), expected)


def test_expected_hires_with_cross_area_search():
    """With a cross-area share c, an area's expected search is (1 - c) x its residents' search plus c x
    the region's search in proportion to the area's share of vacancies; mean hires over 300 seeds are
    within 2% of f at that expected market (the variation of S across seeds is small: Jensen's gap < 0.1%)."""
    c = 0.3
    m = explicit_market([1000, 500, 3000], [300, 600, 1200])
    v = np.bincount(m["firm_area"], weights=m["vacancies"], minlength=3)
    resident = np.bincount(m["searcher_area"], weights=m["intensity"], minlength=3)
    s = (1 - c) * resident + c * resident.sum() * v / v.sum()
    hires = np.array([call(m, seed, cross_area_share=c).hires for seed in range(300)])
    searchers = np.array([call(m, seed, cross_area_share=c).searchers for seed in range(50)])
    assert np.allclose(searchers.mean(axis=0), s, rtol=0.02), (searchers.mean(0), s)
    assert np.allclose(hires.mean(axis=0), MF.expected_hires(v, s), rtol=0.02), (hires.mean(0), MF.expected_hires(v, s))


def test_expected_hires_in_persons_do_not_depend_on_the_scale():
    """Increasing returns (alpha + beta = 1.2): the same market of 2000 vacancies and 1000 searchers (persons)
    at 1 and at 10 persons per agent has the same mean hires in persons, f(2000, 1000) = 112.6, within 1.5%
    (about 4 SE at scale 10) over 400 seeds; computing the function in agents would give 71 at scale 10."""
    mf = MatchingFunction(0.02, 0.5, 0.7)
    persons = mf.expected_hires(np.array([2000.0]), np.array([1000.0]))[0]
    got = {}
    for scale in (1, 10):
        m = explicit_market([1000 // scale], [2000 // scale], firms_per_area=10)
        got[scale] = np.mean([call(m, seed, matching=mf, scale=scale).hires.sum() * scale for seed in range(400)])
        assert abs(got[scale] - persons) <= 0.015 * persons, (scale, got[scale], persons)
    in_agents = mf.expected_hires(np.array([200.0]), np.array([100.0]))[0] * 10
    assert abs(in_agents - persons) > 0.3 * persons  # the test can tell the two apart


@pytest.mark.parametrize("mf", [MF, MatchingFunction(0.3, 0.3, 0.5)], ids=["0.4-0.6", "0.3-0.5"])
def test_regression_recovers_the_elasticities(mf):
    """Log hires regressed on log V and log S over a 5 x 5 grid of one-area markets (V and S from 500 to
    8000, searchers of intensity 0.5, so S = half the searchers; mean of 10 seeds per cell, about 30 to 530
    hires): the slopes are alpha and beta within 0.02 and the intercept log(efficiency) within 0.05."""
    grid = [500, 1000, 2000, 4000, 8000]
    rows, y = [], []
    for vac in grid:
        for n in grid:
            m = explicit_market([n], [vac], firms_per_area=25)
            m["intensity"] = np.full(n, 0.5)
            r = [call(m, seed, matching=mf) for seed in range(10)]
            assert np.all([x.hires[0] < 0.5 * min(vac, n) for x in r]), "the caps would bind"
            rows.append([1.0, np.log(vac), np.log(r[0].search[0])])
            y.append(np.log(np.mean([x.hires[0] for x in r])))
    coef, *_ = np.linalg.lstsq(np.array(rows), np.array(y), rcond=None)
    assert abs(coef[1] - mf.alpha_vacancies) <= 0.02, coef
    assert abs(coef[2] - mf.beta_searchers) <= 0.02, coef
    assert abs(coef[0] - np.log(mf.efficiency)) <= 0.05, coef


# --- who is hired: priority, intensity, skill fit ---------------------------------------------------------

def test_priority_searchers_are_hired_first():
    """One area, about 76 hires a month from 1000 searchers and 500 vacancies. 30 priority searchers
    (the least skilled and least intense) are all hired in every seed; with 200 priority searchers every
    hire is one of them. Priority does not add hires: mean hires are the same with and without it."""
    m = explicit_market([1000], [500])
    skill_order = np.argsort(m["searcher_skill"])
    m["intensity"] = np.where(np.isin(np.arange(1000), skill_order[:200]), 0.3, 1.0)
    plain = np.array([call(m, seed).hires.sum() for seed in range(N_SEEDS)])
    for n_priority in (30, 200):
        mp = dict(m, priority=np.isin(np.arange(1000), skill_order[:n_priority]))
        hires = []
        for seed in range(N_SEEDS):
            r = call(mp, seed)
            hires.append(len(r.hired))
            assert len(r.hired) >= 30
            if n_priority <= len(r.hired):
                assert np.all(np.isin(np.flatnonzero(mp["priority"]), r.hired)), "a priority searcher passed over"
            else:
                assert np.all(mp["priority"][r.hired]), "a non-priority searcher hired before a priority one"
        d = np.array(hires) - plain
        tolerance = max(4 * d.std(ddof=1) / np.sqrt(len(d)), 0.01 * plain.mean())
        assert abs(d.mean()) <= tolerance, (np.mean(hires), plain.mean())


def test_higher_intensity_raises_the_chance_of_being_hired():
    """Paired: the same 500 of 4000 searchers at intensity 1, then 2 (same seeds): their hire rate rises
    by more than 3 SE. Within one market, searchers at intensity 2 are hired at twice the rate of those
    at 1 (hires are about 4% of searchers, so the draw without replacement is nearly proportional),
    within 10%, over 60 seeds."""
    m = explicit_market([4000], [300])
    group = np.arange(4000) < 500
    low = [np.isin(np.flatnonzero(group), call(m, s).hired).mean() for s in range(N_SEEDS)]
    m2 = dict(m, intensity=np.where(group, 2.0, 1.0))
    high = [np.isin(np.flatnonzero(group), call(m2, s).hired).mean() for s in range(N_SEEDS)]
    assert_rises(low, high)
    hired = np.zeros(4000)
    for s in range(N_SEEDS):
        np.add.at(hired, call(m2, s).hired, 1)
    ratio = hired[group].mean() / hired[~group].mean()
    assert abs(ratio - 2.0) <= 0.2, ratio


@pytest.mark.parametrize("skill_weight", [2.0, 6.0])
def test_skill_fit_favours_searchers_near_the_requirement(skill_weight):
    """A positive skill weight makes hires more skilled than the searchers they came from: over 60
    seeds the mean of (hires' mean skill - searchers' mean skill) is positive by more than 3 SE; with
    weight 0 it is within 3 SE of 0 (skill then plays no part in who is hired)."""
    m = market(3000, 150, 3, intensity=1.0)
    def gap(w):
        out = []
        for seed in range(N_SEEDS):
            r = call(m, seed, skill_weight=w)
            out.append(m["searcher_skill"][r.hired].mean() - m["searcher_skill"].mean())
        return np.array(out)
    d = gap(skill_weight)
    assert d.mean() > 3 * d.std(ddof=1) / np.sqrt(len(d)) and d.mean() > 0.005, d.mean()
    d0 = gap(0.0)
    assert abs(d0.mean()) <= 3 * d0.std(ddof=1) / np.sqrt(len(d0)), d0.mean()


def test_hiring_weight_falls_by_exp_minus_weight_times_shortfall():
    """Requirement 0.6 everywhere; 2000 searchers at 0.6, 2000 at 0.4 (shortfall 0.2) and 2000 at 0.9
    (above the requirement: no shortfall). With weight 3, the hire rate at 0.4 relative to 0.6 is
    exp(-0.6) = 0.55 within 10%, and at 0.9 it is the same as at 0.6 within 10% (60 seeds; hires are
    about 3% of searchers, so the draw without replacement is nearly proportional)."""
    skill = np.repeat([0.6, 0.4, 0.9], 2000)
    m = explicit_market([6000], [300], skill=skill)
    m["firm_skill_req"] = np.full(len(m["firm_area"]), 0.6)
    hired = np.zeros(6000)
    for seed in range(N_SEEDS):
        np.add.at(hired, call(m, seed, skill_weight=3.0).hired, 1)
    at_req, short, above = hired[:2000].mean(), hired[2000:4000].mean(), hired[4000:].mean()
    assert abs(short / at_req - np.exp(-0.6)) <= 0.1 * np.exp(-0.6), short / at_req
    assert abs(above / at_req - 1.0) <= 0.1, above / at_req


def test_assortative_pairing_within_each_area():
    """In every area and seed with at least 10 hires, the Spearman rank correlation between a hire's skill
    and their firm's skill requirement is above 0.8 (the most skilled hire takes the most demanding vacancy)."""
    m = market(3000, 300, 2, n_areas=3)
    for seed in range(20):
        r = call(m, seed)
        area = m["firm_area"][r.firm]
        for a in range(3):
            here = area == a
            if here.sum() >= 10:
                rho, _ = spearmanr(m["searcher_skill"][r.hired[here]], m["firm_skill_req"][r.firm[here]])
                assert rho > 0.8, (seed, a, rho)


def test_firms_fill_vacancies_in_proportion_to_their_count():
    """One area, 40 firms with 1 vacancy and 40 with 5 (about a third of the vacancies filled): every vacancy
    is equally likely to be filled, so over 200 seeds a 5-vacancy firm makes 5 times the hires of a
    1-vacancy firm, within 10%."""
    m = explicit_market([2000], [0], firms_per_area=80)
    m["vacancies"] = np.repeat([1, 5], 40).astype(np.int64)
    per_firm = np.zeros(80)
    for seed in range(200):
        np.add.at(per_firm, call(m, seed).firm, 1)
    ratio = per_firm[40:].mean() / per_firm[:40].mean()
    assert abs(ratio - 5.0) <= 0.5, ratio


# --- where searchers look ---------------------------------------------------------------------------------

def test_no_cross_area_hires_when_every_area_has_vacancies():
    m = market(3000, 60, 5, n_areas=3)
    assert all(np.bincount(m["firm_area"][m["vacancies"] > 0], minlength=3) > 0)
    for seed in range(20):
        r = call(m, seed, cross_area_share=0.0)
        assert len(r.hired) > 0
        assert np.array_equal(m["searcher_area"][r.hired], m["firm_area"][r.firm])
        assert np.array_equal(r.searchers, np.bincount(m["searcher_area"], minlength=3))
    # ... while with cross-area search some hires are in another area.
    moved = sum(int((m["searcher_area"][r.hired] != m["firm_area"][r.firm]).sum())
                for r in (call(m, s, cross_area_share=0.5) for s in range(20)))
    assert moved > 0


def test_searchers_go_where_the_vacancies_are():
    """An area without vacancies sends its searchers to the others (none is counted there, some are
    hired elsewhere); searchers who look away choose an area in proportion to its vacancies: with a
    cross-area share of 1, each area's share of searchers is its share of vacancies, within 0.02."""
    m = explicit_market([1000, 1000], [300, 0])
    for seed in range(10):
        r = call(m, seed, cross_area_share=0.0)
        assert r.searchers[1] == 0 and r.searchers[0] == 2000 and r.hires[1] == 0
        assert np.all(m["firm_area"][r.firm] == 0)
    from_1 = sum(int((m["searcher_area"][call(m, s, cross_area_share=0.0).hired] == 1).sum()) for s in range(10))
    assert from_1 > 0
    m = explicit_market([1000, 1000, 1000], [100, 300, 600])
    shares = np.mean([call(m, s, cross_area_share=1.0).searchers / 3000 for s in range(20)], axis=0)
    assert np.allclose(shares, [0.1, 0.3, 0.6], atol=0.02), shares


# --- the Beveridge relation in the model -----------------------------------------------------------------

SHIFTS = (-0.1, 0.0, 0.1)
SEEDS = (0, 1, 2)


def test_demand_shocks_trace_a_beveridge_curve(make_model):
    """A proportional shift of labour demand (`demand_level_shift` -0.1, 0, +0.1), Jiangxi 2021-2022 at
    5000 persons per agent (the default real GDP growth path, from the `make_model` fixture), three
    seeds. Over the last year's monthly means, in every seed: vacancies rise and unemployment falls
    with demand; and across all nine runs the vacancy rate falls as the unemployment rate rises
    (Spearman rank correlation <= -0.5). (With the bundled parameters of 2026-12-01 the surveyed rate was about 9-10%,
    5.3-5.7% and 3.4-4.2% for the three shifts, and the correlation -0.88.)"""
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
        u = [unemployment[seed, x] for x in SHIFTS]
        assert np.all(np.diff(u) < 0), (seed, u)
    keys = list(vacancy)
    rho, _ = spearmanr([vacancy[k] for k in keys], [unemployment[k] for k in keys])
    assert rho <= -0.5, (rho, vacancy, unemployment)
