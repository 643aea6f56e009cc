"""`jobsim calibrate` and `jobsim backtest`: fit a region's parameters; test forecasts and the model on the past."""

from __future__ import annotations

import math
from pathlib import Path

import typer

from jobsim.model.cli import render
from jobsim.model.cli.errors import UsageError, handle_errors, on_interrupt, one_line
from jobsim.model.cli.options import (
    FormatOption,
    check_choice,
    check_input_files,
    check_output_file,
    claimed_outputs,
    make_output_folder,
)
from jobsim.model.cli.progress import Progress
from jobsim.model.cli.render import Col, OutputFormat

CALIBRATION_SUFFIXES = (".yaml", ".yml")
# The largest --evaluations: a week of simulations on two cores at about 0.4 s each. More is a typing slip.
MAX_EVALUATIONS = 1_500_000
# `--format csv` of a calibration: one table, a row per parameter, moment, warning and summary figure
# (`section` says which), the columns a section has not left empty.
CALIBRATION_CSV_COLUMNS = ["section", "name", "value", "p10", "p50", "p90", "lower", "upper", "target", "sd",
                           "simulated", "lo80", "hi80", "covered", "z", "source", "text"]
# The table format of a back-test shows the table's leading level columns, up to the first column with one
# of these prefixes (the model with the growth forecast at the origin, per-year errors: what follows them is
# left out for width), then the MASE and coverage columns.
BACKTEST_HIDDEN_PREFIXES = ("model_fg_", "abs_error_", "pct_error_")
BACKTEST_SCORE_PREFIXES = ("mase_",)
BACKTEST_SCORE_SUFFIXES = ("_covered_80",)


