"""The labour-market agent-based model: workers, firms and programmes stepping one month at a time.

`LabourMarketModel.step()` reads as the order of events in a month. Workers and firms are arrays
(`model/agents.py`) updated in bulk; programmes are Mesa agents (`model/programmes.py`); Mesa's
`Model` provides the generator that builds the population (`self.rng`) from the seed, and each
monthly process and programme draws from its own stream spawned from the same seed (`STREAMS`), its
draws per agent counter-based (`LabourMarketModel.draws`: keyed by seed, process, month and the agent's
id), so the same scenario and seed give bit-identical results and a lever change leaves the draws of
other processes, and of every agent it does not touch, alone.

A run starts from the areas' structure at the end of `AreaFacts.structure_year`. When its first year
is later than structure_year + 1 (a 2026 run from the 2020 census), the model first rolls the
population forward through the years in between, unrecorded in the period's record: the spin-up
(`LabourMarketModel.spin_up`), with each year's own real GDP growth and the first projected year's levers.
"""

from __future__ import annotations

import mesa
import numpy as np

from jobsim.model.core import agents as A
from jobsim.model.core.draws import CounterDraws, MonthDraws, pair_ids, rank_within
from jobsim.model.core.matching import MatchingFunction, match
from jobsim.model.core.runspec import RunSpec
from jobsim.model.core.population import build_population, new_worker_columns, stochastic_round
from jobsim.model.core.programmes import (
    GrassrootsProgramme, InternshipProgramme, LoanProgramme, PublicWelfarePosts, TrainingProgramme,
    UnemploymentInsurance,
)

# The model's random streams, one per process (and one per programme, named by its class), spawned
# from the run's seed in this fixed order: a lever change then leaves the other processes' draws in
# place, so paired differences measure the lever rather than the noise (DESIGN.md, Randomness).
# Draws per agent (or firm, or vacancy) over a set that depends on the state -- who separates, who is
# hired, who is picked for a programme -- are counter-based instead (`LabourMarketModel.draws`,
# model/core/draws.py): a pure function of (this process's key, the month, a slot, the worker's `uid`
# or the firm's index), so the same agent gets the same uniform in both arms of a what-if whatever
# else changed; a sequential stream would hand every later draw to another agent once the set differs.
# The sequential streams still serve draws whose number never depends on the state (entrants, demand
# shocks) and the loan programme's sizes, job counts and areas (docs/methodology.md, "Determinism and speed").
STREAMS = ("demography", "entry", "demand", "firm_exits", "separations", "vacancies", "rural_transfer",
           "matching", "own_business", "participation", "registration",
           "TrainingProgramme", "LoanProgramme", "PublicWelfarePosts", "InternshipProgramme",
           "GrassrootsProgramme", "UnemploymentInsurance")

# Variables tallied per area and month (persons, person-times, firms or yuan).
TALLIES = (
    "trainees_started", "entrepreneurship_trainees_started", "guaranteed_loans_issued_yuan",
    "startups_created", "startup_jobs", "posts_filled", "internships_started", "grassroots_started",
    "spending_training_yuan", "spending_loans_yuan", "spending_public_welfare_posts_yuan",
    "spending_internships_yuan", "spending_grassroots_yuan", "spending_unemployment_insurance_yuan",
)


