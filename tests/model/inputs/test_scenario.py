"""Scenario files: validation, the missing-year rule, units, YAML round trip, and `jobsim validate`."""

from __future__ import annotations

import functools
import math
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from jobsim.model.inputs import registry
from jobsim.model.inputs.growth_paths import GROWTH_PERCENT_BOUNDS, missing_default_years
from jobsim.model.inputs.paths import PROJECT_ROOT, scenarios_dir
from jobsim.model.inputs.regions import cities_of, region_ids
from jobsim.model.inputs.parameters import load_parameters
from jobsim.model.inputs.scenario import (
    DOCUMENT,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_yaml,
    scenario_from_dict,
    scenario_from_yaml,
    scenario_to_yaml,
)
from jobsim.model.inputs.scenario.fields import MAX_SEED
from jobsim.model.inputs.scenario.fields import MAX_SCALE
from jobsim.model.inputs.scenario.uncertainties import GRADUATES_MULTIPLIER_BOUNDS
from jobsim.model.inputs.scenario.plausibility import LeverLimits, max_scale
from jobsim.model.inputs.targets import target_set, target_set_names
from jobsim.model.inputs.units import unit_table as units_table

HERE = Path(__file__).parent
BAD_DIR = HERE / "bad_scenarios"
BAD_FILES = sorted(BAD_DIR.glob("*.yaml"))
BUNDLED = sorted(p for p in scenarios_dir().glob("*.yaml") if p.name != "index.yaml")  # index.yaml: not a scenario
LEVERS = registry.lever_ids()


def base(**changes) -> dict:
    """A valid scenario as plain data (Jiangxi 2021-2025)."""
    d = {
        "name": "test_scenario",
        "region": "Jiangxi",
        "period": {"first_year": 2021, "last_year": 2025},
        "levers": {
            "training_volume_person_times": "65万",
            "entrepreneurship_training_share": 0.184615,
            "loan_issuance_yuan": "120亿",
            "public_welfare_post_budget_yuan": "6.6亿",
            "internship_posts": "1.1万",
            "grassroots_posts": 2000,
        },
        "targets": "jiangxi_14th_plan",
        "seed": 1,
        "replicates": 20,
        "scale": 1000,
    }
    d.update(changes)
    return d


def with_lever(lever: str, value) -> dict:
    d = base()
    d["levers"] = {**d["levers"], lever: value}
    return d


def issues_of(d) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(d)
    return info.value.issues


# ---- the bundled scenarios -------------------------------------------------------------------------


def test_bundle_is_complete():
    names = {p.stem for p in BUNDLED}
    assert {
        "jiangxi_baseline", "jiangxi_more_training", "jiangxi_loans_to_training", "jiangxi_more_posts",
        "fuzhou_2024", "hunan_2021", "jiangxi_2026_2030",
    } <= names


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_scenario_validates(path):
    s = load_scenario(path)
    assert s.name == path.stem
    assert s.title is not None and s.title.zh and s.title.en
    assert s.description
    assert list(s.levers) == LEVERS
    table = s.lever_table()
    assert list(table.index) == s.years and list(table.columns) == LEVERS
    assert s.target_list(), "the named target set must hold targets"
    # the same scenario again after writing it out
    assert scenario_from_yaml(scenario_to_yaml(s)) == s


def test_jiangxi_baseline_values():
    s = load_scenario(scenarios_dir() / "jiangxi_baseline.yaml")
    assert s.region == "Jiangxi" and s.years == [2021, 2022, 2023, 2024, 2025]
    assert s.targets == "jiangxi_14th_plan" and s.replicates == 20 and s.scale == 1000
    row = s.lever_table().loc[2021]
    assert row["training_volume_person_times"] == 650_000
    assert row["entrepreneurship_training_share"] == pytest.approx(12 / 65, abs=1e-6)
    assert row["loan_issuance_yuan"] == 12_000_000_000
    assert row["public_welfare_post_budget_yuan"] == 660_000_000
    assert row["internship_posts"] == 11_000
    assert row["grassroots_posts"] == 2000


