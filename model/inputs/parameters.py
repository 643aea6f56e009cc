"""Structural model parameters as data: shared defaults, per-region overrides, date-keyed values.

Where values come from, later winning (each value's `origin` says which it is):

1. `data/parameters/defaults.yaml` (bundled): every parameter with its value, unit, bounds
   (`min`/`max`), source, note and `calibrate` flag. `origin` "default".
2. `parameters/<region>.yaml` in each data folder of `paths.data_dirs()` (the bundled folder, then
   the user's `--data-dir` / `JOBSIM_DATA_DIR` folders; later folders win): `region:` and only the
   values that differ for that region. A region without such a file runs on the defaults (so a
   user's new region needs no parameter file). `origin` "region".
3. The region's calibrated file (written by `jobsim calibrate`): `calibrated/<region>.yaml` of the
   last user data folder that has one, else the shipped `calibration/params/<region>.yaml`
   (`calibrated_file_in_use`); one file, not merged: its fitted values and its posterior draws go
   together. `origin` "calibrated", `origin_file` that file.
4. A scenario's `parameters:` overrides. `origin` "override".

A value is a number (for unit `date`, a date `YYYY-MM-DD`), or date-keyed values
`values: {YYYY-MM-DD: number, ...}`, each in force from its date until the next. The model receives
plain floats per run: `ParameterSet.at(first_year)` resolves every date-keyed value at the run's
first day (1 January of its first year), so the core reads no dates and no files. A date parameter
reaches the model as its month index (year*12 + month - 1, the core's calendar). docs/parameters.md
explains the schema and why the 2025 retirement reform is a dated rule rather than a date-keyed value.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from jobsim.model.inputs.paths import PROJECT_ROOT, calibration_params_dir, data_dir, data_dirs, user_data_dirs

DEFAULTS_FILE = "defaults.yaml"
DATE_UNIT = "date"
PARAMETER_KEYS = ("value", "values", "unit", "min", "max", "source", "note", "calibrate")
REGION_OVERRIDE_KEYS = ("value", "values", "source", "note")  # a region changes values, not definitions
ORIGINS = ("default", "region", "calibrated", "override")


class ParameterError(ValueError):
    """A parameter file or override that is malformed, unknown or out of bounds."""


def month_index(day: dt.date) -> int:
    """The core's month index of `day`: year*12 + month - 1."""
    return day.year * 12 + day.month - 1


