"""Scenario files: a validated `Scenario` (region, period, levers by year, parameter overrides, targets,
seed, replicates, scale) parsed from YAML, and written back to YAML.

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
    targets: jiangxi_14th_plan        # a named target set, or a list of inline targets
    seed: 2021                        # int >= 0
    replicates: 20                    # 1..1000
    scale: 1000                       # persons per agent, >= 1

Lever values
    A plain number is in the lever's unit (levers.csv `unit`: person-times, fraction, yuan, posts).
    A string may carry 万 / 亿 / 万亿 ("65万", "120亿"; jobsim.model.inputs.units.parse_amount) and may end with a
    unit label of the lever's dimension ("120亿元", "65万人次", "18.5%"). A mapping
    `{value: 120, unit: "100M yuan"}` names its unit: any unit of units.csv (or its Chinese label, 亿元)
    with the same `dimension` as the lever's unit. Values are converted to base units and must lie
    within the lever's min/max (levers.csv): budgets and volumes are never negative, shares lie in [0, 1].

Missing-year rule
    A single value applies to every year of the period. With a year mapping, the first year of the
    period must be given; each later year that is not given carries forward the value of the latest
    given year before it (a step function: {2021: 65万, 2024: 80万} over 2021-2025 means 65万 in
    2021-2023 and 80万 in 2024-2025). Years outside the period are rejected.

Errors
    Every problem found is collected into one `ScenarioError`, a list of `(path, message)` issues
    where the path names the field (`levers.loan_issuance_yuan.2026`, `period.first_year`,
    `targets.0.area`; `line N` for YAML syntax errors, `(document)` for a file that is not a
    mapping). `str()` gives one line per issue: `FILE: path: message (line N)`.

The validated `Scenario` holds every lever as {year: value in base units} for every year of the period,
so Scenario -> YAML (`scenario_to_yaml`) -> Scenario (`load_scenario` / `scenario_from_dict`) is identical.
Constructing a `Scenario` directly (`Scenario(**d)`, `Scenario.model_validate(d)`) runs the same checks
and raises `ScenarioError`.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from jobsim.model.inputs import registry, units
from jobsim.model.inputs.parameters import load_parameters
from jobsim.model.inputs.regions import cities_of, region_ids
from jobsim.model.inputs.targets import Target, indicator_unit_problem, target_set, target_set_names

FIRST_ALLOWED_YEAR = 2000
LAST_ALLOWED_YEAR = 2100
MAX_PERIOD_YEARS = 30
MAX_REPLICATES = 1000
NAME_PATTERN = re.compile(r"[a-z0-9_]+")
NAME_MAX_LENGTH = 80
DOCUMENT = "(document)"  # the path of issues about the file as a whole

# How many allowed values an error message lists in full before it switches to close matches.
_LIST_IN_FULL = 12


# --------------------------------------------------------------------------------------------------
# errors


class ScenarioError(Exception):
    """An invalid scenario: every problem found, as `(path, message)` issues.

    Deliberately not a ValueError, so that it passes through pydantic's validators unchanged.
    """

    def __init__(self, source: str, issues: Iterable[tuple[str, str]], lines: Mapping[str, int] | None = None):
        self.source = str(source)
        self.issues: list[tuple[str, str]] = list(issues)
        self.lines: dict[str, int] = dict(lines or {})
        super().__init__(self.__str__())

    def line_of(self, path: str) -> int | None:
        """The line in the source file of the field `path` (or of its nearest enclosing field), if known."""
        parts = path.split(".") if path else []
        while parts:
            key = ".".join(parts)
            if key in self.lines:
                return self.lines[key]
            parts.pop()
        return None

    def paths(self) -> list[str]:
        return [p for p, _ in self.issues]

    def __str__(self) -> str:
        out = []
        for path, message in self.issues:
            line = self.line_of(path) if not path.startswith("line ") else None
            suffix = f" (line {line})" if line else ""
            out.append(f"{self.source}: {path}: {message}{suffix}")
        return "\n".join(out)


class _Issues:
    """Collects issues while validating."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append((path, message))

    def __len__(self) -> int:
        return len(self.items)


def _join(*parts: object) -> str:
    return ".".join(str(p) for p in parts if p != "")


