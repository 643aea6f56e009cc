"""Each indicator's formula, once: the recorder's monthly arrays -> indicators by month and area, and by year.

Definitions (DOMAIN.md; ids, units and kinds in data/registry/indicators.csv):
- new_urban_jobs = urban_job_entries - natural_attrition. Entries are every move of an urban
  resident into employment (firm job, self-employment, subsidised post) from a status that is not
  employment, counted each time it happens; attrition is urban employed who retire or die.
- urban_employed = urban residents in a firm job, self-employed or in a subsidised post, at month end;
  urban_unemployed = urban residents without work, searching and available, at month end.
- jobs_held = every resident (urban or rural) in a firm job, self-employed or in a subsidised post,
  at month end; person_years_employed = jobs_held / 12 each month, so a year's sum is the mean of
  its twelve month-end stocks (person-years employed in the year) and the period's sum the
  person-years over the period.
- The urban job entries by who enters (hires_first_job, hires_rehire_same_year, hires_other,
  programme_placements; they sum to urban_job_entries) and the market at the matching stage
  (job_searchers, market_vacancies, hires) are read as recorded.
- surveyed_unemployment_rate = urban unemployed / (urban employed in the survey's sense + urban
  unemployed), where the survey's employed are urban_employed plus urban youth interns, and
  trainees on an off-the-job course are outside the labour force (see "the surveyed rate's rule").
- registered_unemployment_rate = registered urban unemployed / (urban employed + registered urban unemployed).
- vacancy_rate = vacancies / (vacancies + firm jobs filled).
- employment_share_primary = farm workers / (jobs held + farm workers): the primary sector's share of
  all employed persons, urban and rural (the yearbooks' 第一产业就业人员占比).
- The recorder's counters (re-employment, hard-to-employ placed, rural transfer: counted at the
  moment of job entry by `WorkerPopulation.transition`; rural workers leaving the province for work
  count when they leave) and stocks are read as they are, in persons (agents x scale); the
  programmes' tallies are already in persons, person-times, firms or yuan.
A region's value is the sum of its cities' counts; its rates are recomputed from the summed stocks,
never averaged over cities.

Two paths share these formulas: `monthly_indicators` gives every area by month (the published
Dataset, `outputs/dataset.py`), `region_yearly` the region alone by year (the calibration's fast
path, no Dataset built). A year's value follows the indicator's kind (`yearly_by_kind`, the
aggregation of data/registry/kinds.csv): flows summed over the months, rates the mean of the monthly
rates, stocks the last month's level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from jobsim.model.core import agents as A
from jobsim.model.core.accounting import COUNTERS, MARKET, RESIDENCE_NAMES, STOCK_EXTRAS, MonthlyRecorder
from jobsim.model.outputs.labels import variable_kind, yearly_aggregation

URBAN = RESIDENCE_NAMES.index("urban")
MONTHS_PER_YEAR = 12


# --- the formulas ------------------------------------------------------------------------------------
# Each takes arrays (time, area[, ...]) in persons and returns one (time, area) array.

def new_urban_jobs(urban_job_entries: np.ndarray, natural_attrition: np.ndarray) -> np.ndarray:
    """城镇新增就业: entries into urban employment minus natural attrition of the urban employed."""
    return urban_job_entries - natural_attrition


def urban_employed(population_by_status: np.ndarray) -> np.ndarray:
    """Urban residents employed (firm job, self-employed or start-up owner, subsidised post) at month end."""
    return population_by_status[..., URBAN, list(A.EMPLOYED_STATUSES)].sum(axis=-1)


def jobs_held(population_by_status: np.ndarray) -> np.ndarray:
    """Jobs held at month end: every resident, urban or rural, in a firm job, self-employed or a start-up
    owner, in a subsidised post, or a youth intern (paid work, employed by the survey's rule below; not
    trainees on a course or farm work)."""
    return population_by_status[..., list(SURVEY_EMPLOYED_STATUSES)].sum(axis=(-2, -1))


def person_years_employed(jobs_held: np.ndarray) -> np.ndarray:
    """Person-years employed in each month, measured by the month-end jobs held: jobs_held / 12. Summed
    over a year it is the mean of the twelve month-end stocks; over the period, the period's person-years."""
    return jobs_held / MONTHS_PER_YEAR


def urban_unemployed(population_by_status: np.ndarray) -> np.ndarray:
    """Urban residents unemployed in the survey's sense (no work, searching, available) at month end."""
    return population_by_status[..., URBAN, A.UNEMPLOYED]


