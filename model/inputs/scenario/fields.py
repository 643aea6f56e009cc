"""The small parts of a scenario and its limits: `Title`, `Period`, `UnitValue`, the allowed years,
replicates and names, and the number helpers that validation and writing share.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

FIRST_ALLOWED_YEAR = 2000
LAST_ALLOWED_YEAR = 2100
MAX_PERIOD_YEARS = 30
MAX_REPLICATES = 1000
# The largest seed: what numpy's SeedSequence takes and a NetCDF int64 attribute can store (results keep it).
MAX_SEED = 2**63 - 1
# The largest scale (persons per agent) a file may give: China's 1.4 billion people still make 141 agents;
# the region's own bound (an agent in every area) is checked in plausibility.py.
MAX_SCALE = 10**7
NAME_PATTERN = re.compile(r"[a-z0-9_]+")
NAME_MAX_LENGTH = 80


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


def _plain(v: float) -> int | float:
    """650000.0 -> 650000 (readable YAML); other floats unchanged. int(v) == v exactly, so nothing is lost."""
    f = float(v)
    if f.is_integer() and abs(f) < 1e15:
        return int(f)
    return f


def _snap(v: float) -> float:
    """Drop binary noise from decimal arithmetic: 8.8 x 1e8 = 880000000.0000001 -> 880000000.0.

    Values are kept to 15 significant digits (idempotent, so re-reading a written file changes nothing).
    """
    return float(f"{v:.15g}")


def _fmt(bound: float | None) -> str:
    if bound is None:
        return "unbounded"
    return f"{_plain(bound)}"