def _choices(value: object, allowed: list[str], what: str, full_list_at: str) -> str:
    """'; did you mean X? allowed: a, b, c' (short lists) or close matches and where the full list is."""
    close = difflib.get_close_matches(str(value), allowed, n=3, cutoff=0.6)
    lower = {a.lower(): a for a in allowed}
    if str(value).lower() in lower and lower[str(value).lower()] not in close:
        close.insert(0, lower[str(value).lower()])
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    if len(allowed) <= _LIST_IN_FULL:
        return f"{hint}allowed {what}: {', '.join(allowed)}"
    return f"{hint}{len(allowed)} {what} are known; the full list is in {full_list_at}"


def _describe(value: object) -> str:
    """'a list ([1, 2])', 'nothing (an empty value)', 'the number 5', 'the text 'abc'' for messages."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"the boolean {value!r}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    kind = {dict: "a mapping", list: "a list"}.get(type(value), f"a {type(value).__name__}")
    text = repr(value)
    return f"{kind} ({text[:60]}{'…' if len(text) > 60 else ''})"


def _pydantic_issues(err: ValidationError, prefix: str, model: type[BaseModel] | None, issues: _Issues) -> None:
    """Turn pydantic's errors into `(path, message)` issues: no boilerplate, no URLs."""
    for e in err.errors(include_url=False):
        loc = [str(x) for x in e["loc"]]
        path = _join(prefix, *loc)
        kind = e["type"]
        value = e.get("input")
        if kind == "extra_forbidden":
            allowed = list(model.model_fields) if model is not None else []
            msg = f"unknown field {loc[-1]!r}" if loc else "unknown field"
            if allowed:
                msg += "; " + _choices(loc[-1] if loc else "", allowed, "fields", "docs/scenarios.md")
        elif kind == "missing":
            msg = "required field missing"
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            fields = f" with {', '.join(model.model_fields)}" if model is not None else ""
            msg = f"must be a mapping{fields}; got {_describe(value)}"
        else:
            text = e["msg"]
            text = re.sub(r"^Input should be ", "must be ", text)
            text = re.sub(r"^Value error, ", "", text)
            msg = f"{text[0].lower()}{text[1:]} (got {value!r})" if text else f"invalid value {value!r}"
        issues.add(path, msg)


def _validate_part(adapter: TypeAdapter, value: Any, path: str, model: type[BaseModel] | None, issues: _Issues):
    """Validate one part of the document with pydantic; None (and issues added) when invalid."""
    try:
        return adapter.validate_python(value)
    except ValidationError as err:
        _pydantic_issues(err, path, model, issues)
        return None


# --------------------------------------------------------------------------------------------------
# the schema


class Title(BaseModel):
    """The scenario's title in Chinese and English (both required when a title is given)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: StrictStr = Field(min_length=1)
    en: StrictStr = Field(min_length=1)


class Period(BaseModel):
    """The simulated calendar years, first and last included."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_year: StrictInt = Field(ge=FIRST_ALLOWED_YEAR, le=LAST_ALLOWED_YEAR)
    last_year: StrictInt = Field(ge=FIRST_ALLOWED_YEAR, le=LAST_ALLOWED_YEAR)

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def __str__(self) -> str:
        return f"{self.first_year}–{self.last_year}"


