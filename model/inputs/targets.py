"""Targets: the planners' numbers (from the source documents) as named, validated target sets.

`Target` is one constraint on an indicator. `data/targets.csv` holds the named sets, one schema for
every target: `target_set,area,indicator,start_year,end_year,basis,comparison,value,unit,tolerance,
assumption,source,wording,note`. `load_targets`, `target_set_names` and `target_set` read and validate
it (and users' files in the same schema); a bad row is reported with file, line, field, value and what
is allowed.

Targets are read as planners read them (docs/methodology.md, "Reading targets"): `wording` holds the
source's own words (`城镇调查失业率控制在 5.5% 左右`), and its comparison word decides the comparison:
以上 / 不低于 / 不少于 / 至少 / > is a floor (`>=`); 以内 / 控制在 / 不超过 / 以下 / ≤ is a ceiling (`<=`);
左右 alone is a band (`about`), except on an unemployment rate, which is a control target, so that
"X%左右" there is a ceiling too (officials report 5.2% as meeting "控制在5.5%左右"). A wording without
a comparison word is a task figure (完成 / 实现 / 达到 X), met at X or more. A row whose comparison
contradicts its wording is refused. `tolerance` is how far the figure may fall on the wrong side:
below a floor, above a ceiling (0 by default for both), or either side of an `about` value (0.5
points for percent, else 5% of the value, by default). `reading(t)` says how a target was read.

Users' files are read after the bundled one: the `targets.csv` of each user data folder (`--data-dir
DIR`, `JOBSIM_DATA_DIR`; `paths.data_files("targets.csv")`), then any `extra` files. A target set named
in a user file REPLACES the bundled set (or an earlier user file's set) of that name as a whole; new
names are added. A user target may name an area of a user folder's regions.csv.

Values are checked by meaning as history rows are (`regions.value_problem`): a rate in [0, 100]
percent, a count or amount not negative (a growth indicator, id ending in `_growth`, may be), every
figure below its dimension's bound (`regions.MAX_BASE_VALUE`); years within `regions.YEAR_RANGE`.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from jobsim.model.inputs import registry
from jobsim.model.inputs.paths import data_dir, data_files
from jobsim.model.inputs.regions import (
    YEAR_RANGE,
    DataFileError,
    file_key,
    choices_text,
    close_matches,
    parse_number,
    read_csv_records,
    region_ids,
    regions_key,
    shown,
    unknown_region_message,
    value_problem,
    where,
)
from jobsim.model.inputs.units import unit_table

Comparison = Literal[">=", "<=", "about"]
# How a target is judged against yearly model output:
#   total     - the indicator summed over start_year..end_year (flows: e.g. 200万 over 2021-2025)
#   each_year - every year in start_year..end_year must meet it (e.g. Fuzhou's 3.5万 a year)
#   year_mean - the yearly value (flows summed, rates averaged) averaged over the years
#   end_level - the value in end_year (stocks at year end, rates averaged over that year)
Basis = Literal["total", "each_year", "year_mean", "end_level"]


class Target(BaseModel):
    """One target: an indicator of an area, over a period of years, compared with a value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    indicator: str = Field(description="indicator id from data/registry/indicators.csv")
    area: str = Field(description="region or city id the target applies to")
    start_year: int
    end_year: int
    basis: Basis
    comparison: Comparison
    value: float = Field(description="in `unit`")
    unit: str = Field(description="a unit from data/registry/units.csv, e.g. '10k persons', 'percent'")
    tolerance: float | None = Field(
        default=None,
        description="in `unit`: how far the figure may fall below a '>=' or above a '<=' value (default 0), or "
                    "the half-width of an 'about' band (default 0.5 for percent, else 5% of the value)",
    )
    assumption: bool = Field(default=False, description="true when the value is assumed, not from a document")
    source: str = ""
    wording: str = Field(default="", description="the source's own words, e.g. '城镇调查失业率控制在 5.5% 左右'")
    note: str = ""


