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
    seed: the replicate's own seed; replicate: its index in the ensemble (for labelling only).
    A period starting after structure_year + 1 of the facts is preceded by a spin-up (`spin_up_years`),
    whose years need a real GDP growth value too."""

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
    # Uncertainties (what nobody sets; kept apart from the levers, as EMA Workbench keeps them):
    # the region's real GDP growth by year (percent), every year of the spin-up and the period; the college-graduate
    # cohort relative to the data by year (1 = as the data say; a missing year means 1); and
    # year-keyed values of parameters that replace `parameters` in those years.
    gdp_real_growth_percent: Mapping[int, float] = field(default_factory=dict)
    graduates_multiplier: Mapping[int, float] = field(default_factory=dict)
    parameter_paths: Mapping[str, Mapping[int, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "levers", _frozen({k: _frozen(v) for k, v in self.levers.items()}))
        object.__setattr__(self, "parameters", _frozen(self.parameters))
        object.__setattr__(self, "labels", _frozen(self.labels))
        object.__setattr__(self, "facts", tuple(self.facts))
        object.__setattr__(self, "gdp_real_growth_percent", _frozen({int(y): float(v) for y, v in self.gdp_real_growth_percent.items()}))
        object.__setattr__(self, "graduates_multiplier", _frozen({int(y): float(v) for y, v in self.graduates_multiplier.items()}))
        object.__setattr__(self, "parameter_paths", _frozen(
            {k: _frozen({int(y): float(v) for y, v in path.items()}) for k, path in self.parameter_paths.items()}))

    @property
    def structure_year(self) -> int:
        """The year whose end the areas' facts describe (`AreaFacts.structure_year`; the areas of a
        region share one, as `area_facts` gives them; with mixed years the latest counts)."""
        return max(f.structure_year for f in self.facts)

    @property
    def spin_up_years(self) -> tuple[int, ...]:
        """The years between the facts and the period that the model simulates unrecorded to roll the
        population forward (the spin-up): structure_year + 1 .. first_year - 1; () when the period
        starts at structure_year + 1 (or earlier: a run is never rolled backward)."""
        return tuple(range(self.structure_year + 1, self.first_year))

    @property
    def simulated_first_year(self) -> int:
        """The first year the model steps through (after its warm-up): the spin-up's first, else first_year."""
        return self.spin_up_years[0] if self.spin_up_years else self.first_year

    def missing_growth_years(self) -> list[int]:
        """Years of the spin-up and the period without a real GDP growth value (the model needs every one)."""
        return [y for y in range(self.simulated_first_year, self.last_year + 1) if y not in self.gdp_real_growth_percent]

    def parameters_in(self, year: int) -> dict[str, float]:
        """The parameter values that hold in `year`: `parameters`, with the year-keyed paths on top."""
        values = dict(self.parameters)
        for name, path in self.parameter_paths.items():
            if year in path:
                values[name] = path[year]
        return values

    # MappingProxyType does not pickle; a spec travels to worker processes as plain dicts.
    def __reduce__(self):
        return (_rebuild, (self.region, self.facts, self.first_year, self.last_year,
                           {k: dict(v) for k, v in self.levers.items()}, dict(self.parameters), self.seed,
                           self.scale, self.replicate, self.parameter_draw, dict(self.labels),
                           dict(self.gdp_real_growth_percent), dict(self.graduates_multiplier),
                           {k: dict(v) for k, v in self.parameter_paths.items()}))

    @property
    def area_ids(self) -> list[str]:
        return [f.id for f in self.facts]

    def build(self):
        """The model for this spec (not yet run)."""
        from jobsim.model.core.model import LabourMarketModel

        return LabourMarketModel(self)


def _rebuild(*args) -> RunSpec:
    return RunSpec(*args)
