"""Units and amounts: the unit table, 万/亿 parsing, and conversion to the model's base units."""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from jobsim.model.inputs.paths import data_dir

# Chinese magnitude suffixes planners write after numbers ("65万", "120亿", "1.5万亿").
_MAGNITUDES = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3}
_AMOUNT = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(万亿|亿|万|千)?\s*$")
# Commas (ASCII or full-width) only as thousands separators of the whole part: "1,500", "12,000,000",
# "1,500.5万". Anything else ("1,5亿", "50,5", "1,50,000") is refused: a decimal comma read as a
# separator would make "1,5亿" 15亿, ten times too much.
_COMMAS = ",，"
_GROUPED = re.compile(r"^\s*([+-]?)(\d{1,3}(?:[,，]\d{3})+)((?:\.\d*)?(?:[eE][+-]?\d+)?\s*(?:万亿|亿|万|千)?\s*)$")


class AmountError(ValueError):
    """An amount that is not a number, or a number with a magnitude suffix we do not know."""


def _without_thousands_separators(text: str) -> str:
    """`text` with its thousands separators removed; AmountError when a comma stands anywhere else."""
    if not any(c in text for c in _COMMAS):
        return text
    m = _GROUPED.match(text)
    if not m:
        raise AmountError(
            f"{text!r} is not an amount: a comma may only separate thousands (1,500 or 12,000,000); "
            f"for a fraction write a decimal point (1.5亿, not 1,5亿)"
        )
    sign, whole, rest = m.groups()
    return sign + whole.replace(",", "").replace("，", "") + rest


def parse_amount(value: object) -> float:
    """A plain number, or a string such as "65万", "120亿", "1.1万", "2000" -> float in base units.

    Commas are accepted as thousands separators only ("1,200", "12,000,000"); "1,5亿" is refused.
    Booleans, NaN and infinities are rejected.
    """
    if isinstance(value, bool):
        raise AmountError(f"{value!r} is a boolean, not an amount")
    if isinstance(value, (int, float)):
        try:
            f = float(value)
        except OverflowError:  # an integer beyond the float range (10**400)
            raise AmountError(f"{value!r} is not a finite number") from None
    elif isinstance(value, str):
        m = _AMOUNT.match(_without_thousands_separators(value))
        if not m:
            raise AmountError(
                f"{value!r} is not an amount: write a number, optionally followed by 万 (1e4), 亿 (1e8) or 万亿 (1e12)"
            )
        f = float(m.group(1)) * _MAGNITUDES.get(m.group(2) or "", 1.0)
    else:
        raise AmountError(f"{value!r} (a {type(value).__name__}) is not an amount")
    if f != f or f in (float("inf"), float("-inf")):
        raise AmountError(f"{value!r} is not a finite number")
    return f


def format_amount(value: float, unit: str = "") -> str:
    """A planner-friendly string: 650000 -> "65万", 1.2e10 -> "120亿" (the unit appended when given)."""
    v = float(value)
    a = abs(v)
    if a >= 1e8:
        s = f"{v / 1e8:.4g}亿"
    elif a >= 1e4:
        s = f"{v / 1e4:.4g}万"
    else:
        s = f"{v:.4g}"
    return f"{s}{unit}"


@lru_cache(maxsize=None)
def unit_table() -> pd.DataFrame:
    """The unit registry (data/registry/units.csv), indexed by unit name."""
    return pd.read_csv(data_dir() / "registry" / "units.csv", dtype={"unit": str}).set_index("unit")


def known_units() -> list[str]:
    return list(unit_table().index)


def to_base(value: float, unit: str) -> float:
    """Convert a value in `unit` (e.g. '10k persons') to its base unit (persons)."""
    table = unit_table()
    if unit not in table.index:
        raise KeyError(f"unknown unit {unit!r}; known units: {', '.join(table.index)}")
    return float(value) * float(table.at[unit, "factor_to_base"])


def factor_to_base(unit: str) -> float:
    return to_base(1.0, unit)
