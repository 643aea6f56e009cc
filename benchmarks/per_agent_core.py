"""The core monthly loop (separation, search, matching) written the usual Mesa way: one object per agent.

This is the reference the vectorised model is measured against, so it mirrors it rule for rule:

- separation -- `LabourMarketModel.separate_workers` (model/core/model.py): an employee leaves with
  probability `separation_rate_monthly` (involuntarily with probability `layoff_share`); otherwise,
  if the firm was above its demand at the start of the month, with probability
  `excess_layoff_share_monthly` x excess / employment (a layoff). Vacancies are then
  round(demand) - employment.
- search -- `LabourMarketModel.search_intensity` and `jobsim.model.core.matching.match`: an unemployed
  worker (including one who separated this month) searches with relative intensity
  max((1 - decay)^months unemployed, `application_decay_floor`) x search multiplier (a new searcher
  = 1), in their home area or, with probability `cross_city_search_share` (or when home has no
  vacancy), in an area drawn in proportion to its open vacancies.
- matching -- `jobsim.model.core.matching.match`, per area (an `Area` agent): the month's hires are
  the matching function matching_efficiency x V^alpha x S^beta of the area's open vacancies V and
  effective search S (the sum of the intensities of those looking there), in persons
  (agents x scale), rounded stochastically to whole agents and capped at V and at the number
  looking. Who is hired: that many searchers drawn without replacement with weights
  intensity x exp(-hiring_skill_weight x shortfall), the shortfall being how far the searcher's skill
  falls below the area's vacancy-weighted skill requirement (each searcher draws an
  Efraimidis-Spirakis key, expovariate(1) / weight, and the area takes the smallest keys). Which
  vacancies: that many of the area's vacancy slots drawn without replacement (each firm in
  proportion to its open vacancies); the most skilled hire takes the most demanding vacancy. No one
  has priority (there are no programmes here). A worker hired in another area keeps their home area.

Mesa 3 has no schedulers: a model calls its agents' methods through `AgentSet.do` /
`AgentSet.shuffle_do`, stage by stage (what `StagedActivation` used to do). The month needs stages
because the vectorised model's order matters: every separation happens before anyone searches (so
this month's separated search this month, against the vacancies they left), and every searcher has
chosen an area before an area hires. Stages: firms plan -> workers separate (`Worker.step`) -> firms
open vacancies -> areas index their vacancies -> searchers search (`Worker.search`) -> areas hire
(`Area.step`, which calls `Worker.take_job`).

It is written to be fair, not slow: searchers are kept in an AgentSet (no scan of all workers to
find them), areas are drawn by bisection on cumulative vacancies (`random.choices(cum_weights=...)`),
an area picks its hires with `heapq.nsmallest` over the keys of those looking there and its vacancies
with `random.sample(counts=...)` (no list of slots), and only hired workers are visited to take a job.
"""

from __future__ import annotations

import heapq
import math
from itertools import accumulate

import mesa

from benchmarks.synthetic import CoreResult, CoreSetup


class Firm(mesa.Agent):
    """An employer: area, skill requirement, demand (desired employment), employment, vacancies."""

    def __init__(self, model: "PerAgentCore", area: int, skill_req: float, base_demand: float):
        super().__init__(model)
        self.area = area
        self.skill_req = skill_req
        self.base_demand = base_demand
        self.demand = base_demand
        self.employment = 0
        self.excess_rate = 0.0
        self.vacancies = 0

    def plan(self) -> None:
        """Start of the month: this month's demand, and the layoff rate if above it."""
        m = self.model
        self.demand = self.base_demand * m.demand_index[self.area]
        excess = max(self.employment - math.ceil(self.demand), 0)
        self.excess_rate = m.excess_layoff_share * excess / self.employment if self.employment > 0 else 0.0

    def open_vacancies(self) -> None:
        """After separations: vacancies are the demand not filled."""
        self.vacancies = max(round(self.demand) - self.employment, 0)


class Area(mesa.Agent):
    """A local labour market: its firms, this month's open vacancies and skill requirement, and the
    searchers looking in it with their effective search."""

    def __init__(self, model: "PerAgentCore", index: int):
        super().__init__(model)
        self.index = index
        self.firms: list[Firm] = []
        self.open_firms: list[Firm] = []
        self.open_counts: list[int] = []
        self.total_vacancies = 0
        self.requirement = 0.0
        self.looking: list[Worker] = []
        self.search = 0.0

    def index_vacancies(self) -> None:
        """After vacancies open: the open firms, their counts, the total and the vacancy-weighted
        skill requirement; nobody is looking yet."""
        self.open_firms = [f for f in self.firms if f.vacancies > 0]
        self.open_counts = [f.vacancies for f in self.open_firms]
        self.total_vacancies = sum(self.open_counts)
        weighted = sum(f.vacancies * f.skill_req for f in self.open_firms)
        self.requirement = weighted / self.total_vacancies if self.total_vacancies else 0.0
        self.looking = []
        self.search = 0.0

    def step(self) -> None:
        """The matching function gives the month's hires; the smallest keys are hired into vacancy slots
        drawn in proportion to the firms' vacancies, the most skilled to the most demanding."""
        v, n = self.total_vacancies, len(self.looking)
        if v == 0 or n == 0:
            return
        m = self.model
        scale = m.scale
        expected = m.efficiency * (v * scale) ** m.alpha * (self.search * scale) ** m.beta / scale
        whole = math.floor(expected)
        hires = whole + (1 if self.random.random() < expected - whole else 0)
        hires = min(hires, v, n)
        if hires == 0:
            return
        chosen = heapq.nsmallest(hires, self.looking, key=lambda w: w.key)
        slots = self.random.sample(self.open_firms, hires, counts=self.open_counts)
        chosen.sort(key=lambda w: w.skill)
        slots.sort(key=lambda f: f.skill_req)
        for worker, firm in zip(chosen, slots):
            worker.take_job(firm)


