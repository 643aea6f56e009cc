"""Sweep files: which levers and uncertainties of a base scenario to vary, over what ranges, by which design.

A sweep file is one YAML mapping (docs/sweeps.md has the full description):

    name: jiangxi_training_x_loans          # slug: lowercase letters, digits, underscore
    description: ...                        # optional (title: {zh, en} too)
    base: jiangxi_baseline                  # a scenario name, or a path relative to this file (.yaml)
    levers:                                 # lever id -> range (at least one factor in levers + uncertainties)
      training_volume_person_times: {multiplier: [0.5, 1.5]}   # x the base's yearly path
      loan_issuance_yuan: {value: [60亿, 180亿]}                # the same value in every year (base units, 万/亿)
    uncertainties:
      gdp_real_growth_percent: {shift: [-2, 1]}   # percentage points added to the base's path in every year
      graduates_multiplier: [0.9, 1.1]            # the multiplier itself, every year ({value: [...]}); or {multiplier: ...}
    design: {method: full_factorial, levels: 5}   # latin_hypercube {n}, sobol {n, second_order}, morris {trajectories, levels}
    seed: 2021                              # default: the base's
    replicates: 4                           # default: the base's
    scale: 1000                             # default: the base's
    indicators: [new_urban_jobs, surveyed_unemployment_rate]   # modelled indicator ids, kept by year and area
    areas: [Jiangxi, Ganzhou]               # optional: default every area of a run of the base's region

A bare list `[lo, hi]` takes the field's default mode: a lever's `multiplier`, growth's `shift`, the
graduates multiplier's `value`. Ranges are closed, lo < hi. A sample's scenario is the base with the sampled
changes, validated by the scenario rules (jobsim.model.inputs.scenario) by whoever samples the design
(jobsim.model.experiments.sweep); count levers (person-times, posts) are rounded to whole numbers there.

Every problem is collected into one `SweepError` (a ScenarioError: `FILE: field: message (line N)`), each
naming the field, the value given and what is allowed. The file is read by the bounded YAML reader
(jobsim.model.inputs.bounded_yaml), with the scenario files' caps.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jobsim.model.inputs import registry
from jobsim.model.inputs.bounded_yaml import (
    MAX_NESTING_DEPTH,
    MAX_NODES,
    MAX_SCENARIO_BYTES,
    BoundedInputError,
    load_bounded_yaml,
    read_bounded_text,
)
from jobsim.model.inputs.growth_paths import GROWTH_PERCENT_BOUNDS
from jobsim.model.inputs.scenario import (
    DOCUMENT,
    GRADUATES_MULTIPLIER_BOUNDS,
    MAX_REPLICATES,
    NAME_MAX_LENGTH,
    NAME_PATTERN,
    Scenario,
    ScenarioError,
    load_scenario,
)
from jobsim.model.inputs.scenario.errors import _Issues  # the scenario checks' collector of (path, message)
from jobsim.model.inputs.scenario.fields import MAX_SCALE, MAX_SEED
from jobsim.model.inputs.units import AmountError, parse_amount

FIELDS = ("name", "title", "description", "base", "levers", "uncertainties", "design", "seed", "replicates", "scale",
          "indicators", "areas")
REQUIRED = ("name", "base", "design", "indicators")
GROWTH = "gdp_real_growth_percent"
GRADUATES = "graduates_multiplier"
SWEPT_UNCERTAINTIES = (GROWTH, GRADUATES)

# The modes a factor may take, per kind of field, the first being what a bare list `[lo, hi]` means.
LEVER_MODES = ("multiplier", "value")
UNCERTAINTY_MODES = {GROWTH: ("shift", "value"), GRADUATES: ("value", "multiplier")}
# A lever multiplier above this is a typing error, not a what-if (ten times the base's training volume).
MAX_LEVER_MULTIPLIER = 10.0
# Growth shifts: the whole span of the allowed growth figures (growth_paths.GROWTH_PERCENT_BOUNDS); the
# shifted path is then checked year by year against the bounds themselves by the scenario rules.
MAX_GROWTH_SHIFT = GROWTH_PERCENT_BOUNDS[1] - GROWTH_PERCENT_BOUNDS[0]
# A multiplier of the graduates' path: within the multiplier's own bounds.
GRADUATES_FACTOR_BOUNDS = GRADUATES_MULTIPLIER_BOUNDS

DESIGNS = ("full_factorial", "latin_hypercube", "sobol", "morris")
DESIGN_FIELDS = {
    "full_factorial": ("levels",),
    "latin_hypercube": ("n",),
    "sobol": ("n", "second_order"),
    "morris": ("trajectories", "levels"),
}
MIN_LEVELS = 2
MAX_LEVELS = 101  # a factorial of one factor at 1-percent steps of its range
MAX_SAMPLES = 200_000
# samples x replicates: what one store may hold (about a day at 1:1000 on a hundred cores).
MAX_RUNS = 2_000_000
MAX_INDICATORS = 64
DESCRIBE_CHARS = 60  # a value is quoted in a message up to this many characters

HASH_CHARS_SHOWN = 16  # hex characters of a content hash shown in messages (64 bits: no accidental clash)


class SweepError(ScenarioError):
    """An invalid sweep file: every problem found, as `(field path, message)` issues with their lines."""


@dataclass(frozen=True)
class Factor:
    """One varied field: `kind` 'lever' or 'uncertainty', the field's id, the `mode` (multiplier, value,
    shift) and the closed range [low, high] in the mode's terms (base units for `value`)."""

    kind: str
    field: str
    mode: str
    low: float
    high: float

    @property
    def name(self) -> str:
        """The factor's name: the field's id (a sweep varies a field once)."""
        return self.field

    def describe(self) -> str:
        unit = {"multiplier": "x the base's path", "shift": "percentage points added to the base's path",
                "value": "the value in every year"}[self.mode]
        return f"{self.field} {self.mode} in [{self.low:g}, {self.high:g}] ({unit})"


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file: the base scenario (loaded, validated), the factors in file order, the design
    and its settings, the run numbers, and what to keep. `canonical()` is what the store records and hashes."""

    source: str
    name: str
    base_reference: str  # as written: a scenario name or a relative path
    base: Scenario
    factors: tuple[Factor, ...]
    design: str
    design_settings: Mapping[str, Any]
    seed: int
    replicates: int
    scale: int
    indicators: tuple[str, ...]
    areas: tuple[str, ...]
    title: Mapping[str, str] | None = None
    description: str | None = None

    @property
    def factor_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.factors)

    def canonical(self) -> dict[str, Any]:
        """The sweep as plain data, every default resolved, in a fixed order: what a store records. The base
        scenario is included by its content (so a changed base file is a changed sweep)."""
        return {
            "name": self.name,
            "base": self.base_reference,
            "levers": {f.field: {f.mode: [f.low, f.high]} for f in self.factors if f.kind == "lever"},
            "uncertainties": {f.field: {f.mode: [f.low, f.high]} for f in self.factors if f.kind == "uncertainty"},
            "design": {"method": self.design, **dict(self.design_settings)},
            "seed": self.seed,
            "replicates": self.replicates,
            "scale": self.scale,
            "indicators": list(self.indicators),
            "areas": list(self.areas),
            "base_scenario": _json_safe(self.base.to_dict()),
        }


def canonical_json(content: Mapping[str, Any]) -> str:
    """The one text of a canonical sweep (sorted keys, no spaces): the store's `sweep` attribute."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(content: Mapping[str, Any]) -> str:
    """sha256 of `canonical_json(content)`."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def short_hash(digest: str) -> str:
    return digest[:HASH_CHARS_SHOWN]


def changed_fields(old: Any, new: Any, path: str = "") -> list[str]:
    """The dotted field paths where two canonical sweeps differ ('levers.loan_issuance_yuan.multiplier',
    'base_scenario.levers.training_volume_person_times.2023', 'replicates')."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: list[str] = []
        for key in list(old) + [k for k in new if k not in old]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in old or key not in new:
                out.append(sub)
            else:
                out += changed_fields(old[key], new[key], sub)
        return out
    return [] if old == new else [path or DOCUMENT]