def _display(path: Path | str) -> str:
    """A path as messages show it: relative to the project when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(p)


@dataclass(frozen=True)
class Parameter:
    """One parameter. `value` is the value the model receives (a float; a date parameter's month
    index); `values` holds date-keyed values ((date, value), sorted by date) or is None. `origin` is
    default | region | calibrated | override, and `origin_file` the file the value came from
    ("" for a scenario override)."""

    name: str
    value: float
    unit: str
    min: float | None
    max: float | None
    source: str
    note: str
    calibrate: bool = False
    origin: str = "default"
    values: tuple[tuple[dt.date, float], ...] | None = None
    origin_file: str = ""

    @property
    def is_date(self) -> bool:
        return self.unit == DATE_UNIT

    @property
    def is_date_keyed(self) -> bool:
        return self.values is not None

    @property
    def changes_over_time(self) -> bool:
        return self.values is not None and len({v for _, v in self.values}) > 1

    def check(self, value: float) -> None:
        if self.min is not None and value < self.min or self.max is not None and value > self.max:
            raise ParameterError(
                f"parameter {self.name}: {self._show(value)} is outside "
                f"[{self._show(self.min)}, {self._show(self.max)}] {self.unit}"
            )

    def value_at(self, day: dt.date) -> float:
        """The value in force on `day` (the latest date-keyed value dated on or before it)."""
        if self.values is None:
            return self.value
        in_force = [v for d, v in self.values if d <= day]
        if not in_force:
            raise ParameterError(
                f"parameter {self.name} ({self.origin_file or 'override'}): no value in force on {day.isoformat()}; "
                f"its first value is dated {self.values[0][0].isoformat()} (a run takes the values in force on its first day)"
            )
        return in_force[-1]

    def _show(self, value: float | None) -> str:
        if value is None or not self.is_date:
            return repr(value)
        v = int(value)
        return f"{v // 12:04d}-{v % 12 + 1:02d}-01"


class ParameterSet(Mapping[str, Parameter]):
    """An immutable mapping name -> Parameter for one region; `values` gives name -> float.

    `as_of` is the date the date-keyed values were resolved at (`at()`), None when not resolved."""

    def __init__(self, region: str, params: dict[str, Parameter], files: tuple[str, ...] = (),
                 as_of: dt.date | None = None):
        self.region = region
        self._params = dict(params)
        self.files = files
        self.as_of = as_of

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self._params[name]
        except KeyError:
            raise KeyError(f"unknown parameter {name!r} for region {self.region}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    @property
    def values(self) -> dict[str, float]:
        """name -> the float the model receives. A set with values that change over time must be
        resolved for the run first (`at(first_year)`)."""
        if self.as_of is None:
            changing = [p.name for p in self._params.values() if p.changes_over_time]
            if changing:
                raise ParameterError(
                    f"parameters of {self.region}: {', '.join(changing)} have values that change on a date; "
                    "resolve them for the run with .at(first_year) (the values in force on 1 January of the run's first year)"
                )
        return {k: p.value for k, p in self._params.items()}

    def at(self, when: dt.date | int) -> "ParameterSet":
        """The set with every date-keyed value resolved at `when` (a date, or a year meaning its 1 January)."""
        day = dt.date(int(when), 1, 1) if isinstance(when, int) else when
        params = {k: replace(p, value=p.value_at(day)) for k, p in self._params.items()}
        return ParameterSet(self.region, params, self.files, as_of=day)

    def with_overrides(self, overrides: Mapping[str, Any], origin: str = "override",
                       origin_file: str = "") -> "ParameterSet":
        """A new set with `overrides` applied (numbers; dates or month indices for date parameters);
        unknown names or out-of-bounds values raise ParameterError. An override replaces date-keyed values."""
        params = dict(self._params)
        for name, value in overrides.items():
            if name not in params:
                raise ParameterError(f"unknown parameter {name!r} for region {self.region}{_suggest(name, params)}")
            p = params[name]
            v = _number(value, p.unit, f"parameter {name}")
            p.check(v)
            params[name] = replace(p, value=v, values=None, origin=origin, origin_file=origin_file)
        return ParameterSet(self.region, params, self.files, self.as_of)

    def to_records(self) -> list[dict]:
        out = []
        for p in self._params.values():
            rec = {
                "name": p.name, "value": p.value, "unit": p.unit, "min": p.min, "max": p.max,
                "calibrate": p.calibrate, "origin": p.origin, "source": p.source, "note": p.note,
            }
            if p.is_date:
                rec["date"] = p._show(p.value)  # the value is its month index
            if p.values is not None:
                rec["values"] = {d.isoformat(): v for d, v in p.values}
            if p.origin_file:
                rec["origin_file"] = p.origin_file
            out.append(rec)
        return out


# --- reading files -----------------------------------------------------------------------------


def _suggest(name: str, known) -> str:
    close = difflib.get_close_matches(str(name), list(known), n=3)
    return f"; did you mean {', '.join(close)}?" if close else ""


def _date(raw: Any, where: str) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise ParameterError(f"{where}: {raw!r} is not a date; write YYYY-MM-DD, e.g. 2025-01-01")


def _number(raw: Any, unit: str, where: str) -> float:
    """A value as the model receives it: a float; for unit `date`, the month index of a date
    (a month index given as a number is accepted too, as calibration and sweeps pass numbers)."""
    if unit == DATE_UNIT and isinstance(raw, (dt.date, str)):
        return float(month_index(_date(raw, where)))
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        allowed = "a date YYYY-MM-DD" if unit == DATE_UNIT else f"a number (in {unit})"
        raise ParameterError(f"{where}: {raw!r} is not allowed; give {allowed}")
    return float(raw)


def _dated_values(raw: Any, unit: str, where: str) -> tuple[tuple[dt.date, float], ...]:
    if not isinstance(raw, Mapping) or not raw:
        raise ParameterError(f"{where}: expected date-keyed values {{YYYY-MM-DD: number, ...}}; got {raw!r}")
    out = []
    for key, v in raw.items():
        day = _date(key, f"{where}: date key")
        out.append((day, _number(v, unit, f"{where}.{day.isoformat()}")))
    out.sort(key=lambda dv: dv[0])
    return tuple(out)


def _check_all(p: Parameter, where: str) -> None:
    try:
        for v in ([p.value] if p.values is None else [v for _, v in p.values]):
            p.check(v)
    except ParameterError as e:
        raise ParameterError(f"{where}: {e}") from None


def _read_yaml(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as e:
        raise ParameterError(f"{_display(path)}: not valid YAML: {e}") from None


def _value_of(spec: Mapping, unit: str, where: str) -> tuple[float, tuple | None]:
    """(value, date-keyed values or None) from a spec with exactly one of `value` and `values`."""
    if ("value" in spec) == ("values" in spec):
        raise ParameterError(f"{where}: give exactly one of 'value' (a number) and 'values' (date-keyed)")
    if "values" in spec:
        values = _dated_values(spec["values"], unit, f"{where}.values")
        return values[-1][1], values  # shown until resolved: the latest value
    return _number(spec["value"], unit, f"{where}.value"), None


def parse_defaults(path: Path) -> dict[str, Parameter]:
    """Every parameter defined in a defaults file (`origin` "default")."""
    doc = _read_yaml(path)
    shown = _display(path)
    if not isinstance(doc, Mapping) or not isinstance(doc.get("parameters"), Mapping):
        raise ParameterError(f"{shown}: expected a mapping with 'parameters' (name -> value, unit, min, max, source, note)")
    params: dict[str, Parameter] = {}
    for name, spec in doc["parameters"].items():
        where = f"{shown}: parameters.{name}"
        if not isinstance(spec, Mapping):
            raise ParameterError(f"{where}: expected a mapping with value, unit, min, max, source, note")
        missing = {"unit", "source"} - set(spec)
        if missing:
            raise ParameterError(f"{where}: missing {sorted(missing)}")
        extra = set(spec) - set(PARAMETER_KEYS)
        if extra:
            raise ParameterError(f"{where}: unknown keys {sorted(extra)}; allowed: {', '.join(PARAMETER_KEYS)}")
        unit = str(spec["unit"])
        value, values = _value_of(spec, unit, where)
        bounds = [None if spec.get(k) is None else _number(spec[k], unit, f"{where}.{k}") for k in ("min", "max")]
        if bounds[0] is not None and bounds[1] is not None and bounds[0] > bounds[1]:
            raise ParameterError(f"{where}: min {spec['min']!r} is above max {spec['max']!r}")
        p = Parameter(
            name=str(name), value=value, unit=unit, min=bounds[0], max=bounds[1],
            source=str(spec.get("source", "")), note=str(spec.get("note", "")),
            calibrate=bool(spec.get("calibrate", False)), values=values, origin_file=shown,
        )
        _check_all(p, where)
        params[p.name] = p
    return params


def apply_region_file(path: Path, region: str, params: dict[str, Parameter]) -> dict[str, Parameter]:
    """`params` with the values of a region file applied (`origin` "region"); the file must name `region`."""
    doc = _read_yaml(path)
    shown = _display(path)
    if not isinstance(doc, Mapping) or "region" not in doc:
        raise ParameterError(f"{shown}: expected a mapping with 'region' and (optionally) 'parameters'")
    if str(doc["region"]) != region:
        raise ParameterError(f"{shown}: declares region {doc['region']!r}, expected {region!r}")
    extra = set(doc) - {"region", "parameters"}
    if extra:
        raise ParameterError(f"{shown}: unknown keys {sorted(extra)}; allowed: region, parameters")
    changes = doc.get("parameters") or {}
    if not isinstance(changes, Mapping):
        raise ParameterError(f"{shown}: parameters must map names to values; got {changes!r}")
    out = dict(params)
    for name, spec in changes.items():
        where = f"{shown}: parameters.{name}"
        if name not in out:
            raise ParameterError(f"{where}: unknown parameter {name!r} (not in {DEFAULTS_FILE}){_suggest(name, out)}")
        p = out[name]
        if not isinstance(spec, Mapping):
            spec = {"value": spec}
        extra = set(spec) - set(REGION_OVERRIDE_KEYS)
        if extra:
            raise ParameterError(f"{where}: unknown keys {sorted(extra)}; a region file may give "
                                 f"{', '.join(REGION_OVERRIDE_KEYS)} (unit and bounds are set in {DEFAULTS_FILE})")
        value, values = _value_of(spec, p.unit, where)
        new = replace(p, value=value, values=values, origin="region", origin_file=shown,
                      source=str(spec.get("source", p.source)), note=str(spec.get("note", p.note)))
        _check_all(new, where)
        out[name] = new
    return out


def region_files(region: str) -> list[Path]:
    """The region's own parameter files, in reading order (bundled folder first, later folders win)."""
    return [p for d in data_dirs() if (p := Path(d) / "parameters" / f"{region.lower()}.yaml").exists()]


