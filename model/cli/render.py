"""How `jobsim` prints results: rich tables (double-width Chinese aligned, amounts in 万/亿), CSV and JSON.

A table goes to a terminal with colours; anywhere else (a pipe, a file, a test) as plain text at a fixed
width, so nothing is cut and no escape codes appear. CSV and JSON carry the numbers of the table at full
precision (Python's shortest round-trip form), empty/null where the table shows a dash.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

import typer

# Width of plain-text output (not a terminal): wide enough for every table without cutting a label.
PLAIN_TEXT_WIDTH = 220
# Measuring a table's natural width: wider than any table.
UNBOUNDED_WIDTH = 100_000
# Long free-text cells (sources, notes, reasoning) are shortened to this width in tables (CSV/JSON keep all).
FREE_TEXT_WIDTH = 60
WAN = 1e4  # 万
YI = 1e8  # 亿
# Unit dimensions that count things, shown with 万/亿 in tables; rates are shown in percent.
COUNTED_DIMENSIONS = ("persons", "person-times", "person-years", "yuan", "posts", "firms", "count")
RATE_DIMENSION = "rate"
DASH = "–"
LEGEND = (f"median [p10{DASH}p90]: the median over replicates and the range of the middle 80% of them "
          f"(10th to 90th percentile); 万 = 10 000, 亿 = 100 000 000")


class OutputFormat(str, Enum):
    """What a results command prints: a table for people, CSV or JSON for programs."""

    table = "table"
    csv = "csv"
    json = "json"


FORMAT_HELP = "table (for reading), csv or json (the same numbers, full precision)."


# ---- consoles ---------------------------------------------------------------------------------------


def _console(file, width: int = PLAIN_TEXT_WIDTH):
    from rich.console import Console

    if file.isatty():
        return Console(file=file, highlight=False)
    return Console(file=file, width=width, color_system=None, force_terminal=False, highlight=False,
                   soft_wrap=False, emoji=False)


def stdout_console():
    """A rich Console on the current stdout (looked up at call time, so test runners' capture works)."""
    return _console(sys.stdout)


def stderr_console():
    return _console(sys.stderr)


def say(text: str = "") -> None:
    """One line of plain text on stdout."""
    typer.echo(text)


# ---- numbers ----------------------------------------------------------------------------------------


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def number(value: float, decimals: int = 2) -> str:
    """A plain number with thousands separators and at most `decimals` decimals ('' for NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return _trim(f"{value:,.{decimals}f}")


def amount(value: float) -> str:
    """A count or sum of money with 万 or 亿: 3142000 -> '314.2万', 1.2e10 -> '120亿', 850 -> '850'."""
    if value is None or math.isnan(value):
        return ""
    size = abs(value)
    for factor, suffix in ((YI, "亿"), (WAN, "万")):
        if size >= factor:
            scaled = value / factor
            return _trim(f"{scaled:,.{2 if abs(scaled) < 10 else 1}f}") + suffix
    return number(value, 0 if size >= 100 else 2)


@dataclass(frozen=True)
class UnitStyle:
    """How values in one registry unit are shown: converted to `factor` x the value, then formatted."""

    label: str
    factor: float
    kind: str  # 'counted' (万/亿), 'rate' (percent) or 'plain'

    def text(self, value: float) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        shown = value * self.factor
        if self.kind == "counted":
            return amount(shown)
        if self.kind == "rate":
            return f"{number(shown, 2)}%"
        return number(shown, 2)

    def with_unit(self, value: float) -> str:
        """The value with its unit where the number alone does not say it (not for 万/亿 counts or percent)."""
        text = self.text(value)
        return f"{text} {self.label}" if self.kind == "plain" and text else text


def unit_style(unit: str) -> UnitStyle:
    """The style of a registry unit: counts in base units with 万/亿 (label '人 persons'), rates in percent."""
    from jobsim.model import api

    table = api.units()
    if unit not in table.index:
        return UnitStyle(unit, 1.0, "plain")
    row = table.loc[unit]
    factor = float(row["factor_to_base"])
    if row["dimension"] in COUNTED_DIMENSIONS:
        base = table.loc[row["base_unit"]] if row["base_unit"] in table.index else row
        return UnitStyle(f"{base['label_zh']} {base['label_en']}", factor, "counted")
    if row["dimension"] == RATE_DIMENSION:
        return UnitStyle("%", factor / table.at["percent", "factor_to_base"] if "percent" in table.index else 100, "rate")
    return UnitStyle(f"{row['label_zh']} {row['label_en']}", 1.0, "plain")


def _common_scale(style: UnitStyle, values: Sequence[float]) -> tuple[list[str], str]:
    """Numbers shown together (a median and its range, a forecast and its intervals), in one magnitude and
    with the same decimals, and the suffix that goes with them ('万', '亿', '%' or '')."""
    shown = [v * style.factor for v in values]
    if style.kind == "rate":
        return [f"{v:.2f}" for v in shown], "%"
    if style.kind != "counted":
        return [number(v, 2) for v in shown], ""
    largest = max(abs(v) for v in shown)
    factor, suffix = next(((f, s) for f, s in ((YI, "亿"), (WAN, "万")) if largest >= f), (1.0, ""))
    scaled = [v / factor for v in shown]
    decimals = 0 if factor == 1.0 and largest >= 100 else 2 if max(abs(v) for v in scaled) < 10 else 1
    return [f"{v:,.{decimals}f}" for v in scaled], suffix


def figures(style: UnitStyle, values: Sequence[float]) -> list[str]:
    """Each value with its suffix, all in one magnitude: ['46.2万', '28.0万', '61.8万']."""
    texts, suffix = _common_scale(style, values)
    return [t + suffix for t in texts]


def band(style: UnitStyle, median: float, p10: float, p90: float) -> str:
    """'median [p10–p90]' in the unit's style, the magnitude written once: '272.0 [259.2–284.8]万', '7.00 [6.64–7.36]%'."""
    if median is None or (isinstance(median, float) and math.isnan(median)):
        return ""
    (m, lo, hi), suffix = _common_scale(style, [median, p10, p90])
    return f"{m} [{lo}{DASH}{hi}]{suffix}"


def plus_minus(style: UnitStyle, value: float, error: float) -> str:
    """A difference and its standard error in one magnitude, signed: '+3.20 ± 0.41万', '-0.02 ± 0.01 pp'
    (a difference of rates is in percentage points); the error is left out when it is NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    has_error = error is not None and not (isinstance(error, float) and math.isnan(error))
    texts, suffix = _common_scale(style, [value, error] if has_error else [value])
    if style.kind == "rate":
        suffix = " pp"
    sign = "+" if value * style.factor > 0 and not texts[0].startswith("-") else ""
    shown = f"{sign}{texts[0]}" + (f" ± {texts[1]}" if has_error else "")
    return shown + suffix


# ---- tables -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """A table column: header, alignment, and whether long text is shortened (free text) or kept whole."""

    header: str
    justify: str = "left"
    free_text: bool = False
    keep_whole: bool = False  # never wrapped, even on a narrow terminal (numbers are never wrapped anyway)


def table(columns: Sequence[Col | str], rows: Iterable[Sequence[object]], title: str | None = None) -> None:
    """Print a table on stdout. Labels and numbers are never cut (they wrap only if a terminal is too narrow)."""
    from rich import box
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

    t = Table(box=box.SIMPLE_HEAD, title=Text(title) if title is not None else None, title_justify="left", show_edge=False, pad_edge=False,
              header_style="bold")
    for c in columns:
        c = Col(c) if isinstance(c, str) else c
        header = Text(c.header)  # Text: '[p10–p90]' is not markup
        if c.free_text:
            t.add_column(header, justify=c.justify, max_width=FREE_TEXT_WIDTH, overflow="ellipsis", no_wrap=True)
        else:  # numbers (right-aligned) never wrap; on a narrow terminal labels wrap between words
            t.add_column(header, justify=c.justify, overflow="fold", no_wrap=c.keep_whole or c.justify == "right")
    for row in rows:
        t.add_row(*(Text("" if v is None else str(v)) for v in row))  # Text: brackets are not markup
    console = stdout_console()
    size = Measurement.get(console, console.options.update_width(UNBOUNDED_WIDTH), t)
    # Off a terminal there is no width to fit: as wide as the table needs, so nothing wraps. On a terminal
    # too narrow even with the labels wrapped, the same: long lines rather than numbers cut off.
    if size.maximum > console.width and (not sys.stdout.isatty() or size.minimum > console.width):
        from rich.console import Console

        console = (_console(sys.stdout, width=size.maximum) if not sys.stdout.isatty()
                   else Console(file=sys.stdout, width=size.maximum, highlight=False))
    console.print(t)


# ---- CSV and JSON -----------------------------------------------------------------------------------


def plain_value(v: object) -> object:
    """A JSON-ready value: numpy scalars to Python, NaN to None."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def records(frame) -> list[dict]:
    """A DataFrame's rows as plain dicts (numpy scalars and NaN converted)."""
    return [{str(k): plain_value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _csv_text(v: object) -> str:
    v = plain_value(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return str(v)


def csv_text(frame, columns: Sequence[str] | None = None) -> str:
    columns = list(columns) if columns is not None else [str(c) for c in frame.columns]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in records(frame):
        writer.writerow([_csv_text(row.get(c)) for c in columns])
    return buf.getvalue()


def json_text(document: object) -> str:
    return json.dumps(document, ensure_ascii=False, allow_nan=False)


def emit_data(fmt: OutputFormat, frame=None, document: object = None, columns: Sequence[str] | None = None) -> None:
    """Print `frame` as CSV, or `document` (default: the frame's records) as JSON."""
    if fmt is OutputFormat.csv:
        typer.echo(csv_text(frame, columns), nl=False)
    else:
        typer.echo(json_text(document if document is not None else records(frame)))
