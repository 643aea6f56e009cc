"""`jobsim data`: list the regions and their data, show a region's history and targets, list target sets and assumptions.

Registered in model/cli.py with one line. Every error prints one line on stderr and exits with code 2.
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from jobsim.model.inputs.history import history_path, load_history
from jobsim.model.inputs import registry
from jobsim.model.inputs.regions import DataFileError, check_region, load_regions, population_table
from jobsim.model.inputs.targets import indicator_problem, load_targets
from jobsim.model.inputs.units import unit_table

EXIT_ERROR = 2

data_app = typer.Typer(
    help="Regional data: regions, history, targets and assumptions (with sources).",
    no_args_is_help=True,
    add_completion=False,
)


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"


def _fail(message: object) -> None:
    """One line on stderr, exit code 2, no traceback."""
    typer.echo("error: " + " ".join(str(message).split()), err=True)
    raise typer.Exit(EXIT_ERROR)


def _guarded(fn):
    """Run a command body; data errors (and anything unexpected) become one-line messages."""

    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except (DataFileError, ValueError, KeyError, OSError) as exc:
            _fail(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc)
        except Exception as exc:  # noqa: BLE001 - the user gets one line, never a traceback
            _fail(f"unexpected {type(exc).__name__}: {exc}")

    return run


# ---- output helpers ----------------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _clip(text: str, limit: int) -> str:
    if _width(text) <= limit:
        return text
    out, w = "", 0
    for ch in text:
        cw = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if w + cw > limit - 1:
            break
        out += ch
        w += cw
    return out + "…"


def _table(rows: list[dict], columns: list[str], clip: dict[str, int] | None = None) -> str:
    """A plain fixed-width table that lines up Chinese (double-width) characters."""
    clip = clip or {}
    cells = [[_clip(_text(r.get(c, "")), clip.get(c, 10_000)) for c in columns] for r in rows]
    widths = [max([_width(c)] + [_width(row[i]) for row in cells]) for i, c in enumerate(columns)]

    def fmt(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths)).rstrip()

    lines = [fmt(columns), fmt(["-" * w for w in widths])]
    lines += [fmt(row) for row in cells]
    return "\n".join(lines)


def _csv(rows: list[dict], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: _text(r.get(c, "")) for c in columns})
    return buf.getvalue().rstrip("\n")


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return f"{v:.10g}"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _emit(rows: list[dict], columns: list[str], fmt: OutputFormat, clip: dict[str, int] | None = None) -> None:
    typer.echo(_csv(rows, columns) if fmt is OutputFormat.csv else _table(rows, columns, clip))


def _planner_value(indicator: str, value: float, unit: str, stat: str = "") -> tuple[float, str]:
    """The value in the indicator's registry unit (the planners' unit) when the dimensions agree."""
    if stat == "growth":
        return value, unit
    units = unit_table()
    ind_unit = str(registry.indicators().at[indicator, "unit"])
    if unit == ind_unit or unit not in units.index:
        return value, unit
    if units.at[unit, "dimension"] == units.at[ind_unit, "dimension"]:
        return value * float(units.at[unit, "factor_to_base"]) / float(units.at[ind_unit, "factor_to_base"]), ind_unit
    return value, unit


def _unit_label(unit: str) -> str:
    units = unit_table()
    return f"{units.at[unit, 'label_zh']} ({unit})" if unit in units.index else unit


def _years(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}-{b}"


def _window(start: pd.Period, end: pd.Period) -> str:
    return str(start) if start == end else f"{start}..{end}"


# ---- commands --------------------------------------------------------------------------------------------


@data_app.command("list")
def list_regions(
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table or csv.")] = OutputFormat.table,
) -> None:
    """Regions with their level and parent, and what data each has (history, target sets, facts)."""
    _guarded(_list_regions)(fmt)


def _list_regions(fmt: OutputFormat) -> None:
    regions = load_regions()
    history = load_history()
    targets = load_targets()
    facts = population_table()
    rows = []
    for rid, r in regions.iterrows():
        h = history[history["region"] == rid]
        sets = list(dict.fromkeys(targets.loc[targets["area"] == rid, "target_set"]))
        f = facts[facts["region"] == rid]["basis"].value_counts()
        rows.append({
            "id": rid, "name_zh": r["name_zh"], "name_en": r["name_en"], "level": r["level"], "parent": r["parent"],
            "history_indicators": h["indicator"].nunique(), "history_rows": len(h),
            "target_sets": ", ".join(sets) or "-",
            "facts (sourced/derived/assumed)": f"{f.get('sourced', 0)}/{f.get('derived', 0)}/{f.get('assumption', 0)}",
        })
    cols = ["id", "name_zh", "name_en", "level", "parent", "history_indicators", "history_rows", "target_sets",
            "facts (sourced/derived/assumed)"]
    _emit(rows, cols, fmt)


@data_app.command("show")
def show(
    region: Annotated[str, typer.Option("--region", help="Region id, e.g. Jiangxi, Fuzhou (see `jobsim data list`).")],
    indicator: Annotated[
        Optional[str], typer.Option("--indicator", help="Only this indicator id, e.g. new_urban_jobs.")
    ] = None,
    data: Annotated[
        Optional[list[Path]],
        typer.Option(
            "--data",
            help="Your own history file in the history.csv schema (repeatable); its rows add to the bundled "
            "ones and replace bundled rows with the same region, indicator, start, end and stat.",
        ),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table or csv.")] = OutputFormat.table,
) -> None:
    """A region's history rows and targets, in planners' units (万人, 亿元, %), with Chinese labels."""
    _guarded(_show)(region, indicator, data, fmt)


def _show(region: str, indicator: str | None, data: list[Path] | None, fmt: OutputFormat) -> None:
    check_region(region)
    if indicator is not None:
        msg = indicator_problem(indicator)
        if msg:
            _fail(msg)
    for path in data or []:
        if not Path(path).is_file():
            _fail(f"--data {path}: no such file")
    history = load_history(extra_files=list(data) if data else None)
    h = history[history["region"] == region]
    if indicator is not None:
        h = h[h["indicator"] == indicator]
    h = h.sort_values(["indicator", "start", "end"], kind="stable")
    rows: list[dict] = []
    for r in h.to_dict("records"):
        value, unit = _planner_value(r["indicator"], float(r["value"]), str(r["unit"]), str(r["stat"]))
        src = r["source_url"] or ""
        bundled = Path(r["source_file"]) == history_path()
        origin = "" if bundled else f"{Path(r['source_file']).name}:{r['line']}"
        rows.append({
            "section": "history", "indicator": r["indicator"], "label_zh": registry.label(r["indicator"], "zh"),
            "period": _window(r["start"], r["end"]), "how": r["stat"], "comparison": "", "value": value,
            "unit": _unit_label(unit) if fmt is OutputFormat.table else unit,
            "vintage": r["vintage"], "source": origin or src, "note": r["note"],
        })
    t = load_targets()
    t = t[t["area"] == region]
    if indicator is not None:
        t = t[t["indicator"] == indicator]
    for r in t.to_dict("records"):
        value, unit = _planner_value(r["indicator"], float(r["value"]), str(r["unit"]))
        tol = r["tolerance"]
        comp = r["comparison"] + (f" ±{_text(float(tol))}" if r["comparison"] == "about" and not math.isnan(tol) else "")
        rows.append({
            "section": f"target:{r['target_set']}", "indicator": r["indicator"], "label_zh": registry.label(r["indicator"], "zh"),
            "period": _years(r["start_year"], r["end_year"]), "how": r["basis"], "comparison": comp, "value": value,
            "unit": _unit_label(unit) if fmt is OutputFormat.table else unit,
            "vintage": "assumed" if r["assumption"] else "", "source": r["source"], "note": r["note"],
        })
    cols = ["section", "indicator", "label_zh", "period", "how", "comparison", "value", "unit", "vintage", "source", "note"]
    if fmt is OutputFormat.csv:
        _emit(rows, cols, fmt)
        return
    regions = load_regions()
    r = regions.loc[region]
    parent = f", in {r['parent']}" if r["parent"] else ""
    typer.echo(f"{region} {r['name_zh']} ({r['level']}{parent})")
    hist_rows = [x for x in rows if x["section"] == "history"]
    tgt_rows = [x for x in rows if x["section"] != "history"]
    what = f" for {indicator}" if indicator else ""
    typer.echo(f"\nHistory{what}: {len(hist_rows)} rows")
    if hist_rows:
        _emit(hist_rows, ["indicator", "label_zh", "period", "how", "value", "unit", "vintage", "source"], fmt,
              clip={"source": 48})
    typer.echo(f"\nTargets{what}: {len(tgt_rows)} rows")
    if tgt_rows:
        for x in tgt_rows:
            x["set"] = x["section"].split(":", 1)[1]
        _emit(tgt_rows, ["set", "indicator", "label_zh", "period", "how", "comparison", "value", "unit", "vintage"], fmt)


@data_app.command("targets")
def targets(
    name: Annotated[Optional[str], typer.Option("--set", help="Only this target set (see the list without --set).")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table or csv.")] = OutputFormat.table,
) -> None:
    """The named target sets and their targets (area, indicator, years, basis, comparison, value)."""
    _guarded(_targets)(name, fmt)


def _targets(name: str | None, fmt: OutputFormat) -> None:
    t = load_targets()
    if name is not None:
        from jobsim.model.inputs.targets import target_set

        target_set(name)  # raises with the list of names
        t = t[t["target_set"] == name]
    rows = []
    for r in t.to_dict("records"):
        rows.append({
            "set": r["target_set"], "area": r["area"], "indicator": r["indicator"],
            "label_zh": registry.label(r["indicator"], "zh"), "years": _years(r["start_year"], r["end_year"]),
            "basis": r["basis"], "comparison": r["comparison"], "value": float(r["value"]), "unit": r["unit"],
            "tolerance": r["tolerance"], "assumption": bool(r["assumption"]), "source": r["source"], "note": r["note"],
        })
    cols = ["set", "area", "indicator", "label_zh", "years", "basis", "comparison", "value", "unit", "tolerance", "assumption"]
    if fmt is OutputFormat.csv:
        cols += ["source", "note"]
    if fmt is OutputFormat.table and name is None:
        sets = list(dict.fromkeys(t["target_set"]))
        typer.echo(f"{len(sets)} target sets: {', '.join(sets)}\n")
    _emit(rows, cols, fmt)


@data_app.command("assumptions")
def assumptions(
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table or csv.")] = OutputFormat.table,
) -> None:
    """Every assumption: assumed population facts (data/assumptions.csv) and assumed targets (data/targets.csv)."""
    _guarded(_assumptions)(fmt)


def _assumptions(fmt: OutputFormat) -> None:
    facts = population_table()
    facts = facts[facts["basis"] == "assumption"]
    rows = [
        {"kind": "fact", "region": r["region"], "what": r["field"], "year": str(r["year"]), "value": float(r["value"]),
         "unit": r["unit"], "reasoning": r["note"], "file": f"{r['file']}:{r['line']}"}
        for r in facts.to_dict("records")
    ]
    t = load_targets()
    t = t[t["assumption"]]
    rows += [
        {"kind": f"target:{r['target_set']}", "region": r["area"], "what": f"{r['indicator']} {r['basis']} {r['comparison']}",
         "year": _years(r["start_year"], r["end_year"]), "value": float(r["value"]), "unit": r["unit"],
         "reasoning": r["note"], "file": f"{Path(r['source_file']).name}:{r['line']}"}
        for r in t.to_dict("records")
    ]
    cols = ["kind", "region", "what", "year", "value", "unit", "reasoning", "file"]
    if fmt is OutputFormat.table:
        n_f, n_t = len(facts), len(t)
        typer.echo(f"{n_f + n_t} assumptions: {n_f} population facts (data/assumptions.csv), {n_t} targets (data/targets.csv)\n")
    _emit(rows, cols, fmt, clip={"reasoning": 100})
