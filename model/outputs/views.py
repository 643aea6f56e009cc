"""Results shaped for charts and tables in planners' units: the tidy frames the app, the brief and notebooks draw.

Nothing here computes a new figure: each view re-shapes what `outputs.results` (yearly figures, targets)
and `outputs.display` (planners' units) already give, so a chart in the app shows the numbers `jobsim run`
prints. Labels come from the registry (data/registry), in Chinese (`zh`) or English (`en`).

- `fan_table`: an indicator by scenario and year, median and 10-90% range over replicates (optionally
  cumulated over the period, as a five-year total target reads), with its label and unit.
- `target_marks`: the scenario's targets on that indicator and area, as the lines a fan chart draws.
- `lever_schedule`: a scenario's levers year by year in planners' units (万人次, 亿元, %, posts), beside
  its base's; `scenario_with_levers` makes the changed scenario from values in those units.
- `area_targets`: every target of a target set for the cities (areas below the region) against a run.
- `backtest_reminder`: one line on the model's recorded back-test error (inputs/records.py reads the
  records: back-tests, posterior predictive checks, the data's sources).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from jobsim.model.inputs.registry import indicators, label, levers
from jobsim.model.inputs.targets import comparison_symbol
from jobsim.model.inputs.units import to_base, unit_table
from jobsim.model.outputs.results import display_unit, yearly

LANGUAGES = ("zh", "en")
RANGE = (0.1, 0.5, 0.9)  # the fan: 10%, median, 90% over replicates
FAN_COLUMNS = ("scenario", "year", "p10", "median", "p90")


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"lang: {lang!r} is not allowed; choose one of {', '.join(LANGUAGES)}")
    return lang


def unit_text(unit: str, lang: str) -> str:
    """A unit's label in `lang` (units.csv): '10k persons' -> '万人' in Chinese."""
    table = unit_table()
    if unit in table.index:
        return str(table.at[unit, "label_zh" if lang == "zh" else "label_en"])
    return unit


def indicator_of(variable: str) -> str:
    """The registry id of a model variable (the row whose id is the variable, else the first naming it)."""
    ind = indicators()
    if variable in ind.index:
        return variable
    hits = ind.index[ind["model_variable"] == variable]
    if len(hits) == 0:
        raise KeyError(f"{variable!r} is not a modelled indicator")
    return str(hits[0])


def _model_variable(indicator: str) -> str:
    ind = indicators()
    if indicator in ind.index and ind.at[indicator, "model_variable"]:
        return str(ind.at[indicator, "model_variable"])
    return indicator


def fan_table(runs: Mapping[str, xr.Dataset], indicator: str, area: str, lang: str = "zh",
              cumulative: bool = False) -> pd.DataFrame:
    """`indicator` of `area` by scenario and year: the 10%, 50% and 90% points over each run's replicates, in
    planners' units (cumulated from the first year when `cumulative`). `attrs` carry `label` and `unit` in
    `lang` and whether the values are cumulative."""
    _check_lang(lang)
    variable = _model_variable(indicator)
    frames = []
    for name, ds in runs.items():
        if variable not in ds:
            raise KeyError(f"{variable!r} is not an output of the run {name!r}")
        if area not in [str(a) for a in ds["area"].values]:
            raise KeyError(f"area {area!r} is not in the run {name!r}; areas: {', '.join(map(str, ds['area'].values))}")
        unit, factor = display_unit(variable)
        values = yearly(ds[[variable]])[variable].sel(area=area) * factor
        if cumulative:
            values = values.cumsum("year")
        if "replicate" in values.dims:
            q = values.quantile(list(RANGE), dim="replicate")
            lo, mid, hi = (q.sel(quantile=p).values for p in RANGE)
        else:
            lo = mid = hi = values.values
        frames.append(pd.DataFrame({"scenario": name, "year": values["year"].values.astype(int),
                                    "p10": lo, "median": mid, "p90": hi}))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(FAN_COLUMNS))
    ind_id = indicator_of(variable)
    name = label(ind_id, lang)
    if cumulative:
        name = f"{name}（累计）" if lang == "zh" else f"{name} (cumulative)"
    table.attrs.update({"label": name, "unit": unit_text(display_unit(variable)[0], lang),
                        "indicator": ind_id, "cumulative": cumulative, "area": area})
    return table