@handle_errors
def calibrate(
    region: str = typer.Option(..., "--region", help="a region with a baseline scenario, e.g. Jiangxi"),
    through: int | None = typer.Option(None, "--through", help="use only history whose window ends by this year"),
    data: list[Path] | None = typer.Option(None, "--data", help="extra history rows (history.csv schema); repeatable"),
    out: Path | None = typer.Option(
        None, "--out", help="where to write (.yaml; default ./calibrated/<region>.yaml, i.e. the current folder "
                            "as a data folder: runs read it with --data-dir . or JOBSIM_DATA_DIR)"),
    replace: bool = typer.Option(False, "--replace", help="allow --out to overwrite a shipped file "
                                                          "(calibration/params/<region>.yaml)"),
    quick: bool = typer.Option(False, "--quick", help="a short search (for trying things out)"),
    evaluations: int | None = typer.Option(
        None, "--evaluations", min=1, max=MAX_EVALUATIONS,
        help="the search's budget of simulations (default 1350, 180 with --quick); a longer search narrows "
             "the posterior further (about 0.4 s each on two cores at the run scale)"),
    workers: int = typer.Option(2, "--workers", min=1),
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Fit the region's free parameters to its history and forecast (ABC-SMC: an approximate posterior).

    Writes ./calibrated/<region>.yaml unless --out says otherwise; the shipped files in calibration/params/
    are only overwritten with --replace."""
    from jobsim.model import api

    region = check_choice(api.check_calibratable_region, region, "--region")
    settings = {} if evaluations is None else {
        "max_evaluations": check_choice(lambda n: api.check_calibration_budget(n, quick), evaluations, "--evaluations")}
    check_input_files(data, "--data")
    # Without --out: the current folder as a user data folder. The calibrated/ folder of a data folder (the
    # current one, or the one --out names as DIR/calibrated/<region>.yaml) is made if missing.
    path = out if out is not None else api.user_calibrated_file(Path("."), region)
    folder = api.data_folder_reading(path, region)
    make_folder = out is None or (folder is not None and folder.is_dir())
    check_output_file(path, "--out", CALIBRATION_SUFFIXES, create_folder=make_folder)
    if api.is_shipped_calibrated_file(path) and not replace:
        raise UsageError(f"--out {path}: is a shipped calibrated file (calibration/params/); give --replace to "
                         f"overwrite it, or leave out --out to write {api.user_calibrated_file(Path('.'), region)} "
                         f"(runs read it with --data-dir .)")
    made = make_output_folder(path.parent, "--out") if make_folder else False
    on_interrupt(f"nothing was written ({path} is as it was); rerun the same command")
    try:
        with claimed_outputs([("--out", path)]):
            with Progress(f"calibrate {region}", unit="evaluations") as progress:
                res = api.calibrate(region, through=through, data_files=data, workers=workers, quick=quick,
                                    progress=progress.calibration_step, **settings)
            path = api.write_calibration(res, path, replace=replace)
            on_interrupt(f"{path} was written and is complete; the report was not printed")
    except BaseException:
        if made:  # a failed or interrupted calibration leaves no empty calibrated/ folder behind
            try:
                path.parent.rmdir()
            except OSError:
                pass
        raise
    _report_calibration(res, region, path, fmt)


# ---- the calibration report --------------------------------------------------------------------------


def _report_calibration(res, region: str, path: Path, fmt: OutputFormat) -> None:
    from jobsim.model import api

    posterior = dict(getattr(res, "posterior", None) or {})
    warnings = [str(w) for w in (getattr(res, "warnings", None) or [])]
    parameters = [{"name": name, "value": value,
                   **{q: (posterior.get(name) or {}).get(q) for q in ("p10", "p50", "p90")},
                   "lower": res.bounds[name][0], "upper": res.bounds[name][1]} for name, value in res.values.items()]
    moments = [dict(m) for m in res.moments]
    judged = [m for m in moments if m.get("covered") is not None]
    covered = sum(1 for m in judged if m["covered"])
    covered_fraction = covered / len(judged) if judged else None
    usage = _usage_hint(region, path)
    if fmt is not OutputFormat.table:
        _warn(warnings)
    if fmt is OutputFormat.json:
        render.emit_data(fmt, document=_plain({
            "region": region, "file": str(path), "distance": res.distance, "covered_fraction": covered_fraction,
            "parameters": parameters, "posterior": posterior, "moments": moments, "warnings": warnings,
            "info": res.info}))
        typer.echo(f"wrote {path}; {usage}", err=True)
        return
    if fmt is OutputFormat.csv:
        import pandas as pd

        rows = [{"section": "parameter", **p} for p in parameters]
        rows += [{"section": "moment", **{k: m.get(k) for k in CALIBRATION_CSV_COLUMNS if k in m}} for m in moments]
        rows += [{"section": "warning", "text": w} for w in warnings]
        rows += [{"section": "summary", "name": "distance", "value": res.distance},
                 {"section": "summary", "name": "covered_fraction", "value": covered_fraction}]
        render.emit_data(fmt, pd.DataFrame(rows, columns=CALIBRATION_CSV_COLUMNS), columns=CALIBRATION_CSV_COLUMNS)
        typer.echo(f"wrote {path}; {usage}", err=True)
        return
    info = res.info or {}
    facts = [f"distance {_g(res.distance)} over {len(moments)} moments"]
    generations = info.get("generations")
    if isinstance(generations, (list, tuple)):  # one record per generation (epsilon, acceptance rate, ...)
        facts.append(f"{len(generations)} generations")
        last = generations[-1] if generations and isinstance(generations[-1], dict) else {}
        if last.get("epsilon") is not None:
            facts.append(f"final epsilon {_g(last['epsilon'])}")
    elif generations is not None:
        facts.append(f"{generations} generations")
    if info.get("evaluations") is not None:
        facts.append(f"{info['evaluations']} evaluations")
    if info.get("effective_sample_size") is not None:
        facts.append(f"effective sample size {_g(info['effective_sample_size'])}")
    if info.get("seconds") is not None:
        facts.append(f"{info['seconds']} s")
    render.say(f"{region}: {', '.join(facts)}")
    render.table(["parameter", Col("value", "right"), Col("p10", "right"), Col("p50", "right"), Col("p90", "right"),
                  Col("bounds", "right")],
                 ([p["name"], _g(p["value"]), _g(p["p10"]), _g(p["p50"]), _g(p["p90"]),
                   f"[{_g(p['lower'])}, {_g(p['upper'])}]"] for p in parameters),
                 title="parameters: posterior point value and 10/50/90% of the posterior")
    render.table(["moment", Col("target", "right"), Col("sd", "right"), Col("simulated", "right"),
                  Col("80% band", "right"), Col("covered", "right"), Col("z", "right")],
                 ([m.get("name"), _g(m.get("target")), _g(m.get("sd")), _g(m.get("simulated")),
                   _band(m.get("lo80"), m.get("hi80")), _yes_no(m.get("covered")), _g(m.get("z"), 3)]
                  for m in moments),
                 title="moments: the 80% band of the simulated value over the posterior")
    _warn(warnings)  # after the tables, before the coverage (stderr: stdout stays the report)
    if judged:
        render.say(f"the 80% band covers {covered} of {len(judged)} moments ({covered_fraction:.0%})")
    render.say(f"wrote {path}; {usage}")
    if api.calibrated_file(region).resolve() == path.resolve():
        render.say(f"runs of {region} with the data folders now given read it")


def _warn(warnings: list[str]) -> None:
    for w in warnings:
        typer.echo(f"warning: {one_line(w)}", err=True)


def _usage_hint(region: str, path: Path) -> str:
    """How runs come to read the file at `path`."""
    from jobsim.model import api

    folder = api.data_folder_reading(path, region)
    if folder is not None:
        absolute = folder.resolve()
        named = "." if absolute == Path.cwd().resolve() else str(folder)
        return (f"runs read it with `jobsim --data-dir {named} run SCENARIO` (the option before the command) "
                f"or JOBSIM_DATA_DIR={absolute}")
    if api.is_shipped_calibrated_file(path):
        return "it is the shipped file: runs read it unless a user data folder has calibrated/" + path.name
    return (f"runs do not read it there: put it at DIR/calibrated/{region.lower()}.yaml of a data folder DIR "
            f"and give --data-dir DIR (or JOBSIM_DATA_DIR=DIR)")


def _plain(v: object) -> object:
    """A JSON-ready copy: numpy scalars to Python, NaN and infinities to None, tuples to lists, paths to text."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, Path):
        return str(v)
    v = render.plain_value(v)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def _g(v: object, digits: int = 4) -> str:
    v = render.plain_value(v)
    if v is None:
        return "-"
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    if 1e3 <= abs(v) < 1e15:  # persons, yuan: whole numbers with separators
        return f"{round(v):,}"
    return f"{v:.{digits}g}"


def _band(lo: object, hi: object) -> str:
    return "-" if render.plain_value(lo) is None or render.plain_value(hi) is None else f"[{_g(lo)}, {_g(hi)}]"


def _yes_no(v: object) -> str:
    v = render.plain_value(v)
    return "-" if v is None else ("yes" if v else "no")


# ---- jobsim backtest ----------------------------------------------------------------------------------


@handle_errors
def backtest(
    region: str = typer.Option(..., "--region", help="a region with a baseline scenario, e.g. Jiangxi"),
    indicator: str = typer.Option(..., "--indicator", help="an indicator the model produces, e.g. new_urban_jobs"),
    origin: list[int] = typer.Option(..., "--origin", help="origin year; repeat for rolling origins"),
    horizon: int = typer.Option(3, "--horizon", min=1, max=10, help="years after each origin"),
    data: list[Path] | None = typer.Option(None, "--data", help="extra history rows; repeatable"),
    replicates: int = typer.Option(8, "--replicates", min=1),
    thorough: bool = typer.Option(False, "--thorough", help="a full calibration at each origin (slower)"),
    evaluations: int | None = typer.Option(
        None, "--evaluations", min=1, max=MAX_EVALUATIONS,
        help="each origin's calibration budget of simulations (default 180, 1350 with --thorough)"),
    start: str = typer.Option("window", "--start",
                              help="window: projections carry on the calibration's own run from its window's "
                                   "first year; origin: they start afresh from the structure after the origin"),
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Calibrate and forecast with data up to each origin; compare forecast, model and naive with the actuals.

    --format csv is the whole table (origin, period, actual, forecast and its 80% interval, the model's median
    and 80% band, naive, the model with the growth forecast at the origin, MASE and coverage columns)."""
    from jobsim.model import api

    check_choice(api.check_calibratable_region, region, "--region")
    check_choice(api.check_modelled_indicator, indicator, "--indicator")
    check_input_files(data, "--data")
    check_choice(api.check_backtest_start, start, "--start")
    settings = None if evaluations is None else {
        "max_evaluations": check_choice(lambda n: api.check_calibration_budget(n, not thorough), evaluations,
                                        "--evaluations")}
    with Progress(f"backtest {region} {indicator}", unit="evaluations") as progress:
        bt = api.backtest(region, indicator, sorted(set(origin)), horizon=horizon, data_files=data,
                          replicates=replicates, quick=not thorough, start=start, calibration=settings,
                          progress=progress.calibration_step)
    warnings = _backtest_warnings(bt)
    if fmt is OutputFormat.csv:
        render.emit_data(fmt, bt.table)
        _warn(warnings)
        return
    summary = bt.summary()
    if fmt is OutputFormat.json:
        render.emit_data(fmt, document=_plain({"region": region, "indicator": indicator, "unit": bt.unit,
                                               "table": render.records(bt.table), "summary": render.records(summary),
                                               "warnings": warnings}))
        _warn(warnings)
        return
    shown = backtest_table_columns(list(bt.table.columns))
    render.say(f"{region} {indicator} ({bt.unit}); model = the calibrated baseline's median and 80% band "
               f"(lo80-hi80); mase_model_fg = the model with the growth forecast made at the origin")
    render.table([Col(c, "right") for c in shown],
                 ([_cell(r.get(c)) for c in shown] for r in render.records(bt.table[shown])))
    render.say("summary over all origins and years with an actual value:")
    render.table([Col(str(c), "right") for c in summary.columns],
                 ([_cell(v) for v in r.values()] for r in render.records(summary)))
    _warn(warnings)


def _backtest_warnings(bt) -> list[str]:
    """The calibrations' warnings, each with its origin (a back-test's `warnings`: origin -> messages)."""
    raw = getattr(bt, "warnings", None) or {}
    if isinstance(raw, dict):
        return [f"origin {origin}: {w}" for origin, ws in raw.items() for w in ws]
    return [str(w) for w in raw]


def backtest_table_columns(columns: list[str]) -> list[str]:
    """What the table format shows of a back-test table, in the table's order: its leading level columns
    (origin, period, actual, forecast, model and naive with their intervals: every column before the first
    of the further ones, model_fg_ levels and error columns), then the MASE and coverage columns."""
    def score(c: str) -> bool:
        return c.startswith(BACKTEST_SCORE_PREFIXES) or c.endswith(BACKTEST_SCORE_SUFFIXES)

    levels = []
    for c in columns:
        if score(c) or c.startswith(BACKTEST_HIDDEN_PREFIXES):
            break
        levels.append(c)
    return levels + [c for c in columns if score(c)]


def _cell(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.3g}"
    return str(v)
