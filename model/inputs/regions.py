"""Regions (country, provinces, cities) and the population-structure facts the model needs for each.

Files, read from the bundled data folder (`jobsim.model.inputs.paths.data_dir()`) and then from each
user data folder that holds a file of the same name (`--data-dir DIR`, `JOBSIM_DATA_DIR`;
`paths.data_files(name)`):

- `regions.csv`: `id,name_zh,name_en,level,parent`; level is country, province or city.
- `population.csv`: sourced and derived facts, `region,field,value,unit,basis,year,source_url,quote,note`
  (basis `sourced` or `derived`; a derived row shows its arithmetic in `note`).
- `assumptions.csv`: the same columns, assumed facts only (basis `assumption`, the reasoning in `note`).

Within one folder a fact is in exactly one of the two files. Every region must have every field in
`REQUIRED_FIELDS` (`missing_facts()` lists any gap), in a unit of the dimension `REQUIRED_FIELD_DIMENSIONS`
gives (from `data/registry/units.csv`); `RegionStructure.value` returns values in base units (persons,
fractions, yuan).

How a user folder combines with the bundled data (and a later user folder with an earlier one):

- regions.csv: a new id is ADDED (after the bundled ids, in the user file's order); a row whose id is
  already defined REPLACES that row (its position is kept). Parents are checked on the combined table,
  so a user city may sit under a bundled province or under a province of the same folder. A city added
  under a province becomes one of its areas: a run of that province then simulates it too.
- population.csv / assumptions.csv: a fact for a new (region, field) is ADDED; a user row for a
  (region, field) an earlier folder gives REPLACES it, whichever of the two files either is in.
  `population_table()` keeps the user's row with `file` its path and `replaces` naming the file and
  line it replaced (bundled rows have `file` population.csv or assumptions.csv and `replaces` "").
- Every error names the file (a user file by its full path), the line (the header is line 1), the
  field, the value and what is allowed. A user folder that does not exist is an error.

`area_facts(region, as_of=None)` gives the model what it needs of each area: the base facts, which
describe the end of the region's structure year (its population fact's year), or with `as_of` the
structure at 1 January of that year (moved back along the history for an earlier start:
`jobsim.model.inputs.structure`).

This module also holds the small CSV helpers the other data loaders share (`read_csv_records`,
`parse_number`, `value_problem`, `close_matches`), so that every data file reports bad input the same
way: file, line, field, value and what is allowed, and every data file is read within the same bounds
(`MAX_DATA_FILE_BYTES`, `MAX_FIELD_CHARS`, `MAX_BASE_VALUE`, `YEAR_RANGE`).
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import math
import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from jobsim.model.core.facts import AreaFacts
from jobsim.model.inputs.paths import data_dir, data_files, missing_user_data_dirs, user_data_dirs
from jobsim.model.inputs.units import to_base, unit_table

REGION_LEVELS = ("country", "province", "city")
REGION_COLUMNS = ("id", "name_zh", "name_en", "level", "parent")
FACT_COLUMNS = ("region", "field", "value", "unit", "basis", "year", "source_url", "quote", "note")
FACT_BASES = ("sourced", "derived", "assumption")

# The facts the model needs for every region id (country, province and city), with the unit family
# each must be given in. Rates and shares are fractions, people persons, money yuan.
REQUIRED_FIELDS: tuple[str, ...] = (
    "population",
    "urbanisation_rate",
    "share_age_0_14",
    "share_age_15_59",
    "share_age_60_plus",
    "share_age_65_plus",
    "male_share",
    "college_share",
    "employed_persons",
    "urban_employed",
    "primary_sector_employment_share",
    "rural_outmigrant_workers_outside_province",
    "outside_province_share_of_transfers",
    "graduates_per_year",
    "graduate_stay_share",
    "registered_unemployment_rate",
    "surveyed_unemployment_rate",
    "registration_share",
    "minimum_wage_monthly_yuan",
    "ui_insured",
    "public_welfare_posts",
    "labour_force_participation_16_59",
)

# The dimension (data/registry/units.csv) each required fact must be given in: a population in
# persons or 10k persons, a rate as a fraction or percent, the minimum wage in yuan per month.
REQUIRED_FIELD_DIMENSIONS: dict[str, str] = {
    **{f: "rate" for f in REQUIRED_FIELDS},
    **{f: "persons" for f in ("population", "employed_persons", "urban_employed",
                              "rural_outmigrant_workers_outside_province", "graduates_per_year", "ui_insured")},
    "public_welfare_posts": "posts",
    "minimum_wage_monthly_yuan": "yuan per month",
}

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

# Bounds every data file (regions, facts, history, targets) is read within. A file above the size cap
# is refused before it is parsed: the bundled files are under 100 KB, so 20 MB leaves room for any real
# history while a runaway export or /dev/zero is refused at once, without filling memory.
MAX_DATA_FILE_BYTES = 20 * 1024 * 1024
# The longest field a row may hold: the bundled quotes and notes stay under 300 characters.
MAX_FIELD_CHARS = 10_000
# The years a figure may refer to (a window's start and end, a fact's year, a target's years): the
# People's Republic's statistics start in 1949, and no plan looks beyond 2100.
YEAR_RANGE = (1949, 2100)
# The largest magnitude a figure may have, in the base unit of its dimension (data/registry/units.csv).
# Each is far above any real figure of a country (China: 1.41e9 persons, GDP 1.3e14 yuan a year, 5e7
# firms) and far below what breaks arithmetic: 1e300 or a typo of ten extra digits is refused.
MAX_BASE_VALUE: dict[str, float] = {
    "persons": 2e9,
    "person-times": 2e10,  # a person trained several times counts several times
    "posts": 2e9,
    "firms": 1e9,
    "count": 1e9,
    "yuan": 1e15,  # also a five-year sum of a country's GDP (about 5e14 yuan)
    "yuan per person": 1e8,
    "yuan per month": 1e7,
    "years": 200.0,
    "months": 2400.0,
}
# Any other dimension: a figure must still be a number a computation can carry.
MAX_BASE_VALUE_OTHER = 1e15
# A rate is a share of something: between 0 and 1 (0 and 100 percent) ...
RATE_RANGE = (0.0, 1.0)
# ... except a growth rate, which may be negative (down to -100%: all of it gone) and may exceed 100%;
# a growth of more than tenfold in one window is a typo, not a figure.
GROWTH_RANGE = (-1.0, 10.0)


class DataFileError(ValueError):
    """A data file that cannot be read, or a row in it that is malformed.

    `problems` holds every problem found as "file, line N: ..." strings; the message is the first one
    (and how many more there are), so that it fits on one line.
    """

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        first = self.problems[0] if self.problems else "invalid data file"
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""))


class RegionError(DataFileError, KeyError):
    """An unknown region id, a missing fact, or a malformed regions/population/assumptions file."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0] if self.args else ""


