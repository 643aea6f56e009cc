"""A scenario comparison (experiments.compare.comparison_dataset) as tables: the same numbers for CSV, JSON and
an Excel workbook (one sheet per table, written atomically), with Chinese and English labels.

Tables, each one row per scenario and item:

- `scenarios`: name, titles, file, whether it is the baseline, replicates, seed, pairing;
- `headline`: per measure, the median and 10-90% range, the difference from the baseline with its standard
  error, whether it is within noise and the replicates that would resolve it;
- `spending`: per programme (and `total`), the median spending and its difference from the baseline;
- `cost`: the extra cost and the cost per additional counted job, job held at the end and job-year;
- `targets`: per target, the probability of meeting it (or the scenario's own value of a target it sets).

Numbers are as the Dataset holds them (full precision; a workbook keeps openpyxl's 16 significant digits);
`replicates_needed` is empty where the difference is resolved and the text 'cannot be resolved'
(`UNRESOLVABLE`) where it is exactly 0.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import xarray as xr

from jobsim.model.outputs.atomic import atomic_path

NOTES_SEPARATOR = "\n"  # the comparison's `notes` attribute: one note a line (a note may itself hold '; ')

UNRESOLVABLE = "cannot be resolved"
TOTAL = "total"
TABLES = ("scenarios", "headline", "spending", "cost", "targets")
# Excel allows at most 31 characters in a sheet name.
MAX_SHEET_NAME = 31
# Sheet labels in each language (the tables' keys are the English names).
SHEET_LABELS = {
    "zh": {"about": "说明", "scenarios": "情景", "headline": "主要指标", "spending": "分项目支出",
           "cost": "成本", "targets": "目标"},
    "en": {"about": "about", "scenarios": "scenarios", "headline": "headline", "spending": "spending",
           "cost": "cost", "targets": "targets"},
}
TOTAL_LABELS = ("合计", "all programmes")


class _Arrays:
    """A Dataset's variables as plain arrays with their attributes, each fetched once: `ds[name]` builds a
    DataArray (about 30 us), and the tables read a thousand cells of a comparison one by one."""

    __slots__ = ("_variables", "_fetched")

    def __init__(self, ds: xr.Dataset):
        self._variables, self._fetched = ds.variables, {}

    def __getitem__(self, name: str) -> SimpleNamespace:
        got = self._fetched.get(name)
        if got is None:
            variable = self._variables[name]
            got = self._fetched[name] = SimpleNamespace(values=variable.values, attrs=variable.attrs)
        return got


def _v(da: xr.DataArray, *index: int):
    value = da.values[index]
    return value.item() if hasattr(value, "item") else value


def _number(x) -> float:
    return float(x) if x is not None else math.nan


def _needed(x: float):
    """replicates_needed as a table shows it: a whole number, UNRESOLVABLE (inf), or None (not within noise)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return UNRESOLVABLE if math.isinf(x) else int(x)