def test_what_ifs_differ_from_the_baseline_as_described():
    base_s = load_scenario(scenarios_dir() / "jiangxi_baseline.yaml").lever_table()
    more = load_scenario(scenarios_dir() / "jiangxi_more_training.yaml").lever_table()
    assert (more["training_volume_person_times"] == 800_000).all()
    assert (more["entrepreneurship_training_share"] == base_s["entrepreneurship_training_share"]).all()

    moved = load_scenario(scenarios_dir() / "jiangxi_loans_to_training.yaml").lever_table()
    assert (moved["loan_issuance_yuan"] == base_s["loan_issuance_yuan"] * 4 / 5).all()
    assert (moved["training_volume_person_times"] > base_s["training_volume_person_times"]).all()
    # the fiscal saving (interest subsidy + losses on the principal not lent) pays for the extra training
    p = load_parameters("Jiangxi")
    cost_share = p["interest_subsidy_rate_per_year"].value * p["loan_term_months"].value / 12 + p["loan_loss_rate"].value
    saved = (base_s["loan_issuance_yuan"] - moved["loan_issuance_yuan"]).iloc[0] * cost_share
    share = base_s["entrepreneurship_training_share"].iloc[0]
    per_trainee = (1 - share) * p["training_cost_per_trainee_yuan"].value + share * p["entrepreneurship_training_cost_yuan"].value
    extra = (moved["training_volume_person_times"] - base_s["training_volume_person_times"]).iloc[0]
    assert extra == pytest.approx(saved / per_trainee, rel=0.01)

    posts = load_scenario(scenarios_dir() / "jiangxi_more_posts.yaml").lever_table()
    for lever in ("public_welfare_post_budget_yuan", "internship_posts", "grassroots_posts"):
        assert posts.loc[2021, lever] == base_s.loc[2021, lever]
        assert (posts.loc[2022:, lever] > base_s.loc[2022:, lever]).all()


def test_city_and_other_province_scenarios():
    fz = load_scenario(scenarios_dir() / "fuzhou_2024.yaml")
    assert (fz.region, fz.years, fz.targets) == ("Fuzhou", [2024, 2025, 2026], "fuzhou_2024")
    assert fz.lever_values("training_volume_person_times")[2024] == 17_500
    assert fz.lever_values("entrepreneurship_training_share")[2024] == pytest.approx(0.8 / 1.75, abs=1e-6)
    assert fz.lever_values("internship_posts")[2026] == 3000
    hn = load_scenario(scenarios_dir() / "hunan_2021.yaml")
    assert (hn.region, hn.targets) == ("Hunan", "hunan_2021")
    assert hn.lever_values("training_volume_person_times")[2021] == 550_000
    assert hn.lever_values("internship_posts")[2025] == 11_000
    future = load_scenario(scenarios_dir() / "jiangxi_2026_2030.yaml")
    assert future.years == list(range(2026, 2031))
    assert all(t.assumption for t in future.target_list())


