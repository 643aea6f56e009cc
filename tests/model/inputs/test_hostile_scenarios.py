"""Hostile scenario files: `jobsim validate` refuses each within seconds under a memory limit, with the exit
code, a message naming the field or document, no traceback and nothing written; and whatever validates runs.

The small files are in hostile_scenarios/ (one per case, EXPECTED below); the big ones (a 50 MB file, alias
bombs, 5,000 nested brackets, too many nodes) are written at test time into tmp_path.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsim.model.inputs import registry
from jobsim.model.inputs.bounded_yaml import MAX_NESTING_DEPTH, MAX_NODES, MAX_SCALAR_CHARS, MAX_SCENARIO_BYTES
from jobsim.model.inputs.paths import scenarios_dir
from jobsim.model.inputs.scenario import ScenarioError, scenario_from_dict
from jobsim.model.inputs.scenario.fields import MAX_SEED
from jobsim.model.inputs.scenario.plausibility import LeverLimits, max_scale
from jobsim.model.inputs.units import unit_table

HERE = Path(__file__).parent
HOSTILE_DIR = HERE / "hostile_scenarios"
JOBSIM = Path(sys.executable).with_name("jobsim")

MEMORY_LIMIT_BYTES = 1_500_000_000  # RLIMIT_AS of each `jobsim validate`
WALL_CLOCK_LIMIT_S = 15  # generous: ~1 s each on a quiet machine, up to 9 s seen with other suites running on 2 cores
EXIT_INVALID = 1

# file stem -> the substring the message must contain (the field path, or the document / line)
EXPECTED: dict[str, str] = {
    "anchor_on_a_value": "seed: YAML anchors and aliases (&s)",
    "alias_between_levers": "levers.loan_issuance_yuan: YAML anchors and aliases",
    "merge_key_alias": "defaults: YAML anchors and aliases",
    "small_alias_bomb": "lol: YAML anchors and aliases",
    "nul_byte": "line 13: column 9: the character U+0000 (NUL)",
    "bell_character": "line 3: column 14: the character U+0007",
    "escape_character": "line 2: column 14: the character U+001B",
    "deep_nesting_25": f"nested more than {MAX_NESTING_DEPTH} levels",
    "deep_block_nesting": "description.k0.k1",
    "invalid_date": "line 4: cannot read the value '2021-13-45'",
    "python_object_tag": "could not determine a constructor",
    "unknown_local_tag": "line 13:",
    "two_documents": "more than one YAML document",
    "unclosed_bracket": "line 5: YAML syntax error",
    "tab_indentation": "YAML syntax error",
    "only_comments": "(document): the file holds no YAML document",
    "null_document": "(document)",
    "list_document": "(document): a scenario must be a mapping",
    "scalar_document": "(document)",
    "duplicate_year_key": "levers.grassroots_posts.2021: duplicate key",
    "complex_key": "unhashable key",
    "unknown_keys_500": "... and 480 more problems",
    "loan_1e20": "levers.loan_issuance_yuan: 1e+20 yuan in 2021 is implausible: above Jiangxi's GDP",
    "loan_1e300": "levers.loan_issuance_yuan: 1e+300 yuan in 2021 is implausible",
    "loan_inf": "levers.loan_issuance_yuan: inf is not a finite number",
    "loan_nan": "levers.loan_issuance_yuan: nan is not a finite number",
    "loan_string_inf": "levers.loan_issuance_yuan: 'inf' is not an amount",
    "loan_integer_beyond_float": "levers.loan_issuance_yuan",
    "loan_above_fuzhou_gdp": "above Fuzhou's GDP",
    "loan_above_hunan_estimate": "above an estimate of Hunan's GDP",
    "welfare_budget_1e15": "levers.public_welfare_post_budget_yuan: 1e+15 yuan",
    "welfare_budget_one_year": "levers.public_welfare_post_budget_yuan.2023:",
    "welfare_budget_in_units": "levers.public_welfare_post_budget_yuan: 1e+17 yuan",
    "training_1e9": "levers.training_volume_person_times: 1e+09 person-times in 2021 is implausible: above Jiangxi's working-age",
    "internship_5000wan": "levers.internship_posts: 5e+07 posts",
    "grassroots_1e20": "levers.grassroots_posts: 1e+20 posts",
    "china_grassroots_above_working_age": "above China's working-age population",
    "fractional_posts": "levers.grassroots_posts: 1500.5 is not a whole number",
    "fractional_posts_in_wan": "levers.internship_posts: '1.00005万' (10000.5 posts) is not a whole number",
    "fractional_person_times_unit": "(1.5 person-times) is not a whole number",
    "fractional_posts_one_year": "levers.grassroots_posts.2024: 2500.25 is not a whole number",
    "decimal_comma_yi": "levers.loan_issuance_yuan: '1,5亿' is not an amount: a comma may only separate thousands",
    "decimal_comma_posts": "levers.grassroots_posts: '50,5'",
    "indian_grouping": "levers.training_volume_person_times: '1,50,000'",
    "comma_after_point": "levers.internship_posts: '1.1,000'",
    "fullwidth_decimal_comma": "decimal point",
    "share_1e20": "levers.entrepreneurship_training_share",
    "seed_2_64": "seed: 18446744073709551616 is too large",
    "seed_2_63": "seed: 9223372036854775808 is too large",
    "seed_negative": "seed:",
    "seed_fraction": "seed:",
    "seed_text": "seed:",
    "seed_inf": "seed:",
    "scale_1e20_int": "scale: 100000000000000000000 persons per agent is too large",
    "scale_1e20_float": "scale:",
    "scale_above_cap": "scale: 10000001",
    "scale_leaves_area_empty": "scale: 2000000 persons per agent is implausible: it would leave Yingtan",
    "scale_inf": "scale:",
    "scale_fraction": "scale:",
    "scale_zero": "scale:",
    "replicates_1001": "replicates:",
    "replicates_1e9": "replicates:",
    "target_value_nan": "targets.0.value: nan is not a finite number",
    "target_value_inf": "targets.0.value: inf",
    "target_tolerance_inf": "targets.0.tolerance: inf",
    "target_tolerance_negative": "targets.0.tolerance: -1.0 is negative",
    "target_tolerance_nan": "targets.0.tolerance: nan",
    "parameter_1e300": "parameters.training_cost_per_trainee_yuan",
    "parameter_nan": "parameters.training_cost_per_trainee_yuan: nan",
    "parameter_decimal_comma": "parameters.training_cost_per_trainee_yuan: '1,5'",
    "period_huge_year": "period.last_year",
    "period_year_zero": "period.first_year",
    "name_5000_chars": "characters left out",
    "lever_as_huge_list": "levers.grassroots_posts: must be a number",
}


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file() or p.is_dir()}


def _validate(target: Path | str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(JOBSIM), "validate", str(target)], cwd=cwd, capture_output=True, text=True,
        timeout=WALL_CLOCK_LIMIT_S, preexec_fn=_limit_memory,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def _assert_refused(target: Path | str, folder: Path, expected: str) -> str:
    before = _snapshot(folder)
    done = _validate(target, folder)
    out = done.stdout + done.stderr
    assert done.returncode == EXIT_INVALID, out[-2000:]
    assert expected in out, out[-2000:]
    assert "Traceback" not in out, out[-2000:]
    assert len(out) < 20_000, "the report must stay short"
    assert _snapshot(folder) == before, "validate must write nothing"
    return out


def test_the_corpus_and_the_table_agree():
    files = {p.stem for p in HOSTILE_DIR.glob("*.yaml")}
    assert files == set(EXPECTED)
    assert len(files) >= 60
    assert all(p.stat().st_size < 20_000 for p in HOSTILE_DIR.glob("*.yaml")), "keep the committed files small"


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_hostile_file_is_refused(stem, tmp_path):
    shutil.copy(HOSTILE_DIR / f"{stem}.yaml", tmp_path / f"{stem}.yaml")
    _assert_refused(tmp_path / f"{stem}.yaml", tmp_path, EXPECTED[stem])


# ---- big or special files, made at test time ----------------------------------------------------------


def _alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _baseline() -> str:
    return (scenarios_dir() / "jiangxi_baseline.yaml").read_text(encoding="utf-8")


GENERATED = {
    "alias_bomb_7": (lambda: _alias_bomb(7), "a0: YAML anchors and aliases"),
    "alias_bomb_10": (lambda: _alias_bomb(10), "a0: YAML anchors and aliases"),
    "nested_brackets_5000": (lambda: "name: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than"),
    "too_many_nodes": (lambda: "name: [" + ", ".join(["1"] * MAX_NODES) + "]\n", f"more than {MAX_NODES:,} YAML nodes"),
    "long_value": (lambda: _baseline() + f"description: {'x' * (MAX_SCALAR_CHARS + 1)}\n", "description: a value of"),
    "integer_of_5000_digits": (lambda: _baseline().replace("seed: 2021", "seed: " + "9" * 5000), "cannot read the value"),
    "unknown_keys_4000": (lambda: _baseline() + "".join(f"k{i}: 1\n" for i in range(4000)), "... and 3,980 more problems"),
    "over_the_size_cap": (lambda: _baseline() + "#" * MAX_SCENARIO_BYTES, "scenario files are at most 1 MB; this one is 1.0 MB"),
    "utf16": (None, "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_hostile_file_is_refused(case, tmp_path):
    make, expected = GENERATED[case]
    path = tmp_path / f"{case}.yaml"
    if case == "utf16":
        path.write_bytes(_baseline().encode("utf-16"))
    else:
        path.write_text(make(), encoding="utf-8")
    _assert_refused(path, tmp_path, expected)


def test_a_50_mb_file_is_refused_by_its_size(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as f:
        f.truncate(50_000_000)  # sparse: 50 MB without writing them
    _assert_refused(path, tmp_path, "this one is 50.0 MB")


def test_dev_zero_is_refused_without_reading(tmp_path):
    _assert_refused("/dev/zero", tmp_path, "/dev/zero: (document): is a character device")


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    _assert_refused(fifo, tmp_path, "is a named pipe")


# ---- what validates, runs --------------------------------------------------------------------------

RUN_SCALE_MIN = 50_000  # a large scale keeps each run short (Jiangxi: about 900 agents)
LEVERS = registry.lever_ids()


def _one_year_baseline() -> dict:
    d = {
        "name": "property_case", "region": "Jiangxi", "period": {"first_year": 2021, "last_year": 2021},
        "targets": "jiangxi_2021", "seed": 2021, "replicates": 1, "scale": RUN_SCALE_MIN,
    }
    return d


@st.composite
def plausible_scenarios(draw) -> dict:
    """The Jiangxi baseline for 2021 with every lever, the seed and the scale anywhere in their allowed and
    plausible ranges, extremes included (a budget of the whole GDP, posts for every working-age person)."""
    d = _one_year_baseline()
    limits = LeverLimits("Jiangxi")
    levers = {}
    for lever in LEVERS:
        unit = registry.levers().at[lever, "unit"]
        dimension = str(unit_table().at[unit, "dimension"])
        bound = limits.bound(dimension, 2021)
        if bound is None:  # a share
            levers[lever] = draw(st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0, 1)))
        elif dimension == "yuan":
            levers[lever] = draw(st.one_of(st.sampled_from([0.0, bound.value]), st.floats(0, bound.value)))
        else:
            top = int(bound.value)
            levers[lever] = draw(st.one_of(st.sampled_from([0, top]), st.integers(0, top)))
    d["levers"] = levers
    d["seed"] = draw(st.one_of(st.sampled_from([0, MAX_SEED]), st.integers(0, MAX_SEED)))
    d["scale"] = draw(st.integers(RUN_SCALE_MIN, int(max_scale("Jiangxi").value)))
    return d


@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(plausible_scenarios())
def test_whatever_validates_runs_one_short_replicate(doc):
    from jobsim.model import api

    try:
        scenario = scenario_from_dict(doc)
    except ScenarioError as err:  # pragma: no cover - the strategy stays within the bounds
        pytest.fail(f"a plausible scenario was refused: {err}")
    ds = api.run(scenario, replicates=1)
    assert ds.sizes["replicate"] == 1
