"""Sweep files: strict validation (each error names the field, the value and what is allowed, with its line),
the design sizes, and the samples each design draws (the same for the same file)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from jobsim.model.experiments.sweep import plan_sweep, sample_design, sample_scenario
from jobsim.model.inputs.sweep_file import SweepError, design_size, load_sweep_file

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "scenarios" / "sweeps" / "jiangxi_training_x_loans.yaml"

GOOD = {
    "name": "small",
    "base": "jiangxi_baseline",
    "levers": {"training_volume_person_times": {"multiplier": [0.5, 1.5]}, "loan_issuance_yuan": [0.5, 1.5]},
    "uncertainties": {"gdp_real_growth_percent": {"shift": [-2, 1]}, "graduates_multiplier": [0.9, 1.1]},
    "design": {"method": "full_factorial", "levels": 2},
    "seed": 5,
    "replicates": 2,
    "scale": 50000,
    "indicators": ["new_urban_jobs"],
}


def write(tmp_path: Path, data: dict, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def issues_of(tmp_path: Path, **changes) -> dict[str, str]:
    data = {**GOOD, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(SweepError) as err:
        load_sweep_file(write(tmp_path, data))
    return dict(err.value.issues)


def test_the_bundled_example_is_valid():
    sweep = load_sweep_file(EXAMPLE)
    assert sweep.factor_names == ("training_volume_person_times", "loan_issuance_yuan")
    assert design_size(sweep.design, sweep.design_settings, 2) == 25
    assert sweep.areas[0] == "Jiangxi" and sweep.base.name == "jiangxi_baseline"


def test_a_valid_file_resolves_the_defaults(tmp_path):
    data = {k: v for k, v in GOOD.items() if k not in ("seed", "replicates", "scale")}
    sweep = load_sweep_file(write(tmp_path, data))
    assert (sweep.seed, sweep.replicates, sweep.scale) == (sweep.base.seed, sweep.base.replicates, sweep.base.scale)
    modes = {f.field: f.mode for f in sweep.factors}
    assert modes == {"training_volume_person_times": "multiplier", "loan_issuance_yuan": "multiplier",
                     "gdp_real_growth_percent": "shift", "graduates_multiplier": "value"}


@pytest.mark.parametrize("changes,field,words", [
    ({"levers": {"training_volum": [0.5, 1.5]}}, "levers.training_volum", ["training_volume_person_times"]),
    ({"levers": {"loan_issuance_yuan": {"times": [0.5, 1]}}}, "levers.loan_issuance_yuan.times",
     ["'times'", "multiplier, value"]),
    ({"levers": {"loan_issuance_yuan": [1.5, 0.5]}}, "levers.loan_issuance_yuan", ["LOW must be below HIGH"]),
    ({"levers": {"loan_issuance_yuan": [0.5, 20]}}, "levers.loan_issuance_yuan.1", ["20", "[0, 10]"]),
    ({"levers": {"loan_issuance_yuan": {"value": ["50亿", "abc"]}}}, "levers.loan_issuance_yuan.value.1", ["'abc'"]),
    ({"uncertainties": {"gdp_real_growth_percent": {"shift": [-2, 99]}}},
     "uncertainties.gdp_real_growth_percent.shift.1", ["99", "[-50, 50]"]),
    ({"uncertainties": {"graduates_multiplier": [0.1, 1]}}, "uncertainties.graduates_multiplier.0", ["0.1", "[0.2, 5]"]),
    ({"uncertainties": {"inflation": [1, 2]}}, "uncertainties.inflation", ["gdp_real_growth_percent"]),
    ({"design": {"method": "grid"}}, "design.method", ["'grid'", "full_factorial", "sobol", "morris"]),
    ({"design": {"method": "sobol", "n": 12}}, "design.n", ["12", "power of 2"]),
    ({"design": {"method": "morris", "trajectories": 4, "levels": 5}}, "design.levels", ["5", "even"]),
    ({"design": {"method": "latin_hypercube", "n": 0}}, "design.n", ["0", "from 1"]),
    ({"design": {"method": "latin_hypercube", "n": 10, "levels": 3}}, "design.levels", ["'levels'", "n"]),
    ({"replicates": 0}, "replicates", ["0", "from 1 to 1,000"]),
    ({"seed": -1}, "seed", ["-1"]),
    ({"scale": 10**7}, "scale", ["too large for Jiangxi"]),
    ({"indicators": ["new_urban_job"]}, "indicators.0", ["'new_urban_job'", "new_urban_jobs"]),
    ({"areas": ["Ganzou"]}, "areas.0", ["'Ganzou'", "Ganzhou"]),
    ({"base": "no_such_scenario"}, "base", ["no_such_scenario", "jiangxi_baseline"]),
    ({"base": "missing/file.yaml"}, "base", ["missing/file.yaml"]),
    ({"name": "Bad Name"}, "name", ["'Bad Name'", "lowercase"]),
    ({"colour": "blue"}, "colour", ["'colour'", "indicators"]),
])
def test_each_problem_names_the_field_the_value_and_what_is_allowed(tmp_path, changes, field, words):
    found = issues_of(tmp_path, **changes)
    assert field in found, found
    for word in words:
        assert word in found[field], (word, found[field])


def test_missing_fields_and_no_factor_are_reported_together(tmp_path):
    data = {"name": "x", "base": "jiangxi_baseline"}
    with pytest.raises(SweepError) as err:
        load_sweep_file(write(tmp_path, data))
    paths = err.value.paths()
    assert {"design", "indicators", "levers"} <= set(paths)


def test_errors_carry_the_line_and_the_file(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text("name: x\nbase: jiangxi_baseline\nlevers:\n  loan_issuance_yuan: [2, 1]\n"
                    "design: {method: sobol, n: 8}\nindicators: [new_urban_jobs]\n", encoding="utf-8")
    with pytest.raises(SweepError) as err:
        load_sweep_file(path)
    assert f"{path}: levers.loan_issuance_yuan: " in str(err.value) and "(line 4)" in str(err.value)


def test_a_duplicate_key_and_an_alias_are_refused(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("name: x\nname: y\n", encoding="utf-8")
    with pytest.raises(SweepError, match="duplicate key 'name'"):
        load_sweep_file(path)
    path.write_text("name: &a x\nbase: *a\n", encoding="utf-8")
    with pytest.raises(SweepError, match="anchors and aliases"):
        load_sweep_file(path)


def test_a_base_by_relative_path(tmp_path):
    (tmp_path / "base.yaml").write_text((ROOT / "scenarios" / "jiangxi_baseline.yaml").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    sweep = load_sweep_file(write(tmp_path, {**GOOD, "base": "./base.yaml"}))
    assert sweep.base.name == "jiangxi_baseline"


@pytest.mark.parametrize("design,size", [
    ({"method": "full_factorial", "levels": 3}, 3 ** 4),
    ({"method": "full_factorial", "levels": {"training_volume_person_times": 2, "loan_issuance_yuan": 3,
                                             "gdp_real_growth_percent": 2, "graduates_multiplier": 2}}, 24),
    ({"method": "latin_hypercube", "n": 7}, 7),
    ({"method": "sobol", "n": 8}, 8 * (4 + 2)),
    ({"method": "sobol", "n": 8, "second_order": True}, 8 * (2 * 4 + 2)),
    ({"method": "morris", "trajectories": 5, "levels": 4}, 5 * (4 + 1)),
])
def test_design_sizes(tmp_path, design, size):
    sweep = load_sweep_file(write(tmp_path, {**GOOD, "design": design}))
    samples = sample_design(sweep)
    assert samples.shape == (size, 4)
    assert design_size(sweep.design, sweep.design_settings, 4) == size
    lows = np.array([f.low for f in sweep.factors])
    highs = np.array([f.high for f in sweep.factors])
    assert (samples >= lows - 1e-12).all() and (samples <= highs + 1e-12).all()
    assert np.array_equal(samples, sample_design(load_sweep_file(write(tmp_path, {**GOOD, "design": design}, "b.yaml"))))


def test_samples_become_validated_scenarios(tmp_path):
    sweep = load_sweep_file(write(tmp_path, {**GOOD, "levers": {"training_volume_person_times": [0.5, 1.5],
                                                               "loan_issuance_yuan": {"value": ["60亿", "180亿"]}}}))
    s = sample_scenario(sweep, [0.75, 6e9, -1.0, 1.1])
    base = sweep.base
    assert s.levers["training_volume_person_times"] == {y: round(v * 0.75) for y, v in
                                                        base.levers["training_volume_person_times"].items()}
    assert set(s.levers["loan_issuance_yuan"].values()) == {6e9}
    assert s.uncertainties.graduates_multiplier == {y: 1.1 for y in base.years}
    assert len(s.uncertainties.gdp_real_growth_percent) == len(base.years)


def test_a_sample_that_makes_an_invalid_scenario_is_refused_naming_it(tmp_path):
    data = {**GOOD, "levers": {"entrepreneurship_training_share": {"multiplier": [0.5, 8]}},
            "uncertainties": None, "design": {"method": "full_factorial", "levels": 3}}
    sweep = load_sweep_file(write(tmp_path, {k: v for k, v in data.items() if v is not None}))
    with pytest.raises(SweepError) as err:
        plan_sweep(sweep, use_calibrated=False)
    field, message = err.value.issues[0]
    assert field == "levers.entrepreneurship_training_share"
    assert "sample 2" in message and "narrow the range" in message
