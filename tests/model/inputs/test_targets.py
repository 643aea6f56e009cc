"""Tests for the named target sets (data/targets.csv) and their loader (model/inputs/targets.py).

Every bundled row quotes its source's words (`wording`), and its comparison is the one those words mean
(docs/methodology.md, "Reading targets"): an unemployment rate "控制在X%左右" is a ceiling, not a band.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from jobsim.model.inputs import registry
from jobsim.model.inputs.paths import data_dir
from jobsim.model.inputs.regions import cities_of
from jobsim.model.inputs.targets import (
    ABOUT_WORDS,
    BASES,
    CEILING_WORDS,
    COMPARISONS,
    FLOOR_WORDS,
    Target,
    TargetError,
    default_tolerance,
    is_control_target,
    load_targets,
    reading,
    target_set,
    target_set_names,
    wording_comparison,
)
from jobsim.model.inputs.units import known_units

HEADER = "target_set,area,indicator,start_year,end_year,basis,comparison,value,unit,tolerance,assumption,source,note"
GOOD = "mine,Jiangxi,new_urban_jobs,2026,2030,total,>=,210,10k persons,,true,my office,why"
WORDED = HEADER.replace("source,note", "source,wording,note")
RATE = "mine,Jiangxi,surveyed_unemployment_rate,2026,2030,each_year"


def _set(name: str):
    df = load_targets()
    return df[df["target_set"] == name]


def _city_sum_and_province(indicator: str) -> tuple[float, float]:
    df = _set("jiangxi_2021")
    rows = df[df["indicator"] == indicator].set_index("area")["value"]
    return float(rows[cities_of("Jiangxi")].sum()), float(rows["Jiangxi"])


def test_every_bundled_target_row_parses():
    with (data_dir() / "targets.csv").open(encoding="utf-8") as fh:
        n_rows = sum(1 for _ in csv.DictReader(fh))
    df = load_targets()
    assert len(df) == n_rows
    assert set(df["indicator"]) <= set(registry.indicator_ids())
    assert set(df["unit"]) <= set(known_units())
    assert set(df["basis"]) <= set(BASES) and set(df["comparison"]) <= set(COMPARISONS)
    assert (df["start_year"] <= df["end_year"]).all()
    assert (df["source"] != "").all()
    # every row becomes a valid Target
    assert sum(len(target_set(n)) for n in target_set_names()) == n_rows


def test_required_target_sets_exist():
    names = target_set_names()
    for name in ("jiangxi_14th_plan", "jiangxi_2021", "fuzhou_2024", "hunan_2021", "jiangxi_15th_plan_assumed"):
        assert name in names


def test_jiangxi_14th_plan_headline_targets():
    ts = {t.indicator: t for t in target_set("jiangxi_14th_plan")}
    jobs = ts["new_urban_jobs"]
    assert (jobs.start_year, jobs.end_year, jobs.basis, jobs.comparison, jobs.value, jobs.unit) == (
        2021, 2025, "total", ">=", 200.0, "10k persons")
    u = ts["surveyed_unemployment_rate"]  # 控制在 5.5% 左右: a ceiling, tolerance 0
    assert (u.start_year, u.end_year, u.basis, u.comparison, u.value, u.tolerance, u.unit) == (
        2025, 2025, "year_mean", "<=", 5.5, None, "percent")
    assert u.wording.startswith("城镇调查失业率控制在 5.5% 左右") and default_tolerance(u) == 0.0
    poor = ts["poverty_exited_migrant_workers"]  # [>130.9]: kept above the 2020 level in every plan year
    assert (poor.start_year, poor.end_year, poor.basis, poor.comparison) == (2021, 2025, "each_year", ">=")
    assert ts["guaranteed_loans_issued"].value == 550 and ts["guaranteed_loans_issued"].unit == "100M yuan"
    assert ts["urban_employment_share"].basis == "end_level"
    assert all(t.area == "Jiangxi" and not t.assumption for t in ts.values())


def test_jiangxi_2021_has_the_province_and_all_11_cities_with_every_task_table_column():
    df = _set("jiangxi_2021")
    assert set(df["area"]) == {"Jiangxi", *cities_of("Jiangxi")}
    columns = {
        "new_urban_jobs", "reemployment_of_unemployed", "hard_to_employ_employed", "registered_unemployment_rate",
        "zero_employment_family_placement", "rural_labour_transferred", "rural_transferred_within_province",
        "entrepreneurship_training", "ui_insured", "youth_internships", "guarantee_fund_added",
        "guaranteed_loans_issued", "loan_recovery_rate",
    }
    for city in cities_of("Jiangxi"):
        assert set(df.loc[df["area"] == city, "indicator"]) == columns, city
    assert set(df.loc[df["area"] == "Jiangxi", "indicator"]) >= columns | {"subsidised_training", "three_supports_one_aid_posts"}
    ceiling = df[df["indicator"] == "registered_unemployment_rate"]
    assert (ceiling["comparison"] == "<=").all() and (ceiling["value"] == 4.5).all()
    nanchang = df[(df["area"] == "Nanchang") & (df["indicator"] == "guaranteed_loans_issued")].iloc[0]
    assert nanchang["value"] == pytest.approx(11.0) and nanchang["unit"] == "100M yuan"  # 110000万元


@pytest.mark.parametrize(
    "indicator",
    ["new_urban_jobs", "reemployment_of_unemployed", "hard_to_employ_employed", "rural_labour_transferred",
     "rural_transferred_within_province", "entrepreneurship_training", "ui_insured", "youth_internships"],
)
def test_city_targets_add_up_to_the_province(indicator):
    cities, province = _city_sum_and_province(indicator)
    assert cities == pytest.approx(province, abs=1e-9)


def test_the_seeds_own_rounding_is_reported_not_hidden():
    """The 2021 task table's cities do not add up to the province for loans and guarantee funds.

    These are the seed's own figures (data/README.md): 119.95亿 against 120亿 and 8800万 against
    9000万. The exact differences are asserted so that any edit to either side is noticed.
    """
    loans_cities, loans_province = _city_sum_and_province("guaranteed_loans_issued")
    assert loans_province == 120.0
    assert loans_cities == pytest.approx(119.95, abs=1e-9)
    assert loans_province - loans_cities == pytest.approx(0.05, abs=1e-9)  # 亿元, i.e. 500万元

    fund_cities, fund_province = _city_sum_and_province("guarantee_fund_added")
    assert fund_province == 9000.0
    assert fund_cities == 8800.0
    assert fund_province - fund_cities == 200.0  # 万元
    # both are said in the province's row
    df = _set("jiangxi_2021")
    notes = df[df["area"] == "Jiangxi"].set_index("indicator")["note"]
    assert "119.95" in notes["guaranteed_loans_issued"]
    assert "8800" in notes["guarantee_fund_added"]


def test_fuzhou_2024_targets_and_their_window_note():
    ts = target_set("fuzhou_2024")
    assert {t.area for t in ts} == {"Fuzhou"}
    jobs = next(t for t in ts if t.indicator == "new_urban_jobs")
    assert (jobs.value, jobs.start_year, jobs.end_year, jobs.basis) == (3.5, 2024, 2026, "year_mean")
    assert "no end year" in jobs.note
    rate = next(t for t in ts if t.indicator == "surveyed_unemployment_rate")  # 控制在4%左右: a ceiling
    assert (rate.comparison, rate.value, rate.tolerance, rate.basis) == ("<=", 4.0, None, "each_year")


def test_hunan_2021_targets():
    ts = {t.indicator: t for t in target_set("hunan_2021")}
    assert ts["new_urban_jobs"].value == 70 and ts["subsidised_training"].value == 55
    assert ts["ui_insured"].basis == "end_level" and ts["ui_insured"].value == 670
    assert {t.area for t in ts.values()} == {"Hunan"}


def test_15th_plan_set_is_entirely_assumed_and_explained():
    ts = target_set("jiangxi_15th_plan_assumed")
    assert len(ts) >= 5
    for t in ts:
        assert t.assumption is True
        assert 2026 <= t.start_year <= t.end_year <= 2030
        assert t.note.startswith("assumption:") and len(t.note) > 60
    assert any(t.indicator == "new_urban_jobs" and t.basis == "total" and t.value == 200 for t in ts)
    # no other set is flagged as assumed
    df = load_targets()
    assert set(df.loc[df["assumption"], "target_set"]) == {"jiangxi_15th_plan_assumed"}


# ---- how the sources' words are read (docs/methodology.md, "Reading targets") -------------------------


def _bundled_rows() -> list[dict]:
    with (data_dir() / "targets.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_bundled_row_quotes_its_source_and_its_comparison_is_what_the_words_mean():
    """以上 / 不低于 / 不少于 / 至少 / > => '>='; 以内 / 控制在 / 不超过 / ≤ => '<='; 左右 on a count => 'about'
    (on an unemployment rate, a control target, '<='); a bare task figure (完成 / 实现 / 达到 X) => '>='."""
    rows = _bundled_rows()
    assert rows and "wording" in rows[0]
    for line, row in enumerate(rows, start=2):
        words, comparison, indicator = row["wording"], row["comparison"], row["indicator"]
        where = f"data/targets.csv line {line} ({row['target_set']} {row['area']} {indicator}): {words!r}"
        assert words.strip(), f"{where}: no source wording"
        ceiling = [w for w in CEILING_WORDS if w in words]
        floor = [w for w in FLOOR_WORDS if w in words]
        about = [w for w in ABOUT_WORDS if w in words]
        assert not (ceiling and floor), f"{where}: both a ceiling and a floor word"
        if ceiling:
            expected = "<="
        elif floor:
            expected = ">="
        elif about:
            expected = "<=" if is_control_target(indicator) else "about"
        else:
            expected = ">="
        assert comparison == expected, f"{where}: comparison {comparison!r}, the words mean {expected!r}"
        assert wording_comparison(words, indicator)[0] == expected, where


def test_no_unemployment_control_target_is_read_as_a_band():
    """'城镇调查失业率控制在5.5%左右' is met at 5.2% (officials: 'below the control target'): a ceiling."""
    rows = [r for r in _bundled_rows() if "unemployment_rate" in r["indicator"]]
    assert len(rows) >= 12 + 5  # the 2021 task table's 12 areas, and every surveyed-rate target
    for row in rows:
        assert row["comparison"] == "<=", row
        assert row["tolerance"] == "", row  # 0 by default: 4.96% meets 5.5%, 5.6% does not
        assert any(w in row["wording"] for w in ("控制", "左右", "以内", "≤")), row
    surveyed = [r for r in rows if r["indicator"] == "surveyed_unemployment_rate"]
    assert {r["target_set"] for r in surveyed} == {
        "jiangxi_14th_plan", "fuzhou_2024", "hunan_2021", "china_2021", "jiangxi_15th_plan_assumed"}
    assert not (load_targets()["comparison"] == "about").any()  # no bundled text means a band


def test_reading_says_how_a_target_was_read():
    ts = {t.indicator: t for t in target_set("jiangxi_14th_plan")}
    assert reading(ts["surveyed_unemployment_rate"]) == (
        "≤ 5.5% (城镇调查失业率控制在 5.5% 左右; 专栏1 城镇调查失业率(%): 5.5 左右, read as a ceiling)")
    assert reading(ts["new_urban_jobs"]).startswith("≥ 200 万人 (城镇新增就业 200 万人以上")
    assert reading(ts["new_urban_jobs"]).endswith(", read as at least)")
    band = Target(indicator="hr_service_parks", area="Jiangxi", start_year=2025, end_year=2025, basis="end_level",
                  comparison="about", value=60, unit="count", wording="60 个左右")
    assert reading(band) == "60 个 ± 3 (60 个左右, read as a band)"
    lenient = Target(indicator="surveyed_unemployment_rate", area="Jiangxi", start_year=2025, end_year=2025,
                     basis="year_mean", comparison="<=", value=5.5, unit="percent", tolerance=0.2)
    assert reading(lenient) == "≤ 5.5% + 0.2 (read as a ceiling)"


@pytest.mark.parametrize(
    "indicator, words, expected",
    [
        ("surveyed_unemployment_rate", "城镇调查失业率控制在5.5%左右", "<="),
        ("surveyed_unemployment_rate", "城鎮調查失業率5.5%左右", "<="),  # a control target even without 控制在
        ("registered_unemployment_rate", "城镇登记失业率控制在 4.5% 以内", "<="),
        ("new_urban_jobs", "城镇新增就业 200 万人以上", ">="),
        ("internship_posts", "募集不少于3000个就业见习岗位", ">="),
        ("hr_service_parks", "遴选建设 60 所左右", "about"),  # 左右 on a count: a band
        ("ui_insured", "失业保险参保人数达到 302 万人", ">="),  # a task figure
        ("new_urban_jobs", "200 万人以上, 控制在 5.5% 以内", None),  # two targets' words
    ],
)
def test_wording_comparison_keywords(indicator, words, expected):
    assert wording_comparison(words, indicator)[0] == expected


def test_a_user_row_whose_comparison_contradicts_its_wording_is_refused(tmp_path):
    good = f"{RATE},<=,5.5,percent,,true,my office,城镇调查失业率控制在5.5%左右,ceiling"
    path = _write(tmp_path, good, header=WORDED)
    (t,) = target_set("mine", extra=[path])
    assert (t.comparison, t.wording, default_tolerance(t)) == ("<=", "城镇调查失业率控制在5.5%左右", 0.0)
    band = f"{RATE},about,5.5,percent,0.5,true,my office,城镇调查失业率控制在5.5%左右,band"
    path = _write(tmp_path, good.replace("2026,2030", "2026,2026"), band, header=WORDED)
    with pytest.raises(TargetError) as exc:
        load_targets(extra=[path])
    msg = str(exc.value)
    assert f"{path}, line 3, field comparison:" in msg
    for frag in ("'about'", "控制在5.5%左右", "use '<='", "allowed: >=, <=, about"):
        assert frag in msg
    both = f"{RATE},<=,5.5,percent,,true,my office,200 万人以上 控制在5.5%以内,n"
    with pytest.raises(TargetError) as exc:
        load_targets(extra=[_write(tmp_path, both, header=WORDED)])
    assert "line 2, field wording:" in str(exc.value) and "quote one target's words" in str(exc.value)


def test_a_file_without_the_wording_column_still_loads_and_a_bare_figure_is_not_held_against_it(tmp_path):
    (t,) = target_set("mine", extra=[_write(tmp_path, GOOD)])
    assert t.wording == ""
    ceiling = f"{RATE},<=,5.5,percent,0.2,true,s,城镇调查失业率 5.5%,n"  # no comparison word: not checked
    (t,) = target_set("mine", extra=[_write(tmp_path, ceiling, header=WORDED)])
    assert (t.comparison, t.tolerance) == ("<=", 0.2)


def test_target_set_returns_targets_and_unknown_name_lists_the_sets():
    ts = target_set("hunan_2021")
    assert all(isinstance(t, Target) for t in ts)
    with pytest.raises(TargetError) as exc:
        target_set("jiangxi_14th")
    msg = str(exc.value)
    assert "'jiangxi_14th'" in msg and "did you mean 'jiangxi_14th_plan'" in msg
    for name in target_set_names():
        assert name in msg


# ---- users' files ------------------------------------------------------------------------------------


def _write(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_extra_file_adds_a_set_and_replaces_a_set_of_the_same_name(tmp_path):
    path = _write(
        tmp_path,
        GOOD,
        "hunan_2021,Hunan,new_urban_jobs,2021,2021,total,>=,75,10k persons,,false,my office,",
    )
    df = load_targets(extra=[path])
    assert "mine" in target_set_names(extra=[path])
    hunan = df[df["target_set"] == "hunan_2021"]
    assert len(hunan) == 1 and hunan["value"].iloc[0] == 75 and hunan["source_file"].iloc[0] == str(path)
    assert hunan["line"].iloc[0] == 3
    assert len(_set("hunan_2021")) == 7  # the bundled set is untouched without the extra file


@pytest.mark.parametrize(
    "row, field, fragments",
    [
        ("mine,Jiangxi,new_urban_job,2026,2030,total,>=,210,10k persons,,true,s,n", "indicator", ["'new_urban_job'", "did you mean 'new_urban_jobs'"]),
        ("mine,Jiangxi,new_urban_jobs,2026,2030,total,>=,210,10k people,,true,s,n", "unit", ["'10k people'", "unknown"]),
        ("mine,Jiangxi,new_urban_jobs,2026,2030,total,>=,210,percent,,true,s,n", "unit", ["'percent'", "use one of: persons, 10k persons"]),
        ("mine,Jiangxi,new_urban_jobs,2026,2030,total,=>,210,10k persons,,true,s,n", "comparison", ["'=>'", "allowed: >=, <=, about"]),
        ("mine,Jiangxi,new_urban_jobs,2026,2030,sum,>=,210,10k persons,,true,s,n", "basis", ["'sum'", "allowed: total, each_year, year_mean, end_level"]),
        ("mine,Jiangxi,new_urban_jobs,2030,2026,total,>=,210,10k persons,,true,s,n", "end_year", ["2026 is before start_year 2030"]),
        ("mine,Jiangxi,new_urban_jobs,twenty,2030,total,>=,210,10k persons,,true,s,n", "start_year", ["'twenty'", "not a year"]),
        ("mine,Changsha,new_urban_jobs,2026,2030,total,>=,210,10k persons,,true,s,n", "area", ["'Changsha'", "known regions"]),
        ("mine,Jiangxi,new_urban_jobs,2026,2030,total,>=,lots,10k persons,,true,s,n", "value", ["'lots'", "not a number"]),
        ("mine,Jiangxi,surveyed_unemployment_rate,2026,2030,total,<=,5.5,percent,,true,s,n", "basis", ["needs a flow indicator"]),
        ("mine,Jiangxi,new_urban_jobs,2026,2030,total,>=,210,10k persons,-5,true,s,n", "tolerance", ["'-5'", "must be >= 0"]),
        ("mine,Jiangxi,new_urban_jobs,2026,2030,total,>=,210,10k persons,,maybe,s,n", "assumption", ["'maybe'", "true or false"]),
    ],
)
def test_malformed_target_rows_are_rejected_with_file_line_field_and_reason(tmp_path, row, field, fragments):
    path = _write(tmp_path, GOOD, row)
    with pytest.raises(TargetError) as exc:
        load_targets(extra=[path])
    msg = str(exc.value)
    assert f"{path}, line 3, field {field}:" in msg
    for frag in fragments:
        assert frag in msg


def test_missing_required_column_is_reported_on_line_1(tmp_path):
    path = _write(tmp_path, "mine,Jiangxi,new_urban_jobs,2026,2030,total,210,10k persons",
                  header="target_set,area,indicator,start_year,end_year,basis,value,unit")
    with pytest.raises(TargetError) as exc:
        load_targets(extra=[path])
    msg = str(exc.value)
    assert f"{path}, line 1" in msg and "missing required column comparison" in msg


def test_duplicate_target_in_a_set_is_rejected(tmp_path):
    path = _write(tmp_path, GOOD, GOOD)
    with pytest.raises(TargetError) as exc:
        load_targets(extra=[path])
    assert f"{path}, line 3" in str(exc.value) and "already on line 2" in str(exc.value)


def test_every_problem_is_collected_and_the_message_stays_one_line(tmp_path):
    bad = "mine,Jiangxi,new_urban_jobs,2026,2030,total,>=,lots,10k persons,,true,s,n"
    path = _write(tmp_path, bad, bad.replace("2026", "2027"), bad.replace("2026", "2028"))
    with pytest.raises(TargetError) as exc:
        load_targets(extra=[path])
    assert len(exc.value.problems) == 3
    assert "\n" not in str(exc.value) and "(and 2 more problems)" in str(exc.value)


def test_a_remembered_target_set_follows_its_file(tmp_path):
    """target_set is remembered per state of its files: asking again gives equal targets (a new list each
    time, so a caller's change stays the caller's), and an edited file gives the edited targets."""
    path = _write(tmp_path, GOOD)
    first = target_set("mine", extra=[path])
    again = target_set("mine", extra=[path])
    assert first == again and first is not again
    again.clear()
    assert target_set("mine", extra=[path]) == first
    edited = GOOD.replace(",210,", ",2100,")
    assert edited != GOOD
    _write(tmp_path, edited)  # another size, whatever the clock's resolution
    (t,) = target_set("mine", extra=[path])
    assert t.value == 2100
