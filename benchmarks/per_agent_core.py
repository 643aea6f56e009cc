"""The core monthly loop (separation, search, matching) written the usual Mesa way: one object per agent.

This is the reference the vectorised model is measured against, so it mirrors it rule for rule:

- separation -- `LabourMarketModel.separate_workers` (model/model.py): an employee leaves with
  probability `separation_rate_monthly` (involuntarily with probability `layoff_share`); otherwise,
  if the firm was above its demand at the start of the month, with probability
  0.25 x excess / employment (a layoff). Vacancies are then round(demand) - employment.
- search -- `LabourMarketModel.search_intensity` and `jobsim.model.core.matching.match`: an unemployed worker
  (including one who separated this month) draws a Poisson number of applications with mean
  applications_per_month x max((1 - decay)^months unemployed, 0.3) x search multiplier; each goes
  to the home area, or with probability `cross_city_search_share` (or when home has no vacancy) to
  an area drawn in proportion to its vacancies; within the area, to a firm in proportion to its
  vacancies; one application per worker and firm counts.
- matching -- `jobsim.model.core.matching.match`: the firm finds each applicant suitable with probability
  min(1, success_rate x exp(-skill_weight x gap)), ranks the suitable ones by -skill_weight x gap plus
  a Gumbel(0, 1) shock, and offers its vacancies to the best; a worker with several offers takes one
  at random, and the others lapse.

Mesa 3 has no schedulers: a model calls its agents' methods through `AgentSet.do` /
`AgentSet.shuffle_do`, stage by stage (what `StagedActivation` used to do). The month needs stages
because the vectorised model's order matters: every separation happens before anyone searches (so
this month's separated search this month, against the vacancies they left), and every application
is in before a firm chooses. Stages: firms plan -> workers separate (`Worker.step`) -> firms open
vacancies -> searchers search -> firms choose (`Firm.step`) -> workers accept.

It is written to be fair, not slow: searchers are kept in an AgentSet (no scan of all workers to
find them), firms are drawn by bisection on cumulative vacancies (`random.choices(cum_weights=...)`)
and only workers holding offers are visited to accept.
"""

from __future__ import annotations

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
        self.applicants: list[Worker] = []

    def plan(self) -> None:
        """Start of the month: this month's demand, and the layoff rate if above it."""
        m = self.model
        self.demand = self.base_demand * m.demand_index[self.area]
        excess = max(self.employment - math.ceil(self.demand), 0)
        self.excess_rate = 0.25 * excess / self.employment if self.employment > 0 else 0.0

    def open_vacancies(self) -> None:
        """After separations: vacancies are the demand not filled."""
        self.vacancies = max(round(self.demand) - self.employment, 0)

    def step(self) -> None:
        """Screen this month's applicants, rank the suitable ones, offer the vacancies to the best."""
        if not self.applicants:
            return
        m = self.model
        rand = self.random.random
        sw, sr = m.skill_weight, m.success_rate
        scored = []
        for w in self.applicants:
            gap = abs(w.skill - self.skill_req)
            if rand() < min(1.0, sr * math.exp(-sw * gap)):
                gumbel = -math.log(max(self.random.expovariate(1.0), 1e-300))
                scored.append((-sw * gap + gumbel, w))
        self.applicants = []
        if not scored:
            return
        scored.sort(key=lambda s: s[0], reverse=True)
        for _, w in scored[: self.vacancies]:
            if not w.offers:
                m.offered.append(w)
            w.offers.append(self)


