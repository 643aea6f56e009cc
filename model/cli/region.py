"""`jobsim region init` (a template data folder for a new region) and `jobsim region check` (what is
still missing or wrong in one).

Like every command module, this one imports only typer at import time and reaches the data through the
public API inside the commands (`api.init_region_folder`, `api.check_region_folder`, `api.RegionFolderError`,
thin wrappers of jobsim.model.inputs.region_folder).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from jobsim.model.cli.errors import EXIT_INVALID, EXIT_OK, EXIT_USAGE, fail, handle_errors
from jobsim.model.cli.options import check_writable_folder

region_app = typer.Typer(
    help="Add a region from a data folder: write a template (init), check a folder (check).",
    no_args_is_help=True,
)


class Level(str, Enum):
    province = "province"
    city = "city"


@region_app.command("init")
@handle_errors
def init(
    name: str = typer.Argument(..., help="the new region's id: ASCII letters, digits, _ (e.g. Hubei, Wuhan)"),
    out: Path = typer.Option(..., "--out", help="the folder to write (created; nothing in it is overwritten)"),
    parent: str | None = typer.Option(None, "--parent", help="a province for a city; a country for a province (default: China)"),
    level: Level | None = typer.Option(None, "--level", help="province or city (default: from --parent)"),
    name_zh: str = typer.Option("", "--name-zh", help="the Chinese name, e.g. 湖北省 (else left for you to fill in)"),
    name_en: str | None = typer.Option(None, "--name-en", help="the English name (default: NAME)"),
    first_year: int = typer.Option(2021, "--first-year", help="the baseline scenario's first year"),
    last_year: int | None = typer.Option(None, "--last-year", help="its last year (default: first year + 4)"),
) -> None:
    """Write a template data folder for a new region: its facts, history, baseline scenario and a README."""
    from jobsim.model import api

    check_writable_folder(out, "--out", create=True)
    try:
        written = api.init_region_folder(name, out, parent=parent, level=level.value if level else None,
                                     name_zh=name_zh, name_en=name_en, first_year=first_year, last_year=last_year)
    except api.RegionFolderError as exc:  # a bad name, parent or level, or files already there
        fail(exc, EXIT_USAGE)
    typer.echo(f"wrote a template for {name} in {out}:")
    for path in written:
        typer.echo(f"  {path}")
    typer.echo(f"\nNext: fill in every empty value (see {out / 'README.md'}), then `jobsim region check {out}`;"
               f"\nuse it with `jobsim --data-dir {out} ...` or JOBSIM_DATA_DIR={out}.")


@region_app.command("check")
@handle_errors
def check(
    folder: Path = typer.Argument(..., help="a region (data) folder, e.g. one written by `jobsim region init`"),
) -> None:
    """Check a region folder against the bundled data: list every missing or wrong figure (file, line, field)."""
    from jobsim.model import api

    if not folder.is_dir():
        fail(f"{folder}: no such folder", EXIT_USAGE)
    problems = api.check_region_folder(folder)
    for p in problems:
        typer.echo(f"  {p}")
    if problems:
        typer.echo(f"INVALID  {folder}  ({len(problems)} problem{'s' if len(problems) != 1 else ''})")
        raise typer.Exit(EXIT_INVALID)
    typer.echo(f"OK  {folder}")
    raise typer.Exit(EXIT_OK)
