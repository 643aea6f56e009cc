"""A scenario's targets judged against a run of it, with the targets the scenario itself sets told apart.

A target on a lever input (training volume, loans issued, posts) is met by the planner's choice, not
by chance: it is shown as "set by the scenario" with the scenario's own value, not as a probability.
Which indicators the levers set is the registry's `set_by_levers` column (data/registry/indicators.csv).
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from jobsim.model.inputs.scenario import Scenario


SET_BY_SCENARIO = "set by the scenario"


def lever_set_indicators() -> dict[str, tuple[str, ...]]:
    """Indicator id -> the levers whose product per year is its volume (registry column `set_by_levers`,
    e.g. entrepreneurship trainees = training volume x entrepreneurship share)."""
    from jobsim.model.inputs.registry import indicators

    ind = indicators()
    column = ind["set_by_levers"] if "set_by_levers" in ind.columns else None
    if column is None:
        return {}
    return {i: tuple(part.strip() for part in str(v).split("*")) for i, v in column.items() if str(v).strip()}


def _scenario_volume(scenario: Scenario, levers: tuple[str, ...], target) -> float:
    """What the scenario's levers give for a target's figure, in the target's unit."""
    import numpy as np

    from jobsim.model.inputs.units import to_base

    years = [y for y in scenario.years if target.start_year <= y <= target.end_year]
    per_year = np.array([np.prod([scenario.lever_values(lever)[y] for lever in levers]) for y in years], float)
    per_year = per_year / to_base(1.0, target.unit)
    if target.basis == "total":
        return float(per_year.sum())
    if target.basis == "year_mean":
        return float(per_year.mean())
    if target.basis == "end_level":
        return float(per_year[-1])
    # each_year: the year that decides whether every year meets the target
    return float(per_year.min() if target.comparison == ">=" else per_year.max() if target.comparison == "<=" else
                 per_year[np.argmax(abs(per_year - target.value))])


def scenario_targets(ds: xr.Dataset, scenario: Scenario) -> pd.DataFrame:
    """The scenario's targets judged against a run of it: evaluate_targets' table, where a target on a lever
    input (training volume, loans issued ...) of the region has status 'set by the scenario', the scenario's
    value (`scenario_value`, in the target's unit) and whether that meets it (`scenario_meets`), instead of a
    probability; for a city such a target keeps the model's split of the region's volume, without probability.
    Each row keeps evaluate_targets' `reading` (how the target was read: a floor, a ceiling or a band)."""
    import numpy as np

    from jobsim.model.outputs.results import evaluate_targets, target_met

    targets = scenario.target_list()
    table = evaluate_targets(ds, targets)
    table["scenario_value"] = np.nan
    table["scenario_meets"] = None
    set_by = lever_set_indicators()
    for i, t in enumerate(targets):
        if t.indicator not in set_by or table.at[i, "status"] != "evaluated":
            continue
        table.at[i, "status"] = SET_BY_SCENARIO
        table.at[i, "probability"] = np.nan
        if t.area != scenario.region:
            continue  # the levers give the region's volume; the model splits it over the cities
        value = _scenario_volume(scenario, set_by[t.indicator], t)
        # read as every target is (results.target_met): a lever share written with 12 digits must not
        # miss the volume it equals by rounding (results.ROUNDING_SLACK)
        meets = target_met(value, t)
        table.at[i, "scenario_value"] = value
        table.at[i, "scenario_meets"] = bool(meets)
    return table
