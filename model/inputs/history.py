"""Loads and validates historical outcomes: the bundled data/history.csv and users' own files.

Schema (one row per figure): `region, indicator, start, end, stat, value, unit, source_url, quote,
note`. Windows are `YYYY-MM` months (a year is 2020-01..2020-12, a level at a date has start = end);
`stat` is `sum` (a flow over the window), `mean` (an average over it), `end` (a level at its end) or
`growth` (a growth rate, in percent or fraction). `value` is written in `unit`, one of
data/registry/units.csv, with the dimension of the indicator's registry unit (an indicator counted in
person-times may also be given in persons, as some sources count trainees as people).

Users' files use the same schema; `source_url`, `quote` and `note` may be left out. They come from
two places, read in this order after the bundled file: the `history.csv` of each user data folder
(`--data-dir DIR`, `JOBSIM_DATA_DIR`; `paths.data_files("history.csv")`), then the files passed as
`extra_files` (the command line's `--data FILE`). Their rows ADD to the bundled history, except that a
user row with the same (region, indicator, start, end, stat) as bundled rows OVERRIDES them: every
bundled row with that key is dropped and the user's rows are kept (their `replaces` column names the
file and line of each row they replaced). With several user files, a later file overrides an earlier
one in the same way. A user row may name a region of a user folder's regions.csv.

Rows are checked by meaning as well as by form (`row_value_problem`): a rate (percent, fraction) lies
in [0, 100] percent, a growth rate (stat `growth`, or an indicator whose id ends in `_growth`, such as
real GDP growth) in [-100, 1000] percent, any other figure is not negative and below the bound of its
dimension (regions.MAX_BASE_VALUE: 2e9 persons, 1e15 yuan ...); a window lies within
regions.YEAR_RANGE (1949-2100).

Duplicates within one file (same region, indicator, start, end, stat; `DUPLICATE_RULE`): a row with
the same value (in base units) as an earlier row of its key is dropped, silently. Rows with different
values are kept only when they say how they differ: at most one of them may go without a note naming
its vintage or kind (early bulletin, preliminary, revised, rounded, approximate, derived, estimate,
lower or upper bound, pre-series), as the bundled file does for an early and a revised GDP figure;
otherwise the conflict is an error naming both lines.

Every problem is reported as a HistoryError naming the file, the line (1-based, the header is line
1), the field, the value and what is allowed. The file is read within regions' bounds (size, field
length: `read_csv_records`).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from jobsim.model.inputs import registry
from jobsim.model.inputs.paths import data_dir, data_files
from jobsim.model.inputs.regions import (
    DataFileError,
    MAX_PROBLEMS_PER_FILE,
    YEAR_RANGE,
    file_key,
    check_region,
    choices_text,
    parse_number,
    read_csv_records,
    region_ids,
    regions_key,
    shown,
    unit_facts,
    value_problem,
    where,
)
from jobsim.model.inputs.targets import indicator_problem, indicator_unit_problem
from jobsim.model.inputs.units import unit_table

HISTORY_COLUMNS = ("region", "indicator", "start", "end", "stat", "value", "unit", "source_url", "quote", "note")
REQUIRED_COLUMNS = HISTORY_COLUMNS[:7]
PROVENANCE_COLUMNS = HISTORY_COLUMNS[7:]
STATS = ("sum", "mean", "end", "growth")
# Which stats make sense for each indicator kind: rates and stocks are never summed over a window.
STATS_BY_KIND = {"flow": ("sum", "mean", "growth"), "stock": ("end", "mean", "growth"), "rate": ("end", "mean", "growth")}
VINTAGES = ("revised", "early", "unknown")
KEY = ("region", "indicator", "start", "end", "stat")
OUTPUT_COLUMNS = [*HISTORY_COLUMNS, "vintage", "source_file", "line", "replaces"]
# An indicator that is itself a growth rate (gdp_real_growth) may be negative whatever its stat.
GROWTH_INDICATOR_SUFFIX = "_growth"
# Words in a row's note that tell two figures for the same window apart (see the module docstring).
_DISTINGUISHING_NOTE = re.compile(
    r"early|prelim|revised|初步|快报|修订|核实|round|approximate|lower bound|upper bound|derived|estimate|\bpre-",
    re.IGNORECASE,
)
DUPLICATE_RULE = (
    "rows with the same region, indicator, start, end and stat and the same value are one figure (the later "
    "ones are dropped); with different values, at most one may go without a note saying how it differs "
    "(early bulletin, revised, rounded, derived, estimate ...)"
)

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$", re.ASCII)  # ASCII: pandas reads no other digits
_EARLY = re.compile(r"early|prelim|初步|快报|初步核算", re.IGNORECASE)
_REVISED = re.compile(r"(?<!not )(?<!not census-)\brevised\b|修订|最终核实|核实", re.IGNORECASE)


class HistoryError(DataFileError):
    """A history file that cannot be read, or a row in it that is malformed (file, line and reason)."""


def parse_vintage(note: str) -> str:
    """'early' (early bulletin, preliminary), 'revised', or 'unknown', from a row's note.

    Only the row's own note counts: the part after 'duplicate also reported by' describes other
    sources and is ignored. If both words appear, the first one wins.
    """
    own = str(note or "").split("duplicate also reported by")[0]
    e, r = _EARLY.search(own), _REVISED.search(own)
    if e and r:
        return "early" if e.start() < r.start() else "revised"
    if e:
        return "early"
    if r:
        return "revised"
    return "unknown"


def history_path() -> Path:
    """The bundled history.csv."""
    return data_dir() / "history.csv"


def user_history_files() -> list[Path]:
    """The history.csv of each user data folder that has one, in reading order."""
    try:
        return data_files("history.csv")[1:]
    except DataFileError as exc:
        raise HistoryError(exc.problems) from None


def load_history(extra_files: list[Path] | None = None) -> pd.DataFrame:
    """The bundled history plus users' rows: the user data folders' history.csv, then `extra_files`
    (see the module docstring for add/override).

    Columns: region, indicator, start and end (pandas Period, monthly), stat, value (float, in
    `unit`), unit, source_url, quote, note, vintage (revised | early | unknown), source_file, line,
    replaces ("file, line N; ..." of the earlier rows a user row replaced, else "").
    Rows keep file order: surviving bundled rows first, then each user file's rows.
    """
    try:
        context = _context_key()
        frames = [_load_file(file_key(history_path()), context).copy()]
        for path in [*user_history_files(), *(extra_files or [])]:
            user = _load_file(file_key(Path(path)), context).copy()
            keys = set(map(tuple, user[list(KEY)].astype(str).to_numpy()))
            replaced: dict[tuple, list[str]] = {}
            kept = []
            for f in frames:
                hit = [k in keys for k in map(tuple, f[list(KEY)].astype(str).to_numpy())]
                for row in f[hit].itertuples(index=False):
                    k = tuple(str(getattr(row, c)) for c in KEY)
                    replaced.setdefault(k, []).append(where(row.source_file, int(row.line)))
                kept.append(f[[not h for h in hit]])
            frames = kept
            if replaced:
                user["replaces"] = ["; ".join(replaced.get(tuple(map(str, k)), [])) for k in user[list(KEY)].to_numpy()]
            frames.append(user)
    except HistoryError:
        raise
    except DataFileError as exc:  # a broken regions file or a missing user folder, met on the way
        raise HistoryError(exc.problems) from None
    out = pd.concat(frames, ignore_index=True)
    return _typed(out)


def history_for(region: str, indicator: str | list[str] | None = None, history: pd.DataFrame | None = None) -> pd.DataFrame:
    """The history rows of one region (and indicator or indicators), sorted by indicator, start, end.

    `history` defaults to load_history(). An unknown region or indicator raises HistoryError with
    the known ids; a known region without rows gives an empty frame.
    """
    try:
        check_region(region)
    except DataFileError as exc:
        raise HistoryError(str(exc)) from None
    if history is None:
        history = load_history()
    rows = history[history["region"] == region]
    if indicator is not None:
        wanted = [indicator] if isinstance(indicator, str) else list(indicator)
        for ind in wanted:
            msg = indicator_problem(ind)
            if msg:
                raise HistoryError(msg)
        rows = rows[rows["indicator"].isin(wanted)]
    return rows.sort_values(["indicator", "start", "end"], kind="stable").reset_index(drop=True)


# ---- internals -------------------------------------------------------------------------------------


def _context_key() -> tuple:
    """What a history file's validation depends on besides itself: the regions files and the registry."""
    base = data_dir()
    return (regions_key(), *(file_key(p) for p in (base / "registry" / "indicators.csv", base / "registry" / "units.csv")))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    df = df.reset_index(drop=True)
    df["start"] = pd.PeriodIndex(df["start"].astype(str), freq="M") if len(df) else pd.PeriodIndex([], freq="M")
    df["end"] = pd.PeriodIndex(df["end"].astype(str), freq="M") if len(df) else pd.PeriodIndex([], freq="M")
    df["value"] = df["value"].astype(float)
    df["line"] = df["line"].astype(int)
    return df[OUTPUT_COLUMNS]


