"""Options shared by several commands, and the checks of what a command line names, all before any work:
input files, output files and folders (and the write lock on each output, held until it is written),
and the numbers of a run (replicates, scale, seed) by the rules of scenario files."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from jobsim.model.cli.errors import UsageError
from jobsim.model.cli.render import FORMAT_HELP, OutputFormat

FormatOption = Annotated[OutputFormat, typer.Option("--format", help=FORMAT_HELP, case_sensitive=False)]
ForceOption = Annotated[bool, typer.Option(
    "--force", help="run even when the estimate says the run needs more memory than the machine has available")]

T = TypeVar("T")


def check_choice(check: Callable[[T], T], value: T, option: str) -> T:
    """`check(value)` (an API check of a name or number), its ChoiceError as a usage error naming `option`."""
    from jobsim.model import api

    try:
        return check(value)
    except api.ChoiceError as exc:
        raise UsageError(f"{option}: {exc}") from None


def check_input_files(paths: list[Path] | None, option: str) -> None:
    """Every file named with `option` exists and is a file."""
    for path in paths or []:
        if not Path(path).is_file():
            what = "is a folder, not a file" if Path(path).is_dir() else "no such file"
            raise UsageError(f"{option} {path}: {what}")


def check_output_file(path: Path | None, option: str, suffixes: tuple[str, ...], create_folder: bool = False) -> None:
    """`path` (if given) ends in one of `suffixes`, is not a folder or another kind of non-regular file, and
    its folder exists (with `create_folder`: can be made), is writable and on a filesystem that holds files."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a folder; give a file name ending in {' or '.join(suffixes)}")
    if path.suffix not in suffixes:
        raise UsageError(f"{option} {path}: must end in {' or '.join(suffixes)} (got {path.suffix or 'no suffix'!r})")
    if path.exists() and not path.is_file():
        raise UsageError(f"{option} {path}: is not a regular file (a device, pipe or socket); give a file name")
    check_writable_folder(path.parent if str(path.parent) else Path("."), option, of=path, create=create_folder)


def check_writable_folder(folder: Path, option: str, of: Path | None = None, create: bool = False) -> None:
    """`folder` exists (or, with `create`, its nearest existing parent does), is a folder, can be written
    to, and is not on a kernel or device filesystem (/proc, /sys, /dev)."""
    from jobsim.model import api

    subject = f"{option} {of if of is not None else folder}"
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{subject}: {folder} is a file, not a folder")
    probe = folder
    if create:
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
    if not probe.exists():
        raise UsageError(f"{subject}: folder {folder} does not exist; make it first or give another path")
    if not probe.is_dir():
        raise UsageError(f"{subject}: {probe} is not a folder")
    problem = api.output_filesystem_problem(probe / "file")
    if problem:
        raise UsageError(f"{subject}: {problem}; give a path in an ordinary folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"{subject}: folder {probe} is not writable")


def make_output_folder(folder: Path, option: str) -> bool:
    """Make `folder` (checked with check_writable_folder(create=True)), saying so; True if it was made."""
    if folder.is_dir():
        return False
    try:
        folder.mkdir(parents=True)
    except OSError as exc:
        raise UsageError(f"{option} {folder}: cannot make the folder: {exc.strerror or exc}") from None
    typer.echo(f"made folder {folder}", err=True)
    return True


@contextmanager
def claimed_outputs(outputs: list[tuple[str, Path]]) -> Iterator[None]:
    """Hold the write lock of every (option, output file) for the block: the command's work and its writes.
    Another jobsim process writing one of them, or a folder that cannot hold a file after all (the lock
    file is the probe: a read-only filesystem, a kernel filesystem, no permission), is a usage error now."""
    from jobsim.model import api

    with ExitStack() as held:
        for option, path in outputs:
            try:
                held.enter_context(api.reserve_output(path))
            except api.OutputBusyError as exc:
                raise UsageError(f"{option} {path}: {exc}") from None
            except OSError as exc:
                raise UsageError(f"{option} {path}: cannot write in folder {path.parent}: "
                                 f"{exc.strerror or exc}") from None
        yield


# The run catalogue (model/outputs/run_catalogue.py): compute even when a stored result would be served.
NoCacheOption = Annotated[bool, typer.Option(
    "--no-cache", "--recompute",
    help="compute even when the results folder's run catalogue holds this exact run (the new result replaces it)")]
