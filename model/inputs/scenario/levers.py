"""Lever values: amounts (numbers, '65万', '120亿元', `{value, unit}`) converted to the lever's base unit
and checked against its bounds, and the missing-year rule that fills every year of the period.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from pydantic import TypeAdapter

from jobsim.model.inputs import registry, units
from jobsim.model.inputs.scenario.errors import _choices, _describe, _Issues, _join, _validate_part
from jobsim.model.inputs.scenario.fields import Period, UnitValue, _fmt, _snap
from jobsim.model.inputs.scenario.plausibility import LeverLimits, is_count_dimension

_UNIT_VALUE = TypeAdapter(UnitValue)


class _UnitInfo:
    """units.csv as plain dicts (validation looks units up thousands of times; pandas lookups are slow)."""

    def __init__(self, table: pd.DataFrame):
        self.table = table
        self.dimension = {str(u): str(d) for u, d in table["dimension"].items()}
        self.label_zh = {str(u): str(z) if isinstance(z, str) else "" for u, z in table["label_zh"].items()}
        self.names = {u: u for u in self.dimension}  # accepted spellings -> unit name
        for u, zh in self.label_zh.items():
            if zh and zh not in self.names:
                self.names[zh] = u
        self.suffixes = sorted((zh for zh in self.label_zh.values() if zh), key=len, reverse=True)

    def of_dimension(self, dimension: str) -> list[str]:
        return [f"{u} ({self.label_zh[u]})" for u, d in self.dimension.items() if d == dimension]


_UNIT_INFO: _UnitInfo | None = None


def _units() -> _UnitInfo:
    global _UNIT_INFO
    table = units.unit_table()
    if _UNIT_INFO is None or _UNIT_INFO.table is not table:
        _UNIT_INFO = _UnitInfo(table)
    return _UNIT_INFO


def _unit_names() -> dict[str, str]:
    """Accepted spellings of units -> unit name: the names of units.csv and their Chinese labels."""
    return _units().names


def _dimension(unit: str) -> str:
    return _units().dimension[unit]


def _units_of_dimension(dimension: str) -> list[str]:
    return _units().of_dimension(dimension)


def _split_unit_suffix(text: str) -> tuple[str, str] | None:
    """'120亿元' -> ('120', '亿元'); '65万人次' -> ('65', '万人次'); None without a unit label (units.csv label_zh)."""
    s = text.strip()
    for label in _units().suffixes:
        if s.endswith(label) and len(s) > len(label):
            return s[: -len(label)].strip(), label
    return None


_LEVER_INFO: tuple[pd.DataFrame, dict[str, tuple[str, float | None, float | None]]] | None = None


def _lever_info(lever: str) -> tuple[str, float | None, float | None]:
    """(unit, min, max) of a lever from levers.csv, min/max None when blank."""
    global _LEVER_INFO
    table = registry.levers()
    if _LEVER_INFO is None or _LEVER_INFO[0] is not table:

        def bound(text: object) -> float | None:
            t = str(text).strip()
            return float(t) if t else None

        info = {str(i): (str(r["unit"]), bound(r["min"]), bound(r["max"])) for i, r in table.iterrows()}
        _LEVER_INFO = (table, info)
    return _LEVER_INFO[1][lever]


def _lever_amount(raw: Any, lever: str, path: str, issues: _Issues) -> float | None:
    """One lever value (number, '65万', '120亿元', or {value, unit}) -> base units, or None after an issue."""
    lever_unit, lo, hi = _lever_info(lever)
    lever_dim = _dimension(lever_unit)
    allowed_units = ", ".join(_units_of_dimension(lever_dim))

    def check_unit(unit: str, where: str, written: str = "") -> str | None:
        names = _unit_names()
        if unit not in names:
            issues.add(
                where,
                f"unknown unit {unit!r} for lever {lever} (measured in {lever_unit}); allowed units: {allowed_units}",
            )
            return None
        name = names[unit]
        if _dimension(name) != lever_dim:
            shown = f"{written!r}: unit {unit!r}" if written else f"unit {unit!r}"
            if unit != name:
                shown += f" ({name})"
            issues.add(
                where,
                f"{shown} measures {_dimension(name)}, but lever {lever} is measured in {lever_unit} "
                f"({lever_dim}); allowed units: {allowed_units}",
            )
            return None
        return name

    def amount(value: Any, where: str, allow_unit_label: bool = True) -> float | None:
        if isinstance(value, bool):
            issues.add(where, f"{value!r} is a boolean, not an amount (YAML reads yes/no/on/off/true/false as booleans)")
            return None
        if value is None:
            issues.add(where, f"no value given for lever {lever}")
            return None
        if not isinstance(value, (int, float, str)):
            issues.add(
                where,
                f"must be a number, an amount such as '65万' or '120亿', or {{value: ..., unit: ...}}; "
                f"got {_describe(value)}",
            )
            return None
        try:
            return units.parse_amount(value)
        except units.AmountError as err:
            if isinstance(value, str) and allow_unit_label:
                split = _split_unit_suffix(value)
                if split is not None:
                    number, unit = split
                    try:
                        parsed = units.parse_amount(number)
                    except units.AmountError:
                        pass
                    else:
                        name = check_unit(unit, where, written=value)
                        return None if name is None else units.to_base(parsed, name) / units.factor_to_base(lever_unit)
            issues.add(where, str(err))
            return None

    if isinstance(raw, Mapping):
        uv = _validate_part(_UNIT_VALUE, dict(raw), path, UnitValue, issues)
        if uv is None:
            return None
        unit = check_unit(uv.unit, _join(path, "unit"))
        value = amount(uv.value, _join(path, "value"), allow_unit_label=False)
        if unit is None or value is None:
            return None
        in_lever_unit = units.to_base(value, unit) / units.factor_to_base(lever_unit)
    else:
        in_lever_unit = amount(raw, path)
        if in_lever_unit is None:
            return None

    if not math.isfinite(in_lever_unit):
        issues.add(path, f"{raw!r} is not a finite number")
        return None
    in_lever_unit = _snap(in_lever_unit)
    if lo == 0 and in_lever_unit < 0:
        issues.add(path, f"lever {lever} must not be negative (got {raw!r})")
        return None
    if lo is not None and in_lever_unit < lo or hi is not None and in_lever_unit > hi:
        kind = "a share" if lever_unit == "fraction" else "bounded"
        issues.add(
            path,
            f"lever {lever} is {kind}: it must lie within [{_fmt(lo)}, {_fmt(hi)}] {lever_unit} (got {raw!r})",
        )
        return None
    base = _snap(units.to_base(in_lever_unit, lever_unit))
    if is_count_dimension(lever_dim) and not base.is_integer():
        base_unit = units.unit_table().at[lever_unit, "base_unit"]
        written = "" if isinstance(raw, (int, float)) else f" ({base:g} {base_unit})"
        issues.add(
            path,
            f"{raw!r}{written} is not a whole number: lever {lever} counts {lever_dim} "
            f"(write {math.floor(base):,} or {math.ceil(base):,})",
        )
        return None
    return base


def _as_year(key: Any) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    if isinstance(key, str) and re.fullmatch(r"\s*\d{4}\s*", key):
        return int(key)
    return None


def _is_year_mapping(raw: Mapping) -> bool:
    """A lever's mapping is a year mapping unless it looks like {value, unit}."""
    return not any(isinstance(k, str) and k in ("value", "unit") for k in raw)