# ---- named target sets (data/targets.csv) ---------------------------------------------------------

TARGET_COLUMNS = (
    "target_set", "area", "indicator", "start_year", "end_year", "basis", "comparison", "value", "unit",
    "tolerance", "assumption", "source", "wording", "note",
)
TARGET_REQUIRED = TARGET_COLUMNS[:9]
BASES: tuple[str, ...] = get_args(Basis)
COMPARISONS: tuple[str, ...] = get_args(Comparison)
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}
_SET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
# An indicator that is itself a growth rate (gdp_real_growth) may have a negative target.
GROWTH_INDICATOR_SUFFIX = "_growth"


class TargetError(DataFileError):
    """A malformed targets file or row, or an unknown target-set name."""


# ---- reading a target's wording (docs/methodology.md, "Reading targets") --------------------------

# Comparison words of the sources, simplified and traditional (a quoted web page may use either).
CEILING_WORDS = ("控制在", "以内", "以內", "以下", "不超过", "不超過", "不高于", "不高於", "≤", "<=")
FLOOR_WORDS = ("以上", "不低于", "不低於", "不少于", "不少於", "至少", "≥", ">=", ">")
ABOUT_WORDS = ("左右",)
# An unemployment rate is a control target (控制目标): officials report 5.2% as "below the 5.5% control
# target", i.e. met, so "X%左右" on it is a ceiling, not a band. Every *unemployment_rate* indicator.
CONTROL_TARGET_MARK = "unemployment_rate"
READ_AS = {">=": "at least", "<=": "a ceiling", "about": "a band"}
COMPARISON_SYMBOLS = {">=": "≥", "<=": "≤", "about": "≈"}


def comparison_symbol(comparison: str) -> str:
    """How a comparison is written for people: '>=' -> '≥', '<=' -> '≤', 'about' -> '≈'."""
    return COMPARISON_SYMBOLS[comparison]


def is_control_target(indicator: str) -> bool:
    """Whether the indicator's targets are control targets, read as ceilings (the unemployment rates)."""
    return CONTROL_TARGET_MARK in indicator


def wording_comparison(wording: str, indicator: str) -> tuple[str | None, str]:
    """The comparison a source's words imply for `indicator`, and why: (comparison, reason).

    Ceiling and floor words decide first; 左右 alone is a band, or a ceiling on a control target; words
    without any of these are a task figure (完成 / 实现 / 达到 X), read as at least. Words with both a
    ceiling and a floor word (two targets quoted as one) give (None, reason).
    """
    ceiling = [w for w in CEILING_WORDS if w in wording]
    floor = [w for w in FLOOR_WORDS if w in wording]
    if ceiling and floor:
        return None, f"it has a ceiling word ({ceiling[0]}) and a floor word ({floor[0]}); quote one target's words"
    if ceiling:
        return "<=", f"{ceiling[0]}: a ceiling"
    if floor:
        return ">=", f"{floor[0]}: at least"
    if any(w in wording for w in ABOUT_WORDS):
        if is_control_target(indicator):
            return "<=", "左右 on an unemployment rate (a control target): a ceiling"
        return "about", "左右: a band around the value"
    return ">=", "no comparison word, a task figure: at least"


def wording_problem(wording: str, indicator: str, comparison: str) -> str | None:
    """Why `comparison` contradicts `wording` (the source's words), or None if they agree or the wording
    has no comparison word (a bare figure is not held against any comparison)."""
    if not wording:
        return None
    implied, why = wording_comparison(wording, indicator)
    if implied is None:
        return f"wording {shown(wording)}: {why}"
    has_word = any(w in wording for w in (*CEILING_WORDS, *FLOOR_WORDS, *ABOUT_WORDS))
    if not has_word or implied == comparison:
        return None
    return (f"{shown(comparison)} contradicts the wording {shown(wording)} ({why}); use {implied!r}, "
            f"or quote the words that mean {comparison!r} (allowed: {', '.join(COMPARISONS)})")


