"""`jobsim run` (one scenario: projection, yearly table, targets) and `jobsim run-bundled` (the what-ifs compared).

Every choice (scenario file, --out, --area, --out-dir) is checked before the first replicate starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from jobsim.model.cli import render
from jobsim.model.cli.errors import UsageError, handle_errors
from jobsim.model.cli.options import FormatOption, check_output_file, check_writable_folder
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
               "basis", "comparison", "target", "assumption", "status", "probability", "scenario_value",
               "scenario_meets"]
    return pd.concat([y, t], ignore_index=True).reindex(columns=columns)


def _scenario_and_checks(file: Path, out: Path | None, area: str | None):
    """The validated scenario; every usage problem raised before any work."""
    from jobsim.model import api

    if not file.is_file():
        raise UsageError(f"scenario file {file} does not exist" if not file.exists() else f"{file} is not a file")
    check_output_file(out, "--out", RESULT_SUFFIXES)
    scenario = api.load_scenario(file)
    if area is not None:
        try:
            api.check_area(scenario.region, area)
        except api.ChoiceError as exc:
            raise UsageError(f"--area: {exc}") from None
    return scenario


@handle_errors
def run(
    file: Path = typer.Argument(..., help="scenario file (YAML)"),
    out: Path | None = typer.Option(None, "--out", help="write the Dataset to this NetCDF file (.nc)"),
    replicates: int | None = typer.Option(None, "--replicates", min=1, help="replicates (default: the scenario's)"),
    seed: int | None = typer.Option(None, "--seed", min=0, help="random seed (default: the scenario's)"),
    scale: float | None = typer.Option(None, "--scale", min=1, help="persons per agent (default: the scenario's)"),
    workers: int = typer.Option(2, "--workers", min=1, help="worker processes for replicates"),
    area: str | None = typer.Option(None, "--area", help="area for the yearly table: the region or one of its cities"),
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Project a scenario month by month; print yearly indicators and the targets' probabilities."""
    from jobsim.model import api

    scenario = _scenario_and_checks(file, out, area)
    with Progress(scenario.name, total=replicates or scenario.replicates) as progress:
        ds = api.run(scenario, replicates=replicates, seed=seed, scale=scale, workers=workers,
                     progress=progress.replicate_done)
    area = area or scenario.region
    header = run_header(ds, scenario)
    yearly = api.yearly_table(ds, area)
    targets = api.scenario_targets(ds, scenario)
    if out is not None:
        api.write_results(ds, out)
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
    replicates: int | None = typer.Option(None, "--replicates", min=1),
    workers: int = typer.Option(2, "--workers", min=1),
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Run the bundled Jiangxi baseline and what-ifs on the bundled defaults and compare them."""
    from jobsim.model import api

    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out-dir {out_dir}: is a file, not a folder")
    check_writable_folder(out_dir, "--out-dir", create=True)
    scenarios = [api.load_scenario(path) for path in api.bundled_comparison()]  # all valid before any run
    datasets, first = {}, None
    for scenario in scenarios:
        with Progress(scenario.name, total=replicates or scenario.replicates) as progress:
            ds = api.run(scenario, replicates=replicates, workers=workers, progress=progress.replicate_done)
        api.write_results(ds, out_dir / f"{scenario.name}.nc")
        datasets[scenario.name] = ds
        first = first or (scenario, ds)
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
    render.say("\nScenarios against the baseline (whole period; extra = mean paired difference, same seeds):")
    print_comparison(comparison)
    render.say(f"\nresults in {out_dir}/ (NetCDF, one per scenario)")


# compare()'s columns: (header, unit the column is in, how it is shown).
COMPARISON_COLUMNS = (
    ("new_urban_jobs_10k", "new urban jobs, median", "10k persons"),
    ("new_jobs_p10", "p10", "10k persons"),
    ("new_jobs_p90", "p90", "10k persons"),
    ("surveyed_unemployment_pct", "surveyed unemployment", "percent"),
    ("spending_100m_yuan", "spending", "100M yuan"),
    ("extra_jobs_vs_baseline_10k", "extra jobs", "10k persons"),
    ("extra_jobs_se_10k", "± s.e.", "10k persons"),
    ("extra_cost_100m_yuan", "extra cost", "100M yuan"),
    ("cost_per_extra_job_yuan", "cost per extra job", "yuan"),
)


def print_comparison(table: "pd.DataFrame") -> None:
    rows = render.records(table)
    render.table(
        ["scenario", *(Col(header, "right") for _, header, _ in COMPARISON_COLUMNS)],
        ([r["scenario"], *(render.unit_style(unit).text(r[col]) if r[col] is not None else "-"
                           for col, _, unit in COMPARISON_COLUMNS)] for r in rows),
    )