@lru_cache(maxsize=32)
def _load_file(key: tuple[str, int, int], _context: tuple) -> pd.DataFrame:
    path = Path(key[0])
    try:
        records = read_csv_records(path, REQUIRED_COLUMNS, PROVENANCE_COLUMNS)
    except DataFileError as exc:
        raise HistoryError(exc.problems) from None
    regions = set(region_ids())
    kinds = registry.indicators()["kind"].astype(str).to_dict()
    units = unit_table()
    unit_info = unit_facts(units)
    # The checks of an indicator and of an (indicator, unit) pair, each done once per file: a big file
    # repeats a few indicators thousands of times.
    indicator_problems: dict[str, str | None] = {}
    unit_problems: dict[tuple[str, str], str | None] = {}
    problems: list[str] = []
    rows: list[dict] = []
    for line, rec in records:
        at = where(path, line)
        errs: list[str] = []

        def bad(field: str, msg: str) -> None:
            errs.append(f"{at}, field {field}: {msg}")

        if rec["region"] not in regions:
            bad("region", f"unknown region {shown(rec['region'])}; {choices_text(rec['region'], region_ids(), 'regions')} (data/regions.csv; add new ones with a data folder: jobsim region init)")
        ind = rec["indicator"]
        if ind not in indicator_problems:
            indicator_problems[ind] = indicator_problem(ind)
        ind_msg = indicator_problems[ind]
        if ind_msg:
            bad("indicator", ind_msg)
        stat = rec["stat"]
        if stat not in STATS:
            bad("stat", f"{shown(stat)} is not allowed; allowed: {', '.join(STATS)}")
        elif not ind_msg and stat not in STATS_BY_KIND[str(kinds[ind])]:
            bad("stat", f"{stat!r} does not fit {ind}, a {kinds[ind]} indicator; allowed for a {kinds[ind]}: {', '.join(STATS_BY_KIND[str(kinds[ind])])}")
        unit = rec["unit"]
        if stat == "growth":
            if unit not in unit_info:
                bad("unit", f"{shown(unit)} is unknown; {choices_text(unit, list(units.index), 'units')}")
            elif unit_info[unit][0] != "rate":
                bad("unit", f"{shown(unit)} is not a rate unit; a growth figure is given in percent or fraction")
        elif not ind_msg:
            if (ind, unit) not in unit_problems:
                unit_problems[(ind, unit)] = indicator_unit_problem(ind, unit)
            unit_msg = unit_problems[(ind, unit)]
            if unit_msg:
                bad("unit", unit_msg)
        elif unit not in unit_info:
            bad("unit", f"{shown(unit)} is unknown; {choices_text(unit, list(units.index), 'units')}")
        months = {}
        for f in ("start", "end"):
            m = _MONTH.match(rec[f])
            if not m:
                bad(f, f"{shown(rec[f])} is not a month; write YYYY-MM, e.g. 2020-01 (a year is 2020-01 to 2020-12)")
            elif not YEAR_RANGE[0] <= int(m.group(1)) <= YEAR_RANGE[1]:
                bad(f, f"{rec[f]!r}: the year {m.group(1)} is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}, the years a figure may refer to")
            else:
                months[f] = (int(m.group(1)), int(m.group(2)))
        if len(months) == 2 and months["end"] < months["start"]:
            bad("end", f"{rec['end']!r} is before start {rec['start']!r}; end must not be earlier than start")
        try:
            value = parse_number(rec["value"])
        except ValueError as exc:
            bad("value", f"{exc}; write the number in `unit` (e.g. 46.2 with unit '10k persons' for 46.2万)")
            value = float("nan")
        if not errs:
            meaning = row_value_problem(value, unit, stat, ind, unit_info)
            if meaning:
                bad("value", meaning)
        if errs:
            problems.extend(errs)
            if len(problems) >= MAX_PROBLEMS_PER_FILE:
                break
            continue
        rows.append({
            **{c: rec[c] for c in HISTORY_COLUMNS},
            "value": value,
            "vintage": parse_vintage(rec["note"]),
            "source_file": str(path),
            "line": line,
            "replaces": "",
        })
    if not problems:
        rows, problems = _apply_duplicate_rule(rows, path, unit_info)
    if problems:
        raise HistoryError(problems)
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)