def default_tolerance(t: "Target") -> float:
    """The target's tolerance in its unit: as given, else 0 for a floor or a ceiling, and for 'about' the
    half-width of the band: 0.5 points for percent, else 5% of the value."""
    if t.tolerance is not None:
        return float(t.tolerance)
    if t.comparison != "about":
        return 0.0
    return 0.5 if t.unit == "percent" else abs(t.value) * 0.05


def _figure(value: float, unit: str) -> str:
    """'5.5%', '200 万人', '120 亿元': a value with the unit's Chinese label."""
    table = unit_table()
    label = str(table.at[unit, "label_zh"]) if unit in table.index else unit
    number = f"{value:.10g}"
    return f"{number}{label}" if unit == "percent" else f"{number} {label}"


def reading(t: "Target") -> str:
    """How a target is read, for people: '≤ 5.5% (城镇调查失业率控制在 5.5% 左右, read as a ceiling)',
    '5.5% ± 0.5 (..., read as a band)', '≥ 200 万人 (城镇新增就业 200 万人以上, read as at least)'."""
    tol = default_tolerance(t)
    if t.comparison == "about":
        goal = f"{_figure(t.value, t.unit)} ± {tol:.10g}"
    else:
        goal = f"{comparison_symbol(t.comparison)} {_figure(t.value, t.unit)}"
        if tol:
            goal += f" {'+' if t.comparison == '<=' else '-'} {tol:.10g}"
    how = f"read as {READ_AS[t.comparison]}"
    return f"{goal} ({t.wording}, {how})" if t.wording else f"{goal} ({how})"


def indicator_unit_problem(indicator: str, unit: str) -> str | None:
    """Why `unit` cannot express `indicator` (unknown unit, wrong dimension), or None if it can.

    The unit must have the dimension of the indicator's registry unit (any of 人/万人 for persons,
    %/fraction for rates ...). One exception: an indicator counted in person-times may be given in
    persons, because several sources count trainees as people (the registry's note on
    entrepreneurship training); the model then treats each person as one person-time.
    """
    table = unit_table()
    if unit not in table.index:
        return f"unit {shown(unit)} is unknown; {choices_text(unit, list(table.index), 'units')} (data/registry/units.csv)"
    ind_unit = str(registry.indicators().at[indicator, "unit"])
    want = str(table.at[ind_unit, "dimension"])
    got = str(table.at[unit, "dimension"])
    if got == want or (want == "person-times" and got == "persons"):
        return None
    fits = [u for u in table.index if str(table.at[u, "dimension"]) == want]
    return (
        f"unit {unit!r} measures {got}, but {indicator} ({registry.label(indicator, 'zh')}) is measured in "
        f"{ind_unit!r} ({want}); use one of: {', '.join(fits)}"
    )


def indicator_problem(indicator: str) -> str | None:
    """Why `indicator` is not a registry id (with close matches), or None if it is."""
    ids = registry.indicator_ids()
    if indicator in ids:
        return None
    hits = close_matches(indicator, ids)
    near = f"did you mean {' or '.join(repr(h) for h in hits)}? " if hits else ""
    return f"indicator {shown(indicator)} is not in data/registry/indicators.csv; {near}the registry lists all {len(ids)} indicator ids"


def targets_path() -> Path:
    """The bundled targets.csv."""
    return data_dir() / "targets.csv"


