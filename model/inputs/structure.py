"""The areas' structure at the start of a given year: the base facts moved back along the region's history.

The facts of `regions.py` (data/population.csv, assumptions.csv) describe each area at the end of its
**structure year**, the year of the region's `population` fact (2020, the 7th census, for the bundled
regions). `regions.area_facts(region, as_of=Y)` asks for the structure at 1 January of Y, that is
at the end of Y-1:

- Y-1 at or after the structure year: the base facts, unchanged (`structure_year` stays the base
  year). A run that starts later than structure_year + 1 rolls the population forward itself (the
  model's spin-up, model/core/model.py), so the inputs never extrapolate forward.
- Y-1 before the structure year: the region-level value of each field of `STRUCTURE_HISTORY` is moved
  back along the region's sourced history (data/history.csv and the users' history.csv, rows with stat
  `end`), and every area of the region is scaled by the region-level ratio, so that cities keep their
  shares of the region. `structure_year` becomes Y-1. Every other field keeps its base value (there is
  no yearly history of age shares, sex ratios, schooling, minimum wages ...); the notes list them.

How one field is moved back (`_backcast`), with t the end of Y-1 and T0 the end of the field's own fact
year (its `year` column; the base value B stands for the level at T0):

- the series S: the region's history rows of the field's indicator dated before the fact year (rows of
  the base year or later are the base itself, or later, and are not used); rows for the same month are
  averaged.
- no row in S: the base value is kept (note "held").
- one row: linear in time between that row and the base value at T0 (assumes the row and the base
  fact are one consistent series); before the row, the same straight line is extended (the trend
  between the two nearest points).
- two rows or more: **ratio-linked**, value = B x S(t) / S(T0). S(t) is S interpolated linearly, or
  outside S's rows the trend of the two nearest rows extended; S(T0) is S's own value at the end of
  the fact year, extended from its two latest rows. Linking to the series' own base-year value instead
  of to B matters where the series is not consistent with the fact: Jiangxi's population series before
  the census (4666.1万 at end-2019) runs 3% above the census (4518.86万 in November 2020), and its
  urbanisation rate series (57.4% at end-2019) 3 points below the census's 60.44%; interpolating
  from the series to the census would turn the census revision into a fall (or a jump) in the last
  year. Ratio-linking keeps the series' year-on-year changes and the census's level.
- a rate is kept within [0, 1], a level at 0 or above; an area whose scaled rate would exceed 1 is
  capped (and the note says so).

Every adjustment is recorded as a `StructureNote` (field, from what to what, the method, the history
rows used, by file and line): `structure_notes(region, as_of)` returns them, `structure_notes_text`
writes them out for a researcher.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from jobsim.model.core.facts import AreaFacts
from jobsim.model.inputs.regions import YEAR_RANGE, facts_key, file_key, get_region
from jobsim.model.inputs.units import to_base

# The structure fields moved back along the history before the base year, and the history indicator
# (stat `end`) each follows. Rates are fractions in the facts; their history is in percent or fraction.
STRUCTURE_HISTORY: dict[str, str] = {
    "population": "population",
    "urbanisation_rate": "urbanisation_rate",
    "urban_employed": "urban_employment",
    "primary_sector_employment_share": "employment_share_primary",
}
RATE_FIELDS = ("urbanisation_rate", "primary_sector_employment_share")


@dataclass(frozen=True)
class StructureNote:
    """One field of a region's structure at the start of `as_of`: what it was, what it became, and why.

    Values are in base units (persons, fractions). `ratio` (value / base_value) is what every area of
    the region was multiplied by. `history_rows` name the rows used ("file, line N: end YYYY-MM = v unit").
    `method`: held (no history, or no adjustment needed), interpolated, extrapolated, ratio-linked."""

    region: str
    field: str
    as_of: int
    base_value: float
    base_year: int
    value: float
    method: str
    history_rows: tuple[str, ...] = ()
    detail: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.base_value if self.base_value else 1.0

    @property
    def text(self) -> str:
        if math.isnan(self.base_value):
            return f"{self.region} {self.field} at 1 Jan {self.as_of}: {self.method}; {self.detail}"
        head = (f"{self.region} {self.field} at 1 Jan {self.as_of}: {self.method}, "
                f"{self.base_value:.6g} (end {self.base_year}) -> {self.value:.6g} (x{self.ratio:.4f})")
        rows = f"; rows: {' | '.join(self.history_rows)}" if self.history_rows else ""
        return head + (f"; {self.detail}" if self.detail else "") + rows


def structure_year(region: str) -> int:
    """The year-end the region's base facts describe: the year of its `population` fact (the census)."""
    return _structure_year(region, facts_key())