def target_marks(targets: Sequence, indicator: str, area: str, lang: str = "zh", cumulative: bool = False) -> pd.DataFrame:
    """The targets on `indicator` for `area` as lines on its fan chart: columns year_from, year_to, value (in
    the chart's unit), text. A five-year total (basis `total`) is drawn on the cumulative chart at its end
    year; a yearly figure (year_mean, end_level, each_year) on the yearly chart over its years."""
    _check_lang(lang)
    ind_id = indicator_of(_model_variable(indicator))
    chart_unit, _ = display_unit(_model_variable(indicator))
    rows = []
    for t in targets:
        if t.area != area or indicator_of(_model_variable(t.indicator)) != ind_id:
            continue
        if (t.basis == "total") != cumulative:
            continue
        value = to_base(t.value, t.unit) / to_base(1.0, chart_unit)
        symbol = comparison_symbol(t.comparison)
        word = "目标" if lang == "zh" else "target"
        rows.append({"year_from": t.end_year if t.basis == "total" else t.start_year, "year_to": t.end_year,
                     "value": value, "text": f"{word} {symbol} {value:g} {unit_text(chart_unit, lang)}"})
    return pd.DataFrame(rows, columns=["year_from", "year_to", "value", "text"])


# ---- levers in planners' units ----------------------------------------------------------------------

def lever_units(lever: str) -> tuple[str, float]:
    """(display unit, base units per display unit) of a lever: loans in 亿元 (1e8 yuan), training in 万人次."""
    table = levers()
    if lever not in table.index:
        raise KeyError(f"unknown lever {lever!r}; levers: {', '.join(table.index)}")
    unit = str(table.at[lever, "display_unit"]) or str(table.at[lever, "unit"])
    return unit, to_base(1.0, unit)


def lever_schedule(scenario, base=None, lang: str = "zh") -> pd.DataFrame:
    """Every lever of `scenario` by year in planners' units, with `base`'s value beside it (the scenario's own
    when no base is given): columns lever, label, unit, year, value, base_value, min, max (display units)."""
    _check_lang(lang)
    base = base if base is not None else scenario
    table = levers()
    rows = []
    for lever in scenario.levers:
        unit, per = lever_units(lever)
        lo = table.at[lever, "min"]
        hi = table.at[lever, "max"]
        for year in scenario.years:
            rows.append({"lever": lever, "label": label(lever, lang), "unit": unit_text(unit, lang), "year": int(year),
                         "value": scenario.levers[lever][year] / per,
                         "base_value": base.levers[lever][year] / per if year in base.levers.get(lever, {}) else np.nan,
                         "min": float(lo) / per if lo != "" else np.nan, "max": float(hi) / per if hi != "" else np.nan})
    return pd.DataFrame(rows)


def scenario_with_levers(scenario, values: Mapping[str, Mapping[int, float]], name: str | None = None,
                         title: Mapping[str, str] | None = None):
    """`scenario` with some levers' yearly values replaced, given in each lever's display unit (lever_units):
    {"loan_issuance_yuan": {2021: 150, ...}} means 150亿元 in 2021. Validated like a file (ScenarioError)."""
    new_levers = {lever: dict(path) for lever, path in scenario.levers.items()}
    for lever, path in values.items():
        _, per = lever_units(lever)
        if lever not in new_levers:
            raise KeyError(f"unknown lever {lever!r}; levers: {', '.join(new_levers)}")
        for year, v in path.items():
            new_levers[lever][int(year)] = float(v) * per
    changes: dict = {"levers": new_levers}
    if name is not None:
        changes["name"] = name
    if title is not None:
        changes["title"] = dict(title)
    return scenario.with_changes(**changes)