class LabourMarketModel(mesa.Model):
    """A region's labour market from January of `spec.first_year` to December of `spec.last_year`.

    Built `warm_up_months` before its first simulated year: the first year, or, when the facts describe
    an earlier year-end than first_year - 1, structure_year + 1, from which the population is rolled
    forward to the first year unrecorded in the period's record (`spin_up`, `spin_up_recorder`).

    Built from a `RunSpec` (model/core/runspec.py), which holds everything the run depends on:
    the areas' facts, the levers by year (base units), the parameter values, the scale (persons
    per agent) and the seed.
    """

    def __init__(self, spec: RunSpec):
        super().__init__(seed=spec.seed)
        self.spec = spec
        self.region = spec.region
        self.first_year, self.last_year = spec.first_year, spec.last_year
        self.levers = {k: dict(v) for k, v in spec.levers.items()}
        # The spin-up: the years between the facts' structure (the end of structure_year) and the period,
        # simulated unrecorded in the period's recorder (see `spin_up`); () for a period starting at
        # structure_year + 1, as the 2021-2025 scenarios do.
        self.spin_up_years = spec.spin_up_years
        self.simulated_first_year = spec.simulated_first_year
        missing = spec.missing_growth_years()
        if missing:
            spun = (f" and of the spin-up {self.spin_up_years[0]}-{self.spin_up_years[-1]} (the facts describe the end of "
                    f"{spec.structure_year})" if self.spin_up_years else "")
            raise ValueError(f"gdp_real_growth_percent: no value for {missing}; the model needs the real GDP "
                             f"growth of every year {spec.first_year}-{spec.last_year}{spun} (an uncertainty of the run)")
        self.p = spec.parameters_in(spec.first_year)
        self.scale = float(spec.scale)
        self.start_month = self.first_year * 12
        self.n_months = (self.last_year - self.first_year + 1) * 12
        # The run begins `warm_up_months` before its first simulated year (the period's first year, or
        # the spin-up's) with the first year's levers and that year's growth, unrecorded, so that it
        # starts from the model's own flows instead of the synthetic population's first-month
        # transient (a burn-in).
        self.warm_up_months = int(round(self.p["warm_up_months"]))
        built_month = self.simulated_first_year * 12 - self.warm_up_months
        self.month = built_month - 1  # the month being simulated (year*12 + month-1)
        self.recording = False

        self.streams = {name: np.random.default_rng(child) for name, child
                        in zip(STREAMS, np.random.SeedSequence(spec.seed).spawn(len(STREAMS)))}
        self.facts = list(spec.facts)
        self.workers, self.firms, self.build_report = build_population(
            spec.facts, self.scale, self.p, built_month, self.rng)
        self.n_areas = len(self.facts)
        self.area_ids = [f.id for f in self.facts]
        self.min_wage = np.array([f.minimum_wage_monthly_yuan for f in self.facts])
        self.registration_share = np.minimum(
            1.0, np.array([f.registration_share for f in self.facts]) * self.p["registration_propensity_multiplier"])
        self.outside_share = np.array([f.outside_province_share_of_transfers for f in self.facts])
        self.displaced_demand = np.zeros(self.n_areas)
        self.demand_index = np.ones((self.n_areas, 2))  # incumbent demand path by area and sector
        self.matching = self.matching_function()
        self.laid_off_this_month = np.empty(0, np.int64)
        self.vacancies = np.zeros(len(self.firms), np.int64)
        self._tallies = {name: np.zeros(self.n_areas) for name in TALLIES}
        # The market this month, by area, at the matching stage (agents): searchers, open vacancies,
        # and hires the matching function made.
        self.market_searchers = np.zeros(self.n_areas)
        self.market_vacancies = np.zeros(self.n_areas)
        self.market_hires = np.zeros(self.n_areas)
        # Unemployment-insurance coverage of urban firm jobs per area (insured / urban firm employees as built).
        urban_firm = self.status_stocks()[:, 1, A.EMPLOYED_FIRM] * self.scale
        self.insurance_coverage = np.array([min(1.0, f.ui_insured / max(u, 1.0)) for f, u in zip(self.facts, urban_firm)])

        # Programmes in a fixed order (Mesa's AgentSet keeps insertion order when not shuffled).
        self.programmes = mesa.agent.AgentSet(
            [TrainingProgramme(self), LoanProgramme(self), PublicWelfarePosts(self),
             InternshipProgramme(self), GrassrootsProgramme(self), UnemploymentInsurance(self)],
            random=self.random,
        )
        for _ in range(self.warm_up_months):
            self.step()
        self.spin_up_recorder = self.spin_up() if self.spin_up_years else None
        self.recording = True
        self.initial_stocks = self.status_stocks()
        from jobsim.model.core.accounting import MonthlyRecorder  # local: accounting imports model constants
        self.recorder = MonthlyRecorder(self)

    def spin_up(self):
        """Roll the population forward from the facts' structure to January of the first year: step
        through every spin-up year (structure_year + 1 .. first_year - 1) with that year's own real
        GDP growth, the levers of the first projected year (the planners' levers of past years are not
        scenario inputs; `lever` reads them at `period_year`) and the model's own demography (deaths,
        retirements under the 2025 reform, school leavers, graduates). Recorded apart, in the recorder
        returned (its region yearly figures are what `api.spin_up_check` compares with the history),
        so that the period's record starts in January of first_year as for any run."""
        from jobsim.model.core.accounting import MonthlyRecorder  # local: accounting imports model constants

        months = 12 * len(self.spin_up_years)
        self.recorder = MonthlyRecorder(self, first_year=self.spin_up_years[0], n_months=months)
        self.recording = True
        for _ in range(months):
            self.step()
        self.recording = False
        return self.recorder

    # --- calendar and levers ------------------------------------------------------------------
    @property
    def year(self) -> int:
        return self.month // 12

    @property
    def month_of_year(self) -> int:
        return self.month % 12

    @property
    def period_year(self) -> int:
        """The year whose levers apply: the first year during the warm-up and the spin-up."""
        return max(self.year, self.first_year)

    @property
    def growth_year(self) -> int:
        """The year whose real GDP growth applies: the first simulated year during the warm-up, then the
        calendar year (the spin-up's years run with their own growth). Equals `period_year` for a run
        without spin-up."""
        return max(self.year, self.simulated_first_year)

    def lever(self, lever_id: str) -> float:
        return float(self.levers[lever_id][self.period_year])

    # --- the month -----------------------------------------------------------------------------
    def step(self) -> None:
        """One month, in the order things happen."""
        self.begin_month()
        self.age_and_exit()                  # deaths and retirements (natural attrition)
        self.enter_labour_market()           # young entrants each month, graduates in July
        self.update_labour_demand()          # demand path, loan displacement, start-up exits
        self.separate_workers()              # quits, layoffs, business closures
        self.transfer_rural_labour()         # farm workers move to non-farm work or out of the province
        self.programmes.do("step")           # training, loans, posts, internships, grassroots, insurance
        self.start_own_businesses()          # entrepreneurship-trained searchers start up without a loan
        self.search_and_match()              # searchers apply, firms hire
        self.enter_and_leave_labour_force()  # discouraged searchers, re-entrants
        self.register_and_certify()          # registration with the employment service, hard-to-employ
        if self.recording:
            self.recorder.record()
        if self.month_of_year == 11:
            self.workers.compact(self.firms)
        if self.month >= self.start_month + self.n_months - 1:
            self.running = False

    def run(self) -> None:
        """Step through the whole period, then release Mesa's per-model id counter.

        Mesa 3.3 keeps `Agent._ids[model]` in a class-level dict, which holds every model ever built
        alive (calibration builds thousands); no agents are added after the run, so it is dropped."""
        for _ in range(self.n_months):
            self.step()
        mesa.Agent._ids.pop(self, None)

    def begin_month(self) -> None:
        self.month += 1
        if self.month_of_year == 0 and self.spec.parameter_paths:
            # Year-keyed parameter values (a scenario's uncertainties) take effect each January.
            self.p = self.spec.parameters_in(self.year)
            self.matching = self.matching_function()
        self.workers.counters.reset()
        for arr in (*self._tallies.values(), self.market_searchers, self.market_vacancies, self.market_hires):
            arr.fill(0.0)
        self.laid_off_this_month = np.empty(0, np.int64)

    def draws(self, process: str) -> MonthDraws:
        """This month's counter-based draws of `process` (a name in STREAMS; model/core/draws.py). Each
        process's 64-bit key comes from the SeedSequence child its stream is seeded from, spawned once
        more (spawn key (i, 0)), so it is apart from the stream and fixed by the run's seed."""
        try:
            counters = self._counter_draws
        except AttributeError:
            children = np.random.SeedSequence(self.spec.seed).spawn(len(STREAMS))
            counters = self._counter_draws = {
                name: CounterDraws(int(child.spawn(1)[0].generate_state(1, np.uint64)[0]))
                for name, child in zip(STREAMS, children)}
        return MonthDraws(counters[process], self.month)

    def uniform(self, process: str, idx: np.ndarray, slot: int = 0) -> np.ndarray:
        """One counter-based uniform per worker of `idx` (row indices), keyed by the worker's uid."""
        return self.draws(process).uniform(slot, self.workers.uid[idx])

    def sample(self, idx: np.ndarray, prob: float, process: str, slot: int = 0) -> np.ndarray:
        """Each worker of `idx` (sorted row indices) independently with probability `prob`: those whose
        counter-based uniform (process, month, slot, uid) is below it. Returned sorted."""
        if len(idx) == 0:
            return np.empty(0, np.int64)
        return idx[self.uniform(process, idx, slot) < prob]

    # --- tallies (programmes and processes add their counts here) -----------------------------
    def tally(self, name: str, idx: np.ndarray | None = None, per_person: float | np.ndarray = 1.0,
              area: np.ndarray | None = None, weights: np.ndarray | None = None) -> None:
        """Add persons (agents x scale), or yuan per person x persons, by area."""
        areas = self.workers.area[idx] if area is None else area
        if len(areas) == 0:
            return
        w = np.asarray(per_person if weights is None else weights, float)
        # A per-person amount becomes a full array (np.broadcast_to costs more than the bincount at small sizes).
        w = np.full(len(areas), float(w)) if w.ndim == 0 else np.broadcast_to(w, (len(areas),))
        self._tallies[name] += np.bincount(areas.astype(np.int64), weights=w, minlength=self.n_areas) * self.scale

    def tally_area(self, name: str, values: np.ndarray) -> None:
        self._tallies[name] += values

    def area_employment(self) -> np.ndarray:
        w = self.workers
        return np.bincount(w.area[w.status == A.EMPLOYED_FIRM], minlength=self.n_areas).astype(float)

    def status_stocks(self) -> np.ndarray:
        """Agents by (area, urban, status) at this moment."""
        w = self.workers
        alive = w.status >= 0
        # The key in int32 over every row, then the living rows: one fancy index instead of three.
        key = ((w.area.astype(np.int32) * 2 + w.urban) * A.N_STATUS + w.status)[alive]
        return np.bincount(key, minlength=self.n_areas * 2 * A.N_STATUS).reshape(self.n_areas, 2, A.N_STATUS)

    # --- demography ---------------------------------------------------------------------------
    def age_and_exit(self) -> None:
        w, now = self.workers, self.month
        alive = np.flatnonzero(w.status >= 0)
        dies = self.sample(alive, self.p["mortality_rate_per_year"] / 12.0, "demography")
        # Programme participants finish their spell first; everyone else retires on time.
        st = w.status
        retiring = np.flatnonzero((w.retire_month <= now) & (st >= 0) & (st != A.SUBSIDISED_POST)
                                  & (st != A.IN_TRAINING) & (st != A.INTERNSHIP))
        retiring = retiring[~A.row_mask(len(w), dies)[retiring]]  # np.setdiff1d(retiring, dies), same order
        # Record the exits first (owners leave as self-employed: natural attrition), then close the
        # businesses they owned (their staff become unemployed).
        owned = self._owned_firms(np.concatenate([dies, retiring]))
        w.transition(dies, A.DIED, now, job_area=self.job_area(dies))
        w.transition(retiring, A.RETIRED, now, job_area=self.job_area(retiring))
        self._close_firms(owned)

    def enter_labour_market(self) -> None:
        """Young people leaving school each month (urban ones search, rural ones farm until they
        transfer) and, in July, the college graduates who stay in the region."""
        p, rng, now, facts = self.p, self.streams["entry"], self.month, self.facts
        youth = np.array([f.population * f.share_age_0_14 / 15.0 for f in facts]) * (1.0 - p["college_entry_rate"]) / 12.0
        n_youth = stochastic_round(youth / self.scale, rng)
        grads = np.array([f.graduates_per_year * f.graduate_stay_share for f in facts]) * self.spec.graduates_multiplier.get(self.year, 1.0)
        n_grads = stochastic_round(grads / self.scale, rng) if self.month_of_year == 6 else np.zeros(self.n_areas, np.int64)
        ny, ng = int(n_youth.sum()), int(n_grads.sum())
        if ny + ng == 0:
            return
        area = np.concatenate([np.repeat(np.arange(self.n_areas), n_youth), np.repeat(np.arange(self.n_areas), n_grads)])
        urban_share = np.array([f.urbanisation_rate for f in facts])
        urban = np.concatenate([rng.random(ny) < urban_share[area[:ny]], np.ones(ng, bool)])
        college = np.concatenate([np.zeros(ny, bool), np.ones(ng, bool)])
        # Rural school leavers mostly look for non-farm work straight away (a rural transfer once
        # hired, or on leaving the province); the rest farm until they transfer.
        nonfarm = urban | college | (rng.random(ny + ng) < p["rural_school_leavers_nonfarm_share"])
        rural_nonfarm = nonfarm & ~urban
        # Those who go to work outside the province are rural labour transferred on leaving school and
        # never join the region's labour force; the others search locally (a transfer once hired).
        outside = rural_nonfarm & (rng.random(ny + ng) < self.outside_share[area])
        c = self.workers.counters
        c.rural_transferred += np.bincount(area[outside], minlength=self.n_areas)
        c.add_flows((area[outside].astype(np.int64) * A.N_SOURCES + A.ENTRY) * A.N_DESTINATIONS + A.MIGRATED_OUT)
        stay = ~outside
        area, urban, college, rural_nonfarm = area[stay], urban[stay], college[stay], rural_nonfarm[stay]
        status = np.where(nonfarm[stay], A.UNEMPLOYED, A.FARM).astype(np.int8)
        ny = int(stay[:ny].sum())
        n = len(area)
        # Whole months (Python ints) keep the ages integer arrays, as the birth months need.
        entry_age_months = np.where(college, int(round(p["entry_age_college_graduates_years"] * 12)),
                                    int(round(p["entry_age_school_leavers_years"] * 12)))
        age_months = entry_age_months + rng.integers(0, 12, n)
        male = rng.random(n) < np.array([f.male_share for f in facts])[area]
        cols = new_worker_columns(n, area.astype(np.int16), status, (now - age_months).astype(np.int32), male,
                                  college, urban, rng, p, now)
        idx = self.workers.append(cols, now)
        self.workers.transfer_pending[idx[rural_nonfarm]] = True
        if ng:
            graduates = idx[ny:]
            self.workers.grad_month[graduates] = now
            # Graduates with an offer in hand are placed first in this month's matching (they take a
            # vacancy within the market's hires, not on top of them).
            self.give_priority(graduates[rng.random(ng) < p["graduate_employed_at_arrival"]])

    # --- firms --------------------------------------------------------------------------------
    def update_labour_demand(self) -> None:
        """Incumbents' labour demand follows real output: each month the demand index grows by the
        employment elasticity times the year's real GDP growth (log points, spread over twelve months),
        plus a province-wide shock common to every city and sector and smaller shocks of each city and
        sector. Loan-backed demand that is not additional displaces incumbents' demand in its area."""
        f, p, rng = self.firms, self.p, self.streams["demand"]
        growth = np.log1p(self.spec.gdp_real_growth_percent[self.growth_year] / 100.0)
        drift = p["employment_elasticity_to_output"] * growth / 12.0
        common = rng.normal(0.0, p["demand_common_shock_sd_per_year"] / np.sqrt(12.0))
        own = rng.normal(0.0, p["demand_idiosyncratic_shock_sd_per_year"] / np.sqrt(12.0), self.demand_index.shape)
        self.demand_index *= np.exp(drift + common + own)
        incumbent = (~f.loan_backed) & f.alive
        level = self.demand_index[f.area, f.sector] * (1.0 + p["demand_level_shift"])
        path = f.base_demand * level
        total = np.bincount(f.area[incumbent], weights=path[incumbent], minlength=self.n_areas)
        keep_share = A.clamp(1.0 - self.displaced_demand / np.maximum(total, 1e-9), 0.0, 1.0)
        f.demand[incumbent] = path[incumbent] * keep_share[f.area[incumbent]]
        self._startup_exits()

    def _startup_exits(self) -> None:
        f, p = self.firms, self.p
        lb = np.flatnonzero(f.loan_backed & f.alive)
        if len(lb) == 0:
            return
        age_years = (self.month - f.birth[lb]) / 12.0
        hazard = np.select([age_years < 1, age_years < 2, age_years < 3],
                           [p["startup_exit_hazard_year1"], p["startup_exit_hazard_year2"], p["startup_exit_hazard_year3"]],
                           p["startup_exit_hazard_later"])
        hazard = np.where(f.entre_owner[lb], hazard * p["entrepreneurship_survival_multiplier"], hazard)
        # Keyed by the firm's index (firm rows are never removed: the index is the firm's id for the run).
        exits = lb[self.draws("firm_exits").uniform(0, lb) < 1.0 - (1.0 - hazard) ** (1.0 / 12.0)]
        self._close_firms(exits)

    def _close_firms(self, firms: np.ndarray) -> None:
        if len(firms) == 0:
            return
        f, w = self.firms, self.workers
        f.alive[firms] = False
        f.demand[firms] = 0.0
        np.subtract.at(self.displaced_demand, f.area[firms].astype(np.int64), f.displacement[firms])
        f.displacement[firms] = 0.0
        closing = np.zeros(len(f) + 1, bool)  # index -1 (no firm) maps to the spare last slot
        closing[firms] = True
        staff = np.flatnonzero(closing[w.firm] & (w.status == A.EMPLOYED_FIRM))
        owners = f.owner[firms]
        owners = owners[owners >= 0]
        owners = owners[w.status[owners] == A.SELF_EMPLOYED]
        laid_off = np.concatenate([staff, owners])
        w.transition(laid_off, A.UNEMPLOYED, self.month)
        self.laid_off_this_month = np.concatenate([self.laid_off_this_month, staff])

    def _owned_firms(self, leaving: np.ndarray) -> np.ndarray:
        """Open loan-backed businesses owned by `leaving` (they close when the owner dies or retires)."""
        w = self.workers
        owned = w.firm[leaving[w.status[leaving] == A.SELF_EMPLOYED]]
        owned = owned[owned >= 0]
        return owned[self.firms.alive[owned]]

    def separate_workers(self) -> None:
        w, f, p, now = self.workers, self.firms, self.p, self.month
        emp = np.flatnonzero(w.status == A.EMPLOYED_FIRM)
        firm = w.firm[emp]
        employment = np.bincount(firm, minlength=len(f)).astype(float)
        # Quits and ordinary layoffs at the separation rate; firms above demand lay off a share of the excess.
        excess = np.maximum(employment - np.ceil(f.demand), 0.0)
        excess_rate = np.where(employment > 0, p["excess_layoff_share_monthly"] * excess / np.maximum(employment, 1.0), 0.0)
        # Counter-based draws (slots 0-3): a worker's draws do not depend on who else is employed.
        ordinary = self.sample(emp, p["separation_rate_monthly"], "separations", 0)
        over = excess_rate[firm] > 0
        in_excess = emp[over]
        extra = in_excess[self.uniform("separations", in_excess, 1) < excess_rate[firm[over]]]
        extra = extra[~A.row_mask(len(w), ordinary)[extra]]  # np.setdiff1d(extra, ordinary), same order
        laid_off = np.concatenate([ordinary[self.uniform("separations", ordinary, 2) < p["layoff_share"]], extra])
        separated = np.concatenate([ordinary, extra])
        # Their jobs leave the firms' employment (counted before `transition` clears their firm).
        employment -= np.bincount(w.firm[separated], minlength=len(f))
        w.transition(separated, A.UNEMPLOYED, now)
        self.laid_off_this_month = np.concatenate([self.laid_off_this_month, laid_off])
        # Self-employed without a loan-backed firm close their business at the same rate.
        own = np.flatnonzero((w.status == A.SELF_EMPLOYED) & (w.firm < 0))
        closing = self.sample(own, p["separation_rate_monthly"], "separations", 3)
        w.transition(closing, A.UNEMPLOYED, now)
        # Open vacancies: demand not yet filled (closing own businesses leaves firm employment as it is).
        self.vacancies = np.where(f.alive, np.maximum(np.round(f.demand) - employment, 0), 0).astype(np.int64)
        self._withdraw_vacancies()

    def _withdraw_vacancies(self) -> None:
        """Firms give up a share of their open vacancies each month and lower their demand by as much:
        output plans adapt to the labour a firm can find, so demand growing faster than the labour
        force raises the vacancy stock to a level (vacancies per searcher) instead of without end."""
        f = self.firms
        # Binomial(vacancies, rate) per firm, as one counter-based Bernoulli per open vacancy keyed by
        # (firm, its j-th vacancy): a firm keeps its draws when other firms' vacancies change.
        open_firms = np.flatnonzero(self.vacancies > 0)
        counts = self.vacancies[open_firms]
        firm_of = np.repeat(open_firms, counts)
        gone = self.draws("vacancies").uniform(0, pair_ids(firm_of, rank_within(counts))) < self.p["vacancy_withdrawal_rate_monthly"]
        withdrawn = np.bincount(firm_of[gone], minlength=len(self.vacancies)).astype(np.int64)
        if not withdrawn.any():
            return
        self.vacancies -= withdrawn
        # Demand is the path times base demand: scale the base down so the path keeps its shape.
        share_kept = np.where(f.demand > 0, 1.0 - withdrawn / np.maximum(f.demand, 1e-9), 1.0)
        f.base_demand *= share_kept
        f.demand *= share_kept

    def transfer_rural_labour(self) -> None:
        w, now = self.workers, self.month
        farm = np.flatnonzero(w.status == A.FARM)
        rate = 1.0 - (1.0 - self.p["rural_transfer_rate_per_year"]) ** (1.0 / 12.0)
        movers = farm[self.uniform("rural_transfer", farm, 0) < rate]
        outside = self.uniform("rural_transfer", movers, 1) < self.outside_share[w.area[movers]]
        out = movers[outside]
        # Leaving the province for work counts as a transfer now; staying counts when hired locally.
        w.counters.rural_transferred += np.bincount(w.area[out], minlength=self.n_areas)
        w.transition(out, A.MIGRATED_OUT, now)
        stay = movers[~outside]
        w.transfer_pending[stay] = True
        w.transition(stay, A.UNEMPLOYED, now)

    # --- search, matching and placements -------------------------------------------------------
    def matching_function(self) -> MatchingFunction:
        """The areas' matching function with this year's parameters."""
        p = self.p
        return MatchingFunction(p["matching_efficiency"], p["matching_elasticity_vacancies"], p["matching_elasticity_searchers"])

    def search_intensity(self, idx: np.ndarray) -> np.ndarray:
        """Relative search effort (a newly unemployed searcher = 1): falls with the months unemployed
        to a floor (the certified hard-to-employ search at the floor, whatever their spell), is raised
        for a while after training, lowered while benefits last and, for a searcher on the employment
        service's register, scaled by registered_search_multiplier (the registered are a slower group:
        re-employment and the register's stock together say how much slower; methodology section 5)."""
        w, p, now = self.workers, self.p, self.month
        months = np.maximum(now - w.spell_start[idx], 0)
        decay = np.maximum((1.0 - p["application_decay_per_month"]) ** months, p["application_decay_floor"])
        decay = np.where(w.hard[idx], p["application_decay_floor"], decay)
        trained = np.where(w.trained_until[idx] >= now, p["training_hiring_multiplier"], 1.0)
        ui = np.where(w.ui_left[idx] > 0, p["ui_search_multiplier"], 1.0)
        registered = np.where(w.registered[idx], p["registered_search_multiplier"], 1.0)
        return decay * trained * ui * registered * w.search_mult[idx]

    def sync_vacancies(self) -> None:
        """Firms opened since the vacancy count (loan-backed start-ups) open their whole demand as vacancies."""
        n_old, n_new = len(self.vacancies), len(self.firms)
        if n_new > n_old:
            fresh = np.maximum(np.round(self.firms.demand[n_old:]), 0).astype(np.int64)
            self.vacancies = np.concatenate([self.vacancies, fresh])

    def search_and_match(self) -> None:
        """The month's hires from the matching function of each area's searchers and vacancies."""
        self.sync_vacancies()
        w, f, p = self.workers, self.firms, self.p
        searchers = np.flatnonzero(w.status == A.UNEMPLOYED)
        result = match(
            w.area[searchers], w.skill[searchers], self.search_intensity(searchers), w.priority[searchers],
            f.area, f.skill_req, self.vacancies, self.n_areas, p["cross_city_search_share"],
            p["hiring_skill_weight"], self.matching, self.scale, self.draws("matching"), searcher_id=w.uid[searchers])
        self.market_searchers += result.searchers
        self.market_vacancies += result.vacancies
        self.market_hires += result.hires
        # A priority searcher not hired this month searches as anyone else from now on.
        w.priority[searchers] = False
        self._hire(searchers[result.hired], result.firm)

    def _hire(self, idx: np.ndarray, firm: np.ndarray) -> None:
        w, f = self.workers, self.firms
        if len(idx) == 0:
            return
        w.transition(idx, A.EMPLOYED_FIRM, self.month, job_area=f.area[firm])
        w.firm[idx] = firm
        # A worker hired by a firm in another city stays counted where they live (as the labour-force
        # survey counts residents), so city stocks and flows stay consistent.
        w.search_mult[idx] = 1.0
        w.insured[idx] = self.uniform("matching", idx, 5) < self.insurance_coverage[w.area[idx]]  # slots 0-4: match()
        np.subtract.at(self.vacancies, firm, 1)
        lb = f.loan_backed[firm]
        self.tally("startup_jobs", idx[lb])

    def job_area(self, idx: np.ndarray) -> np.ndarray:
        """Where each of `idx` works: their firm's area for firm employees, else where they live."""
        w = self.workers
        firm = w.firm[idx]
        employee = (w.status[idx] == A.EMPLOYED_FIRM) & (firm >= 0)
        return np.where(employee, self.firms.area[np.maximum(firm, 0)], w.area[idx]).astype(np.int64)

    def give_priority(self, idx: np.ndarray) -> None:
        """Searchers placed first in this month's matching (they must already be unemployed). Every
        placement goes through the market: it takes an open vacancy within the matching function's
        hires, so a placement displaces another hire rather than adding one."""
        self.workers.priority[idx] = True

    def start_own_businesses(self) -> None:
        w, now = self.workers, self.month
        ready = np.flatnonzero((w.status == A.UNEMPLOYED) & (w.entre_until >= now))
        starters = ready[self.uniform("own_business", ready) < self.p["entrepreneurship_startup_rate_monthly"]]
        w.transition(starters, A.SELF_EMPLOYED, now)

    # --- labour-force participation and registration ---------------------------------------------
    def enter_and_leave_labour_force(self) -> None:
        w, p, now = self.workers, self.p, self.month
        searching = np.flatnonzero((w.status == A.UNEMPLOYED) & (w.since < now))
        quit_search = searching[self.uniform("participation", searching, 0) < p["unemployed_to_inactive_monthly"]]
        w.transition(quit_search, A.INACTIVE, now)
        w.registered[quit_search] = False
        w.ui_left[quit_search] = 0
        inactive = np.flatnonzero((w.status == A.INACTIVE) & (w.since < now))
        back = inactive[self.uniform("participation", inactive, 1) < p["inactive_to_search_monthly"]]
        w.transition(back, A.UNEMPLOYED, now)

    def register_and_certify(self) -> None:
        w, p, now = self.workers, self.p, self.month
        new_spell = np.flatnonzero((w.status == A.UNEMPLOYED) & (w.spell_start == now) & ~w.registered)
        w.registered[new_spell] = self.uniform("registration", new_spell) < self.registration_share[w.area[new_spell]]
        reg = np.flatnonzero((w.status == A.UNEMPLOYED) & w.registered & ~w.hard)
        age = now - w.birth[reg]
        older = np.where(w.male[reg], p["hard_to_employ_age_men"], p["hard_to_employ_age_women"]) * 12 <= age
        long_term = (now - w.spell_start[reg]) >= p["long_term_unemployed_months"]
        eligible = older | long_term
        w.hard[reg] = eligible & (w.cert_draw[reg] < p["hard_to_employ_certification_share"])