def available_regions() -> list[str]:
    """Regions with a parameter file of their own in some data folder (any other region uses the defaults)."""
    out: list[str] = []
    for d in data_dirs():
        for f in sorted((Path(d) / "parameters").glob("*.yaml")):
            if f.name == DEFAULTS_FILE:
                continue
            doc = _read_yaml(f)
            name = str(doc.get("region")) if isinstance(doc, Mapping) else f.stem
            if name not in out:
                out.append(name)
    return out


# --- calibrated files --------------------------------------------------------------------------

CALIBRATED_FOLDER = "calibrated"  # in a user data folder: calibrated/<region>.yaml


def _calibrated_name(region: str) -> str:
    return f"{region.lower()}.yaml"


def shipped_calibrated_file(region: str) -> Path:
    """The shipped calibrated file of `region`, `calibration/params/<region>.yaml` (it may not exist)."""
    return calibration_params_dir() / _calibrated_name(region)


def user_calibrated_file(folder: Path | str, region: str) -> Path:
    """Where a user data folder holds the calibrated file of `region`: `<folder>/calibrated/<region>.yaml`."""
    return Path(folder) / CALIBRATED_FOLDER / _calibrated_name(region)


def calibrated_file_in_use(region: str) -> Path | None:
    """The calibrated file runs of `region` read: `calibrated/<region>.yaml` of the last user data folder
    (`--data-dir` / JOBSIM_DATA_DIR) that has one, else the shipped file; None when neither exists."""
    for folder in reversed(user_data_dirs()):
        path = user_calibrated_file(folder, region)
        if path.is_file():
            return path
    shipped = shipped_calibrated_file(region)
    return shipped if shipped.is_file() else None