def test_the_example_in_the_docs_validates():
    doc = (PROJECT_ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    example = re.search(r"## An example\n\n```yaml\n(.*?)```", doc, re.S).group(1)
    s = scenario_from_yaml(example, "docs/scenarios.md")
    assert s.lever_values("grassroots_posts") == {2021: 2000.0, 2022: 2000.0, 2023: 2000.0, 2024: 2500.0, 2025: 2500.0}
    assert s.lever_values("public_welfare_post_budget_yuan")[2021] == 660_000_000


# ---- the corpus of invalid files ---------------------------------------------------------------------


def _expectations(path: Path) -> tuple[str, str | None]:
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    assert lines and lines[0].startswith("# expect: "), f"{path.name} must start with '# expect: PATH'"
    expect = lines[0].removeprefix("# expect: ").strip()
    value = lines[1].removeprefix("# value: ").strip() if len(lines) > 1 and lines[1].startswith("# value: ") else None
    return expect, value


def test_bad_corpus_is_large_and_varied():
    assert len(BAD_FILES) >= 30
    assert len({p.read_bytes() for p in BAD_FILES}) == len(BAD_FILES)


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_bad_scenario_is_rejected_naming_the_field(path):
    expect, value = _expectations(path)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert expect in err.paths(), f"expected an issue at {expect!r}, got:\n{err}"
    if value is not None:
        messages = [m for p, m in err.issues if p == expect]
        assert any(value in m for m in messages), f"expected {value!r} in the message at {expect}:\n{err}"
    text = str(err)
    for line in text.splitlines():
        assert line.startswith(f"{path}: "), line
    assert "pydantic" not in text.lower() and "http" not in text and "Traceback" not in text
    assert "For further information" not in text


def test_error_lines_give_the_line_of_the_field():
    with pytest.raises(ScenarioError) as info:
        load_scenario(BAD_DIR / "year_outside_period.yaml")
    line = [ln for ln in str(info.value).splitlines() if "levers.loan_issuance_yuan.2026" in ln][0]
    text = (BAD_DIR / "year_outside_period.yaml").read_text(encoding="utf-8").splitlines()
    n = int(line.rsplit("(line ", 1)[1].rstrip(")"))
    assert "2026" in text[n - 1] and "loan_issuance_yuan" in text[n - 1]


def test_all_problems_are_reported_together():
    d = base(name="Bad Name", replicates=0, region="Atlantis")
    d["levers"] = {**d["levers"], "loan_issuance_yuan": "-5亿", "grassroots_posts": {2022: 1}}
    paths = [p for p, _ in issues_of(d)]
    assert {"name", "replicates", "region", "levers.loan_issuance_yuan", "levers.grassroots_posts"} <= set(paths)


def test_truly_empty_and_whitespace_files(tmp_path):
    for text in ("", "   \n\n"):
        f = tmp_path / "empty.yaml"
        f.write_text(text, encoding="utf-8")
        with pytest.raises(ScenarioError) as info:
            load_scenario(f)
        assert info.value.paths() == [DOCUMENT]
        assert "empty" in str(info.value)


def test_missing_file_is_not_a_scenario_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_scenario(tmp_path / "nope.yaml")


def test_yaml_syntax_error_names_the_line():
    with pytest.raises(ScenarioError) as info:
        parse_yaml("name: x\nlevers:\n  a: 1\n b: 2\n", "f.yaml")
    (path, message), = info.value.issues
    assert path == "line 4" and "YAML syntax error" in message


def test_duplicate_keys_are_reported_with_both_lines():
    with pytest.raises(ScenarioError) as info:
        parse_yaml("seed: 1\nscale: 2\nseed: 3\n", "f.yaml")
    (path, message), = info.value.issues
    assert path == "seed" and "line 1" in message and "line 3" in message


def test_constructing_directly_runs_the_same_checks():
    with pytest.raises(ScenarioError):
        Scenario(**base(replicates=0))
    with pytest.raises(ScenarioError):
        Scenario.model_validate(with_lever("grassroots_posts", -1))
    s = Scenario(**base())
    assert s == scenario_from_dict(base())
    assert Scenario.model_validate(s) is s


def test_scenario_error_message_format():
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(with_lever("loan_issuance_yuan", {"value": 1, "unit": "posts"}), source="my.yaml")
    err = info.value
    assert err.issues[0][0] == "levers.loan_issuance_yuan.unit"
    assert str(err).startswith("my.yaml: levers.loan_issuance_yuan.unit: ")
    msg = err.issues[0][1]
    assert "loan_issuance_yuan" in msg and "'posts'" in msg and "100M yuan" in msg


# ---- lever values: units and the missing-year rule ------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [12_000_000_000, 1.2e10, "120亿", "1,200,000万", "120亿元", "1200000万元", {"value": 120, "unit": "100M yuan"},
     {"value": 120, "unit": "亿元"}, {"value": "120万", "unit": "10k yuan"}, {"value": 12_000_000_000, "unit": "yuan"}],
)
def test_every_way_of_writing_120_yi(written):
    s = scenario_from_dict(with_lever("loan_issuance_yuan", written))
    assert s.lever_values("loan_issuance_yuan") == {y: 12_000_000_000.0 for y in range(2021, 2026)}