def comparison_tables(ds: xr.Dataset) -> dict[str, pd.DataFrame]:
    """The comparison's tables (TABLES order), each a DataFrame with the Dataset's numbers and both labels."""
    ds = _Arrays(ds)
    names = [str(n) for n in ds["scenario"].values]
    scenarios = pd.DataFrame({
        "scenario": names,
        "title_zh": [str(v) for v in ds["scenario_title_zh"].values],
        "title_en": [str(v) for v in ds["scenario_title_en"].values],
        "file": [str(v) for v in ds["scenario_source"].values],
        "baseline": [bool(v) for v in ds["is_baseline"].values],
        "replicates": [int(v) for v in ds["replicates"].values],
        "seed": [int(v) for v in ds["seed"].values],
        "scale": [float(v) for v in ds["scale"].values],
        "paired": [bool(v) for v in ds["paired"].values],
    })
    headline = []
    for i, name in enumerate(names):
        for j, measure in enumerate(ds["measure"].values):
            headline.append({
                "scenario": name, "measure": str(measure), "label_zh": str(ds["measure_label_zh"].values[j]),
                "label_en": str(ds["measure_label_en"].values[j]), "over_period": str(ds["measure_over_period"].values[j]),
                "unit": str(ds["measure_unit"].values[j]),
                "median": _number(_v(ds["level_median"], i, j)), "p10": _number(_v(ds["level_p10"], i, j)),
                "p90": _number(_v(ds["level_p90"], i, j)), "diff_unit": str(ds["measure_diff_unit"].values[j]),
                "difference": _number(_v(ds["difference"], i, j)), "difference_se": _number(_v(ds["difference_se"], i, j)),
                "within_noise": bool(_v(ds["within_noise"], i, j)),
                "replicates_needed": _needed(_v(ds["replicates_needed"], i, j)),
                "note": str(_v(ds["noise_note"], i, j)),
            })
    headline = pd.DataFrame(headline)
    if len(headline):  # whole numbers, None or UNRESOLVABLE: not floats
        headline["replicates_needed"] = pd.Series([_needed(v) for v in ds["replicates_needed"].values.ravel()],
                                                  dtype=object)
    spending = []
    unit = ds["spending"].attrs.get("units", "")
    for i, name in enumerate(names):
        for k, programme in enumerate(ds["programme"].values):
            spending.append({
                "scenario": name, "programme": str(programme), "label_zh": str(ds["programme_label_zh"].values[k]),
                "label_en": str(ds["programme_label_en"].values[k]), "unit": unit,
                "median": _number(_v(ds["spending"], i, k)), "difference": _number(_v(ds["spending_difference"], i, k)),
                "difference_se": _number(_v(ds["spending_difference_se"], i, k)),
            })
        spending.append({"scenario": name, "programme": TOTAL, "label_zh": TOTAL_LABELS[0], "label_en": TOTAL_LABELS[1],
                         "unit": unit, "median": _number(_v(ds["spending_total"], i)),
                         "difference": _number(_v(ds["extra_cost"], i)), "difference_se": _number(_v(ds["extra_cost_se"], i))})
    measures = list(ds["measure"].values)
    cost = []
    for i, name in enumerate(names):
        row = {"scenario": name, "extra_cost": _number(_v(ds["extra_cost"], i)),
               "extra_cost_se": _number(_v(ds["extra_cost_se"], i)), "extra_cost_unit": unit,
               "cost_unit": ds["cost_per_extra_job"].attrs.get("units", "")}
        for variable, measure in (("cost_per_extra_job", "new_urban_jobs"), ("cost_per_extra_job_held", "jobs_held_end"),
                                  ("cost_per_extra_job_year", "person_years")):
            row[variable] = _number(_v(ds[variable], i))
            # a cost per addition whose addition is within noise is as uncertain as the addition
            row[f"{variable}_within_noise"] = bool(_v(ds["within_noise"], i, measures.index(measure))) \
                if measure in measures else False
        cost.append(row)
    targets = []
    for i, name in enumerate(names):
        for j, key in enumerate(ds["target"].values):
            meets = _v(ds["target_scenario_meets"], i, j)
            targets.append({
                "scenario": name, "target": str(key), "indicator": str(ds["target_indicator"].values[j]),
                "label_zh": str(ds["target_label_zh"].values[j]), "label_en": str(ds["target_label_en"].values[j]),
                "area": str(ds["target_area"].values[j]), "period": str(ds["target_period"].values[j]),
                "comparison": str(ds["target_comparison"].values[j]), "value": float(ds["target_value"].values[j]),
                "unit": str(ds["target_unit"].values[j]), "reading": str(ds["target_reading"].values[j]),
                "assumption": bool(ds["target_assumption"].values[j]), "status": str(_v(ds["target_status"], i, j)),
                "probability": _number(_v(ds["target_probability"], i, j)),
                "median": _number(_v(ds["target_median"], i, j)), "p10": _number(_v(ds["target_p10"], i, j)),
                "p90": _number(_v(ds["target_p90"], i, j)),
                "scenario_value": _number(_v(ds["target_scenario_value"], i, j)),
                "scenario_meets": None if meets is None or np.isnan(meets) else bool(meets),
                "stated_by_scenario": bool(_v(ds["target_stated"], i, j)),
            })
    target_columns = ["scenario", "target", "indicator", "label_zh", "label_en", "area", "period", "comparison",
                      "value", "unit", "reading", "assumption", "status", "probability", "median", "p10", "p90",
                      "scenario_value", "scenario_meets", "stated_by_scenario"]
    return {"scenarios": scenarios, "headline": headline, "spending": pd.DataFrame(spending),
            "cost": pd.DataFrame(cost), "targets": pd.DataFrame(targets, columns=target_columns)}


