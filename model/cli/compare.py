"""`jobsim compare S1.yaml S2.yaml …`: scenarios run with the same replicate seeds and set against a baseline
(api.compare_scenarios), printed as tables (Chinese or English labels), CSV, JSON or an Excel workbook.

Every check runs before the first simulation: the files load and validate, they are of one region and period,
the baseline is found, --replicates/--seed/--scale are allowed, --out and --report can be written (and are
locked until written), the run fits in memory. The numbers are the API's; this module only shows them.
"""

from __future__ import annotations

import importlib.util
from enum import Enum
from pathlib import Path

import typer

from jobsim.model.cli import render
from jobsim.model.cli.errors import UsageError, handle_errors, on_interrupt
from jobsim.model.cli.options import ForceOption, NoCacheOption, check_choice, check_output_file, claimed_outputs
from jobsim.model.cli.progress import Progress
from jobsim.model.cli.render import Col, OutputFormat

RESULT_SUFFIXES = (".nc",)
NOISE_MARK = "†"


class CompareFormat(str, Enum):
    """What `jobsim compare` prints: a table, CSV, JSON, or (to --report FILE.xlsx) an Excel workbook."""

    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


class Lang(str, Enum):
    zh = "zh"
    en = "en"


REPORT_SUFFIX = {CompareFormat.csv: ".csv", CompareFormat.json: ".json", CompareFormat.xlsx: ".xlsx"}
XLSX_LIBRARY = "openpyxl"

# The words of the table in each language (the registry gives the indicators' and programmes' labels).
WORDS = {
    "en": {
        "scenario": "scenario", "baseline": "baseline", "target": "target", "area": "area", "period": "period",
        "goal": "goal", "levels": "Whole period: median [p10{d}p90] over replicates",
        "effects": "Against the baseline: Δ = mean paired difference ± standard error",
        "spending": "Spending over the period (median, 亿元 = 100M yuan) and the cost of what is added",
        "targets": "Targets: probability of meeting each",
        "extra cost": "extra cost", "per job": "per extra counted job", "per job held": "per extra job held",
        "per job-year": "per extra job-year", "total": "all programmes", "yuan": "yuan",
        "set": "set by the scenario", "not modelled": "not modelled (the model does not simulate them)",
        "noise": f"{NOISE_MARK} within noise; more replicates needed (|Δ| < 2 s.e.)",
        "unresolvable": "the difference is exactly 0: no number of replicates resolves it",
        "needed": "about {n} replicates would resolve it (n_needed = ceil(n·(2·SE/|Δ|)²), n = {have})",
        "header": "Compared with {baseline}: {region} {first}{d}{last}, area {area}, {replicates} replicates per "
                  "scenario, seed {seed} for all (paired), 1 agent = {scale:g} persons",
        "unpaired": " (unpaired)", "wrote": "wrote {path}",
        "legend": ("Δ: the mean over replicates of the difference from the baseline's replicate with the same seed "
                   "(pp = percentage points). New urban jobs is a gross flow (a re-hire counts again); jobs held and "
                   "person-years are net. A cost per addition is shown only where the addition is positive."),
    },
    "zh": {
        "scenario": "情景", "baseline": "基线", "target": "目标", "area": "地区", "period": "时期",
        "goal": "目标值", "levels": "全期：各重复的中位数 [p10{d}p90]",
        "effects": "与基线相比：Δ = 配对差的均值 ± 标准误",
        "spending": "期内支出（中位数，亿元）与新增成本",
        "targets": "目标：达成概率",
        "extra cost": "新增支出", "per job": "每新增一个城镇新增就业", "per job held": "每新增一个期末在岗",
        "per job-year": "每新增一个就业人年", "total": "合计", "yuan": "元",
        "set": "由情景设定", "not modelled": "模型未模拟",
        "noise": f"{NOISE_MARK} 在随机误差之内，需要更多重复（|Δ| < 2 倍标准误）",
        "unresolvable": "差值恰为 0：增加重复次数也无法分辨",
        "needed": "约 {n} 次重复可分辨（n_needed = ceil(n·(2·SE/|Δ|)²)，n = {have}）",
        "header": "与 {baseline} 比较：{region} {first}{d}{last}，地区 {area}，每个情景 {replicates} 次重复，"
                  "统一种子 {seed}（配对），1 个主体 = {scale:g} 人",
        "unpaired": "（未配对）", "wrote": "已写入 {path}",
        "legend": ("Δ：与基线同一种子重复之差的均值（pp = 百分点）。城镇新增就业是总流量（再就业会重复计入）；"
                   "期末在岗与就业人年是净值。仅在新增为正时给出每新增成本。"),
    },
}