# --- the surveyed rate's rule: who the labour-force survey counts (ILO 19th ICLS 2013; NBS 劳动力调查) ---
# Programme participants are not left to chance: a youth intern (就业见习) receives a living allowance
# for work done, so the survey counts them as employed (paid work of at least one hour in the reference
# week), although an internship is not a job entry of new urban jobs; a trainee on an off-the-job
# subsidised course is not available to start work, so they are outside the labour force (neither
# unemployed nor employed). docs/methodology.md, "How the surveyed rate counts programme participants".
SURVEY_EMPLOYED_STATUSES = (*A.EMPLOYED_STATUSES, A.INTERNSHIP)
SURVEY_UNEMPLOYED_STATUSES = (A.UNEMPLOYED,)
SURVEY_OUTSIDE_LABOUR_FORCE = (A.IN_TRAINING, A.INACTIVE)
# A.FARM is rural residents' farm work: outside the urban survey (no urban resident farms in the model).


def urban_employed_surveyed(population_by_status: np.ndarray) -> np.ndarray:
    """Urban residents employed in the labour-force survey's sense at month end: urban_employed plus
    urban youth interns (paid for work done in the reference week)."""
    return population_by_status[..., URBAN, list(SURVEY_EMPLOYED_STATUSES)].sum(axis=-1)
# --- end of the surveyed rate's rule ----------------------------------------------------------------


def unemployment_rate(unemployed: np.ndarray, employed: np.ndarray) -> np.ndarray:
    """Unemployed / (employed + unemployed); NaN where an area has nobody in its labour force."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return unemployed / (employed + unemployed)


def vacancies_per_job_seeker(market_vacancies: np.ndarray, job_searchers: np.ndarray) -> np.ndarray:
    """Open vacancies per searcher at the month's matching (the job centres' 求人倍率 is its
    registered counterpart); NaN where an area has no searcher."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return market_vacancies / job_searchers


def farm_workers(population_by_status: np.ndarray) -> np.ndarray:
    """Persons in farm work at month end, both residences summed (the model's primary-sector employment)."""
    return population_by_status[..., A.FARM].sum(axis=-1)


def employment_share_primary(farm_workers: np.ndarray, jobs_held: np.ndarray) -> np.ndarray:
    """Farm workers over all employed persons (jobs held plus farm workers); NaN where an area employs nobody."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return farm_workers / (jobs_held + farm_workers)


def vacancy_rate(vacancies: np.ndarray, firm_jobs: np.ndarray) -> np.ndarray:
    """Vacancies / (vacancies + firm jobs filled); NaN where an area has neither."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return vacancies / (vacancies + firm_jobs)


@dataclass(frozen=True)
class Formula:
    """An indicator computed from other series (recorded or computed), named by `inputs`."""

    inputs: tuple[str, ...]
    compute: Callable[..., np.ndarray]


FORMULAS: dict[str, Formula] = {
    "new_urban_jobs": Formula(("urban_job_entries", "natural_attrition"), new_urban_jobs),
    "urban_employed": Formula(("population_by_status",), urban_employed),
    "urban_unemployed": Formula(("population_by_status",), urban_unemployed),
    "jobs_held": Formula(("population_by_status",), jobs_held),
    "person_years_employed": Formula(("jobs_held",), person_years_employed),
    "urban_employed_surveyed": Formula(("population_by_status",), urban_employed_surveyed),
    "surveyed_unemployment_rate": Formula(("urban_unemployed", "urban_employed_surveyed"), unemployment_rate),
    "registered_unemployment_rate": Formula(("registered_unemployed", "urban_employed"), unemployment_rate),
    "vacancy_rate": Formula(("vacancies", "firm_jobs"), vacancy_rate),
    "vacancies_per_job_seeker": Formula(("market_vacancies", "job_searchers"), vacancies_per_job_seeker),
    "farm_workers": Formula(("population_by_status",), farm_workers),
    "employment_share_primary": Formula(("farm_workers", "jobs_held"), employment_share_primary),
}

# The variables of a run's Dataset by month, in the Dataset's order (the tallies follow the counters'
# block in the model's own order; see `published_variables`).
_INDICATORS_AND_STOCKS = (
    "new_urban_jobs", "urban_employed", "urban_unemployed", "registered_unemployed",
    "surveyed_unemployment_rate", "registered_unemployment_rate", "vacancy_rate", "vacancies",
    "ui_recipients", "ui_insured", "trainees_in_training", "jobs_held", "person_years_employed", *MARKET,
    "vacancies_per_job_seeker", "employment_share_primary",
)
_BY_STATUS = ("population_by_status", "status_flows")


def published_variables(recorder: MonthlyRecorder) -> tuple[str, ...]:
    """The monthly variables a run publishes, in order (firm_jobs, urban_employed_surveyed and
    farm_workers are inputs only, not published)."""
    return (*COUNTERS, *_INDICATORS_AND_STOCKS, *recorder.tallies, *_BY_STATUS)


# --- recorded series, in persons ----------------------------------------------------------------------