# ---- targets of the cities ----------------------------------------------------------------------------

def area_targets(ds: xr.Dataset, targets: Sequence, region: str, lang: str = "zh") -> pd.DataFrame:
    """The targets of areas below `region` (its cities) judged against a run, one row per city and target
    that the model evaluates: area, area label, indicator label, target, median, p10, p90, probability,
    and `ratio` (median / target, the bar a sorted chart draws)."""
    from jobsim.model.inputs.regions import load_regions
    from jobsim.model.outputs.results import evaluate_targets

    _check_lang(lang)
    areas = [str(a) for a in ds["area"].values]
    city = [t for t in targets if t.area != region and t.area in areas]
    if not city:
        return pd.DataFrame(columns=["area", "area_label", "indicator", "label", "target", "median", "p10", "p90",
                                     "probability", "ratio"])
    table = evaluate_targets(ds, city)
    table = table[table["status"] == "evaluated"].copy()
    names = load_regions()
    column = "name_zh" if lang == "zh" else "name_en"
    table["area_label"] = [str(names.at[a, column]) if a in names.index else a for a in table["area"]]
    table["label"] = table["label_zh" if lang == "zh" else "label_en"]
    table["ratio"] = table["median"] / table["target"]
    return table[["area", "area_label", "indicator", "label", "target", "median", "p10", "p90", "probability",
                  "ratio"]].reset_index(drop=True)


# ---- how the model has done ---------------------------------------------------------------------------

def backtest_reminder(region: str, lang: str = "zh", indicator: str = "new_urban_jobs") -> str:
    """One line on the model's recorded back-test error for `region`, for every projection page."""
    from jobsim.model.inputs.records import backtest_record

    _, summary = backtest_record(region)
    rows = summary[summary["series"] == f"{region} {indicator}"].set_index("method") if len(summary) else summary
    if len(rows) == 0 or "model" not in rows.index or "naive" not in rows.index:
        return ("本地区尚无模型回测记录：预测仅供情景比较。" if lang == "zh"
                else "No back-test of the model is recorded for this region: read projections as scenario comparisons.")
    model, naive = rows.loc["model"], rows.loc["naive"]
    pct, mase, mase_naive = float(model["mean_abs_pct_error"]), float(model["mean_mase"]), float(naive["mean_mase"])
    worse = mase > mase_naive
    if lang == "zh":
        return (f"回测：模型对{label(indicator, 'zh')}的平均误差 {pct:.0f}%（MASE {mase:.2f}，朴素预测 {mase_naive:.2f}），"
                + ("不如朴素预测；请把预测当作情景比较。" if worse else "优于朴素预测。"))
    return (f"Back-test: the model's mean error on {label(indicator, 'en')} is {pct:.0f}% (MASE {mase:.2f} against "
            f"naive {mase_naive:.2f}); " + ("worse than naive: read projections as scenario comparisons."
                                            if worse else "better than naive."))


def target_sets_for(region: str, first_year: int, last_year: int) -> list[str]:
    """The named target sets with a target for `region` or one of its areas inside the years first-last."""
    from jobsim.model.inputs.catalogue import target_sets_table
    from jobsim.model.inputs.regions import area_ids

    areas = set(area_ids(region)) | {region}
    table = target_sets_table()
    found = []
    for name, rows in table.groupby("set", sort=False):
        years = rows["years"].astype(str).str.split("-")
        inside = [int(y[0]) >= first_year and int(y[-1]) <= last_year for y in years]
        if any(a in areas and ok for a, ok in zip(rows["area"], inside)):
            found.append(str(name))
    return found


# ---- history and forecasts beside a run, and the registry's definitions -------------------------------

def chart_unit(indicator: str) -> str:
    """The unit `fan_table` shows `indicator` in (its model variable's planners' unit), else the registry's."""
    variable = _model_variable(indicator)
    ind = indicators()
    if (ind["model_variable"] == variable).any():
        return display_unit(variable)[0]
    return str(ind.at[indicator, "unit"])


