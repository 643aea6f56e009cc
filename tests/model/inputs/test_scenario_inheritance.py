"""Scenarios that say only what changes (`base:`): the merge rule, chains, errors against the file that caused
them, hostile bases, the bundled what-ifs, and writing a scenario as its changes from a base."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jobsim.model import api
from jobsim.model.inputs.bounded_yaml import MAX_SCENARIO_BYTES
from jobsim.model.inputs.paths import USER_DATA_VARIABLE, scenarios_dir
from jobsim.model.inputs.scenario import (
    MAX_BASE_DEPTH,
    ScenarioError,
    load_scenario,
    scenario_diff_yaml,
    scenario_from_dict,
    scenario_from_yaml,
    scenario_to_yaml,
)

BASELINE = scenarios_dir() / "jiangxi_baseline.yaml"
YEARS = [2021, 2022, 2023, 2024, 2025]
# What a hostile base may cost: refused well within this many seconds (the caps say "within a second").
FAST_SECONDS = 2.0
WHAT_IFS = ["jiangxi_more_training", "jiangxi_loans_to_training", "jiangxi_more_posts", "jiangxi_2026_2030"]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def every_year(value: float, years: list[int] = YEARS) -> dict[int, float]:
    return {y: float(value) for y in years}


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


@pytest.fixture(autouse=True)
def no_user_folders(monkeypatch):
    monkeypatch.delenv(USER_DATA_VARIABLE, raising=False)


# ---- resolving ----------------------------------------------------------------------------------------


def test_single_inheritance_states_only_the_change(tmp_path, baseline):
    path = write(tmp_path, "more.yaml", """
        base: jiangxi_baseline
        name: more
        levers:
          training_volume_person_times: 80万
    """)
    s = load_scenario(path)
    assert s.levers["training_volume_person_times"] == every_year(800_000)
    for lever in baseline.levers:
        if lever != "training_volume_person_times":
            assert s.levers[lever] == baseline.levers[lever]
    assert (s.region, s.period, s.targets, s.seed, s.replicates, s.scale) == (
        baseline.region, baseline.period, baseline.targets, baseline.seed, baseline.replicates, baseline.scale)
    assert s.title == baseline.title and s.description == baseline.description  # inherited too
    assert [(b.ref, Path(b.path), b.name) for b in s.base_chain] == [("jiangxi_baseline", BASELINE, "jiangxi_baseline")]
    assert baseline.base_chain == ()


def test_a_chain_of_bases_resolves_nearest_last(tmp_path, baseline):
    write(tmp_path, "middle.yaml", """
        base: jiangxi_baseline
        name: middle
        levers:
          training_volume_person_times: 70万
          loan_issuance_yuan: 100亿
        seed: 7
    """)
    top = write(tmp_path, "top.yaml", """
        base: ./middle.yaml
        name: top
        levers:
          loan_issuance_yuan: 90亿
    """)
    s = load_scenario(top)
    assert s.levers["training_volume_person_times"] == every_year(700_000)  # from the middle
    assert s.levers["loan_issuance_yuan"] == every_year(9e9)  # its own
    assert s.levers["grassroots_posts"] == baseline.levers["grassroots_posts"]  # from the baseline
    assert s.seed == 7 and s.name == "top"
    assert [b.ref for b in s.base_chain] == ["./middle.yaml", "jiangxi_baseline"]
    assert [b.name for b in s.base_chain] == ["middle", "jiangxi_baseline"]


def test_a_relative_path_is_taken_from_the_file_that_says_it(tmp_path, baseline):
    write(tmp_path, "shared/region.yaml", f"""
        base: {BASELINE}
        name: region
        replicates: 3
    """)
    child = write(tmp_path, "what_ifs/deeper/child.yaml", """
        base: ../../shared/region.yaml
        name: child
        scale: 2000
    """)
    s = load_scenario(child)
    assert (s.replicates, s.scale, s.levers) == (3, 2000, baseline.levers)
    assert Path(s.base_chain[0].path) == (tmp_path / "shared" / "region.yaml").resolve()
    assert Path(s.base_chain[1].path) == BASELINE


def test_a_name_is_looked_up_in_the_user_data_folders_first(tmp_path, monkeypatch, baseline):
    user = tmp_path / "user"
    write(user, "scenarios/my_base.yaml", """
        base: jiangxi_baseline
        name: my_base
        levers:
          internship_posts: 2万
    """)
    # A user file of a bundled name replaces it, and may be based on the bundled one of the same name.
    write(user, "scenarios/jiangxi_baseline.yaml", """
        base: jiangxi_baseline
        name: jiangxi_baseline
        replicates: 4
    """)
    monkeypatch.setenv(USER_DATA_VARIABLE, str(user))
    child = write(tmp_path, "elsewhere/child.yaml", """
        base: my_base
        name: child
    """)
    s = load_scenario(child)
    assert s.levers["internship_posts"] == every_year(20_000)
    assert s.replicates == 4  # the user's jiangxi_baseline, itself based on the bundled one
    assert [Path(b.path) for b in s.base_chain] == [
        (user / "scenarios" / "my_base.yaml").resolve(), (user / "scenarios" / "jiangxi_baseline.yaml").resolve(),
        BASELINE]


def test_a_scenario_from_a_dict_or_text_may_name_a_base(tmp_path, baseline):
    s = scenario_from_dict({"base": "jiangxi_baseline", "name": "from_dict", "seed": 5})
    assert s.seed == 5 and s.levers == baseline.levers
    write(tmp_path, "b.yaml", f"base: {BASELINE}\nname: b\nseed: 6\n")
    t = scenario_from_yaml("base: ./b.yaml\nname: from_text\n", "<text>", folder=tmp_path)
    assert t.seed == 6 and [b.ref for b in t.base_chain] == ["./b.yaml", str(BASELINE)]


# ---- the merge rule -----------------------------------------------------------------------------------


def test_years_without_the_first_change_the_inherited_lever_from_those_years(baseline):
    s = scenario_from_dict({"base": "jiangxi_baseline", "name": "x",
                            "levers": {"training_volume_person_times": {2023: "60万"}}})
    # the inherited single value is 2021's; 2023 changes it and, by the missing-year rule, carries forward
    assert s.levers["training_volume_person_times"] == {2021: 650_000, 2022: 650_000, 2023: 600_000,
                                                        2024: 600_000, 2025: 600_000}


def test_years_merge_into_an_inherited_schedule_and_null_removes_a_year(tmp_path):
    write(tmp_path, "steps.yaml", f"""
        base: {BASELINE}
        name: steps
        levers:
          grassroots_posts: {{2021: 2000, 2022: 2500, 2024: 4000}}
    """)
    merged = load_scenario(write(tmp_path, "a.yaml", """
        base: ./steps.yaml
        name: a
        levers:
          grassroots_posts: {2023: 3000}
    """))
    assert merged.levers["grassroots_posts"] == {2021: 2000, 2022: 2500, 2023: 3000, 2024: 4000, 2025: 4000}
    removed = load_scenario(write(tmp_path, "b.yaml", """
        base: ./steps.yaml
        name: b
        levers:
          grassroots_posts: {2024: null}
    """))
    assert removed.levers["grassroots_posts"] == {2021: 2000, 2022: 2500, 2023: 2500, 2024: 2500, 2025: 2500}
    # given with the first year, the schedule is in full: it replaces the inherited one
    full = load_scenario(write(tmp_path, "c.yaml", """
        base: ./steps.yaml
        name: c
        levers:
          grassroots_posts: {2021: 1000, 2023: 1500}
    """))
    assert full.levers["grassroots_posts"] == {2021: 1000, 2022: 1000, 2023: 1500, 2024: 1500, 2025: 1500}
    one = load_scenario(write(tmp_path, "d.yaml", "base: ./steps.yaml\nname: d\nlevers: {grassroots_posts: 10}\n"))
    assert one.levers["grassroots_posts"] == every_year(10)


def test_a_changed_period_keeps_the_inherited_first_year_and_single_values(baseline):
    s = scenario_from_dict({"base": "jiangxi_baseline", "name": "longer", "period": {"last_year": 2027}})
    assert s.years == list(range(2021, 2028))
    assert s.levers["loan_issuance_yuan"] == every_year(12e9, s.years)
    later = scenario_from_dict({"base": "jiangxi_baseline", "name": "later", "targets": "jiangxi_15th_plan_assumed",
                                "period": {"first_year": 2026, "last_year": 2030},
                                "levers": {"internship_posts": {2028: 20_000}}})
    assert later.levers["internship_posts"] == {2026: 11_000, 2027: 11_000, 2028: 20_000, 2029: 20_000, 2030: 20_000}


def test_targets_replace_parameters_merge_and_null_removes(tmp_path):
    write(tmp_path, "base.yaml", f"""
        base: {BASELINE}
        name: with_overrides
        parameters: {{training_cost_per_trainee_yuan: 1500, loan_loss_rate: 0.02}}
        uncertainties:
          graduates_multiplier: 1.1
          gdp_real_growth_percent: 5
    """)
    s = load_scenario(write(tmp_path, "child.yaml", """
        base: ./base.yaml
        name: child
        description: null
        parameters: {loan_loss_rate: null, separation_rate_monthly: 0.01}
        uncertainties: {graduates_multiplier: null}
        targets:
          - {indicator: new_urban_jobs, area: Jiangxi, start_year: 2021, end_year: 2025, basis: total,
             comparison: ">=", value: 210, unit: 10k persons}
    """))
    assert s.description is None
    assert s.parameters == {"training_cost_per_trainee_yuan": 1500, "separation_rate_monthly": 0.01}
    assert s.uncertainties.graduates_multiplier == {} and s.uncertainties.gdp_real_growth_percent == every_year(5)
    assert [t.value for t in s.target_list()] == [210]  # a list replaces the inherited named set


def test_a_null_that_removes_nothing_is_an_error_at_its_line(tmp_path):
    path = write(tmp_path, "child.yaml", """
        base: jiangxi_baseline
        name: child
        parameters: {loan_loss_rat: null}
        levers:
          grassroots_posts: {2023: null}
    """)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert set(err.paths()) == {"parameters.loan_loss_rat", "levers.grassroots_posts.2023"}
    assert err.line_of("parameters.loan_loss_rat") == 3 and err.line_of("levers.grassroots_posts.2023") == 5
    assert f"{path}: parameters.loan_loss_rat: null removes an inherited value" in str(err)


def test_the_name_is_not_inherited(tmp_path):
    path = write(tmp_path, "nameless.yaml", "base: jiangxi_baseline\nseed: 3\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.issues == [
        ("name", "required: a scenario with `base:` gives its own name (it is not inherited; its base is "
                 "'jiangxi_baseline')")]


# ---- errors against the file that caused them ---------------------------------------------------------


def test_an_error_in_the_child_is_reported_against_the_child_and_its_line(tmp_path):
    path = write(tmp_path, "child.yaml", """
        base: jiangxi_baseline
        name: child
        levers:
          loan_issuance_yuan: lots
    """)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert err.paths() == ["levers.loan_issuance_yuan"]
    assert err.file_of("levers.loan_issuance_yuan") == str(path) and err.line_of("levers.loan_issuance_yuan") == 4
    assert str(err).startswith(f"{path}: levers.loan_issuance_yuan: 'lots' is not an amount")
    assert str(err).endswith("(line 4)")


def test_an_error_in_an_inherited_value_is_reported_against_the_base(tmp_path):
    base = write(tmp_path, "base.yaml", f"""
        base: {BASELINE}
        name: broken_base
        levers:
          entrepreneurship_training_share: 1.5
    """)
    path = write(tmp_path, "child.yaml", """
        base: ./base.yaml
        name: child
        levers:
          grassroots_posts: 3000
    """)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert err.paths() == ["levers.entrepreneurship_training_share"]
    assert err.source == str(path)
    assert err.file_of("levers.entrepreneurship_training_share") == str(base)
    assert err.line_of("levers.entrepreneurship_training_share") == 4
    assert f"{base}: levers.entrepreneurship_training_share: " in str(err)
    assert f"(line 4; inherited by {path})" in str(err)


def test_an_inherited_year_outside_a_new_period_names_the_base(tmp_path):
    base = write(tmp_path, "steps.yaml", f"""
        base: {BASELINE}
        name: steps
        levers:
          grassroots_posts:
            2021: 2000
            2022: 2500
    """)
    path = write(tmp_path, "later.yaml", """
        base: ./steps.yaml
        name: later
        period: {first_year: 2026, last_year: 2030}
        targets: jiangxi_15th_plan_assumed
        levers:
          grassroots_posts: {2027: 3000}
    """)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert {"levers.grassroots_posts.2021", "levers.grassroots_posts.2022"} <= set(err.paths())
    assert err.file_of("levers.grassroots_posts.2021") == str(base) and err.line_of("levers.grassroots_posts.2021") == 5


def test_a_cycle_is_refused_listing_the_chain(tmp_path):
    a = write(tmp_path, "a.yaml", "base: ./b.yaml\nname: a\n")
    b = write(tmp_path, "b.yaml", "# b\nbase: a.yaml\nname: b\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(a)
    err = info.value
    assert err.source.endswith("b.yaml") and err.paths() == ["base"] and err.line_of("base") == 2
    message = err.issues[0][1]
    assert message.startswith("the bases form a cycle: ") and message.count(" -> ") == 2
    assert message.index("a.yaml") < message.index("b.yaml") < message.rindex("a.yaml")
    assert "reached as a base" in str(err)
    itself = write(tmp_path, "self.yaml", "base: ./self.yaml\nname: self\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(itself)
    assert b.exists()


def test_a_cycle_through_a_name_is_refused(tmp_path, monkeypatch):
    user = tmp_path / "user"
    write(user, "scenarios/loop_a.yaml", "base: loop_b\nname: loop_a\n")
    write(user, "scenarios/loop_b.yaml", "base: loop_a\nname: loop_b\n")
    monkeypatch.setenv(USER_DATA_VARIABLE, str(user))
    with pytest.raises(ScenarioError, match="the bases form a cycle"):
        load_scenario(user / "scenarios" / "loop_a.yaml")


def test_a_chain_deeper_than_the_bound_is_refused(tmp_path):
    write(tmp_path, "level_0.yaml", f"base: {BASELINE}\nname: level_0\n")
    for i in range(1, MAX_BASE_DEPTH + 2):
        write(tmp_path, f"level_{i}.yaml", f"base: ./level_{i - 1}.yaml\nname: level_{i}\n")
    # MAX_BASE_DEPTH bases resolve ...
    ok = load_scenario(tmp_path / f"level_{MAX_BASE_DEPTH - 1}.yaml")
    assert len(ok.base_chain) == MAX_BASE_DEPTH
    # ... one more does not
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / f"level_{MAX_BASE_DEPTH}.yaml")
    err = info.value
    assert err.paths() == ["base"] and f"deeper than {MAX_BASE_DEPTH} files" in err.issues[0][1]


def test_a_missing_base_names_the_file_the_line_and_the_names_that_exist(tmp_path):
    path = write(tmp_path, "child.yaml", "# a what-if\nname: child\nbase: jiangxi_baselin\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert err.source == str(path) and err.paths() == ["base"] and err.line_of("base") == 3
    message = err.issues[0][1]
    assert "no scenario named 'jiangxi_baselin'" in message and "did you mean 'jiangxi_baseline'" in message
    assert "jiangxi_more_training" in message  # the known names are listed
    assert str(err).endswith("(line 3)")

    missing_file = write(tmp_path, "other.yaml", "base: ./nowhere/x.yaml\nname: other\n")
    with pytest.raises(ScenarioError, match=r"base: './nowhere/x.yaml': no such file .*x\.yaml"):
        load_scenario(missing_file)
    for bad, expected in [("Jiangxi Baseline", "neither a scenario name"), ("[a, b]", "one base"),
                          ("''", "one scenario name")]:
        with pytest.raises(ScenarioError, match=expected):
            load_scenario(write(tmp_path, "bad.yaml", f"base: {bad}\nname: bad\n"))


# ---- hostile bases ------------------------------------------------------------------------------------


def _refused_fast(path: Path, base: Path) -> ScenarioError:
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert time.perf_counter() - started < FAST_SECONDS
    assert info.value.source == str(base)  # against the base, the file at fault
    assert "reached as a base" in str(info.value)
    return info.value


def test_a_huge_base_fails_fast(tmp_path):
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"name: huge\ndescription: " + b"x" * (2 * MAX_SCENARIO_BYTES) + b"\n")
    child = write(tmp_path, "child.yaml", "base: ./huge.yaml\nname: child\n")
    err = _refused_fast(child, huge)
    assert "at most 1 MB" in str(err)


def test_an_alias_bomb_base_fails_fast(tmp_path):
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    write(tmp_path, "middle.yaml", "base: ./bomb.yaml\nname: middle\n")
    child = write(tmp_path, "child.yaml", "base: ./middle.yaml\nname: child\n")
    err = _refused_fast(child, bomb)
    assert "anchors and aliases" in str(err)
    assert [file for file, _ in err.via] == [str(child), str(tmp_path / "middle.yaml")]


def test_a_base_that_is_not_a_file_or_not_a_scenario_is_refused(tmp_path):
    (tmp_path / "folder.yaml").mkdir()
    child = write(tmp_path, "child.yaml", "base: ./folder.yaml\nname: child\n")
    _refused_fast(child, tmp_path / "folder.yaml")
    listing = write(tmp_path, "list.yaml", "- a\n- b\n")
    child = write(tmp_path, "child2.yaml", "base: ./list.yaml\nname: child\n")
    err = _refused_fast(child, listing)
    assert "a base must be a scenario file" in str(err)


# ---- the bundled what-ifs -----------------------------------------------------------------------------


def _with_levers(base, **changes) -> dict[str, dict[int, float]]:
    return {lever: changes.get(lever, values) for lever, values in base.levers.items()}


def test_the_bundled_what_ifs_are_the_baseline_plus_their_stated_changes(baseline):
    load = lambda name: load_scenario(scenarios_dir() / f"{name}.yaml")  # noqa: E731
    same = ("region", "period", "targets", "seed", "replicates", "scale", "parameters", "uncertainties")

    more = load("jiangxi_more_training")
    assert more.levers == _with_levers(baseline, training_volume_person_times=every_year(800_000))
    assert all(getattr(more, f) == getattr(baseline, f) for f in same)

    moved = load("jiangxi_loans_to_training")
    assert moved.levers == _with_levers(baseline, training_volume_person_times=every_year(794_000),
                                        loan_issuance_yuan=every_year(9.6e9))
    assert all(getattr(moved, f) == getattr(baseline, f) for f in same)

    posts = load("jiangxi_more_posts")
    step = lambda first, later: {2021: first, **{y: later for y in YEARS[1:]}}  # noqa: E731
    assert posts.levers == _with_levers(baseline, public_welfare_post_budget_yuan=step(6.6e8, 8.8e8),
                                        internship_posts=step(11_000, 15_000), grassroots_posts=step(2000, 3000))
    assert all(getattr(posts, f) == getattr(baseline, f) for f in same)

    future = load("jiangxi_2026_2030")
    years = list(range(2026, 2031))
    expected = {lever: every_year(next(iter(v.values())), years) for lever, v in baseline.levers.items()}
    expected.update(loan_issuance_yuan=every_year(1.5e10, years), public_welfare_post_budget_yuan=every_year(7.1e8, years))
    assert future.levers == expected
    assert (future.targets, future.seed, future.replicates, future.scale) == ("jiangxi_15th_plan_assumed", 2026, 20, 1000)

    for s in (more, moved, posts, future):
        assert [b.ref for b in s.base_chain] == ["jiangxi_baseline"]
        assert s.name != baseline.name and s.title != baseline.title and s.description != baseline.description


@pytest.mark.parametrize("name", WHAT_IFS)
def test_each_bundled_what_if_says_base_and_its_standalone_form_is_the_same_scenario(name):
    path = scenarios_dir() / f"{name}.yaml"
    assert "\nbase: jiangxi_baseline\n" in path.read_text(encoding="utf-8")
    s = load_scenario(path)
    text = scenario_to_yaml(s)
    assert "base:" not in text.replace("# resolved from its bases", "")
    assert f"# resolved from its bases: {name} <- jiangxi_baseline (scenarios/jiangxi_baseline.yaml)" in text
    again = scenario_from_yaml(text, "<standalone>")
    assert again == s and again.base_chain == () and again.to_dict() == s.to_dict()


# ---- writing only the changes -------------------------------------------------------------------------


@pytest.mark.parametrize("name", WHAT_IFS)
def test_the_changes_of_a_bundled_what_if_resolve_to_it_again(name, tmp_path, baseline):
    s = load_scenario(scenarios_dir() / f"{name}.yaml")
    text = scenario_diff_yaml(s)
    assert text.splitlines()[1] == "base: jiangxi_baseline"
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    again = load_scenario(path)
    assert again == s and [b.ref for b in again.base_chain] == ["jiangxi_baseline"]
    # the same against the baseline given as a Scenario, a name or a path
    assert scenario_diff_yaml(s, baseline) == scenario_diff_yaml(s, "jiangxi_baseline") == text


def test_changes_remove_with_null_what_the_base_has_and_the_scenario_has_not(tmp_path, baseline):
    rich = baseline.with_changes(parameters={"loan_loss_rate": 0.02}, uncertainties={"graduates_multiplier": 1.2},
                                 name="rich")
    plain = baseline.with_changes(name="plain", description=None, period={"first_year": 2021, "last_year": 2023},
                                  levers={**{k: 1000 for k in baseline.levers},
                                          "entrepreneurship_training_share": {2021: 0.1, 2022: 0.2}})
    rich_path = tmp_path / "rich.yaml"
    api.write_scenario(rich, rich_path)
    out = tmp_path / "sub" / "plain.yaml"
    api.write_scenario(plain, out, changes_only=True, base=rich_path)
    text = out.read_text(encoding="utf-8")
    assert "base: ../rich.yaml" in text and "description: null" in text
    assert "parameters:\n  loan_loss_rate: null" in text and "graduates_multiplier: null" in text
    assert "period: {last_year: 2023}" in text
    again = load_scenario(out)
    assert again == plain and Path(again.base_chain[0].path) == rich_path.resolve()
    assert list(tmp_path.rglob("*.tmp")) == []


def test_changes_of_a_scenario_without_a_base_need_one(baseline):
    with pytest.raises(ValueError, match="has no base"):
        scenario_diff_yaml(baseline)
    assert scenario_diff_yaml(baseline, baseline).splitlines()[1:] == ["base: jiangxi_baseline",
                                                                       "name: jiangxi_baseline"]


def test_with_changes_keeps_the_base_chain_and_equality_ignores_it():
    s = load_scenario(scenarios_dir() / "jiangxi_more_training.yaml")
    as_run = s.with_changes(replicates=2)  # what a run records (the ensemble's `scenario` attribute)
    assert as_run.base_chain == s.base_chain
    assert "# resolved from its bases: jiangxi_more_training <- jiangxi_baseline" in scenario_to_yaml(as_run)
    standalone = scenario_from_yaml(scenario_to_yaml(s))
    assert standalone == s and not (standalone != s) and standalone.base_chain != s.base_chain
    assert s != as_run


# ---- jobsim validate ----------------------------------------------------------------------------------


def _validate(*args: str):
    from jobsim.model.cli.main import app

    return CliRunner().invoke(app, ["validate", *args])


def test_validate_an_inheriting_file_and_the_bundled_folder(tmp_path):
    good = write(tmp_path, "good.yaml", "base: jiangxi_baseline\nname: good\nseed: 9\n")
    bad = write(tmp_path, "bad.yaml", "base: ./good.yaml\nname: bad\nlevers: {grassroots_posts: many}\n")
    result = _validate(str(good), str(bad))
    assert result.exit_code == 1, result.output
    assert f"OK  {good}  (good, Jiangxi, 2021–2025, jiangxi_14th_plan, based on jiangxi_baseline)" in result.output
    assert f"{bad}: levers.grassroots_posts: " in result.output and "(line 3)" in result.output
    bundled = _validate(str(scenarios_dir()))
    assert bundled.exit_code == 0, bundled.output
    for name in WHAT_IFS:
        assert f"OK  {scenarios_dir() / name}.yaml" in bundled.output
    index = _validate(str(scenarios_dir() / "index.yaml"))
    assert index.exit_code == 0, index.output