def _json_safe(value: Any) -> Any:
    """Year keys as strings, tuples as lists: what a JSON round trip gives, so that a stored canonical sweep
    compares equal to a freshly read one."""
    return json.loads(json.dumps(value, ensure_ascii=False))


# ---- reading -------------------------------------------------------------------------------------------


def _describe(value: Any) -> str:
    """The value as given, shortened for a message."""
    text = repr(value)
    return text if len(text) <= DESCRIBE_CHARS else text[:DESCRIBE_CHARS] + "…"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(float(value))


def is_sweep_file(path: str | Path) -> bool:
    """Whether a YAML file is a sweep file rather than a scenario: its top level has a `design` (which no
    scenario field is called). Read with the bounded reader; a file that cannot be read is not one."""
    try:
        text = read_bounded_text(Path(path), MAX_SCENARIO_BYTES, kind="sweep files")
        doc = load_bounded_yaml(text, str(path), MAX_NESTING_DEPTH, MAX_NODES, kind="sweep file")
    except (BoundedInputError, OSError):
        return False
    return doc is not None and isinstance(doc.data, Mapping) and "design" in doc.data


def load_sweep_file(path: str | Path) -> Sweep:
    """Read and validate a sweep file (and its base scenario). FileNotFoundError when it does not exist;
    SweepError (every problem, each with its field, value, what is allowed and its line) when invalid."""
    path = Path(path)
    source = str(path)
    try:
        text = read_bounded_text(path, MAX_SCENARIO_BYTES, kind="sweep files")
        doc = load_bounded_yaml(text, source, MAX_NESTING_DEPTH, MAX_NODES, kind="sweep file")
    except BoundedInputError as err:
        where = err.path or (f"line {err.line}" if err.line else DOCUMENT)
        raise SweepError(source, [(where, err.problem)], {err.path: err.line} if err.path and err.line else {}) from None
    if doc is None or doc.data is None:
        raise SweepError(source, [(DOCUMENT, f"the file holds no sweep; a sweep file needs {', '.join(REQUIRED)}")])
    issues = _Issues()
    for field_path, key, first, again in doc.duplicates:
        issues.add(field_path, f"duplicate key {key!r}: given on line {first} and again on line {again}")
    if issues:
        raise SweepError(source, issues.items, doc.lines)
    return sweep_from_dict(doc.data, source=source, folder=path.parent, lines=doc.lines)