@lru_cache(maxsize=64)
def _structure_year(region: str, _facts: tuple) -> int:
    return int(get_region(region).fact("population")["year"])


def history_key() -> tuple:
    """A cache key that changes when the bundled or a user history.csv changes (facts_key covers the regions)."""
    from jobsim.model.inputs import history  # the history loader imports regions; keep the import local

    return tuple(file_key(p) for p in [history.history_path(), *history.user_history_files()])


def structure_notes(region: str, as_of: int | None) -> tuple[StructureNote, ...]:
    """What `area_facts(region, as_of=as_of)` changed, field by field (see the module docstring).

    Fields of STRUCTURE_HISTORY get one note each (adjusted or held, with the reason); one more note
    (field "other fields") lists the fields held at their base values. With as_of None, or at or after
    structure_year + 1, a single note says the base facts are used."""
    effective = _effective_as_of(region, as_of)
    if effective is None:
        year = structure_year(region)
        start = year + 1 if as_of is None else int(as_of)
        later = (f"; the run rolls it forward through {year + 1}-{start - 1} itself (the model's spin-up)"
                 if start > year + 1 else "")
        return (StructureNote(region, "all fields", start, math.nan, year, math.nan, "held",
                              detail=f"the base facts, the structure at the end of {year}{later}"),)
    return _adjusted(region, effective, facts_key(), history_key())[1]


def structure_notes_text(region: str, as_of: int | None) -> str:
    """The notes of `structure_notes`, one per line."""
    return "\n".join(n.text for n in structure_notes(region, as_of))


def area_facts_as_of(region: str, as_of: int | None) -> tuple[AreaFacts, ...]:
    """The areas' facts at 1 January of `as_of` (regions.area_facts(region, as_of=...) calls this)."""
    from jobsim.model.inputs.regions import base_area_facts

    effective = _effective_as_of(region, as_of)
    if effective is None:
        return base_area_facts(region)
    return _adjusted(region, effective, facts_key(), history_key())[0]


def _effective_as_of(region: str, as_of: int | None) -> int | None:
    """None when the base facts are the answer (no as_of, or as_of - 1 at or after the structure year):
    every such as_of shares one cache entry."""
    if as_of is None:
        return None
    if isinstance(as_of, bool) or not isinstance(as_of, (int, np.integer)) or not YEAR_RANGE[0] < as_of <= YEAR_RANGE[1] + 1:
        raise ValueError(f"as_of: {as_of!r} is not allowed; give a year {YEAR_RANGE[0] + 1}-{YEAR_RANGE[1] + 1} "
                         "(the structure at 1 January of that year)")
    as_of = int(as_of)
    return as_of if as_of - 1 < structure_year(region) else None


@lru_cache(maxsize=64)
def _adjusted(region: str, as_of: int | None, _facts: tuple, _history: tuple) -> tuple[tuple[AreaFacts, ...], tuple[StructureNote, ...]]:
    from jobsim.model.inputs.regions import base_area_facts

    base = base_area_facts(region)
    year = structure_year(region)
    if as_of is None:
        return base, ()
    from jobsim.model.inputs.history import load_history

    rows = load_history()
    rows = rows[(rows["region"] == region) & (rows["stat"] == "end")]
    structure = get_region(region)
    notes: list[StructureNote] = []
    ratios: dict[str, float] = {}
    for fld, indicator in STRUCTURE_HISTORY.items():
        fact = structure.fact(fld)
        note = _backcast(region, fld, as_of, structure.value(fld), int(fact["year"]), rows[rows["indicator"] == indicator])
        notes.append(note)
        ratios[fld] = note.ratio
    held = [f.name for f in dataclasses.fields(AreaFacts) if f.name not in (*STRUCTURE_HISTORY, "id", "structure_year")]
    notes.append(StructureNote(region, "other fields", as_of, math.nan, year, math.nan, "held",
                               detail="no yearly history is used for " + ", ".join(held)))
    out = []
    for f in base:
        changes: dict[str, float] = {"structure_year": as_of - 1}
        for fld, r in ratios.items():
            v = getattr(f, fld) * r
            changes[fld] = min(v, 1.0) if fld in RATE_FIELDS else v
        out.append(dataclasses.replace(f, **changes))
    capped = [f"{f.id} {fld}" for f in base for fld in RATE_FIELDS if getattr(f, fld) * ratios[fld] > 1.0]
    if capped:
        notes.append(StructureNote(region, "capped rates", as_of, math.nan, year, math.nan, "capped",
                                   detail="scaled rate above 1 set to 1: " + ", ".join(capped)))
    return tuple(out), tuple(notes)


