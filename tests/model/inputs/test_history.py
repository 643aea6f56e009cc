"""Tests for loading and validating history files (calibration/history.py, data/history.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from jobsim.model.inputs.history import (
    HISTORY_COLUMNS,
    HistoryError,
    history_for,
    history_path,
    load_history,
    parse_vintage,
)

HEADER = ",".join(HISTORY_COLUMNS)
GOOD = "Jiangxi,new_urban_jobs,2021-01,2021-12,sum,48.5,10k persons,http://example.org,全年新增48.5万人,"


def _write(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "mine.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode(encoding))
    return path


def test_every_bundled_row_parses_with_typed_columns():
    with history_path().open(encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    h = load_history()
    assert len(h) == len(raw)
    assert list(h.columns) == [*HISTORY_COLUMNS, "vintage", "source_file", "line", "replaces"]
    assert h["start"].dtype == pd.PeriodDtype("M")
    assert h["end"].dtype == pd.PeriodDtype("M")
    assert h["value"].dtype == float
    assert (h["end"] >= h["start"]).all()
    assert set(h["vintage"]) == {"revised", "early", "unknown"}
    # line numbers count the header as line 1 and point at the row in the file
    lines = history_path().read_text(encoding="utf-8").splitlines()
    for row in h.sample(25, random_state=1).itertuples():
        text = lines[row.line - 1]
        assert text.startswith(f"{row.region},{row.indicator},{row.start},{row.end},{row.stat},")


SHARED = Path(__file__).resolve().parents[4] / "shared" / "data" / "history.csv"


@pytest.mark.skipif(not SHARED.exists(), reason="the shared data extract is not beside the project")
def test_bundled_history_keeps_the_shared_extract_and_marks_its_additions():
    with SHARED.open(encoding="utf-8") as fh:
        shared = [tuple(r.values()) for r in csv.DictReader(fh)]
    with history_path().open(encoding="utf-8") as fh:
        ours = [tuple(r.values()) for r in csv.DictReader(fh)]
    assert ours[: len(shared)] == shared  # copied unchanged, additions at the end
    h = load_history()
    added = h[h["note"].str.contains("added for jobsim")]
    assert len(added) == len(ours) - len(shared) == 38
    assert (added["source_url"].str.startswith("http")).all() and (added["quote"] != "").all()
    # 9 other rows (none for Jiangxi, Hunan or Fuzhou: their later figures are held back for back-tests; China's
    # primary-sector shares are 5 of them) and 29 real GDP growth rows (an input the model conditions on), data/README.md
    growth = added[added["indicator"] == "gdp_real_growth"]
    other = added[added["indicator"] != "gdp_real_growth"]
    assert len(other) == 9 and not other["region"].isin(["Jiangxi", "Hunan", "Fuzhou"]).any()
    assert sorted(p.year for p in other[other["indicator"] == "employment_share_primary"]["end"]) == [2014, 2017, 2018, 2019, 2021]
    years = {r: sorted(p.year for p in g["start"]) for r, g in growth.groupby("region")}
    assert years["Jiangxi"] == [2021, 2022, 2023, 2024, 2025]
    assert years["Hunan"] == [2021, 2022, 2024, 2025]  # no 2023 figure found: the path interpolates it
    assert sorted(set(years["China"])) == list(range(2010, 2026))
    # China's four years with both an early and a revised figure, told apart by their notes
    twice = sorted({y for y in years["China"] if years["China"].count(y) == 2})
    assert twice == [2012, 2019, 2020, 2021] and len(years["China"]) == 20
    china = growth[growth["region"] == "China"]
    for year in twice:
        assert sorted(china.loc[[p.year == year for p in china["start"]], "vintage"]) == ["early", "revised"], year


@pytest.mark.parametrize(
    "note, vintage",
    [
        ("early bulletin (preliminary)", "early"),
        ("early bulletin", "early"),
        ("revised", "revised"),
        ("revised; quote trimmed: later-year (hold-out) values withheld", "revised"),
        ("revised; duplicate also reported by: https://x.example [early bulletin]", "revised"),
        ("early bulletin (2018 statistical bulletin); duplicate also reported by: https://x [early bulletin]", "early"),
        ("pre-census basis (not census-revised)", "unknown"),
        ("2 decimals, from the 2013 bulletin", "unknown"),
        ("", "unknown"),
        ("初步核算", "early"),
    ],
)
def test_parse_vintage(note, vintage):
    assert parse_vintage(note) == vintage


def test_bundled_vintages_for_a_revised_series():
    gdp = history_for("Jiangxi", "gdp")
    y2014 = gdp[gdp["start"] == pd.Period("2014-01", "M")].set_index("vintage")["value"]
    assert y2014["revised"] == pytest.approx(15667.78)
    assert y2014["early"] == pytest.approx(15708.6)


# ---- users' rows: add and override -------------------------------------------------------------------


def test_user_rows_add_and_override(tmp_path):
    path = _write(
        tmp_path,
        "Jiangxi,new_urban_jobs,2020-01,2020-12,sum,47,10k persons,,,my estimate",  # overrides bundled 46.2
        GOOD,  # adds 2021
    )
    bundled = load_history()
    h = load_history(extra_files=[path])
    assert len(h) == len(bundled) + 1
    jx = history_for("Jiangxi", "new_urban_jobs", history=h)
    y2020 = jx[(jx["start"] == pd.Period("2020-01", "M")) & (jx["end"] == pd.Period("2020-12", "M"))]
    assert list(y2020["value"]) == [47.0]
    assert y2020["source_file"].iloc[0] == str(path) and y2020["line"].iloc[0] == 2
    y2021 = jx[jx["start"] == pd.Period("2021-01", "M")]
    assert list(y2021["value"]) == [48.5] and y2021["line"].iloc[0] == 3
    # the bundled 46.2 is still there without the user file
    plain = history_for("Jiangxi", "new_urban_jobs")
    assert 46.2 in list(plain["value"]) and 47.0 not in list(plain["value"])


def test_override_replaces_every_bundled_row_with_the_key(tmp_path):
    # the bundled file has two rows for Jiangxi new urban jobs 2016 (55.15 and 55.2)
    bundled = history_for("Jiangxi", "new_urban_jobs")
    key = (bundled["start"] == pd.Period("2016-01", "M")) & (bundled["end"] == pd.Period("2016-12", "M"))
    assert sorted(bundled.loc[key, "value"]) == [55.15, 55.2]
    path = _write(tmp_path, "Jiangxi,new_urban_jobs,2016-01,2016-12,sum,55.3,10k persons,,,")
    h = history_for("Jiangxi", "new_urban_jobs", history=load_history(extra_files=[path]))
    key = (h["start"] == pd.Period("2016-01", "M")) & (h["end"] == pd.Period("2016-12", "M"))
    assert list(h.loc[key, "value"]) == [55.3]


def test_a_later_user_file_overrides_an_earlier_one(tmp_path):
    a = _write(tmp_path, GOOD, name="a.csv")
    b = _write(tmp_path, GOOD.replace("48.5", "49"), name="b.csv")
    h = history_for("Jiangxi", "new_urban_jobs", history=load_history(extra_files=[a, b]))
    y2021 = h[h["start"] == pd.Period("2021-01", "M")]
    assert list(y2021["value"]) == [49.0] and y2021["source_file"].iloc[0] == str(b)


def test_user_file_without_provenance_columns_and_in_gb18030(tmp_path):
    path = _write(
        tmp_path,
        "Nanchang,registered_unemployment_rate,2021-10,2021-10,end,3.2,percent,南昌市人社局",
        header="region,indicator,start,end,stat,value,unit,note",
        encoding="gb18030",
    )
    h = history_for("Nanchang", history=load_history(extra_files=[path]))
    assert len(h) == 1 and h["note"].iloc[0] == "南昌市人社局" and h["source_url"].iloc[0] == ""


def test_person_counts_are_accepted_for_person_time_indicators(tmp_path):
    path = _write(tmp_path, "Jiangxi,subsidised_training,2021-01,2021-12,sum,70,10k persons,,,counted in persons")
    h = history_for("Jiangxi", "subsidised_training", history=load_history(extra_files=[path]))
    assert list(h["value"]) == [70.0]


# ---- malformed rows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "row, field, fragments",
    [
        ("Jiangxi,new_urban_job,2021-01,2021-12,sum,48,10k persons,,,", "indicator",
         ["'new_urban_job'", "did you mean 'new_urban_jobs'"]),
        ("Jiangxi,new_urban_jobs,2021-01,2021-12,sum,48,10k peeps,,,", "unit", ["'10k peeps'", "unknown"]),
        ("Jiangxi,new_urban_jobs,2021-01,2021-12,sum,48,percent,,,", "unit",
         ["'percent' measures rate", "'10k persons' (persons)", "use one of: persons, 10k persons"]),
        ("Jiangxi,surveyed_unemployment_rate,2021-01,2021-12,mean,5.2,10k persons,,,", "unit",
         ["measures persons", "use one of: percent, fraction"]),
        ("Jiangxi,gdp_real_growth,2021-01,2021-12,growth,8,100M yuan,,,", "unit", ["not a rate unit"]),
        ("Jiangxi,new_urban_jobs,2021-13,2021-12,sum,48,10k persons,,,", "start", ["'2021-13'", "YYYY-MM"]),
        ("Jiangxi,new_urban_jobs,2021-01,2021/12,sum,48,10k persons,,,", "end", ["'2021/12'", "YYYY-MM"]),
        ("Jiangxi,new_urban_jobs,2021-12,2021-01,sum,48,10k persons,,,", "end", ["before start '2021-12'"]),
        ("Jiangxi,new_urban_jobs,2021-01,2021-12,total,48,10k persons,,,", "stat",
         ["'total'", "allowed: sum, mean, end, growth"]),
        ("Jiangxi,surveyed_unemployment_rate,2021-01,2021-12,sum,5.2,percent,,,", "stat",
         ["'sum' does not fit", "a rate indicator", "allowed for a rate: end, mean, growth"]),
        ("Jiangxi,new_urban_jobs,2021-01,2021-12,sum,48万,10k persons,,,", "value", ["'48万'", "not a number"]),
        ("Jiangxi,new_urban_jobs,2021-01,2021-12,sum,,10k persons,,,", "value", ["''", "not a number"]),
        ("Jiangxl,new_urban_jobs,2021-01,2021-12,sum,48,10k persons,,,", "region",
         ["'Jiangxl'", "did you mean 'Jiangxi'", "data/regions.csv"]),
    ],
)
def test_malformed_rows_are_rejected_with_file_line_and_reason(tmp_path, row, field, fragments):
    path = _write(tmp_path, GOOD, row)
    with pytest.raises(HistoryError) as exc:
        load_history(extra_files=[path])
    msg = str(exc.value)
    assert f"{path}, line 3, field {field}:" in msg
    for frag in fragments:
        assert frag in msg


def test_missing_required_column_is_reported_on_line_1(tmp_path):
    path = _write(tmp_path, "Jiangxi,new_urban_jobs,2021-01,2021-12,48,10k persons",
                  header="region,indicator,start,end,value,unit")
    with pytest.raises(HistoryError) as exc:
        load_history(extra_files=[path])
    msg = str(exc.value)
    assert f"{path}, line 1" in msg and "missing required column stat" in msg


def test_row_with_the_wrong_number_of_fields(tmp_path):
    path = _write(tmp_path, GOOD, "Jiangxi,new_urban_jobs,2021-01,2021-12,sum,1,200,10k persons,,,")
    with pytest.raises(HistoryError) as exc:
        load_history(extra_files=[path])
    assert f"{path}, line 3" in str(exc.value) and "11 fields but the header has 10" in str(exc.value)


def test_line_numbers_count_multi_line_quoted_fields(tmp_path):
    path = _write(tmp_path, 'Jiangxi,new_urban_jobs,2020-01,2020-12,sum,47,10k persons,,"a quote\nover two lines",', "",
                  "Jiangxi,new_urban_jobs,2021-01,2021-12,sum,lots,10k persons,,,")
    with pytest.raises(HistoryError) as exc:
        load_history(extra_files=[path])
    assert f"{path}, line 5, field value" in str(exc.value)


def test_every_problem_is_collected(tmp_path):
    path = _write(tmp_path, "Jiangxi,new_urban_job,2021-01,2021-12,sum,48,10k persons,,,",
                  "Jiangxi,new_urban_jobs,2021-01,2021-12,sum,x,10k persons,,,")
    with pytest.raises(HistoryError) as exc:
        load_history(extra_files=[path])
    assert len(exc.value.problems) == 2
    assert "line 2" in exc.value.problems[0] and "line 3" in exc.value.problems[1]
    assert "(and 1 more problem)" in str(exc.value)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(HistoryError) as exc:
        load_history(extra_files=[tmp_path / "nope.csv"])
    assert "nope.csv" in str(exc.value) and "cannot read" in str(exc.value)


# ---- history_for ------------------------------------------------------------------------------------------


def test_history_for_filters_and_sorts():
    h = history_for("Jiangxi")
    assert set(h["region"]) == {"Jiangxi"} and len(h) > 50
    jobs = history_for("Jiangxi", "new_urban_jobs")
    assert set(jobs["indicator"]) == {"new_urban_jobs"}
    assert list(jobs["start"]) == sorted(jobs["start"])
    two = history_for("Jiangxi", ["gdp", "gdp_real_growth"])
    assert set(two["indicator"]) == {"gdp", "gdp_real_growth"}
    assert history_for("Jian").empty  # a known region without history


def test_history_for_unknown_region_or_indicator():
    with pytest.raises(HistoryError) as exc:
        history_for("Hunnan")
    assert "did you mean 'Hunan'" in str(exc.value) and "China" in str(exc.value)
    with pytest.raises(HistoryError) as exc:
        history_for("Hunan", "gdp_growth")
    assert "'gdp_growth'" in str(exc.value) and "gdp_real_growth" in str(exc.value)
