"""A scenario's `uncertainties:` (growth, graduates multiplier, parameter paths): valid files, every kind of
bad value with its field path, the levers' missing-year rule, the default growth path's coverage, hostile input."""

from __future__ import annotations

import re
import time

import pytest

from jobsim.model.inputs.growth_paths import GROWTH_PERCENT_BOUNDS
from jobsim.model.inputs.paths import PROJECT_ROOT
from jobsim.model.inputs.scenario import (
    ScenarioError,
    load_scenario,
    scenario_from_dict,
    scenario_from_yaml,
    scenario_to_yaml,
)
from jobsim.model.inputs.scenario.uncertainties import GRADUATES_MULTIPLIER_BOUNDS

BASELINE = PROJECT_ROOT / "scenarios" / "jiangxi_baseline.yaml"  # Jiangxi 2021-2025
PARAMETER = "separation_rate_monthly"  # a parameter of data/parameters/defaults.yaml, bounds [0.001, 0.012]


@pytest.fixture(scope="module")
def base() -> dict:
    return load_scenario(BASELINE).to_dict()


def _with(base: dict, uncertainties, **changes) -> dict:
    d = {**base, **changes}
    d["uncertainties"] = uncertainties
    return d


def _issues(doc: dict) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(doc)
    return info.value.issues


def test_a_valid_file_fills_every_year_by_the_missing_year_rule():
    text = BASELINE.read_text(encoding="utf-8").replace("\ntargets:", """
uncertainties:
  gdp_real_growth_percent: {2021: 5.5, 2023: -1.5}
  graduates_multiplier: 1.2
  parameters:
    separation_rate_monthly: {2021: 0.002, 2025: 0.004}
targets:""", 1)
    s = scenario_from_yaml(text, "<test>")
    u = s.uncertainties
    assert u.gdp_real_growth_percent == {2021: 5.5, 2022: 5.5, 2023: -1.5, 2024: -1.5, 2025: -1.5}
    assert u.graduates_multiplier == {y: 1.2 for y in range(2021, 2026)}
    assert u.parameters == {PARAMETER: {2021: 0.002, 2022: 0.002, 2023: 0.002, 2024: 0.002, 2025: 0.004}}
    again = scenario_from_yaml(scenario_to_yaml(s), "<round trip>")
    assert again == s and again.uncertainties == u
    assert "uncertainties:\n  gdp_real_growth_percent: {2021: 5.5, 2022: 5.5, 2023: -1.5" in scenario_to_yaml(s)


def test_without_uncertainties_nothing_is_written(base):
    s = scenario_from_dict(base)
    assert s.uncertainties.is_empty() and "uncertainties" not in s.to_dict()
    assert "uncertainties" not in scenario_to_yaml(s)
    assert scenario_from_dict(_with(base, None)) == s  # an empty field is no field
    assert s.with_changes(uncertainties={"graduates_multiplier": 2}).uncertainties.graduates_multiplier[2025] == 2


def test_bounds_are_the_documented_ones():
    assert GROWTH_PERCENT_BOUNDS == (-20.0, 30.0) and GRADUATES_MULTIPLIER_BOUNDS == (0.2, 5.0)


@pytest.mark.parametrize("uncertainties,path,words", [
    ([1, 2], "uncertainties", ["must be a mapping", "gdp_real_growth_percent, graduates_multiplier, parameters"]),
    ({"gdp_growth": 5}, "uncertainties.gdp_growth", ["unknown uncertainty 'gdp_growth'", "gdp_real_growth_percent"]),
    ({"gdp_real_growth_percent": {2021: 5, 2026: 4}}, "uncertainties.gdp_real_growth_percent.2026",
     ["year 2026", "outside the period 2021–2025"]),
    ({"gdp_real_growth_percent": {2020: 5, 2021: 4}}, "uncertainties.gdp_real_growth_percent.2020", ["outside the period"]),
    ({"gdp_real_growth_percent": {"soon": 5}}, "uncertainties.gdp_real_growth_percent.soon", ["'soon' is not a year"]),
    ({"gdp_real_growth_percent": {2022: 5}}, "uncertainties.gdp_real_growth_percent",
     ["first year of the period (2021) must be given", "carry forward"]),
    ({"gdp_real_growth_percent": "5%"}, "uncertainties.gdp_real_growth_percent", ["must be a number", "'5%'"]),
    ({"gdp_real_growth_percent": True}, "uncertainties.gdp_real_growth_percent", ["boolean"]),
    ({"gdp_real_growth_percent": {2021: None}}, "uncertainties.gdp_real_growth_percent.2021",
     ["must be a number", "nothing"]),
    ({"gdp_real_growth_percent": float("nan")}, "uncertainties.gdp_real_growth_percent", ["nan", "not a finite number"]),
    ({"gdp_real_growth_percent": {2021: float("inf")}}, "uncertainties.gdp_real_growth_percent.2021", ["not a finite"]),
    ({"gdp_real_growth_percent": {2021: 45}}, "uncertainties.gdp_real_growth_percent.2021",
     ["45", "implausible", "[-20, 30]", "percent"]),
    ({"gdp_real_growth_percent": -25}, "uncertainties.gdp_real_growth_percent", ["-25", "[-20, 30]"]),
    ({"gdp_real_growth_percent": {2021: [5]}}, "uncertainties.gdp_real_growth_percent.2021", ["not a mapping or a list"]),
    ({"graduates_multiplier": 0}, "uncertainties.graduates_multiplier", ["0 is implausible", "[0.2, 5]"]),
    ({"graduates_multiplier": -1}, "uncertainties.graduates_multiplier", ["[0.2, 5]"]),
    ({"graduates_multiplier": {2021: 1, 2024: 7.5}}, "uncertainties.graduates_multiplier.2024", ["7.5", "[0.2, 5]"]),
    ({"graduates_multiplier": "yes"}, "uncertainties.graduates_multiplier", ["must be a number", "'yes'"]),
    ({"parameters": [PARAMETER]}, "uncertainties.parameters", ["must be a mapping of parameter name"]),
    ({"parameters": {"separation_rate_montly": 0.002}}, "uncertainties.parameters.separation_rate_montly",
     ["unknown parameter", "did you mean 'separation_rate_monthly'"]),
    ({"parameters": {PARAMETER: {2021: 0.5}}}, f"uncertainties.parameters.{PARAMETER}.2021",
     ["0.5", "outside the bounds", PARAMETER, "[0.001, 0.012]"]),
    ({"parameters": {PARAMETER: {2021: "fast"}}}, f"uncertainties.parameters.{PARAMETER}.2021", ["'fast' is not an amount"]),
    ({"parameters": {PARAMETER: {2021: False}}}, f"uncertainties.parameters.{PARAMETER}.2021", ["must be a number"]),
    ({"parameters": {PARAMETER: {2021: float("nan")}}}, f"uncertainties.parameters.{PARAMETER}.2021", ["not a finite"]),
    ({"parameters": {PARAMETER: {2023: 0.002}}}, f"uncertainties.parameters.{PARAMETER}",
     ["first year of the period (2021) must be given"]),
])
def test_bad_values_are_refused_naming_the_field(base, uncertainties, path, words):
    issues = _issues(_with(base, uncertainties))
    messages = [m for p, m in issues if p == path]
    assert messages, f"expected an issue at {path!r}, got {issues}"
    for word in words:
        assert any(word in m for m in messages), (word, messages)