def _w(lang: str, key: str) -> str:
    """A word of the table, with the dash of ranges put in."""
    return WORDS[lang][key].replace("{d}", render.DASH)


def _label(row: dict, lang: str, key: str = "label") -> str:
    return str(row[f"{key}_{lang}"] or row[f"{key}_en"])


def _diff_style(unit: str):
    """A difference's style: a difference of percents is in percentage points (plus_minus writes ' pp')."""
    return render.unit_style("percent" if unit == "percentage points" else unit)


# ---- the printed report -------------------------------------------------------------------------------


def print_header(facts: dict, lang: str) -> None:
    render.say(WORDS[lang]["header"].format(
        baseline=facts["baseline"], region=facts["region"], first=facts["first_year"], last=facts["last_year"],
        d=render.DASH, area=facts["area"], replicates=facts["replicates"], seed=facts["seed"], scale=facts["scale"]))
    for note in facts["notes"]:
        render.say(f"  {note}")


def print_comparison(tables: dict, lang: str = "en") -> None:
    """The comparison's tables (api.comparison_tables) as text: levels, differences with the noise mark,
    spending and costs, targets."""
    words = WORDS[lang]
    scenarios = render.records(tables["scenarios"])
    headline = render.records(tables["headline"])
    measures = list(dict.fromkeys(r["measure"] for r in headline))
    by = {(r["scenario"], r["measure"]): r for r in headline}
    first = {m: next(r for r in headline if r["measure"] == m) for m in measures}
    names = [s["scenario"] for s in scenarios]
    shown = {s["scenario"]: s["scenario"] + ("" if s["paired"] else words["unpaired"]) for s in scenarios}

    render.table([words["scenario"], *(Col(f"{_label(first[m], lang)}", "right") for m in measures)],
                 ([shown[n], *(render.band(render.unit_style(by[n, m]["unit"]), by[n, m]["median"], by[n, m]["p10"],
                                           by[n, m]["p90"]) for m in measures)] for n in names),
                 title=_w(lang, "levels"))

    others = [s["scenario"] for s in scenarios if not s["baseline"]]
    marked = []
    rows = []
    for n in others:
        cells = []
        for m in measures:
            r = by[n, m]
            text = render.plus_minus(_diff_style(r["diff_unit"]), r["difference"],
                                     r["difference_se"] if r["difference_se"] is not None else float("nan"))
            if r["within_noise"]:
                text += f" {NOISE_MARK}"
                marked.append(r)
            cells.append(text or "-")
        rows.append([shown[n], *cells])
    render.say()
    render.table([words["scenario"], *(Col(f"Δ {_label(first[m], lang)}", "right") for m in measures)], rows,
                 title=words["effects"])
    if marked:
        render.say(words["noise"] + ":")
        for r in marked:
            needed = r["replicates_needed"]
            why = words["unresolvable"] if needed == api_unresolvable() else words["needed"].format(
                n=needed, have=next(s["replicates"] for s in scenarios if s["scenario"] == r["scenario"]))
            render.say(f"  {r['scenario']}, {_label(r, lang)}: {why}")
    for r in headline:
        if r["note"] and not r["within_noise"] and r["note"] != "baseline":
            render.say(f"  {r['scenario']}, {_label(r, lang)}: {r['note']}")

    spending = render.records(tables["spending"])
    programmes = list(dict.fromkeys(r["programme"] for r in spending))
    spend = {(r["scenario"], r["programme"]): r for r in spending}
    cost = {r["scenario"]: r for r in render.records(tables["cost"])}
    yi = render.unit_style("100M yuan")
    yuan = render.unit_style("yuan")

    def per(n: str, variable: str) -> str:
        c = cost[n]
        if n not in others:
            return render.DASH
        if c[variable] is None:
            return "-"
        return yuan.text(c[variable]) + (f" {NOISE_MARK}" if c[f"{variable}_within_noise"] else "")

    rows = [[_label(spend[names[0], p], lang), *(yi.text(spend[n, p]["median"]) for n in names)] for p in programmes]
    rows.append([f"{words['extra cost']} ± s.e.", *(
        render.plus_minus(yi, cost[n]["extra_cost"], cost[n]["extra_cost_se"] if cost[n]["extra_cost_se"] is not None
                          else float("nan")) if n in others else render.DASH for n in names)])
    for variable, key in (("cost_per_extra_job", "per job"), ("cost_per_extra_job_held", "per job held"),
                          ("cost_per_extra_job_year", "per job-year")):
        rows.append([f"{words[key]} ({words['yuan']})", *(per(n, variable) for n in names)])
    render.say()
    render.table(["", *(Col(shown[n], "right") for n in names)], rows, title=words["spending"])
    print_target_probabilities(render.records(tables["targets"]), names, shown, lang)
    render.say(words["legend"])


