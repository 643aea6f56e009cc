"""Builds the synthetic worker and firm populations of a region from its structural data.

Each area (a city of a province, or the region itself when it has no cities) is built from its own
facts (`AreaFacts`, loaded by `jobsim.model.inputs.regions.area_facts` from `data/population.csv` /
`data/assumptions.csv`): working-age population, employed persons,
urban employed, farm share, surveyed unemployment, registration share, college share, insured
persons and public-welfare posts. Counts are divided by `scale` (persons per agent) and rounded
stochastically, so that expected totals are exact at any scale.
"""

from __future__ import annotations

import numpy as np

from jobsim.model.core import agents as A
from jobsim.model.core.agents import FirmPopulation, MonthCounters, WorkerPopulation
from jobsim.model.core.facts import AreaFacts

# Census-band arithmetic on the facts' `share_age_15_59` (an allow-listed exception to "every number is
# a parameter", tests/model/inputs/test_parameters.py): the share of the 15-59 band that is 16-59
# (one year of fifteen-year-olds dropped; 16 = minimum_working_age_years), and below, the 9 and 4 of
# its 44 single years (51-59, 56-59) above the original retirement ages of women workers (50) and
# cadres (55). They assume those defaults and a uniform age distribution within the band.
_AGE_16_59_OF_15_59 = 44 / 45


def stochastic_round(x: np.ndarray | float, rng: np.random.Generator) -> np.ndarray:
    """Round to an integer up or down with probabilities that keep the expectation exact."""
    x = np.asarray(x, dtype=np.float64)
    base = np.floor(x)
    return (base + (rng.random(x.shape) < (x - base))).astype(np.int64)


# The groups of the statutory retirement rules, as the parameters name them: men, college-educated
# women (cadres) and other women (workers).
_RETIREMENT_GROUPS = ("men", "women_cadre", "women_worker")