class Worker(mesa.Agent):
    """A worker: home area, skill, employer (a Firm, or None when unemployed), month the status began."""

    def __init__(self, model: "PerAgentCore", area: int, skill: float, employer: Firm | None, since: int):
        super().__init__(model)
        self.area = area
        self.skill = skill
        self.employer = employer
        self.since = since
        self.search_mult = 1.0
        self.key = 0.0
        if employer is not None:
            employer.employment += 1
        else:
            model.searching.add(self)

    def step(self) -> None:
        """Separation: an employee quits or is laid off at the separation rate, or laid off by a
        firm above its demand; the separated join the searchers."""
        firm = self.employer
        if firm is None:
            return
        m = self.model
        rand = self.random.random
        if rand() < m.separation_rate:
            if rand() < m.layoff_share:
                m.month_layoffs += 1
        elif firm.excess_rate > 0.0 and rand() < firm.excess_rate:
            m.month_layoffs += 1
        else:
            return
        m.month_separations += 1
        firm.employment -= 1
        self.employer = None
        self.since = m.month
        m.searching.add(self)

    def search(self) -> None:
        """Choose where to look this month, add this searcher's intensity to that area's search, and
        draw the key of the area's weighted draw of hires."""
        m = self.model
        if m.area_cum[-1] == 0:  # no vacancy anywhere: nobody looks (as `match` returns early)
            return
        months = max(m.month - self.since, 0)
        intensity = max(m.decay ** months, m.decay_floor) * self.search_mult
        area = m.areas_by_index[self.area]
        if area.total_vacancies == 0 or self.random.random() < m.cross_share:
            area = self.random.choices(m.areas_by_index, cum_weights=m.area_cum)[0]
        shortfall = max(area.requirement - self.skill, 0.0)
        weight = intensity * math.exp(-m.skill_weight * shortfall)
        self.key = self.random.expovariate(1.0) / weight
        area.looking.append(self)
        area.search += intensity

    def take_job(self, firm: Firm) -> None:
        m = self.model
        firm.employment += 1
        firm.vacancies -= 1
        self.employer = firm
        self.since = m.month
        self.search_mult = 1.0
        m.searching.discard(self)
        m.month_hires += 1


class PerAgentCore(mesa.Model):
    """The core loop of a `CoreSetup` with one Mesa agent per worker, per firm and per area."""

    def __init__(self, setup: CoreSetup, seed: int = 0):
        super().__init__(seed=seed)
        p = setup.params
        self.setup = setup
        self.scale = float(setup.scale)
        self.separation_rate = p["separation_rate_monthly"]
        self.layoff_share = p["layoff_share"]
        self.excess_layoff_share = p["excess_layoff_share_monthly"]
        self.decay = 1.0 - p["application_decay_per_month"]
        self.decay_floor = p["application_decay_floor"]
        self.efficiency = p["matching_efficiency"]
        self.alpha = p["matching_elasticity_vacancies"]
        self.beta = p["matching_elasticity_searchers"]
        self.skill_weight = p["hiring_skill_weight"]
        self.cross_share = p["cross_city_search_share"]
        self.month = -1
        self.demand_index = [1.0] * setup.n_areas
        self.searching = mesa.agent.AgentSet([], random=self.random)
        self.result = CoreResult()

        self.areas_by_index = [Area(self, a) for a in range(setup.n_areas)]
        firm_agents = [Firm(self, int(a), float(s), float(d)) for a, s, d in
                       zip(setup.firm_area, setup.firm_skill_req, setup.firm_base_demand)]
        for f in firm_agents:
            self.areas_by_index[f.area].firms.append(f)
        for a, s, f, since in zip(setup.worker_area, setup.worker_skill, setup.worker_firm, setup.worker_since):
            Worker(self, int(a), float(s), firm_agents[f] if f >= 0 else None, int(since))
        self.workers = self.agents_by_type[Worker]
        self.firms = self.agents_by_type[Firm]
        self.areas = self.agents_by_type[Area]
        self.area_cum = [0]

    def step(self) -> None:
        self.month += 1
        t = min(self.month, len(self.setup.demand_index) - 1)
        self.demand_index = [float(x) for x in self.setup.demand_index[t]]
        self.month_hires = self.month_separations = self.month_layoffs = 0

        self.firms.do("plan")
        self.workers.shuffle_do("step")          # separation
        self.firms.do("open_vacancies")
        self.areas.do("index_vacancies")
        self.area_cum = list(accumulate(a.total_vacancies for a in self.areas_by_index))
        self.searching.shuffle_do("search")      # where to look, search intensity, hiring key
        self.areas.do("step")                    # matching function, hires, vacancies filled

        self.result.record(self.month_hires, self.month_separations, self.month_layoffs, len(self.searching),
                           sum(f.vacancies for f in self.firms))

    def run(self, n_months: int | None = None) -> CoreResult:
        for _ in range(self.setup.n_months if n_months is None else n_months):
            self.step()
        return self.result


def run_per_agent(setup: CoreSetup, seed: int = 0, n_months: int | None = None) -> CoreResult:
    return PerAgentCore(setup, seed).run(n_months)