class Worker(mesa.Agent):
    """A worker: area, skill, employer (a Firm, or None when unemployed), month the status began."""

    def __init__(self, model: "PerAgentCore", area: int, skill: float, employer: Firm | None, since: int):
        super().__init__(model)
        self.area = area
        self.skill = skill
        self.employer = employer
        self.since = since
        self.search_mult = 1.0
        self.offers: list[Firm] = []
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
        """Send a Poisson number of applications to firms in proportion to their vacancies."""
        m = self.model
        if m.area_cum[-1] == 0:  # no vacancy anywhere
            return
        months = max(m.month - self.since, 0)
        intensity = m.applications * max(m.decay ** months, 0.3) * self.search_mult
        n_apps = int(m.rng.poisson(intensity))
        if n_apps == 0:
            return
        rand = self.random.random
        applied: set[Firm] = set()
        for _ in range(n_apps):
            area = self.area
            if rand() < m.cross_share or m.area_total[area] == 0:
                area = self.random.choices(m.area_ids, cum_weights=m.area_cum)[0]
            if m.area_total[area] == 0:
                continue
            firm = self.random.choices(m.area_firms[area], cum_weights=m.area_firm_cum[area])[0]
            if firm not in applied:
                applied.add(firm)
                firm.applicants.append(self)

    def accept(self) -> None:
        """Take one of the offers at random; the others lapse."""
        firm = self.random.choice(self.offers)
        self.offers = []
        m = self.model
        firm.employment += 1
        firm.vacancies -= 1
        self.employer = firm
        self.area = firm.area  # a worker hired in another area moves there
        self.since = m.month
        self.search_mult = 1.0
        m.searching.discard(self)
        m.month_hires += 1


class PerAgentCore(mesa.Model):
    """The core loop of a `CoreSetup` with one Mesa agent per worker and per firm."""

    def __init__(self, setup: CoreSetup, seed: int = 0):
        super().__init__(seed=seed)
        p = setup.params
        self.setup = setup
        self.separation_rate = p["separation_rate_monthly"]
        self.layoff_share = p["layoff_share"]
        self.applications = p["applications_per_month"]
        self.decay = 1.0 - p["application_decay_per_month"]
        self.success_rate = p["application_success_rate"]
        self.skill_weight = p["hiring_skill_weight"]
        self.cross_share = p["cross_city_search_share"]
        self.area_ids = list(range(setup.n_areas))
        self.month = -1
        self.demand_index = [1.0] * setup.n_areas
        self.searching = mesa.agent.AgentSet([], random=self.random)
        self.offered: list[Worker] = []
        self.result = CoreResult()

        firm_agents = [Firm(self, int(a), float(s), float(d)) for a, s, d in
                       zip(setup.firm_area, setup.firm_skill_req, setup.firm_base_demand)]
        for a, s, f, since in zip(setup.worker_area, setup.worker_skill, setup.worker_firm, setup.worker_since):
            Worker(self, int(a), float(s), firm_agents[f] if f >= 0 else None, int(since))
        self.workers = self.agents_by_type[Worker]
        self.firms = self.agents_by_type[Firm]
        self.firms_by_area = [[f for f in firm_agents if f.area == a] for a in self.area_ids]

    def step(self) -> None:
        self.month += 1
        t = min(self.month, len(self.setup.demand_index) - 1)
        self.demand_index = [float(x) for x in self.setup.demand_index[t]]
        self.month_hires = self.month_separations = self.month_layoffs = 0

        self.firms.do("plan")
        self.workers.shuffle_do("step")          # separation
        self.firms.do("open_vacancies")
        self.index_vacancies()
        self.searching.shuffle_do("search")      # applications
        self.firms.shuffle_do("step")            # screening, ranking, offers
        offered, self.offered = self.offered, []
        mesa.agent.AgentSet(offered, random=self.random).shuffle_do("accept")

        self.result.record(self.month_hires, self.month_separations, self.month_layoffs, len(self.searching),
                           sum(f.vacancies for f in self.firms))

    def index_vacancies(self) -> None:
        """Per area, the firms with vacancies and their cumulative vacancies (for weighted draws)."""
        self.area_firms, self.area_firm_cum, self.area_total = [], [], []
        for firms in self.firms_by_area:
            open_firms = [f for f in firms if f.vacancies > 0]
            cum = list(accumulate(f.vacancies for f in open_firms))
            self.area_firms.append(open_firms)
            self.area_firm_cum.append(cum)
            self.area_total.append(cum[-1] if cum else 0)
        self.area_cum = list(accumulate(self.area_total))

    def run(self, n_months: int | None = None) -> CoreResult:
        for _ in range(self.setup.n_months if n_months is None else n_months):
            self.step()
        return self.result


def run_per_agent(setup: CoreSetup, seed: int = 0, n_months: int | None = None) -> CoreResult:
    return PerAgentCore(setup, seed).run(n_months)
