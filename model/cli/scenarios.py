"""`jobsim validate`: check scenario files and report every problem; writes nothing.

Exit codes: 0 when every file is valid, 1 when any is invalid, 2 for usage errors (a file or folder
that does not exist, a folder without scenario files).
"""

from __future__ import annotations

from pathlib import Path

import typer

from jobsim.model.inputs.scenario import ScenarioError, load_scenario

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def _expand(files: list[Path]) -> tuple[list[Path], list[str]]:
    """Files as given, folders replaced by their *.yaml / *.yml files; and the usage problems."""
    out: list[Path] = []
    problems: list[str] = []
    for f in files:
        if f.is_dir():
            found = sorted([*f.glob("*.yaml"), *f.glob("*.yml")])
            if not found:
                problems.append(f"{f}: folder holds no scenario files (*.yaml, *.yml)")
            out.extend(found)
        elif f.exists():
            out.append(f)
        else:
            problems.append(f"{f}: no such file")
    return out, problems


def validate(
    files: list[Path] = typer.Argument(
        ...,
        help="Scenario files (YAML) to check; a folder stands for every *.yaml file in it.",
        metavar="FILE...",
        show_default=False,
    ),
) -> None:
    """Validate scenario files: print OK with the scenario's name, region, years and targets, or every error."""
    paths, problems = _expand(list(files))
    if problems:
        for p in problems:
            typer.echo(f"error: {p}", err=True)
        typer.echo("usage: jobsim validate FILE... (nothing was checked)", err=True)
        raise typer.Exit(EXIT_USAGE)

    n_invalid = 0
    for path in paths:
        try:
            s = load_scenario(path)
        except ScenarioError as err:
            n_invalid += 1
            n = len(err.issues)
            typer.echo(f"INVALID  {path}  ({n} problem{'s' if n != 1 else ''})")
            for line in str(err).splitlines():
                typer.echo(f"  {line}")
            continue
        except OSError as err:
            n_invalid += 1
            typer.echo(f"INVALID  {path}  (cannot read: {err.strerror or err})")
            continue
        typer.echo(f"OK  {path}  ({s.name}, {s.region}, {s.period}, {s.describe_targets()})")

    if len(paths) > 1:
        typer.echo(f"{len(paths) - n_invalid} of {len(paths)} scenario files valid")
    raise typer.Exit(EXIT_INVALID if n_invalid else EXIT_OK)