@pytest.mark.parametrize("written", [0.185, "18.5%", {"value": 18.5, "unit": "percent"}, {"value": 0.185, "unit": "fraction"}])
def test_share_in_fraction_or_percent(written):
    s = scenario_from_dict(with_lever("entrepreneurship_training_share", written))
    assert s.lever_values("entrepreneurship_training_share")[2023] == pytest.approx(0.185)


def test_decimal_amounts_have_no_binary_noise():
    s = scenario_from_dict(with_lever("public_welfare_post_budget_yuan", "8.8亿"))
    assert s.lever_values("public_welfare_post_budget_yuan")[2021] == 880_000_000.0
    assert "880000000.0000001" not in scenario_to_yaml(s)


def test_training_in_persons_is_rejected():
    (path, msg), = issues_of(with_lever("training_volume_person_times", "65万人"))
    assert path == "levers.training_volume_person_times" and "person-times" in msg


def test_single_value_applies_to_every_year():
    s = scenario_from_dict(base())
    assert s.lever_values("internship_posts") == {2021: 11000.0, 2022: 11000.0, 2023: 11000.0, 2024: 11000.0, 2025: 11000.0}


def test_missing_years_carry_forward_the_latest_earlier_value():
    s = scenario_from_dict(with_lever("training_volume_person_times", {2021: "65万", 2023: "80万", 2025: "70万"}))
    assert s.lever_values("training_volume_person_times") == {
        2021: 650_000.0, 2022: 650_000.0, 2023: 800_000.0, 2024: 800_000.0, 2025: 700_000.0,
    }


def test_year_keys_may_be_text_as_from_json():
    s = scenario_from_dict(with_lever("grassroots_posts", {"2021": 2000, "2024": 2500}))
    assert s.lever_values("grassroots_posts") == {2021: 2000.0, 2022: 2000.0, 2023: 2000.0, 2024: 2500.0, 2025: 2500.0}


def test_year_values_may_carry_units():
    s = scenario_from_dict(with_lever("loan_issuance_yuan", {2021: {"value": 120, "unit": "100M yuan"}, 2022: "100亿"}))
    assert s.lever_values("loan_issuance_yuan")[2021] == 1.2e10 and s.lever_values("loan_issuance_yuan")[2025] == 1e10


def test_first_year_is_required_and_outside_years_are_rejected():
    (path, msg), = issues_of(with_lever("grassroots_posts", {2022: 2000}))
    assert path == "levers.grassroots_posts" and "2021" in msg
    paths = [p for p, _ in issues_of(with_lever("grassroots_posts", {2021: 2000, 2030: 1}))]
    assert paths == ["levers.grassroots_posts.2030"]


def test_every_lever_is_required():
    d = base()
    del d["levers"]["loan_issuance_yuan"], d["levers"]["internship_posts"]
    (path, msg), = issues_of(d)
    assert path == "levers" and "loan_issuance_yuan" in msg and "internship_posts" in msg


def test_lever_table_is_years_by_levers_in_base_units():
    s = scenario_from_dict(with_lever("grassroots_posts", {2021: 2000, 2024: 3000}))
    table = s.lever_table()
    assert isinstance(table, pd.DataFrame)
    assert table.index.name == "year" and list(table.index) == [2021, 2022, 2023, 2024, 2025]
    assert list(table.columns) == LEVERS
    assert table["grassroots_posts"].tolist() == [2000, 2000, 2000, 3000, 3000]
    assert table.loc[2025, "loan_issuance_yuan"] == 1.2e10
    with pytest.raises(KeyError):
        s.lever_values("no_such_lever")


# ---- parameters and targets --------------------------------------------------------------------------


def test_parameter_override_within_bounds():
    s = scenario_from_dict(base(parameters={"training_cost_per_trainee_yuan": 1500, "loan_loss_rate": 0.02}))
    assert s.parameters == {"training_cost_per_trainee_yuan": 1500.0, "loan_loss_rate": 0.02}


