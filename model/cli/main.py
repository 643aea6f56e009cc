"""The `jobsim` command line: data, scenario validation, runs, forecasts and calibration.

Each command group lives in its own module and registers here with one line. Those modules import only
typer and this package at import time; every command imports the API (and so pandas, xarray, mesa,
statsmodels) inside its body, so `jobsim --help` and `jobsim data list` start without loading what they
do not use. Errors and exit codes: model/cli/errors.py.

SIGTERM (a `kill`, a scheduler ending a job) is turned into an exception in the main thread, as Ctrl-C is,
so that a terminated command cleans up as an interrupted one does: no temporary file left, worker
processes stopped, one line saying what was kept.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import typer

from jobsim.model import __version__
from jobsim.model.cli import calibrate, compare, data, forecast, region, run, scenarios
from jobsim.model.cli import runs
from jobsim.model.cli import sweep
from jobsim.model.cli import serve
from jobsim.model.cli.errors import EXIT_OK, EXIT_USAGE, Terminated, click_module, interrupt_line, print_error


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


def _given_value(args: list[str] | tuple[str, ...] | None, opts: list[str] | tuple[str, ...]) -> str | None:
    """The value given to an option on the command line (its last use: the one click read), or None. click's
    messages for a bad value do not always repeat it ("Input should be a valid integer")."""
    given = None
    words = list(args or [])
    for i, word in enumerate(words):
        for opt in opts or ():
            if word == opt and i + 1 < len(words):
                given = words[i + 1]
            elif word.startswith(f"{opt}="):
                given = word[len(opt) + 1:]
    return given


class JobsimTyper(typer.Typer):
    """typer's app, except that, run as the `jobsim` program, a command-line error (unknown option, bad
    value) is one `error:` line naming where to get help, as every other error is (model/cli/errors.py)."""

    def __call__(self, *args, **kwargs):
        # Signal handlers can only be set in the main thread (an app calling `jobsim` from a thread keeps its own).
        in_main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _raise_terminated) if in_main_thread else None
        try:
            self._main(*args, **kwargs)
        finally:
            if in_main_thread:  # None: a handler set outside Python, which cannot be put back; the default
                signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)

    def _main(self, *args, **kwargs):
        problems = click_module().exceptions
        kwargs.setdefault("standalone_mode", False)
        try:
            code = super().__call__(*args, **kwargs)
        except getattr(problems, "NoArgsIsHelpError", ()) as exc:  # `jobsim data` alone: the help (click >= 8.2)
            exc.show()
            sys.exit(exc.exit_code)
        except problems.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "jobsim"
            given = _given_value(kwargs.get("args", sys.argv[1:]), getattr(getattr(exc, "param", None), "opts", ()))
            got = f"got {given!r}; " if given is not None else ""
            print_error(f"{exc.format_message()} ({got}see `{command} --help`)")
            sys.exit(EXIT_USAGE)
        except problems.ClickException as exc:
            print_error(exc.format_message())
            sys.exit(exc.exit_code)
        except (typer.Abort, KeyboardInterrupt) as exc:  # an interrupt outside a command body (while parsing)
            line, code = interrupt_line(exc)
            print_error(line)
            sys.exit(code)
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
app.command("compare")(compare.compare)
app.command("forecast")(forecast.forecast)
app.command("calibrate")(calibrate.calibrate)
app.command("backtest")(calibrate.backtest)
app.command("sweep")(sweep.sweep)
app.command("sensitivity")(sweep.sensitivity)
app.add_typer(region.region_app, name="region")
app.add_typer(runs.runs_app, name="runs")
app.command("app")(serve.serve)


if __name__ == "__main__":
    app()
