"""Search and matching in one vectorised round: searchers apply, firms rank applicants, workers pick an offer.

Each searcher sends a Poisson number of applications (mean = their search intensity), mostly to
vacancies in their own area, to firms in proportion to their open vacancies. An application is
suitable with probability `success_rate * exp(-skill_weight * skill gap)` (most are not: this is the
friction that keeps unemployment from vanishing when vacancies are plentiful). Each firm ranks its
suitable applicants by skill fit plus a Gumbel taste shock and offers its vacancies to the best of
them; a worker holding several offers takes one at random. Hires therefore rise with both vacancies (more
targets, more offers) and searchers (more applications per vacancy), as a matching function should;
`tests/model/test_matching.py` checks both and the Beveridge relation.
"""

from __future__ import annotations

import numpy as np


def match(
    searcher_area: np.ndarray,
    searcher_skill: np.ndarray,
    intensity: np.ndarray,
    firm_area: np.ndarray,
    firm_skill_req: np.ndarray,
    vacancies: np.ndarray,
    n_areas: int,
    cross_area_share: float,
    skill_weight: float,
    success_rate: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (searcher positions hired, firm index of each hire).

    searcher_*: arrays over searchers; intensity: expected applications per searcher this month;
    firm_*: arrays over all firms; vacancies: integer open vacancies per firm (0 for closed firms).
    """
    empty = (np.empty(0, np.int64), np.empty(0, np.int64))
    vacancies = np.asarray(vacancies, dtype=np.int64)
    if len(searcher_area) == 0 or vacancies.sum() == 0:
        return empty
    n_apps = rng.poisson(intensity)
    total = int(n_apps.sum())
    if total == 0:
        return empty
    applicant = np.repeat(np.arange(len(searcher_area)), n_apps)
    home = searcher_area[applicant].astype(np.int64)

    # Vacancies per area, and each area's firms laid out contiguously for weighted sampling.
    open_firms = np.flatnonzero(vacancies > 0)
    order = open_firms[np.argsort(firm_area[open_firms], kind="stable")]
    o_area = firm_area[order].astype(np.int64)
    o_vac = vacancies[order].astype(np.float64)
    cum = np.cumsum(o_vac)
    v_area = np.bincount(o_area, weights=o_vac, minlength=n_areas)
    start = np.searchsorted(o_area, np.arange(n_areas), side="left")
    lo = np.concatenate([[0.0], cum])[start]

    # Target area: home, or (with probability cross_area_share, or when home has no vacancy) another
    # area chosen in proportion to its vacancies.
    target = home.copy()
    if n_areas > 1:
        go_away = (rng.random(total) < cross_area_share) | (v_area[home] == 0)
        n_away = int(go_away.sum())
        if n_away:
            target[go_away] = np.searchsorted(np.cumsum(v_area), rng.random(n_away) * v_area.sum(), side="right")
    else:
        target[:] = 0
    ok = v_area[target] > 0
    applicant, target = applicant[ok], target[ok]
    if len(applicant) == 0:
        return empty
    u = lo[target] + rng.random(len(target)) * v_area[target]
    pos = np.minimum(np.searchsorted(cum, u, side="right"), len(order) - 1)
    firm = order[pos]

    # One application per (worker, firm) pair counts; duplicates are dropped.
    pair = applicant.astype(np.int64) * len(vacancies) + firm
    pair, first = np.unique(pair, return_index=True)
    applicant, firm = applicant[first], firm[first]

    # Screening: an application is suitable with a probability that falls with the skill gap.
    gap = np.abs(searcher_skill[applicant] - firm_skill_req[firm])
    suitable = rng.random(len(gap)) < np.minimum(1.0, success_rate * np.exp(-skill_weight * gap))
    applicant, firm, gap = applicant[suitable], firm[suitable], gap[suitable]
    if len(applicant) == 0:
        return empty
    # Firms rank suitable applicants: skill fit plus a Gumbel taste shock; offers go to the top `vacancies`.
    score = -skill_weight * gap + rng.gumbel(size=len(firm))
    ranked = np.lexsort((-score, firm))
    firm_r, applicant_r = firm[ranked], applicant[ranked]
    first_of_firm = np.searchsorted(firm_r, firm_r, side="left")
    rank = np.arange(len(firm_r)) - first_of_firm
    offer = rank < vacancies[firm_r]
    o_worker, o_firm = applicant_r[offer], firm_r[offer]

    # A worker with several offers takes one at random; the other offers lapse this month.
    pick = np.lexsort((rng.random(len(o_worker)), o_worker))
    o_worker, o_firm = o_worker[pick], o_firm[pick]
    keep = np.ones(len(o_worker), bool)
    keep[1:] = o_worker[1:] != o_worker[:-1]
    return o_worker[keep], o_firm[keep]
