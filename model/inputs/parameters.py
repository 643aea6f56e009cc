"""Structural model parameters per region, as data with metadata (value, unit, bounds, source, note).

`data/parameters/<region>.yaml` holds every structural parameter of a region. A calibrated file
(`calibration/params/<region>.yaml`, written by `jobsim calibrate`) replaces the values it fitted,
and a scenario's `parameters:` overrides apply last.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml

from jobsim.model.inputs.paths import calibration_params_dir, data_dir


class ParameterError(ValueError):
    """A parameter file or override that is malformed, unknown or out of bounds."""


@dataclass(frozen=True)
class Parameter:
    name: str
    value: float
    unit: str
    min: float | None
    max: float | None
    source: str
    note: str
    calibrate: bool = False
    origin: str = "default"  # default | calibrated | override

    def check(self, value: float) -> None:
        if self.min is not None and value < self.min or self.max is not None and value > self.max:
            raise ParameterError(
                f"parameter {self.name}: {value!r} is outside [{self.min}, {self.max}] {self.unit}"
            )


class ParameterSet(Mapping[str, Parameter]):
    """An immutable mapping name -> Parameter for one region; `values` gives name -> float."""

    def __init__(self, region: str, params: dict[str, Parameter], files: tuple[str, ...] = ()):
        self.region = region
        self._params = dict(params)
        self.files = files

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
        return {k: p.value for k, p in self._params.items()}

    def with_overrides(self, overrides: Mapping[str, float], origin: str = "override") -> "ParameterSet":
        """A new set with `overrides` applied; unknown names or out-of-bounds values raise ParameterError."""
        params = dict(self._params)
        for name, value in overrides.items():
            if name not in params:
                raise ParameterError(f"unknown parameter {name!r} for region {self.region}")
            v = float(value)
            params[name].check(v)
            params[name] = replace(params[name], value=v, origin=origin)
        return ParameterSet(self.region, params, self.files)

    def to_records(self) -> list[dict]:
        return [
            {
                "name": p.name, "value": p.value, "unit": p.unit, "min": p.min, "max": p.max,
                "calibrate": p.calibrate, "origin": p.origin, "source": p.source, "note": p.note,
            }
            for p in self._params.values()
        ]


def _region_file(region: str) -> Path:
    return data_dir() / "parameters" / f"{region.lower()}.yaml"


def available_regions() -> list[str]:
    out = []
    for f in sorted((data_dir() / "parameters").glob("*.yaml")):
        with open(f, encoding="utf-8") as fh:
            out.append(str(yaml.safe_load(fh)["region"]))
    return out


def _parse_file(path: Path) -> tuple[str, dict[str, Parameter]]:
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    if not isinstance(doc, dict) or "parameters" not in doc or "region" not in doc:
        raise ParameterError(f"{path}: expected a mapping with 'region' and 'parameters'")
    params: dict[str, Parameter] = {}
    for name, spec in doc["parameters"].items():
        where = f"{path}: parameters.{name}"
        if not isinstance(spec, dict):
            raise ParameterError(f"{where}: expected a mapping with value, unit, min, max, source, note")
        missing = {"value", "unit", "source"} - set(spec)
        if missing:
            raise ParameterError(f"{where}: missing {sorted(missing)}")
        extra = set(spec) - {"value", "unit", "min", "max", "source", "note", "calibrate"}
        if extra:
            raise ParameterError(f"{where}: unknown keys {sorted(extra)}")
        p = Parameter(
            name=name,
            value=float(spec["value"]),
            unit=str(spec["unit"]),
            min=None if spec.get("min") is None else float(spec["min"]),
            max=None if spec.get("max") is None else float(spec["max"]),
            source=str(spec.get("source", "")),
            note=str(spec.get("note", "")),
            calibrate=bool(spec.get("calibrate", False)),
        )
        try:
            p.check(p.value)
        except ParameterError as e:
            raise ParameterError(f"{where}: {e}") from None
        params[name] = p
    return str(doc["region"]), params


@lru_cache(maxsize=32)
def _load_cached(region: str, use_calibrated: bool) -> ParameterSet:
    path = _region_file(region)
    if not path.exists():
        raise ParameterError(
            f"no parameter file for region {region!r} ({path}); regions with parameters: {', '.join(available_regions())}"
        )
    file_region, params = _parse_file(path)
    if file_region != region:
        raise ParameterError(f"{path}: declares region {file_region!r}, expected {region!r}")
    pset = ParameterSet(region, params, (str(path),))
    if use_calibrated:
        cal = calibration_params_dir() / f"{region.lower()}.yaml"
        if cal.exists():
            with open(cal, encoding="utf-8") as fh:
                doc = yaml.safe_load(fh) or {}
            fitted = {k: v["value"] if isinstance(v, dict) else v for k, v in (doc.get("parameters") or {}).items()}
            pset = pset.with_overrides(fitted, origin="calibrated")
            pset.files = pset.files + (str(cal),)
    return pset


def load_parameters(region: str, use_calibrated: bool = True) -> ParameterSet:
    """Every structural parameter of `region` (calibrated values applied when a calibrated file exists)."""
    return _load_cached(region, use_calibrated)


def parameter_names(region: str) -> list[str]:
    return list(load_parameters(region))


def posterior_draws(region: str) -> list[dict[str, float]]:
    """Posterior draws from the region's calibrated parameter file ([] when there is none)."""
    path = calibration_params_dir() / f"{region.lower()}.yaml"
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    return list(doc.get("draws") or [])
