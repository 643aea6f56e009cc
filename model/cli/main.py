"""The `jobsim` command line: data, scenario validation, runs, forecasts and calibration."""

from __future__ import annotations

import typer

from jobsim.model import __version__

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
from jobsim.model.cli.data import data_app  # noqa: E402

app.add_typer(data_app, name="data")

from jobsim.model.cli.scenarios import validate  # noqa: E402

app.command("validate")(validate)

from jobsim.model.cli.forecast import forecast  # noqa: E402

app.command("forecast")(forecast)

from jobsim.model.cli.calibrate import backtest, calibrate  # noqa: E402

app.command("calibrate")(calibrate)
app.command("backtest")(backtest)

from jobsim.model.cli.run import run, run_bundled  # noqa: E402

app.command("run")(run)
app.command("run-bundled")(run_bundled)


if __name__ == "__main__":
    app()
