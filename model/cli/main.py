"""The `jobsim` command line: data, scenario validation, runs, forecasts and calibration.

Each command group lives in its own module and registers here with one line. Those modules import only
typer and this package at import time; every command imports the API (and so pandas, xarray, mesa,
statsmodels) inside its body, so `jobsim --help` and `jobsim data list` start without loading what they
do not use. Errors and exit codes: model/cli/errors.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from jobsim.model import __version__
from jobsim.model.cli import calibrate, data, forecast, region, run, scenarios
from jobsim.model.cli.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, click_module, print_error


class JobsimTyper(typer.Typer):
    """typer's app, except that, run as the `jobsim` program, a command-line error (unknown option, bad
    value) is one `error:` line naming where to get help, as every other error is (model/cli/errors.py)."""

    def __call__(self, *args, **kwargs):
        problems = click_module().exceptions
        kwargs.setdefault("standalone_mode", False)
        try:
            code = super().__call__(*args, **kwargs)
        except getattr(problems, "NoArgsIsHelpError", ()) as exc:  # `jobsim data` alone: the help (click >= 8.2)
            exc.show()
            sys.exit(exc.exit_code)
        except problems.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "jobsim"
            print_error(f"{exc.format_message()} (see `{command} --help`)")
            sys.exit(EXIT_USAGE)
        except problems.ClickException as exc:
            print_error(exc.format_message())
            sys.exit(exc.exit_code)
        except typer.Abort:
            print_error("interrupted")
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:  # `jobsim data list | head`: the reader has all it wanted
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # so that the final flush at exit does not fail again
            sys.exit(EXIT_OK)
        sys.exit(code if isinstance(code, int) else EXIT_OK)


app = JobsimTyper(
    name="jobsim",
    help="jobsim: simulate how training, loans and subsidised posts move employment targets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def global_options(
    data_dir: list[Path] = typer.Option(
        [], "--data-dir", metavar="DIR",
        help="A data folder of your own (regions, facts, parameters, history, targets, scenarios in the bundled "
             "schemas) laid over the bundled data; repeatable, later folders win. Also: JOBSIM_DATA_DIR.")
) -> None:
    """Options for every command; this runs before the command and hands them to the API."""
    missing = [d for d in data_dir if not d.is_dir()]
    if missing:
        print_error(f"--data-dir: {missing[0]} is not a folder (give a data folder; `jobsim region init` writes one)")
        sys.exit(EXIT_USAGE)
    if data_dir:
        from jobsim.model import api

        api.set_user_data_dirs(data_dir)


@app.command("version")
def version() -> None:
    """Print the jobsim version."""
    typer.echo(__version__)


app.add_typer(data.data_app, name="data")
app.command("validate")(scenarios.validate)
app.command("run")(run.run)
app.command("run-bundled")(run.run_bundled)
app.command("forecast")(forecast.forecast)
app.command("calibrate")(calibrate.calibrate)
app.command("backtest")(calibrate.backtest)
app.add_typer(region.region_app, name="region")


if __name__ == "__main__":
    app()
