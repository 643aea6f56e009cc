"""The spin-up of a run, checked against history: what the model's roll-forward made of the years
between the facts' structure and the period, beside what the statistics say of them.

A run whose first year is later than structure_year + 1 of its facts (a 2026 run from the 2020 census)
steps through the years in between unrecorded in its Dataset (`LabourMarketModel.spin_up`), each year
with its own real GDP growth, the first projected year's levers and the model's own demography. Its
recorder of those years (`model.spin_up_recorder`) gives the region's yearly figures with the same
formulas as any run (`region_yearly`); `spin_up_check` sets their median over replicates beside the
region's history (data/history.csv and the users' history.csv) year by year.

Programme volumes (the indicators a lever sets) are left out by default: the spin-up runs with the
first projected year's levers, not the past years' programmes, so they say nothing of the roll-forward.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobsim.model.experiments.ensemble import plan_ensemble
from jobsim.model.inputs.history import load_history
from jobsim.model.inputs import registry
from jobsim.model.inputs.scenario import Scenario, load_scenario
from jobsim.model.inputs.units import factor_to_base, to_base
from jobsim.model.outputs.indicators import region_years, region_yearly

# The indicators compared by default: the labour market's own outcomes, each with a history series.
SPIN_UP_INDICATORS = ("new_urban_jobs", "urban_employment", "registered_unemployed", "registered_unemployment_rate",
                      "surveyed_unemployment_rate", "reemployment_of_unemployed", "hard_to_employ_employed",
                      "rural_labour_transferred")
STATS = ("model_median", "model_min", "model_max", "history")
# Vintages preferred when the history has several figures for a year.
_VINTAGE_ORDER = {"revised": 0, "unknown": 1, "early": 2}


def spin_up_check(scenario: Scenario | str, replicates: int = 4, seed: int | None = None, scale: float | None = None,
                  indicators: tuple[str, ...] | list[str] = SPIN_UP_INDICATORS, use_calibrated: bool = True,
                  ) -> pd.DataFrame:
    """The spin-up years of `scenario` x indicators: the model's median, min and max over `replicates`
    (each replicate's spec as `plan_ensemble` makes it; only the spin-up is simulated, not the period)
    and the history's value for the region where there is one (NaN otherwise), in the indicator's
    registry unit (10k persons, percent). Columns: a MultiIndex (indicator, stat), stat in STATS;
    index: year. An empty table (no rows) for a scenario without spin-up. `scenario` may be a file path.

        api.spin_up_check("scenarios/jiangxi_2026_2030.yaml", replicates=4)["new_urban_jobs"]
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    table = registry.indicators()  # indexed by id
    unknown = [i for i in indicators if i not in table.index or pd.isna(table.at[i, "model_variable"])]
    if unknown:
        raise ValueError(f"indicators: {unknown} are not modelled indicators; "
                         f"e.g. {', '.join(SPIN_UP_INDICATORS)}")
    plan = plan_ensemble(scenario, replicates=replicates, seed=seed, scale=scale, use_calibrated=use_calibrated)
    columns = pd.MultiIndex.from_product([list(indicators), list(STATS)], names=["indicator", "stat"])
    years = list(plan.specs[0].spin_up_years)
    if not years:
        return pd.DataFrame(index=pd.Index([], name="year", dtype=int), columns=columns, dtype=float)
    variables = [str(table.at[i, "model_variable"]) for i in indicators]
    runs = []
    for spec in plan.specs:
        model = spec.build()  # the warm-up and the spin-up run while the model is built
        rec = model.spin_up_recorder
        assert region_years(rec) == years
        runs.append(region_yearly(rec, variables))
    history = load_history()
    history = history[history["region"] == scenario.region]
    out = pd.DataFrame(index=pd.Index(years, name="year"), columns=columns, dtype=float)
    for ind, var in zip(indicators, variables):
        unit = str(table.at[ind, "unit"])
        values = np.array([r[var] for r in runs]) / factor_to_base(unit)
        out[(ind, "model_median")] = np.median(values, axis=0)
        out[(ind, "model_min")] = values.min(axis=0)
        out[(ind, "model_max")] = values.max(axis=0)
        out[(ind, "history")] = [_history_year(history, ind, str(table.at[ind, "kind"]), y) / factor_to_base(unit)
                                 for y in years]
    return out


def _history_year(history: pd.DataFrame, indicator: str, kind: str, year: int) -> float:
    """The region's figure of `indicator` for `year` in base units: a window January-December (sum or
    mean), or a level at the end of December (a stock or rate); the revised vintage first; NaN if none."""
    rows = history[history["indicator"] == indicator]
    if rows.empty:
        return np.nan
    start_y, start_m = rows["start"].dt.year, rows["start"].dt.month
    end_y, end_m = rows["end"].dt.year, rows["end"].dt.month
    whole_year = (start_y == year) & (start_m == 1) & (end_y == year) & (end_m == 12) & rows["stat"].isin(
        ["sum"] if kind == "flow" else ["mean"])
    year_end = (start_y == year) & (start_m == 12) & (end_y == year) & (end_m == 12) & (rows["stat"] == "end")
    hits = rows[whole_year | (year_end if kind != "flow" else False)]
    if hits.empty:
        return np.nan
    best = hits.iloc[int(np.argmin([_VINTAGE_ORDER.get(v, 1) for v in hits["vintage"]]))]
    return to_base(float(best["value"]), str(best["unit"]))
