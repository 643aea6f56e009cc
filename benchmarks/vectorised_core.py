"""The core monthly loop (separation, search, matching) on arrays, as `LabourMarketModel` runs it.

Per month, in the model's order:
1. demand: firms' demand follows the set-up's demand path (`update_labour_demand` in the model);
2. separation: the same rule as `LabourMarketModel.separate_workers` (model/core/model.py): employees
   leave at `separation_rate_monthly` (each by its own counter-based uniform, as `model.sample`
   draws it, keyed by the worker's index, which is its id here), a `layoff_share` of them involuntarily; a firm above its demand lays off each of its
   other employees with probability `excess_layoff_share_monthly` x excess / employment; vacancies =
   round(demand) - employment;
3. search and matching: the unemployed (including this month's separated) search with the relative
   intensity of `LabourMarketModel.search_intensity` (a new searcher = 1, falling by
   `application_decay_per_month` per month unemployed to `application_decay_floor`, times the search
   multiplier; no training or insurance multipliers here, as there are no programmes) and
   `jobsim.model.core.matching.match` -- the model's own function -- matches them: each searcher
   looks at home or, with `cross_city_search_share` (or when home has no vacancy), in an area drawn
   by vacancies; each area hires matching_efficiency x V^alpha x S^beta (persons, rounded
   stochastically to agents, at most V and the searchers), drawn by intensity x
   exp(-hiring_skill_weight x skill shortfall) into vacancies drawn by firms' vacancy counts, the
   most skilled hire to the most demanding vacancy. No one has priority here (no programmes).
   As in the model, a worker hired in another area keeps their home area, and the matching's draws are
   counter-based (`jobsim.model.core.draws`), keyed by the workers' and vacancies' ids.

The separation rule is re-implemented in a few lines mirroring `separate_workers` (its private
helpers are not imported); matching is the model's. `benchmarks/per_agent_core.py` is the same loop
written agent by agent with Mesa.
"""

from __future__ import annotations

import numpy as np

from benchmarks.synthetic import CoreResult, CoreSetup
from jobsim.model.core.draws import CounterDraws, MonthDraws
from jobsim.model.core.matching import MatchingFunction, match


class VectorisedCore:
    """Workers and firms of a `CoreSetup` as arrays; `step()` is one month."""

    def __init__(self, setup: CoreSetup, seed: int = 0):
        self.setup = setup
        self.p = setup.params
        self.rng = np.random.default_rng(seed)
        keys = np.random.SeedSequence(seed).spawn(2)  # counter-based draws, as the model's (model/core/draws.py)
        self.separation_draws, self.matching_draws = (CounterDraws(int(k.generate_state(1, np.uint64)[0])) for k in keys)
        self.n_areas = setup.n_areas
        self.area = setup.worker_area.copy()
        self.skill = setup.worker_skill.copy()
        self.firm = setup.worker_firm.copy()  # employer index, -1 when unemployed
        self.since = setup.worker_since.copy()
        self.search_mult = np.ones(setup.n_workers)
        self.f_area = setup.firm_area
        self.f_skill_req = setup.firm_skill_req
        self.demand = setup.firm_base_demand.copy()
        self.vacancies = np.zeros(setup.n_firms, np.int64)
        self.no_priority = np.zeros(setup.n_workers, bool)
        self.matching = MatchingFunction(self.p["matching_efficiency"], self.p["matching_elasticity_vacancies"],
                                         self.p["matching_elasticity_searchers"])
        self.month = -1
        self.result = CoreResult()

    def uniform(self, idx: np.ndarray, slot: int) -> np.ndarray:
        return self.separation_draws.uniform(self.month, slot, idx)

    def sample(self, idx: np.ndarray, prob: float) -> np.ndarray:
        """As `LabourMarketModel.sample`: each member whose counter-based uniform is below `prob`."""
        return idx[self.uniform(idx, 0) < prob]

    def step(self) -> None:
        self.month += 1
        t = min(self.month, len(self.setup.demand_index) - 1)
        self.demand = self.setup.firm_base_demand * self.setup.demand_index[t, self.f_area]
        n_sep, n_laid_off = self.separate_workers()
        hires = self.search_and_match()
        self.result.record(hires, n_sep, n_laid_off, int(np.count_nonzero(self.firm < 0)), int(self.vacancies.sum()))

    def run(self, n_months: int | None = None) -> CoreResult:
        for _ in range(self.setup.n_months if n_months is None else n_months):
            self.step()
        return self.result

    def separate_workers(self) -> tuple[int, int]:
        """Mirrors `LabourMarketModel.separate_workers` (firm employees only; no self-employed here)."""
        p, n_firms = self.p, len(self.f_area)
        emp = np.flatnonzero(self.firm >= 0)
        firm = self.firm[emp]
        employment = np.bincount(firm, minlength=n_firms).astype(float)
        excess = np.maximum(employment - np.ceil(self.demand), 0.0)
        excess_rate = np.where(employment > 0,
                               p["excess_layoff_share_monthly"] * excess / np.maximum(employment, 1.0), 0.0)
        ordinary = self.sample(emp, p["separation_rate_monthly"])
        over = excess_rate[firm] > 0
        in_excess = emp[over]
        extra = in_excess[self.uniform(in_excess, 1) < excess_rate[firm[over]]]
        extra = np.setdiff1d(extra, ordinary, assume_unique=True)
        n_laid_off = int(np.count_nonzero(self.uniform(ordinary, 2) < p["layoff_share"])) + len(extra)
        leaving = np.concatenate([ordinary, extra])
        self.firm[leaving] = -1
        self.since[leaving] = self.month
        employment = np.bincount(self.firm[self.firm >= 0], minlength=n_firms).astype(float)
        self.vacancies = np.maximum(np.round(self.demand) - employment, 0).astype(np.int64)
        return len(leaving), n_laid_off

    def search_intensity(self, idx: np.ndarray) -> np.ndarray:
        """`LabourMarketModel.search_intensity` without the programme multipliers (all 1 here)."""
        p = self.p
        months = np.maximum(self.month - self.since[idx], 0)
        decay = np.maximum((1.0 - p["application_decay_per_month"]) ** months, p["application_decay_floor"])
        return decay * self.search_mult[idx]

    def search_and_match(self) -> int:
        p = self.p
        searchers = np.flatnonzero(self.firm < 0)
        result = match(
            self.area[searchers], self.skill[searchers], self.search_intensity(searchers),
            self.no_priority[searchers], self.f_area, self.f_skill_req, self.vacancies, self.n_areas,
            p["cross_city_search_share"], p["hiring_skill_weight"], self.matching, self.setup.scale,
            MonthDraws(self.matching_draws, self.month), searcher_id=searchers)
        idx, firm = searchers[result.hired], result.firm
        self.firm[idx] = firm
        self.since[idx] = self.month
        self.search_mult[idx] = 1.0
        np.subtract.at(self.vacancies, firm, 1)
        return len(idx)


def run_vectorised(setup: CoreSetup, seed: int = 0, n_months: int | None = None) -> CoreResult:
    return VectorisedCore(setup, seed).run(n_months)
