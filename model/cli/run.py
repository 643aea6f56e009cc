"""`jobsim run` (one scenario: projection, yearly table, targets) and `jobsim run-bundled` (the what-ifs compared).

Every choice (scenario file, --out, --area, --out-dir, --replicates, --scale, --seed) is checked before the
first replicate starts, the run's memory and time are estimated (refused when it needs more memory than the
machine has, unless --force; announced when it is large), and each output file is locked from then until
it is written (a second run writing the same file is refused at once). A stored result (--out, --out-dir) is
recorded in its folder's run catalogue, and an identical request is served from there instead of being
simulated again (--no-cache to compute anyway; model/outputs/run_catalogue.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from jobsim.model.cli import render
from jobsim.model.cli.compare import print_comparison
from jobsim.model.cli.errors import UsageError, handle_errors, on_interrupt
from jobsim.model.cli.options import (
    ForceOption,
    NoCacheOption,
    FormatOption,
    check_choice,
    check_output_file,
    check_writable_folder,
    claimed_outputs,
    make_output_folder,
)
from jobsim.model.cli.progress import Progress
from jobsim.model.cli.render import Col, OutputFormat

if TYPE_CHECKING:
    import pandas as pd

RESULT_SUFFIXES = (".nc",)
ASSUMED_MARK = "*"


# ---- what a run prints ------------------------------------------------------------------------------


def run_header(ds, scenario) -> dict:
    """The facts of a run that head its report (and its JSON)."""
    return {
        "scenario": scenario.name, "region": scenario.region, "first_year": scenario.period.first_year,
        "last_year": scenario.period.last_year, "replicates": int(ds.sizes["replicate"]), "seed": int(ds.attrs["seed"]),
        "scale": float(ds.attrs["scale"]), "targets": scenario.describe_targets(),
    }


def header_line(h: dict, with_seed: bool = True) -> str:
    seed = f", seed {h['seed']}" if with_seed else ""
    return (f"{h['scenario']}: {h['region']} {h['first_year']}-{h['last_year']}, {h['replicates']} replicates{seed}, "
            f"1 agent = {h['scale']:g} persons")


def print_yearly(yearly: "pd.DataFrame", area: str) -> None:
    """Indicators (rows) by year (columns), each cell 'median [p10–p90]' with 万/亿."""
    years = sorted(int(y) for y in yearly["year"].unique())
    rows = []
    for _, g in yearly.groupby("variable", sort=False):
        first = g.iloc[0]
        style = render.unit_style(first["unit"])
        by_year = {int(r["year"]): render.band(style, r["median"], r["p10"], r["p90"]) for _, r in g.iterrows()}
        rows.append([f"{first['label_zh']} {first['label_en']}", style.label, *(by_year.get(y, "") for y in years)])
    render.table(["indicator", "unit", *(Col(str(y), "right") for y in years)], rows,
                 title=f"{area}, by year")
    render.say(render.LEGEND)


def _goal(r: dict) -> str:
    style = render.unit_style(r["unit"])
    text = f"{r['comparison']} {style.with_unit(r['target'])}"
    tolerance = r.get("tolerance")
    if tolerance not in (None, "") and tolerance == tolerance and float(tolerance) != 0 and r["comparison"] != "about":
        text += f" (tolerance {style.with_unit(tolerance)})"
    return text + (f" {ASSUMED_MARK}" if r["assumption"] else "")


def print_targets(table: "pd.DataFrame", described: str) -> None:
    """Evaluated targets with their probability; targets the scenario sets; then those not judged, once."""
    from jobsim.model import api

    rows = render.records(table)
    evaluated = [r for r in rows if r["status"] == "evaluated"]
    set_by_scenario = [r for r in rows if r["status"] == api.SET_BY_SCENARIO]
    not_modelled = [r for r in rows if r["status"] == "not modelled"]
    not_judged = [r for r in rows if r not in evaluated + set_by_scenario + not_modelled]

    render.say(f"\nTargets ({described}):")
    if evaluated:
        render.table(
            ["target", "area", "period", "goal",
             Col(f"model median [p10{render.DASH}p90]", "right"), Col("P(meet)", "right")],
            ([f"{r['label_zh']} {r['label_en']}", r["area"], r["period"], _goal(r),
              render.band(render.unit_style(r["unit"]), r["median"], r["p10"], r["p90"]), f"{r['probability']:.0%}"]
             for r in evaluated),
        )
    if set_by_scenario:
        render.say("\nSet by the scenario (lever inputs: met by the planner's choice, so no probability):")
        render.table(
            ["target", "area", "period", "goal", Col("scenario", "right"), "meets goal",
             Col(f"model median [p10{render.DASH}p90]", "right")],
            ([f"{r['label_zh']} {r['label_en']}", r["area"], r["period"], _goal(r),
              render.unit_style(r["unit"]).with_unit(r["scenario_value"]) if r["scenario_value"] is not None
              else "region's volume", _meets(r["scenario_meets"]),
              render.band(render.unit_style(r["unit"]), r["median"], r["p10"], r["p90"])] for r in set_by_scenario),
        )
    if not_modelled:
        render.say(f"\nNot modelled ({len(not_modelled)} targets the model does not simulate):")
        for r in not_modelled:
            render.say(f"  {r['label_zh']} {r['label_en']}: {r['area']} {r['period']} {_goal(r)}")
    if not_judged:
        render.say("\nNot judged by this run:")
        for r in not_judged:
            render.say(f"  {r['label_zh']} {r['label_en']}: {r['area']} {r['period']} {_goal(r)} ({r['status']})")
    if any(r["assumption"] for r in rows):
        render.say(f"{ASSUMED_MARK} target value is an assumption, not from a source document")


def _meets(value: object) -> str:
    return "yes" if value is True else "no" if value is False else "-"


def results_frame(yearly: "pd.DataFrame", targets: "pd.DataFrame", area: str) -> "pd.DataFrame":
    """One CSV table of a run: the yearly rows (section 'yearly') then the target rows (section 'target')."""
    import pandas as pd

    y = yearly.assign(section="yearly", area=area, period=yearly["year"].astype(str))
    t = targets.rename(columns={"indicator": "variable"}).assign(section="target")
    columns = ["section", "variable", "label_zh", "label_en", "area", "period", "unit", "median", "p10", "p90",
               "basis", "comparison", "target", "tolerance", "wording", "reading", "assumption", "status",
               "probability", "scenario_value", "scenario_meets"]
    return pd.concat([y, t], ignore_index=True).reindex(columns=columns)


def _scenario_and_checks(file: Path, out: Path | None, area: str | None, replicates: int | None,
                         seed: int | None, scale: float | None):
    """The validated scenario; every usage problem raised before any work."""
    from jobsim.model import api

    if not file.is_file():
        raise UsageError(f"scenario file {file} does not exist" if not file.exists() else f"{file} is not a file")
    check_output_file(out, "--out", RESULT_SUFFIXES)
    check_run_numbers(replicates, seed)
    if scale is not None:  # the rules of every scale first, then (with the scenario) its region's bound
        check_choice(api.check_scale, scale, "--scale")
    scenario = api.load_scenario(file)
    if scale is not None:
        check_choice(lambda value: api.check_scale(value, scenario.region), scale, "--scale")
    if area is not None:
        check_choice(lambda name: api.check_area(scenario.region, name), area, "--area")
    return scenario


def check_run_numbers(replicates: int | None, seed: int | None = None) -> None:
    """--replicates and --seed (when given) by the rules of a scenario file's `replicates` and `seed`."""
    from jobsim.model import api

    if replicates is not None:
        check_choice(api.check_replicates, replicates, "--replicates")
    if seed is not None:
        check_choice(api.check_seed, seed, "--seed")


