"""`jobsim calibrate` and `jobsim backtest`: fit a region's parameters; test forecasts and the model on the past."""

from __future__ import annotations

from pathlib import Path

import typer

from jobsim.model.cli import render
from jobsim.model.cli.errors import handle_errors, on_interrupt
from jobsim.model.cli.options import (
    FormatOption,
    check_choice,
    check_input_files,
    check_output_file,
    claimed_outputs,
    make_output_folder,
)
from jobsim.model.cli.progress import Progress
from jobsim.model.cli.render import Col, OutputFormat

CALIBRATION_SUFFIXES = (".yaml", ".yml")
# A short search for trying things out (`--quick`): differential-evolution generations and population,
# posterior proposals and draws, replicates per evaluation.
QUICK_SETTINGS = dict(maxiter=3, popsize=4, proposals=24, n_draws=12, replicates=2)
BACKTEST_COLUMNS = ["origin", "year", "actual", "forecast", "forecast_lo80", "forecast_hi80", "model_median",
                    "model_p10", "model_p90", "naive", "mase_forecast", "mase_model", "mase_naive",
                    "forecast_covered_80", "model_covered_80"]


@handle_errors
def calibrate(
    region: str = typer.Option(..., "--region", help="a region with a baseline scenario, e.g. Jiangxi"),
    through: int | None = typer.Option(None, "--through", help="use only history whose window ends by this year"),
    data: list[Path] | None = typer.Option(None, "--data", help="extra history rows (history.csv schema); repeatable"),
    out: Path | None = typer.Option(None, "--out", help="where to write (.yaml; default calibration/params/<region>.yaml)"),
    quick: bool = typer.Option(False, "--quick", help="a short search (for trying things out)"),
    workers: int = typer.Option(2, "--workers", min=1),
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Fit the region's free parameters to its history and forecast (method of simulated moments)."""
    from jobsim.model import api

    check_choice(api.check_calibratable_region, region, "--region")
    check_input_files(data, "--data")
    # Without --out the result goes to the region's shipped parameter file, whose folder is made if missing.
    path = out if out is not None else api.calibrated_file(region)
    check_output_file(path, "--out", CALIBRATION_SUFFIXES, create_folder=out is None)
    if out is None:
        make_output_folder(path.parent, "--out")
    on_interrupt(f"nothing was written ({path} is as it was); rerun the same command")
    with claimed_outputs([("--out", path)]):
        with Progress(f"calibrate {region}", unit="steps") as progress:
            res = api.calibrate(region, through=through, data_files=data, workers=workers,
                                progress=progress.message, **(QUICK_SETTINGS if quick else {}))
        path = api.write_calibration(res, path)
        on_interrupt(f"{path} was written and is complete; the report was not printed")
    parameters = [{"name": name, "value": value, "lower": res.bounds[name][0], "upper": res.bounds[name][1]}
                  for name, value in res.values.items()]
    moments = [{"name": m["name"], "target": m["target"], "simulated": m["simulated"], "z": m["z"]} for m in res.moments]
    if fmt is OutputFormat.json:
        render.emit_data(fmt, document={"region": region, "distance": res.distance, "info": res.info,
                                        "parameters": parameters, "moments": moments, "file": str(path)})
        return
    if fmt is OutputFormat.csv:
        import pandas as pd

        render.emit_data(fmt, pd.DataFrame(parameters))
        typer.echo(f"wrote {path}", err=True)
        return
    render.say(f"{region}: distance {res.distance:.2f} over {len(res.moments)} moments, "
               f"{res.info['evaluations']} evaluations, {res.info['seconds']} s")
    render.table(["parameter", Col("value", "right"), Col("bounds", "right")],
                 ([p["name"], f"{p['value']:.5g}", f"[{p['lower']:g}, {p['upper']:g}]"] for p in parameters))
    render.table(["moment", Col("target", "right"), Col("simulated", "right"), Col("z", "right")],
                 ([m["name"], f"{m['target']:.5g}", f"{m['simulated']:.5g}", f"{m['z']:.2f}"] for m in moments))
    render.say(f"wrote {path}")


@handle_errors
def backtest(
    region: str = typer.Option(..., "--region", help="a region with a baseline scenario, e.g. Jiangxi"),
    indicator: str = typer.Option(..., "--indicator", help="an indicator the model produces, e.g. new_urban_jobs"),
    origin: list[int] = typer.Option(..., "--origin", help="origin year; repeat for rolling origins"),
    horizon: int = typer.Option(3, "--horizon", min=1, max=10, help="years after each origin"),
    data: list[Path] | None = typer.Option(None, "--data", help="extra history rows; repeatable"),
    replicates: int = typer.Option(8, "--replicates", min=1),
    thorough: bool = typer.Option(False, "--thorough", help="a full calibration at each origin (slower)"),
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Calibrate and forecast with data up to each origin; compare forecast, model and naive with the actuals."""
    from jobsim.model import api

    check_choice(api.check_calibratable_region, region, "--region")
    check_choice(api.check_modelled_indicator, indicator, "--indicator")
    check_input_files(data, "--data")
    with Progress(f"backtest {region} {indicator}", unit="steps") as progress:
        bt = api.backtest(region, indicator, sorted(set(origin)), horizon=horizon, data_files=data,
                          replicates=replicates, quick=not thorough, progress=progress.message)
    if fmt is OutputFormat.csv:
        render.emit_data(fmt, bt.table)
        return
    if fmt is OutputFormat.json:
        render.emit_data(fmt, document={"table": render.records(bt.table), "summary": render.records(bt.summary())})
        return
    render.say(f"{region} {indicator} ({bt.unit}); model = calibrated baseline median and 10-90% range")
    render.table([Col(c, "right") for c in BACKTEST_COLUMNS],
                 ([_cell(r[c]) for c in BACKTEST_COLUMNS] for r in render.records(bt.table[BACKTEST_COLUMNS])))
    render.say("summary over all origins and years with an actual value:")
    summary = bt.summary()
    render.table([Col(str(c), "right") for c in summary.columns],
                 ([_cell(v) for v in r.values()] for r in render.records(summary)))


def _cell(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.3g}"
    return str(v)