class UnitValue(BaseModel):
    """A lever value that names its unit: `{value: 120, unit: "100M yuan"}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: Any
    unit: StrictStr


_TOP_FIELDS = (
    "name", "title", "description", "region", "period", "levers", "parameters", "targets",
    "seed", "replicates", "scale",
)
_OPTIONAL_FIELDS = ("title", "description", "parameters")

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
_UNIT_VALUE = TypeAdapter(UnitValue)
_TARGET = TypeAdapter(Target)


class Scenario(BaseModel):
    """A validated scenario. Lever values are stored by year, for every year of the period, in base units.

    Build one with `load_scenario(path)` or `scenario_from_dict(d)`; `Scenario(**d)` runs the same
    checks (and raises `ScenarioError`). `model_copy(update=...)` skips them: use `with_changes`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="slug: lowercase letters, digits, underscore")
    title: Title | None = None
    description: str | None = None
    region: str = Field(description="region id from jobsim.model.inputs.regions.region_ids()")
    period: Period
    levers: dict[str, dict[int, float]] = Field(
        description="lever id -> {year: value in the lever's base unit}, every lever and every year"
    )
    parameters: dict[str, float] = Field(
        default_factory=dict, description="structural-parameter overrides, each in the parameter's own unit"
    )
    targets: str | tuple[Target, ...] = Field(description="a target-set name, or inline targets")
    seed: int = Field(ge=0)
    replicates: int = Field(ge=1, le=MAX_REPLICATES)
    scale: int = Field(ge=1, description="persons per agent")

    @model_validator(mode="wrap")
    @classmethod
    def _validate_document(cls, data: Any, handler, info: ValidationInfo) -> "Scenario":
        if isinstance(data, Scenario):
            return data
        ctx = info.context or {}
        source = ctx.get("source", "<dict>")
        lines = ctx.get("lines")
        normalised, issues = _normalise(data)
        if issues:
            raise ScenarioError(source, issues.items, lines)
        try:
            return handler(normalised)
        except ValidationError as err:  # pragma: no cover - _normalise should have caught everything
            found = _Issues()
            _pydantic_issues(err, "", cls, found)
            raise ScenarioError(source, found.items, lines) from None

    # ---- accessors -----------------------------------------------------------------------------

    @property
    def years(self) -> list[int]:
        return self.period.years

    def lever_values(self, lever_id: str) -> dict[int, float]:
        """{year: value in base units} for every year of the period."""
        if lever_id not in self.levers:
            raise KeyError(f"unknown lever {lever_id!r}; levers: {', '.join(self.levers)}")
        return dict(self.levers[lever_id])

    def lever_table(self) -> pd.DataFrame:
        """Years (index 'year') x levers (columns, registry order), in base units."""
        table = pd.DataFrame(
            {lever: [self.levers[lever][y] for y in self.years] for lever in self.levers},
            index=pd.Index(self.years, name="year"),
        )
        table.columns.name = "lever"
        return table

    @property
    def target_set_name(self) -> str | None:
        """The named target set, or None for inline targets."""
        return self.targets if isinstance(self.targets, str) else None

    def target_list(self) -> list[Target]:
        """The targets: the named set's (jobsim.model.inputs.targets.target_set) or the inline ones."""
        if isinstance(self.targets, str):
                    return list(target_set(self.targets))
        return list(self.targets)

    def describe_targets(self) -> str:
        if isinstance(self.targets, str):
            return self.targets
        n = len(self.targets)
        return f"{n} inline target{'s' if n != 1 else ''}"

    # ---- conversion ----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain data in file order; lever values per year in base units. scenario_from_dict() inverts it."""
        out: dict[str, Any] = {"name": self.name}
        if self.title is not None:
            out["title"] = {"zh": self.title.zh, "en": self.title.en}
        if self.description is not None:
            out["description"] = self.description
        out["region"] = self.region
        out["period"] = {"first_year": self.period.first_year, "last_year": self.period.last_year}
        out["levers"] = {lever: {y: _plain(v) for y, v in values.items()} for lever, values in self.levers.items()}
        if self.parameters:
            out["parameters"] = {k: _plain(v) for k, v in self.parameters.items()}
        if isinstance(self.targets, str):
            out["targets"] = self.targets
        else:
            out["targets"] = [_target_dict(t) for t in self.targets]
        out["seed"] = self.seed
        out["replicates"] = self.replicates
        out["scale"] = self.scale
        return out

    def with_changes(self, **changes: Any) -> "Scenario":
        """A new, re-validated scenario with some top-level fields replaced (e.g. levers={...})."""
        d = self.to_dict()
        d.update(changes)
        for key in [k for k, v in d.items() if v is None and k in _OPTIONAL_FIELDS]:
            del d[key]
        return scenario_from_dict(d, source=f"<{self.name} with changes>")


def _plain(v: float) -> int | float:
    """650000.0 -> 650000 (readable YAML); other floats unchanged. int(v) == v exactly, so nothing is lost."""
    f = float(v)
    if f.is_integer() and abs(f) < 1e15:
        return int(f)
    return f


def _target_dict(t: Target) -> dict[str, Any]:
    d = t.model_dump(exclude_defaults=True)
    for key in ("value", "tolerance"):
        if isinstance(d.get(key), float):
            d[key] = _plain(d[key])
    return d


# --------------------------------------------------------------------------------------------------
# validation and normalisation


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
            issues.add(key, "required field missing")

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

    region: str | None = out.get("region")
    if region is not None:
        known = list(region_ids())
        if region not in known:
            issues.add("region", f"unknown region {region!r}; {_choices(region, known, 'regions', 'data/regions.csv')}")
            region = None

    if "levers" in data:
        levers = _check_levers(data["levers"], period, issues)
        if levers is not None:
            out["levers"] = levers

    if data.get("parameters") is not None:
        params = _check_parameters(data["parameters"], region, "region" in out, issues)
        if params is not None:
            out["parameters"] = params

    if "targets" in data:
        targets = _check_targets(data["targets"], region, period, issues)
        if targets is not None:
            out["targets"] = targets

    return out, issues


