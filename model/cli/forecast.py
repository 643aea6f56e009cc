"""`jobsim forecast`: a region's no-policy-change forecast of one indicator, as a table, CSV or JSON.

The forecasting itself is jobsim.calibration.forecast, reached through jobsim.model.api.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from jobsim.model.cli import render
from jobsim.model.cli.errors import InvalidInputError, UsageError, handle_errors
from jobsim.model.cli.options import FormatOption, check_input_files
from jobsim.model.cli.render import Col, OutputFormat

# Words for the history's frequencies in messages.
FREQUENCY_WORDS = {"Y": "yearly", "M": "monthly"}
FORECAST_COLUMNS = ["period", "mean", "lo80", "hi80", "lo95", "hi95", "model"]


def available_series(region: str, origin: int | None, data: list[Path] | None) -> str:
    """'usable series for Jiangxi: gdp (9 yearly points), ...'; '' when the region has no history at all."""
    from jobsim.model import api

    try:
        usable = api.usable_series(region, origin=origin, data_files=data)
    except Exception as exc:  # noqa: BLE001 - an unknown region: its error already lists the regions
        if api.error_kind(exc) is None:
            raise
        return ""
    cut = f" up to {origin}" if origin is not None else ""
    if usable.empty:
        return f"{region} has no indicator with at least {api.forecast_min_points()} usable points{cut}"
    items = [f"{r.indicator} ({r.points} {FREQUENCY_WORDS.get(r.freq, r.freq)} points)"
             for r in usable.itertuples(index=False)]
    return f"usable series for {region}{cut}: " + ", ".join(items)


def _with_available(message: str, region: str, origin: int | None, data: list[Path] | None) -> str:
    available = available_series(region, origin, data)
    return f"{message}. {available}" if available else message


@handle_errors
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
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Forecast a region's indicator from its history, with 80% and 95% intervals.

    Naive, drift, exponential smoothing, small ARIMA and unobserved-components models are compared
    by rolling-origin back-tests (MASE); the best one forecasts. Method: docs/forecasting.md.
    """
    from jobsim.model import api

    check_input_files(data, "--data")
    try:
        region, indicator = api.check_forecast_choices(region, indicator, data_files=data)
    except api.ChoiceError as exc:
        raise UsageError(_with_available(str(exc), region, origin, data)) from None
    try:
        fc = api.forecast(region, indicator, origin=origin, horizon=horizon, data_files=data)
    except Exception as exc:
        if api.error_kind(exc) != "invalid":
            raise
        raise InvalidInputError(_with_available(str(exc), region, origin, data)) from None
    table = fc.to_frame()[FORECAST_COLUMNS]
    if fmt is OutputFormat.table:
        print_forecast(fc, table)
    else:
        render.emit_data(fmt, table)


def print_forecast(fc, table) -> None:
    """A readable report: labels and unit, the history used, the chosen model, the table, the notes."""
    from jobsim.model import api

    entry = api.indicator_info(fc.indicator)
    ext = fc.extraction
    render.say(f"{fc.region} — {entry['label_zh']} {entry['label_en']} ({fc.unit})")
    if ext is not None:
        cut = f", data up to {ext.origin}" if ext.origin is not None else ""
        skipped = f"; {len(ext.dropped)} rows skipped (see notes)" if len(ext.dropped) else ""
        render.say(f"history: {ext.n_points} {ext.points_word} points, {ext.definition}: {ext.periods_text()}{cut}{skipped}")
    ranked = fc.cv[fc.cv["mase"].notna()].sort_values("mase", kind="stable")
    others = ", ".join(f"{m} {v:.2f}" for m, v in zip(ranked["model"], ranked["mase"]) if m != fc.model)
    chosen = ranked.loc[ranked["model"] == fc.model, "mase"]
    score = f"back-test mean MASE {chosen.iloc[0]:.2f}" if len(chosen) else "not back-tested"
    render.say(f"model: {fc.model} — {fc.model_description}; {score} (others: {others or 'none'})")
    style = render.unit_style(fc.unit)
    render.table(
        ["period", Col("forecast", "right"), Col("80% interval", "right"), Col("95% interval", "right"), "model"],
        (_forecast_row(style, r) for r in render.records(table)),
    )
    render.say("intervals: the forecast's 80% and 95% prediction intervals; 万 = 10 000, 亿 = 100 000 000")
    if fc.notes:
        render.say("notes:")
        for note in fc.notes:
            render.say(f"- {note}")


def _forecast_row(style, r: dict) -> list[str]:
    mean, lo80, hi80, lo95, hi95 = render.figures(style, [r["mean"], r["lo80"], r["hi80"], r["lo95"], r["hi95"]])
    return [str(r["period"]), mean, f"{lo80} {render.DASH} {hi80}", f"{lo95} {render.DASH} {hi95}", r["model"]]