def sweep_from_dict(data: Any, source: str = "<dict>", folder: Path | None = None,
                    lines: Mapping[str, int] | None = None) -> Sweep:
    """Validate plain data (as parsed from a sweep file; a relative `base` path is taken from `folder`)."""
    issues = _Issues()
    if not isinstance(data, Mapping):
        raise SweepError(source, [(DOCUMENT, f"must be a mapping with {', '.join(FIELDS)}; got {_describe(data)}")])
    for key in data:
        if key not in FIELDS:
            issues.add(str(key), f"unknown field {key!r}; allowed fields: {', '.join(FIELDS)}")
    for key in REQUIRED:
        if key not in data:
            issues.add(key, f"required field missing (a sweep file needs {', '.join(REQUIRED)})")
    name = _check_name(data.get("name"), issues) if "name" in data else None
    base = _check_base(data["base"], folder, issues) if "base" in data else None
    factors = _check_factors(data, issues)
    design = _check_design(data["design"], factors, issues) if "design" in data else None
    seed = _whole(data, "seed", 0, MAX_SEED, base.seed if base else None, issues)
    replicates = _whole(data, "replicates", 1, MAX_REPLICATES, base.replicates if base else None, issues)
    scale = _whole(data, "scale", 1, MAX_SCALE, base.scale if base else None, issues)
    indicators = _check_indicators(data["indicators"], issues) if "indicators" in data else None
    areas = _check_areas(data.get("areas"), base, issues)
    title = _check_title(data.get("title"), issues)
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        issues.add("description", f"must be text; got {_describe(description)}")
    if base is not None and scale is not None:
        from jobsim.model.inputs.choices import ChoiceError, check_scale

        try:
            check_scale(scale, base.region)
        except ChoiceError as err:
            issues.add("scale", str(err))
    if design is not None and replicates is not None:
        n_samples = design_size(design[0], design[1], len(factors))
        if n_samples * replicates > MAX_RUNS:
            issues.add("design", f"{n_samples:,} samples x {replicates} replicates = {n_samples * replicates:,} runs; "
                                 f"a sweep may have at most {MAX_RUNS:,} runs")
    if issues:
        raise SweepError(source, issues.items, lines)
    return Sweep(source, name, str(data["base"]), base, tuple(factors), design[0], dict(design[1]), seed, replicates,
                 scale, tuple(indicators), tuple(areas), title, description)


