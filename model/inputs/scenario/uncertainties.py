"""A scenario's uncertainties: what nobody sets (the economy's real growth, the size of the graduate
cohort, year-keyed values of calibrated parameters), checked as strictly as the levers and filled for
every year of the period by the same missing-year rule (levers._check_by_year).

    uncertainties:
      gdp_real_growth_percent: {2021: 5.0, 2023: 4.5}   # percent a year; default: the region's path
      graduates_multiplier: 1.1                           # x the data's graduate cohort; default 1
      parameters:                                         # {parameter: value or {YEAR: value}}
        separation_rate_monthly: {2021: 0.002, 2024: 0.003}

Bounds (why): growth GROWTH_PERCENT_BOUNDS = [-20, 30] percent (jobsim.model.inputs.growth_paths:
since 2000 every province's yearly figure lies between -5.0% and about 24%, which leaves room for
stress tests); the graduates multiplier GRADUATES_MULTIPLIER_BOUNDS = [0.2, 5] (a cohort a fifth to
five times the data's: China's graduate cohort grew about tenfold from 2001 to 2024, never by more
than about half in one year);
parameters: their own min/max (data/parameters/). A parameter cannot be both overridden (`parameters:`)
and given a path here: the path would hide the override in every year.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from jobsim.model.inputs.growth_paths import (
    GROWTH_PERCENT_BOUNDS,
    GrowthPathError,
    growth_path_years,
    missing_default_years,
)
from jobsim.model.inputs.parameters import load_parameters
from jobsim.model.inputs.scenario.errors import _choices, _describe, _Issues, _join
from jobsim.model.inputs.scenario.fields import Period, _fmt, _snap
from jobsim.model.inputs.scenario.levers import _check_by_year

GROWTH_FIELD = "gdp_real_growth_percent"
GRADUATES_FIELD = "graduates_multiplier"
PARAMETERS_FIELD = "parameters"
UNCERTAINTY_FIELDS = (GROWTH_FIELD, GRADUATES_FIELD, PARAMETERS_FIELD)
GRADUATES_MULTIPLIER_BOUNDS = (0.2, 5.0)
_BOUNDS = {GROWTH_FIELD: (GROWTH_PERCENT_BOUNDS, "percent a year"), GRADUATES_FIELD: (GRADUATES_MULTIPLIER_BOUNDS,
                                                                                     "times the data's cohort")}
_EXAMPLE = {GROWTH_FIELD: "2021: 5.0", GRADUATES_FIELD: "2021: 1.1"}


class Uncertainties(BaseModel):
    """The uncertainties a scenario gives, each for every year of the period ({} when not given)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gdp_real_growth_percent: dict[int, float] = Field(default_factory=dict)
    graduates_multiplier: dict[int, float] = Field(default_factory=dict)
    parameters: dict[str, dict[int, float]] = Field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.gdp_real_growth_percent or self.graduates_multiplier or self.parameters)


def _number(value: Any, field: str, path: str, issues: _Issues) -> float | None:
    """One year's growth or multiplier: a plain number within the field's bounds; None after an issue."""
    (lo, hi), unit = _BOUNDS[field]
    if isinstance(value, bool):
        issues.add(path, f"{value!r} is a boolean, not a number (YAML reads yes/no/on/off/true/false as booleans)")
        return None
    if not isinstance(value, (int, float)):
        issues.add(path, f"must be a number ({unit}); got {_describe(value)}")
        return None
    v = float(value)
    if not math.isfinite(v):
        issues.add(path, f"{value!r} is not a finite number: give a number in [{_fmt(lo)}, {_fmt(hi)}] ({unit})")
        return None
    if not lo <= v <= hi:
        issues.add(path, f"{value!r} is implausible for {field}: it must lie within [{_fmt(lo)}, {_fmt(hi)}] ({unit})")
        return None
    return _snap(v)