def load_targets(extra: list[Path] | None = None) -> pd.DataFrame:
    """All target rows: the bundled data/targets.csv, then each user data folder's targets.csv, then
    any `extra` files in the same schema.

    A target set named in a user or extra file REPLACES the bundled set (or an earlier file's set) of
    the same name as a whole; new names are added. Columns: the 13 of the schema (start_year,
    end_year int; value float; tolerance float or NaN; assumption bool) plus source_file and line
    (1-based, the header is line 1). Malformed rows raise TargetError naming file, line, field,
    value and what is allowed.
    """
    try:
        context = _registry_key()
        frames = [_load_target_file(file_key(targets_path()), context).copy()]
        for path in [*data_files("targets.csv")[1:], *(extra or [])]:
            df = _load_target_file(file_key(Path(path)), context).copy()
            replaced = set(df["target_set"])
            frames = [f[~f["target_set"].isin(replaced)] for f in frames]
            frames.append(df)
    except TargetError:
        raise
    except DataFileError as exc:  # a broken regions file or a missing user folder, met on the way
        raise TargetError(exc.problems) from None
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*TARGET_COLUMNS, "source_file", "line"])
    return out


def target_set_names(extra: list[Path] | None = None) -> list[str]:
    """The names of the target sets, in file order."""
    return list(dict.fromkeys(load_targets(extra)["target_set"]))


def target_set(name: str, extra: list[Path] | None = None) -> list[Target]:
    """The targets of a named set; an unknown name raises TargetError listing the names.

    Remembered per set and per state of the files it is read from (each file's path, modification time
    and size, and the registry's): a comparison asks for the same set dozens of times, and building it
    from the table each time cost more than judging it."""
    files = [targets_path(), *data_files("targets.csv")[1:], *(Path(p) for p in (extra or []))]
    key = tuple(file_key(Path(p)) for p in files)
    return list(_target_set(str(name), key, _registry_key(), tuple(str(p) for p in (extra or []))))


@lru_cache(maxsize=64)
def _target_set(name: str, _files: tuple, _registry: tuple, extra: tuple[str, ...]) -> tuple[Target, ...]:
    return tuple(_read_target_set(name, [Path(p) for p in extra] or None))


def _read_target_set(name: str, extra: list[Path] | None) -> list[Target]:
    df = load_targets(extra)
    rows = df[df["target_set"] == name]
    if rows.empty:
        names = list(dict.fromkeys(df["target_set"]))
        raise TargetError(f"unknown target set {name!r}; {choices_text(str(name), names, 'target sets')} (data/targets.csv)")
    return [_to_target(r) for r in rows.to_dict("records")]


def _to_target(r: dict) -> Target:
    tol = r["tolerance"]
    return Target(
        indicator=str(r["indicator"]),
        area=str(r["area"]),
        start_year=int(r["start_year"]),
        end_year=int(r["end_year"]),
        basis=r["basis"],
        comparison=r["comparison"],
        value=float(r["value"]),
        unit=str(r["unit"]),
        tolerance=None if tol is None or (isinstance(tol, float) and math.isnan(tol)) else float(tol),
        assumption=bool(r["assumption"]),
        source=str(r["source"]),
        wording=str(r.get("wording", "")),
        note=str(r["note"]),
    )


def _registry_key() -> tuple:
    """What a targets file's validation depends on besides itself: the registry and the regions files."""
    base = data_dir() / "registry"
    return (file_key(base / "indicators.csv"), file_key(base / "units.csv"), regions_key())