def is_shipped_calibrated_file(path: Path | str) -> bool:
    """Whether `path` is (or would be) a file inside the shipped calibrated folder `calibration/params/`."""
    try:
        return Path(path).resolve().is_relative_to(calibration_params_dir().resolve())
    except OSError:
        return False


def data_folder_reading(path: Path | str, region: str) -> Path | None:
    """The user data folder whose calibrated file of `region` `path` is (`<folder>/calibrated/<region>.yaml`),
    None when `path` is not laid out so (a data folder would not read it)."""
    path = Path(path)
    if path.name != _calibrated_name(region) or path.parent.name != CALIBRATED_FOLDER:
        return None
    return path.parent.parent


def _calibrated_document(path: Path, region: str) -> Mapping:
    doc = _read_yaml(path)
    shown = _display(path)
    if doc is None:
        return {}
    if not isinstance(doc, Mapping):
        raise ParameterError(f"{shown}: expected a mapping with region, parameters and draws "
                             f"(the file `jobsim calibrate` writes); got {type(doc).__name__}")
    declared = doc.get("region")
    if declared is not None and str(declared).lower() != region.lower():
        raise ParameterError(f"{shown}: declares region {declared!r}, expected {region!r} "
                             f"(a calibrated file is named after its region)")
    for key, kind in (("parameters", Mapping), ("draws", list)):
        if doc.get(key) is not None and not isinstance(doc[key], kind):
            what = "map names to values" if kind is Mapping else "be a list of draws (name -> value)"
            raise ParameterError(f"{shown}: {key} must {what}; got {type(doc[key]).__name__}")
    return doc