def _check_levers(raw: Any, period: Period | None, issues: _Issues,
                  region: str | None = None) -> dict[str, dict[int, float]] | None:
    """Every lever for every year of the period, in base units; None (and issues added) when any is invalid.
    With a region, each value is also checked against the region's plausibility bounds (plausibility.py)."""
    lever_ids = registry.lever_ids()
    if not isinstance(raw, Mapping):
        issues.add("levers", f"must be a mapping of lever id -> value; got {_describe(raw)}; levers: {', '.join(lever_ids)}")
        return None
    n_before = len(issues)
    limits = LeverLimits(region) if region is not None else None
    values: dict[str, dict[int, float]] = {}
    for key, spec in raw.items():
        if key not in lever_ids:
            issues.add(_join("levers", key), f"unknown lever {key!r}; {_choices(key, lever_ids, 'levers', 'data/registry/levers.csv')}")
            continue
        per_year = _check_lever(key, spec, period, issues)
        if per_year is not None and limits is not None:
            if not _plausible(key, spec, per_year, limits, issues):
                per_year = None
        if per_year is not None:
            values[key] = per_year
    missing = [lever for lever in lever_ids if lever not in raw]
    if missing:
        issues.add(
            "levers",
            f"missing lever{'s' if len(missing) > 1 else ''} {', '.join(missing)}: every lever must be stated "
            f"(levers: {', '.join(lever_ids)})",
        )
    if len(issues) > n_before or period is None:
        return None
    return {lever: values[lever] for lever in lever_ids}