def _check_name(value: Any, issues: _Issues) -> str | None:
    if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value) or len(value) > NAME_MAX_LENGTH:
        issues.add("name", f"{_describe(value)} is not allowed; give a slug of lowercase letters, digits and "
                           f"underscores, at most {NAME_MAX_LENGTH} characters")
        return None
    return value


def _check_title(value: Any, issues: _Issues) -> dict[str, str] | None:
    if value is None:
        return None
    if not (isinstance(value, Mapping) and set(value) == {"zh", "en"}
            and all(isinstance(v, str) and v for v in value.values())):
        issues.add("title", f"{_describe(value)} is not allowed; give {{zh: ..., en: ...}}, both non-empty text")
        return None
    return {"zh": value["zh"], "en": value["en"]}


def _check_base(value: Any, folder: Path | None, issues: _Issues) -> Scenario | None:
    """The base scenario: by name (scenarios/<name>.yaml, user data folders included) or by a path
    relative to the sweep file's folder; its own problems are reported as the base's."""
    from jobsim.model.inputs.scenario_index import ScenarioIndexError, scenario_names, scenario_path

    if not isinstance(value, str) or not value.strip():
        issues.add("base", f"{_describe(value)} is not allowed; give a scenario name ({', '.join(scenario_names())}) "
                           "or a path relative to the sweep file ending in .yaml")
        return None
    if value.endswith((".yaml", ".yml")) or "/" in value:
        path = Path(value) if Path(value).is_absolute() else (folder or Path(".")) / value
        if not path.is_file():
            issues.add("base", f"{value!r}: no scenario file {path}; give a scenario name "
                               f"({', '.join(scenario_names())}) or a path relative to the sweep file")
            return None
    else:
        try:
            path = scenario_path(value)
        except ScenarioIndexError as err:  # it lists the known names
            issues.add("base", str(err))
            return None
    try:
        return load_scenario(path)
    except ScenarioError as err:
        for field_path, message in err.issues:
            issues.add("base", f"the base scenario {path} is invalid: {field_path}: {message}")
        return None


def _check_factors(data: Mapping, issues: _Issues) -> list[Factor]:
    factors: list[Factor] = []
    lever_ids = registry.lever_ids()
    for section, allowed, modes_of in (("levers", lever_ids, lambda key: LEVER_MODES),
                                       ("uncertainties", list(SWEPT_UNCERTAINTIES),
                                        lambda key: UNCERTAINTY_MODES[key])):
        raw = data.get(section)
        if raw is None:
            continue
        if not isinstance(raw, Mapping):
            issues.add(section, f"must be a mapping of field -> range; got {_describe(raw)}; allowed: {', '.join(allowed)}")
            continue
        for key, spec in raw.items():
            path = f"{section}.{key}"
            if key not in allowed:
                issues.add(path, f"unknown {section[:-1] if section == 'levers' else 'uncertainty'} {key!r}; "
                                 f"allowed: {', '.join(allowed)}")
                continue
            factor = _check_range(section, str(key), spec, modes_of(key), path, issues)
            if factor is not None:
                factors.append(factor)
    if not factors and not any(path.startswith(("levers", "uncertainties")) for path, _ in issues.items):
        issues.add("levers", "a sweep varies at least one lever or uncertainty; give levers: {LEVER: {multiplier: "
                             "[LOW, HIGH]}} or uncertainties: {gdp_real_growth_percent: {shift: [LOW, HIGH]}}")
    return factors


def _check_range(section: str, key: str, spec: Any, modes: tuple[str, ...], path: str,
                 issues: _Issues) -> Factor | None:
    """One factor: `[lo, hi]` (the first mode) or `{mode: [lo, hi]}`, each bound checked."""
    if isinstance(spec, list):
        mode, bounds, where = modes[0], spec, path
    elif isinstance(spec, Mapping) and len(spec) == 1:
        mode, bounds = next(iter(spec.items()))
        where = f"{path}.{mode}"
        if mode not in modes:
            issues.add(where, f"unknown mode {mode!r}; allowed for {key}: {', '.join(modes)} "
                              f"(a bare [LOW, HIGH] means {modes[0]})")
            return None
    else:
        issues.add(path, f"{_describe(spec)} is not a range; give [LOW, HIGH] ({modes[0]}) or one of "
                         + ", ".join(f"{{{m}: [LOW, HIGH]}}" for m in modes))
        return None
    if not isinstance(bounds, list) or len(bounds) != 2:
        issues.add(where, f"{_describe(bounds)} is not a range; give two values [LOW, HIGH]")
        return None
    values = []
    for i, b in enumerate(bounds):
        v = _bound_value(section, key, mode, b, f"{where}.{i}", issues)
        if v is None:
            return None
        values.append(v)
    low, high = values
    if not low < high:
        issues.add(where, f"[{bounds[0]}, {bounds[1]}]: LOW must be below HIGH")
        return None
    return Factor("lever" if section == "levers" else "uncertainty", key, str(mode), low, high)


