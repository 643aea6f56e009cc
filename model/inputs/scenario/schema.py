"""The `Scenario` model: its fields, the validator that runs every check (and raises `ScenarioError`),
its accessors (lever values and tables, targets) and its conversion to plain data and back.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, ValidationInfo, model_validator

from jobsim.model.inputs.scenario.checks import _OPTIONAL_FIELDS, _normalise
from jobsim.model.inputs.scenario.errors import REQUIRED_MISSING, ScenarioError, _Issues, _pydantic_issues
from jobsim.model.inputs.scenario.inheritance import BASE_FIELD, ScenarioBase, resolve_document
from jobsim.model.inputs.scenario.fields import MAX_REPLICATES, MAX_SCALE, MAX_SEED, Period, Title, _plain
from jobsim.model.inputs.scenario.uncertainties import Uncertainties
from jobsim.model.inputs.targets import Target, target_set


class Scenario(BaseModel):
    """A validated scenario. Lever values are stored by year, for every year of the period, in base units;
    so are the uncertainties it gives (`uncertainties`, empty when it gives none: the defaults apply).

    Build one with `load_scenario(path)` or `scenario_from_dict(d)`; `Scenario(**d)` runs the same
    checks (and raises `ScenarioError`). `model_copy(update=...)` skips them: use `with_changes`.

    A document with `base:` is resolved first (inheritance.py); `base_chain` records its bases, nearest
    first. The chain says where the values came from, not what they are: two scenarios with the same
    fields are equal whatever their chains.
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
    uncertainties: Uncertainties = Field(
        default_factory=Uncertainties,
        description="what nobody sets (growth, graduates, parameter paths), by year; not given: the defaults",
    )
    targets: str | tuple[Target, ...] = Field(description="a target-set name, or inline targets")
    seed: int = Field(ge=0, le=MAX_SEED)
    replicates: int = Field(ge=1, le=MAX_REPLICATES)
    scale: int = Field(ge=1, le=MAX_SCALE, description="persons per agent")

    _base_chain: tuple[ScenarioBase, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _validate_document(cls, data: Any, handler, info: ValidationInfo) -> "Scenario":
        if isinstance(data, Scenario):
            return data
        # context: source (the file's name in messages), lines (of each field), path (the file, for
        # cycles of bases), folder (where a relative `base:` is taken from).
        ctx = info.context or {}
        source = ctx.get("source", "<dict>")
        lines = ctx.get("lines")
        origins: dict[str, str] = {}
        chain: tuple[ScenarioBase, ...] = ()
        found: list[tuple[str, str]] = []
        missing: dict[str, str] = {}
        if isinstance(data, Mapping) and BASE_FIELD in data:
            resolved = resolve_document(data, lines or {}, source, ctx.get("path"), ctx.get("folder"))
            data, lines, origins, chain = resolved.data, resolved.lines, resolved.origins, resolved.chain
            found, missing = list(resolved.issues), resolved.missing
        normalised, issues = _normalise(data)
        found += [(path, missing.get(path, message) if message == REQUIRED_MISSING else message)
                  for path, message in issues.items]
        if found:
            raise ScenarioError(source, found, lines, origins)
        try:
            scenario = handler(normalised)
        except ValidationError as err:  # pragma: no cover - _normalise should have caught everything
            errors = _Issues()
            _pydantic_issues(err, "", cls, errors)
            raise ScenarioError(source, errors.items, lines, origins) from None
        scenario._base_chain = chain
        return scenario

    def __eq__(self, other: object) -> bool:
        # Fields only: the base chain is provenance (where the values came from), not content.
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # the levers are dicts: a scenario is not hashable (as pydantic's would fail to hash)

    @property
    def base_chain(self) -> tuple[ScenarioBase, ...]:
        """The bases this scenario was resolved from (`base:`), nearest first; () for a file without one."""
        return self._base_chain

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
        if not self.uncertainties.is_empty():
            u = self.uncertainties
            out["uncertainties"] = {
                **({"gdp_real_growth_percent": _by_year(u.gdp_real_growth_percent)} if u.gdp_real_growth_percent else {}),
                **({"graduates_multiplier": _by_year(u.graduates_multiplier)} if u.graduates_multiplier else {}),
                **({"parameters": {k: _by_year(v) for k, v in u.parameters.items()}} if u.parameters else {}),
            }
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
        changed = scenario_from_dict(d, source=f"<{self.name} with changes>")
        if BASE_FIELD not in changes:  # the same values over the same bases: keep the record of them
            changed._base_chain = self._base_chain
        return changed


def _by_year(values: dict[int, float]) -> dict[int, int | float]:
    return {int(y): _plain(v) for y, v in values.items()}


def _target_dict(t: Target) -> dict[str, Any]:
    d = t.model_dump(exclude_defaults=True)
    for key in ("value", "tolerance"):
        if isinstance(d.get(key), float):
            d[key] = _plain(d[key])
    return d


def scenario_from_dict(d: Any, source: str = "<dict>", folder: str | Path | None = None) -> Scenario:
    """Validate plain data (as parsed from YAML or JSON) into a Scenario; ScenarioError if invalid.
    A `base:` path is taken from `folder` (default: the working folder)."""
    return Scenario.model_validate(d, context={"source": source, "folder": folder})
