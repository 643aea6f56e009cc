"""From history rows to one value per period: unit conversion, which windows give a yearly (or
monthly) value, and which of several rows for the same period is used (the others reported as skipped).
"""

from __future__ import annotations

import math
import re

import pandas as pd

from jobsim.calibration.forecast.policy import ForecastError
from jobsim.model.inputs.units import unit_table

_VINTAGE_RANK = {"revised": 2, "unknown": 1, "early": 0}
_INEXACT = re.compile(r"round|approximate|lower bound|upper bound|not a point value", re.I)
_FLAGGED = re.compile(r"round|approximate|lower bound|upper bound|not a point value|derived|estimate", re.I)
_DISCONTINUED = re.compile(r"discontinu", re.I)
_PRE_SERIES = re.compile(r"\bpre-\S*\s*(census|series)", re.I)

# Which `stat` gives a yearly value for each indicator kind, in order of preference.
_YEARLY_STATS = {"flow": ("sum",), "stock": ("end", "mean"), "rate": ("mean", "end", "growth")}
_STAT_WORDS = {
    "sum": "sums over January-December",
    "mean": "means over January-December",
    "end": "levels at the end of December",
    "growth": "growth over January-December",
    "month": "monthly values",
}


def _own_note(note: object) -> str:
    """A row's note without the 'duplicate also reported by ...' part (which is about other rows)."""
    return _text(note).split("duplicate also reported by")[0].strip(" ;")


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


def _unit_factor(row_unit: str, target_unit: str, where: str, indicator: str) -> tuple[float, str | None]:
    """Factor converting `row_unit` to `target_unit`, and a note; a ForecastError when they do not match.

    Units of the same dimension are converted (e.g. persons -> 10k persons). A count of persons is
    accepted where person-times are expected (the registry's convention for training counts), with a
    note. Anything else is an error naming the file and line.
    """
    if row_unit == target_unit:
        return 1.0, None
    table = unit_table()
    if row_unit not in table.index:
        raise ForecastError(
            f"{where}: unknown unit {row_unit!r} for {indicator}; {indicator} is measured in {target_unit!r}"
        )
    r, t = table.loc[row_unit], table.loc[target_unit]
    factor = float(r["factor_to_base"]) / float(t["factor_to_base"])
    if r["dimension"] == t["dimension"]:
        return factor, f"{where}: converted {row_unit!r} to {target_unit!r}"
    if r["dimension"] == "persons" and t["dimension"] == "person-times":
        return factor, f"{where}: counted in {row_unit!r}; treated as {target_unit!r} (each person counted once)"
    raise ForecastError(
        f"{where}: unit {row_unit!r} does not fit {indicator}, which is measured in {target_unit!r} "
        f"({t['label_zh']}); fix the unit column or the indicator"
    )


def _classify_yearly(start: pd.Period, end: pd.Period, stat: str, kind: str) -> tuple[int | None, str]:
    """(year, '') when the window gives a yearly value for `stat`, else (None, reason)."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if stat not in _YEARLY_STATS[kind]:
        return None, f"stat {stat!r} does not give a yearly value of a {kind}"
    if stat == "end":
        if end.month == 12:
            return end.year, ""
        return None, f"level at {end}, not at the end of a year"
    if months == 12 and start.month == 1:
        return start.year, ""
    if months < 12 and start.year == end.year:
        return None, "partial year"
    if months > 12:
        return None, "multi-year window"
    return None, "window is not a calendar year"


def _is_monthly(rows: pd.DataFrame) -> bool:
    """Monthly when single-month values are published for at least six different calendar months."""
    single = rows[(rows["start"] == rows["end"]) & rows["stat"].isin(["end", "mean", "sum"])]
    return single["end"].map(lambda p: p.month).nunique() >= 6


def _choose_rows(cands: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """One row per period: revised before unknown before early; exact before rounded; else the later row."""
    cands = cands.assign(
        _vrank=cands["vintage"].map(lambda v: _VINTAGE_RANK.get(_text(v), 1)),
        _exact=(~cands["note"].map(lambda n: bool(_INEXACT.search(_own_note(n))))).astype(int),
    )
    kept, dropped = [], []
    for _, grp in cands.groupby("period", sort=True):
        grp = grp.sort_values(["_vrank", "_exact", "_order"], kind="stable")
        best = grp.iloc[-1]
        kept.append(best)
        for _, other in grp.iloc[:-1].iterrows():
            if best["_vrank"] > other["_vrank"]:
                why = f"{_text(best['vintage']) or 'later'} figure {best['value']:g} preferred"
            elif best["_exact"] > other["_exact"]:
                why = f"exact figure {best['value']:g} preferred to a rounded/approximate one"
            else:
                why = f"later row {best['value']:g} preferred"
            dropped.append(_drop(other, f"superseded by line {best['line']} ({why})"))
    return pd.DataFrame(kept).drop(columns=["_vrank", "_exact"]), dropped


def _drop(row: pd.Series, reason: str) -> dict:
    return {
        "start": row["start"],
        "end": row["end"],
        "stat": row["stat"],
        "value": row["value"],
        "source_file": row.get("source_file", ""),
        "line": row.get("line", -1),
        "reason": reason,
    }