def _bound_value(section: str, key: str, mode: str, value: Any, path: str, issues: _Issues) -> float | None:
    if mode == "value" and section == "levers":
        try:
            v = parse_amount(value)
        except AmountError as err:
            issues.add(path, f"{err}; give the lever's value in its base unit ({_lever_unit(key)}), e.g. 65万")
            return None
        lo, hi = _lever_bounds(key)  # levers.csv's min and max (no max: none)
        allowed = (f"at least {lo:g} {_lever_unit(key)}" if hi == math.inf
                   else f"a value in [{lo:g}, {hi:g}] ({_lever_unit(key)})")
    else:
        if not _is_number(value):
            issues.add(path, f"{_describe(value)} is not a finite number")
            return None
        v = float(value)
        if mode == "multiplier":
            lo, hi = (0.0, MAX_LEVER_MULTIPLIER) if section == "levers" else GRADUATES_FACTOR_BOUNDS
            allowed = f"a multiplier in [{lo:g}, {hi:g}]"
        elif mode == "shift":
            lo, hi = -MAX_GROWTH_SHIFT, MAX_GROWTH_SHIFT
            allowed = f"a shift in [{lo:g}, {hi:g}] percentage points"
        else:
            lo, hi = GROWTH_PERCENT_BOUNDS if key == GROWTH else GRADUATES_MULTIPLIER_BOUNDS
            allowed = f"a value in [{lo:g}, {hi:g}]"
    if not lo <= v <= hi:
        issues.add(path, f"{_describe(value)} is not allowed for {key} {mode}; allowed: {allowed}")
        return None
    return v


def _lever_unit(lever: str) -> str:
    return str(registry.levers().at[lever, "unit"])


def _lever_bounds(lever: str) -> tuple[float, float]:
    """The lever's [min, max] of data/registry/levers.csv, a missing bound open (-inf or inf)."""
    row = registry.levers().loc[lever]

    def bound(text: Any, missing: float) -> float:
        text = "" if text is None else str(text).strip()
        return float(text) if text and text.lower() != "nan" else missing

    return bound(row.get("min"), -math.inf), bound(row.get("max"), math.inf)


