"""`jobsim validate`: check scenario files (and sweep files, the scenario index, data folders) and report every
problem; writes nothing.

Exit codes (model/cli/errors.py): 0 when every file is valid, 1 when any is invalid, 2 for usage errors
(a file or folder that does not exist, a folder without scenario files). Problems go to stdout, as the
report this command is for; usage errors to stderr.
"""

from __future__ import annotations

from pathlib import Path

import typer

from jobsim.model.cli.errors import EXIT_INVALID, EXIT_OK, EXIT_USAGE, handle_errors


def _expand(files: list[Path]) -> tuple[list[Path], list[Path], list[str]]:
    """Files as given, folders replaced by their scenario files (*.yaml / *.yml, not the scenario index);
    the data (region) folders named, checked as a whole; and the usage problems."""
    from jobsim.model import api

    out: list[Path] = []
    folders: list[Path] = []
    problems: list[str] = []
    for f in files:
        if f.is_dir() and api.is_data_folder(f):
            folders.append(f)
        elif f.is_dir():
            found = sorted(p for p in [*f.glob("*.yaml"), *f.glob("*.yml")] if not api.is_scenario_index(p))
            if not found:
                problems.append(f"{f}: folder holds no scenario files (*.yaml, *.yml)")
            out.extend(found)
        elif f.exists():
            out.append(f)
        else:
            problems.append(f"{f}: no such file")
    return out, folders, problems


def _report(path: Path, kind: str, ok_text: str, problems: list[str]) -> bool:
    """Print OK or INVALID with every problem for one index file or data folder; True when invalid."""
    if not problems:
        typer.echo(f"OK  {path}  ({ok_text})")
        return False
    n = len(problems)
    typer.echo(f"INVALID  {path}  ({kind}, {n} problem{'s' if n != 1 else ''})")
    for line in problems:
        typer.echo(f"  {line}")
    return True


def _validate_sweep(api, path: Path) -> bool:
    """OK with the design's size, or every problem of a sweep file (its fields, and every sample's scenario
    when the sweeps extra can draw the design); True when invalid."""
    try:
        sweep = api.load_sweep_file(path)
        try:
            n = len(api.plan_sweep(sweep).samples)  # every sample's scenario validated, nothing run
            size = f"{n:,} samples x {sweep.replicates} replicates"
        except api.SweepsExtraMissing:
            size = "the samples not checked: the sweeps extra is not installed"
    except api.ScenarioError as err:  # a SweepError is one
        n = len(err.issues)
        typer.echo(f"INVALID  {path}  (sweep file, {n} problem{'s' if n != 1 else ''})")
        for line in str(err).splitlines():
            typer.echo(f"  {line}")
        return True
    typer.echo(f"OK  {path}  (sweep file: {sweep.name}, {sweep.design} over {', '.join(f.field for f in sweep.factors)}, "
               f"base {sweep.base.name}, {size})")
    return False


@handle_errors
def validate(
    files: list[Path] = typer.Argument(
        ...,
        help="Scenario files (YAML) to check; a folder stands for every *.yaml file in it; a data (region) "
             "folder is checked as a whole (facts, parameters, history, targets, its scenarios).",
        metavar="FILE...",
        show_default=False,
    ),
) -> None:
    """Validate scenario files: print OK with the scenario's name, region, years and targets, or every error."""
    from jobsim.model import api

    paths, folders, problems = _expand(list(files))
    if problems:
        for p in problems:
            typer.echo(f"error: {p}", err=True)
        typer.echo("usage: jobsim validate FILE... (nothing was checked)", err=True)
        raise typer.Exit(EXIT_USAGE)

    # A scenario index named on the command line (`jobsim validate scenarios/*.yaml` names index.yaml) is
    # checked as what it is: the baselines and the bundled comparison, not a scenario.
    indexes = [p for p in paths if api.is_scenario_index(p)]
    paths = [p for p in paths if not api.is_scenario_index(p)]
    n_invalid_indexes = sum(_report(path, "scenario index", "scenario index: baselines and the bundled comparison",
                                    api.validate_scenario_index(path)) for path in indexes)
    n_invalid = sum(_report(folder, "data folder", "data folder", api.check_region_folder(folder)) for folder in folders)
    sweeps = [p for p in paths if api.is_sweep_file(p)]
    paths = [p for p in paths if p not in sweeps]
    n_invalid += sum(_validate_sweep(api, path) for path in sweeps)
    for path in paths:
        try:
            s = api.load_scenario(path)
        except api.ScenarioError as err:
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
        based = f", based on {' <- '.join(b.ref for b in s.base_chain)}" if s.base_chain else ""
        typer.echo(f"OK  {path}  ({s.name}, {s.region}, {s.period}, {s.describe_targets()}{based})")

    if len(paths) > 1:
        typer.echo(f"{len(paths) - n_invalid} of {len(paths)} scenario files valid")
    raise typer.Exit(EXIT_INVALID if n_invalid or n_invalid_indexes else EXIT_OK)