def _unit_factor(unit: str, indicator: str) -> float:
    return to_base(1.0, unit) / to_base(1.0, chart_unit(indicator))


def history_frame(series: pd.Series, unit: str, indicator: str, lang: str = "zh") -> pd.DataFrame:
    """A yearly history series (api.history_series: PeriodIndex or years, in `unit`) as the rows a chart
    draws beside `fan_table`: columns year, value in `chart_unit(indicator)`, missing years dropped;
    `attrs` carry the unit's label in `lang`."""
    _check_lang(lang)
    index = series.index
    if isinstance(index, pd.PeriodIndex) and not index.freqstr.startswith("Y"):
        raise ValueError(f"{indicator}: a {index.freqstr} series is not yearly")
    years = [int(p.year) if isinstance(p, pd.Period) else int(p) for p in index]
    table = pd.DataFrame({"year": years, "value": series.to_numpy(dtype=float) * _unit_factor(unit, indicator)})
    table = table.dropna(subset=["value"]).reset_index(drop=True)
    table.attrs.update({"unit": unit_text(chart_unit(indicator), lang), "indicator": indicator})
    return table


def forecast_frame(table: pd.DataFrame, unit: str, indicator: str, lang: str = "zh") -> pd.DataFrame:
    """A yearly forecast table (Forecast.to_frame(): period, mean, lo80, hi80, lo95, hi95, model, in `unit`)
    as chart rows: columns year, mean, lo80, hi80, lo95, hi95 in `chart_unit(indicator)`, model."""
    _check_lang(lang)
    factor = _unit_factor(unit, indicator)
    out = pd.DataFrame({"year": [int(str(p)[:4]) for p in table["period"]]})
    if any(len(str(p)) > 4 for p in table["period"]):
        raise ValueError(f"{indicator}: the forecast is not yearly")
    for column in ("mean", "lo80", "hi80", "lo95", "hi95"):
        out[column] = table[column].to_numpy(dtype=float) * factor
    out["model"] = table["model"].to_numpy() if "model" in table else ""
    out.attrs.update({"unit": unit_text(chart_unit(indicator), lang), "indicator": indicator})
    return out


def indicator_definitions(lang: str = "zh") -> pd.DataFrame:
    """Every indicator of the registry: id, label (in `lang`), unit (its label in `lang`), kind (its label),
    modelled (whether the model produces it), definition, source."""
    from jobsim.model.inputs.registry import kinds

    _check_lang(lang)
    ind, kind_table = indicators(), kinds()
    column = "label_zh" if lang == "zh" else "label_en"
    rows = [{"id": str(i), "label": str(r[column]), "unit": unit_text(str(r["unit"]), lang),
             "kind": str(kind_table.at[r["kind"], column]) if r["kind"] in kind_table.index else str(r["kind"]),
             "modelled": bool(r["model_variable"]), "definition": str(r["definition"]), "source": str(r["source"])}
            for i, r in ind.iterrows()]
    return pd.DataFrame(rows, columns=["id", "label", "unit", "kind", "modelled", "definition", "source"])


def lever_definitions(lang: str = "zh") -> pd.DataFrame:
    """Every lever of the registry: id, label (in `lang`), unit (planners' unit label), programme, min, max
    (in that unit; NaN when unbounded), definition, source."""
    _check_lang(lang)
    table = levers()
    column = "label_zh" if lang == "zh" else "label_en"
    rows = []
    for i, r in table.iterrows():
        unit, per = lever_units(str(i))
        rows.append({"id": str(i), "label": str(r[column]), "unit": unit_text(unit, lang), "programme": str(r["programme"]),
                     "min": float(r["min"]) / per if r["min"] != "" else np.nan,
                     "max": float(r["max"]) / per if r["max"] != "" else np.nan,
                     "definition": str(r["definition"]), "source": str(r["source"])})
    return pd.DataFrame(rows, columns=["id", "label", "unit", "programme", "min", "max", "definition", "source"])
