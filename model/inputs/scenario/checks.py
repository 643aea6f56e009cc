"""Checking and normalising a scenario document: the top fields (name, period, region, seed ...), the
parameter overrides and the targets; the levers are checked in `levers`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, StrictInt, StrictStr, TypeAdapter

from jobsim.model.inputs import registry, units
from jobsim.model.inputs.parameters import load_parameters
from jobsim.model.inputs.regions import cities_of, region_ids
from jobsim.model.inputs.scenario.errors import DOCUMENT, REQUIRED_MISSING, _choices, _describe, _Issues, _join, _validate_part
from jobsim.model.inputs.scenario.fields import (
    MAX_PERIOD_YEARS,
    MAX_REPLICATES,
    MAX_SCALE,
    MAX_SEED,
    NAME_MAX_LENGTH,
    NAME_PATTERN,
    Period,
    Title,
    _fmt,
    _snap,
)
from jobsim.model.inputs.scenario.levers import _check_levers
from jobsim.model.inputs.scenario.plausibility import max_scale
from jobsim.model.inputs.scenario.uncertainties import GROWTH_FIELD, _check_default_growth, _check_uncertainties
from jobsim.model.inputs.targets import Target, indicator_unit_problem, target_set, target_set_names

_TOP_FIELDS = (
    "name", "title", "description", "region", "period", "levers", "parameters", "uncertainties", "targets",
    "seed", "replicates", "scale",
)
_OPTIONAL_FIELDS = ("title", "description", "parameters", "uncertainties")

_ADAPTERS: dict[str, TypeAdapter] = {
    "name": TypeAdapter(StrictStr),
    "title": TypeAdapter(Title),
    "description": TypeAdapter(StrictStr),
    "region": TypeAdapter(StrictStr),
    "period": TypeAdapter(Period),
    "seed": TypeAdapter(Annotated[StrictInt, Field(ge=0)]),
    "replicates": TypeAdapter(Annotated[StrictInt, Field(ge=1, le=MAX_REPLICATES)]),
    "scale": TypeAdapter(Annotated[StrictInt, Field(ge=1)]),
}
_TARGET = TypeAdapter(Target)


def _normalise(data: Any) -> tuple[dict[str, Any], _Issues]:
    """Check a scenario document; return its normalised form (valid only when no issues) and the issues."""
    issues = _Issues()
    if not isinstance(data, Mapping):
        issues.add(DOCUMENT, f"a scenario must be a mapping of fields ({', '.join(_TOP_FIELDS)}); got {_describe(data)}")
        return {}, issues

    out: dict[str, Any] = {}
    for key in data:
        if key not in _TOP_FIELDS:
            issues.add(str(key), f"unknown field {key!r}; {_choices(key, list(_TOP_FIELDS), 'fields', 'docs/scenarios.md')}")
    for key in _TOP_FIELDS:
        if key not in data and key not in _OPTIONAL_FIELDS:
            issues.add(key, REQUIRED_MISSING)

    # simple fields
    for key, adapter in _ADAPTERS.items():
        if key not in data:
            continue
        if data[key] is None and key in _OPTIONAL_FIELDS:
            continue
        model = {"title": Title, "period": Period}.get(key)
        value = _validate_part(adapter, data[key], key, model, issues)
        if value is not None:
            out[key] = value

    if "name" in out:
        name = out["name"]
        if not NAME_PATTERN.fullmatch(name) or len(name) > NAME_MAX_LENGTH:
            issues.add(
                "name",
                f"{name!r} is not a valid name: use lowercase letters, digits and underscores only "
                f"(at most {NAME_MAX_LENGTH} characters), e.g. jiangxi_more_training",
            )
            del out["name"]

    period: Period | None = out.get("period")
    if period is not None:
        if period.first_year > period.last_year:
            issues.add(
                "period.last_year",
                f"last_year {period.last_year} is before first_year {period.first_year}",
            )
            period = None
        elif period.last_year - period.first_year + 1 > MAX_PERIOD_YEARS:
            n = period.last_year - period.first_year + 1
            issues.add(
                "period.last_year",
                f"the period {period} spans {n} years; at most {MAX_PERIOD_YEARS} are allowed",
            )
            period = None

    if "seed" in out and out["seed"] > MAX_SEED:
        issues.add(
            "seed",
            f"{out['seed']} is too large: a seed is a whole number from 0 to 2**63 - 1 = {MAX_SEED} "
            f"(what numpy's SeedSequence and the result file's int64 attribute can store)",
        )
        del out["seed"]
    if "scale" in out and out["scale"] > MAX_SCALE:
        issues.add("scale", f"{out['scale']} persons per agent is too large: the scale is a whole number from 1 to {MAX_SCALE:,}")
        del out["scale"]

    region: str | None = out.get("region")
    if region is not None:
        known = list(region_ids())
        if region not in known:
            issues.add("region", f"unknown region {region!r}; {_choices(region, known, 'regions', 'data/regions.csv')}")
            region = None
    if region is not None and "scale" in out:
        bound = max_scale(region)
        if bound is not None and out["scale"] > bound.value:
            issues.add("scale", f"{out['scale']} persons per agent is implausible: {bound.text}")
            del out["scale"]

    if "levers" in data:
        levers = _check_levers(data["levers"], period, issues, region)
        if levers is not None:
            out["levers"] = levers

    if data.get("parameters") is not None:
        params = _check_parameters(data["parameters"], region, "region" in out, issues)
        if params is not None:
            out["parameters"] = params

    raw_uncertainties = data.get("uncertainties")
    if raw_uncertainties is not None:
        overridden = data["parameters"] if isinstance(data.get("parameters"), Mapping) else {}
        uncertainties = _check_uncertainties(raw_uncertainties, period, region, "region" in out, overridden, issues)
        if uncertainties is not None:
            out["uncertainties"] = uncertainties
    if region is not None and period is not None and not (
            isinstance(raw_uncertainties, Mapping) and GROWTH_FIELD in raw_uncertainties):
        _check_default_growth(region, period, issues)  # a run needs growth in every year: say so now

    if "targets" in data:
        targets = _check_targets(data["targets"], region, period, issues)
        if targets is not None:
            out["targets"] = targets

    return out, issues


# ---- parameters ----------------------------------------------------------------------------------


def _check_parameters(raw: Any, region: str | None, region_given: bool, issues: _Issues) -> dict[str, float] | None:
    if not isinstance(raw, Mapping):
        issues.add("parameters", f"must be a mapping of parameter name -> number; got {_describe(raw)}")
        return None
    if not raw:
        return {}
    if region is None:
        if region_given:
            return None  # the region is unknown (already reported): nothing to check the names against
        issues.add("parameters", "parameter overrides need a valid region to check them against")
        return None
    try:
        known = load_parameters(region)
    except (ValueError, KeyError, OSError) as err:
        issues.add("parameters", f"cannot check overrides: {err}")
        return None
    names = list(known)
    out: dict[str, float] = {}
    ok = True
    for name, value in raw.items():
        path = _join("parameters", name)
        if name not in known:
            where = "data/parameters/defaults.yaml"
            issues.add(path, f"unknown parameter {name!r} for region {region}; {_choices(name, names, 'parameters', where)}")
            ok = False
            continue
        v = _parameter_value(name, value, known[name], path, issues)
        if v is None:
            ok = False
            continue
        out[str(name)] = v
    return out if ok else None


def _parameter_value(name: str, value: Any, p, path: str, issues: _Issues) -> float | None:
    """One value of parameter `name` (a number, or an amount such as '1.5万', in the parameter's unit)
    within its bounds; None after an issue. Used by `parameters:` and `uncertainties.parameters`."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        issues.add(path, f"must be a number (in {p.unit}); got {_describe(value)}")
        return None
    try:
        v = units.parse_amount(value)
    except units.AmountError as err:
        issues.add(path, f"{err} (parameter {name} is in {p.unit})")
        return None
    if not math.isfinite(v):
        issues.add(path, f"{value!r} is not a finite number (parameter {name} is in {p.unit})")
        return None
    v = _snap(v)
    if (p.min is not None and v < p.min) or (p.max is not None and v > p.max):
        issues.add(
            path,
            f"{value!r} is outside the bounds of parameter {name}: [{_fmt(p.min)}, {_fmt(p.max)}] {p.unit}",
        )
        return None
    return v


# ---- targets -------------------------------------------------------------------------------------


def _allowed_areas(region: str) -> list[str]:
    return [region, *[c for c in cities_of(region) if c != region]]


def _check_targets(raw: Any, region: str | None, period: Period | None, issues: _Issues) -> str | tuple | None:
    if isinstance(raw, str):
        names = list(target_set_names())
        if raw not in names:
            issues.add("targets", f"unknown target set {raw!r}; {_choices(raw, names, 'target sets', 'data/targets.csv')}")
            return None
        if region is not None and period is not None:
            _check_target_set_fits(raw, region, period, issues)
        return raw
    if not isinstance(raw, list):
        issues.add(
            "targets",
            f"must be a target-set name or a list of targets; got {_describe(raw)}",
        )
        return None
    if not raw:
        issues.add("targets", "an empty list: give a target-set name or at least one target")
        return None
    indicator_ids = registry.indicator_ids()
    areas = _allowed_areas(region) if region is not None else None
    n_before = len(issues)
    out = []
    for i, item in enumerate(raw):
        path = _join("targets", i)
        target = _validate_part(_TARGET, item, path, Target, issues)
        if target is None:
            continue
        if target.indicator not in indicator_ids:
            issues.add(
                _join(path, "indicator"),
                f"unknown indicator {target.indicator!r}; "
                f"{_choices(target.indicator, indicator_ids, 'indicators', 'data/registry/indicators.csv')}",
            )
        else:
            _check_target_unit(target, path, issues)
        if areas is not None and target.area not in areas:
            issues.add(
                _join(path, "area"),
                f"area {target.area!r} is not the scenario's region or one of its cities; "
                f"{_choices(target.area, areas, 'areas', 'data/regions.csv')}",
            )
        for field in ("value", "tolerance"):
            number = getattr(target, field)
            if number is not None and not math.isfinite(number):
                issues.add(_join(path, field), f"{number!r} is not a finite number: give a number such as 200 or 0.5")
        if target.tolerance is not None and target.tolerance < 0:
            issues.add(_join(path, "tolerance"), f"{target.tolerance!r} is negative: a tolerance (the half-width of an "
                       "'about' band, or the allowance beyond a '>=' / '<=' value) is >= 0")
        if target.wording:
            from jobsim.model.inputs.targets import wording_problem
            problem = wording_problem(target.wording, target.indicator, target.comparison)
            if problem:
                issues.add(_join(path, "comparison"), problem)
        if target.start_year > target.end_year:
            issues.add(_join(path, "end_year"), f"end_year {target.end_year} is before start_year {target.start_year}")
        elif period is not None:
            for field in ("start_year", "end_year"):
                year = getattr(target, field)
                if year not in period.years:
                    issues.add(
                        _join(path, field),
                        f"year {year} is outside the scenario's period {period}",
                    )
        out.append(target)
    if len(issues) > n_before:
        return None
    return tuple(out)


def _check_target_set_fits(name: str, region: str, period: Period, issues: _Issues) -> None:
    """A named set must hold at least one target for the region (or one of its cities) whose years overlap
    the period: a set for another region or another plan period is a mistake. Targets that do not lie
    within the period are not judged (e.g. the five-year targets of a plan in a three-year run)."""
    targets = target_set(name)
    areas = _allowed_areas(region)
    if any(
        t.area in areas and t.start_year <= period.last_year and t.end_year >= period.first_year for t in targets
    ):
        return
    set_areas = sorted({t.area for t in targets})
    first, last = min(t.start_year for t in targets), max(t.end_year for t in targets)
    issues.add(
        "targets",
        f"target set {name!r} has no target for {region} or its cities in {period}: its targets are for "
        f"{', '.join(set_areas)} in {first}–{last}; choose a set for this region and period, or give targets inline",
    )


def _check_target_unit(target: Target, path: str, issues: _Issues) -> None:
    """The unit must measure what the indicator measures (jobsim.model.inputs.targets.indicator_unit_problem)."""
    problem = indicator_unit_problem(target.indicator, target.unit)
    if problem:
        issues.add(_join(path, "unit"), problem)
