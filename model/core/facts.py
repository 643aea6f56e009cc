"""What the model needs to know of each area it simulates (a city, or a region without cities).

The inputs layer loads these from the data files (`jobsim.model.inputs.regions.area_facts`); the core
only receives them, so that building and running a model opens no file. `structure_year` is the
year-end the facts describe: the base facts' year (2020, the census) or, for a start before it, the
year before the start (`area_facts(region, as_of=Y)`: Y-1). A run starting later than
structure_year + 1 rolls the population forward from there (the model's spin-up).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AreaFacts:
    """What the builder and the model need of one area, in base units (persons, fractions, yuan)."""

    id: str
    population: float
    share_age_0_14: float
    share_age_15_59: float
    urbanisation_rate: float
    male_share: float
    college_share: float
    employed_persons: float
    urban_employed: float
    primary_sector_employment_share: float
    surveyed_unemployment_rate: float
    registration_share: float
    ui_insured: float
    public_welfare_posts: float
    graduates_per_year: float
    graduate_stay_share: float
    minimum_wage_monthly_yuan: float
    outside_province_share_of_transfers: float
    structure_year: int  # the year whose end the structure describes (see the module docstring)
