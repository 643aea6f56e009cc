"""Options shared by several commands, and the checks of paths named on the command line (before any work)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from jobsim.model.cli.errors import UsageError
from jobsim.model.cli.render import FORMAT_HELP, OutputFormat

FormatOption = Annotated[OutputFormat, typer.Option("--format", help=FORMAT_HELP, case_sensitive=False)]


def check_input_files(paths: list[Path] | None, option: str) -> None:
    """Every file named with `option` exists and is a file."""
    for path in paths or []:
        if not Path(path).is_file():
            what = "is a folder, not a file" if Path(path).is_dir() else "no such file"
            raise UsageError(f"{option} {path}: {what}")


def check_output_file(path: Path | None, option: str, suffixes: tuple[str, ...]) -> None:
    """`path` (if given) ends in one of `suffixes`, is not a folder, and its folder exists and is writable."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a folder; give a file name ending in {' or '.join(suffixes)}")
    if path.suffix not in suffixes:
        raise UsageError(f"{option} {path}: must end in {' or '.join(suffixes)} (got {path.suffix or 'no suffix'!r})")
    check_writable_folder(path.parent if str(path.parent) else Path("."), option, of=path)


def check_writable_folder(folder: Path, option: str, of: Path | None = None, create: bool = False) -> None:
    """`folder` exists (or, with `create`, its nearest existing parent does) and can be written to."""
    subject = f"{option} {of if of is not None else folder}"
    probe = folder
    if create:
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
    if not probe.exists():
        raise UsageError(f"{subject}: folder {folder} does not exist")
    if not probe.is_dir():
        raise UsageError(f"{subject}: {probe} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"{subject}: folder {probe} is not writable")

