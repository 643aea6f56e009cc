"""Scenario files: a validated `Scenario` (region, period, levers by year, parameter overrides, uncertainties,
targets, seed, replicates, scale) parsed from YAML, and written back to YAML.

A scenario file is one YAML mapping:

    name: jiangxi_baseline            # slug: lowercase letters, digits, underscore
    title: {zh: 江西基线, en: Jiangxi baseline}      # optional
    description: ...                                # optional
    region: Jiangxi                   # a region id (jobsim.model.inputs.regions.region_ids())
    period: {first_year: 2021, last_year: 2025}     # 2000-2100, first <= last, at most 30 years
    levers:                           # all six levers of data/registry/levers.csv, none may be left out
      training_volume_person_times: 65万             # one value for every year ...
      loan_issuance_yuan: {2021: 120亿, 2024: 100亿}  # ... or values by year (missing-year rule below)
      public_welfare_post_budget_yuan: {value: 6.6, unit: 100M yuan}   # a value with its unit
      ...
    parameters: {training_cost_per_trainee_yuan: 1500}   # optional overrides, in the parameter's unit
    uncertainties:                    # optional: what nobody sets (uncertainties.py), by year
      gdp_real_growth_percent: {2021: 5.0, 2023: 4.5}   # default: the region's path (growth_paths.py)
      graduates_multiplier: 1.1                         # x the data's graduate cohort; default 1
      parameters: {separation_rate_monthly: {2021: 0.002, 2024: 0.003}}   # year-keyed parameter values
    targets: jiangxi_14th_plan        # a named target set, or a list of inline targets
    seed: 2021                        # int in [0, 2**63 - 1]
    replicates: 20                    # 1..1000
    scale: 1000                       # persons per agent, 1..10**7 and an agent in every area

A file may instead say `base: NAME` (or `base: ./other.yaml`, a path from its folder) and state only what
changes: it inherits every other field but `name` from its chain of bases (inheritance.py has the merge
rule; `Scenario.base_chain` records the bases; `scenario_diff_yaml` writes a scenario as its changes).

Lever values
    A plain number is in the lever's unit (levers.csv `unit`: person-times, fraction, yuan, posts).
    A string may carry 万 / 亿 / 万亿 ("65万", "120亿"; jobsim.model.inputs.units.parse_amount) and may end with a
    unit label of the lever's dimension ("120亿元", "65万人次", "18.5%"). A mapping
    `{value: 120, unit: "100M yuan"}` names its unit: any unit of units.csv (or its Chinese label, 亿元)
    with the same `dimension` as the lever's unit. Values are converted to base units and must lie
    within the lever's min/max (levers.csv): budgets and volumes are never negative, shares lie in [0, 1].
    Counts (posts, person-times) are whole numbers; commas only separate thousands ("1,500"). Budgets
    above the region's GDP and volumes above its working-age population are implausible (`plausibility`).

Missing-year rule
    A single value applies to every year of the period. With a year mapping, the first year of the
    period must be given; each later year that is not given carries forward the value of the latest
    given year before it (a step function: {2021: 65万, 2024: 80万} over 2021-2025 means 65万 in
    2021-2023 and 80万 in 2024-2025). Years outside the period are rejected. The uncertainties follow
    the same rule (one function, levers._check_by_year); an uncertainty not given at all takes its
    default in every year: the region's growth path, a multiplier of 1, the parameter's own value.

Errors
    Every problem found is collected into one `ScenarioError`, a list of `(path, message)` issues
    where the path names the field (`levers.loan_issuance_yuan.2026`, `period.first_year`,
    `targets.0.area`; `line N` for YAML syntax errors, `(document)` for a file that is not a
    mapping). `str()` gives one line per issue: `FILE: path: message (line N)`.

The validated `Scenario` holds every lever as {year: value in base units} for every year of the period,
so Scenario -> YAML (`scenario_to_yaml`) -> Scenario (`load_scenario` / `scenario_from_dict`) is identical.
Constructing a `Scenario` directly (`Scenario(**d)`, `Scenario.model_validate(d)`) runs the same checks
and raises `ScenarioError`.

The package, by concern: `errors` (ScenarioError and how issues are worded), `fields` (Title, Period,
UnitValue and the allowed ranges), `schema` (the Scenario model, its accessors and conversion),
`levers` (lever amounts and units, the missing-year rule), `uncertainties` (growth, graduates and
parameter paths, and their bounds), `plausibility` (bounds relative to the region),
`checks` (the document's top fields, parameter overrides, targets), `reading` (bounded reading with line
numbers, jobsim.model.inputs.bounded_yaml), `inheritance` (`base:`: chains, the merge rule, the
changes from a base) and `yaml_io` (loading and writing).
"""

from jobsim.model.inputs.scenario.errors import DOCUMENT, ScenarioError
from jobsim.model.inputs.scenario.fields import (
    FIRST_ALLOWED_YEAR,
    LAST_ALLOWED_YEAR,
    MAX_PERIOD_YEARS,
    MAX_REPLICATES,
    NAME_MAX_LENGTH,
    NAME_PATTERN,
    Period,
    Title,
    UnitValue,
)
from jobsim.model.inputs.scenario.inheritance import BASE_FIELD, MAX_BASE_DEPTH, ScenarioBase
from jobsim.model.inputs.scenario.schema import Scenario, scenario_from_dict
from jobsim.model.inputs.scenario.uncertainties import (
    GRADUATES_MULTIPLIER_BOUNDS,
    UNCERTAINTY_FIELDS,
    Uncertainties,
)
from jobsim.model.inputs.scenario.yaml_io import (
    load_scenario,
    parse_yaml,
    scenario_diff_yaml,
    scenario_from_yaml,
    scenario_to_yaml,
)

__all__ = [
    "BASE_FIELD",
    "DOCUMENT",
    "FIRST_ALLOWED_YEAR",
    "GRADUATES_MULTIPLIER_BOUNDS",
    "LAST_ALLOWED_YEAR",
    "MAX_PERIOD_YEARS",
    "MAX_BASE_DEPTH",
    "MAX_REPLICATES",
    "NAME_MAX_LENGTH",
    "NAME_PATTERN",
    "Period",
    "Scenario",
    "ScenarioBase",
    "ScenarioError",
    "Title",
    "UNCERTAINTY_FIELDS",
    "Uncertainties",
    "UnitValue",
    "load_scenario",
    "parse_yaml",
    "scenario_diff_yaml",
    "scenario_from_dict",
    "scenario_from_yaml",
    "scenario_to_yaml",
]
