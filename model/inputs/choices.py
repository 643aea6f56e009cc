"""The names a caller may choose (regions, areas, indicators, target sets, calibratable regions), checked
before any work starts: each check returns the name or raises ChoiceError naming the value, close
matches and what is allowed. Front ends (the command line, the app) call these through the API."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the checks run before any work: they load pandas only where a table is asked for
    import pandas as pd


class ChoiceError(ValueError):
    """A name given by the caller (region, area, indicator, target set ...) that is not one of the allowed
    values; the message names the value and what is allowed."""


def region_ids() -> list[str]:
    """Every region id (country, provinces, cities), in the order of data/regions.csv."""
    from jobsim.model.inputs.regions import region_ids as _region_ids

    return _region_ids()


def check_region(region: str) -> str:
    """`region` if it is a known region id; ChoiceError naming close matches and the known ids otherwise."""
    from jobsim.model.inputs.regions import load_regions, unknown_region_message

    if region not in load_regions().index:
        raise ChoiceError(unknown_region_message(region))
    return region


def run_areas(region: str) -> list[str]:
    """The areas a run of `region` reports: the region itself, then its cities (a run's `area` coordinate)."""
    from jobsim.model.inputs.regions import cities_of

    return [check_region(region), *cities_of(region)]


def check_area(region: str, area: str) -> str:
    """`area` if a run of `region` reports it (the region or one of its cities); ChoiceError otherwise."""
    from jobsim.model.inputs.regions import close_matches

    areas = run_areas(region)
    if area in areas:
        return area
    hits = close_matches(area, areas)
    near = f"did you mean {' or '.join(repr(h) for h in hits)}? " if hits else ""
    raise ChoiceError(f"{area!r} is not an area of {region}; {near}areas: {', '.join(areas)}")


def check_indicator(indicator: str) -> str:
    """`indicator` if it is an indicator id of the registry; ChoiceError with close matches otherwise."""
    from jobsim.model.inputs.targets import indicator_problem

    problem = indicator_problem(indicator)
    if problem:
        raise ChoiceError(problem)
    return indicator


def target_set_names() -> list[str]:
    """The named target sets of data/targets.csv, in file order."""
    from jobsim.model.inputs.targets import target_set_names as _names

    return _names()


def check_target_set(name: str) -> str:
    """`name` if it is a named target set; ChoiceError listing the sets otherwise."""
    from jobsim.model.inputs.regions import choices_text

    names = target_set_names()
    if name not in names:
        raise ChoiceError(f"unknown target set {name!r}; {choices_text(name, names, 'target sets')} (data/targets.csv)")
    return name


def calibratable_regions() -> list[str]:
    """Regions a calibration or back-test can run for: those with a baseline scenario (scenarios/index.yaml
    and the user data folders' indexes)."""
    from jobsim.model.inputs.scenario_index import scenario_index

    return list(scenario_index().baselines)


def check_calibratable_region(region: str) -> str:
    """`region` if it can be calibrated (it has a baseline scenario); ChoiceError saying how to add one otherwise."""
    from jobsim.model.inputs.scenario_index import no_baseline_message

    check_region(region)
    if region not in calibratable_regions():
        raise ChoiceError(no_baseline_message(region))
    return region


def check_modelled_indicator(indicator: str) -> str:
    """`indicator` if the model produces it (it has a model variable); ChoiceError listing those it does."""
    from jobsim.model.inputs.registry import modelled_indicators

    modelled = sorted(modelled_indicators().index)
    if indicator not in modelled:
        raise ChoiceError(f"indicator {indicator!r} is not one the model produces; modelled indicators: "
                          f"{', '.join(modelled)}")
    return indicator


def is_scenario_index(path: str | Path) -> bool:
    """Whether `path` is a scenario index (scenarios/index.yaml: baselines, bundled comparison), not a scenario."""
    from jobsim.model.inputs.scenario_index import INDEX_FILE

    return Path(path).name == INDEX_FILE


def validate_scenario_index(path: str | Path) -> list[str]:
    """The problems of a scenario index file (each naming the file, line and field); [] when it is valid."""
    from jobsim.model.inputs.scenario_index import check_index_file

    return check_index_file(Path(path))


def bundled_comparison() -> list[Path]:
    """The scenario files `jobsim run-bundled` (and `make run`) compares, baseline first (scenarios/index.yaml)."""
    from jobsim.model.inputs.scenario_index import scenario_index, scenario_path

    return [scenario_path(name) for name in scenario_index().bundled_comparison]


def units() -> pd.DataFrame:
    """The unit registry indexed by unit: dimension, factor_to_base, base_unit, label_zh, label_en."""
    from jobsim.model.inputs.units import unit_table

    return unit_table()


def indicator_info(indicator: str) -> dict:
    """An indicator's registry row as a dict: id, label_zh, label_en, unit, kind, model_variable, definition."""
    from jobsim.model.inputs.registry import indicators

    return {"id": indicator, **indicators().loc[check_indicator(indicator)].to_dict()}


# ---- the numbers a run is asked for (command-line replicates, scale and seed), by the rules of scenario files


def _whole_number(value: object) -> int | None:
    """`value` as an int if it is a whole number (an int, or a float without a fraction), else None."""
    import math
    import operator

    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        pass
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def check_replicates(replicates: int) -> int:
    """`replicates` if it is a whole number from 1 to MAX_REPLICATES (the most a scenario file may give)."""
    from jobsim.model.inputs.scenario import MAX_REPLICATES

    whole = _whole_number(replicates)
    if whole is None or not 1 <= whole <= MAX_REPLICATES:
        raise ChoiceError(f"{replicates} replicates is not allowed; give a whole number from 1 to {MAX_REPLICATES} "
                          f"(the most a scenario file may give)")
    return whole


def check_scale(scale: float, region: str | None = None) -> float:
    """`scale` (persons per agent) if it is a finite whole number from 1 to the scenario files' maximum, and (for
    `region`) small enough to leave every simulated area an agent: the rules of a scenario file's `scale`."""
    import math

    from jobsim.model.inputs.scenario.fields import MAX_SCALE

    value = float(scale)
    if not math.isfinite(value) or not value.is_integer() or not 1 <= value <= MAX_SCALE:
        raise ChoiceError(f"{scale:g} persons per agent is not allowed; give a whole number from 1 to {MAX_SCALE:,} "
                          "(as a scenario file's `scale` must be)")
    if region is not None:
        from jobsim.model.inputs.scenario.plausibility import max_scale

        bound = max_scale(region)
        if bound is not None and value > bound.value:
            raise ChoiceError(f"{value:g} persons per agent is too large for {region}: {bound.text}")
    return value


def check_seed(seed: int) -> int:
    """`seed` if it is a whole number from 0 to MAX_SEED (what numpy's SeedSequence takes and NetCDF stores)."""
    from jobsim.model.inputs.scenario.fields import MAX_SEED

    whole = _whole_number(seed)
    if whole is None or not 0 <= whole <= MAX_SEED:
        raise ChoiceError(f"seed {seed} is not allowed; give a whole number from 0 to 2**63 - 1 = {MAX_SEED} "
                          "(what a result file can store)")
    return whole
