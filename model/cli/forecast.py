"""`jobsim forecast`: a region's no-policy-change forecast of one indicator, as a table, CSV or JSON.

Registered in model/cli.py with one line; the forecasting itself is calibration/forecast.py.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from jobsim.calibration.forecast import (
    MIN_POINTS,
    OUTPUT_COLUMNS,
    Forecast,
    ForecastError,
    forecast_for,
    resolve_region,
    usable_series,
)
from jobsim.model.inputs.history import load_history
from jobsim.model.inputs.registry import indicators


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _fail(message: str) -> None:
    """One line on stderr, exit code 1, no traceback."""
    typer.echo("error: " + " ".join(str(message).split()), err=True)
    raise typer.Exit(1)


def _available(history: pd.DataFrame, region: str, origin: int | None) -> str:
    """'usable series for Jiangxi: gdp (9 yearly points), ...'; '' when the error already lists the regions."""
    try:
        region = resolve_region(history, region)
    except ForecastError as exc:
        return "" if "regions with history" in str(exc) else str(exc)
    usable = usable_series(history, region, origin=origin)
    cut = f" up to {origin}" if origin is not None else ""
    if usable.empty:
        return f"{region} has no indicator with at least {MIN_POINTS} usable points{cut}"
    words = {"Y": "yearly", "M": "monthly"}
    items = [f"{r.indicator} ({r.points} {words[r.freq]} points)" for r in usable.itertuples(index=False)]
    return f"usable series for {region}{cut}: " + ", ".join(items)


def forecast(
    region: Annotated[str, typer.Option("--region", help="Region as named in the history, e.g. Jiangxi, China.")],
    indicator: Annotated[
        str, typer.Option("--indicator", help="Indicator id from the registry, e.g. new_urban_jobs.")
    ],
    origin: Annotated[
        Optional[int],
        typer.Option("--origin", help="Use only data up to the end of this year and forecast the years after it."),
    ] = None,
    horizon: Annotated[
        int, typer.Option("--horizon", min=1, max=30, help="Years to forecast (a monthly series: 12 x horizon months).")
    ] = 5,
    data: Annotated[
        Optional[list[Path]],
        typer.Option(
            "--data",
            help="Extra history file in the history.csv schema (repeatable); its rows replace bundled rows "
            "for the same region, indicator, window and stat.",
        ),
    ] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
) -> None:
    """Forecast a region's indicator from its history, with 80% and 95% intervals.

    Naive, drift, exponential smoothing, small ARIMA and unobserved-components models are compared
    by rolling-origin back-tests (MASE); the best one forecasts. Method: docs/forecasting.md.
    """
    try:
        history = load_history(extra_files=list(data) if data else None)
    except (ValueError, KeyError, OSError) as exc:
        _fail(str(exc))
    try:
        fc = forecast_for(region, indicator, origin=origin, horizon=horizon, history=history)
    except ForecastError as exc:
        available = _available(history, region, origin)
        _fail(f"{exc}" + (f". {available}" if available else ""))
    table = fc.to_frame()[OUTPUT_COLUMNS]
    fmt = OutputFormat(format)
    if fmt is OutputFormat.csv:
        typer.echo(table.to_csv(index=False), nl=False)
    elif fmt is OutputFormat.json:
        typer.echo(json.dumps(table.to_dict(orient="records"), ensure_ascii=False))
    else:
        typer.echo(format_forecast(fc))


def format_forecast(fc: Forecast) -> str:
    """A readable report: labels and unit, the history used, the chosen model, the table, the notes."""
    entry = indicators().loc[fc.indicator]
    ext = fc.extraction
    lines = [f"{fc.region} — {entry['label_zh']} {entry['label_en']} ({fc.unit})"]
    if ext is not None:
        cut = f", data up to {ext.origin}" if ext.origin is not None else ""
        lines.append(
            f"history: {ext.n_points} {ext.points_word} points, {ext.definition}: {ext.periods_text()}{cut}"
            + (f"; {len(ext.dropped)} rows skipped (see notes)" if len(ext.dropped) else "")
        )
    ranked = fc.cv[fc.cv["mase"].notna()].sort_values("mase", kind="stable")
    others = ", ".join(f"{m} {v:.2f}" for m, v in zip(ranked["model"], ranked["mase"]) if m != fc.model)
    chosen = ranked.loc[ranked["model"] == fc.model, "mase"]
    score = f"back-test mean MASE {chosen.iloc[0]:.2f}" if len(chosen) else "not back-tested"
    lines.append(f"model: {fc.model} — {fc.model_description}; {score} (others: {others or 'none'})")
    lines.append("")
    shown = fc.table.copy()
    lines.append(shown.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    if fc.notes:
        lines.append("")
        lines.append("notes:")
        lines.extend(f"- {n}" for n in fc.notes)
    return "\n".join(lines)