class MonthlySeries:
    """The recorder's months as persons (or yuan) by area: the region first, then its cities (a region
    simulated as one area has only itself); with `region_only`, the region alone. `get(name)` gives a
    recorded series or an indicator of `FORMULAS`, each computed once."""

    def __init__(self, recorder: MonthlyRecorder, region_only: bool = False):
        self.recorder = recorder
        self.region_only = region_only
        self.months = recorder.t
        self.with_total = len(recorder.area_ids) > 1
        self._cache: dict[str, np.ndarray] = {}

    @property
    def areas(self) -> list[str]:
        r = self.recorder
        if self.region_only or not self.with_total:
            return [r.region]
        return [r.region, *r.area_ids]

    def by_area(self, monthly: np.ndarray) -> np.ndarray:
        """(time, area, ...) of the simulated areas -> the months recorded, with the region's total
        prepended (or the region's total alone)."""
        x = monthly[: self.months]
        total = x.sum(axis=1, keepdims=True)
        if self.region_only:
            return total
        return np.concatenate([total, x], axis=1) if self.with_total else x

    def recorded(self, name: str) -> np.ndarray:
        """A series straight from the recorder, in persons (tallies: as tallied)."""
        r, scale = self.recorder, self.recorder.scale
        if name in r.counters:
            return self.by_area(r.counters[name].astype(np.float64)) * scale
        if name in STOCK_EXTRAS:
            return self.by_area(r.extras[name]) * scale
        if name in MARKET:
            return self.by_area(r.market[name]) * scale
        if name in r.tallies:
            return self.by_area(r.tallies[name])  # tallies are already in persons or yuan
        if name == "population_by_status":
            return self.by_area(r.stocks.astype(np.float64)) * scale  # (time, area, residence, status)
        if name == "status_flows":
            return self.by_area(r.flows.astype(np.float64)) * scale  # (time, area, from_status, to_status)
        raise KeyError(f"{name!r} is neither recorded nor an indicator formula "
                       f"(formulas: {', '.join(FORMULAS)})")

    def get(self, name: str) -> np.ndarray:
        if name not in self._cache:
            f = FORMULAS.get(name)
            self._cache[name] = f.compute(*(self.get(i) for i in f.inputs)) if f else self.recorded(name)
        return self._cache[name]

    def initial_population_by_status(self) -> np.ndarray:
        """Persons by (area, residence, status) before the first month, with the region's total first."""
        x = self.recorder.initial.astype(np.float64)[None]  # a time axis of one, to share `by_area`
        total = x.sum(axis=1, keepdims=True)
        if self.region_only:
            x = total
        elif self.with_total:
            x = np.concatenate([total, x], axis=1)
        return x[0] * self.recorder.scale


def monthly_indicators(recorder: MonthlyRecorder, variables: Iterable[str] | None = None,
                       region_only: bool = False) -> dict[str, np.ndarray]:
    """Variables (default: every published one) by month and area, in persons, yuan or fractions."""
    series = MonthlySeries(recorder, region_only=region_only)
    names = published_variables(recorder) if variables is None else tuple(variables)
    return {name: series.get(name) for name in names}


# --- by year ------------------------------------------------------------------------------------------

def _nanmean_over_months(by_year: np.ndarray) -> np.ndarray:
    """Mean of each year's months, leaving out months without a value (as xarray's mean does);
    NaN for a year with no value at all."""
    counts = np.sum(~np.isnan(by_year), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, np.nansum(by_year, axis=1) / np.maximum(counts, 1), np.nan)


_AGGREGATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sum": lambda by_year: by_year.sum(axis=1),
    "mean": _nanmean_over_months,
    "last": lambda by_year: by_year[:, -1],
}


def yearly_by_kind(monthly: np.ndarray, kind: str) -> np.ndarray:
    """(months, ...) from a January -> (years, ...) by the kind's yearly aggregation (kinds.csv)."""
    months = monthly.shape[0]
    if months % MONTHS_PER_YEAR:
        raise ValueError(f"{months} months are not whole years: yearly values need January to December")
    by_year = monthly.reshape(months // MONTHS_PER_YEAR, MONTHS_PER_YEAR, *monthly.shape[1:])
    return _AGGREGATIONS[yearly_aggregation(kind)](by_year)


def region_yearly(recorder: MonthlyRecorder, variables: Iterable[str]) -> dict[str, np.ndarray]:
    """The region's yearly value of each variable, straight from the recorder's arrays (no Dataset):
    the same formulas and yearly aggregation as `yearly(dataset)`, for the calibration's many runs."""
    series = MonthlySeries(recorder, region_only=True)
    return {name: yearly_by_kind(series.get(name)[:, 0], variable_kind(name)) for name in variables}


def region_years(recorder: MonthlyRecorder) -> list[int]:
    """The calendar years of `region_yearly`'s values."""
    return [recorder.first_year + k for k in range(recorder.t // MONTHS_PER_YEAR)]