def api_unresolvable() -> str:
    """How the tables write a difference no number of replicates resolves (a difference of exactly 0)."""
    from jobsim.model import api

    return api.UNRESOLVABLE


def _goal(r: dict) -> str:
    from jobsim.model import api

    style = render.unit_style(r["unit"])
    symbol = api.comparison_symbol(r["comparison"])
    return f"{symbol} {style.with_unit(r['value'])}"


def print_target_probabilities(rows: list[dict], names: list[str], shown: dict, lang: str) -> None:
    """Targets (rows) by scenario (columns): P(meet); a target the scenario sets shows the scenario's value."""
    words = WORDS[lang]
    if not rows:
        return
    keys = list(dict.fromkeys(r["target"] for r in rows))
    by = {(r["scenario"], r["target"]): r for r in rows}
    table_rows, not_modelled = [], []
    for k in keys:
        first = by[names[0], k]
        if all(by[n, k]["status"] == "not modelled" for n in names):
            not_modelled.append(first)
            continue
        cells = []
        for n in names:
            r = by[n, k]
            if r["probability"] is not None:
                cells.append(f"{r['probability']:.0%}")
            elif r["status"] == "set by the scenario":
                value = r["scenario_value"]
                meets = {True: " ✓", False: " ✗"}.get(r["scenario_meets"], "")
                cells.append(f"{words['set']}" + (f": {render.unit_style(r['unit']).with_unit(value)}{meets}"
                                                  if value is not None else ""))
            else:
                cells.append(r["status"])
        table_rows.append([_label(first, lang), first["area"], first["period"], _goal(first), *cells])
    render.say()
    render.table([words["target"], words["area"], words["period"], words["goal"],
                  *(Col(shown[n], "right") for n in names)], table_rows, title=words["targets"])
    if not_modelled:
        render.say(f"{words['not modelled']}: " + "; ".join(f"{_label(r, lang)} {r['area']} {r['period']}"
                                                            for r in not_modelled))


# ---- the command --------------------------------------------------------------------------------------


def _check_inputs(files: list[Path], baseline: str | None) -> None:
    """Every scenario file exists; with the baseline there are at least two scenarios."""
    for f in files:
        if not f.is_file():
            raise UsageError(f"scenario file {f} does not exist" if not f.exists() else f"{f} is not a file")
    if len(files) < 2 and baseline is None:
        raise UsageError(f"give at least two scenario files (got {len(files)}): the baseline and one to compare "
                         "with it, or one file and --baseline")


