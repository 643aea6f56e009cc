"""The paired comparison of scenarios as one Dataset (jobsim.model.experiments.compare: compare_scenarios,
plan_comparison, comparison_dataset).

- On synthetic ensembles with known values: the Dataset's dims and variables; the paired standard error is
  sd(differences) / sqrt(n); the within-noise mark fires exactly when |diff| < 2 SE, with
  n_needed = ceil(n * (2 SE / |diff|)^2), and a difference of exactly 0 cannot be resolved; the costs per
  additional job, job held and job-year.
- Before any run: the baseline is chosen by name or file (first by default); scenarios of another region or
  period, invalid files and unknown baselines are refused naming the file and the field; scenarios whose own
  seeds differ all run with the baseline's, and the notes say so.
- On tiny real runs (2021-2022, 1 agent = 20 000 persons, 2-3 replicates): a scenario compared with itself
  differs by exactly 0; target probabilities agree with a direct count of the replicates; the runs are paired.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from jobsim.model import api
from jobsim.model.experiments import compare as cmp
from jobsim.model.experiments.compare import (
    MEASURES,
    ComparisonError,
    comparison_dataset,
    compare_scenarios,
    plan_comparison,
)
from jobsim.model.outputs.comparison_report import UNRESOLVABLE, comparison_tables
from test_compare import N_REP, synthetic  # this folder's synthetic ensembles (pytest puts it on the path)

TINY_SCALE = 20_000
SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
HELD = np.array((1e6, 1.01e6, 0.99e6, 1e6))


def measure_index(ds, column: str) -> int:
    return list(ds["measure"].values).index(column)


# ---- synthetic ensembles ---------------------------------------------------------------------------------


def test_the_dataset_has_a_scenario_dimension_and_every_variable():
    ds = comparison_dataset({"base": synthetic(), "more": synthetic(held=HELD + 1e4, spending=2e8)})
    assert list(ds["scenario"].values) == ["base", "more"]
    assert dict(ds.sizes) == {"scenario": 2, "measure": len(MEASURES), "programme": 6, "replicate": N_REP, "target": 0}
    for name in ("level_median", "level_p10", "level_p90", "difference", "difference_se", "within_noise",
                 "replicates_needed", "noise_note", "spending", "spending_total", "extra_cost", "cost_per_extra_job",
                 "cost_per_extra_job_held", "cost_per_extra_job_year", "target_probability", "paired", "replicates"):
        assert name in ds, name
        assert "scenario" in ds[name].dims, name
    assert list(ds["is_baseline"].values) == [True, False]
    assert ds["measure_label_zh"].values[measure_index(ds, "new_urban_jobs")] == "城镇新增就业"
    assert ds["programme_label_en"].values[0] == "training subsidy spending"


def test_paired_standard_error_is_sd_of_differences_over_root_n():
    d_held = np.array((1e4, 3e4, 2e4, 0.0))
    ds = comparison_dataset({"base": synthetic(), "more": synthetic(held=HELD + d_held)})
    j = measure_index(ds, "jobs_held_end")
    more = ds.sel(scenario="more")
    assert bool(more["paired"])
    assert float(more["difference"][j]) == pytest.approx(d_held.mean() / 1e4)
    assert float(more["difference_se"][j]) == pytest.approx(d_held.std(ddof=1) / math.sqrt(N_REP) / 1e4)
    # the same from the replicate figures the Dataset keeps
    diffs = (ds["replicate_value"].sel(scenario="more") - ds["replicate_value"].sel(scenario="base")).values[j]
    assert float(more["difference_se"][j]) == pytest.approx(diffs.std(ddof=1) / math.sqrt(N_REP))
    assert float(ds.sel(scenario="base")["difference"][j]) == 0.0


def test_within_noise_fires_below_two_standard_errors_with_the_replicates_needed():
    d_held = np.array((1e4, -1e4, 2e4, -1.5e4))  # mean 1250, sd about 1.6万: inside the noise
    ds = comparison_dataset({"base": synthetic(), "noisy": synthetic(held=HELD + d_held)})
    j = measure_index(ds, "jobs_held_end")
    r = ds.sel(scenario="noisy")
    diff, se = d_held.mean(), d_held.std(ddof=1) / math.sqrt(N_REP)
    assert abs(diff) < 2 * se and bool(r["within_noise"][j])
    assert float(r["replicates_needed"][j]) == math.ceil(N_REP * (2 * se / abs(diff)) ** 2)
    note = str(r["noise_note"].values[j])
    assert note.startswith(api.WITHIN_NOISE) and str(math.ceil(N_REP * (2 * se / abs(diff)) ** 2)) in note
    assert "ceil(n * (2 * SE / |diff|)^2)" in note
    # new urban jobs did not change at all (SE 0): not within noise, nothing needed
    k = measure_index(ds, "new_urban_jobs")
    assert not bool(r["within_noise"][k]) and math.isnan(float(r["replicates_needed"][k]))
    assert not bool(ds.sel(scenario="base")["within_noise"][j]), "the baseline is never marked"


def test_a_resolved_difference_is_not_marked():
    d_held = np.array((1e4, 1.1e4, 0.9e4, 1e4))  # mean 1万, SE 408: far outside the noise
    r = comparison_dataset({"base": synthetic(), "more": synthetic(held=HELD + d_held)}).sel(scenario="more")
    j = list(r["measure"].values).index("jobs_held_end")
    assert not bool(r["within_noise"][j]) and math.isnan(float(r["replicates_needed"][j]))
    assert str(r["noise_note"].values[j]) == ""


def test_a_difference_of_exactly_zero_cannot_be_resolved():
    d_held = np.array((1e4, -1e4, 1e4, -1e4))
    ds = comparison_dataset({"base": synthetic(), "zero": synthetic(held=HELD + d_held)})
    j = measure_index(ds, "jobs_held_end")
    r = ds.sel(scenario="zero")
    assert float(r["difference"][j]) == 0.0 and float(r["difference_se"][j]) > 0
    assert bool(r["within_noise"][j]) and math.isinf(float(r["replicates_needed"][j]))
    assert "no number of replicates can resolve" in str(r["noise_note"].values[j])
    headline = comparison_tables(ds)["headline"]
    row = headline[(headline.scenario == "zero") & (headline.measure == "jobs_held_end")].iloc[0]
    assert row["replicates_needed"] == UNRESOLVABLE


def test_costs_per_additional_job_job_held_and_job_year():
    d_held = np.array((1e4, 3e4, 2e4, 0.0))
    more_jobs = np.array((1e4, 1.2e4, 0.9e4, 1.1e4)) + 1e3  # 1000 more counted a month, 24 months
    ds = comparison_dataset({"base": synthetic(), "more": synthetic(jobs_per_month=more_jobs, held=HELD + d_held,
                                                                     spending=2e8)})
    r = ds.sel(scenario="more")
    extra = 1e8 * 24  # 1亿 a month more over 24 months, in yuan
    assert float(r["extra_cost"]) == pytest.approx(extra / 1e8)  # stored in 亿元
    assert float(r["cost_per_extra_job"]) == pytest.approx(extra / (1e3 * 24))
    assert float(r["cost_per_extra_job_held"]) == pytest.approx(extra / d_held.mean())
    assert float(r["cost_per_extra_job_year"]) == pytest.approx(extra / (2 * d_held.mean()))
    assert math.isnan(float(ds.sel(scenario="base")["cost_per_extra_job"]))
    spend = ds["spending"].sel(scenario="more")
    assert float(spend.sum()) == pytest.approx(float(r["spending_total"]))


def test_the_baseline_can_be_any_of_the_runs():
    ds = comparison_dataset({"a": synthetic(), "b": synthetic(held=HELD + 1e4)}, baseline="b")
    assert list(ds["scenario"].values) == ["b", "a"] and ds.attrs["baseline"] == "b"
    j = measure_index(ds, "jobs_held_end")
    assert float(ds.sel(scenario="a")["difference"][j]) == pytest.approx(-1.0)  # 1万 fewer than b


# ---- checks before any run -------------------------------------------------------------------------------


def write_scenario(folder, scenario, **changes):
    d = scenario.to_dict()
    d.update(changes)
    path = folder / f"{d['name']}.yaml"
    path.write_text(yaml.safe_dump(d, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_base(make_scenario):
    s = make_scenario(2021, 2022, seed=11, name="tiny_base")
    target = {"area": "Jiangxi", "start_year": 2021, "end_year": 2022, "basis": "total", "comparison": ">="}
    targets = [{**target, "indicator": "new_urban_jobs", "value": 60, "unit": "10k persons"},
               {**target, "indicator": "subsidised_training", "value": 120, "unit": "10k person-times"}]
    return s.with_changes(targets=targets, replicates=2, scale=TINY_SCALE)


@pytest.fixture(scope="module")
def tiny_files(tiny_base, tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    more = tiny_base.to_dict()["levers"]
    more["training_volume_person_times"] = {y: 1_300_000 for y in (2021, 2022)}
    return {"base": write_scenario(folder, tiny_base),
            "more": write_scenario(folder, tiny_base, name="tiny_more", levers=more, seed=99),
            "folder": folder}


@pytest.fixture
def no_runs(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a simulation started before the checks")

    monkeypatch.setattr("jobsim.model.experiments.ensemble.run_plan", refuse)


def test_the_baseline_is_the_first_or_the_one_named(tiny_files, no_runs):
    files = [tiny_files["base"], tiny_files["more"]]
    assert plan_comparison(files).baseline.name == "tiny_base"
    by_name = plan_comparison(files, baseline="tiny_more")
    assert [s.name for s in by_name.scenarios] == ["tiny_more", "tiny_base"]
    by_path = plan_comparison(files, baseline=str(tiny_files["more"]))
    assert by_path.baseline.name == "tiny_more"
    besides = plan_comparison([tiny_files["more"]], baseline=str(tiny_files["base"]))  # a file not among them
    assert [s.name for s in besides.scenarios] == ["tiny_base", "tiny_more"]
    with pytest.raises(ComparisonError, match="nor a scenario file"):
        plan_comparison(files, baseline="no_such_scenario")


def test_other_seeds_run_with_the_baseline_seed_and_say_so(tiny_files, no_runs):
    plan = plan_comparison([tiny_files["base"], tiny_files["more"]])
    assert plan.seed == 11
    assert any("seed (11)" in n and "tiny_more's own file gives 99" in n for n in plan.notes)
    assert plan_comparison([tiny_files["base"], tiny_files["more"]], seed=5).notes == ()  # asked for: no note


def test_another_region_or_period_is_refused_naming_the_file_and_field(tiny_files, tiny_base, no_runs):
    with pytest.raises(ComparisonError) as err:
        plan_comparison([tiny_files["base"], SCENARIOS / "hunan_2021.yaml"])
    source, field, message = err.value.issues[0]
    assert source.endswith("hunan_2021.yaml") and field == "region" and "Jiangxi" in message
    assert [f for _, f, _ in err.value.issues] == ["region", "period"]  # Hunan's file is 2021-2025: both said
    longer = tiny_base.to_dict()
    longer["period"] = {"first_year": 2021, "last_year": 2023}
    longer["levers"] = {k: {**v, 2023: v[2022]} for k, v in longer["levers"].items()}
    path = write_scenario(tiny_files["folder"], tiny_base, name="tiny_longer", period=longer["period"],
                          levers=longer["levers"])
    with pytest.raises(ComparisonError) as err:
        compare_scenarios([tiny_files["base"], path])
    assert err.value.issues[0][1] == "period" and "tiny_longer.yaml" in str(err.value)


def test_an_invalid_file_is_refused_with_its_field(tiny_files, no_runs):
    bad = tiny_files["folder"] / "bad.yaml"
    bad.write_text(tiny_files["base"].read_text(encoding="utf-8").replace("replicates: 2", "replicates: -4"),
                   encoding="utf-8")
    with pytest.raises(ComparisonError) as err:
        plan_comparison([tiny_files["base"], bad, tiny_files["folder"] / "missing.yaml"])
    fields = {(src.rsplit("/", 1)[-1], field) for src, field, _ in err.value.issues}
    assert ("bad.yaml", "replicates") in fields and ("missing.yaml", "") in fields


def test_duplicate_names_and_bad_numbers_are_refused(tiny_files, tiny_base, no_runs):
    with pytest.raises(ComparisonError, match="name"):
        plan_comparison([tiny_base, tiny_base])
    with pytest.raises(api.ChoiceError, match="replicates"):
        plan_comparison([tiny_files["base"], tiny_files["more"]], replicates=0)
    with pytest.raises(api.ChoiceError):
        plan_comparison([tiny_files["base"], tiny_files["more"]], scale=0.5)
    with pytest.raises(ComparisonError, match="at least two"):
        plan_comparison([tiny_files["base"]])


# ---- tiny real runs --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(tiny_files):
    return compare_scenarios([tiny_files["base"], tiny_files["more"]], replicates=3, use_calibrated=False)


def test_real_runs_are_paired_on_the_baseline_seed(real):
    assert bool(real["paired"].all())
    seeds = real["replicate_seed"].values
    assert (seeds[0] == seeds[1]).all() and list(real["seed"].values) == [11, 11]
    assert list(real["replicates"].values) == [3, 3]


def test_target_probabilities_agree_with_a_direct_count(real):
    j = list(real["measure"].values).index("new_urban_jobs")
    key = next(k for k in real["target"].values if k.startswith("new_urban_jobs@"))
    for name in real["scenario"].values:
        counted = real["replicate_value"].sel(scenario=name).values[j]  # 10k persons over 2021-2022
        direct = float(np.mean(counted >= 60))
        assert float(real["target_probability"].sel(scenario=name, target=key)) == direct
    training = next(k for k in real["target"].values if k.startswith("subsidised_training@"))
    assert set(real["target_status"].sel(target=training).values) == {api.SET_BY_SCENARIO}
    assert np.isnan(real["target_probability"].sel(target=training).values).all()
    assert float(real["target_scenario_value"].sel(scenario="tiny_more", target=training)) == pytest.approx(260)


def test_a_scenario_compared_with_itself_differs_by_exactly_zero(tiny_base):
    ds = compare_scenarios([tiny_base, tiny_base.with_changes(name="tiny_copy")], use_calibrated=False)
    copy = ds.sel(scenario="tiny_copy")
    assert (copy["difference"].values == 0).all() and (copy["difference_se"].values == 0).all()
    assert not copy["within_noise"].values.any()
    assert float(copy["extra_cost"]) == 0.0
    np.testing.assert_array_equal(ds["target_probability"].values[0], ds["target_probability"].values[1])


def test_progress_counts_runs_over_every_scenario(tiny_base):
    seen = []
    compare_scenarios([tiny_base, tiny_base.with_changes(name="tiny_copy")], use_calibrated=False,
                      progress=lambda done, total: seen.append((done, total)))
    assert seen == [(k, 4) for k in range(1, 5)]


def test_the_legacy_table_is_built_from_the_same_dataset(real):
    frame = cmp.comparison_frame(real)
    j = list(real["measure"].values).index("person_years")
    row = frame.set_index("scenario").loc["tiny_more"]
    assert row["person_years_diff_10k"] == float(real["difference"].sel(scenario="tiny_more")[j])
    assert row["cost_per_extra_job_year_yuan"] == float(real["cost_per_extra_job_year"].sel(scenario="tiny_more")) \
        or (math.isnan(row["cost_per_extra_job_year_yuan"]))
