"""The `jobsim` command line: data, scenario validation, runs, forecasts and calibration."""

from __future__ import annotations

import typer

from model import __version__

app = typer.Typer(
    name="jobsim",
    help="jobsim: simulate how training, loans and subsidised posts move employment targets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command("version")
def version() -> None:
    """Print the jobsim version."""
    typer.echo(__version__)


# Each command group lives in its own module and registers itself here (one line each).
from model.cli_data import data_app  # noqa: E402

app.add_typer(data_app, name="data")

from model.cli_scenarios import validate  # noqa: E402

app.command("validate")(validate)

from calibration.cli import forecast  # noqa: E402

app.command("forecast")(forecast)

from calibration.cli_calibrate import backtest, calibrate  # noqa: E402

app.command("calibrate")(calibrate)
app.command("backtest")(backtest)

from model.cli_run import run, run_bundled  # noqa: E402

app.command("run")(run)
app.command("run-bundled")(run_bundled)


if __name__ == "__main__":
    app()