def row_value_problem(value: float, unit: str, stat: str, indicator: str, units) -> str | None:
    """Why a history figure cannot be what its row says it is (see the module docstring), or None."""
    growth = stat == "growth" or indicator.endswith(GROWTH_INDICATOR_SUFFIX)
    problem = value_problem(value, unit, units, growth=growth, negative_ok=growth)
    if problem is None:
        return None
    return f"{problem} ({indicator}, stat {stat})"


def _apply_duplicate_rule(rows: list[dict], path: Path, unit_info: dict[str, tuple[str, float, str]]) -> tuple[list[dict], list[str]]:
    """The rows with identical duplicates dropped, and the conflicts DUPLICATE_RULE refuses (both lines named)."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[c] for c in KEY), []).append(row)
    dropped: set[int] = set()
    problems: list[str] = []
    for group in groups.values():
        if len(group) < 2:
            continue
        distinct: list[tuple[float, dict]] = []
        for row in group:
            base = row["value"] * unit_info[row["unit"]][1]
            if any(math.isclose(base, other, rel_tol=1e-12, abs_tol=0.0) for other, _ in distinct):
                dropped.add(id(row))
            else:
                distinct.append((base, row))
        plain = [row for _, row in distinct if not _DISTINGUISHING_NOTE.search(str(row["note"]).split("duplicate also reported by")[0])]
        if len(distinct) > 1 and len(plain) > 1:
            first, second = plain[0], plain[1]
            problems.append(
                f"{where(path, second['line'])}, field value: {second['value']:g} {second['unit']} conflicts with line "
                f"{first['line']} ({first['value']:g} {first['unit']}) for the same {first['region']} {first['indicator']} "
                f"{first['start']}..{first['end']} {first['stat']}; keep one row, or say in `note` how they differ "
                "(early bulletin, revised, rounded, derived, estimate; see 'Duplicates and conflicts' in data/README.md)"
            )
    return [row for row in rows if id(row) not in dropped], problems
