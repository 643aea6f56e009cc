"""`jobsim run` (one scenario: projection, yearly table, targets) and `jobsim run-bundled` (the what-ifs compared)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from jobsim.model.inputs.registry import label
from jobsim.model.experiments.compare import compare
from jobsim.model.outputs.results import evaluate_targets, yearly_summary
from jobsim.model.experiments.ensemble import run_scenario
from jobsim.model.outputs.store import write_dataset
from jobsim.model.inputs.scenario import ScenarioError, load_scenario
from jobsim.model.inputs.paths import scenarios_dir

BUNDLED_COMPARISON = ("jiangxi_baseline", "jiangxi_more_training", "jiangxi_loans_to_training", "jiangxi_more_posts")


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _progress(name: str):
    start = time.perf_counter()

    def report(done: int, total: int) -> None:
        if sys.stderr.isatty() or done == total:
            typer.echo(f"\r  {name}: {done}/{total} replicates ({time.perf_counter() - start:.1f}s)",
                       err=True, nl=done == total)
    return report


def format_yearly(ds, area: str | None = None) -> str:
    table = yearly_summary(ds, area)
    lines = []
    years = sorted(table["year"].unique())
    head = f"{'indicator':<44}{'unit':<18}" + "".join(f"{y:>22}" for y in years)
    lines.append(head)
    for v, g in table.groupby("variable", sort=False):
        unit = g["unit"].iloc[0]
        pct = unit == "percent"
        cells = []
        for _, r in g.sort_values("year").iterrows():
            fmt = (lambda x: f"{x:.2f}") if pct else (lambda x: f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}")
            cells.append(f"{fmt(r['median'])} [{fmt(r['p10'])}-{fmt(r['p90'])}]")
        name = f"{label(v, 'zh')} {label(v, 'en')}"
        lines.append(f"{name[:43]:<44}{unit:<18}" + "".join(f"{c:>22}" for c in cells))
    return "\n".join(lines)


def format_targets(table: pd.DataFrame) -> str:
    lines = [f"{'target':<40}{'area':<11}{'period':<11}{'goal':<20}{'model median [10-90%]':<30}{'P(meet)':>8}"]
    for _, r in table.iterrows():
        name = f"{r['label_zh']} {r['label_en']}"[:39]
        goal = f"{r['comparison']} {r['target']:g} {r['unit']}" + (" *" if r["assumption"] else "")
        if r["status"] == "evaluated":
            model = f"{r['median']:.2f} [{r['p10']:.2f}-{r['p90']:.2f}]"
            prob = f"{r['probability']:.0%}"
        else:
            model, prob = f"({r['status']})", "-"
        lines.append(f"{name:<40}{r['area']:<11}{r['period']:<11}{goal:<20}{model:<30}{prob:>8}")
    if table["assumption"].any():
        lines.append("* target value is an assumption, not from a source document")
    return "\n".join(lines)


def run(
    file: Path = typer.Argument(..., help="scenario file (YAML)"),
    out: Path | None = typer.Option(None, "--out", help="write the Dataset to this NetCDF file"),
    replicates: int | None = typer.Option(None, "--replicates", min=1, help="replicates (default: the scenario's)"),
    seed: int | None = typer.Option(None, "--seed", min=0, help="random seed (default: the scenario's)"),
    scale: float | None = typer.Option(None, "--scale", min=1, help="persons per agent (default: the scenario's)"),
    workers: int = typer.Option(2, "--workers", min=1, help="worker processes for replicates"),
    area: str | None = typer.Option(None, "--area", help="area for the yearly table (default: the region)"),
) -> None:
    """Project a scenario month by month; print yearly indicators and the targets' probabilities."""
    if not file.exists():
        _fail(f"scenario file {file} does not exist")
    if out is not None and out.suffix != ".nc":
        _fail(f"--out: {out} must end in .nc (NetCDF)")
    try:
        scenario = load_scenario(file)
    except ScenarioError as e:
        _fail(str(e), code=1)
    ds = run_scenario(scenario, replicates=replicates, seed=seed, scale=scale, workers=workers,
                      progress=_progress(scenario.name))
    areas = [str(a) for a in ds["area"].values]
    if area is not None and area not in areas:
        _fail(f"--area: {area!r} is not in this run; areas: {', '.join(areas)}")
    typer.echo(f"\n{scenario.name}: {scenario.region} {scenario.period.first_year}-{scenario.period.last_year}, "
               f"{ds.sizes['replicate']} replicates, seed {ds.attrs['seed']}, 1 agent = {ds.attrs['scale']:g} persons")
    typer.echo(format_yearly(ds, area))
    targets = scenario.target_list()
    if targets:
        typer.echo(f"\nTargets ({scenario.describe_targets()}):")
        typer.echo(format_targets(evaluate_targets(ds, targets)))
    if out is not None:
        write_dataset(ds, out)
        typer.echo(f"\nwrote {out}")


def run_bundled(
    out_dir: Path = typer.Option(Path("out"), "--out-dir", help="folder for the NetCDF results"),
    replicates: int | None = typer.Option(None, "--replicates", min=1),
    workers: int = typer.Option(2, "--workers", min=1),
) -> None:
    """Run the bundled Jiangxi baseline and what-ifs on the bundled defaults and compare them."""
    datasets = {}
    for name in BUNDLED_COMPARISON:
        path = scenarios_dir() / f"{name}.yaml"
        try:
            scenario = load_scenario(path)
        except ScenarioError as e:
            _fail(str(e), code=1)
        ds = run_scenario(scenario, replicates=replicates, workers=workers, progress=_progress(name))
        write_dataset(ds, out_dir / f"{name}.nc")
        datasets[name] = ds
        if name == BUNDLED_COMPARISON[0]:
            typer.echo(f"\n{name}: {scenario.region} {scenario.period.first_year}-{scenario.period.last_year}, "
                       f"{ds.sizes['replicate']} replicates, 1 agent = {ds.attrs['scale']:g} persons")
            typer.echo(format_yearly(ds))
            typer.echo(f"\nTargets ({scenario.describe_targets()}):")
            typer.echo(format_targets(evaluate_targets(ds, scenario.target_list())))
    table = compare(datasets)
    typer.echo("\nScenarios against the baseline (whole period; extra = mean paired difference, same seeds):")
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:,.2f}".format):
        typer.echo(table.set_index("scenario").T.to_string())
    typer.echo(f"\nresults in {out_dir}/ (NetCDF, one per scenario)")