def test_parameter_out_of_bounds_names_bounds_and_unit():
    p = load_parameters("Jiangxi")["training_cost_per_trainee_yuan"]
    (path, msg), = issues_of(base(parameters={"training_cost_per_trainee_yuan": 100}))
    assert path == "parameters.training_cost_per_trainee_yuan"
    assert f"{p.min:g}" in msg and f"{p.max:g}" in msg and p.unit in msg


def test_inline_targets_for_a_city_of_the_region():
    target = {
        "indicator": "new_urban_jobs", "area": "Fuzhou", "start_year": 2021, "end_year": 2025,
        "basis": "each_year", "comparison": ">=", "value": 3.5, "unit": "10k persons",
    }
    s = scenario_from_dict(base(targets=[target]))
    assert s.target_set_name is None and s.target_list()[0].area == "Fuzhou"
    assert s.describe_targets() == "1 inline target"


def test_inline_target_end_before_start():
    target = {
        "indicator": "new_urban_jobs", "area": "Jiangxi", "start_year": 2024, "end_year": 2022,
        "basis": "total", "comparison": ">=", "value": 100, "unit": "10k persons",
    }
    assert [p for p, _ in issues_of(base(targets=[target]))] == ["targets.0.end_year"]


def test_named_set_may_be_partly_outside_a_shorter_period():
    s = scenario_from_dict(base(period={"first_year": 2021, "last_year": 2023}))
    assert s.targets == "jiangxi_14th_plan"


# ---- round trip -------------------------------------------------------------------------------------


def test_to_dict_round_trip_and_yaml_is_readable():
    s = scenario_from_dict(base(title={"zh": "江西基线", "en": "Jiangxi baseline"}, description="line one\nline two\n"))
    assert scenario_from_dict(s.to_dict()) == s
    text = scenario_to_yaml(s)
    assert "江西基线" in text  # allow_unicode
    assert text.index("name:") < text.index("region:") < text.index("period:") < text.index("levers:") < text.index("seed:")
    assert "loan_issuance_yuan: {2021: 12000000000, 2022: 12000000000" in text
    assert "description: |" in text
    assert scenario_from_yaml(text) == s


def test_with_changes_revalidates():
    s = scenario_from_dict(base())
    t = s.with_changes(replicates=5, name="five")
    assert (t.replicates, t.name) == (5, "five") and t.levers == s.levers
    with pytest.raises(ScenarioError):
        s.with_changes(replicates=0)


_REGIONS_WITH_PARAMETERS = ["Jiangxi", "Hunan", "Fuzhou", "China"]
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),
    max_size=40,
)


def _lever_cap(lever: str, region: str, years: list[int]) -> float:
    """The largest plausible value of `lever` in base units for `region` over `years` (plausibility.py)."""
    dimension = str(units_table().at[registry.levers().at[lever, "unit"], "dimension"])
    limits = LeverLimits(region)
    bounds = [limits.bound(dimension, y) for y in years]
    return min(b.value for b in bounds if b is not None) if any(bounds) else 1e13


def _lever_value(lever: str, cap: float):
    """A valid way to write one year's value of `lever` (number, 万/亿 string, value with unit), at most `cap`
    (its plausibility bound); counts (posts, person-times) are whole numbers."""
    if registry.levers().at[lever, "unit"] == "fraction":
        x = st.floats(0, 1, allow_nan=False)
        return st.one_of(
            x,
            st.integers(0, 1),
            x.map(lambda v: {"value": v * 100, "unit": "percent"}).filter(lambda d: d["value"] <= 100),
            st.integers(0, 1000).map(lambda n: f"{n / 10}%"),
        )
    unit = registry.levers().at[lever, "unit"]
    big_unit = {"yuan": "100M yuan", "person-times": "10k person-times", "posts": "10k posts"}[unit]
    whole = unit != "yuan"
    out = [
        st.integers(0, int(cap)),
        st.integers(0, int(cap / 100)).map(lambda n: f"{n / 100}万"),
        st.integers(0, int(cap / 1e7)).map(lambda n: f"{n / 10}亿"),
        st.integers(0, int(cap / (units_table().at[big_unit, "factor_to_base"] / 100))).map(
            lambda n: {"value": n / 100, "unit": big_unit}
        ),
    ]
    if not whole:
        out.append(st.floats(0, cap, allow_nan=False))
        out.append(st.floats(0, cap / 1e8, allow_nan=False).map(lambda v: {"value": v, "unit": big_unit}))
    return st.one_of(*out)