@lru_cache(maxsize=16)
def _load_target_file(key: tuple[str, int, int], _registry: tuple) -> pd.DataFrame:
    path = Path(key[0])
    try:
        records = read_csv_records(path, TARGET_REQUIRED, TARGET_COLUMNS[9:])
    except DataFileError as exc:
        raise TargetError(exc.problems) from None
    areas = region_ids()
    kinds = registry.indicators()["kind"]
    problems: list[str] = []
    rows: list[dict] = []
    seen: dict[tuple, int] = {}
    for line, rec in records:
        at = where(path, line)
        errs: list[str] = []

        def bad(field: str, msg: str) -> None:
            errs.append(f"{at}, field {field}: {msg}")

        if not _SET_NAME.match(rec["target_set"]):
            bad("target_set", f"{rec['target_set']!r} is not a set name (letters, digits, _ and -)")
        if rec["area"] not in areas:
            bad("area", f"{rec['area']!r}: {unknown_region_message(rec['area'])}")
        ind_msg = indicator_problem(rec["indicator"])
        if ind_msg:
            bad("indicator", ind_msg)
        years = {}
        for f in ("start_year", "end_year"):
            try:
                y = int(rec[f])
                if not YEAR_RANGE[0] <= y <= YEAR_RANGE[1]:
                    raise ValueError
                years[f] = y
            except ValueError:
                bad(f, f"{shown(rec[f])} is not a year (a whole number, {YEAR_RANGE[0]}-{YEAR_RANGE[1]})")
        if len(years) == 2 and years["start_year"] > years["end_year"]:
            bad("end_year", f"{years['end_year']} is before start_year {years['start_year']}; start_year must be <= end_year")
        if rec["basis"] not in BASES:
            bad("basis", f"{rec['basis']!r} is not allowed; allowed: {', '.join(BASES)}")
        elif not ind_msg and rec["basis"] == "total" and str(kinds[rec["indicator"]]) != "flow":
            bad("basis", f"'total' sums over years and needs a flow indicator; {rec['indicator']} is a {kinds[rec['indicator']]}: use end_level, year_mean or each_year")
        if rec["comparison"] not in COMPARISONS:
            bad("comparison", f"{rec['comparison']!r} is not allowed; allowed: {', '.join(COMPARISONS)}")
        else:
            said = wording_problem(rec["wording"], rec["indicator"], rec["comparison"])
            if said:  # two targets' words in one row is the wording's fault, a contradiction the comparison's
                bad("wording" if wording_comparison(rec["wording"], rec["indicator"])[0] is None else "comparison", said)
        try:
            value = parse_number(rec["value"])
        except ValueError as exc:
            bad("value", f"{exc} (write it in `unit`, e.g. 200 with unit '10k persons' for 200万)")
            value = math.nan
        if not ind_msg:
            unit_msg = indicator_unit_problem(rec["indicator"], rec["unit"])
            if unit_msg:
                bad("unit", unit_msg)
            elif not math.isnan(value):
                # Checked by meaning as history rows are: a rate in [0, 100] percent, a count not negative,
                # every figure below its dimension's bound; a growth indicator may be negative.
                growth = rec["indicator"].endswith(GROWTH_INDICATOR_SUFFIX)
                meaning = value_problem(value, rec["unit"], unit_table(), growth=growth, negative_ok=growth)
                if meaning:
                    bad("value", meaning)
        tolerance = math.nan
        if rec["tolerance"]:
            try:
                tolerance = parse_number(rec["tolerance"])
                if tolerance < 0:
                    bad("tolerance", f"{rec['tolerance']!r} must be >= 0 (in `unit`: the allowance below a floor, "
                                     "above a ceiling, or the half-width of an 'about' band)")
            except ValueError as exc:
                bad("tolerance", str(exc))
        flag = rec["assumption"].lower()
        if flag not in _TRUE | _FALSE:
            bad("assumption", f"{rec['assumption']!r} is not true or false")
        key = (rec["target_set"], rec["area"], rec["indicator"], rec["start_year"], rec["end_year"], rec["basis"], rec["comparison"])
        if key in seen:
            bad("target_set", f"the same target ({rec['area']} {rec['indicator']} {rec['start_year']}-{rec['end_year']} {rec['basis']} {rec['comparison']}) is already on line {seen[key]}")
        else:
            seen[key] = line
        if errs:
            problems.extend(errs)
            continue
        rows.append({
            **{c: rec[c] for c in TARGET_COLUMNS},
            "start_year": years["start_year"], "end_year": years["end_year"], "value": value,
            "tolerance": tolerance, "assumption": flag in _TRUE, "source_file": str(path), "line": line,
        })
    if problems:
        raise TargetError(problems)
    df = pd.DataFrame(rows, columns=[*TARGET_COLUMNS, "source_file", "line"])
    return df.astype({"start_year": int, "end_year": int, "value": float, "tolerance": float, "assumption": bool, "line": int})
