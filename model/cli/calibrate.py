"""`jobsim calibrate` and `jobsim backtest`: fit a region's parameters; test forecasts and the model on the past."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import pandas as pd
import typer

from jobsim.calibration.backtest import BacktestError, backtest as run_backtest
from jobsim.calibration.calibrate import BASELINE_SCENARIOS, CalibrationError, calibrate as run_calibration, write_result
from jobsim.model.inputs.history import HistoryError


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def calibrate(
    region: str = typer.Option(..., "--region", help=f"one of: {', '.join(BASELINE_SCENARIOS)}"),
    through: int | None = typer.Option(None, "--through", help="use only history whose window ends by this year"),
    data: list[Path] | None = typer.Option(None, "--data", help="extra history rows (history.csv schema); repeatable"),
    out: Path | None = typer.Option(None, "--out", help="where to write (default calibration/params/<region>.yaml)"),
    quick: bool = typer.Option(False, "--quick", help="a short search (for trying things out)"),
    workers: int = typer.Option(2, "--workers", min=1),
) -> None:
    """Fit the region's free parameters to its history and forecast (method of simulated moments)."""
    if region not in BASELINE_SCENARIOS:
        _fail(f"--region: {region!r} cannot be calibrated; regions: {', '.join(BASELINE_SCENARIOS)}")
    for f in data or []:
        if not f.exists():
            _fail(f"--data: file {f} does not exist")
    settings = dict(maxiter=3, popsize=4, proposals=24, n_draws=12, replicates=2) if quick else {}
    try:
        res = run_calibration(region, through=through, data_files=data, workers=workers,
                              progress=lambda m: typer.echo(f"  {m}", err=True), **settings)
    except (CalibrationError, HistoryError) as e:
        _fail(str(e))
    path = write_result(res, out)
    typer.echo(f"{region}: distance {res.distance:.2f} over {len(res.moments)} moments, "
               f"{res.info['evaluations']} evaluations, {res.info['seconds']} s")
    typer.echo(f"{'parameter':<38}{'value':>14}{'bounds':>24}")
    for name, v in res.values.items():
        lo, hi = res.bounds[name]
        typer.echo(f"{name:<38}{v:>14.5g}{f'[{lo:g}, {hi:g}]':>24}")
    typer.echo(f"\n{'moment':<52}{'target':>14}{'simulated':>14}{'z':>8}")
    for m in res.moments:
        typer.echo(f"{m['name'][:51]:<52}{m['target']:>14.5g}{m['simulated']:>14.5g}{m['z']:>8.2f}")
    typer.echo(f"\nwrote {path}")


def backtest(
    region: str = typer.Option(..., "--region"),
    indicator: str = typer.Option(..., "--indicator"),
    origin: list[int] = typer.Option(..., "--origin", help="origin year; repeat for rolling origins"),
    horizon: int = typer.Option(3, "--horizon", min=1, max=10, help="years after each origin"),
    data: list[Path] | None = typer.Option(None, "--data", help="extra history rows; repeatable"),
    replicates: int = typer.Option(8, "--replicates", min=1),
    thorough: bool = typer.Option(False, "--thorough", help="a full calibration at each origin (slower)"),
    fmt: Format = typer.Option(Format.table, "--format"),
) -> None:
    """Calibrate and forecast with data up to each origin; compare forecast, model and naive with the actuals."""
    if region not in BASELINE_SCENARIOS:
        _fail(f"--region: {region!r} cannot be back-tested; regions: {', '.join(BASELINE_SCENARIOS)}")
    for f in data or []:
        if not f.exists():
            _fail(f"--data: file {f} does not exist")
    try:
        bt = run_backtest(region, indicator, sorted(set(origin)), horizon=horizon, data_files=data,
                          replicates=replicates, quick=not thorough,
                          progress=lambda m: typer.echo(f"  {m}", err=True))
    except (BacktestError, CalibrationError, HistoryError) as e:
        _fail(str(e))
    if fmt == Format.csv:
        typer.echo(bt.table.to_csv(index=False), nl=False)
        return
    if fmt == Format.json:
        typer.echo(json.dumps({"table": json.loads(bt.table.to_json(orient="records")),
                               "summary": json.loads(bt.summary().to_json(orient="records"))}, ensure_ascii=False))
        return
    cols = ["origin", "year", "actual", "forecast", "forecast_lo80", "forecast_hi80", "model_median", "model_p10",
            "model_p90", "naive", "mase_forecast", "mase_model", "mase_naive", "forecast_covered_80", "model_covered_80"]
    with pd.option_context("display.width", 220, "display.max_columns", 30, "display.float_format", "{:,.3g}".format):
        typer.echo(f"{region} {indicator} ({bt.unit}); model = calibrated baseline median and 10-90% range")
        typer.echo(bt.table[cols].to_string(index=False))
        typer.echo("\nsummary over all origins and years with an actual value:")
        typer.echo(bt.summary().to_string(index=False))