@st.composite
def _lever_spec(draw, lever: str, years: list[int], region: str):
    value = _lever_value(lever, _lever_cap(lever, region, years))
    if draw(st.booleans()):
        return draw(value)
    later = draw(st.lists(st.sampled_from(years[1:]), unique=True)) if len(years) > 1 else []
    return {y: draw(value) for y in [years[0], *sorted(later)]}


@st.composite
def _inline_target(draw, region: str, years: list[int]):
    indicators = registry.indicators()
    indicator = draw(st.sampled_from(list(indicators.index)))
    start = draw(st.sampled_from(years))
    end = draw(st.sampled_from([y for y in years if y >= start]))
    t = {
        "indicator": indicator,
        "area": draw(st.sampled_from([region, *cities_of(region)])),
        "start_year": start,
        "end_year": end,
        "basis": draw(st.sampled_from(["total", "each_year", "year_mean", "end_level"])),
        "comparison": draw(st.sampled_from([">=", "<=", "about"])),
        "value": draw(st.floats(-1e9, 1e9, allow_nan=False)),
        "unit": str(indicators.at[indicator, "unit"]),
    }
    if draw(st.booleans()):
        t["tolerance"] = draw(st.floats(0, 10, allow_nan=False))
    if draw(st.booleans()):
        t["assumption"] = draw(st.booleans())
    if draw(st.booleans()):
        t["source"], t["note"] = draw(_TEXT), draw(_TEXT)
    return t


@functools.lru_cache(maxsize=None)
def _all_target_sets() -> dict[str, list]:
    return {name: target_set(name) for name in target_set_names()}


def _fitting_sets(region: str, years: list[int]) -> list[str]:
    """Target sets the validator accepts for this region and period (a target for the area overlapping it)."""
    areas = {region, *cities_of(region)}
    return [
        name for name, targets in _all_target_sets().items()
        if any(t.area in areas and t.start_year <= years[-1] and t.end_year >= years[0] for t in targets)
    ]


def _uncertain_value(lo: float, hi: float):
    return st.one_of(st.floats(lo, hi, allow_nan=False), st.integers(int(math.ceil(lo)), int(math.floor(hi))))


@st.composite
def _by_year(draw, value, years: list[int]):
    """One value, or values by year (the first year given, later years optional: the missing-year rule)."""
    if draw(st.booleans()):
        return draw(value)
    later = draw(st.lists(st.sampled_from(years[1:]), unique=True, max_size=5)) if len(years) > 1 else []
    return {y: draw(value) for y in [years[0], *sorted(later)]}


@st.composite
def _uncertainties(draw, region: str, years: list[int], overridden: dict):
    """An `uncertainties:` mapping (or None); growth is always given when the default path does not cover
    the period (the validator would refuse the scenario otherwise)."""
    needs_growth = bool(missing_default_years(region, years[0], years[-1]))
    if not needs_growth and draw(st.booleans()):
        return None
    u: dict = {}
    if needs_growth or draw(st.booleans()):
        u["gdp_real_growth_percent"] = draw(_by_year(_uncertain_value(*GROWTH_PERCENT_BOUNDS), years))
    if draw(st.booleans()):
        u["graduates_multiplier"] = draw(_by_year(_uncertain_value(*GRADUATES_MULTIPLIER_BOUNDS), years))
    if region in _REGIONS_WITH_PARAMETERS and draw(st.booleans()):
        params = load_parameters(region, use_calibrated=False)
        free = [n for n, p in params.items() if n not in overridden and p.min is not None and p.max is not None
                and p.unit != "date"]
        names = draw(st.lists(st.sampled_from(free), unique=True, max_size=3))
        u["parameters"] = {n: draw(_by_year(st.floats(params[n].min, params[n].max, allow_nan=False), years))
                           for n in names}
    return u