# ---- what a run will cost ---------------------------------------------------------------------------

KILO = 1000
SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3600


def agents_text(n: int) -> str:
    """24_700_000 -> '24.7M', 278_200 -> '278k', 950 -> '950'."""
    if n >= KILO**2:
        return f"{n / KILO**2:.3g}M"
    if n >= KILO:
        return f"{n / KILO:.3g}k"
    return str(n)


def bytes_text(n: float) -> str:
    """Memory in GB (one decimal) from a gigabyte up, else in MB."""
    gigabyte = 2**30
    return f"{n / gigabyte:.1f} GB" if n >= gigabyte else f"{n / 2**20:.0f} MB"


def duration_text(seconds: float) -> str:
    """'~40 s', '~12 min', '~3.5 h'."""
    if seconds < SECONDS_PER_MINUTE:
        return f"~{max(seconds, 1):.0f} s"
    if seconds < SECONDS_PER_HOUR:
        return f"~{seconds / SECONDS_PER_MINUTE:.0f} min"
    return f"~{seconds / SECONDS_PER_HOUR:.1f} h"


def estimate_text(e) -> str:
    """'about 24.7M agents, 8.1 GB with 2 workers, ~40 min' (e: an api.RunEstimate)."""
    how = f"with {e.workers} workers" if e.workers > 1 else "in one process"
    return (f"about {agents_text(e.agents)} agents per replicate, {e.replicates} replicates, "
            f"{bytes_text(e.peak_bytes)} {how}, {duration_text(e.seconds)}")


