"""Progress of long work on stderr: a rich progress bar on a terminal, periodic plain lines elsewhere.

Use as a context manager around the work and pass `.replicate_done` as the API's `progress` callback
(called with (done, total)), or `.message` for the calibration's text messages.
"""

from __future__ import annotations

import sys
import time

import typer

# Off a terminal (a log file, CI), at most one progress line per this many seconds, plus the last one.
PLAIN_LINE_SECONDS = 10.0


class Progress:
    """Progress of one task, counted in `unit` (e.g. replicates), on stderr."""

    def __init__(self, name: str, total: int | None = None, unit: str = "replicates"):
        self.name = name
        self.total = total
        self.unit = unit
        self.start = time.perf_counter()
        self.last_line = self.start
        self._bar = None
        self._task = None

    def __enter__(self) -> "Progress":
        self.start = self.last_line = time.perf_counter()
        if sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeElapsedColumn

            from jobsim.model.cli.render import stderr_console

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn(self.unit), TimeElapsedColumn(), console=stderr_console(), transient=False)
            self._bar.start()
            if self.total is not None:
                self._task = self._bar.add_task(self.name, total=self.total)
        elif self.total is not None:
            typer.echo(f"  {self.name}: {self.total} {self.unit} to run", err=True)
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def replicate_done(self, done: int, total: int) -> None:
        """The API's progress callback: `done` of `total` finished."""
        if self._bar is not None:
            if self._task is None:
                self._task = self._bar.add_task(self.name, total=total)
            self._bar.update(self._task, completed=done)
            return
        now = time.perf_counter()
        if done == total or now - self.last_line >= PLAIN_LINE_SECONDS:
            self.last_line = now
            typer.echo(f"  {self.name}: {done}/{total} {self.unit} done, {self.elapsed():.1f} s elapsed", err=True)

    def message(self, text: str) -> None:
        """A step of work described in words (calibration generations, back-test origins)."""
        line = f"  {self.name}: {text} ({self.elapsed():.0f} s)"
        if self._bar is not None:
            self._bar.console.print(line, markup=False, highlight=False)
        else:
            typer.echo(line, err=True)