def _file_stamp(path: Path | None) -> tuple | None:
    """What the cache key holds of a calibrated file: its path, and its size and modification time (so that
    a file written or replaced since is read again)."""
    if path is None:
        return None
    st = path.stat()
    return (path, st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=64)
def _load_cached(region: str, use_calibrated: bool, dirs: tuple[Path, ...] = (),
                 calibrated: tuple | None = None) -> ParameterSet:
    """The parameter set of `region` read from the data folders `dirs` and the calibrated file
    `calibrated` (its `_file_stamp`, None for none): every argument is part of the cache key, so a change
    of user folders or of the calibrated file in use reads the files again."""
    defaults = data_dir() / "parameters" / DEFAULTS_FILE
    if not defaults.exists():
        raise ParameterError(f"{_display(defaults)}: the shared parameter defaults are missing")
    params = parse_defaults(defaults)
    files = [str(defaults)]
    for path in region_files(region):
        params = apply_region_file(path, region, params)
        files.append(str(path))
    pset = ParameterSet(region, params, tuple(files))
    if use_calibrated and calibrated is not None:
        cal = calibrated[0]
        doc = _calibrated_document(cal, region)
        fitted = {k: v["value"] if isinstance(v, Mapping) and "value" in v else v
                  for k, v in (doc.get("parameters") or {}).items()}
        try:
            pset = pset.with_overrides(fitted, origin="calibrated", origin_file=_display(cal))
        except ParameterError as e:
            raise ParameterError(f"{_display(cal)}: {e}") from None
        pset.files = pset.files + (str(cal),)
    return pset


def load_parameters(region: str, use_calibrated: bool = True, as_of: dt.date | int | None = None) -> ParameterSet:
    """Every structural parameter of `region`: defaults <- region files <- calibrated values (when a
    calibrated file exists: `calibrated_file_in_use`). With `as_of` (a date, or a year meaning its
    1 January: a run's first year), date-keyed values are resolved at that date."""
    calibrated = _file_stamp(calibrated_file_in_use(region)) if use_calibrated else None
    pset = _load_cached(region, use_calibrated, tuple(Path(d) for d in data_dirs()), calibrated)
    return pset if as_of is None else pset.at(as_of)


def parameter_names(region: str) -> list[str]:
    return list(load_parameters(region))


def posterior_draws(region: str) -> list[dict[str, float]]:
    """Posterior draws from the region's calibrated file in use (`calibrated_file_in_use`; [] when there
    is none): the same file the calibrated values come from."""
    path = calibrated_file_in_use(region)
    if path is None:
        return []
    return [dict(d) for d in _draws_cached(region, _file_stamp(path))]


@lru_cache(maxsize=16)
def _draws_cached(region: str, stamp: tuple) -> tuple[dict[str, float], ...]:
    """The draws of the calibrated file `stamp` names, read once while the file is unchanged (a file of a
    few hundred draws takes about a second to parse, and every ensemble plan asks for them)."""
    return tuple(_calibrated_document(stamp[0], region).get("draws") or [])