@st.composite
def scenario_documents(draw) -> dict:
    region = draw(st.sampled_from(region_ids()))
    first = draw(st.one_of(st.integers(2000, 2100), st.sampled_from([2021, 2024, 2026])))
    last = draw(st.integers(first, min(first + 29, 2100)))
    years = list(range(first, last + 1))
    d: dict = {"name": draw(st.from_regex(r"[a-z0-9_]{1,30}", fullmatch=True))}
    if draw(st.booleans()):
        d["title"] = {"zh": draw(_TEXT.filter(bool)), "en": draw(_TEXT.filter(bool))}
    if draw(st.booleans()):
        d["description"] = draw(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
    d["region"] = region
    d["period"] = {"first_year": first, "last_year": last}
    d["levers"] = {lever: draw(_lever_spec(lever, years, region)) for lever in LEVERS}
    if region in _REGIONS_WITH_PARAMETERS and draw(st.booleans()):
        params = load_parameters(region)
        names = draw(st.lists(st.sampled_from(list(params)), unique=True, max_size=4))
        d["parameters"] = {}
        for n in names:
            p = params[n]
            lo = p.min if p.min is not None else -1e6
            hi = p.max if p.max is not None else 1e6
            d["parameters"][n] = draw(st.floats(lo, hi, allow_nan=False))
    uncertainties = draw(_uncertainties(region, years, d.get("parameters", {})))
    if uncertainties is not None:
        d["uncertainties"] = uncertainties
    sets = _fitting_sets(region, years)
    if sets and draw(st.booleans()):
        d["targets"] = draw(st.sampled_from(sets))
    else:
        d["targets"] = draw(st.lists(_inline_target(region, years), min_size=1, max_size=3))
    d["seed"] = draw(st.integers(0, MAX_SEED))
    d["replicates"] = draw(st.integers(1, 1000))
    d["scale"] = draw(st.integers(1, min(MAX_SCALE, int(max_scale(region).value))))
    return d


@settings(
    max_examples=100,  # 250 took half a minute of the suite; the examples are fixed (derandomize)
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario_documents())
def test_round_trip_scenario_yaml_scenario_is_identical(doc):
    s = scenario_from_dict(doc)
    text = scenario_to_yaml(s)
    again = scenario_from_yaml(text, "<round trip>")
    assert again == s
    assert again.lever_table().equals(s.lever_table())
    assert scenario_to_yaml(again) == text
    assert scenario_from_dict(s.to_dict()) == s
    # every lever covers every year of the period
    for lever in LEVERS:
        assert list(s.lever_values(lever)) == s.years
    # the uncertainties survive the round trip, each given one for every year
    assert again.uncertainties == s.uncertainties
    u = s.uncertainties
    for values in [u.gdp_real_growth_percent, u.graduates_multiplier, *u.parameters.values()]:
        assert not values or list(values) == s.years
    if "uncertainties" in doc:
        assert set(doc["uncertainties"]) == {k for k, v in s.to_dict().get("uncertainties", {}).items()} | (
            {"parameters"} if doc["uncertainties"].get("parameters") == {} else set())


@pytest.mark.parametrize(
    "text",
    ["NEL\x85inside", "line\u2028sep", "\ufeffbom", "crlf\r\nend", "tab\there", " leading", "trailing ",
     "two\nlines\n", "no final newline\nend", "  indented\n  block", "# not a comment", "yes", "2021", "~", "'quoted'",
     "colon: inside", "- dash", "江西省 基线", "\x00nul", "\n\n", "emoji 📈"],
)
def test_round_trip_of_awkward_text(text):
    s = scenario_from_dict(base(title={"zh": text, "en": text}, description=text))
    again = scenario_from_yaml(scenario_to_yaml(s))
    assert again == s and again.description == text


_ANY = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**13), st.floats(allow_nan=True),
              st.text(max_size=12), st.sampled_from(["65万", "12w", "-3亿", "18.5%", "1.1万人次", "2021"])),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers(1990, 2110), st.sampled_from(["value", "unit"])),
                        children, max_size=3),
    ),
    max_leaves=8,
)