# ---- levers --------------------------------------------------------------------------------------


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
    return _snap(units.to_base(in_lever_unit, lever_unit))


def _snap(v: float) -> float:
    """Drop binary noise from decimal arithmetic: 8.8 x 1e8 = 880000000.0000001 -> 880000000.0.

    Values are kept to 15 significant digits (idempotent, so re-reading a written file changes nothing).
    """
    return float(f"{v:.15g}")


def _fmt(bound: float | None) -> str:
    if bound is None:
        return "unbounded"
    return f"{_plain(bound)}"


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


def _check_levers(raw: Any, period: Period | None, issues: _Issues) -> dict[str, dict[int, float]] | None:
    lever_ids = registry.lever_ids()
    if not isinstance(raw, Mapping):
        issues.add("levers", f"must be a mapping of lever id -> value; got {_describe(raw)}; levers: {', '.join(lever_ids)}")
        return None
    n_before = len(issues)
    values: dict[str, dict[int, float]] = {}
    for key, spec in raw.items():
        if key not in lever_ids:
            issues.add(_join("levers", key), f"unknown lever {key!r}; {_choices(key, lever_ids, 'levers', 'data/registry/levers.csv')}")
            continue
        per_year = _check_lever(key, spec, period, issues)
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


def _check_lever(lever: str, spec: Any, period: Period | None, issues: _Issues) -> dict[int, float] | None:
    path = _join("levers", lever)
    if not (isinstance(spec, Mapping) and _is_year_mapping(spec)):
        value = _lever_amount(spec, lever, path, issues)
        if value is None or period is None:
            return None
        return {year: value for year in period.years}

    given: dict[int, float] = {}
    ok = True
    keys_ok = True
    for key, item in spec.items():
        year = _as_year(key)
        if year is None:
            keys_ok = False
            issues.add(
                _join(path, key),
                f"{key!r} is not a year; give lever {lever} either one value or values by year (2021: 65万)",
            )
            ok = False
            continue
        if period is not None and year not in period.years:
            issues.add(
                _join(path, year),
                f"year {year} of lever {lever} is outside the period {period} "
                f"(allowed years {period.first_year}–{period.last_year})",
            )
            ok = False
            continue
        if isinstance(item, Mapping) and _is_year_mapping(item):
            issues.add(_join(path, year), "a year's value must be a number, an amount or {value, unit}, not another mapping")
            ok = False
            continue
        value = _lever_amount(item, lever, _join(path, year), issues)
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
                f"lever {lever}: the first year of the period ({period.first_year}) must be given; "
                f"later years not given carry forward the latest earlier value",
            )
        return None
    if not ok:
        return None
    out: dict[int, float] = {}
    current = given[period.first_year]
    for year in period.years:
        current = given.get(year, current)
        out[year] = current
    return out


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
            where = f"data/parameters/{str(region).lower()}.yaml"
            issues.add(path, f"unknown parameter {name!r} for region {region}; {_choices(name, names, 'parameters', where)}")
            ok = False
            continue
        p = known[name]
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            issues.add(path, f"must be a number (in {p.unit}); got {_describe(value)}")
            ok = False
            continue
        try:
            v = units.parse_amount(value)
        except units.AmountError as err:
            issues.add(path, f"{err} (parameter {name} is in {p.unit})")
            ok = False
            continue
        v = _snap(v)
        if (p.min is not None and v < p.min) or (p.max is not None and v > p.max):
            issues.add(
                path,
                f"{value!r} is outside the bounds of parameter {name}: [{_fmt(p.min)}, {_fmt(p.max)}] {p.unit}",
            )
            ok = False
            continue
        out[str(name)] = v
    return out if ok else None


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


# --------------------------------------------------------------------------------------------------
# YAML


def _yaml_error_issue(err: yaml.YAMLError) -> tuple[str, str]:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    path = f"line {mark.line + 1}" if mark is not None else DOCUMENT
    problem = getattr(err, "problem", None) or str(err)
    context = getattr(err, "context", None)
    if "expected a single document" in f"{context} {problem}":
        return path, "the file holds more than one YAML document ('---'); a scenario file is one document"
    if context:
        cmark = getattr(err, "context_mark", None)
        where = f" (line {cmark.line + 1})" if cmark is not None and mark is not None and cmark.line != mark.line else ""
        return path, f"YAML syntax error: {context}{where}: {problem}"
    return path, f"YAML syntax error: {problem}"


