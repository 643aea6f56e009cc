"""Plausibility bounds of a scenario relative to its region: what `jobsim validate` accepts, `jobsim run`
can run, and a value no planner could mean is refused, naming the bound and where it comes from.

Which bound applies follows from the lever's unit in data/registry/levers.csv and the `dimension` of
that unit in data/registry/units.csv, never from the lever's name:

- a budget (dimension `yuan`: loans issued, the public-welfare post budget) must not exceed the
  region's GDP in that year: the `gdp` rows of the history (jobsim.model.inputs.history.load_history;
  the year's own figure, else the latest earlier one, else the earliest later one; of duplicate rows
  the largest). A region without a GDP figure is bounded by an estimate: its population (facts) times
  China's GDP per person (CHINA_GDP_PER_PERSON_YUAN); a region without a population either by China's
  GDP (CHINA_GDP_YUAN).
- a volume (a count dimension, COUNT_DIMENSIONS: training person-times, internship and grassroots
  posts) must not exceed the region's working-age population: population x share_age_15_59 (facts,
  jobsim.model.inputs.regions.get_region). Counts must also be whole numbers (levers.py).
- the scale (persons per agent) must leave at least one agent in every simulated area: at most the
  population of the smallest area.

Shares are bounded by levers.csv itself ([0, 1]). Parameters have their own min/max (data/parameters/).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jobsim.model.inputs import units
from jobsim.model.inputs.paths import PROJECT_ROOT

# The units.csv dimensions whose values are counted things: whole numbers (1.5 posts is refused).
COUNT_DIMENSIONS = ("persons", "person-times", "posts", "firms", "count")
BUDGET_DIMENSION = "yuan"

# China's GDP and GDP per person in 2023 (NBS, Statistical Communiqué on the 2023 National Economic and
# Social Development, 28 Feb 2024: 国内生产总值1260582亿元; 人均国内生产总值89358元). The bound of a region
# that has no GDP figure of its own.
CHINA_GDP_YUAN = 1_260_582e8
CHINA_GDP_PER_PERSON_YUAN = 89_358
CHINA_GDP_SOURCE = "NBS statistical communiqué 2023"
GDP_INDICATOR = "gdp"
WORKING_AGE_SHARE_FIELD = "share_age_15_59"
POPULATION_FIELD = "population"


@dataclass(frozen=True)
class Bound:
    """An upper bound in base units, and the words that say what it is and where it comes from."""

    value: float
    text: str


def is_count_dimension(dimension: str) -> bool:
    return dimension in COUNT_DIMENSIONS


def readable(value: float) -> str:
    """1e12 -> '1万亿', 2.578e12 -> '2.58万亿', 2.76e7 -> '2,764万', 1150 -> '1,150' (planners' magnitudes)."""
    v = float(value)
    a = abs(v)
    if a >= 1e16:
        return f"{v:.3g}"
    if a >= 1e12:
        return f"{v / 1e12:.3g}万亿"
    if a >= 1e8:
        return f"{v / 1e8:,.0f}亿" if a >= 1e10 else f"{v / 1e8:.3g}亿"
    if a >= 1e4:
        return f"{v / 1e4:,.0f}万" if a >= 1e6 else f"{v / 1e4:.3g}万"
    return f"{v:,.6g}"


def _shown_file(path: object) -> str:
    """A data file as the user knows it: relative to the project for bundled files, else as given."""
    p = Path(str(path))
    if not p.is_absolute():
        return str(p)  # already as the data folder names it
    try:
        return str(p.resolve().relative_to(PROJECT_ROOT.resolve()))
    except (ValueError, OSError):
        return str(p)


# ---- the region's figures ------------------------------------------------------------------------


def _gdp_by_year(region: str) -> dict[int, tuple[float, str]]:
    """{year: (GDP in yuan, 'file line N')} from the history; {} when it has none or cannot be read."""
    from jobsim.model.inputs.history import history_path, user_history_files
    from jobsim.model.inputs.regions import DataFileError, file_key, regions_key

    try:
        key = (regions_key(), *(file_key(p) for p in [history_path(), *user_history_files()]))
    except (DataFileError, OSError):
        return {}
    return _gdp_table(key).get(region, {})


@lru_cache(maxsize=8)
def _gdp_table(_history_key: tuple) -> dict[str, dict[int, tuple[float, str]]]:
    """{region: {year: (GDP in yuan, 'file line N')}}, read once while the history files are unchanged."""
    from jobsim.model.inputs.history import load_history
    from jobsim.model.inputs.regions import DataFileError

    try:
        history = load_history()
    except (DataFileError, OSError):
        return {}
    rows = history[history["indicator"] == GDP_INDICATOR]
    out: dict[str, dict[int, tuple[float, str]]] = {}
    for row in rows.itertuples(index=False):
        start, end = row.start, row.end
        if not (start.year == end.year and start.month == 1 and end.month == 12):
            continue  # only calendar-year totals
        try:
            yuan = units.to_base(float(row.value), str(row.unit))
        except KeyError:
            continue
        years = out.setdefault(str(row.region), {})
        if start.year not in years or yuan > years[start.year][0]:  # of duplicates, the largest: a generous ceiling
            years[start.year] = (yuan, f"{_shown_file(row.source_file)} line {row.line}")
    return out


def _fact(region: str, name: str) -> tuple[float, str] | None:
    """(value in base units, 'file line N') of a region's fact, or None when it has none."""
    from jobsim.model.inputs.regions import DataFileError, facts_key

    try:
        return _cached_fact(region, name, facts_key())
    except (DataFileError, OSError):
        return None


@lru_cache(maxsize=512)
def _cached_fact(region: str, name: str, _facts_key: tuple) -> tuple[float, str] | None:
    from jobsim.model.inputs.regions import DataFileError, get_region

    try:
        structure = get_region(region)
        row = structure.fact(name)
        return structure.value(name), f"{_shown_file(row['file'])} line {row['line']}"
    except (DataFileError, KeyError, ValueError, OSError):
        return None


def budget_bound(region: str, year: int) -> Bound:
    """The largest plausible yearly budget of `region` in `year`: its GDP (see the module docstring)."""
    gdp = _gdp_by_year(region)
    if gdp:
        earlier = [y for y in gdp if y <= year]
        used = max(earlier) if earlier else min(gdp)
        value, where = gdp[used]
        return Bound(value, f"above {region}'s GDP ({readable(value)} yuan in {used}, {where})")
    population = _fact(region, POPULATION_FIELD)
    if population is not None:
        persons, where = population
        value = persons * CHINA_GDP_PER_PERSON_YUAN
        return Bound(
            value,
            f"above an estimate of {region}'s GDP ({readable(value)} yuan: {readable(persons)} persons, {where}, "
            f"x China's GDP per person, {CHINA_GDP_PER_PERSON_YUAN:,} yuan, {CHINA_GDP_SOURCE}; the history "
            f"has no {GDP_INDICATOR} figure for {region})",
        )
    return Bound(CHINA_GDP_YUAN, f"above China's GDP ({readable(CHINA_GDP_YUAN)} yuan, {CHINA_GDP_SOURCE})")


def volume_bound(region: str) -> Bound | None:
    """The largest plausible yearly volume of `region`: its working-age population; None without the facts."""
    population = _fact(region, POPULATION_FIELD)
    share = _fact(region, WORKING_AGE_SHARE_FIELD)
    if population is None or share is None:
        return None
    value = population[0] * share[0]
    return Bound(
        value,
        f"above {region}'s working-age population ({readable(value)} persons aged 15-59: population "
        f"{readable(population[0])} ({population[1]}) x share {share[0]:g} ({share[1]}))",
    )


@lru_cache(maxsize=64)
def _smallest_area(region: str, _facts_key: tuple) -> tuple[str, float, str] | None:
    from jobsim.model.inputs.regions import DataFileError, area_ids

    try:
        areas = area_ids(region)
    except (DataFileError, KeyError):
        return None
    found = [(a, *fact) for a in areas if (fact := _fact(a, POPULATION_FIELD)) is not None]
    return min(found, key=lambda item: item[1]) if found else None


def max_scale(region: str) -> Bound | None:
    """The largest scale (persons per agent) that leaves every simulated area of `region` one agent."""
    from jobsim.model.inputs.regions import facts_key

    smallest = _smallest_area(region, facts_key())
    if smallest is None:
        return None
    area, persons, where = smallest
    return Bound(
        persons,
        f"it would leave {area} ({readable(persons)} persons, {where}) without a single agent; at most "
        f"{int(persons):,} persons per agent for {region}",
    )


class LeverLimits:
    """The plausibility bounds of one region's levers, looked up once per lever dimension and year."""

    def __init__(self, region: str):
        self.region = region
        self._budget: dict[int, Bound] = {}
        self._volume: Bound | None | bool = False  # False: not looked up yet

    def bound(self, dimension: str, year: int) -> Bound | None:
        if dimension == BUDGET_DIMENSION:
            if year not in self._budget:
                self._budget[year] = budget_bound(self.region, year)
            return self._budget[year]
        if is_count_dimension(dimension):
            if self._volume is False:
                self._volume = volume_bound(self.region)
            return self._volume  # type: ignore[return-value]
        return None
