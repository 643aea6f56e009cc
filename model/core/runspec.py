"""`RunSpec`: everything that determines one run of the model, and the one place a model is built from it.

A run is fully determined by its spec: the region and the facts of each of its areas, the period,
the levers by year, the parameter values, the seed, the scale and the replicate's index. The same
spec gives a bit-identical run in any process, under `fork` or `spawn`, because nothing else (no
module global, no file) is read while the model is built and run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from jobsim.model.core.facts import AreaFacts


def _frozen(d: Mapping) -> Mapping:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class RunSpec:
    """One run. levers: lever id -> {year: value in base units}, every year of the period;
    parameters: name -> value (each in its unit, see data/parameters/); scale: persons per agent;
    seed: the replicate's own seed; replicate: its index in the ensemble (for labelling only)."""

    region: str
    facts: tuple[AreaFacts, ...]
    first_year: int
    last_year: int
    levers: Mapping[str, Mapping[int, float]]
    parameters: Mapping[str, float]
    seed: int
    scale: float
    replicate: int = 0
    parameter_draw: int | None = None  # index of the posterior draw the parameters come from, if any
    labels: Mapping[str, str] = field(default_factory=dict)  # free-form provenance (scenario name ...)

    def __post_init__(self) -> None:
        object.__setattr__(self, "levers", _frozen({k: _frozen(v) for k, v in self.levers.items()}))
        object.__setattr__(self, "parameters", _frozen(self.parameters))
        object.__setattr__(self, "labels", _frozen(self.labels))
        object.__setattr__(self, "facts", tuple(self.facts))

    # MappingProxyType does not pickle; a spec travels to worker processes as plain dicts.
    def __reduce__(self):
        return (_rebuild, (self.region, self.facts, self.first_year, self.last_year,
                           {k: dict(v) for k, v in self.levers.items()}, dict(self.parameters), self.seed,
                           self.scale, self.replicate, self.parameter_draw, dict(self.labels)))

    @property
    def area_ids(self) -> list[str]:
        return [f.id for f in self.facts]

    def build(self):
        """The model for this spec (not yet run)."""
        from jobsim.model.core.model import LabourMarketModel

        return LabourMarketModel(self)


def _rebuild(*args) -> RunSpec:
    return RunSpec(*args)
