"""Progress of long work on stderr: a rich progress bar on a terminal, periodic plain lines elsewhere.

Use as a context manager around the work and pass `.replicate_done` as the API's `progress` callback
(called with (done, total)), `.message` for text messages, or `.calibration_step` for a calibration's
progress events (generation, evaluations of their maximum, acceptance rate, distance threshold and best
distance; a text message is shown as one).
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
        self._generation = None

    def __enter__(self) -> "Progress":
        self.start = self.last_line = time.perf_counter()
        if sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeElapsedColumn

            from jobsim.model.cli.render import stderr_console

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn(self.unit), TimeElapsedColumn(), TextColumn("{task.fields[detail]}"),
                            console=stderr_console(), transient=False)
            self._bar.start()
            if self.total is not None:
                self._task = self._bar.add_task(self.name, total=self.total, detail="")
        elif self.total is not None:
            typer.echo(f"  {self.name}: {self.total} {self.unit} to run", err=True)
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def eta(self, done: int, total: int, elapsed: float | None = None) -> str:
        """The time left at the pace so far ('ETA 1 min 10 s'; 'ETA -' before the first is done; 'done').
        `elapsed`: the time the `done` took, when not all of them were done since the start (a resumed sweep)."""
        if done >= total:
            return "done"
        if done <= 0:
            return "ETA -"
        from jobsim.model.cli.run import duration_text

        left = (self.elapsed() if elapsed is None else elapsed) / done * (total - done)
        return f"ETA {duration_text(left).lstrip('~')}"

    def replicate_done(self, done: int, total: int) -> None:
        """The API's progress callback: `done` of `total` finished, with the time left."""
        if self._bar is not None:
            if self._task is None:
                self._task = self._bar.add_task(self.name, total=total, detail="")
            self._bar.update(self._task, completed=done, total=total, detail=self.eta(done, total))
            return
        now = time.perf_counter()
        if done == total or now - self.last_line >= PLAIN_LINE_SECONDS:
            self.last_line = now
            typer.echo(f"  {self.name}: {done}/{total} {self.unit} done, {self.elapsed():.1f} s elapsed, "
                       f"{self.eta(done, total)}", err=True)

    def message(self, text: str) -> None:
        """A step of work described in words (calibration generations, back-test origins)."""
        line = f"  {self.name}: {text} ({self.elapsed():.0f} s)"
        if self._bar is not None:
            self._bar.console.print(line, markup=False, highlight=False)
        else:
            typer.echo(line, err=True)

    def calibration_step(self, event: object) -> None:
        """A calibration's progress callback: an event with `generation`, `evaluations`, `max_evaluations`,
        `acceptance_rate`, `epsilon` and `best_distance` (any of the last three may be None) shown as the bar
        (evaluations done of the maximum) and those figures; off a terminal, a line per generation and at
        most one every PLAIN_LINE_SECONDS between. A text message (an older engine's) is shown as one."""
        if isinstance(event, str):
            self.message(event)
            return
        try:
            done, total = int(getattr(event, "evaluations")), int(getattr(event, "max_evaluations"))
        except (AttributeError, TypeError, ValueError):  # not a calibration event: its words
            self.message(str(event))
            return
        if self._bar is not None:
            detail = calibration_detail(event, short=True)
            if self._task is None:
                self._task = self._bar.add_task(self.name, total=total, detail=detail)
            self._bar.update(self._task, completed=min(done, total), total=total, detail=detail)
            return
        detail = calibration_detail(event)
        generation = getattr(event, "generation", None)
        now = time.perf_counter()
        if generation != self._generation or done >= total or now - self.last_line >= PLAIN_LINE_SECONDS:
            self._generation = generation
            self.last_line = now
            typer.echo(f"  {self.name}: {done}/{total} {self.unit}, {detail} ({self.elapsed():.0f} s)", err=True)


def calibration_detail(event: object, short: bool = False) -> str:
    """The figures of a calibration progress event in words: 'generation 3, acceptance 21%, epsilon 4.2,
    best distance 1.9' (`short`, beside a bar: 'gen 3  acc 21%  eps 4.2  best 1.9'); '-' for a figure not known yet."""
    labels = ("gen", "acc", "eps", "best") if short else ("generation", "acceptance", "epsilon", "best distance")
    generation = getattr(event, "generation", None)
    rate = getattr(event, "acceptance_rate", None)
    epsilon = getattr(event, "epsilon", None)
    best = getattr(event, "best_distance", None)
    figures = [
        "-" if generation is None else str(generation),
        "-" if rate is None else f"{rate:.0%}",
        "-" if epsilon is None else f"{epsilon:.3g}",
        "-" if best is None else f"{best:.3g}",
    ]
    return ("  " if short else ", ").join(f"{label} {figure}" for label, figure in zip(labels, figures))