def check_estimate(estimates: list, force: bool, what: str) -> None:
    """Refuse (a usage error) a run whose estimated peak memory exceeds the machine's available memory,
    unless --force; announce a large one (api.RunEstimate.is_large) on stderr before it starts."""
    too_big = [e for e in estimates if e.exceeds_memory]
    if too_big and not force:
        e = max(too_big, key=lambda e: e.peak_bytes)
        raise UsageError(f"{what} needs {estimate_text(e)}: more than the {bytes_text(e.available_bytes)} of memory "
                         f"{e.available_source}; give a larger --scale, fewer --workers or --replicates, or --force "
                         "to run anyway")
    for e in estimates:
        if e.is_large or e.exceeds_memory:
            typer.echo(f"  estimate for {what}: {estimate_text(e)}", err=True)


@handle_errors
def run(
    file: Path = typer.Argument(..., help="scenario file (YAML)"),
    out: Path | None = typer.Option(None, "--out", help="write the Dataset to this NetCDF file (.nc)"),
    replicates: int | None = typer.Option(None, "--replicates", help="replicates, 1 to 1000 (default: the scenario's)"),
    seed: int | None = typer.Option(None, "--seed", help="random seed, 0 to 2**63 - 1 (default: the scenario's)"),
    scale: float | None = typer.Option(None, "--scale", help="persons per agent, a whole number (default: the scenario's)"),
    workers: int = typer.Option(2, "--workers", min=1, help="worker processes for replicates"),
    area: str | None = typer.Option(None, "--area", help="area for the yearly table: the region or one of its cities"),
    force: ForceOption = False,
    no_cache: NoCacheOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Project a scenario month by month; print yearly indicators and the targets' probabilities.

    With --out, the run is recorded in the run catalogue of the file's folder, and an identical request
    is served from it instead of being computed again (`jobsim runs list`)."""
    from jobsim.model import api

    scenario = _scenario_and_checks(file, out, area, replicates, seed, scale)
    check_estimate([api.estimate_run(scenario, replicates=replicates, scale=scale, workers=workers)], force,
                   f"this run of {scenario.name}")
    stored = None
    with claimed_outputs([("--out", out)] if out is not None else []):
        if out is None:
            with Progress(scenario.name, total=replicates or scenario.replicates) as progress:
                ds = api.run(scenario, replicates=replicates, seed=seed, scale=scale, workers=workers,
                             progress=progress.replicate_done)
        else:
            stored = run_stored(scenario, out, "--out", no_cache, workers, replicates=replicates, seed=seed,
                                scale=scale)
            ds = stored.value
            on_interrupt(f"{out} was written and is complete; the report was not printed (`jobsim run` again, "
                         "or read the file)")
        area = area or scenario.region
        header = run_header(ds, scenario)
        yearly = api.yearly_table(ds, area)
        targets = api.scenario_targets(ds, scenario)
    if stored is not None and stored.served:
        typer.echo(served_line(out, stored.entry), err=fmt is not OutputFormat.table)
    if fmt is OutputFormat.table:
        render.say("\n" + header_line(header))
        print_yearly(yearly, area)
        if len(targets):
            print_targets(targets, scenario.describe_targets())
        if out is not None and not (stored is not None and stored.served):
            render.say(f"\nwrote {out}")
        return
    if fmt is OutputFormat.csv:
        render.emit_data(fmt, results_frame(yearly, targets, area))
    else:
        catalogue = {} if stored is None else {"catalogue": catalogue_record(stored)}
        render.emit_data(fmt, document={**header, "area": area, "yearly": render.records(yearly),
                                        "targets": render.records(targets), **catalogue})
    if out is not None and not (stored is not None and stored.served):
        typer.echo(f"wrote {out}", err=True)  # stdout stays the data


@handle_errors
def run_bundled(
    out_dir: Path = typer.Option(Path("out"), "--out-dir", help="folder for the NetCDF results (made if missing)"),
    replicates: int | None = typer.Option(None, "--replicates", help="replicates, 1 to 1000 (default: each scenario's)"),
    workers: int = typer.Option(2, "--workers", min=1),
    force: ForceOption = False,
    no_cache: NoCacheOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Run the bundled Jiangxi baseline and what-ifs on the bundled defaults and compare them.

    Each result is recorded in the run catalogue of --out-dir; an identical request is served from it."""
    from jobsim.model import api

    check_writable_folder(out_dir, "--out-dir", create=True)
    check_run_numbers(replicates)
    scenarios = [api.load_scenario(path) for path in api.bundled_comparison()]  # all valid before any run
    outputs = [out_dir / f"{scenario.name}.nc" for scenario in scenarios]
    check_estimate([api.estimate_run(s, replicates=replicates, workers=workers) for s in scenarios], force,
                   "each bundled scenario")
    made = make_output_folder(out_dir, "--out-dir")
    datasets, first, kept = {}, None, []
    try:
        with claimed_outputs([("--out-dir", path) for path in outputs]):
            for scenario, path in zip(scenarios, outputs):
                stored = run_stored(scenario, path, "--out-dir", no_cache, workers, replicates=replicates)
                ds = stored.value
                if stored.served:
                    typer.echo(served_line(path, stored.entry), err=True)
                kept.append(str(path))
                on_interrupt(f"kept {', '.join(kept)} (complete); {len(scenarios) - len(kept)} of {len(scenarios)} "
                             "scenarios not run; rerun the same command to run them all")
                datasets[scenario.name] = ds
                first = first or (scenario, ds)
    finally:
        if made and not kept:  # a folder made for results that never came: do not leave it behind
            _remove_if_empty(out_dir)
    on_interrupt(f"kept {', '.join(kept)} (complete, all {len(scenarios)} scenarios); the comparison was not "
                 "printed: rerun the same command")
    base, base_ds = first
    # The same comparison as `jobsim compare` (paired by replicate seed: the bundled what-ifs share the
    # baseline's seed); csv and json keep the one-row-per-scenario table they always had.
    compared = api.comparison_dataset(datasets, baseline=base.name, scenarios={s.name: s for s in scenarios},
                                      sources={s.name: str(path) for s, path in zip(scenarios, api.bundled_comparison())})
    comparison = api.comparison_frame(compared)
    if fmt is not OutputFormat.table:
        yearly = api.yearly_table(base_ds)
        targets = api.scenario_targets(base_ds, base)
        if fmt is OutputFormat.csv:
            render.emit_data(fmt, comparison)
        else:
            render.emit_data(fmt, document={"baseline": {**run_header(base_ds, base), "yearly": render.records(yearly),
                                                         "targets": render.records(targets)},
                                            "comparison": render.records(comparison),
                                            "comparison_tables": {name: render.records(frame) for name, frame
                                                                  in api.comparison_tables(compared).items()},
                                            "out_dir": str(out_dir)})
        return
    render.say("\n" + header_line(run_header(base_ds, base), with_seed=False))
    print_yearly(api.yearly_table(base_ds), base.region)
    print_targets(api.scenario_targets(base_ds, base), base.describe_targets())
    render.say("\nScenarios against the baseline (whole period; gross and net; paired by replicate seed):\n")
    print_comparison(api.comparison_tables(compared))
    render.say(f"\nresults in {out_dir}/ (NetCDF, one per scenario)")


# ---- stored runs: the run catalogue of the results folder ---------------------------------------------


def run_stored(scenario, out: Path, option: str, recompute: bool, workers: int, **numbers):
    """The run of `scenario` stored in `out`: served from the catalogue of its folder when recorded there,
    else computed (with a progress bar) and recorded. The API's run_catalogue.Cached (`.value` the Dataset)."""
    from jobsim.model import api

    try:
        stored = api.stored_run(scenario, out, recompute=recompute, **numbers)
        if stored.served:
            return stored.result()
        with Progress(scenario.name, total=len(stored.plan.specs)) as progress:
            return stored.result(workers=workers, progress=progress.replicate_done)
    except api.RequestInProgressError as exc:  # like a second writer of the same file: the caller's to resolve
        raise UsageError(f"{option} {out}: {exc}") from None


def served_line(out: Path, entry) -> str:
    """The one line saying a result was served from the catalogue, not computed."""
    copied = f", copied from {entry.stored_path}" if entry.path.resolve() != out.resolve() else ""
    return (f"{out}: served from the run catalogue (id {entry.short_id}, computed {entry.finished_at}{copied}), "
            "not recomputed; --no-cache computes it again")


def catalogue_record(stored) -> dict:
    """What a JSON report says about the catalogue entry of its stored result."""
    e = stored.entry
    return {"id": e.id, "served": stored.served, "computed_at": e.finished_at, "path": str(e.path)}


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:  # not empty (the user put something there meanwhile) or already gone: leave it
        pass
