"""`jobsim run` (one scenario: projection, yearly table, targets) and `jobsim run-bundled` (the what-ifs compared).

Every choice (scenario file, --out, --area, --out-dir, --replicates, --scale, --seed) is checked before the
first replicate starts, the run's memory and time are estimated (refused when it needs more memory than the
machine has, unless --force; announced when it is large), and each output file is locked from then until
it is written (a second run writing the same file is refused at once).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from jobsim.model.cli import render
from jobsim.model.cli.errors import UsageError, handle_errors, on_interrupt
from jobsim.model.cli.options import (
    ForceOption,
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
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Project a scenario month by month; print yearly indicators and the targets' probabilities."""
    from jobsim.model import api

    scenario = _scenario_and_checks(file, out, area, replicates, seed, scale)
    check_estimate([api.estimate_run(scenario, replicates=replicates, scale=scale, workers=workers)], force,
                   f"this run of {scenario.name}")
    with claimed_outputs([("--out", out)] if out is not None else []):
        with Progress(scenario.name, total=replicates or scenario.replicates) as progress:
            ds = api.run(scenario, replicates=replicates, seed=seed, scale=scale, workers=workers,
                         progress=progress.replicate_done)
        area = area or scenario.region
        header = run_header(ds, scenario)
        yearly = api.yearly_table(ds, area)
        targets = api.scenario_targets(ds, scenario)
        if out is not None:
            api.write_results(ds, out)
            on_interrupt(f"{out} was written and is complete; the report was not printed (`jobsim run` again, "
                         "or read the file)")
    if fmt is OutputFormat.table:
        render.say("\n" + header_line(header))
        print_yearly(yearly, area)
        if len(targets):
            print_targets(targets, scenario.describe_targets())
        if out is not None:
            render.say(f"\nwrote {out}")
        return
    if fmt is OutputFormat.csv:
        render.emit_data(fmt, results_frame(yearly, targets, area))
    else:
        render.emit_data(fmt, document={**header, "area": area, "yearly": render.records(yearly),
                                        "targets": render.records(targets)})
    if out is not None:
        typer.echo(f"wrote {out}", err=True)  # stdout stays the data


@handle_errors
def run_bundled(
    out_dir: Path = typer.Option(Path("out"), "--out-dir", help="folder for the NetCDF results (made if missing)"),
    replicates: int | None = typer.Option(None, "--replicates", help="replicates, 1 to 1000 (default: each scenario's)"),
    workers: int = typer.Option(2, "--workers", min=1),
    force: ForceOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Run the bundled Jiangxi baseline and what-ifs on the bundled defaults and compare them."""
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
                with Progress(scenario.name, total=replicates or scenario.replicates) as progress:
                    ds = api.run(scenario, replicates=replicates, workers=workers, progress=progress.replicate_done)
                api.write_results(ds, path)
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
    comparison = api.compare(datasets)
    if fmt is not OutputFormat.table:
        yearly = api.yearly_table(base_ds)
        targets = api.scenario_targets(base_ds, base)
        if fmt is OutputFormat.csv:
            render.emit_data(fmt, comparison)
        else:
            render.emit_data(fmt, document={"baseline": {**run_header(base_ds, base), "yearly": render.records(yearly),
                                                         "targets": render.records(targets)},
                                            "comparison": render.records(comparison), "out_dir": str(out_dir)})
        return
    render.say("\n" + header_line(run_header(base_ds, base), with_seed=False))
    print_yearly(api.yearly_table(base_ds), base.region)
    print_targets(api.scenario_targets(base_ds, base), base.describe_targets())
    render.say("\nScenarios against the baseline (whole period; gross and net; Δ = mean paired difference, same seeds):")
    print_comparison(comparison)
    render.say(f"\nresults in {out_dir}/ (NetCDF, one per scenario)")


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:  # not empty (the user put something there meanwhile) or already gone: leave it
        pass


# compare()'s columns as the table shows them. Levels: (column, header, unit the column is in); the
# medians over replicates. Effects: (difference column, its standard-error column, header, unit); each
# shown 'mean paired difference ± standard error'. Costs: (column, header, unit).
COMPARISON_LEVELS = (
    ("new_urban_jobs_10k", "new urban jobs (gross)", "10k persons"),
    ("jobs_held_end_10k", "jobs held at end", "10k persons"),
    ("person_years_10k", "person-years employed", "10k person-years"),
    ("surveyed_unemployment_pct", "surveyed unemployment", "percent"),
    ("spending_100m_yuan", "spending", "100M yuan"),
)
COMPARISON_EFFECTS = (
    ("new_urban_jobs_diff_10k", "new_urban_jobs_diff_se_10k", "Δ new urban jobs", "10k persons"),
    ("jobs_held_end_diff_10k", "jobs_held_end_diff_se_10k", "Δ jobs held at end", "10k persons"),
    ("person_years_diff_10k", "person_years_diff_se_10k", "Δ person-years", "10k person-years"),
    ("surveyed_unemployment_diff_pp", "surveyed_unemployment_diff_se_pp", "Δ surveyed rate", "percent"),
)
COMPARISON_COSTS = (
    ("extra_cost_100m_yuan", "extra cost", "100M yuan"),
    ("cost_per_extra_job_yuan", "per extra counted job", "yuan"),
    ("cost_per_extra_job_held_yuan", "per extra job held", "yuan"),
)
COMPARISON_LEGEND = (
    "levels: medians over replicates, whole period (new urban jobs and person-years summed, jobs held in the last "
    "December, the surveyed rate averaged); Δ: mean difference from the baseline's run with the same seed ± its "
    "standard error (pp = percentage points). New urban jobs is a gross flow (a re-hire counts again); jobs held "
    "and person-years are net: a lever that adds counted jobs but not jobs held adds churn.")


def _cell(r: dict, col: str, unit: str) -> str:
    return render.unit_style(unit).text(r[col]) if r.get(col) is not None else "-"


def print_comparison(table: "pd.DataFrame") -> None:
    rows = []
    for k, r in enumerate(render.records(table)):
        jobs = render.band(render.unit_style("10k persons"), r["new_urban_jobs_10k"], r["new_jobs_p10"],
                           r["new_jobs_p90"]) if r.get("new_jobs_p10") is not None else _cell(r, "new_urban_jobs_10k", "10k persons")
        levels = [jobs, *(_cell(r, col, unit) for col, _, unit in COMPARISON_LEVELS[1:])]
        effects = [render.plus_minus(render.unit_style(unit), r[d], r[se] if r.get(se) is not None else float("nan"))
                   if r.get(d) is not None else "-" for d, se, _, unit in COMPARISON_EFFECTS]
        costs = [_cell(r, col, unit) for col, _, unit in COMPARISON_COSTS]
        if k == 0:  # the baseline: no effect against itself
            effects, costs = [render.DASH] * len(effects), [render.DASH] * len(costs)
        scenario = r["scenario"] if r.get("paired", True) else f"{r['scenario']} (unpaired)"
        rows.append([scenario, *levels, *effects, *costs])
    headers = [f"{COMPARISON_LEVELS[0][1]} [p10{render.DASH}p90]", *(h for _, h, _ in COMPARISON_LEVELS[1:]),
               *(f"{h} ± s.e." for _, _, h, _ in COMPARISON_EFFECTS), *(h for _, h, _ in COMPARISON_COSTS)]
    render.table(["scenario", *(Col(h, "right") for h in headers)], rows)
    render.say(COMPARISON_LEGEND)