def _written_at(lever: str, spec: Any, year: int) -> str:
    """The field path where the value of `year` was written: the lever itself for one value for every
    year, else the latest given year at or before `year` (the missing-year rule)."""
    path = _join("levers", lever)
    if not (isinstance(spec, Mapping) and _is_year_mapping(spec)):
        return path
    given = [y for y in map(_as_year, spec) if y is not None and y <= year]
    return _join(path, max(given)) if given else path


def _plausible(lever: str, spec: Any, per_year: dict[int, float], limits: LeverLimits, issues: _Issues) -> bool:
    """Whether every year's value is within the region's plausibility bound; one issue per written value."""
    unit = _lever_info(lever)[0]
    dimension = _dimension(unit)
    reported: set[str] = set()
    for year, value in per_year.items():
        bound = limits.bound(dimension, year)
        if bound is None or value <= bound.value:
            continue
        path = _written_at(lever, spec, year)
        if path not in reported:
            reported.add(path)
            base_unit = units.unit_table().at[unit, "base_unit"]
            issues.add(path, f"{value:g} {base_unit} in {year} is implausible: {bound.text}")
    return not reported


def _check_lever(lever: str, spec: Any, period: Period | None, issues: _Issues) -> dict[int, float] | None:
    path = _join("levers", lever)
    if not (isinstance(spec, Mapping) and _is_year_mapping(spec)):
        value = _lever_amount(spec, lever, path, issues)
        if value is None or period is None:
            return None
        return {year: value for year in period.years}
    return _check_by_year(
        spec, period, path, f"lever {lever}", "2021: 65万",
        lambda item, where: _lever_amount(item, lever, where, issues), issues,
        nested=lambda item: isinstance(item, Mapping) and _is_year_mapping(item),
        nested_message="a year's value must be a number, an amount or {value, unit}, not another mapping",
    )


def _check_by_year(spec: Mapping, period: Period | None, path: str, what: str, example: str,
                   value_of: Callable[[Any, str], float | None], issues: _Issues,
                   nested: Callable[[Any], bool], nested_message: str) -> dict[int, float] | None:
    """Values by year -> a value for every year of the period, by the missing-year rule (the package
    docstring): the first year of the period must be given, a later year not given carries forward the
    latest earlier value, years outside the period are refused. Shared by the levers and the
    uncertainties (uncertainties.py), so that both follow one rule. `value_of(item, path)` checks one
    year's value (None after an issue); `what` names the field in messages ("lever X")."""
    given: dict[int, float] = {}
    ok = True
    keys_ok = True
    for key, item in spec.items():
        year = _as_year(key)
        if year is None:
            keys_ok = False
            issues.add(
                _join(path, key),
                f"{key!r} is not a year; give {what} either one value or values by year ({example})",
            )
            ok = False
            continue
        if period is not None and year not in period.years:
            issues.add(
                _join(path, year),
                f"year {year} of {what} is outside the period {period} "
                f"(allowed years {period.first_year}–{period.last_year})",
            )
            ok = False
            continue
        if nested(item):
            issues.add(_join(path, year), nested_message)
            ok = False
            continue
        value = value_of(item, _join(path, year))
        if value is None:
            ok = False
            continue
        given[year] = value
    if period is None:
        return None
    if period.first_year not in given:
        if keys_ok and not any(_as_year(k) == period.first_year for k in spec):
            issues.add(
                path,
                f"{what}: the first year of the period ({period.first_year}) must be given; "
                f"later years not given carry forward the latest earlier value",
            )
        return None
    if not ok:
        return None
    return fill_years(given, period)


def fill_years(given: Mapping[int, float], period: Period) -> dict[int, float]:
    """The missing-year rule: every year of the period, a year not given taking the latest earlier
    given value (`given` must hold the period's first year)."""
    out: dict[int, float] = {}
    current = given[period.first_year]
    for year in period.years:
        current = given.get(year, current)
        out[year] = current
    return out
