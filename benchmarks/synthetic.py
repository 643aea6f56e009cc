"""The synthetic set-up shared by the per-agent and the vectorised core loop.

One seed gives one population: `n_workers` workers in `n_areas` areas (~5% of them unemployed, with
geometric elapsed durations as `model/core/population.py` gives the initial unemployed), firms of
lognormal size (mean `mean_firm_size`, sigma 1) holding the employed in proportion to size, demand
= employment x (1 + initial vacancy rate), and a pre-drawn demand path per area and month built as
`LabourMarketModel.update_labour_demand` builds it (one index per area, no sectors): each month the
log index grows by `employment_elasticity_to_output` x log(1 + real GDP growth) / 12, plus a
province-wide shock common to every area and each area's own shock. Both versions read the same
`CoreSetup`; neither modifies it.

The parameters have the names of the model's parameters (`data/parameters/*.yaml`) and values in
their bounds; the real GDP growth (an uncertainty of a run, not a parameter) is a constant
`GDP_REAL_GROWTH_PERCENT`. The separation rate is the prior's central 0.5% a month (Jiangxi's default
is 0.25%) and the areas' own demand volatility is at the top of its range, so that the flows the
benchmark compares are large enough to compare and the "firm above demand lays off" path is
exercised. Matching is the model's: an area matching function hires = matching_efficiency x
V^alpha x S^beta in persons (`scale` persons per agent; 1 here, so persons = agents), with the
bundled elasticities and an efficiency that keeps unemployment near its starting level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CORE_PARAMS: dict[str, float] = {
    "separation_rate_monthly": 0.005,
    "layoff_share": 0.5,
    "excess_layoff_share_monthly": 0.25,
    "application_decay_per_month": 0.04,
    "application_decay_floor": 0.3,
    "matching_efficiency": 0.15,
    "matching_elasticity_vacancies": 0.4,
    "matching_elasticity_searchers": 0.6,
    "hiring_skill_weight": 2.0,
    "cross_city_search_share": 0.1,
    "initial_vacancy_rate": 0.02,
    "employment_elasticity_to_output": 0.3,
    "demand_common_shock_sd_per_year": 0.01,
    "demand_idiosyncratic_shock_sd_per_year": 0.05,
    "initial_mean_unemployment_months": 10.0,
    "mean_firm_size": 25.0,
}
GDP_REAL_GROWTH_PERCENT = 5.0  # every month of the run (the drift is 0.3 x log 1.05 = 1.5% a year)


@dataclass(frozen=True)
class CoreSetup:
    """Initial state of the core loop. Workers: area (home, where they search), skill, firm (-1 =
    unemployed), since (month the current status began; the run starts at month 0). Firms: area,
    skill_req, base_demand. demand_index[t, a]: firms' demand in month t is base_demand x
    demand_index[t, area]. scale: persons per agent, at which the matching function is evaluated."""

    n_areas: int
    n_months: int
    params: dict[str, float]
    worker_area: np.ndarray
    worker_skill: np.ndarray
    worker_firm: np.ndarray
    worker_since: np.ndarray
    firm_area: np.ndarray
    firm_skill_req: np.ndarray
    firm_base_demand: np.ndarray
    demand_index: np.ndarray
    seed: int = 0
    scale: float = 1.0
    notes: dict = field(default_factory=dict)

    @property
    def n_workers(self) -> int:
        return len(self.worker_area)

    @property
    def n_firms(self) -> int:
        return len(self.firm_area)

    @property
    def n_agents(self) -> int:
        return self.n_workers + self.n_firms


def make_setup(n_workers: int, seed: int = 0, n_months: int = 60, n_areas: int = 11,
               unemployed_share: float = 0.05, params: dict[str, float] | None = None) -> CoreSetup:
    """The synthetic population of `n_workers` workers built from `seed` (same seed, same arrays)."""
    p = dict(CORE_PARAMS if params is None else params)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 20210101]))
    # Areas of unequal size (the 11 cities of a province are far from equal).
    weights = rng.uniform(0.4, 1.6, n_areas)
    area = np.sort(rng.choice(n_areas, size=n_workers, p=weights / weights.sum())).astype(np.int64)
    skill = np.clip(rng.normal(0.5, 0.15, n_workers), 0.0, 1.0)
    unemployed = rng.random(n_workers) < unemployed_share
    elapsed = rng.geometric(1.0 / p["initial_mean_unemployment_months"], n_workers) - 1
    since = np.where(unemployed, -elapsed, -rng.integers(0, 120, n_workers)).astype(np.int64)

    # Firms per area: lognormal sizes with the given mean; employees placed in proportion to size.
    firm_area, firm_size = [], []
    for a in range(n_areas):
        n_emp = int(np.sum((area == a) & ~unemployed))
        n_f = max(1, int(round(n_emp / p["mean_firm_size"])))
        firm_area.append(np.full(n_f, a))
        firm_size.append(rng.lognormal(np.log(p["mean_firm_size"]) - 0.5, 1.0, n_f))
    f_area = np.concatenate(firm_area).astype(np.int64)
    f_size = np.concatenate(firm_size)
    firm = np.full(n_workers, -1, np.int64)
    cum = np.cumsum(f_size)
    start = np.searchsorted(f_area, np.arange(n_areas), side="left")
    end = np.searchsorted(f_area, np.arange(n_areas), side="right")
    lo = np.concatenate([[0.0], cum])[start]
    hi = cum[end - 1]
    emp = np.flatnonzero(~unemployed)
    u = lo[area[emp]] + rng.random(len(emp)) * (hi[area[emp]] - lo[area[emp]])
    firm[emp] = np.clip(np.searchsorted(cum, u, side="right"), start[area[emp]], end[area[emp]] - 1)
    employment = np.bincount(firm[emp], minlength=len(f_area)).astype(np.float64)
    base_demand = employment * (1.0 + p["initial_vacancy_rate"])
    skill_req = np.clip(rng.normal(0.47, 0.1, len(f_area)), 0.0, 1.0)

    # Demand path by area (log index), one step per month: the output path's drift, a common shock
    # and each area's own shock, as `LabourMarketModel.update_labour_demand`.
    drift = p["employment_elasticity_to_output"] * np.log1p(GDP_REAL_GROWTH_PERCENT / 100.0) / 12.0
    common = rng.normal(0.0, p["demand_common_shock_sd_per_year"] / np.sqrt(12.0), (n_months, 1))
    own = rng.normal(0.0, p["demand_idiosyncratic_shock_sd_per_year"] / np.sqrt(12.0), (n_months, n_areas))
    demand_index = np.exp(np.cumsum(drift + common + own, axis=0))

    return CoreSetup(n_areas=n_areas, n_months=n_months, params=p, worker_area=area, worker_skill=skill,
                     worker_firm=firm, worker_since=since, firm_area=f_area, firm_skill_req=skill_req,
                     firm_base_demand=base_demand, demand_index=demand_index, seed=seed)


@dataclass
class CoreResult:
    """Monthly aggregates of one core-loop run (agents, not persons)."""

    hires: list[int] = field(default_factory=list)
    separations: list[int] = field(default_factory=list)
    layoffs: list[int] = field(default_factory=list)
    unemployed: list[int] = field(default_factory=list)  # at the end of the month
    vacancies: list[int] = field(default_factory=list)  # open after matching

    def record(self, hires: int, separations: int, layoffs: int, unemployed: int, vacancies: int) -> None:
        self.hires.append(int(hires))
        self.separations.append(int(separations))
        self.layoffs.append(int(layoffs))
        self.unemployed.append(int(unemployed))
        self.vacancies.append(int(vacancies))

    def summary(self) -> dict[str, float]:
        """Mean monthly hires, separations and layoffs over the run; unemployed and vacancies at the end."""
        n = max(len(self.hires), 1)
        return {
            "months": len(self.hires),
            "mean_monthly_hires": sum(self.hires) / n,
            "mean_monthly_separations": sum(self.separations) / n,
            "mean_monthly_layoffs": sum(self.layoffs) / n,
            "final_unemployed": self.unemployed[-1] if self.unemployed else float("nan"),
            "final_vacancies": self.vacancies[-1] if self.vacancies else float("nan"),
        }