# ---- shared CSV helpers --------------------------------------------------------------------------


def close_matches(value: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Up to n choices that look like `value` (case-insensitive), best first."""
    choices = list(choices)
    lower = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(str(value).lower(), list(lower), n=n, cutoff=0.6)
    return [lower[h] for h in hits]


def choices_text(value: str, choices: Iterable[str], what: str) -> str:
    """'did you mean X? known <what>: a, b, c' for an error message."""
    choices = list(choices)
    hits = close_matches(value, choices)
    near = f"did you mean {' or '.join(repr(h) for h in hits)}? " if hits else ""
    return f"{near}known {what}: {', '.join(choices)}"


def where(path: Path | str, line: int) -> str:
    """The location prefix used in every data-file error: '<file>, line N'."""
    return f"{path}, line {line}"


# The most problems one file reports: the first ones say what is wrong; thousands more only flood the screen.
MAX_PROBLEMS_PER_FILE = 100
# The most columns a header may have (the widest schema, targets.csv, has 13).
MAX_COLUMNS = 100
# How much of an offending text an error message shows.
SHOWN_CHARS = 60


def shown(text: object, limit: int = SHOWN_CHARS) -> str:
    """`text` quoted for an error message, cut to `limit` characters (a hostile field may be huge)."""
    text = str(text)
    if len(text) <= limit:
        return repr(text)
    return repr(text[:limit]) + f"... ({len(text)} characters)"


def _size_text(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.1f} MB" if n_bytes >= 2**20 else f"{n_bytes} bytes"


def read_bounded(path: Path, cap: int = MAX_DATA_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `cap` bytes; DataFileError otherwise.

    Devices (/dev/zero), pipes and folders are refused before they are read (a FIFO is opened without
    blocking); a file is read to at most cap + 1 bytes, so a file that grows, or one whose size the
    system does not report (/proc), is still refused without reading it all.
    """
    too_big = (f"{path}: the file is larger than {_size_text(cap)}, the most a data file may have "
               "(MAX_DATA_FILE_BYTES); keep only the rows jobsim needs, or split the file")
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise DataFileError(f"{path}: not a regular file (a folder, device or pipe); give a CSV file")
        if st.st_size > cap:
            raise DataFileError(too_big.replace("larger than", f"{_size_text(st.st_size)}, larger than", 1))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # replaced between the stat and the open
                raise DataFileError(f"{path}: not a regular file (a folder, device or pipe); give a CSV file")
            raw = fh.read(cap + 1)
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if len(raw) > cap:
        raise DataFileError(too_big)
    return raw


def read_csv_records(path: Path | str, required: Iterable[str], optional: Iterable[str] = ()) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file as (line number, {column: text}), the header being line 1.

    The file is read as UTF-8 (a byte-order mark is fine) or, failing that, GB18030 (what Excel
    writes on Chinese Windows). Missing required columns, rows with more or fewer fields than the
    header, and unreadable files raise DataFileError naming the file and line. Optional columns that
    are absent read as "". Text is stripped of surrounding spaces; blank lines are skipped.

    Bounds: only a regular file of at most MAX_DATA_FILE_BYTES is read (`read_bounded`), a header of at
    most MAX_COLUMNS columns, fields of at most MAX_FIELD_CHARS characters; at most
    MAX_PROBLEMS_PER_FILE problems are collected before reading stops.
    """
    path = Path(path)
    required = list(required)
    optional = list(optional)
    raw = read_bounded(path)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # a UTF-16 export ("Unicode text") or a binary file: GB18030 decodes almost anything else
        raise DataFileError(f"{path}: not UTF-8 or GB18030 text; save it as CSV (UTF-8), not as UTF-16 or a spreadsheet")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise DataFileError(f"{where(path, line)}: a NUL byte; the file is not CSV text (is it a spreadsheet or a binary file?)")
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = next(reader)
    except StopIteration:
        raise DataFileError(f"{where(path, 1)}: the file is empty; expected a header with columns {', '.join(required)}") from None
    except csv.Error as exc:
        raise DataFileError(f"{where(path, 1)}: not a readable CSV header ({_csv_error_text(exc)})") from None
    if len(header) > MAX_COLUMNS:
        raise DataFileError(f"{where(path, 1)}: the header has {len(header)} columns, more than {MAX_COLUMNS}; "
                            f"required: {', '.join(required)}")
    header = [h.strip() for h in header]
    long_names = [h for h in header if len(h) > MAX_FIELD_CHARS]
    if long_names:
        raise DataFileError(f"{where(path, 1)}: a column name of {len(long_names[0])} characters, more than {MAX_FIELD_CHARS}; "
                            f"required: {', '.join(required)}")
    missing = [c for c in required if c not in header]
    if missing:
        raise DataFileError(
            f"{where(path, 1)}: missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            f"the header has {', '.join(shown(h) if len(h) > SHOWN_CHARS else h for h in header) or '(nothing)'}; "
            f"required: {', '.join(required)}"
            + (f"; optional: {', '.join(optional)}" if optional else "")
        )
    dupes = sorted({h for h in header if header.count(h) > 1 and h})
    if dupes:
        raise DataFileError(f"{where(path, 1)}: column{'s' if len(dupes) > 1 else ''} {', '.join(dupes)} appear more than once in the header")
    out: list[tuple[int, dict[str, str]]] = []
    problems: list[str] = []
    prev_end = 1
    while len(problems) < MAX_PROBLEMS_PER_FILE:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"{where(path, reader.line_num)}: not readable as CSV ({_csv_error_text(exc)})")
            break
        line = prev_end + 1
        prev_end = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(
                f"{where(path, line)}: {len(row)} field{'s' if len(row) != 1 else ''} but the header has {len(header)} "
                f"({', '.join(header)}); quote values that contain commas"
            )
            continue
        long_fields = [(h, len(cell)) for h, cell in zip(header, row) if len(cell) > MAX_FIELD_CHARS]
        if long_fields:
            name, size = long_fields[0]
            problems.append(f"{where(path, line)}, field {name}: {size} characters, more than the {MAX_FIELD_CHARS} a field may have")
            continue
        rec = {h: cell.strip() for h, cell in zip(header, row)}
        for c in optional:
            rec.setdefault(c, "")
        out.append((line, rec))
    if problems:
        raise DataFileError(problems)
    return out


def _csv_error_text(exc: csv.Error) -> str:
    """The csv module's message, with its own field-size limit explained in our terms."""
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a field is longer than {MAX_FIELD_CHARS} characters, the most a field may have"
    return text


# A number with thousands separators: 1-3 digits, then groups of exactly three ("1,200", "12,000,000.5").
_GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_FULL_WIDTH_COMMA = "\uff0c"


def parse_number(text: str) -> float:
    """A finite float from CSV text; ValueError (its message says what is wrong) otherwise.

    Commas (ASCII or full-width) are allowed only as thousands separators between groups of three
    digits: "1,200" and "12,000,000" read as 1200 and 12000000; "50,5", "1,5" or "1,50,000" are refused
    (a comma as a decimal mark, or Indian grouping, would otherwise silently give 505 or 15). Digit
    underscores ("1_000", which Python accepts) and NaN or infinity are refused too.
    """
    raw = str(text)
    candidate = raw.strip().replace(_FULL_WIDTH_COMMA, ",")
    if "," in candidate:
        if not _GROUPED_NUMBER.match(candidate):
            raise ValueError(
                f"{shown(raw)} has a comma that is not a thousands separator; write decimals with a decimal point "
                "(50.5, not 50,5) and commas, if any, only between groups of three digits (1,200 or 12,000,000)"
            )
        candidate = candidate.replace(",", "")
    if "_" in candidate:
        raise ValueError(f"{shown(raw)} is not a number (no underscores; write 1000 or 1,000)")
    try:
        value = float(candidate)
    except ValueError:
        raise ValueError(f"{shown(raw)} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{shown(raw)} is not a finite number")
    return value


_unit_facts_of: tuple[pd.DataFrame, dict[str, tuple[str, float, str]]] | None = None


def unit_facts(units: pd.DataFrame) -> dict[str, tuple[str, float, str]]:
    """unit -> (dimension, factor to base, base unit), as plain values: a loop over thousands of rows
    looks them up in a dict, not with DataFrame.at (a millisecond each). Kept for the last unit table
    seen (the registry's table is itself cached), so checking every row does not rebuild it each time."""
    global _unit_facts_of
    if _unit_facts_of is None or _unit_facts_of[0] is not units:
        facts = {str(u): (str(r["dimension"]), float(r["factor_to_base"]), str(r["base_unit"]))
                 for u, r in units.iterrows()}
        _unit_facts_of = (units, facts)
    return _unit_facts_of[1]


def value_problem(value: float, unit: str, units: pd.DataFrame | Mapping[str, tuple[str, float, str]], *,
                  growth: bool = False, negative_ok: bool = False) -> str | None:
    """Why `value` (in `unit`, a known unit of `units`: the unit table or its `unit_facts`) cannot be a
    figure, or None if it can.

    A rate (dimension `rate`: percent or fraction) lies in RATE_RANGE, a growth rate (`growth`) in
    GROWTH_RANGE; any other figure is not negative (unless `negative_ok`) and its magnitude in base
    units is at most MAX_BASE_VALUE of its dimension.
    """
    facts = units if isinstance(units, Mapping) else unit_facts(units)
    dimension, factor, base_unit = facts[unit]
    base = value * factor
    if dimension == "rate":
        lo, hi = GROWTH_RANGE if growth else RATE_RANGE
        if lo <= base <= hi:
            return None
        what = "a growth rate" if growth else "a rate or share"
        return f"{value:g} {unit} is outside [{lo / factor:g}, {hi / factor:g}] {unit}, the range of {what}"
    if base < 0 and not negative_ok:
        return f"{value:g} {unit} is negative; a figure in {dimension} must not be below 0"
    cap = MAX_BASE_VALUE.get(dimension, MAX_BASE_VALUE_OTHER)
    if abs(base) > cap:
        return (f"{value:g} {unit} is above the bound for a figure in {dimension}: at most {cap / factor:g} {unit} "
                f"({cap:g} {base_unit}, MAX_BASE_VALUE); check for extra digits or a wrong unit")
    return None


def file_key(path: Path) -> tuple[str, int, int]:
    """(path, modification time, size): a cache key that changes when the file does."""
    try:
        st = path.stat()
        return (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        return (str(path), -1, -1)


# ---- regions ---------------------------------------------------------------------------------------


def _check_user_folders() -> None:
    """RegionError naming each user data folder that does not exist (never skipped silently)."""
    missing = missing_user_data_dirs()
    if missing:
        raise RegionError([
            f"{d}: the data folder does not exist (named by --data-dir or JOBSIM_DATA_DIR); "
            "give an existing folder, e.g. one written by `jobsim region init`"
            for d in missing
        ])


def regions_path() -> Path:
    """The bundled regions.csv."""
    return data_dir() / "regions.csv"


def regions_files() -> list[Path]:
    """regions.csv of the bundled folder and of each user folder that has one, in reading order."""
    _check_user_folders()
    return data_files("regions.csv")


def regions_key() -> tuple:
    """A cache key that changes when any regions.csv read changes (or a user folder is added)."""
    return tuple(file_key(p) for p in regions_files())


def load_regions() -> pd.DataFrame:
    """The regions table, indexed by id: name_zh, name_en, level, parent ("" for none).

    The bundled regions.csv with each user folder's regions.csv laid over it (new ids added at the
    end, a known id replaced in place). Rows keep the files' order (a province's cities in the order
    planners list them). Raises RegionError naming file and line for a malformed file.
    """
    return _load_regions(regions_key()).copy()


@lru_cache(maxsize=8)
def _load_regions(keys: tuple[tuple[str, int, int], ...]) -> pd.DataFrame:
    problems: list[str] = []
    # id -> (record, where it comes from); a later file's row replaces an earlier file's in place.
    merged: dict[str, tuple[dict[str, str], str]] = {}
    for key in keys:
        path = Path(key[0])
        try:
            records = read_csv_records(path, REGION_COLUMNS)
        except DataFileError as exc:
            problems.extend(exc.problems)
            continue
        seen: dict[str, int] = {}
        for line, rec in records:
            rid = rec["id"]
            at = where(path, line)
            bad = False
            if not _ID.match(rid):
                problems.append(f"{at}: id {rid!r} is not allowed; use ASCII letters, digits and _ starting with a letter (e.g. Jian for 吉安)")
                bad = True
            elif rid in seen:
                problems.append(f"{at}: id {rid!r} is already defined on line {seen[rid]}")
                bad = True
            else:
                seen[rid] = line
            if rec["level"] not in REGION_LEVELS:
                problems.append(f"{at}: field level: {rec['level']!r} is not allowed; allowed: {', '.join(REGION_LEVELS)}")
            if not rec["name_zh"] or not rec["name_en"]:
                empty = " and ".join(c for c in ("name_zh", "name_en") if not rec[c])
                problems.append(f"{at}: field {empty}: must be given (name_zh the Chinese name, e.g. 湖北省; name_en the English one)")
            if not bad:
                merged[rid] = (rec, at)
    levels = {rid: rec["level"] for rid, (rec, _) in merged.items()}
    want_parent = {"country": None, "province": "country", "city": "province"}
    for rid, (rec, at) in merged.items():
        parent, level = rec["parent"], rec["level"]
        if level not in want_parent:
            continue
        need = want_parent[level]
        if need is None:
            if parent:
                problems.append(f"{at}: field parent: a country has no parent; got parent {parent!r}")
        elif parent not in levels:
            problems.append(f"{at}: field parent: parent {parent!r} of {rid!r} is not a region id; {choices_text(parent, list(levels), 'regions')}")
        elif levels[parent] != need:
            problems.append(f"{at}: field parent: the parent of {level} {rid!r} must be a {need}; {parent!r} is a {levels[parent]}")
    if problems:
        raise RegionError(problems)
    df = pd.DataFrame([rec for rec, _ in merged.values()], columns=list(REGION_COLUMNS))
    return df.set_index("id")


def region_ids() -> list[str]:
    """Every region id, in the order of regions.csv (then the user folders' new ids)."""
    return list(load_regions().index)


def unknown_region_message(region_id: object) -> str:
    return (f"unknown region {shown(region_id)}; {choices_text(str(region_id), region_ids(), 'regions')} "
            "(data/regions.csv; add a region with a data folder: jobsim region init)")


def check_region(region_id: str) -> str:
    """The id if it is a known region; RegionError listing the known ids otherwise."""
    if region_id not in load_regions().index:
        raise RegionError(unknown_region_message(region_id))
    return region_id


def cities_of(region_id: str) -> list[str]:
    """The cities of a region in the order of regions.csv (Jiangxi: its 11 cities); [] when it has none.

    Only level-'city' children count: China's provinces are not its cities. Unknown ids raise RegionError.
    """
    regions = load_regions()
    check_region(region_id)
    kids = regions[(regions["parent"] == region_id) & (regions["level"] == "city")]
    return list(kids.index)


# ---- population facts ----------------------------------------------------------------------------


def population_path() -> Path:
    """The bundled population.csv."""
    return data_dir() / "population.csv"


def assumptions_path() -> Path:
    """The bundled assumptions.csv."""
    return data_dir() / "assumptions.csv"


def fact_files() -> list[tuple[Path | None, Path | None]]:
    """(population.csv, assumptions.csv) of the bundled folder and of each user folder that holds either,
    in reading order; a file a user folder lacks is None (a folder may hold only one of the two)."""
    _check_user_folders()
    out: list[tuple[Path | None, Path | None]] = [(population_path(), assumptions_path())]
    for folder in user_data_dirs():
        pair = tuple(p if p.is_file() else None for p in (folder / "population.csv", folder / "assumptions.csv"))
        if pair != (None, None):
            out.append(pair)  # type: ignore[arg-type]
    return out


def facts_key() -> tuple:
    """A cache key that changes when any regions, population or assumptions file read changes."""
    files = [p for pair in fact_files() for p in pair if p is not None]
    return (tuple(file_key(p) for p in files), regions_key())


def population_table() -> pd.DataFrame:
    """population.csv and assumptions.csv merged: one row per (region, field) with its basis.

    The bundled files with each user folder's laid over them (a user row replaces the fact of the
    same region and field). Columns: region, field, value (float, in `unit`), unit, basis (sourced |
    derived | assumption), year (int), source_url, quote, note, file, line, replaces. Malformed rows
    raise RegionError naming the file, line, field and value.
    """
    return _population_table(facts_key()).copy()


def _check_fact_row(rec: dict[str, str], at: str, path: Path, allowed: tuple[str, ...], known_regions: set[str],
                    units: pd.DataFrame) -> tuple[list[str], float, int]:
    """The problems of one fact row, its value and its year (nan / -1 when unreadable)."""
    problems: list[str] = []
    fld = rec["field"]
    if rec["region"] not in known_regions:
        problems.append(f"{at}: field region: {unknown_region_message(rec['region'])}")
    if not _ID.match(fld):
        problems.append(f"{at}: field field: {fld!r} is not a field name (letters, digits, _)")
    dimension = REQUIRED_FIELD_DIMENSIONS.get(fld)
    if rec["value"] == "":
        # An unfilled row (as `jobsim region init` writes them): one problem, not one per column.
        fits = [u for u in units.index if units.at[u, "dimension"] == dimension]
        want = f"in {' or '.join(fits)}" if dimension else "in `unit`"
        provenance = "the reasoning in note" if allowed == ("assumption",) else "its source_url (or, derived, the arithmetic in note)"
        problems.append(f"{at}: field value: {rec['region']} {fld} is missing (empty); write the figure {want}, "
                        f"the year it refers to and {provenance}")
        return problems, math.nan, -1
    value_ok = True
    try:
        value = parse_number(rec["value"])
    except ValueError as exc:
        problems.append(f"{at}: field value: {exc} (the value of {fld})")
        value, value_ok = math.nan, False
    unit = rec["unit"]
    if unit not in units.index:
        problems.append(f"{at}: field unit: {unit!r} of {fld} is unknown; {choices_text(unit, list(units.index), 'units')}")
    else:
        got = str(units.at[unit, "dimension"])
        if dimension is not None and got != dimension:
            fits = [u for u in units.index if units.at[u, "dimension"] == dimension]
            problems.append(f"{at}: field unit: {unit!r} measures {got}, but {fld} is measured in {dimension}; use one of: {', '.join(fits)}")
        elif value_ok and unit == "fraction" and not 0.0 <= value <= 1.0:
            problems.append(f"{at}: field value: {rec['value']!r} of {fld} is a fraction and must lie in [0, 1]")
        elif value_ok and unit == "percent" and not 0.0 <= value <= 100.0:
            problems.append(f"{at}: field value: {rec['value']!r} of {fld} is a percent and must lie in [0, 100]")
        elif value_ok and value < 0:
            problems.append(f"{at}: field value: {rec['value']!r} of {fld} must not be negative")
        elif value_ok:
            too_big = value_problem(value, unit, units)
            if too_big:
                problems.append(f"{at}: field value: {too_big} (the value of {fld})")
    if rec["basis"] not in allowed:
        problems.append(
            f"{at}: field basis: basis {rec['basis']!r} is not allowed in {path.name}; allowed: {', '.join(allowed)}"
            + (" (assumed facts belong in assumptions.csv)" if rec["basis"] == "assumption" else "")
            + (" (sourced and derived facts belong in population.csv)" if rec["basis"] in ("sourced", "derived") and "assumption" in allowed else "")
        )
    try:
        year = int(rec["year"])
        if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
            raise ValueError
    except ValueError:
        problems.append(f"{at}: field year: the year {shown(rec['year'])} is not a year ({YEAR_RANGE[0]}-{YEAR_RANGE[1]}): "
                        "the year the figure refers to")
        year = -1
    if rec["basis"] in ("sourced", "derived") and not rec["source_url"]:
        problems.append(f"{at}: field source_url: a {rec['basis']} fact needs a source_url (a page address or seed file)")
    if rec["basis"] in ("derived", "assumption") and not rec["note"]:
        problems.append(f"{at}: field note: a {rec['basis']} fact needs a note ({'the arithmetic' if rec['basis'] == 'derived' else 'the reasoning'})")
    return problems, value, year


@lru_cache(maxsize=8)
def _population_table(key: tuple) -> pd.DataFrame:
    known_regions = set(region_ids())
    units = unit_table()
    problems: list[str] = []
    # (region, field) -> row; a later folder's row replaces an earlier folder's.
    merged: dict[tuple[str, str], dict] = {}
    bundled_folder = data_dir()
    for pair in fact_files():
        in_folder: dict[tuple[str, str], str] = {}
        for path, allowed in zip(pair, (("sourced", "derived"), ("assumption",))):
            if path is None:
                continue
            try:
                records = read_csv_records(path, FACT_COLUMNS)
            except DataFileError as exc:
                problems.extend(exc.problems)
                continue
            bundled = path.parent == bundled_folder
            for line, rec in records:
                at = where(path, line)
                errs, value, year = _check_fact_row(rec, at, path, allowed, known_regions, units)
                k = (rec["region"], rec["field"])
                if k in in_folder:
                    errs.append(f"{at}: {rec['region']} {rec['field']} is already given at {in_folder[k]}; a fact is either sourced/derived or assumed, once")
                else:
                    in_folder[k] = at
                if errs:
                    problems.extend(errs)
                    continue
                earlier = merged.get(k)
                replaces = "" if earlier is None else where(earlier["_path"], int(earlier["line"]))
                merged[k] = {**rec, "value": value, "year": year, "file": path.name if bundled else str(path),
                             "line": line, "replaces": replaces, "_path": path}
    if problems:
        raise RegionError(problems)
    rows = [{c: v for c, v in row.items() if c != "_path"} for row in merged.values()]
    df = pd.DataFrame(rows, columns=[*FACT_COLUMNS, "file", "line", "replaces"])
    df["value"] = df["value"].astype(float)
    df["year"] = df["year"].astype(int)
    df["line"] = df["line"].astype(int)
    return df


def missing_facts() -> list[tuple[str, str]]:
    """(region, field) pairs of REQUIRED_FIELDS that no population.csv or assumptions.csv gives."""
    table = population_table()
    have = set(zip(table["region"], table["field"]))
    return [(r, f) for r in region_ids() for f in REQUIRED_FIELDS if (r, f) not in have]


@dataclass(frozen=True)
class RegionStructure:
    """One region: its names, level, parent, cities, and its population-structure facts."""

    id: str
    name_zh: str
    name_en: str
    level: str
    parent: str | None
    cities: tuple[str, ...]
    _facts: Mapping[str, Mapping[str, object]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def fields(self) -> tuple[str, ...]:
        """The fact fields this region has."""
        return tuple(self._facts)

    def fact(self, field_name: str) -> dict[str, object]:
        """The full row of a fact: value (in `unit`), unit, basis, year, source_url, quote, note, file, line, replaces."""
        try:
            return dict(self._facts[field_name])
        except KeyError:
            known = ", ".join(self._facts) or "none"
            hint = (" (a required field: add it to population.csv or assumptions.csv, in data/ or in your data folder)"
                    if field_name in REQUIRED_FIELDS else "")
            raise RegionError(f"region {self.id!r} has no fact {field_name!r}{hint}; it has: {known}") from None

    def value(self, field_name: str) -> float:
        """The fact's value in base units (persons, fraction, yuan, posts)."""
        row = self.fact(field_name)
        return to_base(float(row["value"]), str(row["unit"]))


def get_region(region_id: str) -> RegionStructure:
    """The region with its facts; unknown ids raise RegionError listing the known ids."""
    regions = load_regions()
    check_region(region_id)
    r = regions.loc[region_id]
    facts = population_table()
    mine = facts[facts["region"] == region_id]
    fact_map = {
        str(row["field"]): MappingProxyType({c: row[c] for c in [*FACT_COLUMNS[2:], "file", "line", "replaces"]})
        for row in mine.to_dict("records")
    }
    return RegionStructure(
        id=region_id,
        name_zh=str(r["name_zh"]),
        name_en=str(r["name_en"]),
        level=str(r["level"]),
        parent=str(r["parent"]) or None,
        cities=tuple(cities_of(region_id)),
        _facts=MappingProxyType(fact_map),
    )


# ---- what the model needs of each simulated area ---------------------------------------------------


def area_ids(region: str) -> list[str]:
    """The areas a region is simulated as: its cities, or the region itself."""
    cities = cities_of(region)
    return list(cities) if cities else [region]


def area_facts(region: str, as_of: int | None = None) -> tuple[AreaFacts, ...]:
    """The facts of each area `region` is simulated as, in base units (the model's only data input).

    Without `as_of`, the base facts: the structure at the end of the region's structure year (the
    year of its population fact, 2020). With `as_of=Y`, the structure at 1 January of Y: for Y-1
    before the structure year, the region's fields of `structure.STRUCTURE_HISTORY` (population,
    urbanisation rate, urban employed, primary-sector employment share) are moved back along its
    history.csv rows and every area is scaled by the region-level ratio (`structure_year` = Y-1);
    otherwise the base facts (a later start is rolled forward by the model). What changed, and from
    which rows: `jobsim.model.inputs.structure.structure_notes(region, as_of)`. Cached.
    """
    if as_of is not None:
        from jobsim.model.inputs.structure import area_facts_as_of  # structure reads history, which imports this module

        return area_facts_as_of(region, as_of)
    return base_area_facts(region)


def base_area_facts(region: str) -> tuple[AreaFacts, ...]:
    """The base facts of each area of `region`, every area dated by the region's structure year."""
    return _region_area_facts(region, facts_key())


@lru_cache(maxsize=32)
def _region_area_facts(region: str, key: tuple) -> tuple[AreaFacts, ...]:
    year = int(get_region(region).fact("population")["year"])
    return tuple(dataclasses.replace(f, structure_year=year) if f.structure_year != year else f
                 for f in (_area_facts(a, key) for a in area_ids(region)))


@lru_cache(maxsize=128)
def _area_facts(area_id: str, _files: tuple) -> AreaFacts:
    """One area's facts, cached while the data files are unchanged (calibration builds thousands of models)."""
    region = get_region(area_id)
    names = [f for f in AreaFacts.__dataclass_fields__ if f not in ("id", "structure_year")]
    return AreaFacts(id=area_id, structure_year=int(region.fact("population")["year"]),
                     **{name: float(region.value(name)) for name in names})