@st.composite
def _broken_documents(draw) -> dict:
    """A valid document with one field (top level, or inside levers / period / targets) replaced by junk."""
    d = base(targets=[{
        "indicator": "new_urban_jobs", "area": "Jiangxi", "start_year": 2021, "end_year": 2025,
        "basis": "total", "comparison": ">=", "value": 200, "unit": "10k persons",
    }])
    where = draw(st.sampled_from(["top", "lever", "period", "target", "parameters"]))
    junk = draw(_ANY)
    if where == "top":
        d[draw(st.sampled_from([*d, "extra"]))] = junk
    elif where == "lever":
        d["levers"][draw(st.sampled_from([*LEVERS, "other"]))] = junk
    elif where == "period":
        d["period"][draw(st.sampled_from(["first_year", "last_year", "other"]))] = junk
    elif where == "target":
        d["targets"][0][draw(st.sampled_from([*d["targets"][0], "other"]))] = junk
    else:
        d["parameters"] = {draw(st.sampled_from(["loan_loss_rate", "nope"])): junk}
    return d


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(_broken_documents())
def test_any_input_gives_a_scenario_or_a_scenario_error(doc):
    """Junk anywhere never crashes the validator: it is either valid or a ScenarioError naming paths."""
    try:
        s = scenario_from_dict(doc)
    except ScenarioError as err:
        assert err.issues and all(isinstance(p, str) and isinstance(m, str) and m for p, m in err.issues)
        assert "pydantic" not in str(err).lower()
    else:
        assert scenario_from_yaml(scenario_to_yaml(s)) == s


# ---- jobsim validate ----------------------------------------------------------------------------------


def _listing(root: Path) -> list[tuple[str, int, int]]:
    return sorted(
        (str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")
    )


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    for p in [scenarios_dir() / "jiangxi_baseline.yaml", scenarios_dir() / "fuzhou_2024.yaml"]:
        shutil.copy(p, tmp_path / p.name)
    shutil.copy(BAD_DIR / "negative_budget.yaml", tmp_path / "bad.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(args: list[str]):
    from jobsim.model.cli.main import app

    return CliRunner().invoke(app, ["validate", *args])


def test_validate_ok(workdir):
    before = _listing(workdir)
    result = _run(["jiangxi_baseline.yaml", "fuzhou_2024.yaml"])
    assert result.exit_code == 0, result.output
    assert "OK  jiangxi_baseline.yaml  (jiangxi_baseline, Jiangxi, 2021–2025, jiangxi_14th_plan)" in result.output
    assert "OK  fuzhou_2024.yaml  (fuzhou_2024, Fuzhou, 2024–2026, fuzhou_2024)" in result.output
    assert _listing(workdir) == before


def test_validate_invalid(workdir):
    before = _listing(workdir)
    result = _run(["jiangxi_baseline.yaml", "bad.yaml"])
    assert result.exit_code == 1, result.output
    assert "OK  jiangxi_baseline.yaml" in result.output
    assert "bad.yaml: levers.public_welfare_post_budget_yuan: " in result.output
    assert "1 of 2 scenario files valid" in result.output
    assert _listing(workdir) == before


def test_validate_missing_file_is_a_usage_error(workdir):
    before = _listing(workdir)
    result = _run(["jiangxi_baseline.yaml", "no_such_file.yaml"])
    assert result.exit_code == 2
    assert "no_such_file.yaml" in result.output
    assert _listing(workdir) == before
    assert _run([]).exit_code == 2


def test_validate_a_folder(workdir):
    before = _listing(workdir)
    result = _run(["."])
    assert result.exit_code == 1  # the folder holds bad.yaml
    assert result.output.count("OK  ") == 2
    assert _listing(workdir) == before


def test_validate_every_bundled_scenario():
    result = _run([str(scenarios_dir())])
    assert result.exit_code == 0, result.output
    assert result.output.count("OK  ") == len(BUNDLED)


def test_validate_the_bad_corpus_fails(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = _run([str(p) for p in BAD_FILES])
    assert result.exit_code == 1
    assert "OK  " not in result.output
    assert os.listdir(tmp_path) == []
