"""Search and matching: an aggregate matching function per area and month, then hires allocated to searchers and firms.

Each searcher looks for work in one area this month: their home area, or (with probability
`cross_area_share`, or when home has no vacancy) an area of the region drawn in proportion to its
open vacancies (which may be home again: the share looking elsewhere is `cross_area_share` times one
minus home's share of the region's vacancies). In each area the month's hires come from a Cobb-Douglas matching function of the
searchers' effective search S (the sum of their search intensities, a new searcher counting 1) and
the open vacancies V, in persons:

    hires = efficiency * V**alpha * S**beta      (at most V and at most the searchers who search)

with alpha (vacancies) about 0.3-0.5 and beta (searchers) about 0.5-0.7, near constant returns, as
empirical matching functions find (Petrongolo & Pissarides 2001, JEL 39(2)). Computing it in persons
(agents x scale) keeps the result independent of the scale when returns are not constant. The
expected hires are rounded stochastically to whole agents.

Who is hired: priority searchers first (a programme placement, an intern the host keeps, a graduate
with an offer: they still take a vacancy and count within the function's hires, so they displace
other hires instead of adding to them), then the rest drawn without replacement with weights
`intensity * exp(-skill_weight * shortfall)`, the shortfall being how far a searcher's skill falls
below the area's vacancy-weighted skill requirement. Which firm: the hires' vacancies are drawn from
the area's open vacancies in proportion to each firm's count; the most skilled hires go to the most
demanding vacancies (assortative matching, the firms' preference for skill fit).

Random draws: `rng` is a numpy Generator (sequential draws) or, as the model passes it, a
`draws.MonthDraws` (counter-based: each searcher's draws keyed by its `searcher_id`, the worker's uid;
each vacancy's by its firm and its number within the firm; each area's rounding by the area), so that a
searcher keeps its draws when the set of searchers changes (a paired what-if; model/core/draws.py).
Slots: 0 where to look, 1 which area when away, 2 the area's rounding, 3 the vacancies' keys,
4 the searchers' keys.
`tests/model/core/test_matching.py` checks the elasticities, the allocation and a Beveridge curve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jobsim.model.core.draws import SequentialDraws, pair_ids, rank_within


@dataclass(frozen=True)
class MatchingFunction:
    """hires = efficiency * V**alpha * S**beta in persons per month (see the module docstring)."""

    efficiency: float
    alpha_vacancies: float
    beta_searchers: float

    def expected_hires(self, vacancies_persons: np.ndarray, search_persons: np.ndarray) -> np.ndarray:
        v = np.maximum(vacancies_persons, 0.0)
        s = np.maximum(search_persons, 0.0)
        return self.efficiency * v**self.alpha_vacancies * s**self.beta_searchers


@dataclass(frozen=True)
class MatchResult:
    """Searcher positions hired and each hire's firm; and, per area, the month's market: searchers
    (agents looking in the area), effective search, open vacancies and hires (all in agents)."""

    hired: np.ndarray
    firm: np.ndarray
    searchers: np.ndarray
    search: np.ndarray
    vacancies: np.ndarray
    hires: np.ndarray


def _weighted_top(group: np.ndarray, weight: np.ndarray, take: np.ndarray, n_groups: int,
                  exponential: np.ndarray, first: np.ndarray | None = None) -> np.ndarray:
    """Positions of `take[g]` members of each group g drawn without replacement with probabilities
    proportional to `weight` (Efraimidis-Spirakis keys: a standard exponential per member, given, over
    its weight); members flagged in `first` come before all others."""
    key = exponential / np.maximum(weight, 1e-300)
    if first is not None:
        key = np.where(first, -1.0 / np.maximum(key, 1e-300), key)  # negative keys sort first
    order = np.lexsort((key, group))
    g = group[order]
    start = np.searchsorted(g, np.arange(n_groups), side="left")
    rank = np.arange(len(g)) - start[g]
    return order[rank < take[g]]


def match(
    searcher_area: np.ndarray,
    searcher_skill: np.ndarray,
    intensity: np.ndarray,
    priority: np.ndarray,
    firm_area: np.ndarray,
    firm_skill_req: np.ndarray,
    vacancies: np.ndarray,
    n_areas: int,
    cross_area_share: float,
    skill_weight: float,
    matching: MatchingFunction,
    scale: float,
    rng,
    searcher_id: np.ndarray | None = None,
) -> MatchResult:
    """One month's matching. searcher_*: arrays over searchers (intensity: relative search effort, a
    new searcher = 1; priority: placed first); firm_*: arrays over all firms; vacancies: open
    vacancies per firm in agents (0 for closed firms); scale: persons per agent. rng: a numpy
    Generator or a `draws.MonthDraws` (see the module docstring); searcher_id: the searchers' stable
    ids (worker uids) that key their counter-based draws (default: their positions)."""
    draws = SequentialDraws(rng) if isinstance(rng, np.random.Generator) else rng
    vacancies = np.asarray(vacancies, dtype=np.int64)
    zeros = np.zeros(n_areas)
    n = len(searcher_area)
    ids = np.arange(n) if searcher_id is None else np.asarray(searcher_id)
    v_area = np.bincount(firm_area, weights=vacancies, minlength=n_areas).astype(np.float64)
    if n == 0 or v_area.sum() == 0:
        counted = np.bincount(searcher_area.astype(np.int64), minlength=n_areas).astype(np.float64)
        return MatchResult(np.empty(0, np.int64), np.empty(0, np.int64), counted,
                           np.bincount(searcher_area.astype(np.int64), weights=intensity, minlength=n_areas),
                           v_area, zeros)

    # Where each searcher looks this month.
    target = searcher_area.astype(np.int64).copy()
    if n_areas > 1:
        go_away = (draws.uniform(0, ids) < cross_area_share) | (v_area[target] == 0)
        n_away = int(go_away.sum())
        if n_away:
            target[go_away] = np.minimum(
                np.searchsorted(np.cumsum(v_area), draws.uniform(1, ids[go_away]) * v_area.sum(), side="right"),
                n_areas - 1)
    else:
        target[:] = 0
    searchers = np.bincount(target, minlength=n_areas).astype(np.float64)
    search = np.bincount(target, weights=intensity, minlength=n_areas)

    # The matching function, in persons, then whole agents.
    expected = matching.expected_hires(v_area * scale, search * scale) / scale
    whole = np.floor(expected)
    hires = whole + (draws.uniform(2, np.arange(n_areas)) < expected - whole)
    # At most the vacancies, and at most the searchers who search at all (intensity > 0).
    active = np.bincount(target, weights=(intensity > 0), minlength=n_areas)
    hires = np.minimum(np.minimum(hires, v_area), active).astype(np.int64)
    if hires.sum() == 0:
        return MatchResult(np.empty(0, np.int64), np.empty(0, np.int64), searchers, search, v_area, zeros)

    # The vacancies filled: hires[a] of area a's vacancy slots, drawn without replacement.
    open_firms = np.flatnonzero(vacancies > 0)
    slot_firm = np.repeat(open_firms, vacancies[open_firms])
    slot_area = firm_area[slot_firm].astype(np.int64)
    slot_id = pair_ids(slot_firm, rank_within(vacancies[open_firms]))  # (firm, its j-th open vacancy)
    slots = _weighted_top(slot_area, np.ones(len(slot_firm)), hires, n_areas, draws.exponential(3, slot_id))

    # Who is hired: priority searchers first, then by intensity and skill fit.
    req = np.bincount(firm_area, weights=vacancies * firm_skill_req, minlength=n_areas) / np.maximum(v_area, 1.0)
    shortfall = np.maximum(req[target] - searcher_skill, 0.0)
    weight = intensity * np.exp(-skill_weight * shortfall)
    # Priority searchers first, but only those who search (a zero-intensity searcher is never drawn).
    chosen = _weighted_top(target, weight, hires, n_areas, draws.exponential(4, ids), first=priority & (intensity > 0))

    # Assortative within each area: the most skilled hire takes the most demanding vacancy.
    c = chosen[np.lexsort((searcher_skill[chosen], target[chosen]))]
    s = slots[np.lexsort((firm_skill_req[slot_firm[slots]], slot_area[slots]))]
    return MatchResult(c, slot_firm[s], searchers, search, v_area, hires.astype(np.float64))