def comparison_facts(ds: xr.Dataset) -> dict:
    """The comparison's facts (what heads its report): baseline, region, area, period, seed, replicates, scale,
    whether every scenario is paired, the noise rule and the notes."""
    a = ds.attrs
    return {"baseline": str(a.get("baseline", "")), "region": str(a.get("region", "")), "area": str(a.get("area", "")),
            "first_year": int(a.get("first_year", 0)), "last_year": int(a.get("last_year", 0)),
            "seed": int(a.get("seed", -1)), "replicates": int(a.get("replicates", 0)),
            "scale": float(a.get("scale", math.nan)), "paired": bool(a.get("paired", 0)),
            "noise_rule": str(a.get("noise_rule", "")), "notes": [n for n in str(a.get("notes", "")).split(NOTES_SEPARATOR) if n],
            "jobsim_version": str(a.get("jobsim_version", ""))}


def comparison_long_table(ds: xr.Dataset) -> pd.DataFrame:
    """Every table in one (for CSV): a `table` column naming it, then the union of their columns."""
    # object columns: a table's booleans and whole numbers stay what they are beside the other tables' blanks
    frames = [frame.astype(object).assign(table=name) for name, frame in comparison_tables(ds).items()]
    columns = ["table"] + [c for f in frames for c in f.columns if c != "table"]
    columns = list(dict.fromkeys(columns))
    return pd.concat([f.reindex(columns=columns) for f in frames if len(f)], ignore_index=True).reindex(columns=columns)


def _cell(value):
    """A value an Excel cell can hold: NaN empty, numpy scalars as Python numbers."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def write_comparison_xlsx(ds: xr.Dataset, path: str | Path, lang: str = "en") -> Path:
    """The comparison as an Excel workbook, atomically: an `about` sheet (the facts and the noise rule), then
    one sheet per table (sheet names in `lang`, 'zh' or 'en'; the header row is the tables' column names, as
    in the CSV and JSON). Needs openpyxl (the `app` extra)."""
    from openpyxl import Workbook

    if lang not in SHEET_LABELS:
        raise ValueError(f"lang: {lang!r} is not allowed; give 'zh' or 'en'")
    sheets = SHEET_LABELS[lang]
    book = Workbook()
    about = book.active
    about.title = sheets["about"][:MAX_SHEET_NAME]
    about.append(["fact", "value"])
    for key, value in comparison_facts(ds).items():
        about.append([key, "; ".join(value) if isinstance(value, list) else _cell(value)])
    for name, frame in comparison_tables(ds).items():
        sheet = book.create_sheet(sheets[name][:MAX_SHEET_NAME])
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([_cell(v) for v in row])
    with atomic_path(path) as tmp:
        book.save(tmp)
    return Path(path)


def comparison_summary(ds: xr.Dataset) -> dict:
    """The small summary a comparison's run-catalogue row keeps: its facts (comparison_facts) and, per
    scenario, each headline measure's median and its paired difference from the baseline with the standard
    error (in the measure's unit)."""
    def number(v) -> float | None:
        v = float(v)
        return None if math.isnan(v) else v

    scenarios = {}
    for name in ds["scenario"].values:
        row = ds.sel(scenario=name)
        scenarios[str(name)] = {
            str(m): {"median": number(row["level_median"].sel(measure=m)),
                     "difference": number(row["difference"].sel(measure=m)),
                     "difference_se": number(row["difference_se"].sel(measure=m))}
            for m in ds["measure"].values}
    return {**comparison_facts(ds), "scenarios": scenarios}
