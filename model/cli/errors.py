"""The one error and exit-code policy of every `jobsim` command.

Exit codes
    0   ok (for `jobsim validate`: every file is valid)
    1   invalid input: a scenario that fails validation, a data file (bundled or given with --data) with a
        malformed row, data that cannot support the request (a series too short to forecast, a region
        without the history a calibration needs)
    2   usage error: an unknown option or a bad option value, a name outside its allowed choices (region,
        area, indicator, target set, format), a file named on the command line that does not exist, an
        output path with the wrong suffix or in a folder that does not exist or cannot be written
        or cannot hold a file (/proc, /sys), an output another jobsim process is writing (its lock is held), an
        option value out of range (--replicates, --scale, --seed), a run estimated to need more memory than
        the machine has available (unless --force)
    3   runtime failure: anything else that goes wrong while working (a bug, a full disk)
    130 interrupted (Ctrl-C, SIGINT)
    143 terminated (SIGTERM; main.py turns the signal into an exception, so that clean-up runs)

Every error is reported on stderr as one line starting with `error: ` (an invalid scenario: one line per
problem), never as a traceback; an unexpected exception reads `error: <Type>: message`. Choices are
checked before any work starts, so a usage error costs no simulation time. An interrupted or terminated
command says in its one line what it kept and how to resume (`interrupted: nothing was written; rerun the
same command`); a command that keeps something along the way says so with `on_interrupt`.

Commands raise `UsageError` for what they check themselves and let the API's errors through;
`handle_errors` (a decorator on every command body) turns both into the message and exit code above,
using `jobsim.model.api.error_kind` to tell the caller's input errors from failures of the program.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NoReturn, TypeVar

import typer

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_RUNTIME = 3
EXIT_INTERRUPTED = 130  # the shell's convention for a process ended by SIGINT
EXIT_TERMINATED = 143  # the shell's convention for a process ended by SIGTERM (128 + 15)
NOTHING_KEPT = "nothing was written; rerun the same command"

_ERROR_KIND_EXIT = {"choice": EXIT_USAGE, "invalid": EXIT_INVALID}

F = TypeVar("F", bound=Callable)


class UsageError(Exception):
    """A command line the command cannot act on: the message names the option, the value and what is allowed."""


class InvalidInputError(Exception):
    """Input the command cannot use (its message already says why, e.g. with what is available instead)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread by the handler main.py installs: an interrupt like Ctrl-C (every
    `finally` runs, temporary files are removed, worker processes stopped) reported as `terminated`."""


# What the running command has kept so far, for the line an interrupt prints (one command per process).
_kept = {"note": NOTHING_KEPT}


def on_interrupt(note: str) -> None:
    """Say what an interrupt from now on leaves behind and how to resume (e.g. which files are complete)."""
    _kept["note"] = note


def interrupt_line(exc: BaseException) -> tuple[str, int]:
    """The one line and exit code of an interrupt (`exc` a KeyboardInterrupt, or typer's Abort made from one)."""
    cause = exc if isinstance(exc, KeyboardInterrupt) else exc.__cause__ or exc.__context__
    what, code = ("terminated", EXIT_TERMINATED) if isinstance(cause, Terminated) else ("interrupted", EXIT_INTERRUPTED)
    return f"{what}: {_kept['note']}", code


def one_line(message: object) -> str:
    """The message with its whitespace (newlines included) collapsed to single spaces."""
    return " ".join(str(message).split())


def print_error(message: object) -> None:
    typer.echo(f"error: {one_line(message)}", err=True)


def fail(message: object, code: int = EXIT_USAGE) -> NoReturn:
    """Print one error line and end the command with `code`."""
    print_error(message)
    raise typer.Exit(code)


def _report(exc: BaseException) -> int:
    """Print `exc` by the policy and return its exit code."""
    if isinstance(exc, UsageError):
        print_error(exc)
        return EXIT_USAGE
    if isinstance(exc, InvalidInputError):
        print_error(exc)
        return EXIT_INVALID
    if isinstance(exc, KeyboardInterrupt):
        line, code = interrupt_line(exc)
        print_error(line)
        return code
    from jobsim.model import api

    kind = api.error_kind(exc)
    if kind is None:
        print_error(f"{type(exc).__name__}: {exc}")
        return EXIT_RUNTIME
    issues = getattr(exc, "issues", None)  # a ScenarioError: one line per problem
    if issues and "\n" in str(exc):
        for line in str(exc).splitlines():
            print_error(line)
    else:
        print_error(exc)
    return _ERROR_KIND_EXIT[kind]


def handle_errors(command: F) -> F:
    """Run a command body under the policy: typer's own exits pass, every other exception becomes its
    error line and exit code. The wrapper keeps the command's signature, so typer still reads its options."""

    @functools.wraps(command)
    def guarded(*args, **kwargs):
        on_interrupt(NOTHING_KEPT)
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, BrokenPipeError):  # a closed pipe ends the program quietly (main.py)
            raise
        except Exception as exc:  # noqa: BLE001 - the policy: one line, never a traceback
            if _is_click_error(exc):
                raise
            raise typer.Exit(_report(exc)) from None
        except KeyboardInterrupt as exc:
            raise typer.Exit(_report(exc)) from None

    return guarded  # type: ignore[return-value]


def click_module():
    """The click that typer runs on: its own vendored copy (typer >= 0.24 ships `typer._click`) or click."""
    vendored = getattr(typer, "_click", None)
    if vendored is not None:
        return vendored
    import click

    return click


def _is_click_error(exc: BaseException) -> bool:
    """Errors typer and click report themselves (typer.BadParameter and the like): usage errors, exit 2."""
    return isinstance(exc, click_module().ClickException)