def _row_time(period) -> float:
    """The end of a month as a year fraction: 2019-12 -> 2020.0 (1 Jan 2020), 2020-11 -> 2020.917."""
    return period.year + period.month / 12.0


def _line(t: float, points: list[tuple[float, float]]) -> float:
    """The straight line through two points, at t."""
    (t0, v0), (t1, v1) = points
    return v0 + (v1 - v0) * (t - t0) / (t1 - t0)


def _series_at(t: float, series: list[tuple[float, float]]) -> tuple[float, str]:
    """Linear interpolation within `series` (sorted, at least two points), or the trend of the two
    nearest points outside it; with how it was obtained."""
    if t <= series[0][0]:
        how = "extrapolated (trend of the two earliest rows)" if t < series[0][0] else "at a row"
        return _line(t, series[:2]), how
    if t >= series[-1][0]:
        how = "extrapolated (trend of the two latest rows)" if t > series[-1][0] else "at a row"
        return _line(t, series[-2:]), how
    for a, b in zip(series, series[1:]):
        if a[0] <= t <= b[0]:
            return _line(t, [a, b]), ("at a row" if t in (a[0], b[0]) else "interpolated")
    raise AssertionError("unreachable")


def _backcast(region: str, fld: str, as_of: int, base: float, base_year: int, rows) -> StructureNote:
    """One field at 1 January `as_of` from its base value and the region's history rows of its indicator."""
    t, t0 = float(as_of), float(base_year + 1)
    if as_of - 1 >= base_year:
        return StructureNote(region, fld, as_of, base, base_year, base, "held",
                             detail=f"the fact (end {base_year}) is not later than the start; kept")
    by_time: dict[float, list[tuple[float, str]]] = {}
    for r in rows.itertuples(index=False):
        if r.end.year >= base_year or r.start != r.end:
            continue  # the base year's rows are the base itself; a window is not a level at a date
        v = to_base(float(r.value), str(r.unit))
        by_time.setdefault(_row_time(r.end), []).append(
            (v, f"{_short(r.source_file)}, line {int(r.line)}: end {r.end} = {r.value:g} {r.unit}"))
    series = sorted((tt, sum(v for v, _ in vs) / len(vs)) for tt, vs in by_time.items())
    used = tuple(s for tt in sorted(by_time) for _, s in by_time[tt])
    if not series:
        return StructureNote(region, fld, as_of, base, base_year, base, "held",
                             detail=f"no history row (stat end) of {STRUCTURE_HISTORY[fld]} for {region} before {base_year}")
    if len(series) == 1:
        value = _line(t, [series[0], (t0, base)])
        method = "interpolated" if t >= series[0][0] else "extrapolated"
        detail = (f"linear between the one history row before {base_year} and the base fact at end {base_year}"
                  + ("" if method == "interpolated" else ", extended before the row"))
    else:
        at_t, how_t = _series_at(t, series)
        at_t0, _ = _series_at(t0, series)
        if at_t0 <= 0:
            return StructureNote(region, fld, as_of, base, base_year, base, "held", used,
                                 f"the series' own end-{base_year} value is not positive ({at_t0:.6g}); kept")
        value = base * at_t / at_t0
        method = "ratio-linked"
        detail = (f"series value {at_t:.6g} at the start ({how_t}) / its own end-{base_year} value {at_t0:.6g} "
                  f"(extended from its two latest rows) x the base fact")
    value = max(value, 0.0)
    if fld in RATE_FIELDS and value > 1.0:
        value, detail = 1.0, detail + "; capped at 1"
    return StructureNote(region, fld, as_of, base, base_year, value, method, used, detail)


def _short(path) -> str:
    """A bundled file by its name (data/history.csv), a user file by its full path."""
    from jobsim.model.inputs.history import history_path

    return "history.csv" if str(path) == str(history_path()) else str(path)