def _check_design(raw: Any, factors: list[Factor], issues: _Issues) -> tuple[str, dict[str, Any]] | None:
    if isinstance(raw, str):
        raw = {"method": raw}
    if not isinstance(raw, Mapping) or "method" not in raw:
        issues.add("design", f"{_describe(raw)} is not a design; give {{method: METHOD, ...}} with METHOD one of "
                             f"{', '.join(DESIGNS)}")
        return None
    method = raw["method"]
    if method not in DESIGNS:
        issues.add("design.method", f"unknown design {_describe(method)}; allowed: {', '.join(DESIGNS)}")
        return None
    allowed = DESIGN_FIELDS[method]
    n_before = len(issues)
    for key in raw:
        if key != "method" and key not in allowed:
            issues.add(f"design.{key}", f"unknown field {key!r} for a {method} design; allowed: method, {', '.join(allowed)}")
    settings: dict[str, Any] = {}
    names = [f.name for f in factors]
    if method == "full_factorial":
        levels = raw.get("levels")
        if isinstance(levels, Mapping):
            per: dict[str, int] = {}
            for key, value in levels.items():
                if key not in names:
                    issues.add(f"design.levels.{key}", f"{key!r} is not a varied field; varied: {', '.join(names)}")
                    continue
                checked = _design_int(value, f"design.levels.{key}", MIN_LEVELS, MAX_LEVELS, issues)
                if checked is not None:
                    per[str(key)] = checked
            missing = [n for n in names if n not in levels]
            if missing:
                issues.add("design.levels", f"no levels for {', '.join(missing)}; give levels for every varied field "
                                            "or one number for all")
            settings["levels"] = {n: per[n] for n in names if n in per}
        else:
            settings["levels"] = _design_int(levels, "design.levels", MIN_LEVELS, MAX_LEVELS, issues)
    elif method == "latin_hypercube":
        settings["n"] = _design_int(raw.get("n"), "design.n", 1, MAX_SAMPLES, issues)
    elif method == "sobol":
        n = _design_int(raw.get("n"), "design.n", 1, MAX_SAMPLES, issues)
        if n is not None and n & (n - 1):
            issues.add("design.n", f"{n} is not allowed; a Sobol design needs a power of 2 (e.g. 16, 32, 64, 128): "
                                   "Saltelli's estimators assume a balanced Sobol sequence")
            n = None
        settings["n"] = n
        second = raw.get("second_order", False)
        if not isinstance(second, bool):
            issues.add("design.second_order", f"{_describe(second)} is not allowed; give true or false")
        settings["second_order"] = bool(second) if isinstance(second, bool) else False
    else:  # morris
        settings["trajectories"] = _design_int(raw.get("trajectories"), "design.trajectories", 1, MAX_SAMPLES, issues)
        levels = _design_int(raw.get("levels", 4), "design.levels", MIN_LEVELS, MAX_LEVELS, issues)
        if levels is not None and levels % 2:
            issues.add("design.levels", f"{levels} is not allowed; a Morris design needs an even number of levels "
                                        "(4 is usual): with an odd number the steps do not sample the grid evenly")
            levels = None
        settings["levels"] = levels
    if len(issues) > n_before:
        return None
    if factors:
        size = design_size(method, settings, len(factors))
        if size > MAX_SAMPLES:
            issues.add("design", f"a {method} design of these settings has {size:,} samples; at most "
                                 f"{MAX_SAMPLES:,} are allowed")
            return None
    return method, settings


def design_size(method: str, settings: Mapping[str, Any], n_factors: int) -> int:
    """How many samples a design has: levels^d (or the product of the levels), n, n(d + 2) (Saltelli,
    first order; n(2d + 2) with second order), trajectories x (d + 1) (Morris)."""
    if method == "full_factorial":
        levels = settings["levels"]
        return math.prod(levels.values()) if isinstance(levels, Mapping) else int(levels) ** n_factors
    if method == "latin_hypercube":
        return int(settings["n"])
    if method == "sobol":
        return int(settings["n"]) * ((2 * n_factors + 2) if settings.get("second_order") else (n_factors + 2))
    return int(settings["trajectories"]) * (n_factors + 1)


def _design_int(value: Any, path: str, lo: int, hi: int, issues: _Issues) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        issues.add(path, f"{_describe(value)} is not allowed; give a whole number from {lo} to {hi:,}")
        return None
    return int(value)


def _whole(data: Mapping, key: str, lo: int, hi: int, default: int | None, issues: _Issues) -> int | None:
    if key not in data:
        return default
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        issues.add(key, f"{_describe(value)} is not allowed; give a whole number from {lo} to {hi:,}")
        return None
    return int(value)


def _check_indicators(raw: Any, issues: _Issues) -> list[str] | None:
    modelled = sorted(registry.modelled_indicators().index)
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw or len(raw) > MAX_INDICATORS:
        issues.add("indicators", f"{_describe(raw)} is not allowed; give a list of 1 to {MAX_INDICATORS} modelled "
                                 f"indicators: {', '.join(modelled)}")
        return None
    out = []
    for i, name in enumerate(raw):
        if name not in modelled:
            issues.add(f"indicators.{i}", f"{_describe(name)} is not an indicator the model produces; allowed: "
                                          f"{', '.join(modelled)}")
        elif name in out:
            issues.add(f"indicators.{i}", f"{name!r} is listed twice; give each indicator once")
        else:
            out.append(name)
    return out


def _check_areas(raw: Any, base: Scenario | None, issues: _Issues) -> list[str] | None:
    if base is None:
        return None
    from jobsim.model.inputs.choices import run_areas

    areas = run_areas(base.region)
    if raw is None:
        return areas
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        issues.add("areas", f"{_describe(raw)} is not allowed; give a list of areas of {base.region}: {', '.join(areas)}")
        return None
    out = []
    for i, area in enumerate(raw):
        if area not in areas:
            issues.add(f"areas.{i}", f"{_describe(area)} is not an area of {base.region}; allowed: {', '.join(areas)}")
        elif area not in out:
            out.append(area)
    return out