def retirement_month(birth: np.ndarray, male: np.ndarray, college: np.ndarray, p: dict[str, float]) -> np.ndarray:
    """Statutory retirement month (month index) by sex, education and birth month.

    The original ages (`retirement_age_men`, `_women_cadre` = college-educated women,
    `_women_worker` = other women: 60/55/50) apply to whoever reaches them before the reform starts
    (`retirement_reform_start`, a month index: January 2025). From then on, the 2025 reform delays
    each group's retirement by one month per `retirement_delay_step_birth_months_<group>` months of
    birth (4/4/2), counted from the first cohort that reaches the original age at the start (which
    is already one month later), up to `retirement_delay_max_months_<group>` (36/36/60; 0 = no
    reform). A rule by birth cohort, so it holds in any run whatever the run's start.
    """
    base_years = np.where(male, p["retirement_age_men"],
                          np.where(college, p["retirement_age_women_cadre"], p["retirement_age_women_worker"]))
    month = birth + np.round(base_years * 12).astype(np.int64)
    reform_start_month = int(round(p["retirement_reform_start"]))
    delays = []
    for group in _RETIREMENT_GROUPS:
        # Whole months throughout (Python ints), so the arithmetic stays in the birth array's integers.
        first_birth_month = reform_start_month - int(round(p[f"retirement_age_{group}"] * 12))
        step_birth_months = int(round(p[f"retirement_delay_step_birth_months_{group}"]))
        max_delay_months = int(round(p[f"retirement_delay_max_months_{group}"]))
        delays.append(A.clamp((birth - first_birth_month) // step_birth_months + 1, 0, max_delay_months))
    d_men, d_cadre, d_worker = delays
    delay = np.where(male, d_men, np.where(college, d_cadre, d_worker)).astype(np.int64)
    return (month + delay).astype(np.int32)


def new_worker_columns(n: int, area: np.ndarray, status: np.ndarray, birth: np.ndarray, male: np.ndarray,
                       college: np.ndarray, urban: np.ndarray, rng: np.random.Generator,
                       p: dict[str, float], month: int) -> dict[str, np.ndarray]:
    """Columns for `n` new workers with defaults for everything the caller does not set."""
    rural_origin = ~urban
    skill = A.clamp(rng.normal(p["skill_mean"], p["skill_sd"], n) + p["college_skill_premium"] * college, 0.0, 1.0)
    retire = retirement_month(birth, male, college, p)
    farm_exit = (birth + int(round(p["farm_exit_age"] * 12))).astype(np.int32)
    retire = np.where(status == A.FARM, np.maximum(retire, farm_exit), retire)
    return {
        "area": area, "birth": birth, "male": male, "college": college, "urban": urban,
        "rural_origin": rural_origin, "skill": skill, "status": status,
        "since": np.full(n, month, np.int32), "firm": np.full(n, -1, np.int32),
        "until": np.full(n, A.NEVER, np.int32), "post_kind": np.zeros(n, np.int8),
        "registered": np.zeros(n, bool), "hard": np.zeros(n, bool), "cert_draw": rng.random(n),
        "insured": np.zeros(n, bool), "ui_left": np.zeros(n, np.int16),
        "trained_until": np.full(n, A.NEVER, np.int32), "entre_until": np.full(n, A.NEVER, np.int32),
        "grad_month": np.full(n, A.NEVER, np.int32), "transfer_pending": np.zeros(n, bool),
        "search_mult": np.ones(n), "retire_month": retire, "last_job_end": np.full(n, A.NEVER, np.int32),
        "priority": np.zeros(n, bool), "spell_start": np.full(n, month, np.int32),
    }


def build_population(facts: tuple[AreaFacts, ...], scale: float, p: dict[str, float], start_month: int,
                     rng: np.random.Generator) -> tuple[WorkerPopulation, FirmPopulation, dict]:
    """The initial workers and firms of the areas `facts` describe, at `start_month` (year*12 + month-1).

    Returns (workers, firms, build report). The report lists, per area, the target persons by status
    and any clamping done to keep the numbers consistent.
    """
    counters = MonthCounters(len(facts))
    cols: list[dict[str, np.ndarray]] = []
    firm_cols: list[dict[str, np.ndarray]] = []
    report: dict[str, dict] = {}
    n_firm_workers_before = 0
    # Whole months (Python ints), as the month arithmetic of the integer arrays needs.
    min_age_months = int(round(p["minimum_working_age_years"] * 12))
    max_months_in_status = int(round(p["initial_max_months_in_status"]))
    firm_birth_month = start_month - int(round(p["initial_firm_age_months"]))

    for ai, f in enumerate(facts):
        female_share = 1.0 - f.male_share
        working_age = f.population * f.share_age_15_59 * _AGE_16_59_OF_15_59
        # Women without college education retire at 50 and cadres at 55: remove them from the 16-59 band.
        working_age *= 1.0 - female_share * ((1 - f.college_share) * 9 / 44 + f.college_share * 4 / 44)
        farm = f.primary_sector_employment_share * f.employed_persons
        urban_emp = f.urban_employed
        rural_nonfarm = max(f.employed_persons - urban_emp - farm, 0.0)
        unemployed = urban_emp * f.surveyed_unemployment_rate / (1.0 - f.surveyed_unemployment_rate)
        posts = min(f.public_welfare_posts, p["public_welfare_posts_max_share_of_urban_employment"] * urban_emp)
        self_emp = p["self_employed_share_urban"] * urban_emp
        urban_firm = urban_emp - self_emp - posts
        inactive = working_age - f.employed_persons - unemployed
        notes = []
        if inactive < 0:
            notes.append(f"employed + unemployed exceed the working-age population by {-inactive:.0f}; inactive set to 0")
            inactive = 0.0
        persons = {
            A.EMPLOYED_FIRM: urban_firm, A.SELF_EMPLOYED: self_emp, A.SUBSIDISED_POST: posts,
            A.UNEMPLOYED: unemployed, A.FARM: farm, A.INACTIVE: inactive,
        }
        report[f.id] = {
            "persons": {A.STATUS_NAMES[k]: v for k, v in persons.items()},
            "rural_nonfarm_employed": rural_nonfarm,
            "notes": notes,
        }
        groups = [  # (status, urban, persons, college propensity)
            (A.EMPLOYED_FIRM, True, urban_firm, p["college_propensity_urban_firm_employees"]),
            (A.SELF_EMPLOYED, True, self_emp, p["college_propensity_urban_self_employed"]),
            (A.SUBSIDISED_POST, True, posts, p["college_propensity_public_welfare_post_holders"]),
            (A.UNEMPLOYED, True, unemployed, p["college_propensity_urban_unemployed"]),
            (A.EMPLOYED_FIRM, False, rural_nonfarm, p["college_propensity_rural_nonfarm_employees"]),
            (A.FARM, False, farm, p["college_propensity_farm_workers"]),
            (A.INACTIVE, True, inactive * f.urbanisation_rate, p["college_propensity_urban_inactive"]),
            (A.INACTIVE, False, inactive * (1 - f.urbanisation_rate), p["college_propensity_rural_inactive"]),
        ]
        counts = stochastic_round(np.array([g[2] for g in groups]) / scale, rng)
        total_college = f.college_share * f.population / max(working_age, 1.0)
        weight_sum = sum(g[2] * g[3] for g in groups) / max(sum(g[2] for g in groups), 1.0)
        for (status, urban, _, propensity), n in zip(groups, counts):
            if n == 0:
                continue
            male = rng.random(n) < f.male_share
            college = rng.random(n) < min(p["college_share_max_in_group"], total_college * propensity / max(weight_sum, 1e-9))
            max_age = np.where(male, p["retirement_age_men"],
                               np.where(college, p["retirement_age_women_cadre"], p["retirement_age_women_worker"]))
            if status == A.FARM:
                max_age = np.full(n, min(p["initial_farm_worker_max_age_years"], p["farm_exit_age"]))
            age_months = rng.uniform(min_age_months, max_age * 12, n).astype(np.int64)
            birth = (start_month - age_months).astype(np.int32)
            st = np.full(n, status, np.int8)
            c = new_worker_columns(n, np.full(n, ai, np.int16), st, birth, male, college,
                                   np.full(n, urban), rng, p, start_month)
            if status == A.UNEMPLOYED:
                # Elapsed durations of a stock of unemployed are geometric with the mean duration.
                elapsed = rng.geometric(1.0 / p["initial_mean_unemployment_months"], n) - 1
                c["since"] = (start_month - elapsed).astype(np.int32)
                # Assumed: an initial spell began by leaving a job (their re-hires are not first jobs).
                c["last_job_end"] = c["since"]
                c["spell_start"] = c["since"]
                c["registered"] = rng.random(n) < min(1.0, f.registration_share * p["registration_propensity_multiplier"])
            elif status in (A.EMPLOYED_FIRM, A.SELF_EMPLOYED, A.FARM, A.INACTIVE):
                c["since"] = (start_month - rng.integers(0, max_months_in_status, n)).astype(np.int32)
            if status == A.SUBSIDISED_POST:
                c["post_kind"] = np.full(n, A.POST_PUBLIC_WELFARE, np.int8)
                c["since"] = (start_month - rng.integers(0, int(p["public_welfare_max_months"]), n)).astype(np.int32)
                c["until"] = (c["since"] + int(p["public_welfare_max_months"])).astype(np.int32)
                c["hard"] = np.ones(n, bool)
            if status == A.EMPLOYED_FIRM and urban:
                coverage = min(1.0, f.ui_insured / max(urban_firm, 1.0))
                c["insured"] = rng.random(n) < coverage
            cols.append(c)

        # Firms of this area: industry and services, lognormal sizes with the given mean.
        n_firm_workers = int(sum(n for (s, _, _, _), n in zip(groups, counts) if s == A.EMPLOYED_FIRM))
        ind_share = p["industry_share_of_firm_jobs"]
        for sector, share, req in ((FirmPopulation.INDUSTRY, ind_share, p["firm_skill_requirement_industry"]),
                                   (FirmPopulation.SERVICES, 1 - ind_share, p["firm_skill_requirement_services"])):
            n_f = max(1, int(round(n_firm_workers * share / p["mean_firm_size"])))
            sigma = p["firm_size_log_sd"]
            size = rng.lognormal(np.log(p["mean_firm_size"]) - sigma**2 / 2, sigma, n_f)
            firm_cols.append({
                "area": np.full(n_f, ai), "sector": np.full(n_f, sector), "demand": size,
                "base_demand": size, "skill_req": np.clip(req + rng.normal(0, p["firm_skill_requirement_sd"], n_f), 0, 1),
                "loan_backed": np.zeros(n_f, bool), "birth": np.full(n_f, firm_birth_month),
                "owner": np.full(n_f, -1), "entre_owner": np.zeros(n_f, bool), "alive": np.ones(n_f, bool),
                "displacement": np.zeros(n_f),
            })
        n_firm_workers_before += n_firm_workers

    workers = WorkerPopulation({k: np.concatenate([c[k] for c in cols]) for k in WorkerPopulation.ARRAYS if k != "uid"},
                               counters)
    firms = FirmPopulation({k: np.concatenate([c[k] for c in firm_cols]) for k in FirmPopulation.ARRAYS})
    _assign_firm_workers(workers, firms, p, rng)
    return workers, firms, report


def _assign_firm_workers(workers: WorkerPopulation, firms: FirmPopulation, p: dict[str, float],
                         rng: np.random.Generator) -> None:
    """Place each firm employee in a firm of their area, in proportion to firm size; set demand to match."""
    emp = np.flatnonzero(workers.status == A.EMPLOYED_FIRM)
    private = np.arange(len(firms))
    f_area = firms.area[private]
    order = np.argsort(f_area, kind="stable")
    private = private[order]
    f_area = f_area[order]
    size = firms.demand[private]
    n_areas = int(workers.area.max()) + 1 if len(workers) else 0
    cum = np.cumsum(size)
    area_start = np.searchsorted(f_area, np.arange(n_areas), side="left")
    area_end = np.searchsorted(f_area, np.arange(n_areas), side="right")
    lo = np.where(area_start > 0, cum[np.maximum(area_start - 1, 0)], 0.0)
    lo[area_start == 0] = 0.0
    hi = cum[np.maximum(area_end - 1, 0)]
    w_area = workers.area[emp].astype(np.int64)
    u = lo[w_area] + rng.random(len(emp)) * (hi[w_area] - lo[w_area])
    pick = np.clip(np.searchsorted(cum, u, side="right"), area_start[w_area], area_end[w_area] - 1)
    workers.firm[emp] = private[pick]
    employment = np.bincount(workers.firm[emp], minlength=len(firms)).astype(np.float64)
    # Demand starts at current employment plus the initial vacancy rate (vacancies open from month one).
    demand = employment * (1.0 + p["initial_vacancy_rate"])
    firms.demand[private] = demand[private]
    firms.base_demand[private] = demand[private]