@handle_errors
def compare(
    files: list[Path] = typer.Argument(..., help="scenario files (YAML); the first is the baseline unless --baseline"),
    baseline: str | None = typer.Option(None, "--baseline",
                                        help="the baseline: a scenario name among the files, or a scenario file"),
    replicates: int | None = typer.Option(None, "--replicates",
                                          help="replicates per scenario, 1 to 1000 (default: the baseline's)"),
    seed: int | None = typer.Option(None, "--seed", help="the seed of every scenario (default: the baseline's)"),
    scale: float | None = typer.Option(None, "--scale", help="persons per agent (default: the baseline's)"),
    workers: int = typer.Option(2, "--workers", min=1, help="worker processes for replicates"),
    area: str | None = typer.Option(None, "--area", help="area of the measures: the region or one of its cities"),
    out: Path | None = typer.Option(None, "--out", help="write the comparison Dataset to this NetCDF file (.nc)"),
    report: Path | None = typer.Option(None, "--report", help="write the csv, json or xlsx report to this file "
                                       "(needed for xlsx) instead of stdout"),
    fmt: CompareFormat = typer.Option(CompareFormat.table, "--format", case_sensitive=False,
                                      help="table (for reading), csv or json (the same numbers, full precision), "
                                           "or xlsx (a workbook, one sheet per table; with --report FILE.xlsx)"),
    lang: Lang = typer.Option(Lang.en, "--lang", case_sensitive=False, help="labels of the table: zh or en"),
    force: ForceOption = False,
    no_cache: NoCacheOption = False,
) -> None:
    """Compare scenarios against a baseline, paired by replicate seed: each target's probability, the headline
    measures, spending, the differences with their standard errors (within noise marked) and the cost per
    additional job. With --out, the comparison is recorded in the run catalogue of that file's folder and an
    identical one is served from it instead of being run again."""
    from jobsim.model import api
    from jobsim.model.cli.run import check_estimate, check_run_numbers, served_line

    _check_inputs(files, baseline)
    check_output_file(out, "--out", RESULT_SUFFIXES)
    if fmt is CompareFormat.xlsx and report is None:
        raise UsageError("--format xlsx: give --report FILE.xlsx (a workbook is a file, not text for stdout)")
    if report is not None:
        if fmt is CompareFormat.table:
            raise UsageError(f"--report {report}: needs --format csv, json or xlsx (the table goes to stdout)")
        check_output_file(report, "--report", (REPORT_SUFFIX[fmt],))
        if out is not None and report.resolve() == out.resolve():
            raise UsageError(f"--report {report}: is also --out; give two files")
    if fmt is CompareFormat.xlsx and importlib.util.find_spec(XLSX_LIBRARY) is None:
        raise UsageError(f"--format xlsx needs {XLSX_LIBRARY}, which is not installed: pip install 'jobsim[app]' "
                         f"(or pip install {XLSX_LIBRARY})")
    check_run_numbers(replicates, seed)
    if scale is not None:
        check_choice(api.check_scale, scale, "--scale")
    plan = api.plan_comparison(files, baseline=baseline, replicates=replicates, seed=seed)
    region = plan.baseline.region
    if scale is not None:
        check_choice(lambda value: api.check_scale(value, region), scale, "--scale")
    if area is not None:
        check_choice(lambda name: api.check_area(region, name), area, "--area")
    if scale is not None or area is not None:
        plan = api.plan_comparison(files, baseline=baseline, replicates=replicates, seed=seed, scale=scale, area=area)
    check_estimate([api.estimate_run(s, replicates=plan.replicates, scale=plan.scale, workers=workers)
                    for s in plan.scenarios], force, "each scenario of the comparison")
    outputs = [(option, path) for option, path in (("--out", out), ("--report", report)) if path is not None]
    with claimed_outputs(outputs):
        written = []
        if out is None:
            with Progress("compare", total=plan.runs, unit="runs") as progress:
                ds = api.run_comparison(plan, workers=workers, progress=progress.replicate_done)
        else:
            # Recorded in the catalogue of --out's folder; the same comparison again is served from it.
            try:
                stored = api.stored_comparison(plan, out, recompute=no_cache)
                if stored.served:
                    ds = stored.result().value
                    typer.echo(served_line(out, stored.hit), err=fmt is not CompareFormat.table)
                else:
                    with Progress("compare", total=plan.runs, unit="runs") as progress:
                        ds = stored.result(workers=workers, progress=progress.replicate_done).value
                    written.append(out)
            except api.RequestInProgressError as exc:
                raise UsageError(f"--out {out}: {exc}") from None
            on_interrupt(f"{out} was written and is complete; the report was not printed (read the file)")
        tables = api.comparison_tables(ds)
        if report is not None:
            _write_report(api, ds, tables, fmt, report, lang.value)
            written.append(report)
    facts = api.comparison_facts(ds)
    if fmt is CompareFormat.table:
        render.say()
        print_header(facts, lang.value)
        render.say()
        print_comparison(tables, lang.value)
    elif report is None:
        _emit(fmt, ds, tables, facts)
    for path in written:
        typer.echo(WORDS[lang.value]["wrote"].format(path=path), err=fmt is not CompareFormat.table)


def _document(ds, tables: dict, facts: dict) -> dict:
    return {**facts, **{name: render.records(frame) for name, frame in tables.items()}}


def _emit(fmt: CompareFormat, ds, tables: dict, facts: dict) -> None:
    from jobsim.model import api

    if fmt is CompareFormat.csv:
        render.emit_data(OutputFormat.csv, api.comparison_long_table(ds))
    else:
        render.emit_data(OutputFormat.json, document=_document(ds, tables, facts))


def _write_report(api, ds, tables: dict, fmt: CompareFormat, path: Path, lang: str) -> None:
    """The report in a file, atomically: the workbook, or the CSV or JSON text stdout would have shown."""
    if fmt is CompareFormat.xlsx:
        api.write_comparison_xlsx(ds, path, lang=lang)
    elif fmt is CompareFormat.csv:
        api.write_text_file(path, render.csv_text(api.comparison_long_table(ds)))
    else:
        api.write_text_file(path, render.json_text(_document(ds, tables, api.comparison_facts(ds))) + "\n")