def _per_year(spec: Any, period: Period | None, path: str, what: str, example: str, value_of, issues: _Issues):
    """One value for every year, or values by year by the levers' missing-year rule."""
    if not isinstance(spec, Mapping):
        value = value_of(spec, path)
        if value is None or period is None:
            return None
        return {year: value for year in period.years}
    return _check_by_year(spec, period, path, what, example, value_of, issues,
                          nested=lambda item: isinstance(item, (Mapping, list)),
                          nested_message="a year's value must be a number, not a mapping or a list")


def _check_uncertainties(raw: Any, period: Period | None, region: str | None, region_given: bool,
                         overridden: Mapping[str, Any], issues: _Issues) -> Uncertainties | None:
    """The `uncertainties:` mapping, every value checked and filled for every year; None after an issue."""
    if not isinstance(raw, Mapping):
        issues.add("uncertainties", f"must be a mapping with {', '.join(UNCERTAINTY_FIELDS)}; got {_describe(raw)}")
        return None
    n_before = len(issues)
    out: dict[str, Any] = {}
    for key, spec in raw.items():
        path = _join("uncertainties", key)
        if key not in UNCERTAINTY_FIELDS:
            issues.add(path, f"unknown uncertainty {key!r}; {_choices(key, list(UNCERTAINTY_FIELDS), 'uncertainties', 'docs/scenarios.md')}")
            continue
        if key == PARAMETERS_FIELD:
            params = _check_parameter_paths(spec, period, region, region_given, overridden, issues)
            if params is not None:
                out[key] = params
            continue
        values = _per_year(spec, period, path, f"uncertainty {key}", _EXAMPLE[key],
                           lambda item, where, key=key: _number(item, key, where, issues), issues)
        if values is not None:
            out[key] = values
    if len(issues) > n_before or period is None:
        return None
    return Uncertainties(**out)


def _check_parameter_paths(raw: Any, period: Period | None, region: str | None, region_given: bool,
                           overridden: Mapping[str, Any], issues: _Issues) -> dict[str, dict[int, float]] | None:
    from jobsim.model.inputs.scenario.checks import _parameter_value

    where = _join("uncertainties", PARAMETERS_FIELD)
    if not isinstance(raw, Mapping):
        issues.add(where, f"must be a mapping of parameter name -> value or {{YEAR: value}}; got {_describe(raw)}")
        return None
    if not raw:
        return {}
    if region is None:
        if not region_given:
            issues.add(where, "parameter paths need a valid region to check them against")
        return None
    try:
        # Names and bounds are data/parameters' own (a calibrated file changes values, not names or bounds).
        known = load_parameters(region, use_calibrated=False)
    except (ValueError, KeyError, OSError) as err:
        issues.add(where, f"cannot check the parameters: {err}")
        return None
    names = list(known)
    out: dict[str, dict[int, float]] = {}
    ok = True
    for name, spec in raw.items():
        path = _join(where, name)
        if name not in known:
            issues.add(path, f"unknown parameter {name!r} for region {region}; "
                             f"{_choices(name, names, 'parameters', 'data/parameters/defaults.yaml')}")
            ok = False
            continue
        if name in overridden:
            issues.add(path, f"parameter {name} is also overridden in `parameters:`; give it in one place "
                             "(a path here replaces the override in every year)")
            ok = False
            continue
        p = known[name]
        values = _per_year(spec, period, path, f"parameter {name}", "2021: 0.1",
                           lambda item, at, name=name, p=p: _parameter_value(name, item, p, at, issues), issues)
        if values is None:
            ok = False
            continue
        out[str(name)] = values
    return out if ok else None


def _check_default_growth(region: str, period: Period, issues: _Issues) -> None:
    """Without a scenario growth path, the region's default path must cover the period (else say what to do)."""
    try:
        if not missing_default_years(region, period.first_year, period.last_year):
            return
        growth_path_years(region, period.first_year, period.last_year)  # raises, naming the years
    except GrowthPathError as err:
        issues.add(_join("uncertainties", GROWTH_FIELD), str(err))