def _walk(node: yaml.Node, path: str, lines: dict[str, int], issues: _Issues) -> None:
    """Record the line of every field; report duplicate keys (PyYAML would silently keep the last)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            line = key_node.start_mark.line + 1
            if key is None:
                _walk(value_node, path, lines, issues)
                continue
            child = _join(path, key)
            if key in seen:
                issues.add(child, f"duplicate key {key!r}: given on line {seen[key]} and again on line {line}")
            else:
                seen[key] = line
                lines.setdefault(child, line)
            _walk(value_node, child, lines, issues)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = _join(path, i)
            lines.setdefault(child, item.start_mark.line + 1)
            _walk(item, child, lines, issues)


def parse_yaml(text: str, source: str = "<text>") -> tuple[Any, dict[str, int]]:
    """The YAML document in `text` and the line of each field path; ScenarioError on any YAML problem."""
    issues = _Issues()
    lines: dict[str, int] = {}
    if not text.strip():
        raise ScenarioError(source, [(DOCUMENT, "the file is empty: a scenario needs name, region, period, levers, targets, seed, replicates and scale")])
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError(source, [(DOCUMENT, "the file holds no YAML document (only comments or blank lines)")])
        _walk(node, "", lines, issues)
        if len(issues):
            raise ScenarioError(source, issues.items, lines)
        data = loader.construct_document(node)
    except yaml.YAMLError as err:
        raise ScenarioError(source, [_yaml_error_issue(err)]) from None
    finally:
        loader.dispose()
    if data is None:
        raise ScenarioError(source, [(DOCUMENT, "the file holds no scenario (the document is empty)")])
    return data, lines


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file. FileNotFoundError if it does not exist; ScenarioError if invalid."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ScenarioError(str(path), [(DOCUMENT, f"the file is not UTF-8 text ({err.reason} at byte {err.start})")]) from None
    data, lines = parse_yaml(text, str(path))
    return Scenario.model_validate(data, context={"source": str(path), "lines": lines})


def scenario_from_dict(d: Any, source: str = "<dict>") -> Scenario:
    """Validate plain data (as parsed from YAML or JSON) into a Scenario; ScenarioError if invalid."""
    return Scenario.model_validate(d, context={"source": source})


def scenario_from_yaml(text: str, source: str = "<text>") -> Scenario:
    """Validate a scenario given as YAML text."""
    data, lines = parse_yaml(text, source)
    return Scenario.model_validate(data, context={"source": source, "lines": lines})


class _FlowMap(dict):
    """A mapping written on one line ({2021: 650000, 2022: 650000})."""


class _Dumper(yaml.SafeDumper):
    pass


def _represent_flow_map(dumper: yaml.SafeDumper, data: _FlowMap):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _represent_str(dumper: yaml.SafeDumper, data: str):
    # Characters YAML reads as line breaks or byte-order marks (NEL, LS, PS, BOM, CR) or that are not
    # printable would not survive plain or block style: write them escaped in double quotes.
    if any(ch in "\x85\u2028\u2029\ufeff\r" or not (ch.isprintable() or ch == "\n") for ch in data):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(_FlowMap, _represent_flow_map)
_Dumper.add_representer(str, _represent_str)


def scenario_to_yaml(s: Scenario) -> str:
    """The scenario as a readable YAML file (fields in order, lever values per year in base units)."""
    d = s.to_dict()
    d["levers"] = {lever: _FlowMap(values) for lever, values in d["levers"].items()}
    d["period"] = _FlowMap(d["period"])
    body = yaml.dump(d, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=4096)
    lever_table = registry.levers()
    lines = []
    in_levers = False
    for line in body.splitlines():
        if line == "levers:":
            in_levers = True
        elif not line.startswith(" "):
            in_levers = False
        m = re.match(r"^  ([a-z0-9_]+): \{.*\}$", line) if in_levers else None
        if m and m.group(1) in lever_table.index:
            row = lever_table.loc[m.group(1)]
            line = f"{line}  # {row['unit']}, {row['label_zh']}"
        lines.append(line)
    header = (
        f"# jobsim scenario {s.name}: lever values are per year, in base units "
        "(person-times, fraction, yuan, posts).\n"
    )
    return header + "\n".join(lines) + "\n"
