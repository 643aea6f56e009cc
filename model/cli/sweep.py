"""`jobsim sweep` (a design over a base scenario, on Dask, into a resumable Zarr store) and `jobsim sensitivity`
(Sobol or Morris indices of such a store). The work is the API's (api.run_sweep, api.sensitivity); this
module checks the command line, shows progress with an ETA, and prints the results.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import typer

from jobsim.model.cli import render
from jobsim.model.cli.errors import UsageError, handle_errors, on_interrupt
from jobsim.model.cli.options import FormatOption, check_writable_folder, claimed_outputs
from jobsim.model.cli.progress import PLAIN_LINE_SECONDS, Progress
from jobsim.model.cli.render import Col, OutputFormat
from jobsim.model.cli.run import bytes_text

STORE_SUFFIX = ".zarr"
SWEEP_SUFFIXES = (".yaml", ".yml")
SCHEDULER_ADDRESS = re.compile(r"(tcp|tls|ucx|inproc)://\S+")
DEFAULT_WORKERS = 2
SIGNIFICANT = 3  # digits of an index in the table format
KILOBYTE = 1024
MEGABYTE = 2**20


class SweepProgress(Progress):
    """Runs done of the sweep's runs, with the time left estimated from this session's pace (a resumed sweep's
    earlier runs do not count towards the pace)."""

    def __init__(self, name: str):
        super().__init__(name, unit="runs")
        self._first: tuple[int, float] | None = None

    def runs_done(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if self._first is None:
            self._first = (done, now)
        first_done, first_time = self._first
        eta = self.eta(done - first_done, total - first_done, elapsed=now - first_time)
        if self._bar is not None:
            if self._task is None:
                self._task = self._bar.add_task(self.name, total=total, detail=eta)
            self._bar.update(self._task, completed=done, total=total, detail=eta)
            return
        if done == total or now - self.last_line >= PLAIN_LINE_SECONDS or done == first_done:
            self.last_line = now
            typer.echo(f"  {self.name}: {done}/{total} runs done, {self.elapsed():.0f} s elapsed, {eta}", err=True)


@handle_errors
def sweep(
    file: Path = typer.Argument(..., help="a sweep file (.yaml): base scenario, ranges, design, indicators"),
    out: Path = typer.Option(..., "--out", help="the Zarr store (a folder ending in .zarr); an existing store of the "
                                                "same sweep is resumed"),
    scheduler: str | None = typer.Option(None, "--scheduler", metavar="ADDRESS",
                                         help="a running Dask scheduler, e.g. tcp://127.0.0.1:8786 "
                                              "(default: a local cluster of --workers processes)"),
    workers: int = typer.Option(DEFAULT_WORKERS, "--workers", min=1,
                                help="worker processes of the local cluster (ignored with --scheduler)"),
) -> None:
    """Run a sweep (or resume it): every sample of the design, each with the file's replicates, into a Zarr store.

    Interrupt it at any moment and run the same command again: finished samples are kept and not run again."""
    from jobsim.model import api

    if not file.is_file():
        raise UsageError(f"sweep file {file} does not exist" if not file.exists() else f"{file} is not a file")
    if file.suffix not in SWEEP_SUFFIXES:
        raise UsageError(f"{file}: a sweep file ends in {' or '.join(SWEEP_SUFFIXES)} (got {file.suffix or 'no suffix'!r})")
    if out.suffix != STORE_SUFFIX:
        raise UsageError(f"--out {out}: must end in {STORE_SUFFIX} (a Zarr store is a folder; got "
                         f"{out.suffix or 'no suffix'!r})")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file; a Zarr store is a folder (give a new name ending in {STORE_SUFFIX})")
    check_writable_folder(out.parent if str(out.parent) else Path("."), "--out", of=out)
    if scheduler is not None and not SCHEDULER_ADDRESS.fullmatch(scheduler):
        raise UsageError(f"--scheduler {scheduler!r}: not a Dask scheduler address; give one such as "
                         "tcp://127.0.0.1:8786 (what `dask scheduler` prints)")
    definition = api.load_sweep_file(file)
    with claimed_outputs([("--out", out)]):
        on_interrupt(f"{out} keeps every sample finished so far; rerun the same command to resume")
        with SweepProgress(f"sweep {definition.name}") as progress:
            summary = api.run_sweep(definition, out, scheduler=scheduler, workers=workers,
                                    progress=progress.runs_done, on_start=lambda s: _started(s, progress))
    on_interrupt(f"{out} is complete")
    if summary.served:
        render.say(f"{out}: served from the run catalogue of {out.parent} (id {summary.catalogue_id}): the same "
                   "sweep was already complete there")
    render.say(f"{out}: {summary.samples} samples x {summary.replicates} replicates = {summary.runs} runs "
               f"({summary.runs_run} run now, {summary.runs_skipped} already there) in {summary.seconds:.1f} s; "
               f"store {_size_text(summary.store_bytes)}")
    render.say(f"read it with api.load_sweep({str(out)!r}); indices: jobsim sensitivity {out} --indicator "
               f"{definition.indicators[0]}")


def _started(start, progress: SweepProgress) -> None:
    """The first lines of a sweep: what is already there, where it runs, the dashboard."""
    if not start.created:
        progress.message(f"resuming {start.store}: {start.runs_done} of {start.runs} runs already there, "
                         f"{start.chunks_to_run} chunks to run")
    if start.chunks_to_run:
        dashboard = start.dashboard or "not served (install bokeh: pip install 'jobsim[sweeps]')"
        progress.message(f"scheduler {start.scheduler}, {start.workers} workers; dashboard: {dashboard}")
        if start.workers == 0:
            progress.message(f"no worker is connected yet: the sweep waits for one (`dask worker {start.scheduler}`)")


@handle_errors
def sensitivity(
    store: Path = typer.Argument(..., help="a sweep store (.zarr) made by a sobol or morris design"),
    indicator: str = typer.Option(..., "--indicator", help="an indicator kept in the store, e.g. new_urban_jobs"),
    year: int | None = typer.Option(None, "--year", help="one year (default: the whole period, by the indicator's "
                                                        "kind: flows summed, rates averaged, stocks at the end)"),
    area: str | None = typer.Option(None, "--area", help="an area kept in the store (default: the region)"),
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Sobol (S1, ST with confidence intervals) or Morris (mu*, sigma) indices of a sweep store, as its design allows.

    The model output is the replicate mean per sample."""
    from jobsim.model import api

    if not store.exists():
        raise UsageError(f"sweep store {store} does not exist; make it with `jobsim sweep FILE --out {store}`")
    table = api.sensitivity(store, indicator, year=year, area=area)
    facts = table.attrs
    if fmt is OutputFormat.json:
        render.emit_data(fmt, document={**facts, "indices": render.records(table)})
        return
    if fmt is OutputFormat.csv:
        render.emit_data(fmt, table.assign(method=facts["method"], indicator=facts["indicator"], area=facts["area"],
                                           year=facts["year"]))
        return
    render.say(f"{facts['method']} indices of {facts['indicator']} ({facts['units']}), {facts['area']}, "
               f"{facts['aggregation']}; output: {facts['output']} ({facts['samples']} samples x "
               f"{facts['replicates']} replicates); intervals at {facts['confidence_level']:.0%}")
    value_columns = [c for c in table.columns if c != "factor"]
    render.table(["factor", *(Col(c, "right") for c in value_columns)],
                 ([r["factor"], *(_g(r[c]) for c in value_columns)] for r in render.records(table)))


def _size_text(n: int) -> str:
    """A store's size: kB below a megabyte (a small store is tens of kB), else as run.bytes_text gives it."""
    return f"{n / KILOBYTE:.0f} kB" if n < MEGABYTE else bytes_text(n)


def _g(value) -> str:
    return "-" if value is None or value != value else f"{value:.{SIGNIFICANT}g}"
