"""`jobsim data`: the regions and what data each has, a region's history and targets, the target sets, the
assumptions. The tables come from jobsim.model.api; this module only checks options and renders them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from jobsim.model.cli import render
from jobsim.model.cli.errors import UsageError, handle_errors
from jobsim.model.cli.options import FormatOption, check_input_files
from jobsim.model.cli.render import Col, OutputFormat

data_app = typer.Typer(
    help="Regional data: regions, history, targets and assumptions (with sources).",
    no_args_is_help=True,
    add_completion=False,
)


def _choice(check, value: str, option: str) -> str:
    """Run an API check of a name; its ChoiceError becomes a usage error naming the option."""
    from jobsim.model import api

    try:
        return check(value)
    except api.ChoiceError as exc:
        raise UsageError(f"{option}: {exc}") from None


@data_app.command("list")
@handle_errors
def list_regions(fmt: FormatOption = OutputFormat.table) -> None:
    """Regions with their level and parent, and what data each has (history, target sets, facts)."""
    from jobsim.model import api

    regions = api.regions_table()
    if fmt is not OutputFormat.table:
        render.emit_data(fmt, regions)
        return
    render.table(
        ["id", "名称", "name", "level", "parent", Col("history indicators", "right"), Col("history rows", "right"),
         "target sets", Col("facts sourced/derived/assumed", "right")],
        ([r["id"], r["name_zh"], r["name_en"], r["level"], r["parent"], r["history_indicators"], r["history_rows"],
          r["target_sets"] or "-", f"{r['facts_sourced']}/{r['facts_derived']}/{r['facts_assumed']}"]
         for r in regions.to_dict("records")),
    )


@data_app.command("show")
@handle_errors
def show(
    region: Annotated[str, typer.Option("--region", help="Region id, e.g. Jiangxi, Fuzhou (see `jobsim data list`).")],
    indicator: Annotated[
        Optional[str], typer.Option("--indicator", help="Only this indicator id, e.g. new_urban_jobs.")
    ] = None,
    data: Annotated[
        Optional[list[Path]],
        typer.Option(
            "--data",
            help="Your own history file in the history.csv schema (repeatable); its rows add to the bundled "
            "ones and replace bundled rows with the same region, indicator, start, end and stat.",
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """A region's history rows and targets, in planners' units (万人, 亿元, %), with Chinese labels."""
    from jobsim.model import api

    _choice(api.check_region, region, "--region")
    if indicator is not None:
        _choice(api.check_indicator, indicator, "--indicator")
    check_input_files(data, "--data")
    rows = api.region_data(region, indicator, data_files=data)
    if fmt is not OutputFormat.table:
        render.emit_data(fmt, rows)
        return
    info = api.region_summary(region)
    parent = f", in {info['parent']}" if info["parent"] else ""
    render.say(f"{region} {info['name_zh']} ({info['level']}{parent})")
    what = f" for {indicator}" if indicator else ""
    history = rows[rows["section"] == "history"]
    targets = rows[rows["section"] != "history"]
    render.say(f"\nHistory{what}: {len(history)} rows")
    if len(history):
        render.table(
            ["indicator", "指标", "period", "how", Col("value", "right"), "unit", "vintage", Col("source", free_text=True)],
            ([r["indicator"], r["label_zh"], r["period"], r["how"], render.number(r["value"], 4),
              _unit_label(r["unit"]), r["vintage"], r["source"]] for r in history.to_dict("records")),
        )
    render.say(f"\nTargets{what}: {len(targets)} rows")
    if len(targets):
        render.table(
            ["set", "indicator", "指标", "period", "how", "comparison", Col("value", "right"), "unit", "vintage"],
            ([r["set"], r["indicator"], r["label_zh"], r["period"], r["how"], _comparison(r["comparison"], r["tolerance"]),
              render.number(r["value"], 4), _unit_label(r["unit"]), r["vintage"]] for r in targets.to_dict("records")),
        )


def _unit_label(unit: str) -> str:
    """'万人 (10k persons)': the Chinese label with the registry's unit name."""
    from jobsim.model import api

    table = api.units()
    return f"{table.at[unit, 'label_zh']} ({unit})" if unit in table.index else unit


def _comparison(comparison: str, tolerance: float) -> str:
    return f"{comparison} ±{render.number(tolerance, 4)}" if comparison == "about" and tolerance == tolerance else comparison


@data_app.command("targets")
@handle_errors
def targets(
    name: Annotated[Optional[str], typer.Option("--set", help="Only this target set (see the list without --set).")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The named target sets and their targets (area, indicator, years, basis, comparison, value)."""
    from jobsim.model import api

    if name is not None:
        _choice(api.check_target_set, name, "--set")
    table = api.target_sets_table(name)
    if fmt is not OutputFormat.table:
        render.emit_data(fmt, table)
        return
    if name is None:
        sets = list(dict.fromkeys(table["set"]))
        render.say(f"{len(sets)} target sets: {', '.join(sets)}\n")
    render.table(
        ["set", "area", "indicator", "指标", "years", "basis", "comparison", Col("value", "right"), "unit", "assumed"],
        ([r["set"], r["area"], r["indicator"], r["label_zh"], r["years"], r["basis"],
          _comparison(r["comparison"], r["tolerance"]), render.number(r["value"], 4), _unit_label(r["unit"]),
          "yes" if r["assumption"] else ""] for r in table.to_dict("records")),
    )


@data_app.command("assumptions")
@handle_errors
def assumptions(fmt: FormatOption = OutputFormat.table) -> None:
    """Every assumption: assumed population facts (data/assumptions.csv) and assumed targets (data/targets.csv)."""
    from jobsim.model import api

    table = api.assumptions_table()
    if fmt is not OutputFormat.table:
        render.emit_data(fmt, table)
        return
    n_facts = int((table["kind"] == "fact").sum())
    n_targets = len(table) - n_facts
    render.say(f"{len(table)} assumptions: {n_facts} population facts (data/assumptions.csv), "
               f"{n_targets} targets (data/targets.csv)\n")
    render.table(
        ["kind", "region", "what", "year", Col("value", "right"), "unit", Col("reasoning", free_text=True), "file"],
        ([r["kind"], r["region"], r["what"], r["year"], render.unit_style(r["unit"]).text(r["value"]),
          render.unit_style(r["unit"]).label, r["reasoning"], r["file"]] for r in table.to_dict("records")),
    )