def test_a_parameter_is_overridden_or_given_a_path_not_both(base):
    doc = _with(base, {"parameters": {PARAMETER: 0.002}}, parameters={PARAMETER: 0.003})
    (path, message), = _issues(doc)
    assert path == f"uncertainties.parameters.{PARAMETER}" and "also overridden" in message


def test_every_problem_is_reported_at_once(base):
    issues = _issues(_with(base, {"gdp_real_growth_percent": 99, "graduates_multiplier": 0, "wages": 1}))
    assert {p for p, _ in issues} == {"uncertainties.gdp_real_growth_percent", "uncertainties.graduates_multiplier",
                                      "uncertainties.wages"}


def test_the_missing_year_rule_is_the_levers_rule(base):
    """Same spec, same years: a lever and an uncertainty are filled alike (one function, levers._check_by_year)."""
    by_year = {2021: 1.0, 2024: 2.0}
    s = scenario_from_dict(_with(base, {"graduates_multiplier": by_year},
                                 levers={**base["levers"], "entrepreneurship_training_share": {2021: 0.1, 2024: 0.2}}))
    lever = s.lever_values("entrepreneurship_training_share")
    assert [v * 10 for v in lever.values()] == pytest.approx(list(s.uncertainties.graduates_multiplier.values()))
    assert s.uncertainties.graduates_multiplier == {2021: 1.0, 2022: 1.0, 2023: 1.0, 2024: 2.0, 2025: 2.0}


def test_a_period_the_default_path_does_not_cover_needs_its_growth(base):
    levers = {k: v[2021] for k, v in base["levers"].items()}
    target = [{"indicator": "new_urban_jobs", "area": "Jiangxi", "start_year": 2005, "end_year": 2012,
               "basis": "total", "comparison": ">=", "value": 0, "unit": "10k persons"}]
    doc = {**base, "period": {"first_year": 2005, "last_year": 2012}, "levers": levers, "targets": target}
    (path, message), = _issues(doc)
    assert path == "uncertainties.gdp_real_growth_percent"
    assert re.search(r"no default real GDP growth for Jiangxi in 2005-2009", message)
    assert "give uncertainties.gdp_real_growth_percent" in message
    s = scenario_from_dict(_with(doc, {"gdp_real_growth_percent": 9.0}))  # given: valid
    assert s.uncertainties.gdp_real_growth_percent[2005] == 9.0


def test_hostile_uncertainties_are_refused_quickly(base):
    """Thousands of keys under one uncertainty: refused within the scenario caps, with a short report."""
    many = "\n".join(f"    k{i}: {i}" for i in range(20_000))
    text = BASELINE.read_text(encoding="utf-8").replace(
        "\ntargets:", f"\nuncertainties:\n  gdp_real_growth_percent:\n{many}\ntargets:", 1)
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml(text, "<hostile>")
    assert time.perf_counter() - started < 10
    assert len(str(info.value)) < 20_000
    deep = "{2021: " * 200 + "1" + "}" * 200
    with pytest.raises(ScenarioError):
        scenario_from_yaml(BASELINE.read_text(encoding="utf-8").replace(
            "\ntargets:", f"\nuncertainties:\n  graduates_multiplier: {deep}\ntargets:", 1), "<deep>")
